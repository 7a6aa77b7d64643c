"""Reading a student's image safely: any common format in, an (H, W, 3) uint8 array out.

Every failure is a :class:`ImageError` (a ValueError) whose message is a sentence a student
understands. Decompression bombs and over-large images are refused from the header, before
any pixel is decoded.
"""

from __future__ import annotations

import io
import os
import struct
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "DEFAULT_MAX_SIDE",
    "ImageError",
    "LoadedImage",
    "load_image",
    "open_image",
    "to_grey",
]

#: Largest image accepted, in pixels (about a 25-megapixel photo).
DEFAULT_MAX_PIXELS = 25_000_000
#: Long side of the copy used for interactive work.
DEFAULT_MAX_SIDE = 1024
#: Largest input accepted, in bytes.
MAX_FILE_BYTES = 50 * 1024 * 1024

# Decoders allowed for uploads (JPEG covers phones' multi-picture MPO files). Pillow's other
# decoders (EPS, PSD, FITS, ...) are rarely needed and widen the attack surface.
_WANTED_FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP", "AVIF", "TIFF", "PPM", "ICO")
Image.init()
_FORMATS = tuple(f for f in _WANTED_FORMATS if f in Image.OPEN)
_FORMAT_NAMES = "PNG, JPEG, GIF, BMP, WebP or TIFF"
# ITU-R BT.601 luma weights, as in Pillow's convert("L").
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


# What Pillow's decoders raise on malformed bytes (seen in the fuzz test of tests/test_images.py):
# not only OSError, but also lookup, type and arithmetic errors from deep inside a plugin.
_DECODER_ERRORS = (
    OSError,
    ValueError,
    SyntaxError,
    EOFError,
    IndexError,
    KeyError,
    TypeError,
    struct.error,
    ZeroDivisionError,
)
_MAGIC = {
    b"\x89PNG": "PNG",
    b"\xff\xd8": "JPEG",
    b"GIF8": "GIF",
    b"BM": "BMP",
    b"II*\x00": "TIFF",
    b"MM\x00*": "TIFF",
}


class ImageError(ValueError):
    """An image that cannot be used, with a message meant for the student."""


@dataclass(frozen=True, eq=False)
class LoadedImage:
    """A decoded image and what was done to it.

    Attributes
    ----------
    pixels : ndarray of shape (H, W, 3), uint8
        RGB pixels, upright, at most ``max_side`` on the long side.
    original_size : (int, int)
        (height, width) of the file's image, before any rotation or downscaling.
    format : str
        Pillow's format name, e.g. ``"JPEG"``.
    notes : tuple of str
        Sentences about what was changed (first frame of an animation, rotated, downscaled...).
    """

    pixels: np.ndarray
    original_size: tuple[int, int]
    format: str
    notes: tuple[str, ...] = ()


def load_image(
    data: bytes | str | os.PathLike,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_side: int | None = DEFAULT_MAX_SIDE,
) -> np.ndarray:
    """Read an image file and return its pixels as an (H, W, 3) uint8 array.

    See :func:`open_image`, which also reports the original size and what was changed.
    """
    return open_image(data, max_pixels=max_pixels, max_side=max_side).pixels


def open_image(
    data: bytes | str | os.PathLike,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_side: int | None = DEFAULT_MAX_SIDE,
) -> LoadedImage:
    """Read an image file safely.

    Parameters
    ----------
    data : bytes or path
        The file's contents, or its path.
    max_pixels : int, optional
        Refuse images with more pixels than this (checked from the header, before decoding).
    max_side : int or None, optional
        Downscale so the long side is at most this (None keeps the full size).

    Returns
    -------
    LoadedImage

    Raises
    ------
    ImageError
        Empty, truncated, unreadable, unsupported or too large, with a plain explanation.
    TypeError
        If ``data`` is neither bytes nor a path.

    Notes
    -----
    Handles EXIF orientation (phone photos), CMYK, 16-bit and 32-bit greyscale, palette
    images, transparency (composited on white), 1-bit images and animations (first frame).
    """
    if isinstance(max_pixels, bool) or not isinstance(max_pixels, int) or max_pixels < 1:
        raise ValueError(f"max_pixels must be a positive int, got {max_pixels!r}")
    if max_side is not None and (
        isinstance(max_side, bool) or not isinstance(max_side, int) or max_side < 16
    ):
        raise ValueError(f"max_side must be an int >= 16 or None, got {max_side!r}")
    raw = _read_bytes(data)
    notes: list[str] = []
    # No warnings filters here: they are process-wide, and changing them from one session's thread
    # would change them for every other. Pillow's own bomb check only warns below twice its limit,
    # so the pixel count is checked here, before anything is decoded.
    try:
        im = Image.open(io.BytesIO(raw), formats=_FORMATS)
    except UnidentifiedImageError:
        raise ImageError(_not_an_image(raw)) from None
    except Image.DecompressionBombError:
        raise ImageError(_BOMB) from None
    except _DECODER_ERRORS:
        raise ImageError(
            "This image file is damaged and cannot be opened. Try saving it again or choose another image."
        ) from None
    try:
        width, height = im.size
        if Image.MAX_IMAGE_PIXELS and width * height > Image.MAX_IMAGE_PIXELS:
            raise ImageError(_BOMB)
        return _decode(im, raw, notes, max_pixels, max_side)
    except ImageError:
        raise
    except Image.DecompressionBombError:
        raise ImageError("This image is far too large to open safely. Please use a normal photo.") from None
    except MemoryError:
        raise ImageError("This image needs more memory than the server can give it.") from None
    except _DECODER_ERRORS:
        raise ImageError(
            "This image file is damaged or incomplete and cannot be decoded. "
            "Try saving it again or choose another image."
        ) from None
    finally:
        im.close()


_BOMB = (
    "This image is far too large (it claims more pixels than any photo needs, which "
    "is how 'decompression bomb' files attack servers). Please use a normal photo."
)


def _read_bytes(data: object) -> bytes:
    if isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
    elif isinstance(data, (str, os.PathLike)):
        try:
            size = os.path.getsize(data)
            if size > MAX_FILE_BYTES:
                raise ImageError(_too_big_file(size))
            with open(data, "rb") as fh:
                raw = fh.read()
        except FileNotFoundError:
            raise ImageError(f"There is no file at {os.fspath(data)!r}.") from None
        except IsADirectoryError:
            raise ImageError(f"{os.fspath(data)!r} is a folder, not an image file.") from None
    else:
        raise TypeError(f"data must be bytes or a file path, got {type(data).__name__}")
    if not raw:
        raise ImageError("The file is empty (0 bytes). Please choose an image file.")
    if len(raw) > MAX_FILE_BYTES:
        raise ImageError(_too_big_file(len(raw)))
    return raw


def _too_big_file(size: int) -> str:
    return (
        f"The file is {size / 2**20:.0f} MB; the limit is {MAX_FILE_BYTES // 2**20} MB. "
        "Please use a smaller photo."
    )


def _not_an_image(raw: bytes) -> str:
    head = raw[:12]
    for magic, fmt in _MAGIC.items():
        if head.startswith(magic):
            return f"This {fmt} file is damaged or incomplete and cannot be opened. Try saving it again."
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "This WebP file is damaged or incomplete and cannot be opened. Try saving it again."
    if head[4:8] == b"ftyp":
        return (
            "This looks like a HEIC photo (the iPhone's format) or a video, which this tool cannot "
            f"read. Please export it as JPEG or PNG. Supported: {_FORMAT_NAMES}."
        )
    if head.startswith(b"%PDF"):
        return f"This is a PDF document, not an image. Supported: {_FORMAT_NAMES}."
    if head.lstrip().startswith(b"<"):
        return (
            "This looks like a text, web page or SVG file, not a picture made of pixels. "
            f"Supported: {_FORMAT_NAMES}."
        )
    return f"This file is not an image this tool can read. Supported: {_FORMAT_NAMES}."


def _decode(
    im: Image.Image, raw: bytes, notes: list[str], max_pixels: int, max_side: int | None
) -> LoadedImage:
    width, height = im.size
    fmt = im.format or "unknown"
    if width < 1 or height < 1:
        raise ImageError("This image has no pixels (its width or height is 0).")
    if width * height > max_pixels:
        raise ImageError(
            f"This image is {width} x {height} pixels ({width * height / 1e6:.1f} megapixels); "
            f"the limit is {max_pixels / 1e6:g} megapixels. Please use a smaller image."
        )
    frames = getattr(im, "n_frames", 1)
    if frames > 1 and fmt != "MPO":
        notes.append(f"This is an animated image with {frames} frames; the first frame is used.")
    if max_side is not None and fmt in ("JPEG", "MPO") and max(width, height) > 2 * max_side:
        # Let the JPEG decoder shrink by 1/2, 1/4 or 1/8 while decoding: much faster.
        scale = max_side / max(width, height)
        im.draft("RGB", (max(1, int(width * scale)) + 1, max(1, int(height * scale)) + 1))
    im.load()
    upright = im
    try:
        orientation = im.getexif().get(0x0112, 1)
        if orientation not in (1, None):
            upright = ImageOps.exif_transpose(im)
            notes.append("The photo was turned upright using its orientation tag (EXIF).")
    except _DECODER_ERRORS:
        upright = im  # a broken EXIF block: keep the image as stored
    rgb = _to_rgb(upright, notes)
    if max_side is not None and max(rgb.size) > max_side:
        scale = max_side / max(rgb.size)
        new = (max(1, round(rgb.size[0] * scale)), max(1, round(rgb.size[1] * scale)))
        notes.append(f"Shrunk from {width} x {height} to {new[0]} x {new[1]} pixels for interactive work.")
        rgb = rgb.resize(new, Image.Resampling.LANCZOS, reducing_gap=3.0)
    pixels = np.array(rgb, dtype=np.uint8)
    if pixels.ndim != 3 or pixels.shape[2] != 3:  # pragma: no cover - _to_rgb guarantees RGB
        raise ImageError("This image could not be converted to colour pixels.")
    return LoadedImage(pixels, (height, width), fmt, tuple(notes))


def _to_rgb(im: Image.Image, notes: list[str]) -> Image.Image:
    mode = im.mode
    if mode == "RGB":
        return im
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        with np.errstate(invalid="ignore", over="ignore"):  # corrupt files can hold anything
            arr = np.asarray(im).astype(np.float64)
        if not np.isfinite(arr).all():
            finite = arr[np.isfinite(arr)]
            arr = np.nan_to_num(arr, nan=0.0, posinf=finite.max(initial=0.0), neginf=finite.min(initial=0.0))
            notes.append("Missing or infinite values were replaced.")
        if mode.startswith("I;16") or (
            mode == "I" and arr.min() >= 0 and arr.max() <= 65535 and arr.max() > 255
        ):
            arr = arr / 257.0
            notes.append("A 16-bit image was scaled to the usual 0-255 range.")
        elif mode in ("I", "F") and (arr.min() < 0 or arr.max() > 255):
            lo, hi = float(arr.min()), float(arr.max())
            with np.errstate(over="ignore", invalid="ignore"):  # values near the float limits
                arr = (arr - lo) / (hi - lo) * 255.0 if hi > lo else np.zeros_like(arr)
            arr = np.nan_to_num(arr, nan=0.0, posinf=255.0, neginf=0.0)
            notes.append(f"Values from {lo:g} to {hi:g} were stretched to 0-255.")
        grey = np.clip(np.rint(arr), 0, 255).astype(np.uint8)
        return Image.fromarray(grey, "L").convert("RGB")
    if mode == "CMYK":
        notes.append("A CMYK (print) image was converted to RGB screen colours.")
        return im.convert("RGB")
    has_alpha = mode in ("RGBA", "LA", "La", "RGBa", "PA") or (mode == "P" and "transparency" in im.info)
    if has_alpha:
        rgba = im.convert("RGBA")
        if rgba.getextrema()[3][0] < 255:
            notes.append("Transparent parts are shown on a white background.")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return im.convert("RGB")


def to_grey(image: np.ndarray) -> np.ndarray:
    """Luminance of an (H, W, 3) RGB image as float32 (H, W): 0.299 R + 0.587 G + 0.114 B.

    A 2-D input is returned as float32 unchanged.
    """
    arr = np.asarray(image)
    if arr.ndim == 2:
        return arr.astype(np.float32)
    if arr.ndim != 3 or arr.shape[2] != 3:
        raise ValueError(f"image must have shape (H, W, 3) or (H, W), got {arr.shape}")
    return arr.astype(np.float32) @ _LUMA

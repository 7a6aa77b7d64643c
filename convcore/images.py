"""Reading a student's image safely: any common format in, an (H, W, 3) uint8 array out.

Every failure is a :class:`ImageError` (a ValueError) whose message is a sentence a student
understands. Decompression bombs and over-large images are refused from the header, before
any pixel is decoded. One upload cannot hold the server for long or take much memory: at most
``FRAME_LIMIT`` frames are counted, the decode keeps about one full-size copy besides Pillow's
own, and :func:`decode_cost` estimates its peak memory from the header (the app budgets it).
"""

from __future__ import annotations

import functools
import io
import os
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "DEFAULT_MAX_SIDE",
    "ImageError",
    "LoadedImage",
    "decode_cost",
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
#: Frames counted at most: Pillow walks every frame of a GIF or TIFF to count them, and its TIFF
#: walk is quadratic (100,000 tiny pages took 87-115 s). Beyond this the note says "more than".
FRAME_LIMIT = 1000

# Decoders allowed for uploads (JPEG covers phones' multi-picture MPO files). Pillow's other
# decoders (EPS, PSD, FITS, ...) are rarely needed and widen the attack surface.
_WANTED_FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP", "AVIF", "TIFF", "PPM", "ICO")


#: The wanted decoders Pillow loads by itself (``Image.preinit``); the others need every plugin loaded.
_PRELOADED = ("PNG", "JPEG", "GIF", "BMP")


@functools.cache
def _formats() -> tuple[str, ...]:
    """The wanted decoders that this Pillow has. Asked at the first decode that needs it, not at
    import: loading every Pillow plugin to list them (``Image.init``) takes about 20 ms, which Home's
    first paint would wait for (issue 18's cold start)."""
    Image.init()
    return tuple(f for f in _WANTED_FORMATS if f in Image.OPEN)


def _formats_for(raw: bytes) -> tuple[str, ...]:
    """The decoders to try on ``raw``: only its own where its first bytes name a preloaded format
    (no other wanted format starts that way, so Pillow would find no other), else every wanted one."""
    named = next((f for magic, f in _MAGIC.items() if raw.startswith(magic)), None)
    return (named,) if named in _PRELOADED else _formats()


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
    Bounded in time and memory: at most ``FRAME_LIMIT`` frames are counted, and the decode keeps
    about one full-size copy besides Pillow's own (see :func:`decode_cost`).
    """
    _check_limits(max_pixels, max_side)
    raw = _read_bytes(data)
    with _opened(raw) as im:
        return _decode(im, max_pixels, max_side)


def decode_cost(
    data: bytes | str | os.PathLike,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_side: int | None = DEFAULT_MAX_SIDE,
) -> int:
    """Bytes that :func:`open_image` may need at its peak to decode this file, from the header alone.

    Cheap (no pixel is decoded): width x height x (bytes per pixel of Pillow's copy of the file's
    mode + bytes per pixel of the one converted or rotated copy), plus the downscaled result, times
    a measured margin (``bench/bench_decode.py`` prints the estimate beside the measured peak).

    Parameters
    ----------
    data : bytes or path
        The file's contents, or its path.
    max_pixels, max_side
        As for :func:`open_image` (a JPEG is decoded smaller when ``max_side`` allows).

    Returns
    -------
    int
        Bytes.

    Raises
    ------
    ImageError
        For the files :func:`open_image` refuses from the header (not an image, damaged header,
        too many pixels), with the same sentence.

    Examples
    --------
    >>> from PIL import Image
    >>> import io
    >>> buf = io.BytesIO()
    >>> Image.new("RGB", (2000, 1000)).save(buf, "PNG")
    >>> decode_cost(buf.getvalue()) > 2000 * 1000 * 4
    True
    """
    _check_limits(max_pixels, max_side)
    raw = _read_bytes(data)
    with _opened(raw) as im:
        _check_header(im, max_pixels)
        _draft(im, max_side)
        width, height = im.size
        new_width, new_height = _shrunk_size(im.size, max_side)
        stored = _STORED_BYTES.get(im.mode, 4)
        # The copy besides Pillow's: the converted image, or a turned one (EXIF orientation is not
        # always in the header, so every file is assumed to possibly need turning).
        copy = max(stored, _CONVERTED_BYTES.get(im.mode, 4))
        full = width * height * (stored + copy + _DECODER_BYTES.get(im.format, 0))
        # Pillow shrinks rows first (an RGB image new_width wide and full height; the file may be
        # turned first), then the result.
        shrink = max(new_width * height, new_height * width) * 4 if new_width < width else 0
        return int(_COST_MARGIN * (full + shrink + new_width * new_height * _RESULT_BYTES))


# Bytes per pixel of the decode's images. What Pillow keeps, by mode (the rest take 4); what the
# decode converts each mode to (grey stays 1 byte until the end, colour and transparency become
# RGB, 4 bytes in Pillow); what a decoder holds besides Pillow's image, by format (libwebp's canvas
# and the frame it hands over; libavif's planes).
_STORED_BYTES = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16B": 2, "I;16L": 2, "I;16N": 2}
_CONVERTED_BYTES = {"1": 1, "L": 1, "I;16": 1, "I;16B": 1, "I;16L": 1, "I;16N": 1, "I": 1, "F": 1}
_DECODER_BYTES = {"WEBP": 8, "AVIF": 4}
# The result per pixel: Pillow's RGB copy (4), its bytes and the numpy array (3 + 3 + 3).
_RESULT_BYTES = 13
# Measured peak RSS / the sum above, 25-megapixel files of every mode and format (bench_decode.py
# and more): at most 0.96 (a WebP), 0.93 (an RGBA PNG), 0.5-0.9 for the rest. The margin leaves
# room for heap fragmentation and other builds of the decoders.
_COST_MARGIN = 1.25


def _check_limits(max_pixels: object, max_side: object) -> None:
    if isinstance(max_pixels, bool) or not isinstance(max_pixels, int) or max_pixels < 1:
        raise ValueError(f"max_pixels must be a positive int, got {max_pixels!r}")
    if max_side is not None and (
        isinstance(max_side, bool) or not isinstance(max_side, int) or max_side < 16
    ):
        raise ValueError(f"max_side must be an int >= 16 or None, got {max_side!r}")


@contextmanager
def _opened(raw: bytes) -> Iterator[Image.Image]:
    """Pillow's image of ``raw``, header read and no pixels yet; every failure becomes an ImageError."""
    # No warnings filters here: they are process-wide, and changing them from one session's thread
    # would change them for every other. Pillow's own bomb check only warns below twice its limit,
    # so the pixel count is checked by _check_header, before anything is decoded.
    try:
        im = Image.open(io.BytesIO(raw), formats=_formats_for(raw))
    except UnidentifiedImageError:
        raise ImageError(_not_an_image(raw)) from None
    except Image.DecompressionBombError:
        raise ImageError(_BOMB) from None
    except _DECODER_ERRORS:
        raise ImageError(
            "This image file is damaged and cannot be opened. Try saving it again or choose another image."
        ) from None
    try:
        yield im
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


def _check_header(im: Image.Image, max_pixels: int) -> None:
    """Refuse, from the header, images that are bombs, empty or over ``max_pixels``."""
    width, height = im.size
    if Image.MAX_IMAGE_PIXELS and width * height > Image.MAX_IMAGE_PIXELS:
        raise ImageError(_BOMB)
    if width < 1 or height < 1:
        raise ImageError("This image has no pixels (its width or height is 0).")
    if width * height > max_pixels:
        raise ImageError(
            f"This image is {width} x {height} pixels ({width * height / 1e6:.1f} megapixels); "
            f"the limit is {max_pixels / 1e6:g} megapixels. Please use a smaller image."
        )


def _draft(im: Image.Image, max_side: int | None) -> None:
    """Let the JPEG decoder shrink by 1/2, 1/4 or 1/8 while decoding (much faster, much smaller)."""
    width, height = im.size
    if max_side is not None and im.format in ("JPEG", "MPO") and max(width, height) > 2 * max_side:
        scale = max_side / max(width, height)
        im.draft("RGB", (max(1, int(width * scale)) + 1, max(1, int(height * scale)) + 1))


def _shrunk_size(size: tuple[int, int], max_side: int | None) -> tuple[int, int]:
    """(width, height) with the long side at most ``max_side``."""
    if max_side is None or max(size) <= max_side:
        return size
    scale = max_side / max(size)
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


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


def _decode(im: Image.Image, max_pixels: int, max_side: int | None) -> LoadedImage:
    _check_header(im, max_pixels)
    width, height = im.size
    fmt = im.format or "unknown"
    notes: list[str] = []
    frames = _count_frames(im)
    if frames > 1 and fmt != "MPO":
        count = f"more than {FRAME_LIMIT:,}" if frames > FRAME_LIMIT else str(frames)
        notes.append(f"This is an animated image with {count} frames; the first frame is used.")
    _draft(im, max_side)
    im.load()
    # At most two full-size images at a time: each step frees the one before it as soon as it has
    # made its own (Pillow's decode, then the turned copy, then the converted one).
    upright = _upright(im, notes)
    if upright is not im:
        im.close()
    work = _to_rgb(upright, notes)
    if work is not upright:
        upright.close()
    new = _shrunk_size(work.size, max_side)
    if new != work.size:
        notes.append(f"Shrunk from {width} x {height} to {new[0]} x {new[1]} pixels for interactive work.")
        work = work.resize(new, Image.Resampling.LANCZOS, reducing_gap=3.0)
    if work.mode == "L":  # grey is shrunk as one channel (the same numbers as three equal ones)
        pixels = np.repeat(np.asarray(work)[:, :, None], 3, axis=2)
    else:
        pixels = np.array(work, dtype=np.uint8)
    return LoadedImage(pixels, (height, width), fmt, tuple(notes))


def _count_frames(im: Image.Image) -> int:
    """How many frames ``im`` has, counting no further than ``FRAME_LIMIT + 1``; frame 0 stays selected.

    Pillow's ``n_frames`` walks the whole file for GIF and TIFF (for TIFF in quadratic time), so
    those two are walked one frame at a time up to the limit. A TIFF is walked with ``seek``, which
    reads each page's header and no pixels (one ``seek`` far ahead would also do, but then Pillow
    records a wrong count when the file ends first). A GIF is walked with the step that Pillow's
    own ``n_frames`` and ``is_animated`` use, ``_seek(n, update_image=False)``, which skips each
    frame's data: its public ``seek`` decodes and composites every frame it passes, a conversion of
    the whole canvas each. The other formats know their count from the header (PNG, WebP, AVIF,
    MPO) or have one frame.
    """
    if not getattr(im, "is_animated", False):
        return 1
    if im.format not in ("TIFF", "GIF"):
        return min(im.n_frames, FRAME_LIMIT + 1)
    step = im.seek if im.format == "TIFF" else functools.partial(im._seek, update_image=False)
    count = 1
    try:
        while count <= FRAME_LIMIT:
            step(count)
            count += 1
    except EOFError:
        pass
    im.seek(0)
    return count


def _upright(im: Image.Image, notes: list[str]) -> Image.Image:
    """``im`` turned by its EXIF orientation tag (a new image), or ``im`` itself."""
    try:
        orientation = im.getexif().get(0x0112, 1)
        if orientation not in (1, None):
            upright = ImageOps.exif_transpose(im)
            notes.append("The photo was turned upright using its orientation tag (EXIF).")
            return upright
    except _DECODER_ERRORS:
        pass  # a broken EXIF block: keep the image as stored
    return im


_WIDE_GREY = ("I;16", "I;16B", "I;16L", "I;16N", "I", "F")
_ALPHA = ("RGBA", "LA", "La", "RGBa", "PA")
# Pixels per band of the band-by-band conversions: their temporaries stay a few MB whatever the image.
_BAND_PIXELS = 1 << 20


def _to_rgb(im: Image.Image, notes: list[str]) -> Image.Image:
    """``im`` as an "RGB" image, or as "L" where it is grey (it becomes RGB after shrinking).

    Returns ``im`` itself when it is already RGB or L; otherwise one new full-size image, made band
    by band where Pillow or numpy would make several full-size temporaries.
    """
    mode = im.mode
    if mode in ("RGB", "L"):
        return im
    if mode == "1":
        return im.convert("L")
    if mode in _WIDE_GREY:
        return _wide_to_grey(im, notes)
    if mode == "CMYK":
        notes.append("A CMYK (print) image was converted to RGB screen colours.")
        return im.convert("RGB")
    if mode in _ALPHA or (mode == "P" and "transparency" in im.info):
        return _on_white(im, notes)
    return im.convert("RGB")


def _bands(size: tuple[int, int]) -> list[tuple[int, int, int, int]]:
    """Boxes (left, upper, right, lower) of full-width bands of about ``_BAND_PIXELS`` pixels."""
    width, height = size
    rows = max(1, _BAND_PIXELS // width)
    return [(0, top, width, min(height, top + rows)) for top in range(0, height, rows)]


def _on_white(im: Image.Image, notes: list[str]) -> Image.Image:
    """A transparent image composited on white, band by band, into one new RGB image."""
    out = Image.new("RGB", im.size)
    see_through = False
    for box in _bands(im.size):
        rgba = im.crop(box).convert("RGBA")
        see_through = see_through or rgba.getextrema()[3][0] < 255
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        out.paste(Image.alpha_composite(background, rgba).convert("RGB"), box)
    if see_through:
        notes.append("Transparent parts are shown on a white background.")
    return out


def _wide_to_grey(im: Image.Image, notes: list[str]) -> Image.Image:
    """16-bit, 32-bit integer and floating-point grey as 8-bit grey ("L").

    Band by band in float64: the same numbers as whole-image maths, whose float64 temporaries
    took 8 bytes per pixel each (600 MB for a 25-megapixel 16-bit PNG). 16-bit is divided by 257;
    32-bit images need the whole image's range first, so they are read twice.
    """
    boxes = _bands(im.size)
    replace, lo, hi = None, 0.0, 255.0
    if im.mode in ("I", "F"):
        replace, lo, hi = _grey_range(im, boxes)
        if replace is not None:
            notes.append("Missing or infinite values were replaced.")
    sixteen = im.mode.startswith("I;16") or (im.mode == "I" and lo >= 0 and 255 < hi <= 65535)
    stretch = not sixteen and im.mode in ("I", "F") and (lo < 0 or hi > 255)
    if sixteen:
        notes.append("A 16-bit image was scaled to the usual 0-255 range.")
    elif stretch:
        notes.append(f"Values from {lo:g} to {hi:g} were stretched to 0-255.")
    out = np.empty((im.height, im.width), np.uint8)
    for box in boxes:
        x = _float_band(im, box)
        if replace is not None:
            np.nan_to_num(x, copy=False, nan=0.0, posinf=replace[0], neginf=replace[1])
        if sixteen:
            x /= 257.0
        elif stretch and hi > lo:
            with np.errstate(over="ignore", invalid="ignore"):  # values near the float limits
                x = (x - lo) / (hi - lo) * 255.0
            np.nan_to_num(x, copy=False, nan=0.0, posinf=255.0, neginf=0.0)
        elif stretch:
            x[:] = 0.0
        out[box[1] : box[3]] = np.clip(np.rint(x, out=x), 0, 255, out=x)
    return Image.fromarray(out)


def _float_band(im: Image.Image, box: tuple[int, int, int, int]) -> np.ndarray:
    with np.errstate(invalid="ignore", over="ignore"):  # corrupt files can hold anything
        return np.asarray(im.crop(box)).astype(np.float64)


def _grey_range(
    im: Image.Image, boxes: list[tuple[int, int, int, int]]
) -> tuple[tuple[float, float] | None, float, float]:
    """The replacements for +inf and -inf (None when every value is finite), and the lowest and
    highest values once NaN is replaced by 0 and the infinities by their replacements.

    As ``np.nan_to_num(posinf=finite.max(initial=0.0), neginf=finite.min(initial=0.0))`` would do
    on the whole image: the replacements are the extreme finite values, or 0 when 0 is beyond them.
    """
    fmin, fmax = np.inf, -np.inf
    nan = posinf_seen = neginf_seen = False
    for box in boxes:
        x = _float_band(im, box)
        finite = np.isfinite(x)
        if not finite.all():
            nan = nan or bool(np.isnan(x).any())
            posinf_seen = posinf_seen or bool((x == np.inf).any())
            neginf_seen = neginf_seen or bool((x == -np.inf).any())
            x = x[finite]
        if x.size:
            fmin, fmax = min(fmin, float(x.min())), max(fmax, float(x.max()))
    if not (nan or posinf_seen or neginf_seen):
        return None, fmin, fmax
    posinf, neginf = max(fmax, 0.0), min(fmin, 0.0)
    values = ([fmin, fmax] if fmin <= fmax else []) + [0.0] * nan
    values += [posinf] * posinf_seen + [neginf] * neginf_seen
    return (posinf, neginf), min(values), max(values)


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

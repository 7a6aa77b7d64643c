"""Write the awkward-file corpus used by tests/test_images.py (run from the repo root).

    python tests/corpus/make_corpus.py

Files named ok_* must load; files named bad_* must be refused with a clear ImageError.
Deterministic: running it again gives the same files.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent


def _gradient(w: int, h: int) -> np.ndarray:
    r = np.linspace(0, 255, w)[None, :].repeat(h, 0)
    g = np.linspace(0, 255, h)[:, None].repeat(w, 1)
    return np.stack([r, g, 255 - r], axis=2).astype(np.uint8)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def _png_header_only(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IEND", b"")


def _save(name: str, im: Image.Image, **kwargs) -> bytes:
    buf = io.BytesIO()
    im.save(buf, **kwargs)
    (HERE / name).write_bytes(buf.getvalue())
    return buf.getvalue()


def main() -> None:
    rgb = Image.fromarray(_gradient(64, 48))
    _save("ok_rgb.png", rgb, format="PNG")
    _save("ok_grey.png", rgb.convert("L"), format="PNG")
    _save("ok_1bit.png", rgb.convert("L").point(lambda v: 255 if v > 128 else 0).convert("1"), format="PNG")
    _save("ok_palette.gif", rgb.convert("P"), format="GIF")
    pal = rgb.convert("P")
    _save("ok_palette_transparent.png", pal, format="PNG", transparency=0)
    rgba = rgb.copy()
    rgba.putalpha(Image.fromarray(np.tile(np.linspace(0, 255, 64, dtype=np.uint8), (48, 1))))
    _save("ok_rgba.png", rgba, format="PNG")
    _save("ok_la.png", rgba.convert("LA"), format="PNG")
    deep = (np.linspace(0, 65535, 64 * 48).reshape(48, 64)).astype(np.uint16)
    _save("ok_16bit.png", Image.fromarray(deep), format="PNG")
    _save(
        "ok_float.tif",
        Image.fromarray(np.linspace(-1, 1, 64 * 48, dtype=np.float32).reshape(48, 64)),
        format="TIFF",
    )
    _save("ok_cmyk.jpg", rgb.convert("CMYK"), format="JPEG", quality=90)
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 degrees clockwise to display
    _save("ok_exif_rotated.jpg", Image.fromarray(_gradient(40, 20)), format="JPEG", exif=exif.tobytes())
    frames = [Image.fromarray(np.full((30, 30, 3), v, np.uint8)) for v in (0, 120, 240)]
    _save(
        "ok_animated.gif",
        frames[0],
        format="GIF",
        save_all=True,
        append_images=frames[1:],
        duration=100,
        loop=0,
    )
    _save("ok_animated.webp", frames[0], format="WEBP", save_all=True, append_images=frames[1:], duration=100)
    _save("ok_bmp.bmp", rgb, format="BMP")
    _save("ok_png_named_jpg.jpg", rgb, format="PNG")
    _save("ok_large.jpg", Image.fromarray(_gradient(3000, 2000)), format="JPEG", quality=60)
    _save("ok_tall_thin.png", Image.fromarray(_gradient(3, 2000)), format="PNG")
    _save("ok_one_pixel.png", Image.fromarray(np.array([[[10, 20, 30]]], np.uint8)), format="PNG")

    good_jpeg = (HERE / "ok_rgb.png").read_bytes()
    (HERE / "bad_empty.png").write_bytes(b"")
    (HERE / "bad_text.png").write_bytes(b"this is not an image, just some text\n" * 4)
    (HERE / "bad_html.png").write_bytes(b"<html><body><img src=x onerror=alert(1)></body></html>")
    (HERE / "bad_svg.png").write_bytes(b'<svg xmlns="http://www.w3.org/2000/svg"><circle r="5"/></svg>')
    (HERE / "bad_pdf.png").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    (HERE / "bad_heic.heic").write_bytes(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(64))
    (HERE / "bad_garbage.jpg").write_bytes(
        np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes()
    )
    jpeg = _save("tmp.jpg", Image.fromarray(_gradient(200, 150)), format="JPEG", quality=90)
    (HERE / "tmp.jpg").unlink()
    (HERE / "bad_truncated.jpg").write_bytes(jpeg[: len(jpeg) // 2])
    (HERE / "bad_truncated.png").write_bytes(good_jpeg[: len(good_jpeg) // 2])
    (HERE / "bad_header_only.png").write_bytes(good_jpeg[:33])
    (HERE / "bad_bomb_header.png").write_bytes(_png_header_only(100_000, 100_000))
    (HERE / "bad_zero_width.png").write_bytes(_png_header_only(0, 10))
    _save("bad_bomb.png", Image.new("1", (20_000, 20_000)), format="PNG", optimize=True)
    _save("bad_too_many_pixels.png", Image.new("1", (6_000, 5_000)), format="PNG", optimize=True)


if __name__ == "__main__":
    main()

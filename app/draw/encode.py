"""Pictures as bytes for the browser, and showing a drawn picture in Streamlit."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from app.draw.mosaic import MAX_SHOWN_WIDTH, shrink


def png_bytes(rgb: np.ndarray) -> bytes:
    """Encode an (H, W, 3) uint8 image as PNG.

    Level 1 compression: on a busy classroom server PNG encoding was the largest single cost
    (level 6, Streamlit's default for arrays, is about 3 times slower for a few % smaller files).
    """
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def jpeg_bytes(rgb: np.ndarray, *, max_side: int | None = None, quality: int = 90) -> bytes:
    """Encode a photo as JPEG (a tenth of a PNG's size), shrunk to ``max_side`` if given."""
    im = Image.fromarray(rgb)
    if max_side is not None and max(im.size) > max_side:
        im.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    im.save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def show(target, rgb: np.ndarray, *, alt: str, **kwargs) -> None:
    """``target.image`` (``st`` or a column) for a drawn (H, W, 3) uint8 picture: our quick PNG,
    shrunk once if Streamlit would shrink it on every rerun.

    ``alt`` says what the picture shows, for a screen reader (e.g. "feature map of Sobel x,
    512 x 600"): every picture has one (axe-core's image-alt rule, issue 13)."""
    if rgb.shape[1] > MAX_SHOWN_WIDTH:
        rgb = shrink(rgb, MAX_SHOWN_WIDTH)
    target.image(png_bytes(np.ascontiguousarray(rgb)), output_format="PNG", alt=alt, **kwargs)

"""Text in pictures: DejaVu Sans (shipped with matplotlib, so it works offline) and number format."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import matplotlib
import numpy as np
from PIL import Image, ImageDraw, ImageFont

_FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"


@lru_cache(maxsize=16)
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """DejaVu Sans at ``size`` pixels."""
    return ImageFont.truetype(str(_FONTS / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")), size)


def fmt(value: float) -> str:
    """A number as a student would write it: integers plain, others with 3 significant digits
    (and "-inf" for max pooling's padding)."""
    if not np.isfinite(value):
        return str(float(value))
    if abs(value - round(value)) < 1e-6 * max(1.0, abs(value)):
        return str(int(round(value)))
    if abs(value) >= 1000:
        return f"{value:.0f}"
    return f"{value:.3g}"


def text_width(text: str, size: int, *, bold: bool = False) -> float:
    """Width in pixels of ``text`` in the font."""
    return ImageDraw.Draw(Image.new("RGB", (1, 1))).textlength(text, font=font(size, bold))


@lru_cache(maxsize=8192)
def label(text: str, size: int) -> Image.Image:
    """``text`` in the font as a mask, drawn once: the same numbers recur in every grid, and
    FreeType's drawing was the largest cost of the step pages on a busy server."""
    f = font(size)
    left, top, right, bottom = f.getbbox(text)
    mask = Image.new("L", (max(1, right - left), max(1, bottom - top)), 0)
    ImageDraw.Draw(mask).text((-left, -top), text, fill=255, font=f)
    return mask


def caption_strip(text: str, width: int, size: int = 17) -> np.ndarray:
    """A line of text as an (H, W, 3) picture (the equation under an exported frame)."""
    img = Image.new("RGB", (width, size + 14), (255, 255, 255))
    ImageDraw.Draw(img).text((4, 6), text, fill=(20, 20, 20), font=font(size))
    return np.array(img)

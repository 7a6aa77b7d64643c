"""Text in pictures: DejaVu Sans (shipped with matplotlib, so it works offline) and number format."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

import convcore.fonts


@lru_cache(maxsize=16)
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """DejaVu Sans at ``size`` pixels."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(str(convcore.fonts.font_dir() / name), size)


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


def decimals_for(values, digits: int = 4) -> int:
    """Decimals that give the largest of ``values`` ``digits`` significant digits (0 to 8)."""
    top = max((abs(float(v)) for v in values), default=0.0)
    if top == 0 or not np.isfinite(top):
        return 0
    return int(min(8, max(0, digits - 1 - np.floor(np.log10(top)))))


def rounded_terms(terms, decimals: int) -> list[str]:
    """``terms`` written with ``decimals`` decimals so that the written terms add up exactly to
    their written total (the total rounded to ``decimals``).

    Each term is rounded down, then the terms that lost the most get one more unit of the last
    decimal until the sum is right (the largest remainder method): a term is never off by more
    than one unit of its last decimal, and "a + b + c = total" checks on paper.

    >>> rounded_terms([0.104, 0.104, 0.104], 1), f"{0.312:.1f}"
    (['0.1', '0.1', '0.1'], '0.3')
    >>> rounded_terms([-102.4, 116.3, -41.9], 0)  # the total, -28.0, rounds to -28
    ['-102', '116', '-42']
    """
    scale = 10**decimals
    values = [float(t) * scale for t in terms]
    target = round(sum(values))
    floors = [int(np.floor(v)) for v in values]
    short = target - sum(floors)
    order = sorted(range(len(values)), key=lambda i: values[i] - floors[i], reverse=True)
    for i in order[: max(0, short)]:
        floors[i] += 1
    return [f"{f / scale:.{decimals}f}" for f in floors]

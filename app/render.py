"""Turning numbers into pictures: colour maps, colour bars, number grids, PNG bytes.

Drawn directly with numpy and Pillow (fast, no matplotlib figures); matplotlib is used only
for its colour tables and its bundled DejaVu font. No Streamlit here either, so it is testable.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import matplotlib
import numpy as np
from PIL import Image, ImageDraw, ImageFont

#: Display choices for a feature map: label -> key.
DISPLAYS = {
    "Signed (blue negative, red positive)": "diverging",
    "Absolute value |x|": "absolute",
    "ReLU: negatives set to 0": "relu",
    "As a picture (clipped to 0-255)": "image",
}
_DIVERGING = "RdBu_r"  # ColorBrewer RdBu: readable with red-green colour blindness
_SEQUENTIAL = "gray"
_FONT_FILE = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
_FONT_BOLD = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans-Bold.ttf"


@lru_cache(maxsize=8)
def _lut(name: str) -> np.ndarray:
    table = matplotlib.colormaps[name](np.linspace(0.0, 1.0, 256))[:, :3]
    return np.round(table * 255).astype(np.uint8)


@lru_cache(maxsize=16)
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """DejaVu Sans at ``size`` pixels (shipped with matplotlib, so it works offline)."""
    return ImageFont.truetype(str(_FONT_BOLD if bold else _FONT_FILE), size)


@dataclass(frozen=True)
class Colourised:
    """A map turned into RGB pixels, with the value range its colours stand for."""

    rgb: np.ndarray  # (H, W, 3) uint8
    vmin: float
    vmax: float
    cmap: str | None  # None: the values are shown as they are (a picture)


def full_scale(values: np.ndarray, display: str, *, stretch: bool) -> float:
    """The value to show at full colour: the largest, or with ``stretch`` the 99th percentile
    (so one extreme pixel does not wash out the rest; brighter values saturate)."""
    v = np.asarray(values, dtype=np.float32)
    v = np.maximum(v, 0.0) if display == "relu" else np.abs(v)
    top = float(np.percentile(v, 99.0)) if stretch else float(v.max())
    return top or float(v.max()) or 1.0


#: Colour schemes for maps: name -> (diverging, sequential) matplotlib colour tables.
PALETTES = {
    "Blue-red and grey": ("RdBu_r", "gray"),
    "Colour-blind safe (purple-orange, cividis)": ("PuOr_r", "cividis"),
    "Perceptual (blue-red, viridis)": ("RdBu_r", "viridis"),
}


def colourise(
    values: np.ndarray,
    display: str,
    *,
    top: float | None = None,
    palette: tuple[str, str] = ("RdBu_r", "gray"),
) -> Colourised:
    """Colour a 2-D map, or a (3, H, W) stack shown as an RGB picture (``display="image"``).

    ``diverging`` is symmetric around 0 (white = 0); ``absolute`` and ``relu`` are grey from 0
    (black) to the largest value (white); ``image`` clips to 0-255 with no rescaling.
    ``top`` fixes the value shown at full colour (to put several maps on one scale).
    """
    v = np.asarray(values, dtype=np.float32)
    if display == "image":
        clipped = np.clip(np.rint(v), 0, 255).astype(np.uint8)
        rgb = np.moveaxis(clipped, 0, -1) if v.ndim == 3 else np.repeat(clipped[..., None], 3, axis=2)
        return Colourised(np.ascontiguousarray(rgb), 0.0, 255.0, None)
    if v.ndim != 2:
        raise ValueError(f"expected a 2-D map, got shape {v.shape}")
    if display == "diverging":
        top = top or float(np.abs(v).max()) or 1.0
        idx = np.clip(np.rint((v / top + 1.0) * 127.5), 0, 255).astype(np.uint8)
        return Colourised(_lut(palette[0])[idx], -top, top, palette[0])
    if display == "absolute":
        v = np.abs(v)
    elif display == "relu":
        v = np.maximum(v, 0.0)
    else:
        raise ValueError(f"display must be one of {sorted(DISPLAYS.values())}, got {display!r}")
    top = top or float(v.max()) or 1.0
    idx = np.clip(np.rint(v / top * 255.0), 0, 255).astype(np.uint8)
    return Colourised(_lut(palette[1])[idx], 0.0, top, palette[1])


def upscale(rgb: np.ndarray, min_side: int = 256) -> np.ndarray:
    """Enlarge a small image by a whole factor with square pixels (no blur), so cells stay visible."""
    factor = max(1, -(-min_side // max(1, min(rgb.shape[:2]))))
    factor = min(factor, max(1, 2048 // max(rgb.shape[:2])))
    if factor == 1:
        return rgb
    return np.repeat(np.repeat(rgb, factor, axis=0), factor, axis=1)


def fmt(value: float) -> str:
    """A number as a student would write it: integers plain, others with 3 significant digits."""
    if not np.isfinite(value):
        return str(value)
    if abs(value - round(value)) < 1e-6 * max(1.0, abs(value)):
        return str(int(round(value)))
    if abs(value) >= 1000:
        return f"{value:.0f}"
    return f"{value:.3g}"


def colourbar(c: Colourised, width: int = 360, label: str = "") -> np.ndarray:
    """A horizontal colour bar with its end and middle values, as (H, W, 3) uint8."""
    bar_h, pad = 18, 10
    f = font(14)
    height = bar_h + 38 + (18 if label else 0)
    im = Image.new("RGB", (width, height), (255, 255, 255))
    if c.cmap is None:
        ramp = np.repeat(np.linspace(0, 255, width - 2 * pad).astype(np.uint8)[:, None], 3, axis=1)
    else:
        ramp = _lut(c.cmap)[np.linspace(0, 255, width - 2 * pad).astype(np.uint8)]
    strip = np.repeat(ramp[None], bar_h, axis=0)
    im.paste(Image.fromarray(strip), (pad, 4))
    draw = ImageDraw.Draw(im)
    draw.rectangle([pad - 1, 3, width - pad, 4 + bar_h], outline=(90, 90, 90))
    ticks = [(0.0, c.vmin), (0.5, (c.vmin + c.vmax) / 2), (1.0, c.vmax)]
    for frac, val in ticks:
        x = pad + frac * (width - 2 * pad - 1)
        draw.line([x, 4 + bar_h, x, 9 + bar_h], fill=(60, 60, 60))
        text = fmt(val)
        tw = draw.textlength(text, font=f)
        draw.text((min(max(x - tw / 2, 0), width - tw), 11 + bar_h), text, fill=(20, 20, 20), font=f)
    if label:
        size = 14
        while size > 9 and draw.textlength(label, font=font(size)) > width - 2 * pad:
            size -= 1
        draw.text((pad, 30 + bar_h), label, fill=(60, 60, 60), font=font(size))
    return np.array(im)


def number_grid(
    values: np.ndarray,
    *,
    cell: int | None = None,
    title: str = "",
    scale: float | None = None,
) -> np.ndarray:
    """A grid of numbers, each cell tinted by its sign and size (blue negative, red positive).

    Parameters
    ----------
    values : ndarray of shape (rows, cols)
    cell : int, optional
        Cell size in pixels; by default wide enough for the longest number.
    title : str, optional
        Drawn above the grid.
    scale : float, optional
        The value shown at full colour; by default the largest absolute value.
    """
    v = np.asarray(values, dtype=np.float64)
    texts = [[fmt(x) for x in row] for row in v]
    longest = max(len(t) for row in texts for t in row)
    cell = cell or max(44, 10 * longest + 14)
    f = font(max(11, min(18, int(cell / max(3.2, longest * 0.62)))))
    top = scale or float(np.abs(v).max()) or 1.0
    title_h = 26 if title else 0
    rows, cols = v.shape
    im = Image.new("RGB", (cols * cell + 1, rows * cell + 1 + title_h), (255, 255, 255))
    draw = ImageDraw.Draw(im)
    if title:
        draw.text((2, 3), title, fill=(20, 20, 20), font=font(16, bold=True))
    lut = _lut(_DIVERGING)
    for r in range(rows):
        for c in range(cols):
            idx = int(np.clip(np.rint((v[r, c] / top + 1.0) * 127.5), 0, 255))
            fill = tuple(int(x) for x in lut[idx])
            x0, y0 = c * cell, r * cell + title_h
            draw.rectangle([x0, y0, x0 + cell, y0 + cell], fill=fill, outline=(120, 120, 120))
            lum = 0.299 * fill[0] + 0.587 * fill[1] + 0.114 * fill[2]
            text = texts[r][c]
            tw = draw.textlength(text, font=f)
            draw.text(
                (x0 + (cell - tw) / 2, y0 + (cell - f.size) / 2 - 1),
                text,
                fill=(255, 255, 255) if lum < 120 else (10, 10, 10),
                font=f,
            )
    return np.array(im)


def side_by_side(images: list[np.ndarray], gap: int = 16) -> np.ndarray:
    """Place RGB images left to right on white, aligned at the top."""
    height = max(i.shape[0] for i in images)
    width = sum(i.shape[1] for i in images) + gap * (len(images) - 1)
    out = np.full((height, width, 3), 255, dtype=np.uint8)
    x = 0
    for i in images:
        out[: i.shape[0], x : x + i.shape[1]] = i
        x += i.shape[1] + gap
    return out


def stack(images: list[np.ndarray], gap: int = 10) -> np.ndarray:
    """Place RGB images top to bottom on white, aligned left."""
    width = max(i.shape[1] for i in images)
    height = sum(i.shape[0] for i in images) + gap * (len(images) - 1)
    out = np.full((height, width, 3), 255, dtype=np.uint8)
    y = 0
    for i in images:
        out[y : y + i.shape[0], : i.shape[1]] = i
        y += i.shape[0] + gap
    return out


def with_colourbar(c: Colourised, label: str = "") -> np.ndarray:
    """The map (enlarged if small) with its colour bar below: what the PNG download holds."""
    body = upscale(c.rgb)
    bar = colourbar(c, width=max(320, min(body.shape[1], 640)), label=label)
    width = max(body.shape[1], bar.shape[1])
    out = np.full((body.shape[0] + bar.shape[0] + 6, width, 3), 255, dtype=np.uint8)
    out[: body.shape[0], : body.shape[1]] = body
    out[body.shape[0] + 6 :, : bar.shape[1]] = bar
    return out


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


def shrink(rgb: np.ndarray, width: int) -> np.ndarray:
    """Scale a picture down to ``width`` pixels wide (area-averaged)."""
    h, w = rgb.shape[:2]
    im = Image.fromarray(rgb).resize((width, max(1, round(h * width / w))), Image.Resampling.BOX)
    return np.asarray(im)


def show(target, rgb: np.ndarray, **kwargs) -> None:
    """``target.image`` for a drawn (H, W, 3) picture: our quick PNG, not Streamlit's slower one."""
    if not isinstance(rgb, np.ndarray) or rgb.dtype != np.uint8:
        target.image(rgb, **kwargs)  # anything else: Streamlit's own conversion
        return
    if rgb.shape[1] > 1460:  # Streamlit would shrink it on every rerun
        rgb = shrink(rgb, 1460)
    target.image(png_bytes(np.ascontiguousarray(rgb)), output_format="PNG", **kwargs)


def box(
    crop: np.ndarray, rect: tuple[int, int, int, int], colour=(230, 159, 0), width: int = 3
) -> np.ndarray:
    """The crop with a rectangle (top, left, bottom, right) drawn on it."""
    im = Image.fromarray(crop)
    top, left, bottom, right = rect
    ImageDraw.Draw(im).rectangle([left, top, right - 1, bottom - 1], outline=colour, width=width)
    return np.array(im)

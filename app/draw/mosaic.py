"""Pictures arranged: side by side, stacked, in tiles (feature maps, filters), overlays and boxes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from app.draw.colour import HEAT_TABLE, WINDOW, Colourised, colourbar, colourise, lut

#: Streamlit shrinks (decodes, resizes, re-encodes) wider pictures on every rerun: shrink them once.
MAX_SHOWN_WIDTH = 1460


def _arrange(images: list[np.ndarray], gap: int, axis: int) -> np.ndarray:
    """RGB images one after another along ``axis`` (1: left to right, 0: top to bottom) on white,
    aligned at the top or left."""
    across = 1 - axis
    out_shape = [0, 0, 3]
    out_shape[axis] = sum(i.shape[axis] for i in images) + gap * (len(images) - 1)
    out_shape[across] = max(i.shape[across] for i in images)
    out = np.full(out_shape, 255, dtype=np.uint8)
    at = 0
    for i in images:
        where = [slice(None), slice(None)]
        where[axis] = slice(at, at + i.shape[axis])
        where[across] = slice(0, i.shape[across])
        out[tuple(where)] = i
        at += i.shape[axis] + gap
    return out


def side_by_side(images: list[np.ndarray], gap: int = 16) -> np.ndarray:
    """Place RGB images left to right on white, aligned at the top."""
    return _arrange(images, gap, axis=1)


def stack(images: list[np.ndarray], gap: int = 10) -> np.ndarray:
    """Place RGB images top to bottom on white, aligned left."""
    return _arrange(images, gap, axis=0)


def upscale(rgb: np.ndarray, min_side: int = 256) -> np.ndarray:
    """Enlarge a small image by a whole factor with square pixels (no blur), so cells stay visible."""
    factor = max(1, -(-min_side // max(1, min(rgb.shape[:2]))))
    factor = min(factor, max(1, 2048 // max(rgb.shape[:2])))
    if factor == 1:
        return rgb
    return np.repeat(np.repeat(rgb, factor, axis=0), factor, axis=1)


def shrink(rgb: np.ndarray, width: int) -> np.ndarray:
    """Scale a picture down to ``width`` pixels wide (area-averaged)."""
    h, w = rgb.shape[:2]
    im = Image.fromarray(rgb).resize((width, max(1, round(h * width / w))), Image.Resampling.BOX)
    return np.asarray(im)


def square(rgb: np.ndarray, size: int) -> np.ndarray:
    """Resize to ``size`` x ``size`` with square pixels (nearest neighbour)."""
    return np.array(Image.fromarray(rgb).resize((size, size), Image.Resampling.NEAREST))


@dataclass(frozen=True)
class TileLayout:
    """Where the tiles of :func:`tile` are (to turn a click into a tile number)."""

    tile_h: int
    tile_w: int
    gap: int
    cols: int
    count: int

    def index_at(self, x: float, y: float) -> int | None:
        """The tile under the picture pixel (x, y) (0-based), or None in a gap or outside."""
        c, r = int(x // (self.tile_w + self.gap)), int(y // (self.tile_h + self.gap))
        inside = (
            x - c * (self.tile_w + self.gap) < self.tile_w and y - r * (self.tile_h + self.gap) < self.tile_h
        )
        k = r * self.cols + c
        return k if inside and 0 <= c < self.cols and 0 <= k < self.count and x >= 0 and y >= 0 else None


def tile(images: np.ndarray, *, cols: int, gap: int = 2) -> np.ndarray:
    """(N, h, w, 3) pictures in a grid with white gaps, row by row."""
    n, h, w = images.shape[:3]
    rows = -(-n // cols)
    out = np.full((rows * (h + gap) - gap, cols * (w + gap) - gap, 3), 255, np.uint8)
    for k in range(n):
        r, c = divmod(k, cols)
        out[r * (h + gap) : r * (h + gap) + h, c * (w + gap) : c * (w + gap) + w] = images[k]
    return out


def filter_mosaic(
    weights: np.ndarray, *, scale: int = 6, cols: int = 8, gap: int = 3
) -> tuple[np.ndarray, TileLayout]:
    """Colour kernels (N, 3, k, k) as colour patches, each stretched to 0-255 on its own, in a grid."""
    w = weights.transpose(0, 2, 3, 1)
    lo = w.min(axis=(1, 2, 3), keepdims=True)
    hi = w.max(axis=(1, 2, 3), keepdims=True)
    patches = ((w - lo) / np.where(hi > lo, hi - lo, 1) * 255).astype(np.uint8)
    patches = np.repeat(np.repeat(patches, scale, axis=1), scale, axis=2)
    layout = TileLayout(patches.shape[1], patches.shape[2], gap, cols, len(patches))
    return tile(patches, cols=cols, gap=gap), layout


def map_mosaic(
    values: np.ndarray,
    order: np.ndarray,
    *,
    signed: bool,
    palette: tuple[str, str],
    size: int = 56,
    cols: int = 16,
) -> np.ndarray:
    """Channels (C, H, W) of one layer as small maps (each on its own scale), in ``order``."""
    maps = [
        square(colourise(values[k], "diverging" if signed else "relu", palette=palette).rgb, size)
        for k in order
    ]
    return tile(np.stack(maps), cols=cols)


def filter_grid(weights: np.ndarray, *, size: int = 60, cols: int = 8) -> np.ndarray:
    """One-channel kernels (N, 1, k, k) as blue/red squares, each on its own symmetric scale."""
    tiles = [square(colourise(w[0], "diverging").rgb, size) for w in weights]
    return tile(np.stack(tiles), cols=min(cols, len(tiles)), gap=4)


def overlay(crop: np.ndarray, heat: np.ndarray, *, alpha: float = 0.5) -> np.ndarray:
    """A 0..1 heat map (any size) blended over the crop with the 'inferno' colours."""
    h, w = crop.shape[:2]
    level = Image.fromarray((np.clip(heat, 0, 1) * 255).astype(np.uint8))
    colours = lut(HEAT_TABLE)[np.array(level.resize((w, h), Image.Resampling.BILINEAR))]
    return (crop * (1 - alpha) + colours * alpha).astype(np.uint8)


def box(
    crop: np.ndarray,
    rect: tuple[int, int, int, int],
    colour=WINDOW,
    width: int = 3,
    *,
    centre: tuple[float, float] | None = None,
) -> np.ndarray:
    """The picture with a rectangle (top, left, bottom, right; bottom/right exclusive) drawn on it,
    and a small cross at ``centre`` (row, column in pixel coordinates: pixel (0, 0)'s centre is
    (0.5, 0.5)) if given: where the unit whose field the box is sits, even when the box is clipped."""
    im = Image.fromarray(crop)
    top, left, bottom, right = rect
    draw = ImageDraw.Draw(im)
    draw.rectangle([left, top, right - 1, bottom - 1], outline=colour, width=width)
    if centre is not None:
        y, x = centre[0] - 0.5, centre[1] - 0.5
        arm = max(3 * width, min(crop.shape[:2]) // 25)  # seen at any size
        draw.line([(x - arm, y), (x + arm, y)], fill=colour, width=width)
        draw.line([(x, y - arm), (x, y + arm)], fill=colour, width=width)
    return np.array(im)


def cover(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The centre of a picture cut to the shape of ``size`` (height, width) and resized to it
    (smoothly): a thumbnail or a square input without squashing the photo."""
    h, w = rgb.shape[:2]
    th, tw = size
    scale = max(th / h, tw / w)
    ch, cw = min(h, round(th / scale)), min(w, round(tw / scale))
    top, left = (h - ch) // 2, (w - cw) // 2
    im = Image.fromarray(np.ascontiguousarray(rgb[top : top + ch, left : left + cw]))
    return np.array(im.resize((tw, th), Image.Resampling.LANCZOS if scale < 1 else Image.Resampling.BILINEAR))


def with_colourbar(c: Colourised, label: str = "") -> np.ndarray:
    """The map (enlarged if small) with its colour bar below: what the PNG download holds."""
    body = upscale(c.rgb)
    bar = colourbar(c, width=max(320, min(body.shape[1], 640)), label=label)
    width = max(body.shape[1], bar.shape[1])
    out = np.full((body.shape[0] + bar.shape[0] + 6, width, 3), 255, dtype=np.uint8)
    out[: body.shape[0], : body.shape[1]] = body
    out[body.shape[0] + 6 :, : bar.shape[1]] = bar
    return out

"""Number grids for the step-by-step pages, drawn with Pillow (fast enough to redraw every step).

Colours: cells are tinted grey (pixel values) or blue/red (signed values, ColorBrewer RdBu);
highlights use the Okabe-Ito orange and blue, which stay distinct with colour blindness.
Padding is hatched, so it never looks like part of the image.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw

from app.render import _lut, fmt, font

WINDOW = (230, 159, 0)  # Okabe-Ito orange: the kernel's window / the current cell
CHOSEN = (0, 114, 178)  # Okabe-Ito blue: the maximum chosen by max pooling
_TITLE_H = 28


@dataclass(frozen=True)
class GridLayout:
    """Where a grid's cells are in its picture (to turn a click into a cell)."""

    cell: int
    top: int  # pixels above row 0 (the title)
    rows: int
    cols: int

    def cell_at(self, x: float, y: float) -> tuple[int, int] | None:
        """(row, column) under the picture pixel (x, y), or None outside the grid."""
        r, c = int((y - self.top) // self.cell), int(x // self.cell)
        if y < self.top or not (0 <= r < self.rows and 0 <= c < self.cols):
            return None
        return r, c


def _text(value: float) -> str:
    if np.isneginf(value):
        return "-inf"
    return fmt(float(value))


def grid(
    values: np.ndarray,
    *,
    title: str = "",
    cell: int = 44,
    tint: str = "signed",
    scale: float | None = None,
    window: set[tuple[int, int]] | frozenset = frozenset(),
    chosen: set[tuple[int, int]] | frozenset = frozenset(),
    padding: np.ndarray | None = None,
    hidden: np.ndarray | None = None,
) -> tuple[np.ndarray, GridLayout]:
    """Draw a 2-D grid of numbers.

    Parameters
    ----------
    values : ndarray (rows, cols)
    title : str
        Drawn above the grid.
    tint : {"signed", "grey"}
        Signed: blue negative, white 0, red positive (scaled to ``scale`` or the largest |value|).
        Grey: the value is the brightness (0-255), as in a picture.
    window, chosen : sets of (row, col)
        Cells outlined in orange (window, current cell) or blue (chosen maximum).
    padding : bool ndarray (rows, cols), optional
        Padding cells: hatched, numbers in grey.
    hidden : bool ndarray (rows, cols), optional
        Cells not computed yet: left empty.

    Returns
    -------
    (ndarray (H, W, 3) uint8, GridLayout)

    The numbers are drawn once per grid and kept (a small cache); each call only adds the
    outlines and blanks, so stepping through a trace stays fast.
    """
    v = np.ascontiguousarray(values, dtype=np.float64)
    pad = None if padding is None else np.ascontiguousarray(padding, dtype=bool)
    base = _base(v.tobytes(), v.shape, title, cell, tint, scale, None if pad is None else pad.tobytes())
    title_h = _TITLE_H if title else 0
    layout = GridLayout(cell, 1 + title_h, v.shape[0], v.shape[1])
    if not window and not chosen and (hidden is None or not hidden.any()):
        return base, layout
    img = Image.fromarray(base)
    draw = ImageDraw.Draw(img)
    if hidden is not None:
        for r, c in np.argwhere(hidden):
            x0, y0 = 1 + c * cell, layout.top + r * cell
            draw.rectangle([x0, y0, x0 + cell, y0 + cell], fill=(250, 250, 250), outline=(215, 215, 215))
    for cells, colour in ((window, WINDOW), (chosen, CHOSEN)):
        for r, c in cells:
            x0, y0 = 1 + c * cell, layout.top + r * cell
            for k in range(3):
                draw.rectangle([x0 + k, y0 + k, x0 + cell - k, y0 + cell - k], outline=colour)
    return np.array(img), layout


@lru_cache(maxsize=256)
def _base(
    data: bytes,
    shape: tuple[int, int],
    title: str,
    cell: int,
    tint: str,
    scale: float | None,
    padding: bytes | None,
) -> np.ndarray:
    """The grid with its numbers and colours, no outlines (cached: steps reuse it)."""
    v = np.frombuffer(data, dtype=np.float64).reshape(shape)
    pad = None if padding is None else np.frombuffer(padding, dtype=bool).reshape(shape)
    rows, cols = shape
    finite = v[np.isfinite(v)]
    top = scale or (float(np.abs(finite).max()) if finite.size else 1.0) or 1.0
    title_h = _TITLE_H if title else 0
    title_w = int(ImageDraw.Draw(Image.new("RGB", (1, 1))).textlength(title, font=font(17, bold=True))) + 6
    img = Image.new(
        "RGB", (max(cols * cell + 3, title_w if title else 0), rows * cell + 3 + title_h), (255, 255, 255)
    )
    draw = ImageDraw.Draw(img)
    if title:
        draw.text((2, 4), title, fill=(20, 20, 20), font=font(17, bold=True))
    texts = [[_text(x) for x in row] for row in v]
    longest = max((len(t) for row in texts for t in row), default=1)
    f = font(max(10, min(18, int(cell / max(2.6, longest * 0.62)))))
    lut = _lut("RdBu_r")
    for r in range(rows):
        for c in range(cols):
            x0, y0 = 1 + c * cell, 1 + title_h + r * cell
            box = [x0, y0, x0 + cell, y0 + cell]
            val = v[r, c]
            is_pad = pad is not None and pad[r, c]
            if is_pad:
                fill = (238, 238, 238)
            elif not np.isfinite(val):
                fill = (255, 255, 255)
            elif tint == "grey":
                g = int(np.clip(round(val), 0, 255))
                fill = (g, g, g)
            else:
                fill = tuple(int(x) for x in lut[int(np.clip(round((val / top + 1) * 127.5), 0, 255))])
            draw.rectangle(box, fill=fill, outline=(150, 150, 150))
            if is_pad:
                for k in range(-cell, cell, 8):  # hatching
                    draw.line(
                        [x0 + max(0, k), y0 + max(0, -k), x0 + min(cell, cell + k), y0 + min(cell, cell - k)],
                        fill=(205, 205, 205),
                    )
            lum = 0.299 * fill[0] + 0.587 * fill[1] + 0.114 * fill[2]
            colour = (120, 120, 120) if is_pad else ((255, 255, 255) if lum < 128 else (0, 0, 0))
            mask = _label(texts[r][c], f.size)
            img.paste(colour, (x0 + (cell - mask.width) // 2, y0 + (cell - mask.height) // 2), mask)
    out = np.array(img)
    out.setflags(write=False)
    return out


@lru_cache(maxsize=8192)
def _label(text: str, size: int) -> Image.Image:
    """``text`` in the grid font as a mask, drawn once: the same numbers recur in every grid, and
    FreeType's drawing was the largest cost of the step pages on a busy server."""
    f = font(size)
    left, top, right, bottom = f.getbbox(text)
    mask = Image.new("L", (max(1, right - left), max(1, bottom - top)), 0)
    ImageDraw.Draw(mask).text((-left, -top), text, fill=255, font=f)
    return mask


def caption_strip(text: str, width: int, size: int = 17) -> np.ndarray:
    """A line of text as an image (for the equation under an exported frame)."""
    f = font(size)
    img = Image.new("RGB", (width, size + 14), (255, 255, 255))
    ImageDraw.Draw(img).text((4, 6), text, fill=(20, 20, 20), font=f)
    return np.array(img)

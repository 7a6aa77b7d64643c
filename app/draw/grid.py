"""The number grid: every kernel, input, product and output the app shows as numbers.

Cells are tinted grey (pixel values) or blue/red (signed values, ColorBrewer RdBu); highlights use
the Okabe-Ito orange and blue, which stay distinct with colour blindness. Padding is hatched, so it
never looks like part of the image.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from app.draw.colour import CHOSEN, GRID_TABLE, WINDOW, lut
from app.draw.mosaic import side_by_side
from app.draw.text import fmt, font, label, text_width
from app.memo import ByteCache

_TITLE_H = 28
_TITLE_SIZE = 17
#: Grid pictures kept drawn (their numbers are the costly part), bounded in bytes, not entries.
_CACHE_BYTES = 64 * 2**20


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


def auto_cell(values: np.ndarray) -> int:
    """A cell wide enough for the longest number in ``values``."""
    longest = max((len(fmt(float(x))) for x in np.asarray(values, dtype=np.float64).ravel()), default=1)
    return max(44, 10 * longest + 14)


def grid(
    values: np.ndarray,
    *,
    title: str = "",
    cell: int | None = 44,
    tint: str = "signed",
    scale: float | None = None,
    window: set[tuple[int, int]] | frozenset = frozenset(),
    chosen: set[tuple[int, int]] | frozenset = frozenset(),
    padding: np.ndarray | None = None,
    hidden: np.ndarray | None = None,
    title_size: int = _TITLE_SIZE,
    numbers: bool = True,
) -> tuple[np.ndarray, GridLayout]:
    """Draw a 2-D grid of numbers.

    Parameters
    ----------
    values : ndarray of shape (rows, cols)
    title : str
        Drawn above the grid.
    cell : int or None
        Cell size in pixels; None: wide enough for the longest number.
    tint : {"signed", "grey"}
        Signed: blue negative, white 0, red positive (scaled to ``scale`` or the largest |value|).
        Grey: the value is the brightness (0-255), as in a picture.
    window, chosen : sets of (row, col)
        Cells outlined in orange (window, current cell) or blue with a corner mark (chosen maximum:
        told by its shape too, not by colour alone).
    padding : bool ndarray of shape (rows, cols), optional
        Padding cells: hatched, numbers in grey.
    hidden : bool ndarray of shape (rows, cols), optional
        Cells not computed yet: left empty.
    title_size : int
        The title's type size in pixels (larger for a projector, with larger cells).
    numbers : bool
        False: the cells shaded by value only (a grid too large for its numbers to be read).

    Returns
    -------
    (ndarray of shape (H, W, 3) uint8, GridLayout)

    The numbers are drawn once per grid and kept (a small cache); each call only adds the
    outlines and blanks, so stepping through a trace stays fast.
    """
    v = np.ascontiguousarray(values, dtype=np.float64)
    if v.ndim != 2:
        raise ValueError(f"values must be a 2-D grid, got shape {v.shape}")
    cell = cell or auto_cell(v)
    pad = None if padding is None else np.ascontiguousarray(padding, dtype=bool)
    base = _base(
        v.tobytes(),
        v.shape,
        title,
        cell,
        tint,
        scale,
        None if pad is None else pad.tobytes(),
        title_size,
        numbers,
    )
    layout = GridLayout(cell, 1 + (_title_h(title_size) if title else 0), v.shape[0], v.shape[1])
    if not window and not chosen and (hidden is None or not hidden.any()):
        return base, layout
    img = Image.fromarray(base)
    draw = ImageDraw.Draw(img)
    if hidden is not None:  # without numbers a 0 is white, so a cell still to come is grey
        blank = (250, 250, 250) if numbers else (214, 216, 222)
        for r, c in np.argwhere(hidden):
            x0, y0 = 1 + c * cell, layout.top + r * cell
            draw.rectangle([x0, y0, x0 + cell, y0 + cell], fill=blank, outline=(215, 215, 215))
    for cells, colour in ((window, WINDOW), (chosen, CHOSEN)):
        for r, c in cells:
            x0, y0 = 1 + c * cell, layout.top + r * cell
            for k in range(3):
                draw.rectangle([x0 + k, y0 + k, x0 + cell - k, y0 + cell - k], outline=colour)
            if colour == CHOSEN:  # a corner mark too: not told by its colour alone
                m = max(6, cell // 4)
                draw.polygon([(x0 + cell - m, y0), (x0 + cell, y0), (x0 + cell, y0 + m)], fill=colour)
    return np.array(img), layout


def picture(values: np.ndarray, **kwargs) -> np.ndarray:
    """:func:`grid`'s picture alone (for grids nobody clicks)."""
    return grid(values, **kwargs)[0]


def _fill(val: float, is_pad: bool, tint: str, top: float) -> tuple[int, int, int]:
    if is_pad:
        return (238, 238, 238)
    if not np.isfinite(val):
        return (255, 255, 255)
    if tint == "grey":
        g = int(np.clip(round(val), 0, 255))
        return (g, g, g)
    return tuple(int(x) for x in lut(GRID_TABLE)[int(np.clip(round((val / top + 1) * 127.5), 0, 255))])


def _hatch(draw: ImageDraw.ImageDraw, x0: int, y0: int, cell: int) -> None:
    for k in range(-cell, cell, 8):
        draw.line(
            [x0 + max(0, k), y0 + max(0, -k), x0 + min(cell, cell + k), y0 + min(cell, cell - k)],
            fill=(205, 205, 205),
        )


def _title_h(size: int) -> int:
    """Height of the title band: 28 pixels for the usual 17-pixel title."""
    return _TITLE_H + size - _TITLE_SIZE


def _base(data, shape, title, cell, tint, scale, padding, title_size, numbers) -> np.ndarray:
    key = (data, shape, title, cell, tint, scale, padding, title_size, numbers)
    cached = _drawn.get(key)
    if cached is None:
        cached = _draw_base(*key)
        _drawn.put(key, cached)
    return cached


def _draw_base(data, shape, title, cell, tint, scale, padding, title_size, numbers) -> np.ndarray:
    """The grid with its numbers (unless not ``numbers``) and colours, no outlines."""
    v = np.frombuffer(data, dtype=np.float64).reshape(shape)
    pad = None if padding is None else np.frombuffer(padding, dtype=bool).reshape(shape)
    rows, cols = shape
    finite = v[np.isfinite(v)]
    top = scale or (float(np.abs(finite).max()) if finite.size else 1.0) or 1.0
    title_h = _title_h(title_size) if title else 0
    title_w = int(text_width(title, title_size, bold=True)) + 6 if title else 0
    img = Image.new("RGB", (max(cols * cell + 3, title_w), rows * cell + 3 + title_h), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    if title:
        draw.text((2, 4), title, fill=(20, 20, 20), font=font(title_size, bold=True))
    texts = [[fmt(float(x)) for x in row] for row in v]
    longest = max((len(t) for row in texts for t in row), default=1)
    size = max(10, min(18, int(cell / max(2.6, longest * 0.62))))
    for r in range(rows):
        for c in range(cols):
            x0, y0 = 1 + c * cell, 1 + title_h + r * cell
            is_pad = pad is not None and bool(pad[r, c])
            fill = _fill(v[r, c], is_pad, tint, top)
            draw.rectangle([x0, y0, x0 + cell, y0 + cell], fill=fill, outline=(150, 150, 150))
            if is_pad:
                _hatch(draw, x0, y0, cell)
            if not numbers:
                continue
            lum = 0.299 * fill[0] + 0.587 * fill[1] + 0.114 * fill[2]
            ink = (120, 120, 120) if is_pad else ((255, 255, 255) if lum < 128 else (0, 0, 0))
            mask = label(texts[r][c], size)
            img.paste(ink, (x0 + (cell - mask.width) // 2, y0 + (cell - mask.height) // 2), mask)
    out = np.array(img)
    out.setflags(write=False)
    return out


_drawn = ByteCache(_CACHE_BYTES)


def kernel_picture(filt, *, flip: bool = False, cell: int | None = None) -> np.ndarray:
    """A filter's numbers as one picture: three slices for a colour kernel, both kernels of a
    magnitude filter, and with ``flip`` the kernel as applied (turned by 180 degrees) beside it."""
    if filt.magnitude_of:
        grids = [
            picture(k, title=t, cell=cell) for k, t in zip(filt.magnitude_of, ("a = Sobel x", "b = Sobel y"))
        ]
    elif filt.is_colour:
        top = float(np.abs(filt.kernel).max())
        grids = [
            picture(k, title=t, scale=top, cell=cell) for k, t in zip(filt.kernel, ("Red", "Green", "Blue"))
        ]
    else:
        grids = [picture(filt.kernel, title="As written" if flip else "", cell=cell)]
    if flip and not filt.magnitude_of:
        flipped = filt.kernel[..., ::-1, ::-1]
        if filt.is_colour:
            titles = ("Red, flipped", "Green, flipped", "Blue, flipped")
            grids += [picture(k, title=t, cell=cell) for k, t in zip(flipped, titles)]
        else:
            grids.append(picture(flipped, title="Flipped (applied)", cell=cell))
    return side_by_side(grids, gap=24)

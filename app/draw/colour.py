"""Colours for maps: the colour tables, a map coloured for display, and its colour bar."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from app.draw.text import fmt, font

#: Display choices for a feature map: label -> key.
DISPLAYS = {
    "Signed (blue negative, red positive)": "diverging",
    "Absolute value |x|": "absolute",
    "ReLU: negatives set to 0": "relu",
    "As a picture (clipped to 0-255)": "image",
}
#: Colour schemes for maps: name -> (diverging, sequential) matplotlib colour tables.
PALETTES = {
    "Blue-red and grey": ("RdBu_r", "gray"),
    "Colour-blind safe (purple-orange, cividis)": ("PuOr_r", "cividis"),
    "Perceptual (blue-red, viridis)": ("RdBu_r", "viridis"),
}
DEFAULT_PALETTE = PALETTES["Blue-red and grey"]
#: Number grids: ColorBrewer RdBu, readable with red-green colour blindness.
GRID_TABLE = "RdBu_r"
#: Highlights: the Okabe-Ito orange (the kernel's window, the current cell) and blue (a chosen
#: maximum), which stay distinct with colour blindness.
WINDOW = (230, 159, 0)
CHOSEN = (0, 114, 178)


#: Grad-CAM's heat over a picture.
HEAT_TABLE = "inferno"
#: Every colour table the app draws with, shipped in ``assets/colour_tables.npz``: matplotlib's,
#: taken once by :func:`write_tables` (a test checks the file against matplotlib). Importing
#: matplotlib for them cost a server about 13 MB and 60 ms of the interpreter's lock (issue 18).
TABLES = tuple(
    dict.fromkeys([*(name for pair in PALETTES.values() for name in pair), GRID_TABLE, HEAT_TABLE])
)
TABLES_FILE = Path(__file__).resolve().parent.parent.parent / "assets" / "colour_tables.npz"


def matplotlib_table(name: str) -> np.ndarray:
    """matplotlib's colour table ``name`` as (256, 3) uint8 (imports matplotlib: for
    :func:`write_tables` and the tests, not for the pages)."""
    import matplotlib

    table = matplotlib.colormaps[name](np.linspace(0.0, 1.0, 256))[:, :3]
    return np.round(table * 255).astype(np.uint8)


def write_tables(path: Path = TABLES_FILE) -> None:
    """Write :data:`TABLES` from matplotlib to ``path``:
    ``python -c "from app.draw import colour; colour.write_tables()"``."""
    np.savez_compressed(path, **{name: matplotlib_table(name) for name in TABLES})


@lru_cache(maxsize=1)
def _tables() -> dict[str, np.ndarray]:
    with np.load(TABLES_FILE) as data:
        tables = {name: data[name] for name in data.files}
    for table in tables.values():
        table.flags.writeable = False
    return tables


def lut(name: str) -> np.ndarray:
    """A colour table of :data:`TABLES` as (256, 3) uint8 (read-only)."""
    tables = _tables()
    if name not in tables:
        raise ValueError(f"name must be one of {list(tables)}, got {name!r}")
    return tables[name]


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


def colourise(
    values: np.ndarray,
    display: str,
    *,
    top: float | None = None,
    palette: tuple[str, str] = DEFAULT_PALETTE,
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
        return Colourised(lut(palette[0])[idx], -top, top, palette[0])
    if display == "absolute":
        v = np.abs(v)
    elif display == "relu":
        v = np.maximum(v, 0.0)
    else:
        raise ValueError(f"display must be one of {sorted(DISPLAYS.values())}, got {display!r}")
    top = top or float(v.max()) or 1.0
    idx = np.clip(np.rint(v / top * 255.0), 0, 255).astype(np.uint8)
    return Colourised(lut(palette[1])[idx], 0.0, top, palette[1])


def colourbar(c: Colourised, width: int = 360, label: str = "") -> np.ndarray:
    """A horizontal colour bar with its end and middle values, as (H, W, 3) uint8."""
    bar_h, pad = 18, 10
    f = font(14)
    height = bar_h + 38 + (18 if label else 0)
    im = Image.new("RGB", (width, height), (255, 255, 255))
    if c.cmap is None:
        ramp = np.repeat(np.linspace(0, 255, width - 2 * pad).astype(np.uint8)[:, None], 3, axis=1)
    else:
        ramp = lut(c.cmap)[np.linspace(0, 255, width - 2 * pad).astype(np.uint8)]
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

"""Sample images that work offline: photos shipped in ``assets/`` and generated patterns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageOps

__all__ = [
    "ASSETS_DIR",
    "SAMPLES",
    "Sample",
    "checkerboard",
    "circles",
    "colour_shapes",
    "digit_seven",
    "sample_image",
    "sample_preview",
]

#: The project's ``assets/`` folder (photos and data files).
ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets"


def checkerboard(size: int = 256, squares: int = 8) -> np.ndarray:
    """Black and white squares: horizontal and vertical edges, and corners. (size, size, 3) uint8."""
    cell = np.arange(size) * squares // size
    board = ((cell[:, None] + cell[None, :]) % 2 * 255).astype(np.uint8)
    return np.repeat(board[:, :, None], 3, axis=2)


def circles(size: int = 256) -> np.ndarray:
    """Concentric rings and a disc: edges at every angle. (size, size, 3) uint8."""
    rows, cols = np.mgrid[0:size, 0:size] - (size - 1) / 2
    radius = np.hypot(rows, cols) / (size / 2)
    rings = (np.floor(radius * 6) % 2 == 0) & (radius < 0.95)
    grey = np.where(rings, 235, 20).astype(np.uint8)
    return np.repeat(grey[:, :, None], 3, axis=2)


def colour_shapes(size: int = 256) -> np.ndarray:
    """Red, green, blue and yellow shapes on grey: for the colour detectors. (size, size, 3) uint8."""
    im = Image.new("RGB", (size, size), (128, 128, 128))
    draw = ImageDraw.Draw(im)
    s = size / 256
    draw.ellipse([20 * s, 20 * s, 116 * s, 116 * s], fill=(220, 30, 30))
    draw.ellipse([140 * s, 20 * s, 236 * s, 116 * s], fill=(30, 170, 40))
    draw.rectangle([20 * s, 140 * s, 128 * s, 236 * s], fill=(30, 60, 220))
    draw.rectangle([128 * s, 140 * s, 236 * s, 236 * s], fill=(235, 220, 30))
    return np.array(im)


def digit_seven(size: int = 256) -> np.ndarray:
    """A handwritten-style digit 7, white on black like MNIST. (size, size, 3) uint8."""
    big = 4 * size
    im = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(im)
    pts_top = [(0.22, 0.26), (0.40, 0.24), (0.58, 0.22), (0.76, 0.21)]
    pts_stem = [(0.76, 0.21), (0.66, 0.40), (0.57, 0.58), (0.50, 0.80)]
    width = int(0.09 * big)
    for pts in (pts_top, pts_stem):
        draw.line([(x * big, y * big) for x, y in pts], fill=255, width=width, joint="curve")
    for x, y in (pts_top[0], pts_stem[-1], pts_top[-1]):
        r = width / 2
        draw.ellipse([x * big - r, y * big - r, x * big + r, y * big + r], fill=255)
    im = im.filter(ImageFilter.GaussianBlur(big / 150)).resize((size, size), Image.Resampling.LANCZOS)
    grey = np.array(im)
    return np.repeat(grey[:, :, None], 3, axis=2)


@dataclass(frozen=True)
class Sample:
    """A sample image: its name, a line about it, and where it comes from."""

    name: str
    description: str
    load: Callable[[], np.ndarray]
    #: The sample made small (see :func:`sample_preview`), given the side it needs.
    small: Callable[[int], np.ndarray]
    credit: str = ""


def _photo(filename: str) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        from .images import load_image

        return load_image(ASSETS_DIR / filename)

    return load


def _photo_small(filename: str) -> Callable[[int], np.ndarray]:
    def small(side: int) -> np.ndarray:
        with Image.open(ASSETS_DIR / filename) as im:  # a shipped file: no upload checks needed
            im.draft("RGB", (side, side))  # JPEG decodes at 1/2, 1/4 or 1/8, never below side x side
            return np.array(ImageOps.exif_transpose(im).convert("RGB"))

    return small


#: Sample images by name, in display order.
SAMPLES: dict[str, Sample] = {
    s.name: s
    for s in (
        Sample(
            "Grace Hopper",
            "A portrait: a face, a uniform, a flag.",
            _photo("grace_hopper.jpg"),
            _photo_small("grace_hopper.jpg"),
            "US Navy photo, public domain; shipped with matplotlib",
        ),
        Sample(
            "Chelsea the cat",
            "Fur, whiskers and stripes.",
            _photo("chelsea.jpg"),
            _photo_small("chelsea.jpg"),
            "Stefan van der Walt, CC0; from scikit-image",
        ),
        Sample(
            "Coffee cup",
            "Round shapes, smooth porcelain, wood grain.",
            _photo("coffee.jpg"),
            _photo_small("coffee.jpg"),
            "Rachel Michetti, CC0; from scikit-image",
        ),
        Sample("Checkerboard", "Straight edges and corners.", checkerboard, checkerboard),
        Sample("Circles", "Edges at every angle.", circles, circles),
        Sample("Colour shapes", "Red, green, blue and yellow.", colour_shapes, colour_shapes),
        Sample("Digit 7", "A handwritten-style 7, as in MNIST.", digit_seven, digit_seven),
    )
}


def sample_image(name: str) -> np.ndarray:
    """The sample image ``name`` (see :data:`SAMPLES`) as an (H, W, 3) uint8 array."""
    if name not in SAMPLES:
        raise ValueError(f"name must be one of {sorted(SAMPLES)}, got {name!r}")
    return SAMPLES[name].load()


def sample_preview(name: str, side: int) -> np.ndarray:
    """Sample ``name`` made small for a gallery, without making the full-size image: a photo
    decoded at a half, a quarter or an eighth of its size by the JPEG decoder, a drawn pattern
    drawn ``side`` pixels wide. Both sides are at least ``side`` pixels where the full image has
    them (cut and shrink it to the card's shape after). An (H, W, 3) uint8 array.

    Home's seven cards took 35 ms from the full images and take about 14 ms so (issue 18's cold start)."""
    if name not in SAMPLES:
        raise ValueError(f"name must be one of {sorted(SAMPLES)}, got {name!r}")
    if isinstance(side, bool) or not isinstance(side, int) or not 16 <= side <= 1024:
        raise ValueError(f"side must be an int from 16 to 1024, got {side!r}")
    sample = SAMPLES[name]
    return sample.small(side)


def _digit_patch(n: int) -> np.ndarray:
    small = Image.fromarray(digit_seven(256)[..., 0]).resize((n, n), Image.Resampling.BOX)
    return np.array(small)


#: Small input grids for the step-by-step pages: name -> (size -> (size, size) uint8).
PATCHES: dict[str, Callable[[int], np.ndarray]] = {
    "Digit 7": _digit_patch,
    "Vertical edge": lambda n: (
        np.where(np.arange(n)[None, :] >= n // 2, 255, 0).repeat(n, axis=0).astype(np.uint8)
    ),
    "Checkerboard": lambda n: ((np.add.outer(np.arange(n) // 2, np.arange(n) // 2) % 2) * 255).astype(
        np.uint8
    ),
    "Small random integers": lambda n: np.random.default_rng(7).integers(0, 10, (n, n)).astype(np.uint8),
}


def patch_preset(name: str, size: int) -> np.ndarray:
    """A small input grid from :data:`PATCHES`, of shape (size, size), uint8."""
    if name not in PATCHES:
        raise ValueError(f"name must be one of {sorted(PATCHES)}, got {name!r}")
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or not 2 <= size <= 64:
        raise ValueError(f"size must be an int from 2 to 64, got {size!r}")
    return PATCHES[name](int(size))


def crop_patch(
    image: np.ndarray, centre: tuple[int, int], region: int, size: int, *, colour: bool = False
) -> np.ndarray:
    """A square region of ``image`` around ``centre``, averaged down to ``size`` x ``size``.

    Parameters
    ----------
    image : ndarray of shape (H, W, 3), uint8
    centre : (int, int)
        (row, column) of the region's centre; the region is moved inside the image if needed.
    region : int
        Side of the region in image pixels (at most the image's smaller side).
    size : int
        Side of the result (each cell is the average of a block of the region).
    colour : bool, optional
        Keep the three channels: (3, size, size); otherwise brightness: (size, size).

    Returns
    -------
    ndarray of uint8
    """
    img = np.asarray(image)
    if img.ndim != 3 or img.shape[2] != 3 or img.dtype != np.uint8:
        raise ValueError(f"image must be an (H, W, 3) uint8 array, got {img.shape} {img.dtype}")
    h, w = img.shape[:2]
    if not 2 <= size <= 64:
        raise ValueError(f"size must be from 2 to 64, got {size}")
    region = int(max(1, min(region, h, w)))
    r0 = int(np.clip(centre[0] - region // 2, 0, h - region))
    c0 = int(np.clip(centre[1] - region // 2, 0, w - region))
    crop = Image.fromarray(img[r0 : r0 + region, c0 : c0 + region])
    small = crop.resize((size, size), Image.Resampling.BOX)
    if colour:
        return np.ascontiguousarray(np.array(small).transpose(2, 0, 1))
    return np.array(small.convert("L"))

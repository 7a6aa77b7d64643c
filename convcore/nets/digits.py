"""An MNIST-like digit dataset made on the spot, offline, deterministic by seed.

Each digit 0-9 is drawn with the DejaVu fonts that ship with matplotlib (found on disk, matplotlib
itself is not imported), in several weights and stroke widths, then moved by a random affine
transform (rotation, scale, shear, shift) and given noise: white strokes on black, 28 x 28,
values 0..1, as MNIST. Glyphs are drawn once; the random warps are batched torch calls (1,024
digits each, written into the result), so tens of thousands of samples take a fraction of a second.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw, ImageFont

from ..fonts import font_dir

__all__ = ["SIZE", "make_digits", "prepare_drawing"]

SIZE = 28
_FONTS = (
    "DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf",
    "DejaVuSerif-Italic.ttf", "DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf",
)  # fmt: skip
_STROKES = (0, 1, 2)
#: Digits warped at a time. The warp's sampling grid takes 6 KB a digit, and warping 12,000 digits
#: (a 38 MB set) in one call held several arrays of the set's size or twice it at once: the process
#: grew 216 MB while making them, the largest spike of issue 18's load test (the Train page makes a
#: set when a class presses Train). In chunks it grows 94-118 MB (bench/bench_training.py), in half
#: the time, with the same numbers (tests/test_digits.py).
_CHUNK = 1024


@lru_cache(maxsize=1)
def _glyphs() -> tuple[torch.Tensor, torch.Tensor]:
    """Every digit in every font and stroke width, centred on a 28 x 28 canvas: (G, 1, 28, 28), labels (G,)."""
    images, labels = [], []
    big = 4 * SIZE
    for name in _FONTS:
        font = ImageFont.truetype(str(font_dir() / name), int(big * 0.62))
        for stroke in _STROKES:
            for digit in range(10):
                im = Image.new("L", (big, big), 0)
                draw = ImageDraw.Draw(im)
                box = draw.textbbox((0, 0), str(digit), font=font, stroke_width=stroke * 2)
                w, h = box[2] - box[0], box[3] - box[1]
                draw.text(((big - w) / 2 - box[0], (big - h) / 2 - box[1]), str(digit), fill=255, font=font,
                          stroke_width=stroke * 2, stroke_fill=255)  # fmt: skip
                small = (
                    np.asarray(im.resize((SIZE, SIZE), Image.Resampling.LANCZOS), dtype=np.float32) / 255.0
                )
                images.append(small)
                labels.append(digit)
    return torch.from_numpy(np.stack(images))[:, None], torch.tensor(labels)


def make_digits(n: int, *, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` random digit images and their labels.

    Returns
    -------
    images : float32 tensor (n, 1, 28, 28), 0..1, white digits on black
    labels : int64 tensor (n,), 0..9

    The same ``n`` and ``seed`` always give the same samples.
    """
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 500_000:
        raise ValueError(f"n must be an int from 1 to 500000, got {n!r}")
    glyphs, glyph_labels = _glyphs()
    g = torch.Generator().manual_seed(int(seed))
    pick = torch.randint(len(glyphs), (n,), generator=g)
    angle = (torch.rand(n, generator=g) - 0.5) * math.radians(30)  # +-15 degrees
    scale = 0.75 + 0.45 * torch.rand(n, generator=g)  # the digit's size
    shear = (torch.rand(n, generator=g) - 0.5) * 0.3
    shift = (torch.rand(n, 2, generator=g) - 0.5) * 0.25  # +-3.5 pixels
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack(
        [torch.stack([cos, -sin + shear, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1
    )
    images = torch.empty(n, 1, SIZE, SIZE)
    for start in range(0, n, _CHUNK):  # each digit's warp is its own: the same numbers as one call
        part = slice(start, start + _CHUNK)
        grid = F.affine_grid(theta[part], (len(pick[part]), 1, SIZE, SIZE), align_corners=False)
        images[part] = F.grid_sample(
            glyphs[pick[part]], grid, mode="bilinear", padding_mode="zeros", align_corners=False
        )
    contrast = 0.7 + 0.3 * torch.rand(n, 1, 1, 1, generator=g)
    noise = torch.randn(n, 1, SIZE, SIZE, generator=g).mul_(0.08).mul_(torch.rand(n, 1, 1, 1, generator=g))
    return images.mul_(contrast).add_(noise).clamp_(0, 1), glyph_labels[pick].clone()


def prepare_drawing(image: np.ndarray) -> np.ndarray:
    """A drawn or uploaded digit made MNIST-like: (28, 28) float32, white on black, 0..1.

    Accepts (H, W), (H, W, 3) or (H, W, 4) (a canvas with transparency: strokes are the opaque
    part). A light background is inverted. The digit is cropped to its bounding box, scaled so
    its longer side is 20 pixels and centred by its centre of mass, as MNIST was made.

    Raises ValueError for a blank image.
    """
    a = np.asarray(image)
    if a.ndim == 3 and a.shape[2] == 4:
        # a canvas: brightness where something was painted (transparent parts count as black)
        grey = a[..., :3].astype(np.float32).mean(axis=2) / 255.0 * (a[..., 3].astype(np.float32) / 255.0)
    elif a.ndim == 3 and a.shape[2] == 3:
        grey = a.astype(np.float32).mean(axis=2) / (
            255.0 if a.dtype == np.uint8 else max(1.0, float(a.max()))
        )
    elif a.ndim == 2:
        grey = a.astype(np.float32) / (255.0 if a.dtype == np.uint8 else max(1.0, float(a.max())))
    else:
        raise ValueError(f"image must have shape (H, W), (H, W, 3) or (H, W, 4), got {a.shape}")
    if grey.size == 0:
        raise ValueError("image is empty")
    if np.median(grey) > 0.5:  # dark digit on a light background
        grey = 1.0 - grey
    grey = np.clip(
        (grey - np.percentile(grey, 5)) / max(1e-6, float(grey.max() - np.percentile(grey, 5))), 0, 1
    )
    mask = grey > 0.2
    if mask.sum() < 3 or grey.max() - grey.min() < 0.1:
        raise ValueError("The drawing is blank: draw a digit first.")
    rows, cols = np.nonzero(mask)
    crop = grey[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    h, w = crop.shape
    factor = 20.0 / max(h, w)
    new = (max(1, round(w * factor)), max(1, round(h * factor)))
    small = (
        np.asarray(
            Image.fromarray((crop * 255).astype(np.uint8)).resize(new, Image.Resampling.LANCZOS), np.float32
        )
        / 255
    )
    out = np.zeros((SIZE, SIZE), np.float32)
    r0, c0 = (SIZE - small.shape[0]) // 2, (SIZE - small.shape[1]) // 2
    out[r0 : r0 + small.shape[0], c0 : c0 + small.shape[1]] = small
    total = out.sum()
    cy, cx = (np.indices(out.shape) * out).reshape(2, -1).sum(axis=1) / total
    dy, dx = int(round(SIZE / 2 - 0.5 - cy)), int(round(SIZE / 2 - 0.5 - cx))
    rows, cols = np.nonzero(out)
    dy = int(np.clip(dy, -rows.min(), SIZE - 1 - rows.max()))  # move, never wrap around
    dx = int(np.clip(dx, -cols.min(), SIZE - 1 - cols.max()))
    moved = np.zeros_like(out)
    moved[max(0, dy) : SIZE + min(0, dy), max(0, dx) : SIZE + min(0, dx)] = out[
        max(0, -dy) : SIZE - max(0, dy), max(0, -dx) : SIZE - max(0, dx)
    ]
    return np.clip(moved, 0, 1)

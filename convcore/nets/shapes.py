"""Coloured shapes and textures made on the spot, offline, deterministic by seed: Tiny VGG's data.

Ten classes (:data:`convcore.networks.TINY_VGG_CLASSES`, in this order), 64 x 64 RGB, values 0..1:

0. circle: one filled disc.
1. square: one filled square, its sides near the rows and columns.
2. triangle: one filled equilateral triangle, pointing up.
3. cross: a plus sign of two thick bars (its bar 48 to 68 % as wide as the shape's radius).
4. ring: the outline of a circle (a disc with a hole, the band 18 to 32 % of its radius wide).
5. star: a filled five-pointed star, a tip pointing up.
6. horizontal stripes: bands across the whole image, tilted at most 15 degrees.
7. vertical stripes: the same, a quarter turn round.
8. checkerboard: squares of two colours over the whole image, turned at most 20 degrees.
9. dots: a lattice of small discs over the whole image (square or staggered rows), turned at most
   15 degrees.

The shapes (0-5) are one object, 24 to 48 pixels across, turned at most 20 degrees either way
from upright, its centre at most 8 pixels (rows and columns) from the image's; the textures
(6-9) fill the image, with a random period (spacing, 8 to 18 pixels) and phase (offset). Every
image has two random colours, the foreground and the background, at least
:data:`MIN_COLOUR_DISTANCE` apart in RGB (0..1 per channel), so the pattern is always visible.
Half the backgrounds are a soft linear gradient instead of a plain colour; then light Gaussian
noise (standard deviation up to 0.05). Edges are anti-aliased (each pattern is drawn from an
approximate signed distance in pixels).

Why so little turning and moving: Tiny VGG's one dense layer sees each of its 13 x 13 positions
apart, so a shape anywhere and at any angle must be learned at every place and angle. Measured
here with the same training (5 epochs of :mod:`convcore.nets.tinyvgg`, under a minute on one CPU
core): shapes within 8 pixels and 20 degrees 98.7 % correct, within 16 pixels and 45 degrees 82 %
(star and cross, triangle and square, circle and square then mixed up).

Everything is a few batched torch operations: 10,000 images take under a second here.
"""

from __future__ import annotations

import math
import numbers

import torch

from ..networks import TINY_VGG_CLASSES

__all__ = ["CLASSES", "HELD_OUT_SEED", "MIN_COLOUR_DISTANCE", "SIZE", "make_shapes"]

SIZE = 64
CLASSES: tuple[str, ...] = TINY_VGG_CLASSES
#: The seed of the held-out images :mod:`convcore.nets.tinyvgg` measures accuracy on (never trained on).
HELD_OUT_SEED = 54321
#: The least RGB distance between the foreground and either end of the background.
MIN_COLOUR_DISTANCE = 0.45
_MAX_N = 500_000
_CHUNK = 512  # images drawn at once (fastest here: the arrays stay in the caches)
_SHAPES = 6  # classes 0..5 are shapes, 6..9 textures
_RADIUS = (12.0, 24.0)  # shapes' radius in pixels (half the size across)
_SHIFT = 8.0  # how far (pixels) a shape's centre may move from the image's, rows and columns
#: Each class's largest turn (radians, either way): shapes 20 degrees from upright, stripes 15,
#: the checkerboard 20, the dots 15 (turned further, staggered dots look like a checkerboard).
_MAX_ANGLE = tuple(math.radians(a) for a in (20, 20, 20, 20, 20, 20, 15, 15, 20, 15))
#: Each class's upright: the star is drawn with a tip along the columns, a quarter turn puts it up.
_BASE_ANGLE = (0.0, 0.0, 0.0, 0.0, 0.0, -math.pi / 2, 0.0, 0.0, 0.0, 0.0)


def _soft(distance: torch.Tensor) -> torch.Tensor:
    """Coverage 0..1 of a pixel from a signed distance in pixels (positive inside)."""
    return (distance + 0.5).clamp_(0.0, 1.0)


def _shape_distance(
    label: int, u: torch.Tensor, v: torch.Tensor, p: torch.Tensor, r: torch.Tensor
) -> torch.Tensor:
    """Signed distance (pixels, positive inside) to the edge of shape ``label``.

    ``u`` (along the columns) and ``v`` (down the rows), each (k, 64, 64), are the pixels'
    coordinates from the shape's centre, turned with the shape. ``r`` (k, 1, 1) is its radius in
    pixels; ``p`` (k, 1, 1) a number in 0..1 that sets the class's own free parameter (the cross's
    bar width, the ring's band width, the star's inner radius).
    """
    if label == 0:  # circle
        d = r - torch.sqrt(u * u + v * v)
    elif label == 1:  # square, the half side 0.8 r (about the circle's area)
        d = 0.8 * r - torch.maximum(u.abs(), v.abs())
    elif label == 2:  # equilateral triangle with circumradius r: three half planes at r / 2
        d = None
        for k in range(3):
            a = math.pi / 2 + k * 2 * math.pi / 3
            side = 0.5 * r - (u * math.cos(a) + v * math.sin(a))
            d = side if d is None else torch.minimum(d, side)
    elif label == 3:  # cross: two bars of half width w, half length r
        w = r * (0.24 + 0.1 * p)
        au, av = u.abs(), v.abs()
        d = torch.maximum(torch.minimum(w - au, r - av), torch.minimum(w - av, r - au))
    elif label == 4:  # ring: the band between (1 - width) r and r
        inner = r * (0.82 - 0.14 * p)
        rad = torch.sqrt(u * u + v * v)
        d = torch.minimum(rad - inner, r - rad)
    else:  # five-pointed star: fold into a tenth of a turn, one edge from tip (r, 0) to the inner corner
        inner = r * (0.38 + 0.1 * p)
        rad = torch.sqrt(u * u + v * v)
        sector = 2 * math.pi / 5
        theta = torch.remainder(torch.atan2(v, u), sector)
        theta = torch.minimum(theta, sector - theta)  # 0 at a tip, pi / 5 at an inner corner
        px, py = rad * torch.cos(theta), rad * torch.sin(theta)
        bx, by = inner * math.cos(sector / 2), inner * math.sin(sector / 2)
        ex, ey = bx - r, by  # the edge from the tip (r, 0) to the inner corner (bx, by)
        length = torch.sqrt(ex * ex + ey * ey)
        d = (py * ex - (px - r) * ey) / length  # positive on the centre's side of the edge
    return d


def _texture_distance(
    label: int, u: torch.Tensor, v: torch.Tensor, period: torch.Tensor, p: torch.Tensor
) -> torch.Tensor:
    """Approximate signed distance (pixels, positive on the foreground) of texture ``label``.

    ``u``, ``v`` as for :func:`_shape_distance` (from the image's centre, shifted by the phase);
    ``period`` (k, 1, 1) in pixels.
    """
    if label in (6, 7):  # stripes: bands of half the period; label 6 varies down the rows
        t = v if label == 6 else u
        return torch.sin(2 * math.pi * t / period) * period / (2 * math.pi)
    if label == 8:  # checkerboard: cells of half the period
        s = torch.sin(2 * math.pi * u / period) * torch.sin(2 * math.pi * v / period)
        return s * period / (2 * math.pi)
    # dots: discs of radius 0.18..0.32 of the period on a square or staggered lattice
    stagger = (p > 0.5).to(u.dtype) * 0.5
    row = torch.floor(v / period)
    fu = torch.remainder(u / period + stagger * torch.remainder(row, 2), 1.0) - 0.5
    fv = torch.remainder(v / period, 1.0) - 0.5
    radius = 0.18 + 0.14 * torch.remainder(p * 2, 1.0)
    return (radius - torch.sqrt(fu * fu + fv * fv)) * period


def _colours(n: int, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Foreground, background start and end colours (n, 3), far enough apart to see."""
    fg = torch.rand(n, 3, generator=g)
    bg0 = torch.rand(n, 3, generator=g)
    bg1 = (bg0 + (torch.rand(n, 3, generator=g) - 0.5) * 0.4).clamp(0, 1)
    for _ in range(100):  # redraw the colours of the pairs too close (deterministic: same draws)
        close = (torch.linalg.vector_norm(fg - bg0, dim=1) < MIN_COLOUR_DISTANCE) | (
            torch.linalg.vector_norm(fg - bg1, dim=1) < MIN_COLOUR_DISTANCE
        )
        k = int(close.sum())
        if k == 0:
            break
        fg[close] = torch.rand(k, 3, generator=g)
    else:  # pragma: no cover - the chance of 100 misses in a row is negligible
        raise RuntimeError("could not draw distinct colours")
    return fg, bg0, bg1


def make_shapes(n: int, *, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` random images of coloured shapes and textures, and their labels.

    Parameters
    ----------
    n : int
        How many, 1 to 500,000. The ten classes come in equal numbers (as near as ``n`` allows),
        shuffled.
    seed : int
        The same ``n`` and ``seed`` always give the same tensors.

    Returns
    -------
    images : float32 tensor of shape (n, 3, 64, 64), 0..1, RGB
    labels : int64 tensor of shape (n,), 0..9, indices into :data:`CLASSES`

    Examples
    --------
    >>> images, labels = make_shapes(20, seed=1)
    >>> images.shape, images.dtype, [CLASSES[k] for k in labels[:3]]
    (torch.Size([20, 3, 64, 64]), torch.float32, ['star', 'cross', 'triangle'])
    """
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= _MAX_N:
        raise ValueError(f"n must be an int from 1 to {_MAX_N}, got {n!r}")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise ValueError(f"seed must be an int, got {seed!r}")
    g = torch.Generator().manual_seed(int(seed))
    labels = (torch.arange(n) % len(CLASSES))[torch.randperm(n, generator=g)]
    # every image's parameters, drawn at once
    turn = torch.rand(n, generator=g) * 2 - 1  # -1..1 of each class's largest angle
    radius = _RADIUS[0] + (_RADIUS[1] - _RADIUS[0]) * torch.rand(n, generator=g)
    centre = SIZE / 2 + (torch.rand(n, 2, generator=g) * 2 - 1) * _SHIFT  # (row, column)
    period = 8 + 10 * torch.rand(n, generator=g)  # textures: 8 to 18 pixels
    phase = torch.rand(n, 2, generator=g) * period[:, None]
    extra = torch.rand(n, generator=g)  # each class's own free parameter
    fg, bg0, bg1 = _colours(n, g)
    gradient = torch.rand(n, generator=g) < 0.5
    gradient_angle = torch.rand(n, generator=g) * 2 * math.pi
    noise_level = 0.05 * torch.rand(n, generator=g)

    angle = turn * torch.tensor(_MAX_ANGLE)[labels] + torch.tensor(_BASE_ANGLE)[labels]
    cos_angle, sin_angle = torch.cos(angle), torch.sin(angle)

    images = torch.empty(n, 3, SIZE, SIZE)
    rows = torch.arange(SIZE, dtype=torch.float32).view(1, SIZE, 1) + 0.5
    cols = torch.arange(SIZE, dtype=torch.float32).view(1, 1, SIZE) + 0.5
    for start in range(0, n, _CHUNK):
        sl = slice(start, min(n, start + _CHUNK))
        lab = labels[sl]
        cover = torch.empty(len(lab), SIZE, SIZE)
        for c in range(len(CLASSES)):
            idx = torch.nonzero(lab == c).flatten()
            if len(idx) == 0:
                continue
            i = idx + start

            def col(t: torch.Tensor, i: torch.Tensor = i) -> torch.Tensor:
                return t[i].view(-1, 1, 1)

            cos, sin = col(cos_angle), col(sin_angle)
            if c < _SHAPES:
                dy, dx = rows - col(centre[:, 0]), cols - col(centre[:, 1])
                u, v = cos * dx + sin * dy, cos * dy - sin * dx
                d = _shape_distance(c, u, v, col(extra), col(radius))
            else:
                dy, dx = rows - SIZE / 2, cols - SIZE / 2
                u = cos * dx + sin * dy + col(phase[:, 1])
                v = cos * dy - sin * dx + col(phase[:, 0])
                d = _texture_distance(c, u, v, col(period), col(extra))
            cover[idx] = _soft(d)
        k = len(lab)
        ga = gradient_angle[sl]
        ramp = (
            (rows - SIZE / 2) * torch.sin(ga).view(-1, 1, 1)
            + (cols - SIZE / 2) * torch.cos(ga).view(-1, 1, 1)
        ) / SIZE + 0.5  # 0..1 across the image (about)
        ramp = ramp.clamp(0, 1) * gradient[sl].view(-1, 1, 1)
        b0, b1, f = bg0[sl].view(k, 3, 1, 1), bg1[sl].view(k, 3, 1, 1), fg[sl].view(k, 3, 1, 1)
        out = images[sl]
        torch.lerp(torch.lerp(b0, b1, ramp[:, None]), f, cover[:, None], out=out)
        out.addcmul_(torch.randn(k, 3, SIZE, SIZE, generator=g), noise_level[sl].view(k, 1, 1, 1))
        out.clamp_(0, 1)
    return images, labels

"""A library of named, hand-set filters, each with a one-line description.

Kernels are correlation kernels (laid on the image as written, like a CNN's weights); row 0 is
the top row. Greyscale kernels have shape (kh, kw); colour kernels have shape (3, kh, kw), one
slice for each of the red, green and blue channels, summed into one output (like one filter of
a CNN's first layer, which AlexNet learned: edges, and colour blobs and colour edges).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ._checks import as_real_array

__all__ = [
    "BANKS",
    "CENTRAL_DIFFERENCE",
    "EDGE_BOTTOM",
    "EDGE_LEFT",
    "EDGE_RIGHT",
    "EDGE_TOP",
    "EMBOSS",
    "FILTERS",
    "Filter",
    "FilterSpec",
    "IDENTITY",
    "LAPLACIAN",
    "OUTLINE",
    "PREWITT_X",
    "PREWITT_Y",
    "Param",
    "SCHARR_X",
    "SCHARR_Y",
    "SHARPEN",
    "SOBEL_X",
    "SOBEL_Y",
    "custom_filter",
    "get_bank",
    "get_filter",
]


def _const(values) -> np.ndarray:
    arr = np.array(values, dtype=np.float64)
    arr.setflags(write=False)
    return arr


#: [-1, 0, 1]: positive where values increase along the axis.
CENTRAL_DIFFERENCE = _const([-1, 0, 1])
_SOBEL_SMOOTH = _const([1, 2, 1])
_PREWITT_SMOOTH = _const([1, 1, 1])
_SCHARR_SMOOTH = _const([3, 10, 3])

#: Sobel x: smoothing down the rows times a difference across the columns.
#: Positive where the image gets brighter to the right (a vertical edge).
SOBEL_X = _const(np.outer(_SOBEL_SMOOTH, CENTRAL_DIFFERENCE))
#: Sobel y: positive where the image gets brighter downwards (a horizontal edge).
SOBEL_Y = _const(np.outer(CENTRAL_DIFFERENCE, _SOBEL_SMOOTH))
PREWITT_X = _const(np.outer(_PREWITT_SMOOTH, CENTRAL_DIFFERENCE))
PREWITT_Y = _const(np.outer(CENTRAL_DIFFERENCE, _PREWITT_SMOOTH))
SCHARR_X = _const(np.outer(_SCHARR_SMOOTH, CENTRAL_DIFFERENCE))
SCHARR_Y = _const(np.outer(CENTRAL_DIFFERENCE, _SCHARR_SMOOTH))
IDENTITY = _const([[0, 0, 0], [0, 1, 0], [0, 0, 0]])
LAPLACIAN = _const([[0, 1, 0], [1, -4, 1], [0, 1, 0]])
SHARPEN = _const([[0, -1, 0], [-1, 5, -1], [0, -1, 0]])
EMBOSS = _const([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]])
OUTLINE = _const([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]])
#: The four edges of a bright stroke on a dark ground (the classic lesson's -1/0/1 filters, as
#: cross-correlation): positive where the pixel is bright and its neighbour above (to the left,
#: below, to the right) is dark.
EDGE_TOP = _const([[-1, -1, -1], [1, 1, 1], [0, 0, 0]])
EDGE_LEFT = _const([[-1, 1, 0], [-1, 1, 0], [-1, 1, 0]])
EDGE_BOTTOM = _const([[0, 0, 0], [1, 1, 1], [-1, -1, -1]])
EDGE_RIGHT = _const([[0, 1, -1], [0, 1, -1], [0, 1, -1]])

#: Typed kernels: at most this many rows and columns.
_MAX_KERNEL = 15
#: The Gaussian kernel reaches 3 sigma on each side: 2 * ceil(3 * sigma) + 1 taps, 73 at sigma 12.
#: Blur must be visible on a 1-megapixel photo; convcore.apply_filter takes such large separable
#: kernels through 1-D FFTs (about 30-50 ms for a 1024 x 1024 RGB image here).
_GAUSSIAN_REACH = 3.0
#: Sigma's range: from barely there to strong enough to see on a 1024-pixel photo.
_SIGMA_RANGE = (0.5, 12.0)


@dataclass(frozen=True, eq=False)
class Filter:
    """A concrete filter, ready to apply.

    Attributes
    ----------
    key : str
        Identifier of the filter in :data:`FILTERS` (``"custom"`` for typed kernels).
    name : str
        Display name, with its parameters (``"Gaussian blur (sigma 1.5)"``).
    description : str
        One line for a student.
    kernel : ndarray of shape (kh, kw) or (3, kh, kw)
        Greyscale kernel, or a colour kernel with one slice per R, G, B channel.
    magnitude_of : tuple of two ndarrays, optional
        If set, the result is ``sqrt(a**2 + b**2)`` of the responses to these two kernels
        (``kernel`` is then the first). Not a single linear filter.
    looks_like_image : bool
        True when the result is another picture (blur, sharpen), False for detector responses.
    """

    key: str
    name: str
    description: str
    kernel: np.ndarray
    magnitude_of: tuple[np.ndarray, np.ndarray] | None = None
    looks_like_image: bool = False

    @property
    def is_colour(self) -> bool:
        """True for a kernel with separate red, green and blue slices."""
        return self.kernel.ndim == 3

    @property
    def size(self) -> tuple[int, int]:
        """Kernel height and width."""
        return self.kernel.shape[-2:]


@dataclass(frozen=True)
class Param:
    """A numeric parameter of a filter, with the range a slider should offer."""

    name: str
    label: str
    minimum: float
    maximum: float
    default: float
    step: float
    integer: bool = False


@dataclass(frozen=True)
class FilterSpec:
    """A named filter, possibly with parameters; :meth:`build` makes the :class:`Filter`."""

    key: str
    name: str
    category: str
    description: str
    make: Callable[..., Filter] = field(repr=False)
    params: tuple[Param, ...] = ()

    def build(self, **values: float) -> Filter:
        """Return the filter for these parameter values (defaults for those not given)."""
        known = {p.name: p for p in self.params}
        unknown = set(values) - set(known)
        if unknown:
            raise ValueError(f"{self.key} takes parameters {sorted(known) or 'none'}, got {sorted(unknown)}")
        args = {}
        for p in self.params:
            v = values.get(p.name, p.default)
            if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
                raise TypeError(f"{p.name} must be a number, got {v!r}")
            if not (p.minimum <= v <= p.maximum) or (p.integer and v != int(v)):
                kind = "an integer" if p.integer else "a number"
                raise ValueError(f"{p.name} must be {kind} from {p.minimum} to {p.maximum}, got {v!r}")
            args[p.name] = int(v) if p.integer else float(v)
        return self.make(**args)


def _fixed(
    key: str, name: str, kernel: np.ndarray, description: str, *, image: bool = False
) -> Callable[[], Filter]:
    return lambda: Filter(key, name, description, kernel, looks_like_image=image)


def _gaussian_1d(sigma: float, size: int) -> np.ndarray:
    r = np.arange(size) - (size - 1) / 2
    g = np.exp(-0.5 * (r / sigma) ** 2)
    return g / g.sum()


def _gaussian_size(sigma: float) -> int:
    return 2 * math.ceil(_GAUSSIAN_REACH * sigma) + 1


def _box(size: int) -> Filter:
    if size % 2 == 0:
        raise ValueError(f"size must be odd, got {size}")
    k = np.full((size, size), 1.0 / size**2)
    return Filter(
        "box_blur",
        f"Box blur ({size}x{size})",
        f"Each output is the plain average of the {size}x{size} pixels under the kernel.",
        k,
        looks_like_image=True,
    )


def _gaussian(sigma: float) -> Filter:
    size = _gaussian_size(sigma)
    g = _gaussian_1d(sigma, size)
    return Filter(
        "gaussian_blur",
        f"Gaussian blur (sigma {sigma:g}, {size}x{size})",
        "A weighted average: near pixels count more than far ones, so the blur looks smooth.",
        np.outer(g, g),
        looks_like_image=True,
    )


def _oriented(angle: float) -> Filter:
    # Steered Sobel: the derivative in the direction (cos a, sin a), x to the right, y upwards.
    rad = math.radians(angle)
    k = math.cos(rad) * SOBEL_X - math.sin(rad) * SOBEL_Y
    k = np.where(np.abs(k) < 1e-12, 0.0, k)
    return Filter(
        "oriented_edge",
        f"Oriented edge ({angle:g} degrees)",
        f"cos({angle:g}) x Sobel x - sin({angle:g}) x Sobel y: positive where the image gets "
        f"brighter towards {angle:g} degrees (0 = right, 90 = up).",
        k,
    )


def _sobel_magnitude() -> Filter:
    return Filter(
        "sobel_magnitude",
        "Sobel magnitude",
        "Edge strength in any direction: sqrt(Sobel x squared + Sobel y squared). Not linear.",
        SOBEL_X,
        magnitude_of=(SOBEL_X, SOBEL_Y),
    )


def _colour_blob(weights: tuple[float, float, float], sigma: float = 1.0, size: int = 5) -> np.ndarray:
    g = _gaussian_1d(sigma, size)
    blob = np.outer(g, g)
    return np.stack([w * blob for w in weights])


def _green_patches() -> Filter:
    return Filter(
        "green_patches",
        "Green patches",
        "Green minus the average of red and blue, over a small blob: bright on green things.",
        _colour_blob((-0.5, 1.0, -0.5)),
    )


def _red_minus_green() -> Filter:
    return Filter(
        "red_minus_green",
        "Red minus green",
        "Red minus green over a small blob: positive on red, negative on green (colour opponency).",
        _colour_blob((1.0, -1.0, 0.0)),
    )


def _blue_to_yellow() -> Filter:
    # Yellow is red + green. Positive where blue on the left turns to yellow on the right.
    d = SOBEL_X / 4.0
    return Filter(
        "blue_to_yellow_edge",
        "Blue-to-yellow edge",
        "A vertical edge in colour: positive where blue on the left meets yellow on the right.",
        np.stack([0.5 * d, 0.5 * d, -d]),
    )


def _spec(key, name, category, description, make, params=()) -> FilterSpec:
    return FilterSpec(key, name, category, description, make, tuple(params))


_SPECS = [
    _spec(
        "identity",
        "Identity",
        "Basics",
        "Copies the image: a 1 in the middle, zeros around.",
        _fixed(
            "identity", "Identity", IDENTITY, "Copies the image: a 1 in the middle, zeros around.", image=True
        ),
    ),
    _spec(
        "box_blur",
        "Box blur",
        "Blur and sharpen",
        "The plain average of a square of pixels.",
        _box,
        [Param("size", "Kernel size", 3, 15, 3, 2, integer=True)],
    ),
    _spec(
        "gaussian_blur",
        "Gaussian blur",
        "Blur and sharpen",
        "A smooth weighted average.",
        _gaussian,
        [Param("sigma", "Sigma (blur radius)", *_SIGMA_RANGE, 2.0, 0.1)],
    ),
    _spec(
        "sharpen",
        "Sharpen",
        "Blur and sharpen",
        "The pixel, plus how much it differs from its neighbours.",
        _fixed(
            "sharpen",
            "Sharpen",
            SHARPEN,
            "5 x the pixel minus its 4 neighbours: boosts differences.",
            image=True,
        ),
    ),
    _spec(
        "sobel_x",
        "Sobel x (vertical edges)",
        "Edges",
        "Brightness change from left to right.",
        _fixed(
            "sobel_x",
            "Sobel x",
            SOBEL_X,
            "Smoothing [1 2 1] down, difference [-1 0 1] across: positive where it gets brighter to the right.",
        ),
    ),
    _spec(
        "sobel_y",
        "Sobel y (horizontal edges)",
        "Edges",
        "Brightness change from top to bottom.",
        _fixed(
            "sobel_y",
            "Sobel y",
            SOBEL_Y,
            "Difference [-1 0 1] down, smoothing [1 2 1] across: positive where it gets brighter downwards.",
        ),
    ),
    _spec("sobel_magnitude", "Sobel magnitude", "Edges", "Edge strength in any direction.", _sobel_magnitude),
    _spec(
        "prewitt_x",
        "Prewitt x",
        "Edges",
        "Like Sobel x, with plain averaging.",
        _fixed(
            "prewitt_x",
            "Prewitt x",
            PREWITT_X,
            "Average [1 1 1] down, difference [-1 0 1] across: vertical edges.",
        ),
    ),
    _spec(
        "prewitt_y",
        "Prewitt y",
        "Edges",
        "Like Sobel y, with plain averaging.",
        _fixed(
            "prewitt_y",
            "Prewitt y",
            PREWITT_Y,
            "Difference [-1 0 1] down, average [1 1 1] across: horizontal edges.",
        ),
    ),
    _spec(
        "scharr_x",
        "Scharr x",
        "Edges",
        "Like Sobel x, tuned to treat all angles more evenly.",
        _fixed(
            "scharr_x",
            "Scharr x",
            SCHARR_X,
            "Smoothing [3 10 3] down, difference [-1 0 1] across: vertical edges.",
        ),
    ),
    _spec(
        "scharr_y",
        "Scharr y",
        "Edges",
        "Like Sobel y, tuned to treat all angles more evenly.",
        _fixed(
            "scharr_y",
            "Scharr y",
            SCHARR_Y,
            "Difference [-1 0 1] down, smoothing [3 10 3] across: horizontal edges.",
        ),
    ),
    _spec(
        "edge_top",
        "Top edge",
        "Edges",
        "Bright here, dark above: the top edge of a light stroke on a dark ground.",
        _fixed(
            "edge_top",
            "Top edge",
            EDGE_TOP,
            "Bright here, dark above: the top edge of a light stroke on a dark ground.",
        ),
    ),
    _spec(
        "edge_left",
        "Left edge",
        "Edges",
        "Bright here, dark to the left: the left edge of a light stroke on a dark ground.",
        _fixed(
            "edge_left",
            "Left edge",
            EDGE_LEFT,
            "Bright here, dark to the left: the left edge of a light stroke on a dark ground.",
        ),
    ),
    _spec(
        "edge_bottom",
        "Bottom edge",
        "Edges",
        "Bright here, dark below: the bottom edge of a light stroke on a dark ground.",
        _fixed(
            "edge_bottom",
            "Bottom edge",
            EDGE_BOTTOM,
            "Bright here, dark below: the bottom edge of a light stroke on a dark ground.",
        ),
    ),
    _spec(
        "edge_right",
        "Right edge",
        "Edges",
        "Bright here, dark to the right: the right edge of a light stroke on a dark ground.",
        _fixed(
            "edge_right",
            "Right edge",
            EDGE_RIGHT,
            "Bright here, dark to the right: the right edge of a light stroke on a dark ground.",
        ),
    ),
    _spec(
        "oriented_edge",
        "Oriented edge",
        "Edges",
        "An edge detector turned to any angle.",
        _oriented,
        [Param("angle", "Angle (degrees)", 0, 180, 45, 15)],
    ),
    _spec(
        "laplacian",
        "Laplacian",
        "Edges",
        "Second derivative: responds to spots and thin lines.",
        _fixed(
            "laplacian",
            "Laplacian",
            LAPLACIAN,
            "The 4 neighbours minus 4 x the pixel: zero on flat areas and steady ramps.",
        ),
    ),
    _spec(
        "outline",
        "Outline",
        "Edges",
        "Every pixel against all 8 neighbours.",
        _fixed(
            "outline",
            "Outline",
            OUTLINE,
            "8 x the pixel minus its 8 neighbours: outlines in every direction.",
        ),
    ),
    _spec(
        "emboss",
        "Emboss",
        "Effects",
        "A raised, lit-from-the-corner look.",
        _fixed(
            "emboss",
            "Emboss",
            EMBOSS,
            "Brightness change along the diagonal, plus the pixel itself.",
            image=True,
        ),
    ),
    _spec("green_patches", "Green patches", "Colour", "Bright on green areas.", _green_patches),
    _spec("red_minus_green", "Red minus green", "Colour", "Red positive, green negative.", _red_minus_green),
    _spec(
        "blue_to_yellow_edge", "Blue-to-yellow edge", "Colour", "Where blue meets yellow.", _blue_to_yellow
    ),
]

#: Every named filter, by key, in display order.
FILTERS: dict[str, FilterSpec] = {s.key: s for s in _SPECS}

#: Filter banks: several filters applied at once, one feature map each. (key, params) pairs.
BANKS: dict[str, tuple[tuple[str, dict[str, float]], ...]] = {
    "Four edges of a stroke (top, left, bottom, right)": tuple(
        (key, {}) for key in ("edge_top", "edge_left", "edge_bottom", "edge_right")
    ),
    "Four edge directions": tuple(("oriented_edge", {"angle": a}) for a in (0, 45, 90, 135)),
    "Sobel x, y and magnitude": (("sobel_x", {}), ("sobel_y", {}), ("sobel_magnitude", {})),
    "Colour detectors": (("green_patches", {}), ("red_minus_green", {}), ("blue_to_yellow_edge", {})),
    "Blur at three scales": tuple(("gaussian_blur", {"sigma": s}) for s in (1.0, 3.0, 8.0)),
}


def get_filter(key: str, **params: float) -> Filter:
    """The filter ``key`` of :data:`FILTERS`, built with ``params``.

    >>> get_filter("sobel_x").kernel[1]
    array([-2.,  0.,  2.])
    """
    if key not in FILTERS:
        raise ValueError(f"filter must be one of {sorted(FILTERS)}, got {key!r}")
    return FILTERS[key].build(**params)


def get_bank(name: str) -> list[Filter]:
    """The filters of the bank ``name`` in :data:`BANKS`."""
    if name not in BANKS:
        raise ValueError(f"bank must be one of {sorted(BANKS)}, got {name!r}")
    return [get_filter(key, **params) for key, params in BANKS[name]]


def custom_filter(kernel: np.ndarray, *, name: str = "Custom kernel") -> Filter:
    """A filter from typed numbers: (kh, kw) greyscale or (3, kh, kw) colour, up to 15x15.

    Its result counts as a picture (``looks_like_image``) when the kernel keeps the image's
    brightness: no negative weights (identity, blur), or weights summing to 1 (sharpen). Only a
    kernel with negative weights that sum to something else (an edge detector) gives a map whose
    signs matter.

    >>> custom_filter([[0, 0, 0], [0, 1, 0], [0, 0, 0]]).looks_like_image
    True
    >>> custom_filter([[-1, 0, 1]]).looks_like_image
    False
    """
    arr = as_real_array(kernel, "kernel", ndims=(2, 3)).astype(np.float64)
    if arr.ndim == 3 and arr.shape[0] != 3:
        raise ValueError(f"a colour kernel must have 3 slices (R, G, B), got shape {arr.shape}")
    if max(arr.shape[-2:]) > _MAX_KERNEL:
        raise ValueError(f"kernel must be at most {_MAX_KERNEL}x{_MAX_KERNEL}, got {arr.shape[-2:]}")
    total = float(arr.sum())
    picture = bool((arr >= 0).all() and total > 0) or abs(total - 1.0) < 1e-9
    return Filter("custom", name, "Your own numbers.", arr, looks_like_image=picture)

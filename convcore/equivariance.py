"""Translation equivariance: shift the input, and a convolution's map shifts by the same amount.

``conv(shift(x)) == shift(conv(x))``, number for number, wherever the kernel's window lies inside
the input both before and after the shift; only the border where new pixels came in differs
(:func:`convcore.shift` repeats the edge there). Pooling then makes the result *approximately
invariant*: many pooled numbers do not change at all (:func:`convcore.compare_shift`).

>>> check = conv_shift([[0, 0, 9, 0, 0]], [[1, -1]], cols=1)
>>> check.map.tolist(), check.map_of_shifted.tolist()
([[0.0, -9.0, 9.0, 0.0]], [[0.0, 0.0, -9.0, 9.0]])
>>> check.equal_inside, check.inside_count
(3, 3)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import as_real_array
from .conv import conv2d
from .pooling import shift

__all__ = ["ConvShift", "conv_shift"]


@dataclass(frozen=True, eq=False)
class ConvShift:
    """A map and the map of the shifted input (see :func:`conv_shift`).

    ``map`` is ``conv(x)``, ``map_of_shifted`` is ``conv(shift(x))`` and ``shifted_map`` is
    ``shift(conv(x))``, all (H - kh + 1, W - kw + 1) without padding. ``inside`` marks the
    numbers whose window lies inside the input before and after the shift: there the two must be
    equal. ``equal`` marks where they are (within float32 rounding).
    """

    original: np.ndarray
    shifted: np.ndarray
    map: np.ndarray
    map_of_shifted: np.ndarray
    shifted_map: np.ndarray
    inside: np.ndarray
    equal: np.ndarray

    @property
    def inside_count(self) -> int:
        """How many numbers lie away from the border (where equivariance is exact)."""
        return int(self.inside.sum())

    @property
    def equal_inside(self) -> int:
        """How many of those are equal: all of them (convolution is equivariant)."""
        return int((self.equal & self.inside).sum())


def _inside(size: int, move: int) -> np.ndarray:
    """Output positions i along one axis with 0 <= i - move < size (their window was inside)."""
    i = np.arange(size)
    return (i - move >= 0) & (i - move < size)


def conv_shift(x: np.ndarray, kernel: np.ndarray, *, rows: int = 0, cols: int = 1) -> ConvShift:
    """Convolve a map and the same map shifted (by :func:`convcore.shift`), and compare.

    Parameters
    ----------
    x : array_like of shape (H, W)
    kernel : array_like of shape (kh, kw)
        Cross-correlation (:func:`convcore.conv2d`), stride 1, no padding.
    rows, cols : int, optional
        The shift, down and right for positive values.

    Returns
    -------
    ConvShift

    Raises
    ------
    ValueError, TypeError
        For arrays that are not 2-D numbers, a kernel larger than ``x``, or a shift that is not an
        int.
    """
    a = as_real_array(x, "x", ndims=(2,)).astype(np.float64)
    k = as_real_array(kernel, "kernel", ndims=(2,)).astype(np.float64)
    if k.shape[0] > a.shape[0] or k.shape[1] > a.shape[1]:
        raise ValueError(f"kernel must fit in x: kernel {k.shape}, x {a.shape}")
    for name, value in (("rows", rows), ("cols", cols)):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{name} must be an int, got {value!r}")
    moved = shift(a, rows, cols)
    fmap = conv2d(a, k).astype(np.float64)
    of_moved = conv2d(moved, k).astype(np.float64)
    moved_map = shift(fmap, rows, cols)
    inside = _inside(fmap.shape[0], rows)[:, None] & _inside(fmap.shape[1], cols)[None, :]
    tolerance = 1e-5 * max(1.0, float(np.abs(fmap).max()))
    equal = np.abs(of_moved - moved_map) <= tolerance
    return ConvShift(a, moved, fmap, of_moved, moved_map, inside, equal)

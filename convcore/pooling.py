"""Max and average pooling with PyTorch's semantics (``max_pool2d`` / ``avg_pool2d`` defaults)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._checks import as_pair, as_real_array, check_choice
from .geometry import ConvGeometry, conv_geometry

__all__ = ["ShiftComparison", "compare_shift", "pool2d", "pool_geometry", "shift"]

_VALID_POOL_MODES = frozenset({"max", "avg"})


def pool_geometry(
    input_size: tuple[int, int],
    kernel_size: int | tuple[int, int],
    *,
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
) -> ConvGeometry:
    """Check a pooling's sizes and return them (see :class:`convcore.ConvGeometry`).

    PyTorch's rules: ``stride`` defaults to ``kernel_size``, and ``padding`` may be at most
    half the window on each axis.
    """
    k = as_pair(kernel_size, "kernel_size", minimum=1)
    s = k if stride is None else as_pair(stride, "stride", minimum=1)
    p = as_pair(padding, "padding", minimum=0)
    for axis, pad, size in zip(("rows", "columns"), p, k):
        if 2 * pad > size:
            raise ValueError(
                f"padding must be at most half the pooling window: padding {pad} on {axis} "
                f"with a window of {size} (PyTorch's rule; otherwise a window could hold "
                "only padding)"
            )
    return conv_geometry(input_size, k, stride=s, padding=p)


def pool2d(
    x: np.ndarray,
    kernel_size: int | tuple[int, int],
    *,
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
    mode: str = "max",
) -> np.ndarray:
    """Max or average pooling of each channel separately.

    Parameters
    ----------
    x : array_like of shape (C, H, W) or (H, W)
    kernel_size : int or (int, int)
        Window height and width.
    stride : int or (int, int), optional
        Step between windows; defaults to ``kernel_size`` (windows side by side).
    padding : int or (int, int), optional
        Added on each side, at most half the window. Max pooling pads with -infinity (padding
        is never chosen); average pooling pads with zeros that count in the mean
        (PyTorch's ``count_include_pad=True``).
    mode : {"max", "avg"}, optional

    Returns
    -------
    ndarray of float32 with the shape of ``x`` but H', W' =
    ``floor((n + 2 * padding - kernel_size) / stride) + 1``.

    Examples
    --------
    >>> pool2d([[1, 2, 5, 6], [3, 4, 7, 8]], 2)
    array([[4., 8.]], dtype=float32)
    """
    xa = as_real_array(x, "x", ndims=(2, 3))
    check_choice(mode, "mode", _VALID_POOL_MODES)
    x3 = (xa[None] if xa.ndim == 2 else xa).astype(np.float64 if mode == "avg" else np.float32)
    geom = pool_geometry(x3.shape[1:], kernel_size, stride=stride, padding=padding)
    out = _pool_windows(x3, geom, mode)
    reduced = out.max(axis=(-2, -1)) if mode == "max" else out.mean(axis=(-2, -1))
    reduced = reduced.astype(np.float32)
    return reduced[0] if xa.ndim == 2 else reduced


def _pool_windows(x: np.ndarray, geom: ConvGeometry, mode: str) -> np.ndarray:
    """Windows (C, H', W', kh, kw) of the padded input (-inf padding for max, 0 for avg)."""
    (pt, pl), (pb, pr) = geom.pad_before, geom.pad_after
    if pt or pb or pl or pr:
        fill = -np.inf if mode == "max" else 0.0
        x = np.pad(x, ((0, 0), (pt, pb), (pl, pr)), constant_values=fill)
    (sh, sw), (ho, wo) = geom.stride, geom.output_size
    view = sliding_window_view(x, geom.span, axis=(1, 2))
    return view[:, : (ho - 1) * sh + 1 : sh, : (wo - 1) * sw + 1 : sw]


@dataclass(frozen=True, eq=False)
class ShiftComparison:
    """A map and the same map shifted, before and after pooling (see :func:`compare_shift`).

    ``unchanged_before`` / ``unchanged_after`` are the fractions of numbers that stay the same.
    """

    original: np.ndarray
    shifted: np.ndarray
    pooled: np.ndarray
    pooled_shifted: np.ndarray
    unchanged_before: float
    unchanged_after: float


def shift(x: np.ndarray, rows: int = 0, cols: int = 1) -> np.ndarray:
    """Move a 2-D map by whole pixels (down/right for positive values), repeating the edge."""
    a = as_real_array(x, "x", ndims=(2,)).astype(np.float64)
    h, w = a.shape
    r = np.clip(np.arange(h) - rows, 0, h - 1)
    c = np.clip(np.arange(w) - cols, 0, w - 1)
    return a[np.ix_(r, c)]


def compare_shift(
    x: np.ndarray,
    kernel_size: int | tuple[int, int],
    *,
    rows: int = 0,
    cols: int = 1,
    stride: int | tuple[int, int] | None = None,
    mode: str = "max",
) -> ShiftComparison:
    """How much of a map survives a small shift, before and after pooling.

    Pooling makes a map a little insensitive to where exactly a feature is: after a one-pixel
    shift, more pooled numbers stay the same than numbers of the map itself.
    """
    a = as_real_array(x, "x", ndims=(2,)).astype(np.float64)
    moved = shift(a, rows, cols)
    pooled = pool2d(a, kernel_size, stride=stride, mode=mode)
    pooled_moved = pool2d(moved, kernel_size, stride=stride, mode=mode)
    return ShiftComparison(
        a, moved, pooled, pooled_moved, float(np.mean(a == moved)), float(np.mean(pooled == pooled_moved))
    )

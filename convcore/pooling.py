"""Max and average pooling with PyTorch's semantics (``max_pool2d`` / ``avg_pool2d`` defaults)."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._checks import as_pair, as_real_array, check_choice
from .conv import ConvGeometry, conv_geometry

__all__ = ["pool2d", "pool_geometry"]

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

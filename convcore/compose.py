"""Two convolutions in a row are one convolution, unless a non-linearity sits between them.

Deep learning's "convolution" is a cross-correlation (:func:`convcore.conv2d`). Sliding kernel A
over the input and then kernel B over A's map gives, number for number, what one kernel C gives
on the input, where C is the *true* convolution of A and B (B turned by 180 degrees while it
slides over A, with full padding)::

    corr(corr(x, A), B) == corr(x, A * B)        (* : full convolution, kh + kh' - 1 rows)

with biases the combined bias is ``bias_A * sum(B) + bias_B``. This holds without padding and
with stride 1, everywhere; with padding it holds away from the border only (B would read A's map
padded with zeros, not A applied to the padded input). A ReLU between the two breaks it: no
single kernel gives ``corr(relu(corr(x, A)), B)`` in general. That is why a CNN puts a
non-linearity after each convolution: without one, a stack of layers is one layer.

>>> compose_kernels([[1, 1]], [[1, -1]]).kernel.tolist()
[[1.0, 0.0, -1.0]]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import as_real_array

__all__ = ["ComposedKernel", "TwoConvolutions", "compose_kernels", "two_convolutions"]


@dataclass(frozen=True, eq=False)
class ComposedKernel:
    """The one kernel (and bias) that does what two convolutions in a row do.

    ``kernel`` is (kh + kh' - 1, kw + kw' - 1) for two 2-D kernels, (O, C, ...) for banks;
    ``bias`` is None when neither convolution has one, a float for 2-D kernels, else (O,).
    """

    kernel: np.ndarray
    bias: np.ndarray | float | None


@dataclass(frozen=True, eq=False)
class TwoConvolutions:
    """Filter A, then filter B on A's map (through a ReLU or not), beside the one combined kernel.

    All maps are float64, without padding: ``first`` is (H - ka + 1, W - ka + 1), ``second`` and
    ``combined`` are (H - kc + 1, W - kc + 1) with kc = ka + kb - 1. ``difference`` is the largest
    absolute difference between ``second`` and ``combined`` (0 up to rounding without ReLU).
    """

    first: np.ndarray
    second: np.ndarray
    kernel: np.ndarray
    combined: np.ndarray
    relu: bool
    difference: float


def _bank(value: object, name: str) -> np.ndarray:
    """A kernel (kh, kw) or a bank (O, C, kh, kw) as float64 (O, C, kh, kw)."""
    a = as_real_array(value, name, ndims=(2, 4)).astype(np.float64)
    return a[None, None] if a.ndim == 2 else a


def _bias(value: object, name: str, channels: int) -> np.ndarray:
    if value is None:
        return np.zeros(channels)
    b = as_real_array(value, name, ndims=(0, 1)).astype(np.float64)
    if b.ndim == 0:  # one number: the same bias for every channel
        return np.full(channels, float(b))
    if b.size != channels:
        raise ValueError(
            f"{name} must have one number per output channel ({channels}), got shape {np.shape(value)}"
        )
    return b


def compose_kernels(
    first: np.ndarray,
    second: np.ndarray,
    *,
    first_bias: np.ndarray | float | None = None,
    second_bias: np.ndarray | float | None = None,
) -> ComposedKernel:
    """The single kernel equal to cross-correlating with ``first``, then with ``second``.

    Parameters
    ----------
    first : array_like of shape (kh, kw) or (M, C, kh, kw)
        Kernel A (or a bank: M output channels over C input channels).
    second : array_like of shape (kh', kw') or (O, M, kh', kw')
        Kernel B, applied to A's map (a bank reads A's M channels).
    first_bias, second_bias : float, array_like of shape (M,) / (O,), or None, optional

    Returns
    -------
    ComposedKernel
        ``kernel[o, c] = sum_m full_convolution(first[m, c], second[o, m])``, of shape
        (kh + kh' - 1, kw + kw' - 1), or (O, C, ...) when either input is a bank; ``bias[o] =
        second_bias[o] + sum_m first_bias[m] * sum(second[o, m])`` (None when neither has one).

    Raises
    ------
    ValueError, TypeError
        For a kernel that is not 2-D or 4-D numbers, banks whose channels do not chain
        (``second.shape[1] != first.shape[0]``), or a bias of the wrong length.

    Examples
    --------
    A 3 x 3 blur then a 3 x 3 edge filter is one 5 x 5 kernel:

    >>> compose_kernels(np.ones((3, 3)) / 9, [[-1, 0, 1]] * 3).kernel.shape
    (5, 5)
    """
    a, b = _bank(first, "first"), _bank(second, "second")
    if b.shape[1] != a.shape[0]:
        raise ValueError(
            f"second must read first's {a.shape[0]} output channels: second has shape {b.shape} "
            f"(O, M, kh, kw) with M = {b.shape[1]}"
        )
    out, mid, channels = b.shape[0], a.shape[0], a.shape[1]
    kh, kw = a.shape[2] + b.shape[2] - 1, a.shape[3] + b.shape[3] - 1
    kernel = np.zeros((out, channels, kh, kw))
    for o in range(out):
        for c in range(channels):
            for m in range(mid):
                kernel[o, c] += _full(a[m, c], b[o, m])
    bias = None
    if first_bias is not None or second_bias is not None:
        ba, bb = _bias(first_bias, "first_bias", mid), _bias(second_bias, "second_bias", out)
        bias = bb + b.sum(axis=(2, 3)) @ ba
    if np.ndim(first) == 2 and np.ndim(second) == 2:
        return ComposedKernel(kernel[0, 0], None if bias is None else float(bias[0]))
    return ComposedKernel(kernel, bias)


# The two helpers below are scipy.signal's convolve2d(mode="full") and correlate2d(mode="valid")
# (tests/test_compose.py checks them against it): numpy alone, because importing scipy.signal costs
# a server about 48 MB and half a second of the interpreter's lock, for kernels of a few numbers
# and maps of at most a few hundred pixels (issue 18).
def _full(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The full 2-D convolution of two small float64 arrays: ``(ah + bh - 1, aw + bw - 1)``."""
    (ah, aw), (bh, bw) = a.shape, b.shape
    out = np.zeros((ah + bh - 1, aw + bw - 1))
    for i in range(bh):
        for j in range(bw):
            out[i : i + ah, j : j + aw] += b[i, j] * a
    return out


def _valid(x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Cross-correlation without padding, in float64 (so that equal numbers show as equal)."""
    (kh, kw), (h, w) = kernel.shape, x.shape
    out = np.zeros((h - kh + 1, w - kw + 1))
    term = np.empty_like(out)
    for i in range(kh):
        for j in range(kw):
            out += np.multiply(x[i : i + out.shape[0], j : j + out.shape[1]], kernel[i, j], out=term)
    return out


def two_convolutions(
    x: np.ndarray, first: np.ndarray, second: np.ndarray, *, relu: bool = False
) -> TwoConvolutions:
    """Filter ``first`` then ``second`` on a 2-D map, and the one combined kernel on it.

    Parameters
    ----------
    x : array_like of shape (H, W)
        A greyscale image or a map.
    first, second : array_like of shape (kh, kw)
        Kernels A and B (cross-correlation, stride 1, no padding).
    relu : bool, optional
        Set A's negative numbers to 0 before B reads them.

    Returns
    -------
    TwoConvolutions

    Raises
    ------
    ValueError, TypeError
        For arrays that are not 2-D numbers, or kernels larger than ``x`` together.

    Examples
    --------
    >>> x = np.arange(25.0).reshape(5, 5) % 3
    >>> two_convolutions(x, [[1, -1]], [[1, 1]]).difference < 1e-12
    True
    >>> two_convolutions(x, [[1, -1]], [[1, 1]], relu=True).difference > 0
    True
    """
    xa = as_real_array(x, "x", ndims=(2,)).astype(np.float64)
    a = as_real_array(first, "first", ndims=(2,)).astype(np.float64)
    b = as_real_array(second, "second", ndims=(2,)).astype(np.float64)
    if not isinstance(relu, (bool, np.bool_)):
        raise TypeError(f"relu must be True or False, got {relu!r}")
    kernel = compose_kernels(a, b).kernel
    if kernel.shape[0] > xa.shape[0] or kernel.shape[1] > xa.shape[1]:
        raise ValueError(
            f"x must be at least as large as the combined kernel {kernel.shape[0]} x {kernel.shape[1]}, "
            f"got shape {xa.shape}"
        )
    one = _valid(xa, a)
    two = _valid(np.maximum(one, 0.0) if relu else one, b)
    combined = _valid(xa, kernel)
    return TwoConvolutions(one, two, kernel, combined, bool(relu), float(np.abs(two - combined).max()))

"""1-D convolution (PyTorch's ``conv1d``) and its steps, through the 2-D engine.

A 1-D signal is a one-row image and a 1-D kernel a 1 x k kernel, so the numbers come from
:func:`convcore.conv2d` and the steps from :func:`convcore.conv2d_steps`.

>>> conv1d([0, 0, 1, 1], [1, 1]).tolist()
[0.0, 1.0, 2.0]
"""

from __future__ import annotations

import numpy as np

from ._checks import as_int, as_real_array
from .conv import conv2d
from .geometry import ConvParams
from .steps import ConvTrace, conv2d_steps

__all__ = ["conv1d", "conv1d_steps"]


def _signal(x: object) -> np.ndarray:
    """``x`` (L,) or (C, L) as (C, 1, L)."""
    a = as_real_array(x, "x", ndims=(1, 2))
    return (a[None] if a.ndim == 1 else a)[:, None, :]


def _kernel(weight: object) -> np.ndarray:
    """``weight`` (k,) or (O, C, k) as (O, C, 1, k)."""
    wa = as_real_array(weight, "weight", ndims=(1, 3))
    return wa[None, None, None] if wa.ndim == 1 else wa[:, :, None, :]


def _params(stride: object, padding: object, dilation: object, padding_mode: str) -> ConvParams:
    """The 2-D settings of a 1-D convolution: nothing happens along the one row."""
    pad = padding if isinstance(padding, str) else (0, as_int(padding, "padding", minimum=0))
    return ConvParams(
        stride=(1, as_int(stride, "stride", minimum=1)),
        padding=pad,
        dilation=(1, as_int(dilation, "dilation", minimum=1)),
        padding_mode=padding_mode,
    )


def conv1d(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | float | None = None,
    *,
    stride: int = 1,
    padding: int | str = 0,
    dilation: int = 1,
    padding_mode: str = "zeros",
) -> np.ndarray:
    """1-D cross-correlation with PyTorch's semantics (``torch.nn.functional.conv1d``).

    Parameters
    ----------
    x : array_like of shape (L,) or (C, L)
    weight : array_like of shape (k,) or (O, C, k)
    bias : array_like of shape (O,), float or None, optional
    stride, dilation : int, optional
        Each >= 1.
    padding : int, "same" or "valid", optional
        Added at each end.
    padding_mode : {"zeros", "reflect", "replicate", "circular"}, optional

    Returns
    -------
    ndarray of float32, shape (L',) when ``x`` and ``weight`` are both 1-D, else (O, L').

    Examples
    --------
    A moving average of three:

    >>> conv1d([0, 0, 3, 3, 3], np.ones(3) / 3).round(3).tolist()
    [1.0, 2.0, 3.0]
    """
    x3, w4 = _signal(x), _kernel(weight)
    out = conv2d(x3, w4, bias, params=_params(stride, padding, dilation, padding_mode))[:, 0, :]
    return out[0] if np.ndim(x) == 1 and np.ndim(weight) == 1 else out


def conv1d_steps(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | float | None = None,
    *,
    stride: int = 1,
    padding: int | str = 0,
    dilation: int = 1,
    padding_mode: str = "zeros",
) -> ConvTrace:
    """The steps of :func:`conv1d`: a trace of one-row windows (see :func:`convcore.conv2d_steps`).

    Parameters are those of :func:`conv1d`. Each step's ``rows`` holds the single row 0.
    """
    x3, w4 = _signal(x), _kernel(weight)
    return conv2d_steps(x3, w4, bias, params=_params(stride, padding, dilation, padding_mode))

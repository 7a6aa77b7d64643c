"""3-D convolution (PyTorch's ``conv3d``): a kernel that slides along time (or depth) too.

A video is a stack of frames (D, H, W); a 3-D kernel (kd, kh, kw) covers kd consecutive frames at
once, so one output number can compare frames: :data:`TEMPORAL_DIFFERENCE` is frame t + 1 minus
frame t and lights up what moves. The same works on CT and MRI volumes, where the third axis is
depth. Like :func:`convcore.conv2d` it is a cross-correlation (the kernel is not flipped).

>>> stack = moving_square()
>>> conv3d(stack, TEMPORAL_DIFFERENCE).shape
(3, 4, 4)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._checks import as_int, as_real_array
from .kernels import IDENTITY

__all__ = [
    "AVERAGE_3D",
    "Conv3dStep",
    "TEMPORAL_DIFFERENCE",
    "conv3d",
    "conv3d_step",
    "moving_square",
]

#: Frame t + 1 minus frame t at the window's centre pixel: [-1, 1, 0] along time, the identity
#: across each frame. Bright where something arrives, dark where it left, 0 where nothing moves.
TEMPORAL_DIFFERENCE = np.einsum("t,rc->trc", np.array([-1.0, 1.0, 0.0]), IDENTITY)
TEMPORAL_DIFFERENCE.setflags(write=False)
#: The mean of 3 x 3 pixels in 3 consecutive frames: a blur in space and time.
AVERAGE_3D = np.full((3, 3, 3), 1.0 / 27.0)
AVERAGE_3D.setflags(write=False)


def _triple(value: object, name: str, *, minimum: int) -> tuple[int, int, int]:
    if isinstance(value, (tuple, list)):
        if len(value) != 3:
            raise TypeError(f"{name} must be an int or three ints (frames, rows, columns), got {value!r}")
        return tuple(as_int(v, name, minimum=minimum) for v in value)  # type: ignore[return-value]
    v = as_int(value, name, minimum=minimum)
    return v, v, v


def _prepared(x: object, weight: object, padding: object) -> tuple[np.ndarray, np.ndarray]:
    """x as padded float64 (C, D, H, W), weight as float64 (O, C, kd, kh, kw), both checked."""
    xa = as_real_array(x, "x", ndims=(3, 4)).astype(np.float64)
    wa = as_real_array(weight, "weight", ndims=(3, 5)).astype(np.float64)
    x4 = xa[None] if xa.ndim == 3 else xa
    w5 = wa[None, None] if wa.ndim == 3 else wa
    if w5.shape[1] != x4.shape[0]:
        raise ValueError(
            f"weight must have one slice per input channel: weight has shape {w5.shape} (O, C, kd, kh, kw), "
            f"x has {x4.shape[0]} channel(s)"
        )
    p = _triple(padding, "padding", minimum=0)
    x4 = np.pad(x4, ((0, 0), *((q, q) for q in p)))
    for axis, n, k in zip(("frames", "rows", "columns"), x4.shape[1:], w5.shape[2:]):
        if k > n:
            raise ValueError(f"weight is larger than the padded input along {axis}: {k} > {n}")
    return x4, w5


def conv3d(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | float | None = None,
    *,
    stride: int | tuple[int, int, int] = 1,
    padding: int | tuple[int, int, int] = 0,
) -> np.ndarray:
    """3-D cross-correlation with PyTorch's semantics (``torch.nn.functional.conv3d``).

    ``out[o, t, i, j] = bias[o] + sum_{c, u, v, w} weight[o, c, u, v, w] *
    padded[c, t * s + u, i * s + v, j * s + w]``

    Parameters
    ----------
    x : array_like of shape (D, H, W) or (C, D, H, W)
        Frames (or slices of a volume); a 3-D input is one channel.
    weight : array_like of shape (kd, kh, kw) or (O, C, kd, kh, kw)
    bias : array_like of shape (O,), float or None, optional
    stride : int or (int, int, int), optional
        Step between windows along frames, rows and columns, each >= 1.
    padding : int or (int, int, int), optional
        Zeros added on each side of each axis.

    Returns
    -------
    ndarray of float32, shape (O, D', H', W'), or (D', H', W') when ``x`` and ``weight`` are
    both 3-D; D' = floor((D + 2 * padding - kd) / stride) + 1, and so on.

    Raises
    ------
    ValueError, TypeError
        Naming the argument: shapes that do not fit, a stride below 1, negative padding.
    """
    x4, w5 = _prepared(x, weight, padding)
    s = _triple(stride, "stride", minimum=1)
    view = sliding_window_view(x4, w5.shape[2:], axis=(1, 2, 3))[:, :: s[0], :: s[1], :: s[2]]
    out = np.einsum("cdhwuvz,ocuvz->odhw", view, w5, optimize=True)
    if bias is not None:
        b = as_real_array(bias, "bias", ndims=(0, 1)).astype(np.float64)
        if b.ndim == 1 and b.size != w5.shape[0]:
            raise ValueError(
                f"bias must have one number per output channel ({w5.shape[0]}), got shape {b.shape}"
            )
        out = out + b.reshape(-1, 1, 1, 1)
    out = out.astype(np.float32)
    return out[0] if np.ndim(x) == 3 and np.ndim(weight) == 3 else out


@dataclass(frozen=True, eq=False)
class Conv3dStep:
    """One output number of a single-channel :func:`conv3d`: where the kernel sits and what it adds.

    ``position`` is the output's (frame, row, column); ``frames``, ``rows`` and ``cols`` are the
    padded input's indices under the kernel; ``window`` and ``products`` are (kd, kh, kw).
    """

    position: tuple[int, int, int]
    frames: range
    rows: range
    cols: range
    window: np.ndarray
    products: np.ndarray
    value: float


def conv3d_step(
    x: np.ndarray, weight: np.ndarray, position: tuple[int, int, int], *, padding: int = 0
) -> Conv3dStep:
    """The window, products and sum behind output ``position`` of ``conv3d(x, weight, padding=...)``.

    Parameters
    ----------
    x : array_like of shape (D, H, W)
    weight : array_like of shape (kd, kh, kw)
    position : (int, int, int)
        Output frame, row and column, from 0.
    padding : int, optional

    Examples
    --------
    >>> step = conv3d_step(moving_square(), TEMPORAL_DIFFERENCE, (0, 1, 1))
    >>> list(step.frames), step.value
    ([0, 1, 2], 9.0)
    """
    x4, w5 = _prepared(
        as_real_array(x, "x", ndims=(3,)), as_real_array(weight, "weight", ndims=(3,)), padding
    )
    shape = tuple(n - k + 1 for n, k in zip(x4.shape[1:], w5.shape[2:]))
    if not isinstance(position, (tuple, list)) or len(position) != 3:
        raise TypeError(f"position must be (frame, row, column), got {position!r}")
    pos = tuple(as_int(p, "position", minimum=0) for p in position)
    if any(p >= n for p, n in zip(pos, shape)):
        raise ValueError(f"position must lie in the output of shape {shape}, got {pos}")
    spans = [range(p, p + k) for p, k in zip(pos, w5.shape[2:])]
    window = x4[
        0, spans[0][0] : spans[0][-1] + 1, spans[1][0] : spans[1][-1] + 1, spans[2][0] : spans[2][-1] + 1
    ]
    products = window * w5[0, 0]
    return Conv3dStep(pos, *spans, window, products, float(products.sum()))  # type: ignore[arg-type]


def moving_square(
    frames: int = 5, size: int = 6, square: int = 2, *, speed: int = 1, value: float = 9.0
) -> np.ndarray:
    """A short video: a bright ``square`` on a dark ``size`` x ``size`` frame, moving ``speed``
    pixels to the right per frame (0: it stands still). (frames, size, size) float64.

    >>> moving_square(3, 4, 2)[:, 1].tolist()
    [[9.0, 9.0, 0.0, 0.0], [0.0, 9.0, 9.0, 0.0], [0.0, 0.0, 9.0, 9.0]]
    """
    n = as_int(frames, "frames", minimum=1)
    side = as_int(size, "size", minimum=1)
    sq = as_int(square, "square", minimum=1)
    v = as_int(speed, "speed", minimum=0)
    if sq + v * (n - 1) > side:
        raise ValueError(
            f"size must leave room for the square to move: {sq} + {v} x {n - 1} frames > size {side}"
        )
    stack = np.zeros((n, side, side))
    top = (side - sq) // 2
    for t in range(n):
        stack[t, top : top + sq, t * v : t * v + sq] = value
    return stack

"""Step-by-step traces of conv2d and pool2d: every window, product and sum, from the same engine.

A trace is a sequence of steps in the order the output is written: output channel, then row,
then column. Steps are built on demand from the padded input that :func:`convcore.conv2d` uses,
and each step's output value is read from :func:`convcore.conv2d`'s (or
:func:`convcore.pool2d`'s) own result, so putting every step's value at its position gives
exactly that result. The products and sums are those of the window the step describes.

>>> trace = conv2d_steps([[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[1, 0], [0, -1]])
>>> len(trace), trace[0].total, trace[0].value
(4, -4.0, -4.0)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from ._checks import as_real_array, check_choice
from .conv import conv2d, pad_input
from .geometry import ConvGeometry, ConvParams, _conv_params
from .pooling import _VALID_POOL_MODES, pool2d, pool_geometry

__all__ = ["ConvStep", "ConvTrace", "PoolStep", "PoolTrace", "conv2d_steps", "pool2d_steps"]


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a)
    a.setflags(write=False)
    return a


class _Trace(Sequence):
    """Indexing shared by the traces: steps numbered in (channel, row, column) order."""

    output: np.ndarray

    def __len__(self) -> int:
        return int(np.prod(self.output.shape))

    def __getitem__(self, index: int):  # type: ignore[override]
        if isinstance(index, slice):
            raise TypeError("a trace is indexed by one step number at a time")
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"step {index} is out of range: this trace has {n} steps")
        index %= n
        position = tuple(int(v) for v in np.unravel_index(index, self.output.shape))
        return self._step(int(index), *position)

    def __iter__(self) -> Iterator:
        return (self[k] for k in range(len(self)))

    def index_of(self, channel: int, i: int, j: int) -> int:
        """The step number that writes output (channel, i, j)."""
        for name, v, n in zip(("channel", "i", "j"), (channel, i, j), self.output.shape):
            if not 0 <= v < n:
                raise ValueError(f"{name} must be from 0 to {n - 1}, got {v}")
        return int(np.ravel_multi_index((channel, i, j), self.output.shape))

    def _step(self, index: int, c: int, i: int, j: int):
        raise NotImplementedError


@dataclass(frozen=True, eq=False)
class ConvStep:
    """One output number of a convolution and how it was made.

    Attributes
    ----------
    index : int
        Position of this step in the trace.
    position : (int, int, int)
        Output channel, row and column (o, i, j).
    rows, cols : tuple of int
        Rows and columns of the *padded* input under the kernel's taps (dilation applied).
    inputs : ndarray of shape (C, kh, kw)
        Input values under the kernel (padding included).
    kernel : ndarray of shape (C, kh, kw)
        The kernel as applied (turned by 180 degrees when the trace was made with ``flip``).
    products : ndarray of shape (C, kh, kw)
        ``inputs * kernel``.
    channel_sums : ndarray of shape (C,)
        Sum of the products of each input channel.
    total : float
        Sum of all products.
    bias : float
    value : float
        The output, as computed by :func:`convcore.conv2d` (float32): ``total + bias``.
    """

    index: int
    position: tuple[int, int, int]
    rows: tuple[int, ...]
    cols: tuple[int, ...]
    inputs: np.ndarray
    kernel: np.ndarray
    products: np.ndarray
    channel_sums: np.ndarray
    total: float
    bias: float
    value: float


@dataclass(frozen=True, eq=False)
class ConvTrace(_Trace):
    """All steps of one convolution (see :func:`conv2d_steps`).

    Attributes
    ----------
    padded : ndarray of shape (C, Hp, Wp)
        The input with its padding, as the engine sees it.
    padding_mask : ndarray of shape (Hp, Wp), bool
        True where a cell of ``padded`` is padding.
    weight : ndarray of shape (O, C, kh, kw)
        Kernels as applied (flipped if ``flip``).
    bias : ndarray of shape (O,)
    output : ndarray of shape (O, H', W')
        :func:`convcore.conv2d`'s result.
    geometry : ConvGeometry
    """

    padded: np.ndarray
    padding_mask: np.ndarray
    weight: np.ndarray
    bias: np.ndarray
    output: np.ndarray
    geometry: ConvGeometry

    def _step(self, index: int, o: int, i: int, j: int) -> ConvStep:
        (sh, sw), (dh, dw) = self.geometry.stride, self.geometry.dilation
        kh, kw = self.weight.shape[2:]
        rows = tuple(i * sh + u * dh for u in range(kh))
        cols = tuple(j * sw + v * dw for v in range(kw))
        inputs = self.padded[:, list(rows)][:, :, list(cols)].astype(np.float64)
        kernel = self.weight[o]
        products = inputs * kernel
        channel_sums = products.sum(axis=(1, 2))
        return ConvStep(
            index=index,
            position=(o, i, j),
            rows=rows,
            cols=cols,
            inputs=_frozen(inputs),
            kernel=_frozen(kernel),
            products=_frozen(products),
            channel_sums=_frozen(channel_sums),
            total=float(channel_sums.sum()),
            bias=float(self.bias[o]),
            value=float(self.output[o, i, j]),
        )


def conv2d_steps(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | float | None = None,
    *,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] | str = 0,
    dilation: int | tuple[int, int] = 1,
    padding_mode: str = "zeros",
    flip: bool = False,
    params: ConvParams | None = None,
) -> ConvTrace:
    """The steps of :func:`convcore.conv2d` with the same arguments, one per output number.

    Parameters are those of :func:`convcore.conv2d` (without ``groups``): ``x`` of shape
    (C, H, W) or (H, W), ``weight`` of shape (O, C, kh, kw) or (kh, kw); ``params`` replaces
    the five settings keywords.

    Returns
    -------
    ConvTrace
        A sequence of :class:`ConvStep`, ordered by output channel, row, column. Steps are
        made when asked for, so large traces cost nothing until used.
    """
    p = _conv_params(
        params, stride=stride, padding=padding, dilation=dilation, padding_mode=padding_mode, flip=flip
    )
    output = conv2d(x, weight, bias, params=p)  # validates every argument
    xa = np.asarray(x)
    wa = np.asarray(weight)
    x3 = (xa[None] if xa.ndim == 2 else xa).astype(np.float32)
    w4 = (wa[None, None] if wa.ndim == 2 else wa).astype(np.float64)
    if p.flip:
        w4 = w4[:, :, ::-1, ::-1]
    geom = p.geometry(x3.shape[1:], w4.shape[2:])
    padded = pad_input(x3, geom, p.padding_mode)
    mask = np.ones(padded.shape[1:], dtype=bool)
    (pt, pl), (h, w) = geom.pad_before, geom.input_size
    mask[pt : pt + h, pl : pl + w] = False
    out3 = output[None] if output.ndim == 2 else output
    b = (
        np.zeros(w4.shape[0])
        if bias is None
        else np.broadcast_to(np.asarray(bias, dtype=np.float64), (w4.shape[0],))
    )
    return ConvTrace(_frozen(padded), _frozen(mask), _frozen(w4), _frozen(b), _frozen(out3), geom)


@dataclass(frozen=True, eq=False)
class PoolStep:
    """One output number of a pooling and how it was chosen.

    Attributes
    ----------
    index : int
    position : (int, int, int)
        Channel, row and column (c, i, j).
    rows, cols : tuple of int
        Rows and columns of the padded input inside the window.
    values : ndarray of shape (kh, kw)
        The window (-inf in max pooling's padding, 0 in average pooling's).
    chosen : (int, int) or None
        For max pooling, the (row, column) of the maximum inside the window (the first one, in
        reading order, if several are equal); None for average pooling.
    mean : float or None
        For average pooling, the sum of the window divided by its size (padding counts).
    value : float
        The output, as computed by :func:`convcore.pool2d`.
    """

    index: int
    position: tuple[int, int, int]
    rows: tuple[int, ...]
    cols: tuple[int, ...]
    values: np.ndarray
    chosen: tuple[int, int] | None
    mean: float | None
    value: float


@dataclass(frozen=True, eq=False)
class PoolTrace(_Trace):
    """All steps of one pooling (see :func:`pool2d_steps`)."""

    padded: np.ndarray
    padding_mask: np.ndarray
    output: np.ndarray
    geometry: ConvGeometry
    mode: str

    def _step(self, index: int, c: int, i: int, j: int) -> PoolStep:
        (sh, sw), (kh, kw) = self.geometry.stride, self.geometry.kernel_size
        rows = tuple(range(i * sh, i * sh + kh))
        cols = tuple(range(j * sw, j * sw + kw))
        values = self.padded[c, rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1].astype(np.float64)
        chosen = mean = None
        if self.mode == "max":
            r, q = np.unravel_index(int(np.argmax(values)), values.shape)
            chosen = (int(r), int(q))
        else:
            mean = float(values.sum() / values.size)
        return PoolStep(
            int(index), (c, i, j), rows, cols, _frozen(values), chosen, mean, float(self.output[c, i, j])
        )


def pool2d_steps(
    x: np.ndarray,
    kernel_size: int | tuple[int, int],
    *,
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, int] = 0,
    mode: str = "max",
) -> PoolTrace:
    """The steps of :func:`convcore.pool2d` with the same arguments, one per output number."""
    output = pool2d(x, kernel_size, stride=stride, padding=padding, mode=mode)  # validates
    check_choice(mode, "mode", _VALID_POOL_MODES)
    xa = as_real_array(x, "x", ndims=(2, 3))
    x3 = (xa[None] if xa.ndim == 2 else xa).astype(np.float64)
    geom = pool_geometry(x3.shape[1:], kernel_size, stride=stride, padding=padding)
    (pt, pl), (pb, pr) = geom.pad_before, geom.pad_after
    fill = -np.inf if mode == "max" else 0.0
    padded = np.pad(x3, ((0, 0), (pt, pb), (pl, pr)), constant_values=fill)
    mask = np.ones(padded.shape[1:], dtype=bool)
    h, w = geom.input_size
    mask[pt : pt + h, pl : pl + w] = False
    out3 = output[None] if output.ndim == 2 else output
    return PoolTrace(_frozen(padded), _frozen(mask), _frozen(out3), geom, mode)

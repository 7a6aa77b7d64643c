"""Sizes of convolutions and their receptive fields, without computing any convolution.

One settings value (:class:`ConvParams`), one geometry (:class:`ConvGeometry`, from
:func:`conv_geometry`, the one place that resolves padding), and one receptive-field recurrence
(:func:`receptive_fields`). Pure Python: no numpy arrays are made here, and no torch.

>>> ConvParams(stride=4, padding=2).geometry((224, 224), (11, 11)).output_size
(55, 55)
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from ._checks import as_int, as_pair, check_choice

__all__ = [
    "ConvGeometry",
    "ConvParams",
    "ReceptiveField",
    "conv_geometry",
    "output_size",
    "receptive_fields",
    "same_padding",
]

_VALID_PADDING_MODES = frozenset({"zeros", "reflect", "replicate", "circular"})
_VALID_PADDING_NAMES = frozenset({"same", "valid"})

_Pair = tuple[int, int]


@dataclass(frozen=True)
class ConvGeometry:
    """Sizes of one convolution, per axis as (rows, columns).

    Attributes
    ----------
    input_size : (int, int)
        Height and width of the input.
    kernel_size : (int, int)
        Kernel height and width (taps, before dilation).
    stride, dilation : (int, int)
    pad_before, pad_after : (int, int)
        Padding added above/left and below/right. Equal unless ``padding="same"`` with an
        even kernel span, where PyTorch puts the extra row/column below/right.
    span : (int, int)
        Extent of the dilated kernel on the input: ``dilation * (kernel - 1) + 1``.
    output_size : (int, int)
        ``floor((n + pad_before + pad_after - span) / stride) + 1``.
    """

    input_size: _Pair
    kernel_size: _Pair
    stride: _Pair
    dilation: _Pair
    pad_before: _Pair
    pad_after: _Pair
    span: _Pair
    output_size: _Pair

    @property
    def padded_size(self) -> _Pair:
        """Height and width of the input after padding."""
        return tuple(n + a + b for n, a, b in zip(self.input_size, self.pad_before, self.pad_after))


def _plain(value: object) -> object:
    """``value`` with numpy integers as ints and lists as tuples (so that it hashes)."""
    if isinstance(value, (list, tuple)):
        return tuple(_plain(v) for v in value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def _check_padding(padding: object) -> None:
    if isinstance(padding, str):
        check_choice(padding, "padding", _VALID_PADDING_NAMES)
        return
    try:
        as_pair(padding, "padding", minimum=0)
    except TypeError:
        raise TypeError(
            f"padding must be an int, a pair of ints, or one of {sorted(_VALID_PADDING_NAMES)}, "
            f"got {padding!r}"
        ) from None


@dataclass(frozen=True)
class ConvParams:
    """The settings of one convolution, checked once; hashable, so usable as a cache key.

    Parameters
    ----------
    stride, dilation : int or (int, int), optional
        Step between windows and spacing between kernel taps, each >= 1.
    padding : int, (int, int), "same" or "valid", optional
        Rows/columns added on each side. "same" keeps the input size (stride 1 only; an odd
        total goes below/right, as in PyTorch); "valid" is 0.
    padding_mode : {"zeros", "reflect", "replicate", "circular"}, optional
        What the padding holds.
    flip : bool, optional
        Turn each kernel by 180 degrees first: true convolution instead of cross-correlation.

    Values are kept as given (lists become tuples, numpy integers ints): ``ConvParams(stride=1)``
    and ``ConvParams(stride=(1, 1))`` compute the same but are different keys.

    Raises
    ------
    ValueError, TypeError
        Naming the parameter and what is allowed.

    Examples
    --------
    >>> ConvParams(padding="same").geometry((5, 5), (4, 4)).pad_after
    (2, 2)
    """

    stride: int | _Pair = 1
    padding: int | _Pair | str = 0
    dilation: int | _Pair = 1
    padding_mode: str = "zeros"
    flip: bool = False

    def __post_init__(self) -> None:
        for f in fields(self):
            object.__setattr__(self, f.name, _plain(getattr(self, f.name)))
        stride = as_pair(self.stride, "stride", minimum=1)
        as_pair(self.dilation, "dilation", minimum=1)
        _check_padding(self.padding)
        check_choice(self.padding_mode, "padding_mode", _VALID_PADDING_MODES)
        if not isinstance(self.flip, (bool, np.bool_)):
            raise TypeError(f"flip must be True or False, got {self.flip!r}")
        object.__setattr__(self, "flip", bool(self.flip))
        if self.padding == "same" and stride != (1, 1):
            raise ValueError(
                f"padding='same' needs stride 1 (as in PyTorch), got stride={stride}; "
                "use a number for padding instead"
            )

    @property
    def strides(self) -> _Pair:
        """The stride as (rows, columns)."""
        return as_pair(self.stride, "stride", minimum=1)

    @property
    def dilations(self) -> _Pair:
        """The dilation as (rows, columns)."""
        return as_pair(self.dilation, "dilation", minimum=1)

    def pads(self, kernel_size: int | _Pair) -> tuple[_Pair, _Pair]:
        """The padding for a kernel of ``kernel_size``: ((before_rows, before_cols), (after_rows,
        after_cols)), "same" and "valid" resolved. The one place padding is resolved: it needs no
        input, so a formula can be written for settings that have no output.

        >>> ConvParams(padding="same", dilation=2).pads((3, 4))
        ((2, 3), (2, 3))
        """
        k_hw = as_pair(kernel_size, "kernel_size", minimum=1)
        if self.padding == "same":
            return same_padding(k_hw, self.dilations)
        if self.padding == "valid":
            return (0, 0), (0, 0)
        pad = as_pair(self.padding, "padding", minimum=0)
        return pad, pad

    def geometry(self, input_size: int | _Pair, kernel_size: int | _Pair) -> ConvGeometry:
        """Check that these settings fit an input and a kernel, and return the sizes.

        Parameters
        ----------
        input_size, kernel_size : int or (int, int)
            (height, width) of the input and of the kernel.

        Raises
        ------
        ValueError
            With a sentence that says why, for any combination without an output.
        """
        in_hw = as_pair(input_size, "input_size", minimum=1)
        k_hw = as_pair(kernel_size, "kernel_size", minimum=1)
        s, d = self.strides, self.dilations
        before, after = self.pads(k_hw)
        _check_padding_fits(self.padding_mode, in_hw, before, after)
        out = tuple(
            _axis_output(n, k, st, b, a, dl, axis=axis)
            for axis, n, k, st, b, a, dl in zip(("rows", "columns"), in_hw, k_hw, s, before, after, d)
        )
        span = tuple(dl * (k - 1) + 1 for k, dl in zip(k_hw, d))
        return ConvGeometry(in_hw, k_hw, s, d, before, after, span, out)


def _conv_params(
    params: ConvParams | None,
    *,
    stride: int | _Pair = 1,
    padding: int | _Pair | str = 0,
    dilation: int | _Pair = 1,
    padding_mode: str = "zeros",
    flip: bool = False,
) -> ConvParams:
    """The one ConvParams of a call that takes either ``params`` or the five settings keywords."""
    keywords = dict(stride=stride, padding=padding, dilation=dilation, padding_mode=padding_mode, flip=flip)
    if params is None:
        return ConvParams(**keywords)
    if not isinstance(params, ConvParams):
        raise TypeError(f"params must be a convcore ConvParams or None, got {type(params).__name__}")
    given = [name for name, value in keywords.items() if not _is_default(value, name)]
    if given:
        raise TypeError(
            f"pass the settings either as params or as keywords, not both: got params and {', '.join(given)}"
        )
    return params


def _is_default(value: object, name: str) -> bool:
    default = ConvParams.__dataclass_fields__[name].default
    if type(value) is not type(default):
        return False
    return value == default


def _check_padding_fits(mode: str, in_hw: _Pair, before: _Pair, after: _Pair) -> None:
    for axis, n, b, a in zip(("rows", "columns"), in_hw, before, after):
        if mode == "reflect" and max(a, b) >= n:
            raise ValueError(
                f"padding_mode='reflect' needs padding smaller than the input: padding "
                f"{max(a, b)} on {axis} but the input has only {n} {axis}"
            )
        if mode == "circular" and max(a, b) > n:
            raise ValueError(
                f"padding_mode='circular' needs padding at most the input size: padding "
                f"{max(a, b)} on {axis} but the input has only {n} {axis}"
            )


def same_padding(kernel_size: int | _Pair, dilation: int | _Pair = 1) -> tuple[_Pair, _Pair]:
    """PyTorch's split of ``padding="same"``: ((before_rows, before_cols), (after_rows, after_cols)).

    The total on each axis is ``dilation * (kernel - 1)``; when it is odd the extra row goes
    below and the extra column to the right.

    Examples
    --------
    >>> same_padding(4)
    ((1, 1), (2, 2))
    >>> same_padding((3, 2), dilation=(1, 3))
    ((1, 1), (1, 2))
    """
    k = as_pair(kernel_size, "kernel_size", minimum=1)
    d = as_pair(dilation, "dilation", minimum=1)
    totals = [dl * (kk - 1) for kk, dl in zip(k, d)]
    before = tuple(t // 2 for t in totals)
    after = tuple(t - b for t, b in zip(totals, before))
    return before, after


def conv_geometry(
    input_size: int | _Pair,
    kernel_size: int | _Pair,
    *,
    stride: int | _Pair = 1,
    padding: int | _Pair | str = 0,
    dilation: int | _Pair = 1,
    padding_mode: str = "zeros",
) -> ConvGeometry:
    """Check a convolution's sizes and return them, without computing anything.

    Parameters
    ----------
    input_size, kernel_size : (int, int)
        (height, width) of the input and of the kernel.
    stride, padding, dilation, padding_mode
        As for :class:`ConvParams` and :func:`convcore.conv2d`.

    Raises
    ------
    ValueError
        With a sentence that says why, for any combination without an output.

    Examples
    --------
    >>> conv_geometry((10, 10), (4, 4), padding="same").pad_before
    (1, 1)
    """
    params = ConvParams(stride=stride, padding=padding, dilation=dilation, padding_mode=padding_mode)
    return params.geometry(input_size, kernel_size)


def output_size(n: int, kernel: int, *, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """Length of a convolution's output along one axis.

    ``floor((n + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1``

    Parameters
    ----------
    n : int
        Input length (>= 1).
    kernel : int
        Kernel length in taps (>= 1).
    stride : int, optional
        Step between windows (>= 1).
    padding : int, optional
        Padding added at *each* end (>= 0).
    dilation : int, optional
        Spacing between kernel taps (>= 1).

    Raises
    ------
    ValueError
        If the dilated kernel is longer than the padded input, so no output position exists.

    Examples
    --------
    >>> output_size(224, 11, stride=4, padding=2)
    55
    """
    n = as_int(n, "n", minimum=1)
    kernel = as_int(kernel, "kernel", minimum=1)
    stride = as_int(stride, "stride", minimum=1)
    padding = as_int(padding, "padding", minimum=0)
    dilation = as_int(dilation, "dilation", minimum=1)
    return _axis_output(n, kernel, stride, padding, padding, dilation, axis="")


def _axis_output(n: int, k: int, s: int, before: int, after: int, d: int, *, axis: str) -> int:
    span = d * (k - 1) + 1
    padded = n + before + after
    if padded < span:
        where = f" {axis}" if axis else ""
        dil = f" with dilation {d}" if d > 1 else ""
        raise ValueError(
            f"kernel is larger than the padded input{where}: the kernel spans {span} "
            f"{'pixels' if not axis else axis}{dil}, but the input is only {n} + {before} + {after} "
            f"(padding before and after) = {padded}, so there is no output position. Use a smaller kernel or "
            f"dilation, or more padding."
        )
    return (padded - span) // s + 1


# --------------------------------------------------------------------------------------------
# Receptive fields


@dataclass(frozen=True)
class ReceptiveField:
    """What one unit of a layer sees of the input, per axis (square kernels).

    Attributes
    ----------
    size : int
        Input pixels a unit sees along each axis.
    jump : int
        Input pixels between neighbouring units.
    start : float
        Input coordinate of the centre of unit 0 (the centre of input pixel 0 is 0.5).
    """

    size: int
    jump: int
    start: float

    def box(self, row: int, col: int, limit: int) -> tuple[int, int, int, int]:
        """The input pixels unit (``row``, ``col``) sees: (top, left, bottom, right).

        ``bottom`` and ``right`` are exclusive; the box is clipped to ``0 .. limit`` (the input
        size), so near the border it is smaller than ``size``.
        """
        row = as_int(row, "row", minimum=0)
        col = as_int(col, "col", minimum=0)
        limit = as_int(limit, "limit", minimum=1)
        centre_r, centre_c = self.start + row * self.jump, self.start + col * self.jump
        half = self.size / 2
        return (
            max(0, int(round(centre_r - half))),
            max(0, int(round(centre_c - half))),
            min(limit, int(round(centre_r + half))),
            min(limit, int(round(centre_c + half))),
        )


def receptive_fields(layers: object) -> list[ReceptiveField]:
    """The receptive field of a unit after each layer, by the usual recurrence.

    For each layer, with ``span = dilation * (kernel - 1) + 1``::

        start += ((span - 1) / 2 - padding) * jump
        size += (span - 1) * jump
        jump *= stride

    starting from one input pixel (size 1, jump 1, start 0.5).

    Parameters
    ----------
    layers : iterable of objects with int ``kernel``, ``stride``, ``padding``, ``dilation``
        For example :class:`convcore.layers.Layer` (ReLUs have kernel 1 and change nothing).
        A layer with ``kind == "dense"`` is refused: a dense unit sees the whole input.

    Examples
    --------
    >>> from convcore.layers import ALEXNET_FEATURES
    >>> [f.size for f in receptive_fields(ALEXNET_FEATURES)][:3]
    [11, 11, 19]
    """
    size, jump, start = 1, 1, 0.5
    found = []
    for layer in layers:
        if getattr(layer, "kind", None) == "dense":
            raise ValueError(
                f"layers must not hold a dense layer ({getattr(layer, 'name', '') or 'dense'}): "
                "a dense unit sees the whole input"
            )
        k, s, p, d = (
            as_int(getattr(layer, name, None), name, minimum=minimum)
            for name, minimum in (("kernel", 1), ("stride", 1), ("padding", 0), ("dilation", 1))
        )
        span = d * (k - 1) + 1
        start += ((span - 1) / 2 - p) * jump
        size += (span - 1) * jump
        jump *= s
        found.append(ReceptiveField(size, jump, start))
    return found

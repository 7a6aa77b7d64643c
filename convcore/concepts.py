"""The lesson's other ideas: 1-D and transposed convolution, parameter counts, layer stacks.

``conv1d`` runs through :func:`convcore.conv2d` (a 1 x k kernel on a 1-row image), so its
numbers come from the same engine. ``conv_transpose2d`` follows PyTorch's
``conv_transpose2d`` (the upsampling of a convolutional autoencoder): every input number adds
a scaled copy of the kernel to the output, ``stride`` apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import as_int, as_pair, as_real_array, check_choice
from .conv import conv2d, output_size
from .steps import ConvTrace, conv2d_steps

__all__ = [
    "ALEXNET_STACK",
    "LENET_STACK",
    "Layer",
    "LayerRow",
    "conv1d",
    "conv1d_steps",
    "conv_params",
    "conv_transpose2d",
    "dense_params",
    "layer_stack",
    "transpose_contributions",
]


def _signal(x: object, name: str = "x") -> np.ndarray:
    a = as_real_array(x, name, ndims=(1, 2))
    return a[None] if a.ndim == 1 else a


def conv1d(x, weight, bias=None, *, stride: int = 1, padding: int | str = 0, dilation: int = 1,
           padding_mode: str = "zeros") -> np.ndarray:  # fmt: skip
    """1-D cross-correlation (PyTorch's conv1d): ``x`` (L,) or (C, L), ``weight`` (k,) or (O, C, k).

    Returns (L',) for 1-D inputs, else (O, L').
    """
    xa = _signal(x)
    wa = as_real_array(weight, "weight", ndims=(1, 3))
    w4 = wa[None, None, None] if wa.ndim == 1 else wa[:, :, None, :]
    pad = padding if isinstance(padding, str) else (0, as_int(padding, "padding", minimum=0))
    out = conv2d(xa[:, None, :], w4, bias, stride=(1, as_int(stride, "stride", minimum=1)), padding=pad,
                 dilation=(1, as_int(dilation, "dilation", minimum=1)), padding_mode=padding_mode)  # fmt: skip
    out = out[:, 0, :]
    return out[0] if np.ndim(x) == 1 and wa.ndim == 1 else out


def conv1d_steps(x, weight, bias=None, *, stride: int = 1, padding: int = 0, dilation: int = 1,
                 padding_mode: str = "zeros") -> ConvTrace:  # fmt: skip
    """The steps of :func:`conv1d` (a trace of 1-row windows; see :func:`convcore.conv2d_steps`)."""
    xa = _signal(x)
    wa = as_real_array(weight, "weight", ndims=(1, 3))
    w4 = wa[None, None, None] if wa.ndim == 1 else wa[:, :, None, :]
    return conv2d_steps(xa[:, None, :], w4, bias, stride=(1, stride), padding=(0, padding),
                        dilation=(1, dilation), padding_mode=padding_mode)  # fmt: skip


def conv_transpose2d(x, weight, bias=None, *, stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0,
                     output_padding: int | tuple[int, int] = 0,
                     dilation: int | tuple[int, int] = 1) -> np.ndarray:  # fmt: skip
    """Transposed convolution with PyTorch's semantics (``torch.nn.functional.conv_transpose2d``).

    Parameters
    ----------
    x : (C_in, H, W) or (H, W)
    weight : (C_in, C_out, kh, kw) or (kh, kw)
        PyTorch's layout for transposed convolutions (input channels first).
    stride, padding, output_padding, dilation
        As in PyTorch: the output is (H - 1) * stride - 2 * padding + dilation * (k - 1)
        + output_padding + 1 on each axis; output_padding must be smaller than stride or dilation.

    Returns
    -------
    float32 ndarray (C_out, H', W'), or (H', W') when both inputs are 2-D.
    """
    xa = as_real_array(x, "x", ndims=(2, 3))
    wa = as_real_array(weight, "weight", ndims=(2, 4))
    x3 = (xa[None] if xa.ndim == 2 else xa).astype(np.float64)
    w4 = (wa[None, None] if wa.ndim == 2 else wa).astype(np.float64)
    if w4.shape[0] != x3.shape[0]:
        raise ValueError(
            f"channel mismatch: x has {x3.shape[0]} channel(s), weight of shape {w4.shape} expects {w4.shape[0]}"
        )
    s, p = as_pair(stride, "stride", minimum=1), as_pair(padding, "padding", minimum=0)
    op, d = as_pair(output_padding, "output_padding", minimum=0), as_pair(dilation, "dilation", minimum=1)
    for axis in range(2):
        if op[axis] >= max(s[axis], d[axis]):
            raise ValueError(
                f"output_padding must be smaller than stride or dilation, got {output_padding!r}"
            )
    (h, w), (kh, kw) = x3.shape[1:], w4.shape[2:]
    full = [(n - 1) * st + dd * (k - 1) + 1 + o for n, st, dd, k, o in zip((h, w), s, d, (kh, kw), op)]
    out_hw = [f - 2 * pp for f, pp in zip(full, p)]
    if min(out_hw) < 1:
        raise ValueError(
            f"padding {padding!r} is too large: it would remove the whole output ({full[0]} x {full[1]})"
        )
    out = np.zeros((w4.shape[1], *full))
    for u in range(kh):  # one pass per kernel tap, not per pixel
        for v in range(kw):
            contrib = np.einsum("chw,co->ohw", x3, w4[:, :, u, v])
            r0, c0 = u * d[0], v * d[1]
            out[:, r0 : r0 + (h - 1) * s[0] + 1 : s[0], c0 : c0 + (w - 1) * s[1] + 1 : s[1]] += contrib
    out = out[:, p[0] : p[0] + out_hw[0], p[1] : p[1] + out_hw[1]]
    if bias is not None:
        b = as_real_array(bias, "bias", ndims=(0, 1))
        out += np.broadcast_to(b, (w4.shape[1],))[:, None, None]
    out = out.astype(np.float32)
    return out[0] if xa.ndim == 2 and wa.ndim == 2 else out


def transpose_contributions(
    x: np.ndarray, kernel: np.ndarray, *, stride: int = 2
) -> list[tuple[tuple[int, int], np.ndarray]]:
    """For a 2-D input and kernel (no padding): what each input number adds to the output.

    Returns a list of ((row, col), contribution) where contribution has the full output's shape
    and is zero outside the kernel-sized block that input number writes. Their sum is
    :func:`conv_transpose2d`'s output.
    """
    xa = as_real_array(x, "x", ndims=(2,)).astype(np.float64)
    k = as_real_array(kernel, "kernel", ndims=(2,)).astype(np.float64)
    s = as_int(stride, "stride", minimum=1)
    h, w = xa.shape
    shape = ((h - 1) * s + k.shape[0], (w - 1) * s + k.shape[1])
    parts = []
    for i in range(h):
        for j in range(w):
            c = np.zeros(shape)
            c[i * s : i * s + k.shape[0], j * s : j * s + k.shape[1]] = xa[i, j] * k
            parts.append(((i, j), c))
    return parts


def conv_params(
    in_channels: int, out_channels: int, kernel: int | tuple[int, int], *, bias: bool = True
) -> int:
    """Learned numbers of a conv layer: out x in x kh x kw weights (+ out biases)."""
    kh, kw = as_pair(kernel, "kernel", minimum=1)
    cin, cout = as_int(in_channels, "in_channels", minimum=1), as_int(out_channels, "out_channels", minimum=1)
    return cout * cin * kh * kw + (cout if bias else 0)


def dense_params(inputs: int, neurons: int, *, bias: bool = True) -> int:
    """Learned numbers of a fully connected layer: inputs x neurons weights (+ neurons biases)."""
    n_in, n = as_int(inputs, "inputs", minimum=1), as_int(neurons, "neurons", minimum=1)
    return n_in * n + (n if bias else 0)


_VALID_KINDS = frozenset({"conv", "pool"})


@dataclass(frozen=True)
class Layer:
    """A conv or (max) pool layer of a stack."""

    kind: str
    kernel: int
    stride: int = 1
    padding: int = 0
    dilation: int = 1
    channels: int = 0  # conv: number of filters (pool keeps the channels)

    def __post_init__(self) -> None:
        check_choice(self.kind, "kind", _VALID_KINDS)
        for name in ("kernel", "stride", "dilation"):
            as_int(getattr(self, name), name, minimum=1)
        as_int(self.padding, "padding", minimum=0)
        if self.kind == "conv":
            as_int(self.channels, "channels", minimum=1)


@dataclass(frozen=True)
class LayerRow:
    """One layer's effect: the map after it, its parameters, its receptive field."""

    name: str
    layer: Layer
    size: tuple[int, int]
    channels: int
    params: int
    receptive_field: int
    jump: int  # distance in input pixels between neighbouring units
    start: float  # input coordinate of the centre of unit (0, 0)


def layer_stack(input_size: tuple[int, int], in_channels: int, layers: list[Layer]) -> list[LayerRow]:
    """Output sizes, parameters and receptive fields, layer by layer.

    Raises ValueError naming the layer where the map would vanish.
    """
    h, w = as_pair(input_size, "input_size", minimum=1)
    channels = as_int(in_channels, "in_channels", minimum=1)
    rf, jump, start = 1, 1, 0.5
    rows = []
    counts = {"conv": 0, "pool": 0}
    for layer in layers:
        counts[layer.kind] += 1
        name = f"{layer.kind}{counts[layer.kind]}"
        span = layer.dilation * (layer.kernel - 1) + 1
        try:
            h = output_size(
                h, layer.kernel, stride=layer.stride, padding=layer.padding, dilation=layer.dilation
            )
            w = output_size(
                w, layer.kernel, stride=layer.stride, padding=layer.padding, dilation=layer.dilation
            )
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None
        params = conv_params(channels, layer.channels, layer.kernel) if layer.kind == "conv" else 0
        channels = layer.channels if layer.kind == "conv" else channels
        start += ((span - 1) / 2 - layer.padding) * jump
        rf += (span - 1) * jump
        jump *= layer.stride
        rows.append(LayerRow(name, layer, (h, w), channels, params, rf, jump, start))
    return rows


#: AlexNet's feature layers (torchvision's variant).
ALEXNET_STACK = [
    Layer("conv", 11, 4, 2, channels=64), Layer("pool", 3, 2),
    Layer("conv", 5, 1, 2, channels=192), Layer("pool", 3, 2),
    Layer("conv", 3, 1, 1, channels=384), Layer("conv", 3, 1, 1, channels=256),
    Layer("conv", 3, 1, 1, channels=256), Layer("pool", 3, 2),
]  # fmt: skip
#: LeNet-5's feature layers, as in convcore.lenet (28 x 28 input).
LENET_STACK = [Layer("conv", 5, 1, 2, channels=6), Layer("pool", 2, 2), Layer("conv", 5, 1, 0, channels=16),
               Layer("pool", 2, 2)]  # fmt: skip

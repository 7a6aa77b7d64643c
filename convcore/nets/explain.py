"""Any unit of a network, computed from the layer before it, with convcore's own engine.

:func:`forward` runs a model of :mod:`convcore.nets` (the digit CNN, Tiny VGG, AlexNet) layer by
layer as :func:`convcore.networks.network_layers` lists them and keeps every output.
:func:`explain_unit` takes one unit (layer, channel, row, column) and recomputes it from the
previous layer's output with :func:`convcore.conv2d_steps`, :func:`convcore.pool2d_steps` or plain
float64 sums: per-input-channel contributions, bias, pre-activation value, ReLU; the window and its
maximum; the place in the flat vector; the logits, their exponentials, the sum and the division.
The tests hold every number to the model's own forward pass.

The model is only read: its weights are passed to functions, nothing is registered on it (no
hooks, no ``.grad``), so one model can be shared by every session of a server.

>>> import torch
>>> from convcore.nets import lenet
>>> model, _ = lenet.load_model()
>>> x = torch.zeros(1, 28, 28)
>>> unit = explain_unit(model, x, "conv2", channel=3, row=4, col=5)
>>> bool(abs(unit.contributions.sum() + unit.bias - forward(model, x)["conv2"][3, 4, 5]) < 1e-4)
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from .._checks import as_int
from ..networks import NetLayer, Network, network_layers
from ..steps import ConvStep, PoolStep, conv2d_steps, pool2d_steps
from ._init import SeededLinear

__all__ = [
    "Activations",
    "ConvUnit",
    "DenseUnit",
    "FlattenUnit",
    "PoolUnit",
    "ReluUnit",
    "SoftmaxUnit",
    "Unit",
    "explain_unit",
    "forward",
    "top_examples",
]


@dataclass(frozen=True, eq=False)
class Activations:
    """Every layer's output for one input.

    Attributes
    ----------
    network : Network
    layers : tuple of NetLayer
        As :func:`convcore.network_layers` lists them.
    values : dict of str to ndarray (float32, read-only)
        "input" and each layer's name: (C, H, W) for a map, (n,) for a vector.
    """

    network: Network
    layers: tuple[NetLayer, ...]
    values: dict[str, np.ndarray]

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self.values:
            raise ValueError(f"layer must be one of {list(self.values)}, got {name!r}")
        return self.values[name]

    def layer(self, name: str) -> NetLayer:
        """The :class:`NetLayer` called ``name``."""
        for row in self.layers:
            if row.name == name:
                return row
        raise ValueError(f"layer must be one of {[row.name for row in self.layers]}, got {name!r}")


def _network(model: object) -> Network:
    net = getattr(model, "network", None)
    if not isinstance(net, Network) or not isinstance(model, torch.nn.Module):
        raise TypeError(
            "model must be a network of convcore.nets (the digit CNN, Tiny VGG or AlexNet), "
            f"got {type(model).__name__}"
        )
    return net


def _input(x: object, shape: tuple[int, int, int]) -> torch.Tensor:
    if isinstance(x, torch.Tensor):
        t = x.detach().to(torch.float32)
    else:
        try:
            t = torch.as_tensor(np.asarray(x, dtype=np.float32))
        except (TypeError, ValueError) as exc:
            raise TypeError(f"x must be a numeric array or tensor: {exc}") from None
    if tuple(t.shape) == shape:
        t = t[None]
    if tuple(t.shape) != (1, *shape):
        raise ValueError(f"x must have shape {shape} or {(1, *shape)} for this network, got {tuple(t.shape)}")
    if not torch.isfinite(t).all():
        raise ValueError("x contains NaN or infinite values")
    return t


@torch.inference_mode()
def forward(model: object, x: object, *, upto: str | None = None) -> Activations:
    """Every layer's output for the input ``x`` (up to and including the layer ``upto``, if given).

    Parameters
    ----------
    model : a model of :mod:`convcore.nets`
        Read only.
    x : array or tensor of shape ``model.network.input_shape`` (or with a batch axis of 1)
        The input as the network takes it (AlexNet's: preprocessed, see
        :func:`convcore.nets.alexnet.preprocess`).
    upto : str, optional
        The last layer to compute (a name from :func:`convcore.network_layers`).

    Returns
    -------
    Activations
    """
    net = _network(model)
    t = _input(x, net.input_shape)
    rows = tuple(network_layers(net))
    names = [row.name for row in rows]
    if upto is not None and upto not in names:
        raise ValueError(f"layer must be one of {names}, got {upto!r}")
    values = {"input": t[0].numpy().copy()}
    for row in rows:
        t = _apply(model, row, t)
        values[row.name] = t[0].numpy().copy()
        if row.name == upto:
            break
    for v in values.values():
        v.flags.writeable = False
    return Activations(net, rows, values)


@dataclass(frozen=True, eq=False)
class ConvUnit:
    """A conv unit: the sum over input channels of window x kernel slice, plus the bias.

    Attributes
    ----------
    layer : NetLayer
    position : (int, int, int)
        Channel, row, column of the unit.
    step : ConvStep
        From :func:`convcore.conv2d_steps` on the previous layer's output: ``inputs`` and
        ``kernel`` of shape (C, kh, kw), ``products``, ``channel_sums`` (C,), ``total``, ``bias``.
    rows, cols : tuple of int
        The input rows and columns under the kernel's taps (negative or past the end: padding).
    contributions : ndarray of shape (C,)
        Each input channel's partial sum (``step.channel_sums``).
    bias : float
    value : float
        The pre-activation value (convcore's conv2d, float32).
    relu : float
        ``max(0, value)``: what the ReLU after it gives.
    """

    layer: NetLayer
    position: tuple[int, int, int]
    step: ConvStep
    rows: tuple[int, ...]
    cols: tuple[int, ...]

    @property
    def contributions(self) -> np.ndarray:
        return self.step.channel_sums

    @property
    def bias(self) -> float:
        return self.step.bias

    @property
    def value(self) -> float:
        return self.step.value

    @property
    def relu(self) -> float:
        return max(0.0, self.step.value)


@dataclass(frozen=True, eq=False)
class PoolUnit:
    """A max-pool unit: its window on the same channel of the previous layer and the maximum."""

    layer: NetLayer
    position: tuple[int, int, int]
    step: PoolStep
    rows: tuple[int, ...]
    cols: tuple[int, ...]

    @property
    def value(self) -> float:
        return self.step.value


@dataclass(frozen=True, eq=False)
class ReluUnit:
    """A ReLU unit: ``max(0, before)`` of the same unit of the previous layer."""

    layer: NetLayer
    position: tuple[int, ...]
    before: float
    value: float


@dataclass(frozen=True, eq=False)
class FlattenUnit:
    """A number of the flat vector and where it sits in the map before: channel, row, column.

    ``index == (channel * height + row) * width + column`` (torch.flatten's order).
    """

    layer: NetLayer
    index: int
    source: tuple[int, int, int]
    source_shape: tuple[int, int, int]
    value: float

    @property
    def position(self) -> tuple[int]:
        """The unit: its place in the vector, as a 1-tuple."""
        return (self.index,)


@dataclass(frozen=True, eq=False)
class DenseUnit:
    """A dense neuron: the sum of every input times its weight, plus the bias.

    ``inputs``, ``weights`` and ``products`` have shape (n,); ``total`` is the products' sum
    (float64), ``value`` the network's output there (float32 forward pass).
    """

    layer: NetLayer
    index: int
    inputs: np.ndarray
    weights: np.ndarray
    products: np.ndarray
    total: float
    bias: float
    value: float

    @property
    def position(self) -> tuple[int]:
        """The unit: its place in the vector, as a 1-tuple."""
        return (self.index,)


@dataclass(frozen=True, eq=False)
class SoftmaxUnit:
    """A class probability: e to its logit, divided by the sum of e to every logit.

    ``exps = exp(logits - shift)``; ``shift`` is 0 unless a logit is so large that e to it would
    overflow (then the largest logit, which changes no probability). ``probability = exps[index] /
    total``.
    """

    layer: NetLayer
    index: int
    logits: np.ndarray
    shift: float
    exps: np.ndarray
    total: float
    probability: float

    @property
    def value(self) -> float:
        return self.probability

    @property
    def position(self) -> tuple[int]:
        """The unit: its place in the vector, as a 1-tuple."""
        return (self.index,)


Unit = ConvUnit | PoolUnit | ReluUnit | FlattenUnit | DenseUnit | SoftmaxUnit


def _position(row: NetLayer, channel: object, r: object, c: object) -> tuple[int, ...]:
    names = ("channel", "row", "col") if row.is_map else ("channel",)
    values = (channel, r, c) if row.is_map else (channel,)
    if not row.is_map:
        for name, v in (("row", r), ("col", c)):
            if as_int(v, name, minimum=0) != 0:
                raise ValueError(f"{name} must be 0 for {row.name}, a vector of {row.shape[0]}, got {v!r}")
    position = []
    for name, v, n in zip(names, values, row.shape):
        k = as_int(v, name, minimum=0)
        if k >= n:
            raise ValueError(f"{name} must be from 0 to {n - 1} for {row.name} {row.shape}, got {k}")
        position.append(k)
    return tuple(position)


def explain_unit(model: object, x: object, layer: str, channel: int, row: int = 0, col: int = 0) -> Unit:
    """How one unit of ``layer`` is computed from the layer before it, for the input ``x``.

    Parameters
    ----------
    model : a model of :mod:`convcore.nets`
        Read only (no hooks; the forward pass takes its own input).
    x : array or tensor
        The input, as for :func:`forward`.
    layer : str
        A name from :func:`convcore.network_layers` of the model's network.
    channel, row, col : int
        The unit, 0-based. For a vector (flatten, dense, softmax and their ReLUs) ``channel`` is
        the position in it and ``row`` and ``col`` must be 0.

    Returns
    -------
    ConvUnit, PoolUnit, ReluUnit, FlattenUnit, DenseUnit or SoftmaxUnit
        For a conv unit, ``contributions`` (one partial sum per input channel) summed plus
        ``bias`` equal ``value``, the layer's output (before its ReLU) in the forward pass.

    Raises
    ------
    ValueError
        Naming ``layer``, ``channel``, ``row`` or ``col`` when there is no such unit, or ``x``
        when its shape is not the network's input.
    """
    if not isinstance(layer, str):
        raise TypeError(f"layer must be a layer name (str), got {type(layer).__name__}")
    acts = forward(model, x, upto=layer)  # the layers after it are not needed
    info = acts.layer(layer)
    pos = _position(info, channel, row, col)
    before = acts[info.source]
    if info.kind == "conv":
        m = _module(model, layer)
        k = pos[0]
        weight = m.weight[k : k + 1].detach().numpy()
        bias = None if m.bias is None else m.bias[k : k + 1].detach().numpy()
        trace = conv2d_steps(before, weight, bias, stride=m.stride, padding=m.padding, dilation=m.dilation)
        step = trace[trace.index_of(0, pos[1], pos[2])]
        (pt, pl) = trace.geometry.pad_before
        step = _renumber(step, pos)
        return ConvUnit(info, pos, step, tuple(r - pt for r in step.rows), tuple(q - pl for q in step.cols))
    if info.kind == "pool":
        spec = info.layer
        if spec.dilation != 1:  # pragma: no cover - no network here dilates a pool
            raise ValueError(f"{layer} is a dilated pool, which pool2d_steps does not trace")
        trace = pool2d_steps(
            before[pos[0] : pos[0] + 1], spec.kernel, stride=spec.stride, padding=spec.padding
        )
        step = trace[trace.index_of(0, pos[1], pos[2])]
        (pt, pl) = trace.geometry.pad_before
        step = PoolStep(
            step.index, pos, step.rows, step.cols, step.values, step.chosen, step.mean, step.value
        )
        return PoolUnit(info, pos, step, tuple(r - pt for r in step.rows), tuple(q - pl for q in step.cols))
    if info.kind == "relu":
        v = float(before[pos])
        return ReluUnit(info, pos, v, max(0.0, v))
    if info.kind == "flatten":
        shape = tuple(int(n) for n in before.shape)
        source = tuple(int(v) for v in np.unravel_index(pos[0], shape))
        return FlattenUnit(info, pos[0], source, shape, float(before[source]))
    if info.kind == "dense":
        m = _module(model, layer)
        inputs = before.astype(np.float64)
        weights = (m.row(pos[0]) if isinstance(m, SeededLinear) else m.weight[pos[0]]).detach().numpy()
        weights = weights.astype(np.float64)
        products = inputs * weights
        bias = 0.0 if m.bias is None else float(m.bias[pos[0]])
        return DenseUnit(info, pos[0], _ro(inputs), _ro(weights), _ro(products), float(products.sum()), bias,
                         float(acts[layer][pos[0]]))  # fmt: skip
    logits = before.astype(np.float64)
    top = float(logits.max())
    shift = top if top > 700 else 0.0  # e^709 is the largest float64
    exps = np.exp(logits - shift)
    total = float(exps.sum())
    return SoftmaxUnit(info, pos[0], _ro(logits), shift, _ro(exps), total, float(exps[pos[0]] / total))


def _ro(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


def _renumber(step: ConvStep, pos: tuple[int, ...]) -> ConvStep:
    """The step of a one-kernel trace, with the unit's own channel as its position."""
    return ConvStep(step.index, pos, step.rows, step.cols, step.inputs, step.kernel, step.products,
                    step.channel_sums, step.total, step.bias, step.value)  # fmt: skip


@torch.inference_mode()
def top_examples(
    model: object, images: torch.Tensor, k: int = 9, *, batch: int = 500
) -> dict[str, np.ndarray]:
    """For every channel of every layer, the ``k`` images that excite it most, strongest first.

    A map's excitation is its largest value (the unit of that channel that responds most, as in
    Zeiler and Fergus's "top 9" pictures); a vector's is the neuron's value.

    Parameters
    ----------
    images : tensor of shape (N, *input_shape)
    k : int

    Returns
    -------
    dict of layer name to ndarray of int, shape (channels, k): indices into ``images``.
    """
    net = _network(model)
    rows = network_layers(net)
    if not isinstance(images, torch.Tensor) or tuple(images.shape[1:]) != net.input_shape:
        raise ValueError(f"images must be a tensor of shape (N, {', '.join(map(str, net.input_shape))})")
    k = as_int(k, "k", minimum=1)
    if k > len(images):
        raise ValueError(f"k must be at most the number of images ({len(images)}), got {k}")
    scores: dict[str, list[torch.Tensor]] = {row.name: [] for row in rows}
    for start in range(0, len(images), as_int(batch, "batch", minimum=1)):
        t = images[start : start + batch].to(torch.float32)
        for row in rows:
            t = _apply(model, row, t)
            scores[row.name].append(t.flatten(2).amax(2) if t.ndim == 4 else t)
    return {name: torch.topk(torch.cat(s).T, k, dim=1).indices.numpy() for name, s in scores.items()}


def _module(model: torch.nn.Module, name: str) -> torch.nn.Module:
    """The conv or dense module of layer ``name``: the model's ``layer_module`` where it has one
    (AlexNet keeps torchvision's names), else its submodule of that name (the digit CNN, Tiny VGG)."""
    find = getattr(model, "layer_module", None)
    return find(name) if callable(find) else model.get_submodule(name)


def _apply(model: object, row: NetLayer, t: torch.Tensor) -> torch.Tensor:
    """One layer on a batch, with the model's weights passed in (nothing registered on the model)."""
    if row.kind == "conv":
        m = _module(model, row.name)
        return F.conv2d(t, m.weight, m.bias, m.stride, m.padding, m.dilation)
    if row.kind == "relu":
        return F.relu(t)
    if row.kind == "pool":
        return F.max_pool2d(t, row.layer.kernel, row.layer.stride, row.layer.padding, row.layer.dilation)
    if row.kind == "flatten":
        return torch.flatten(t, 1)
    if row.kind == "dense":
        m = _module(model, row.name)
        return m(t) if isinstance(m, SeededLinear) else F.linear(t, m.weight, m.bias)  # drawn block by block
    return torch.softmax(t, dim=1)

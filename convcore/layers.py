"""Networks as lists of layers: map sizes, parameter counts and receptive fields, without torch.

A :class:`Layer` is one step of a network (conv, ReLU, pool or dense). The app's networks are
written here once (:data:`ALEXNET`, torchvision's AlexNet; :func:`lenet5`, the LeNet-5-style digit
network; :func:`tiny_vgg`); the torch models of :mod:`convcore.nets` are built from these lists,
and :func:`layer_stack` computes what each layer does to the map. A dense layer that is not the
network's last is followed by a ReLU (and, in AlexNet, preceded by dropout), which the lists leave
out: neither changes a size or a count.

Two networks are written as their papers give them, for counting (no torch model is built from
them): :data:`LENET5_PAPER` (LeCun et al., 1998: C3's partial connection table
:data:`LENET5_C3_CONNECTIONS`, trainable subsampling, RBF outputs) and :data:`ALEXNET_PAPER`
(Krizhevsky et al., 2012: 96-256-384-384-256 filters, conv2, conv4 and conv5 split in two groups,
one per GPU).

>>> rows = layer_stack((224, 224), 3, ALEXNET)
>>> rows[0].name, rows[0].size, rows[0].params, rows[0].receptive_field
('conv1', (55, 55), 23296, 11)
>>> sum(row.params for row in rows)
61100840
>>> sum(row.params for row in layer_stack(ALEXNET_PAPER_SIZE, 3, ALEXNET_PAPER))
60965224
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from ._checks import as_int, as_pair, check_choice
from .geometry import ReceptiveField, output_size, receptive_fields

__all__ = [
    "ALEXNET",
    "ALEXNET_FEATURES",
    "ALEXNET_PAPER",
    "ALEXNET_PAPER_SIZE",
    "LAYER_KINDS",
    "LENET5_C3_CONNECTIONS",
    "LENET5_PAPER",
    "LENET5_PAPER_SIZE",
    "POOLINGS",
    "Layer",
    "LayerRow",
    "conv_and_pool",
    "input_maps",
    "layer_stack",
    "lenet5",
    "parameter_count",
    "tiny_vgg",
]

#: conv: filters over a window; relu: max(0, x) per number; pool: max (average, sum) over a window;
#: dense: every input to every neuron.
LAYER_KINDS = frozenset({"conv", "relu", "pool", "dense"})
#: How a pool layer turns a window into one number.
POOLINGS = frozenset({"max", "average", "sum"})
_WINDOWED = frozenset({"conv", "pool"})
_WITH_CHANNELS = frozenset({"conv", "dense"})
#: Prefixes of the names given to unnamed layers (conv1, relu1, pool1, fc1, ...).
_PREFIX = {"conv": "conv", "relu": "relu", "pool": "pool", "dense": "fc"}


@dataclass(frozen=True)
class Layer:
    """One layer of a network.

    Parameters
    ----------
    kind : {"conv", "relu", "pool", "dense"}
    kernel : int or (int, int), optional
        The window of a conv or pool layer: square, or (rows, columns) (receptive fields
        are worked out for square windows only).
    stride, padding, dilation : int, optional
        Step between windows, padding on each side, spacing between taps. A ReLU or a dense
        layer has no window: they keep their defaults (kernel 1, stride 1, padding 0, dilation 1).
    channels : int, optional
        Filters of a conv layer or neurons of a dense layer (>= 1); 0 for ReLU and pool layers,
        which keep their input's channels.
    name : str, optional
        Shown in tables; :func:`layer_stack` names unnamed layers conv1, pool1, ... by kind.
    groups : int, optional
        Conv only: the filters and the input maps are split into ``groups`` equal groups, and each
        filter sees only its own group's maps (``torch.nn.Conv2d``'s ``groups``; AlexNet's two
        GPUs). Must divide ``channels``.
    connections : sequence of sequences of int, optional
        Conv only: for each filter, the input maps (0-based) it sees, as in LeNet-5's C3 table.
        One non-empty set per filter; None (the default) means every map (or its group's).
        Stored as sorted tuples.
    pooling : {"max", "average", "sum"}, optional
        Pool only: how a window becomes one number (max unless said otherwise; LeNet-5's S2 and S4
        add their window's numbers).
    trainable : bool, optional
        Pool only: each map's result is multiplied by a learned coefficient and a learned bias is
        added, 2 parameters per map (LeNet-5's subsampling layers S2 and S4).
    rbf : bool, optional
        Dense only: Euclidean radial basis function units (LeNet-5's output): each unit outputs
        the squared distance between its input and its own vector of parameters, one per input,
        and has no bias.

    See Also
    --------
    input_maps : which input maps each filter of a conv layer sees.

    Examples
    --------
    >>> Layer("conv", 3, 1, 1, channels=8).kernel_size
    (3, 3)
    >>> c3 = Layer("conv", 5, channels=16, connections=LENET5_C3_CONNECTIONS)
    >>> parameter_count(c3, 6)  # 60 connections of 5 x 5 weights, 16 biases
    1516
    """

    kind: str
    kernel: int | tuple[int, int] = 1
    stride: int = 1
    padding: int = 0
    dilation: int = 1
    channels: int = 0
    name: str = ""
    groups: int = 1
    connections: tuple[tuple[int, ...], ...] | None = None
    pooling: str = "max"
    trainable: bool = False
    rbf: bool = False

    @property
    def kernel_size(self) -> tuple[int, int]:
        """The window as (rows, columns)."""
        return self.kernel if isinstance(self.kernel, tuple) else (self.kernel, self.kernel)

    def __post_init__(self) -> None:
        check_choice(self.kind, "kind", LAYER_KINDS)
        if isinstance(self.kernel, (tuple, list)):
            object.__setattr__(self, "kernel", as_pair(self.kernel, "kernel", minimum=1))
        else:
            as_int(self.kernel, "kernel", minimum=1)
        for field_name in ("stride", "dilation"):
            as_int(getattr(self, field_name), field_name, minimum=1)
        as_int(self.padding, "padding", minimum=0)
        as_int(self.channels, "channels", minimum=1 if self.kind in _WITH_CHANNELS else 0)
        if not isinstance(self.name, str):
            raise TypeError(f"name must be a str, got {self.name!r}")
        window = (self.kernel, self.stride, self.padding, self.dilation)
        if self.kind not in _WINDOWED and window != (1, 1, 0, 1):
            raise ValueError(
                f"a {self.kind} layer has no window: kernel, stride, padding and dilation must keep "
                f"their defaults (1, 1, 0, 1), got {window}"
            )
        if self.kind not in _WITH_CHANNELS and self.channels:
            raise ValueError(
                f"channels must be 0 for a {self.kind} layer (it keeps its input's channels), "
                f"got {self.channels}"
            )
        self._check_options()

    def _check_options(self) -> None:
        """The options that belong to one kind: groups and connections (conv), pooling and
        trainable (pool), rbf (dense)."""
        as_int(self.groups, "groups", minimum=1)
        check_choice(self.pooling, "pooling", POOLINGS)
        for field_name in ("trainable", "rbf"):
            if not isinstance(getattr(self, field_name), bool):
                raise TypeError(f"{field_name} must be True or False, got {getattr(self, field_name)!r}")
        found = {"groups": self.groups != 1, "connections": self.connections is not None,
                 "pooling": self.pooling != "max", "trainable": self.trainable, "rbf": self.rbf}  # fmt: skip
        for field_name, kind in _OPTION_KIND.items():
            if found[field_name] and self.kind != kind:
                raise ValueError(f"{field_name} is for {kind} layers only, not a {self.kind} layer")
        if self.channels % self.groups:
            raise ValueError(f"groups must divide channels ({self.channels}), got {self.groups}")
        if self.connections is not None:
            if self.groups != 1:
                raise ValueError("connections and groups cannot both be given: connections says it all")
            object.__setattr__(self, "connections", _check_connections(self.connections, self.channels))


#: The layer kind each option belongs to.
_OPTION_KIND = {
    "groups": "conv",
    "connections": "conv",
    "pooling": "pool",
    "trainable": "pool",
    "rbf": "dense",
}


def _check_connections(connections: object, channels: int) -> tuple[tuple[int, ...], ...]:
    """``connections`` as one sorted tuple of distinct map numbers per filter."""
    if isinstance(connections, (str, bytes)) or not isinstance(connections, Iterable):
        raise TypeError(f"connections must be a sequence of sequences of int, got {connections!r}")
    table = []
    for f, maps in enumerate(connections):
        if isinstance(maps, (str, bytes)) or not isinstance(maps, Iterable):
            raise TypeError(f"connections[{f}] must be a sequence of int, got {maps!r}")
        found = tuple(as_int(m, f"connections[{f}]", minimum=0) for m in maps)
        if not found or len(set(found)) != len(found):
            raise ValueError(f"connections[{f}] must name one or more different input maps, got {found}")
        table.append(tuple(sorted(found)))
    if len(table) != channels:
        raise ValueError(f"connections must have one entry per filter ({channels}), got {len(table)}")
    return tuple(table)


def input_maps(layer: Layer, in_channels: int) -> tuple[tuple[int, ...], ...]:
    """The input maps (0-based) each filter of a conv layer sees.

    Every map; with ``groups``, the maps of the filter's own group; with ``connections``, the
    maps it lists.

    Parameters
    ----------
    layer : Layer
        A conv layer.
    in_channels : int
        Maps of the layer's input.

    Returns
    -------
    tuple of tuple of int, one per filter.

    Raises
    ------
    ValueError
        When ``groups`` does not divide ``in_channels``, or a connection names a map the input
        does not have.

    Examples
    --------
    >>> [len(maps) for maps in input_maps(Layer("conv", 5, channels=4, groups=2), 6)]
    [3, 3, 3, 3]
    >>> input_maps(Layer("conv", 5, channels=4, groups=2), 6)[2]
    (3, 4, 5)
    """
    if not isinstance(layer, Layer):
        raise TypeError(f"layer must be a convcore Layer, got {type(layer).__name__}")
    if layer.kind != "conv":
        raise ValueError(f"layer must be a conv layer, got a {layer.kind} layer")
    inputs = as_int(in_channels, "in_channels", minimum=1)
    if layer.connections is not None:
        top = max(max(maps) for maps in layer.connections)
        if top >= inputs:
            raise ValueError(
                f"connections name input map {top}, but the input has {inputs} maps (0 to {inputs - 1})"
            )
        return layer.connections
    if inputs % layer.groups:
        raise ValueError(f"groups ({layer.groups}) must divide the input's {inputs} channels")
    per_group, filters_per_group = inputs // layer.groups, layer.channels // layer.groups
    return tuple(
        tuple(range(g * per_group, (g + 1) * per_group))
        for g in (f // filters_per_group for f in range(layer.channels))
    )


def parameter_count(layer: Layer, in_channels: int, *, bias: bool = True) -> int:
    """Learned numbers of one layer: weights, plus biases if ``bias``.

    Parameters
    ----------
    layer : Layer
    in_channels : int
        Channels of the layer's input; for a dense layer, all its inputs (height x width x
        channels of the map it flattens).
    bias : bool, optional
        Count one bias per filter, neuron or (trainable pool) map.

    Returns
    -------
    int
        conv: ``kernel rows * kernel columns`` for each (filter, input map) pair it connects (all
        ``channels * in_channels`` pairs, fewer with ``groups`` or ``connections``; see
        :func:`input_maps`) (+ ``channels``); dense: ``in_channels * channels`` (+ ``channels``;
        RBF units have no bias); a trainable pool: one coefficient per map (+ one bias per map);
        ReLU and other pools: 0.

    Examples
    --------
    >>> parameter_count(Layer("conv", 5, channels=6), 1)  # LeNet-5's C1
    156
    >>> parameter_count(Layer("dense", channels=1), 100 * 100, bias=False)
    10000
    >>> parameter_count(Layer("pool", 2, 2, pooling="sum", trainable=True), 6)  # LeNet-5's S2
    12
    """
    if not isinstance(layer, Layer):
        raise TypeError(f"layer must be a convcore Layer, got {type(layer).__name__}")
    inputs = as_int(in_channels, "in_channels", minimum=1)
    if not isinstance(bias, bool):
        raise TypeError(f"bias must be True or False, got {bias!r}")
    if layer.kind == "conv":
        kh, kw = layer.kernel_size
        weights = sum(len(maps) for maps in input_maps(layer, inputs)) * kh * kw
        biases = layer.channels
    elif layer.kind == "dense":
        weights, biases = inputs * layer.channels, 0 if layer.rbf else layer.channels
    elif layer.kind == "pool" and layer.trainable:
        weights = biases = inputs
    else:
        return 0
    return weights + (biases if bias else 0)


@dataclass(frozen=True)
class LayerRow:
    """One layer's effect: the map after it, its parameters, its receptive field.

    Attributes
    ----------
    name : str
    layer : Layer
    size : (int, int)
        Height and width of the map after the layer ((1, 1) after a dense layer).
    channels : int
        Channels of the map after the layer (neurons after a dense layer).
    params : int
        Learned numbers of the layer (see :func:`parameter_count`).
    receptive_field : int or None
        Input pixels one unit sees per axis; None from the first dense layer on (a neuron
        there sees the whole input).
    jump : int or None
        Input pixels between neighbouring units; None where ``receptive_field`` is.
    start : float or None
        Input coordinate of the centre of unit (0, 0); None where ``receptive_field`` is.
    field : ReceptiveField or None
        ``receptive_field``, ``jump`` and ``start`` together, with :meth:`ReceptiveField.box`.
    """

    name: str
    layer: Layer
    size: tuple[int, int]
    channels: int
    params: int
    receptive_field: int | None
    jump: int | None
    start: float | None
    field: ReceptiveField | None

    def centre_unit(self, input_size: int | tuple[int, int]) -> tuple[int, int]:
        """The unit (row, column), 0-based, whose receptive field is centred nearest the centre
        of an input of ``input_size``.

        On an odd map that is the middle unit. An even map has no middle unit: of the two
        candidates along an axis, this picks the one whose centre lies nearer the input's centre,
        and on a tie the upper or left one. After a dense layer (no field) it is (0, 0).

        Examples
        --------
        >>> rows = {row.name: row for row in layer_stack((224, 224), 3, ALEXNET)}
        >>> rows["conv5"].size, rows["conv5"].centre_unit(224)  # 13 x 13: the middle unit
        ((13, 13), (6, 6))
        >>> rows["pool5"].size, rows["pool5"].centre_unit(224)  # 6 x 6: unit 3 is centred at 127.5, unit 2 at 95.5
        ((6, 6), (3, 3))
        """
        size = as_pair(input_size, "input_size", minimum=1)
        if self.field is None:
            return 0, 0
        unit = []
        for middle, n in zip((s / 2 for s in size), self.size):
            offset = (middle - self.field.start) / self.field.jump  # in units, from unit 0
            unit.append(min(n - 1, max(0, math.ceil(offset - 0.5))))  # nearest; a tie goes up/left
        return unit[0], unit[1]


def _check_layers(layers: object) -> tuple[Layer, ...]:
    if isinstance(layers, (str, bytes)) or not isinstance(layers, Iterable):
        raise TypeError(f"layers must be a sequence of Layer, got {type(layers).__name__}")
    found = tuple(layers)
    for i, layer in enumerate(found):
        if not isinstance(layer, Layer):
            raise TypeError(f"layers[{i}] must be a convcore Layer, got {type(layer).__name__}")
    return found


def _names(layers: tuple[Layer, ...]) -> list[str]:
    """Each layer's name, or its kind's prefix and its number among the layers of that kind."""
    counts = dict.fromkeys(LAYER_KINDS, 0)
    names = []
    for layer in layers:
        counts[layer.kind] += 1
        names.append(layer.name or f"{_PREFIX[layer.kind]}{counts[layer.kind]}")
    return names


def _map_size(layer: Layer, size: tuple[int, int], name: str) -> tuple[int, int]:
    try:
        return tuple(
            output_size(n, k, stride=layer.stride, padding=layer.padding, dilation=layer.dilation)
            for n, k in zip(size, layer.kernel_size)
        )
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None


def _params(layer: Layer, in_channels: int, name: str) -> int:
    try:
        return parameter_count(layer, in_channels)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None


def layer_stack(input_size: tuple[int, int], in_channels: int, layers: Iterable[Layer]) -> list[LayerRow]:
    """Output sizes, parameters and receptive fields, layer by layer.

    Parameters
    ----------
    input_size : int or (int, int)
        Height and width of the input image.
    in_channels : int
        Channels of the input (3 for RGB).
    layers : sequence of Layer
        A dense layer flattens the map: its inputs are height x width x channels.

    Returns
    -------
    list of LayerRow, one per layer.

    Raises
    ------
    ValueError
        Naming the layer where the map would vanish, or whose groups or connections do not fit
        its input.

    Examples
    --------
    >>> [row.size for row in layer_stack(28, 1, lenet5())][:6]
    [(28, 28), (28, 28), (14, 14), (10, 10), (10, 10), (5, 5)]
    """
    size = as_pair(input_size, "input_size", minimum=1)
    channels = as_int(in_channels, "in_channels", minimum=1)
    found = _check_layers(layers)
    first_dense = next((i for i, layer in enumerate(found) if layer.kind == "dense"), len(found))
    fields: list[ReceptiveField | None] = [*receptive_fields(found[:first_dense])]
    fields += [None] * (len(found) - first_dense)
    rows = []
    for layer, name, field in zip(found, _names(found), fields):
        if layer.kind == "dense":
            params = _params(layer, size[0] * size[1] * channels, name)
            size, channels = (1, 1), layer.channels
        else:
            size = _map_size(layer, size, name)
            params = _params(layer, channels, name)
            channels = layer.channels or channels
        rows.append(
            LayerRow(
                name,
                layer,
                size,
                channels,
                params,
                field.size if field else None,
                field.jump if field else None,
                field.start if field else None,
                field,
            )
        )
    return rows


def conv_and_pool(layers: Iterable[Layer]) -> list[Layer]:
    """The conv and pool layers of ``layers``, in order, with their names.

    ReLUs change no size and dense layers have no window: what is left is what a layer-size
    calculator shows.

    >>> [layer.name for layer in conv_and_pool(ALEXNET)]
    ['conv1', 'pool1', 'conv2', 'pool2', 'conv3', 'conv4', 'conv5', 'pool5']
    """
    return [layer for layer in _check_layers(layers) if layer.kind in _WINDOWED]


#: torchvision's AlexNet (the "one weird trick" variant), for a 224 x 224 RGB input.
ALEXNET: tuple[Layer, ...] = (
    Layer("conv", 11, 4, 2, channels=64, name="conv1"),
    Layer("relu", name="relu1"),
    Layer("pool", 3, 2, name="pool1"),
    Layer("conv", 5, 1, 2, channels=192, name="conv2"),
    Layer("relu", name="relu2"),
    Layer("pool", 3, 2, name="pool2"),
    Layer("conv", 3, 1, 1, channels=384, name="conv3"),
    Layer("relu", name="relu3"),
    Layer("conv", 3, 1, 1, channels=256, name="conv4"),
    Layer("relu", name="relu4"),
    Layer("conv", 3, 1, 1, channels=256, name="conv5"),
    Layer("relu", name="relu5"),
    Layer("pool", 3, 2, name="pool5"),
    Layer("dense", channels=4096, name="fc6"),
    Layer("dense", channels=4096, name="fc7"),
    Layer("dense", channels=1000, name="fc8"),
)
#: AlexNet's ``features``: the layers before the first dense one.
ALEXNET_FEATURES: tuple[Layer, ...] = tuple(layer for layer in ALEXNET if layer.kind != "dense")

#: The input size of :data:`ALEXNET_PAPER`. The paper says 224 x 224 x 3, but its conv1 (11 x 11,
#: stride 4, no padding) gives its 55 x 55 maps only from 227 x 227: (227 - 11) / 4 + 1 = 55.
#: torchvision's variant pads a 224 x 224 input by 2 instead.
ALEXNET_PAPER_SIZE = 227
#: AlexNet as published (Krizhevsky, Sutskever and Hinton, 2012), split over two GPUs: conv1's 96
#: filters (48 on each GPU) see all 3 colours; conv2, conv4 and conv5 see only their own GPU's half
#: of the maps before them (``groups=2``: filters of 5 x 5 x 48, 3 x 3 x 192, 3 x 3 x 192); conv3
#: and the dense layers see both halves. The response normalisation after relu1 and relu2 (no
#: parameters, no change of size) and the dropout of fc6 and fc7 are left out, as in :data:`ALEXNET`.
ALEXNET_PAPER: tuple[Layer, ...] = (
    Layer("conv", 11, 4, 0, channels=96, name="conv1"),
    Layer("relu", name="relu1"),
    Layer("pool", 3, 2, name="pool1"),
    Layer("conv", 5, 1, 2, channels=256, groups=2, name="conv2"),
    Layer("relu", name="relu2"),
    Layer("pool", 3, 2, name="pool2"),
    Layer("conv", 3, 1, 1, channels=384, name="conv3"),
    Layer("relu", name="relu3"),
    Layer("conv", 3, 1, 1, channels=384, groups=2, name="conv4"),
    Layer("relu", name="relu4"),
    Layer("conv", 3, 1, 1, channels=256, groups=2, name="conv5"),
    Layer("relu", name="relu5"),
    Layer("pool", 3, 2, name="pool5"),
    Layer("dense", channels=4096, name="fc6"),
    Layer("dense", channels=4096, name="fc7"),
    Layer("dense", channels=1000, name="fc8"),
)


def lenet5(filters: int = 6, kernel: int = 5) -> tuple[Layer, ...]:
    """The app's LeNet-5-style digit network for 28 x 28 digits, with ``filters`` first-layer
    filters of ``kernel``.

    conv (``kernel``, padding ``kernel // 2``, ``filters``) - ReLU - max pool 2 - conv
    (``kernel``, 16) - ReLU - max pool 2 - dense 120 - dense 84 - dense 10. LeNet-5's plan, not
    LeNet-5 as published (:data:`LENET5_PAPER`): padding instead of a 32 x 32 input, ReLU and max
    pooling, a fully connected second conv layer (2,416 parameters where C3 has 1,516), pooling
    without parameters, and ordinary output units.

    >>> [layer.name for layer in lenet5()]
    ['conv1', 'relu1', 'pool1', 'conv2', 'relu2', 'pool2', 'fc1', 'fc2', 'fc3']
    """
    filters = as_int(filters, "filters", minimum=1)
    kernel = as_int(kernel, "kernel", minimum=1)
    return (
        Layer("conv", kernel, 1, kernel // 2, channels=filters, name="conv1"),
        Layer("relu", name="relu1"),
        Layer("pool", 2, 2, name="pool1"),
        Layer("conv", kernel, channels=16, name="conv2"),
        Layer("relu", name="relu2"),
        Layer("pool", 2, 2, name="pool2"),
        Layer("dense", channels=120, name="fc1"),
        Layer("dense", channels=84, name="fc2"),
        Layer("dense", channels=10, name="fc3"),
    )


#: The input size of :data:`LENET5_PAPER`: 32 x 32 (the paper's digits fit in 20 x 20 of it).
LENET5_PAPER_SIZE = 32
#: Which of S2's 6 maps each of C3's 16 filters sees (the paper's Table I): filters 0-5 take every
#: 3 contiguous maps, 6-11 every 4 contiguous maps (counting on from map 5 to map 0), 12-14 three
#: discontinuous sets of 4, and 15 all 6. 60 connections of the 16 x 6 = 96 possible.
LENET5_C3_CONNECTIONS: tuple[tuple[int, ...], ...] = (
    tuple(tuple(sorted((first + i) % 6 for i in range(n))) for n in (3, 4) for first in range(6))
    + ((0, 1, 3, 4), (1, 2, 4, 5), (0, 2, 3, 5))
    + (tuple(range(6)),)
)
#: LeNet-5 as published (LeCun, Bottou, Bengio and Haffner, 1998) for a 32 x 32 grey input.
#: S2 and S4 subsample: each 2 x 2 window's inputs are added, multiplied by a trainable coefficient
#: and a trainable bias is added, one of each per map. C3 uses
#: :data:`LENET5_C3_CONNECTIONS`. C5's 5 x 5 filters on S4's 5 x 5 maps leave 120 maps of 1 x 1.
#: The output is 10 Euclidean RBF units of 84 parameters each (no bias). The squashing function
#: after every layer up to F6 (a scaled tanh) is left out: it changes no size or count.
LENET5_PAPER: tuple[Layer, ...] = (
    Layer("conv", 5, channels=6, name="C1"),
    Layer("pool", 2, 2, pooling="sum", trainable=True, name="S2"),
    Layer("conv", 5, channels=16, connections=LENET5_C3_CONNECTIONS, name="C3"),
    Layer("pool", 2, 2, pooling="sum", trainable=True, name="S4"),
    Layer("conv", 5, channels=120, name="C5"),
    Layer("dense", channels=84, name="F6"),
    Layer("dense", channels=10, rbf=True, name="output"),
)


def tiny_vgg(channels: int = 10, classes: int = 10) -> tuple[Layer, ...]:
    """CNN Explainer's Tiny VGG for 64 x 64 x 3 inputs (Wang et al., 2020), with its layer names.

    Two blocks of two 3 x 3 convolutions (no padding, ``channels`` filters each) with ReLUs and a
    2 x 2 max pool, then one dense layer to ``classes`` outputs.

    >>> rows = layer_stack(64, 3, tiny_vgg())
    >>> [(row.name, row.size) for row in rows][::3]
    [('conv_1_1', (62, 62)), ('relu_1_2', (60, 60)), ('relu_2_1', (28, 28)), ('max_pool_2', (13, 13))]
    >>> sum(row.params for row in rows)
    19920
    """
    channels = as_int(channels, "channels", minimum=1)
    classes = as_int(classes, "classes", minimum=1)
    layers: list[Layer] = []
    for block in (1, 2):
        for conv in (1, 2):
            layers += [
                Layer("conv", 3, channels=channels, name=f"conv_{block}_{conv}"),
                Layer("relu", name=f"relu_{block}_{conv}"),
            ]
        layers.append(Layer("pool", 2, 2, name=f"max_pool_{block}"))
    layers.append(Layer("dense", channels=classes, name="output"))
    return tuple(layers)

"""Whole networks as the overview shows them: every layer a student can click, in order.

A network is defined once as a list of :class:`~convcore.layers.Layer` (:mod:`convcore.layers`);
the torch models of :mod:`convcore.nets` are built from those lists. The definition leaves out
what changes no size or count: the flatten before the first dense layer, the ReLU after every
dense layer but the last, and the softmax at the end. :func:`network_layers` puts them back, so
that a unit of any of them can be pointed at and explained (:func:`convcore.explain_unit`).

Dropout (AlexNet's, between its dense layers) does nothing at test time and is not listed;
AlexNet's adaptive average pool is the identity at 224 x 224 (its map is already 6 x 6) and is
not listed either.

>>> [row.name for row in network_layers("digits")][5:]
['pool2', 'flatten', 'fc1', 'relu3', 'fc2', 'relu4', 'fc3', 'softmax']
>>> sum(row.params for row in network_layers("alexnet"))
61100840
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ._checks import as_int
from .layers import ALEXNET, Layer, _check_layers, _names, layer_stack, lenet5, tiny_vgg

__all__ = [
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "NETWORKS",
    "NET_LAYER_KINDS",
    "NetLayer",
    "Network",
    "TINY_VGG_CLASSES",
    "digit_network",
    "network_classes",
    "network_layers",
    "network_picture",
]

#: ImageNet's per-channel mean and standard deviation of pixels in 0..1 (AlexNet's normalisation).
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
#: The classes of the generated shapes and textures Tiny VGG learns (:mod:`convcore.nets.shapes`).
TINY_VGG_CLASSES: tuple[str, ...] = (
    "circle",
    "square",
    "triangle",
    "cross",
    "ring",
    "star",
    "horizontal stripes",
    "vertical stripes",
    "checkerboard",
    "dots",
)
#: The kinds of :class:`NetLayer`: a :class:`~convcore.layers.Layer`'s, and flatten and softmax.
NET_LAYER_KINDS = frozenset({"conv", "relu", "pool", "flatten", "dense", "softmax"})


@dataclass(frozen=True)
class Network:
    """A network as defined once: its input, its layers and its classes.

    Attributes
    ----------
    key : str
        "digits", "tiny_vgg" or "alexnet" for the app's three networks.
    title : str
    input_shape : (int, int, int)
        Channels, height, width of the input the network takes.
    layers : tuple of Layer
        The defining list (as :mod:`convcore.layers` writes it).
    classes : tuple of str
        The names of the outputs, in order.
    mean, std : tuple of float
        How a picture becomes the input: ``(pixel / 255 - mean) / std`` per channel (one number for
        every channel when the tuple has one). 0 and 1 for the digit CNN and Tiny VGG (inputs 0..1);
        ImageNet's for AlexNet.
    """

    key: str
    title: str
    input_shape: tuple[int, int, int]
    layers: tuple[Layer, ...]
    classes: tuple[str, ...]
    mean: tuple[float, ...] = (0.0,)
    std: tuple[float, ...] = (1.0,)


@dataclass(frozen=True)
class NetLayer:
    """One layer of the overview, with its output.

    Attributes
    ----------
    name : str
        The name :func:`convcore.explain_unit` takes.
    kind : {"conv", "relu", "pool", "flatten", "dense", "softmax"}
    shape : tuple of int
        Its output: (channels, height, width) for a map, (n,) for a vector.
    params : int
        Learned numbers (weights and biases).
    layer : Layer or None
        The defining layer (None for the flatten, the softmax and a dense layer's ReLU).
    source : str
        The name of the layer whose output it takes ("input" for the first).
    """

    name: str
    kind: str
    shape: tuple[int, ...]
    params: int
    layer: Layer | None
    source: str

    @property
    def is_map(self) -> bool:
        """True when the output is a stack of 2-D maps (else a vector)."""
        return len(self.shape) == 3


def digit_network(filters: int = 6, kernel: int = 5) -> Network:
    """The app's LeNet-5-style digit network with ``filters`` first-layer filters of ``kernel``."""
    return Network(
        "digits",
        "Digit CNN (LeNet-5 style)",
        (1, 28, 28),
        lenet5(as_int(filters, "filters", minimum=1), as_int(kernel, "kernel", minimum=1)),
        tuple(str(d) for d in range(10)),
    )


def _imagenet_classes() -> tuple[str, ...]:
    from .samples import ASSETS_DIR

    return tuple((ASSETS_DIR / "imagenet_classes.txt").read_text(encoding="utf-8").splitlines())


#: The app's three networks by key (the digit network with its shipped first layer: 6 of 5 x 5).
NETWORKS: dict[str, Network] = {
    "digits": digit_network(),
    "tiny_vgg": Network("tiny_vgg", "Tiny VGG (CNN Explainer's layout, trained on shapes)", (3, 64, 64), tiny_vgg(),
                        TINY_VGG_CLASSES),
    "alexnet": Network("alexnet", "AlexNet (torchvision's variant)", (3, 224, 224), ALEXNET,
                       (), IMAGENET_MEAN, IMAGENET_STD),  # classes read on demand: see network_classes
}  # fmt: skip


def network_classes(network: Network) -> tuple[str, ...]:
    """The network's class names (AlexNet's 1000 ImageNet classes are read from assets/)."""
    return _imagenet_classes() if network.key == "alexnet" else network.classes


def network_picture(network: Network, x: object) -> np.ndarray:
    """The network's input ``x`` (C, H, W) as the picture it stands for: (H, W, 3) uint8, its
    normalisation undone (a one-channel input as grey)."""
    if not isinstance(network, Network):
        raise TypeError(f"network must be a Network, got {type(network).__name__}")
    a = np.asarray(x, dtype=np.float64)
    if a.shape != network.input_shape:
        raise ValueError(f"x must have shape {network.input_shape}, got {a.shape}")
    c = a.shape[0]
    mean = np.broadcast_to(np.asarray(network.mean, dtype=np.float64), (c,)).reshape(c, 1, 1)
    std = np.broadcast_to(np.asarray(network.std, dtype=np.float64), (c,)).reshape(c, 1, 1)
    pixels = np.clip(np.rint((a * std + mean) * 255), 0, 255).astype(np.uint8)
    return np.ascontiguousarray(
        np.repeat(pixels, 3, axis=0).transpose(1, 2, 0) if c == 1 else pixels.transpose(1, 2, 0)
    )


def _as_network(network: object) -> Network:
    if isinstance(network, str):
        if network not in NETWORKS:
            raise ValueError(f"network must be one of {sorted(NETWORKS)}, got {network!r}")
        return NETWORKS[network]
    found = getattr(network, "network", network)  # the torch models carry theirs
    if not isinstance(found, Network):
        raise TypeError(
            f"network must be a Network, one of {sorted(NETWORKS)} or a model of convcore.nets, "
            f"got {type(network).__name__}"
        )
    return found


def network_layers(network: Network | str | object) -> list[NetLayer]:
    """Every layer of ``network`` that the overview shows, with its output shape and parameters.

    Parameters
    ----------
    network : Network, str or model
        A :class:`Network`, a key of :data:`NETWORKS`, or a model of :mod:`convcore.nets` (which
        carries its ``network``).

    Returns
    -------
    list of NetLayer
        The defining layers in order, with a "flatten" before the first dense layer, a ReLU after
        every dense layer but the last (numbered on from the conv ReLUs: AlexNet's relu6 and relu7)
        and a "softmax" after the last.

    Examples
    --------
    >>> rows = network_layers("tiny_vgg")
    >>> [(r.name, r.shape) for r in rows[-4:]]
    [('max_pool_2', (10, 13, 13)), ('flatten', (1690,)), ('output', (10,)), ('softmax', (10,))]
    """
    return list(_network_layers(_as_network(network)))


@functools.lru_cache(maxsize=32)
def _network_layers(net: Network) -> tuple[NetLayer, ...]:
    """:func:`network_layers`, once per network (a frozen definition: its rows never change)."""
    layers = _check_layers(net.layers)
    channels, h, w = net.input_shape
    stack = layer_stack((h, w), channels, layers)
    relus = sum(layer.kind == "relu" for layer in layers)
    out: list[NetLayer] = []
    source = "input"
    last_dense = max((i for i, layer in enumerate(layers) if layer.kind == "dense"), default=-1)
    for i, (layer, name, row) in enumerate(zip(layers, _names(layers), stack)):
        if layer.kind == "dense" and (not out or out[-1].is_map):  # a dense layer flattens a map
            flat = int(h * w * channels)
            out.append(NetLayer("flatten", "flatten", (flat,), 0, None, source))
            source = "flatten"
        shape = (row.channels,) if layer.kind == "dense" else (row.channels, *row.size)
        out.append(NetLayer(name, layer.kind, shape, row.params, layer, source))
        source = name
        if layer.kind == "dense" and i != last_dense:
            relus += 1
            out.append(NetLayer(f"relu{relus}", "relu", shape, 0, None, source))
            source = out[-1].name
        channels, (h, w) = row.channels, row.size
    if last_dense >= 0:
        out.append(NetLayer("softmax", "softmax", out[-1].shape, 0, None, source))
    return tuple(out)

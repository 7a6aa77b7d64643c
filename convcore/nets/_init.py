"""Seeded initialisation without touching torch's global random state (safe in a server).

``torch.manual_seed`` (even inside ``fork_rng``) changes the one random state every thread of the
process shares: two students creating networks at the same moment would get each other's numbers.
Here a network is built on the ``meta`` device (no numbers drawn), given memory, then filled by
PyTorch's own default rules for Conv2d and Linear, drawing from a private ``torch.Generator``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TypeVar

import torch
from torch import nn

M = TypeVar("M", bound=nn.Module)


def seeded(build: Callable[[], M], seed: int) -> M:
    """``build()`` with PyTorch's default initialisation drawn from a generator seeded by ``seed``."""
    with torch.device("meta"):
        model = build()
    model = model.to_empty(device="cpu")
    g = torch.Generator().manual_seed(int(seed))
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (nn.Conv2d, nn.Linear)):
                # as nn.Conv2d.reset_parameters / nn.Linear.reset_parameters do
                nn.init.kaiming_uniform_(module.weight, a=math.sqrt(5), generator=g)
                if module.bias is not None:
                    fan_in, _ = nn.init._calculate_fan_in_and_fan_out(module.weight)
                    bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
                    nn.init.uniform_(module.bias, -bound, bound, generator=g)
            elif any(True for _ in module.parameters(recurse=False)):  # pragma: no cover - none here
                raise TypeError(f"seeded() does not know how to initialise {type(module).__name__}")
    return model


def empty(build: Callable[[], M]) -> M:
    """``build()`` on the meta device: shapes only, no memory, no numbers (for checks and loading)."""
    with torch.device("meta"):
        return build()


def add_layers(model: nn.Module, layers, size: tuple[int, int], channels: int) -> None:
    """Register on ``model`` a ``nn.Conv2d`` or ``nn.Linear`` named after each conv or dense layer of
    ``layers`` (a list of :class:`convcore.layers.Layer`), sized by :func:`convcore.layers.layer_stack`
    for an input of ``size`` and ``channels``; a dense layer flattens the map before it."""
    from ..layers import layer_stack

    for layer, row in zip(layers, layer_stack(size, channels, layers)):
        if layer.kind == "conv":
            model.add_module(
                layer.name,
                nn.Conv2d(
                    channels, layer.channels, layer.kernel, layer.stride, layer.padding, layer.dilation
                ),
            )
        elif layer.kind == "dense":
            model.add_module(layer.name, nn.Linear(size[0] * size[1] * channels, layer.channels))
        size, channels = row.size, row.channels

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


class SeededLinear(nn.Linear):
    """A dense layer with PyTorch's default random weight that does not keep it: the weight is drawn
    again, a block of rows at a time, from the generator state it was first drawn from, whenever
    it is used. The numbers are bit for bit those of the ``nn.Linear`` it replaces (the generator
    gives the same stream in blocks as at once), and a forward pass holds one block, not the whole
    matrix: an untrained AlexNet's dense layers are 234 MB of weights that nobody needs to keep.

    ``weight`` gives the whole matrix (made on each access, read-only use). The bias is kept. Frozen:
    gradients flow to the input, never to the weights.
    """

    #: Rows drawn at a time (128 x 9216 float32 = 4.5 MB for AlexNet's fc6): what a pass holds while
    #: it runs, the same time as 512 rows (drawing the numbers is the work), a quarter of the memory.
    ROWS = 128

    def __init__(self, in_features: int, out_features: int, device: torch.device | str | None = None) -> None:
        nn.Module.__init__(self)  # not nn.Linear's: no weight to allocate
        self.in_features, self.out_features = in_features, out_features
        self.bias = nn.Parameter(torch.empty(out_features, device=device), requires_grad=False)
        self.state = torch.Generator().get_state()  # set by draw()

    def draw(self, g: torch.Generator) -> None:
        """Draw the weight and bias as ``nn.Linear.reset_parameters`` does, from ``g`` (which moves on
        exactly as far); only the generator's state at the start and the bias are kept."""
        self.state = g.get_state()
        for _ in self.blocks(g):  # moves g past the weight
            pass
        with torch.no_grad():
            bound = 1 / math.sqrt(self.in_features)
            nn.init.uniform_(self.bias, -bound, bound, generator=g)

    def blocks(self, g: torch.Generator | None = None):
        """The weight's rows, ``(first row, block)`` for each block of :data:`ROWS` rows."""
        if g is None:
            g = torch.Generator()
            g.set_state(self.state)
        for start in range(0, self.out_features, self.ROWS):
            block = torch.empty(min(self.ROWS, self.out_features - start), self.in_features)
            nn.init.kaiming_uniform_(block, a=math.sqrt(5), generator=g)  # fan_in = in_features
            yield start, block

    def row(self, index: int) -> torch.Tensor:
        """Row ``index`` of the weight (one block in memory at a time)."""
        if not 0 <= index < self.out_features:
            raise ValueError(f"index must be from 0 to {self.out_features - 1}, got {index!r}")
        for start, block in self.blocks():
            if index < start + len(block):
                return block[index - start].clone()
        raise AssertionError("unreachable")  # pragma: no cover

    @property
    def weight(self) -> torch.Tensor:
        return torch.cat([block for _, block in self.blocks()])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _SeededLinearFunction.apply(x, self.bias, self)


class _SeededLinearFunction(torch.autograd.Function):
    """``x @ W.T + b`` with W drawn block by block, in the forward pass and again in the backward."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, bias: torch.Tensor, layer: SeededLinear) -> torch.Tensor:
        ctx.layer = layer
        flat = x.reshape(-1, layer.in_features)
        out = torch.empty(flat.shape[0], layer.out_features, dtype=x.dtype)
        for start, block in layer.blocks():
            end = start + len(block)
            torch.addmm(bias[start:end], flat, block.T, out=out[:, start:end])  # as F.linear computes it
        return out.reshape(*x.shape[:-1], layer.out_features)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        layer = ctx.layer
        flat = grad.reshape(-1, layer.out_features)
        grad_x = torch.zeros(flat.shape[0], layer.in_features, dtype=grad.dtype)
        for start, block in layer.blocks():
            grad_x.addmm_(flat[:, start : start + len(block)], block)
        return grad_x.reshape(*grad.shape[:-1], layer.in_features), None, None


def compact_dense(model: M) -> M:
    """``model`` (on the meta device) with each ``nn.Linear`` replaced by a :class:`SeededLinear` of
    the same size, in place: :func:`seeded` then draws the same numbers without keeping the
    dense weights."""
    for name, child in list(model.named_children()):
        if type(child) is nn.Linear:
            setattr(model, name, SeededLinear(child.in_features, child.out_features, device="meta"))
        else:
            compact_dense(child)
    return model


def materialise(model: M) -> M:
    """Give ``model``'s meta-device parameters and buffers memory on the CPU (contents undefined), in
    place, and return it. ``model.to_empty(device="cpu")`` does the same through PyTorch's Python reference ops for
    meta tensors, which import sympy and torch.fx's symbolic shapes: 0.3 s with a server's
    interpreter lock held, and about 35 MB that stay, the first time any network is made."""
    for module in model.modules():
        for name, p in list(module.named_parameters(recurse=False)):
            setattr(
                module, name, nn.Parameter(torch.empty(p.shape, dtype=p.dtype), requires_grad=p.requires_grad)
            )
        for name, b in list(module.named_buffers(recurse=False)):
            setattr(module, name, torch.empty(b.shape, dtype=b.dtype))
    return model


def seeded(build: Callable[[], M], seed: int, *, keep_dense: bool = True) -> M:
    """``build()`` with PyTorch's default initialisation drawn from a generator seeded by ``seed``.

    With ``keep_dense=False`` the dense layers are :class:`SeededLinear`: the same numbers, drawn
    again at each use instead of kept."""
    with torch.device("meta"):
        model = build()
    if not keep_dense:
        compact_dense(model)
    materialise(model)
    g = torch.Generator().manual_seed(int(seed))
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, SeededLinear):
                module.draw(g)
            elif isinstance(module, (nn.Conv2d, nn.Linear)):
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

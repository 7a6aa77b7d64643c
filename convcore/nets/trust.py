"""Can you trust this heat map? Occlusion, saliency, adversarial examples and randomised networks
(issue 16), for every network of :mod:`convcore.nets`.

- :func:`occlusion`: slide a patch over the input and measure the drop of the class's probability
  (Zeiler and Fergus, 2014), in batched forward passes.
- :func:`saliency`: the vanilla gradient (Simonyan et al., 2014), guided backpropagation
  (Springenberg et al., 2015), SmoothGrad (Smilkov et al., 2017) and Grad-CAM (Selvaraju et al.,
  2017).
- :func:`fgsm`: the fast gradient sign method (Goodfellow et al., 2015), clipped to the valid range;
  :func:`fgsm_sweep` and :func:`smallest_flip` try many strengths from one gradient.
- :func:`randomize`: a copy of the model with its layers re-initialised from the top down to a
  layer (the cascading randomisation of Adebayo et al., 2018); :func:`cascade` walks the steps on
  one copy, :func:`sanity_check` redraws saliency maps at each step and :func:`rank_correlation`
  compares them with the original.

Strengths and fills are in pixel units (0..1 of a picture's range) for every network: the network's
own normalisation (:attr:`convcore.networks.Network.mean` and ``std``) turns them into input units.

The shared model is only read: the forward passes are the functional ones of
:mod:`convcore.nets.explain` (weights passed in, nothing registered on the model), gradients are
asked of autograd for the input only, and guided backpropagation changes the ReLU's backward pass
through its own autograd function, not through hooks on the model.
"""

from __future__ import annotations

import contextlib
import copy
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .._checks import as_int, check_choice
from ..networks import network_layers
from ._init import SeededLinear
from .explain import _apply, _input, _module, _network

__all__ = [
    "SALIENCY_METHODS",
    "SanityStep",
    "cascade",
    "fgsm",
    "fgsm_sweep",
    "input_range",
    "occlusion",
    "occlusion_grid",
    "occlusion_per_pixel",
    "randomize",
    "rank_correlation",
    "saliency",
    "sanity_check",
    "smallest_flip",
]

#: The saliency methods of :func:`saliency`.
SALIENCY_METHODS = frozenset({"gradient", "guided", "smoothgrad", "gradcam"})


def _target(model: object, target: object) -> int:
    classes = network_layers(_network(model))[-1].shape[0]
    t = as_int(target, "target", minimum=0)
    if t >= classes:
        raise ValueError(f"target must be from 0 to {classes - 1}, got {t}")
    return t


def input_range(model: object) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(low, high, unit)`` of the network's input, each of shape (C, 1, 1): the values a picture
    can give (pixels 0 and 255 through the network's normalisation) and one pixel range in input
    units (``1 / std``: 1 for the digit CNN and Tiny VGG, about 4.4 for AlexNet)."""
    net = _network(model)
    c = net.input_shape[0]
    mean = torch.tensor(net.mean, dtype=torch.float32).expand(c).reshape(c, 1, 1)
    std = torch.tensor(net.std, dtype=torch.float32).expand(c).reshape(c, 1, 1)
    return (0 - mean) / std, (1 - mean) / std, 1 / std


def occlusion_grid(input_shape: Sequence[int], window: int, stride: int) -> tuple[int, int]:
    """The places of :func:`occlusion`'s patch: ``(rows, columns)``; one forward pass each, plus
    one for the unoccluded input."""
    h, w = int(input_shape[-2]), int(input_shape[-1])
    window = as_int(window, "window", minimum=1)
    stride = as_int(stride, "stride", minimum=1)
    if window > min(h, w):
        raise ValueError(f"window must be at most the input's side ({min(h, w)}), got {window}")
    return (h - window) // stride + 1, (w - window) // stride + 1


@torch.inference_mode()
def _probabilities(model: object, batch: torch.Tensor) -> torch.Tensor:
    for row in network_layers(_network(model)):
        batch = _apply(model, row, batch)
    return batch


def occlusion(
    model: object,
    x: object,
    target: int,
    *,
    window: int,
    stride: int,
    fill: float | str = "mean",
    batch: int = 64,
    on_progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """How much the probability of ``target`` drops when a square patch hides each part of ``x``.

    Parameters
    ----------
    model : a model of :mod:`convcore.nets` (read only)
    x : array or tensor of the network's input shape
    target : int
        The class.
    window, stride : int
        The patch's side and the step between patches, in input pixels.
    fill : float or "mean"
        What the patch holds: a grey from 0 (black) to 1 (white), in pixel units (the network's
        normalisation is applied), or each channel's mean over the input.
    batch : int
        Occluded copies per forward pass.
    on_progress : callable, optional
        Called as ``on_progress(done, total)`` after each batch (places done, places in all).

    Returns
    -------
    ndarray of float64, shape ((H - window) // stride + 1, (W - window) // stride + 1)
        ``p(target | x) - p(target | x with the patch at that place)``: positive where hiding the
        part lowers the probability.
    """
    net = _network(model)
    t = _input(x, net.input_shape)
    k = _target(model, target)
    c = t.shape[1]
    rows, cols = occlusion_grid(t.shape, window, stride)
    if isinstance(fill, str):
        check_choice(fill, "fill", frozenset({"mean"}))
        values = t[0].mean(dim=(1, 2)).view(c, 1, 1)
    elif isinstance(fill, (int, float)) and not isinstance(fill, bool) and 0 <= fill <= 1:
        low, high, _ = input_range(model)
        values = low + float(fill) * (high - low)
    else:
        raise ValueError(f"fill must be a number from 0 to 1 or 'mean', got {fill!r}")
    batch = as_int(batch, "batch", minimum=1)
    places = [(i * stride, j * stride) for i in range(rows) for j in range(cols)]
    base = float(_probabilities(model, t)[0, k])
    drops = []
    for start in range(0, len(places), batch):
        chunk = places[start : start + batch]
        copies = t.repeat(len(chunk), 1, 1, 1)
        for n, (top, left) in enumerate(chunk):
            copies[n, :, top : top + window, left : left + window] = values
        drops.append(base - _probabilities(model, copies)[:, k].double())
        if on_progress is not None:
            on_progress(start + len(chunk), len(places))
    return torch.cat(drops).numpy().reshape(rows, cols)


@contextlib.contextmanager
def _autograd() -> Iterator[None]:
    """Gradients on, also when the caller is inside ``torch.inference_mode`` (a notebook's habit)."""
    with torch.inference_mode(False), torch.enable_grad():
        yield


def occlusion_per_pixel(drops: object, size: Sequence[int], window: int, stride: int) -> np.ndarray:
    """:func:`occlusion`'s map spread back over the input: each pixel gets the mean drop of the
    patches that covered it (0 where none did, e.g. a margin the stride skips).

    Returns
    -------
    ndarray of float64, shape ``size`` (height, width)
    """
    d = np.asarray(drops, dtype=np.float64)
    h, w = int(size[0]), int(size[1])
    if d.ndim != 2 or d.shape != occlusion_grid((h, w), window, stride):
        raise ValueError(
            f"drops must be occlusion's map for this size, window and stride, got shape {d.shape}"
        )
    total, count = np.zeros((h, w)), np.zeros((h, w))
    for i in range(d.shape[0]):
        for j in range(d.shape[1]):
            total[i * stride : i * stride + window, j * stride : j * stride + window] += d[i, j]
            count[i * stride : i * stride + window, j * stride : j * stride + window] += 1
    return np.divide(total, count, out=np.zeros((h, w)), where=count > 0)


class _GuidedReLU(torch.autograd.Function):
    """ReLU whose backward pass lets through only positive gradients where the input was positive."""

    @staticmethod
    def forward(ctx, a: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(a)
        return a.clamp(min=0)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        (a,) = ctx.saved_tensors
        return grad * (a > 0) * (grad > 0)


def _logits(model: object, t: torch.Tensor, *, guided: bool = False, keep: str | None = None,
            after: str | None = None):  # fmt: skip
    """The logits (N, classes) with autograd on; with ``keep``, also that layer's output. With
    ``after``, ``t`` is that layer's output and only the layers after it run."""
    kept = None
    rows = network_layers(_network(model))
    if after is not None:
        rows = rows[[row.name for row in rows].index(after) + 1 :]
    for row in rows:
        if row.kind == "softmax":
            break
        t = _GuidedReLU.apply(t) if guided and row.kind == "relu" else _apply(model, row, t)
        if row.name == keep:  # the gradient is asked of this layer's output: the graph starts here
            t = kept = t.detach().requires_grad_(True)
    return t, kept


def _gradient(model: object, t: torch.Tensor, k: int, *, guided: bool = False) -> torch.Tensor:
    with _autograd():
        t = t.detach().clone().requires_grad_(True)
        logits, _ = _logits(model, t, guided=guided)
        (grad,) = torch.autograd.grad(logits[:, k].sum(), t)
    return grad


def saliency(
    model: object,
    x: object,
    target: int,
    *,
    method: str,
    samples: int = 25,
    noise: float = 0.15,
    seed: int = 0,
    maps: object = None,
) -> np.ndarray:
    """Where the network looks for ``target``, by one of :data:`SALIENCY_METHODS`.

    Parameters
    ----------
    method : {"gradient", "guided", "smoothgrad", "gradcam"}
        "gradient": the gradient of the class's logit with respect to the input; "guided": the same
        through ReLUs that pass back only positive gradients where their input was positive;
        "smoothgrad": the gradient averaged over ``samples`` noisy copies of the input (noise of
        ``noise`` times the input's range, drawn from ``seed``); "gradcam": the last conv layer's
        maps weighted by the mean gradient of each, summed, ReLU'd and resized to the input.
    samples, noise, seed
        SmoothGrad's settings.
    maps : array or tensor, optional
        Grad-CAM only: the output of its layer (:func:`grad_cam_layer`) for ``x``, shape (C, H, W),
        when it is already computed; then only the layers after it run, forwards and back (the
        same map, bit for bit).

    Returns
    -------
    ndarray of float64, shape (H, W)
        For the gradient methods, the largest absolute gradient over the channels at each pixel;
        for Grad-CAM, the map scaled to 0..1 (all 0 when nothing speaks for the class).
    """
    check_choice(method, "method", SALIENCY_METHODS)
    net = _network(model)
    t = _input(x, net.input_shape)
    k = _target(model, target)
    if method in ("gradient", "guided"):
        grad = _gradient(model, t, k, guided=method == "guided")
    elif method == "smoothgrad":
        samples = as_int(samples, "samples", minimum=1)
        if not (isinstance(noise, (int, float)) and 0 <= noise <= 1):
            raise ValueError(f"noise must be a number from 0 to 1, got {noise!r}")
        g = torch.Generator().manual_seed(int(seed))
        sigma = float(noise) * float(t.max() - t.min())
        copies = t + sigma * torch.randn((samples, *t.shape[1:]), generator=g)
        grad = _gradient(model, copies, k).mean(dim=0, keepdim=True)
    else:
        return _grad_cam(model, t, k, None if maps is None else _layer_output(model, maps))
    if maps is not None:
        raise ValueError(f"maps is for method='gradcam' only, not {method!r}")
    return grad[0].abs().amax(dim=0).double().numpy()


def grad_cam_layer(model: object) -> str:
    """The layer Grad-CAM looks at: the network's last ReLU on maps (AlexNet's relu5)."""
    return [row.name for row in network_layers(_network(model)) if row.kind == "relu" and row.is_map][-1]


def _layer_output(model: object, maps: object) -> torch.Tensor:
    """``maps`` checked against Grad-CAM's layer's shape, as a (1, C, H, W) float32 copy."""
    name = grad_cam_layer(model)
    shape = next(row.shape for row in network_layers(_network(model)) if row.name == name)
    if not isinstance(maps, (np.ndarray, torch.Tensor)) or tuple(maps.shape) != tuple(shape):
        raise ValueError(
            f"maps must be {name}'s output, of shape {tuple(shape)}, got {getattr(maps, 'shape', maps)!r}"
        )
    if isinstance(maps, torch.Tensor):
        return maps.detach().to(torch.float32).clone()[None]
    return torch.tensor(np.asarray(maps, dtype=np.float32))[None]  # a copy: a cached result may be read-only


def _grad_cam(model: object, t: torch.Tensor, k: int, maps: torch.Tensor | None = None) -> np.ndarray:
    last = grad_cam_layer(model)
    with _autograd():
        if maps is None:
            logits, maps = _logits(model, t.detach().clone(), keep=last)
        else:  # already computed: only the layers after it run, forwards and back
            maps = maps.detach().clone().requires_grad_(True)
            logits, _ = _logits(model, maps, after=last)
        (grad,) = torch.autograd.grad(logits[0, k], maps)
    cam = torch.relu((grad.mean(dim=(2, 3), keepdim=True) * maps.detach()).sum(dim=1, keepdim=True))
    cam = F.interpolate(cam, size=t.shape[2:], mode="bilinear", align_corners=False)[0, 0].double()
    top = float(cam.max())
    return (cam / top if top > 0 else cam).numpy()


def _strength(eps: object, name: str = "eps") -> float:
    if not (isinstance(eps, (int, float)) and not isinstance(eps, bool) and 0 <= eps <= 1):
        raise ValueError(f"{name} must be a number from 0 to 1 (a fraction of the pixel range), got {eps!r}")
    return float(eps)


def _sign_of_gradient(model: object, t: torch.Tensor, k: int, targeted: bool) -> torch.Tensor:
    """The direction FGSM steps in, in input units per pixel range: away from class ``k`` (up
    the cross-entropy's gradient) or, ``targeted``, towards it."""
    if not isinstance(targeted, bool):
        raise TypeError(f"targeted must be True or False, got {targeted!r}")
    with _autograd():
        v = t.detach().clone().requires_grad_(True)
        logits, _ = _logits(model, v)
        loss = F.cross_entropy(logits, torch.tensor([k]))
        (grad,) = torch.autograd.grad(loss, v)
    return (-1.0 if targeted else 1.0) * grad.sign() * input_range(model)[2]


def fgsm(model: object, x: object, target: int, eps: float, *, targeted: bool = False) -> torch.Tensor:
    """The fast gradient sign method: ``x`` moved by ``eps`` along the sign of the loss's gradient.

    Untargeted (default): away from ``target`` (the class it has), ``x + eps * sign(grad)`` of the
    cross-entropy for ``target``. Targeted: towards ``target``, ``x - eps * sign(grad)``.

    ``eps`` is a fraction of the pixel range (0..1): on the digit CNN and Tiny VGG, whose inputs are
    0..1, it is the step itself; on AlexNet each channel's step is ``eps / std`` (the same step in
    pixels). The result is clipped to the values a picture can give (:func:`input_range`).

    Returns
    -------
    tensor of the input's shape (without a batch axis)
    """
    net = _network(model)
    t = _input(x, net.input_shape)
    k = _target(model, target)
    eps = _strength(eps)
    low, high, _ = input_range(model)
    step = _sign_of_gradient(model, t, k, targeted)
    return torch.maximum(torch.minimum(t + eps * step, high), low)[0].detach()


def fgsm_sweep(
    model: object, x: object, target: int, eps_values: Sequence[float], *, targeted: bool = False
) -> np.ndarray:
    """The class probabilities of :func:`fgsm`'s input at each strength of ``eps_values``, from one
    gradient (FGSM takes one step: only its length changes).

    Returns
    -------
    ndarray of float64, shape (len(eps_values), classes)
        Row ``i`` equals the softmax of the network on ``fgsm(model, x, target, eps_values[i])``.
    """
    net = _network(model)
    t = _input(x, net.input_shape)
    k = _target(model, target)
    values = [_strength(e, "eps_values") for e in eps_values]
    if not values:
        raise ValueError("eps_values must hold at least one strength")
    low, high, _ = input_range(model)
    step = _sign_of_gradient(model, t, k, targeted)
    rows = []
    for start in range(0, len(values), 32):
        eps = torch.tensor(values[start : start + 32], dtype=torch.float32).view(-1, 1, 1, 1)
        batch = torch.maximum(torch.minimum(t + eps * step, high), low)
        rows.append(_probabilities(model, batch).double())
    return torch.cat(rows).numpy()


def smallest_flip(
    model: object, x: object, target: int, eps_values: Sequence[float], *, targeted: bool = False
) -> float | None:
    """The smallest strength of ``eps_values`` whose FGSM input the network no longer gives
    ``target`` (untargeted), or gives ``target`` (targeted); None when none of them does."""
    probs = fgsm_sweep(model, x, target, eps_values, targeted=targeted)
    k = int(target)
    for eps, row in sorted(zip(eps_values, probs.argmax(axis=1)), key=lambda pair: pair[0]):
        if (row == k) == targeted:
            return float(eps)
    return None


def randomize(model: nn.Module, upto_layer: str, seed: int = 0) -> nn.Module:
    """A copy of ``model`` whose conv and dense layers from the last one down to ``upto_layer``
    (inclusive) are re-initialised (PyTorch's default rule, from ``seed``): the cascading
    randomisation of Adebayo et al. (2018). ``model`` itself is never changed.
    """
    net = _network(model)
    learned = [row.name for row in network_layers(net) if row.kind in ("conv", "dense")]
    if upto_layer not in learned:
        raise ValueError(f"upto_layer must be one of {learned}, got {upto_layer!r}")
    copy_ = copy.deepcopy(model)
    g = torch.Generator().manual_seed(int(seed))
    with torch.no_grad():
        for name in reversed(learned[learned.index(upto_layer) :]):
            _reinitialise(_module(copy_, name), g)
    return copy_


def cascade(model: nn.Module, seed: int = 0) -> Iterator[tuple[str, nn.Module]]:
    """The steps of the cascading randomisation: ``(layer, model)`` for each conv and dense layer
    from the last one down, the model having that layer and every one above it re-initialised.

    One copy is made and changed step by step (at each step it equals
    ``randomize(model, layer, seed)``): use it before asking for the next step. ``model`` itself
    is never changed.
    """
    net = _network(model)
    learned = [row.name for row in network_layers(net) if row.kind in ("conv", "dense")]
    copy_ = copy.deepcopy(model)
    g = torch.Generator().manual_seed(int(seed))
    for name in reversed(learned):
        with torch.no_grad():
            _reinitialise(_module(copy_, name), g)
        yield name, copy_


def _reinitialise(m: nn.Module, g: torch.Generator) -> None:
    if isinstance(m, SeededLinear):  # the same numbers, drawn from g, not kept
        m.draw(g)
        return
    nn.init.kaiming_uniform_(m.weight, a=math.sqrt(5), generator=g)  # PyTorch's default for both
    if m.bias is not None:
        bound = 1 / math.sqrt(m.weight[0].numel())
        nn.init.uniform_(m.bias, -bound, bound, generator=g)


def rank_correlation(a: object, b: object) -> float:
    """Spearman's rank correlation of two maps of the same shape (Adebayo et al.'s similarity):
    1 for the same order of importance, about 0 for unrelated maps; NaN when either map is flat
    (all one value, e.g. a blank Grad-CAM), where no order exists."""
    x, y = (np.asarray(v, dtype=np.float64).ravel() for v in (a, b))
    if x.shape != y.shape or x.size < 2:
        raise ValueError(f"a and b must be maps of the same shape, got {np.shape(a)} and {np.shape(b)}")
    if np.isnan(x).any() or np.isnan(y).any() or np.ptp(x) == 0 or np.ptp(y) == 0:
        return math.nan
    return float(np.corrcoef(_ranks(x), _ranks(y))[0, 1])


def _ranks(v: np.ndarray) -> np.ndarray:
    """Ranks 1..n of a 1-D array without NaN, tied values sharing their average rank: scipy.stats'
    ``rankdata`` (checked against it by a test), in numpy, because importing scipy.stats
    costs a server about 44 MB (issue 18)."""
    order = np.argsort(v, kind="stable")
    ordered = v[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])  # first place of each value
    group = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(v)]))
    average = (starts + np.r_[starts[1:], len(v)] + 1) / 2  # mean of ranks starts+1 .. next start
    ranks = np.empty(len(v))
    ranks[order] = average[group]
    return ranks


@dataclass(frozen=True, eq=False)
class SanityStep:
    """One step of :func:`sanity_check`.

    ``layer`` is the lowest layer randomised so far ("" for the original network), ``maps`` each
    method's map, ``similarity`` each map's :func:`rank_correlation` with the original network's,
    and ``prediction`` the class the network gives at this step.
    """

    layer: str
    maps: dict[str, np.ndarray]
    similarity: dict[str, float]
    prediction: int


def sanity_check(
    model: nn.Module,
    x: object,
    target: int,
    methods: Sequence[str] = ("gradient", "guided", "smoothgrad", "gradcam"),
    *,
    seed: int = 0,
    samples: int = 25,
) -> Iterator[SanityStep]:
    """Adebayo et al.'s model-randomisation test: the saliency maps of the original network, then
    after each step of :func:`cascade`, each with its rank correlation with the original's.

    A method whose maps stay similar while the network becomes random explains the picture, not
    the network. ``model`` is never changed.
    """
    for method in methods:
        check_choice(method, "methods", SALIENCY_METHODS)
    net = _network(model)
    t = _input(x, net.input_shape)
    k = _target(model, target)

    def step(layer: str, m: nn.Module, first: dict[str, np.ndarray] | None) -> SanityStep:
        maps = {meth: saliency(m, t, k, method=meth, samples=samples, seed=seed) for meth in methods}
        sim = {meth: 1.0 if first is None else rank_correlation(first[meth], maps[meth]) for meth in methods}
        return SanityStep(layer, maps, sim, int(_probabilities(m, t)[0].argmax()))

    original = step("", model, None)
    yield original
    for layer, m in cascade(model, seed):
        yield step(layer, m, original.maps)

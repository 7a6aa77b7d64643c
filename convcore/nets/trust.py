"""Can you trust this heat map? Occlusion, saliency, adversarial examples and randomised networks
(issue 16), for every network of :mod:`convcore.nets`.

- :func:`occlusion`: slide a patch over the input and measure the drop of the class's probability
  (Zeiler and Fergus, 2014), in batched forward passes.
- :func:`saliency`: the vanilla gradient (Simonyan et al., 2014), guided backpropagation
  (Springenberg et al., 2015), SmoothGrad (Smilkov et al., 2017) and Grad-CAM (Selvaraju et al.,
  2017).
- :func:`fgsm`: the fast gradient sign method (Goodfellow et al., 2015), clipped to the valid range.
- :func:`randomize`: a copy of the model with its layers re-initialised from the top down to a
  layer (the cascading randomisation of Adebayo et al., 2018).

The shared model is only read: the forward passes are the functional ones of
:mod:`convcore.nets.explain` (weights passed in, nothing registered on the model), gradients are
asked of autograd for the input only, and guided backpropagation changes the ReLU's backward pass
through its own autograd function, not through hooks on the model.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .._checks import as_int, check_choice
from ..networks import network_layers
from .explain import _apply, _input, _module, _network

__all__ = ["SALIENCY_METHODS", "fgsm", "occlusion", "randomize", "saliency"]

#: The saliency methods of :func:`saliency`.
SALIENCY_METHODS = frozenset({"gradient", "guided", "smoothgrad", "gradcam"})


def _target(model: object, target: object) -> int:
    classes = network_layers(_network(model))[-1].shape[0]
    t = as_int(target, "target", minimum=0)
    if t >= classes:
        raise ValueError(f"target must be from 0 to {classes - 1}, got {t}")
    return t


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
        What the patch holds: a number (in the input's own units), or each channel's mean.
    batch : int
        Occluded copies per forward pass.

    Returns
    -------
    ndarray of float64, shape ((H - window) // stride + 1, (W - window) // stride + 1)
        ``p(target | x) - p(target | x with the patch at that place)``: positive where hiding the
        part lowers the probability.
    """
    net = _network(model)
    t = _input(x, net.input_shape)
    k = _target(model, target)
    _, c, h, w = t.shape
    window = as_int(window, "window", minimum=1)
    stride = as_int(stride, "stride", minimum=1)
    if window > min(h, w):
        raise ValueError(f"window must be at most the input's side ({min(h, w)}), got {window}")
    if isinstance(fill, str):
        check_choice(fill, "fill", frozenset({"mean"}))
        values = t[0].mean(dim=(1, 2)).view(c, 1, 1)
    elif isinstance(fill, (int, float)) and not isinstance(fill, bool) and math.isfinite(fill):
        values = torch.full((c, 1, 1), float(fill))
    else:
        raise TypeError(f"fill must be a finite number or 'mean', got {fill!r}")
    batch = as_int(batch, "batch", minimum=1)
    rows, cols = (h - window) // stride + 1, (w - window) // stride + 1
    places = [(i * stride, j * stride) for i in range(rows) for j in range(cols)]
    base = float(_probabilities(model, t)[0, k])
    drops = []
    for start in range(0, len(places), batch):
        chunk = places[start : start + batch]
        copies = t.repeat(len(chunk), 1, 1, 1)
        for n, (top, left) in enumerate(chunk):
            copies[n, :, top : top + window, left : left + window] = values
        drops.append(base - _probabilities(model, copies)[:, k].double())
    return torch.cat(drops).numpy().reshape(rows, cols)


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


def _logits(model: object, t: torch.Tensor, *, guided: bool = False, keep: str | None = None):
    """The logits (N, classes) with autograd on; with ``keep``, also that layer's output."""
    kept = None
    rows = network_layers(_network(model))
    for row in rows:
        if row.kind == "softmax":
            break
        t = _GuidedReLU.apply(t) if guided and row.kind == "relu" else _apply(model, row, t)
        if row.name == keep:  # the gradient is asked of this layer's output: the graph starts here
            t = kept = t.detach().requires_grad_(True)
    return t, kept


def _gradient(model: object, t: torch.Tensor, k: int, *, guided: bool = False) -> torch.Tensor:
    with torch.enable_grad():
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
        return _grad_cam(model, t, k)
    return grad[0].abs().amax(dim=0).double().numpy()


def _grad_cam(model: object, t: torch.Tensor, k: int) -> np.ndarray:
    rows = network_layers(_network(model))
    last = [row.name for row in rows if row.kind == "relu" and row.is_map][-1]
    with torch.enable_grad():
        logits, maps = _logits(model, t.detach(), keep=last)
        (grad,) = torch.autograd.grad(logits[0, k], maps)
    cam = torch.relu((grad.mean(dim=(2, 3), keepdim=True) * maps.detach()).sum(dim=1, keepdim=True))
    cam = F.interpolate(cam, size=t.shape[2:], mode="bilinear", align_corners=False)[0, 0].double()
    top = float(cam.max())
    return (cam / top if top > 0 else cam).numpy()


def fgsm(
    model: object,
    x: object,
    target: int,
    eps: float,
    *,
    targeted: bool = False,
    bounds: tuple[float, float] | tuple[torch.Tensor, torch.Tensor] = (0.0, 1.0),
) -> torch.Tensor:
    """The fast gradient sign method: ``x`` moved by ``eps`` along the sign of the loss's gradient.

    Untargeted (default): away from ``target`` (the class it has), ``x + eps * sign(grad)`` of the
    cross-entropy for ``target``. Targeted: towards ``target``, ``x - eps * sign(grad)``. The result
    is clipped to ``bounds`` (the input's valid range: 0..1 for the digit CNN and Tiny VGG; for
    AlexNet's normalised input, per-channel tensors of shape (3, 1, 1)).

    Returns
    -------
    tensor of the input's shape (without a batch axis)
    """
    net = _network(model)
    t = _input(x, net.input_shape)
    k = _target(model, target)
    if not (isinstance(eps, (int, float)) and not isinstance(eps, bool) and 0 <= eps <= 10):
        raise ValueError(f"eps must be a number from 0 to 10, got {eps!r}")
    if not isinstance(targeted, bool):
        raise TypeError(f"targeted must be True or False, got {targeted!r}")
    lo, hi = (torch.as_tensor(b, dtype=torch.float32) for b in bounds)
    with torch.enable_grad():
        v = t.detach().clone().requires_grad_(True)
        logits, _ = _logits(model, v)
        loss = F.cross_entropy(logits, torch.tensor([k]))
        (grad,) = torch.autograd.grad(loss, v)
    step = -float(eps) if targeted else float(eps)
    return torch.maximum(torch.minimum(t + step * grad.sign(), hi), lo)[0].detach()


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
            m = _module(copy_, name)
            nn.init.kaiming_uniform_(m.weight, a=math.sqrt(5), generator=g)
            if m.bias is not None:
                fan_in = m.weight[0].numel()
                nn.init.uniform_(m.bias, -1 / math.sqrt(fan_in), 1 / math.sqrt(fan_in), generator=g)
    return copy_

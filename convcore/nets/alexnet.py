"""AlexNet in plain PyTorch, built from :data:`convcore.layers.ALEXNET`, with torchvision's
preprocessing and labels.

torchvision cannot be imported beside the CPU torch this project pins, so the model is built
here from the layer list, with torchvision's state_dict keys (``features.0`` ...
``classifier.6``): its weights file loads with ``strict=True`` (see :mod:`convcore.nets.weights`
for finding, downloading and checking that file). An untrained model (random initialisation,
fixed seed) is always available.

Nothing here mutates a model after loading: feature extraction runs the layers one by one,
Grad-CAM asks autograd for one gradient with ``torch.autograd.grad``. A loaded model can be
shared by every session of a server.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..geometry import receptive_fields
from ..layers import ALEXNET, ALEXNET_FEATURES, Layer, layer_stack
from ..networks import IMAGENET_MEAN, IMAGENET_STD, NETWORKS, Network, network_picture
from ..samples import ASSETS_DIR
from ._init import empty, seeded

__all__ = [
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "INPUT_SIZE",
    "LAYERS",
    "AlexNet",
    "LayerOutput",
    "Prediction",
    "WeightsError",
    "alexnet",
    "categories",
    "check_state_dict",
    "crop_shown",
    "grad_cam",
    "layer_outputs",
    "predict",
    "preprocess",
    "receptive_field",
    "untrained_alexnet",
]

#: Height and width of the network's input.
INPUT_SIZE = 224
_MAX_ASPECT = 4
_DROPOUT = 0.5

#: The 13 layers of ``features``, in order: ``LAYERS[i]`` is ``model.features[i]``.
LAYERS: tuple[Layer, ...] = ALEXNET_FEATURES
_FIELDS = {layer.name: field for layer, field in zip(LAYERS, receptive_fields(LAYERS))}


class WeightsError(ValueError):
    """Weights that cannot be used, with a message a teacher understands."""


def _features(layers: tuple[Layer, ...], in_channels: int) -> nn.Sequential:
    modules: list[nn.Module] = []
    for layer in layers:
        if layer.kind == "conv":
            modules.append(
                nn.Conv2d(
                    in_channels, layer.channels, layer.kernel, layer.stride, layer.padding, layer.dilation
                )
            )
            in_channels = layer.channels
        elif layer.kind == "relu":
            modules.append(nn.ReLU())  # not inplace: every layer's output can be kept
        else:
            modules.append(nn.MaxPool2d(layer.kernel, layer.stride, layer.padding, layer.dilation))
    return nn.Sequential(*modules)


def _classifier(dense: tuple[Layer, ...], inputs: int) -> nn.Sequential:
    """torchvision's head: dropout, linear, ReLU for each dense layer; the last only linear."""
    modules: list[nn.Module] = []
    for i, layer in enumerate(dense):
        last = i == len(dense) - 1
        if not last:
            modules.append(nn.Dropout(p=_DROPOUT))
        modules.append(nn.Linear(inputs, layer.channels))
        if not last:
            modules.append(nn.ReLU())
        inputs = layer.channels
    return nn.Sequential(*modules)


class AlexNet(nn.Module):
    """torchvision's AlexNet (the 'one weird trick' variant), built from
    :data:`convcore.layers.ALEXNET`, with non-inplace ReLUs so that every layer's output can be
    kept.

    Parameters
    ----------
    num_classes : int, optional
        Neurons of the last dense layer.
    """

    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        dense = tuple(layer for layer in ALEXNET if layer.kind == "dense")
        dense = (*dense[:-1], replace(dense[-1], channels=num_classes))
        last = layer_stack((INPUT_SIZE, INPUT_SIZE), 3, LAYERS)[-1]
        self.features = _features(LAYERS, 3)
        self.avgpool = nn.AdaptiveAvgPool2d(last.size)
        self.classifier = _classifier(dense, last.size[0] * last.size[1] * last.channels)

    @property
    def network(self) -> Network:
        """Its definition (:data:`convcore.networks.NETWORKS` ``["alexnet"]``; ImageNet's classes)."""
        return NETWORKS["alexnet"]

    def layer_module(self, name: str) -> nn.Conv2d | nn.Linear:
        """The conv or dense module of the layer called ``name`` (conv1 ... conv5, fc6, fc7, fc8)."""
        convs = {layer.name: module for layer, module in zip(LAYERS, self.features) if layer.kind == "conv"}
        dense = [layer.name for layer in ALEXNET if layer.kind == "dense"]
        linears = [module for module in self.classifier if isinstance(module, nn.Linear)]
        found = {**convs, **dict(zip(dense, linears))}
        if name not in found:
            raise ValueError(f"name must be one of {list(found)}, got {name!r}")
        return found[name]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class scores (N, num_classes) for images (N, 3, 224, 224)."""
        x = self.avgpool(self.features(x))
        return self.classifier(torch.flatten(x, 1))


def categories() -> list[str]:
    """The 1000 ImageNet class names in index order (assets/imagenet_classes.txt)."""
    names = (ASSETS_DIR / "imagenet_classes.txt").read_text(encoding="utf-8").splitlines()
    if len(names) != 1000:  # pragma: no cover - the file ships with the project
        raise WeightsError(f"assets/imagenet_classes.txt must list 1000 classes, found {len(names)}")
    return names


def _frozen_eval(model: AlexNet) -> AlexNet:
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model


def untrained_alexnet(seed: int = 0, *, keep_dense: bool = False) -> AlexNet:
    """AlexNet with PyTorch's default random initialisation, reproducible by ``seed``.

    Drawn from a private generator: torch's global random state is not touched, so sessions
    of a server creating models at the same time cannot disturb each other. The dense layers'
    weights (234 MB) are not kept but drawn again, bit for bit, at each use
    (:class:`convcore.nets._init.SeededLinear`): the model holds 10 MB, and a forward pass costs
    about 0.4 s more on 2 cores. ``keep_dense=True`` keeps them as ``nn.Linear`` weights, the same
    numbers (for a complete ``state_dict``).
    """
    return _frozen_eval(seeded(AlexNet, seed, keep_dense=keep_dense))


def alexnet(state_dict: dict[str, torch.Tensor] | None = None, *, seed: int = 0) -> AlexNet:
    """An AlexNet in eval mode with frozen parameters: trained from ``state_dict``, or untrained."""
    if state_dict is None:
        return untrained_alexnet(seed)
    model = empty(AlexNet)  # no random numbers drawn, no second copy of the weights
    check_state_dict(state_dict, model)
    model.load_state_dict(state_dict, strict=True, assign=True)
    return _frozen_eval(model)


def check_state_dict(state_dict: object, model: AlexNet | None = None) -> None:
    """Raise :class:`WeightsError` unless ``state_dict`` holds exactly AlexNet's weights.

    Every key of ``model`` (by default an empty AlexNet), with its shape, and finite numbers.
    """
    if model is None:
        model = empty(AlexNet)
    if not isinstance(state_dict, dict):
        raise WeightsError(f"The weights file holds a {type(state_dict).__name__}, not AlexNet's weights.")
    expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    missing = sorted(set(expected) - set(state_dict))
    extra = sorted(set(state_dict) - set(expected))
    if missing or extra:
        raise WeightsError(
            "These are not AlexNet's weights (torchvision layout): "
            + (f"missing {', '.join(missing[:4])}" if missing else "")
            + ("; " if missing and extra else "")
            + (f"unexpected {', '.join(extra[:4])}" if extra else "")
            + "."
        )
    for key, shape in expected.items():
        value = state_dict[key]
        if not isinstance(value, torch.Tensor) or tuple(value.shape) != shape:
            got = tuple(value.shape) if isinstance(value, torch.Tensor) else type(value).__name__
            raise WeightsError(f"The weights for {key} have shape {got}; AlexNet needs {shape}.")
        # A finite sum means finite numbers (one NaN or infinity makes it NaN or infinite), found
        # without a mask of every number (38 MB for fc6's); only a sum that overflowed is looked at
        # number by number.
        if not torch.isfinite(value.sum()) and not torch.isfinite(value).all():
            raise WeightsError(f"The weights for {key} contain NaN or infinite numbers: the file is damaged.")


# --------------------------------------------------------------------------------------------
# Using the model


def preprocess(image: np.ndarray) -> torch.Tensor:
    """torchvision's ImageNet preprocessing for AlexNet, on an (H, W, 3) uint8 image.

    Shorter side resized to 256 (bilinear, antialias, on float32, rounded back to uint8, as
    torchvision does for uint8 tensors; the longer side becomes int(256 * long / short)),
    centre crop 224 (top = round((h - 224) / 2)), scaled to [0, 1], normalised with the ImageNet
    mean and std. Images more than 4 times longer than wide are first cropped to 4:1 around their
    centre (which the crop keeps anyway), so memory stays bounded.

    Returns a (1, 3, 224, 224) float32 tensor.
    """
    img = np.asarray(image)
    if img.ndim != 3 or img.shape[2] != 3 or img.dtype != np.uint8:
        raise ValueError(f"image must be an (H, W, 3) uint8 array, got {img.shape} {img.dtype}")
    h, w = img.shape[:2]
    if max(h, w) > _MAX_ASPECT * min(h, w):
        # Only the centre survives the crop anyway; without this a 2 x 1024 strip would be resized
        # to 256 x 131072 (400 MB). Within 4:1 the result is exactly torchvision's.
        keep = _MAX_ASPECT * min(h, w)
        if h > w:
            img = img[(h - keep) // 2 : (h - keep) // 2 + keep]
        else:
            img = img[:, (w - keep) // 2 : (w - keep) // 2 + keep]
        h, w = img.shape[:2]
    x = torch.tensor(img).permute(2, 0, 1)[None].float()  # a copy: the image may be read-only
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = 256, int(256 * long / short)
    size = (new_long, new_short) if w <= h else (new_short, new_long)
    if size != (h, w):
        x = F.interpolate(x, size=size, mode="bilinear", align_corners=False, antialias=True)
        x = torch.round(x).clamp(0, 255)  # back to uint8 values, as torchvision's uint8 path
    h, w = size
    top, left = int(round((h - 224) / 2.0)), int(round((w - 224) / 2.0))
    x = x[:, :, top : top + 224, left : left + 224] / 255.0
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    return ((x - mean) / std).contiguous()


def crop_shown(image: np.ndarray) -> np.ndarray:
    """The 224 x 224 part of the image the network sees, as uint8 RGB (undoing normalisation)."""
    return network_picture(NETWORKS["alexnet"], preprocess(image)[0].numpy())


@dataclass(frozen=True, eq=False)
class LayerOutput:
    """One layer's output for one image.

    Attributes
    ----------
    layer : Layer
        The layer (one of :data:`LAYERS`), with its name.
    values : ndarray of float32, shape (C, H, W)
    """

    layer: Layer
    values: np.ndarray


@torch.inference_mode()
def layer_outputs(model: AlexNet, x: torch.Tensor) -> list[LayerOutput]:
    """The output of every layer of ``model.features`` for the input ``x`` (1, 3, 224, 224)."""
    outputs = []
    for info, module in zip(LAYERS, model.features):
        x = module(x)
        outputs.append(LayerOutput(info, x[0].numpy().copy()))
    return outputs


@dataclass(frozen=True)
class Prediction:
    """A class and its softmax probability."""

    index: int
    name: str
    probability: float


@torch.inference_mode()
def predict(
    model: AlexNet, x: torch.Tensor, k: int = 5, *, features: torch.Tensor | None = None
) -> list[Prediction]:
    """The ``k`` most probable ImageNet classes.

    ``features``: ``model.features(x)`` (pool5, (1, 256, 6, 6)) when it is already computed, for
    example the last of :func:`layer_outputs`: the same numbers without running the conv layers again
    (they are about 90 % of AlexNet's work)."""
    if features is None:
        scores = model(x)
    else:
        if tuple(features.shape) != (1, 256, 6, 6):
            raise ValueError(
                f"features must be pool5's output of shape (1, 256, 6, 6), got {tuple(features.shape)}"
            )
        scores = model.classifier(torch.flatten(model.avgpool(features), 1))
    probs = torch.softmax(scores[0], dim=0)
    top = torch.topk(probs, k)
    names = categories()
    return [Prediction(int(i), names[int(i)], float(p)) for p, i in zip(top.values, top.indices)]


def grad_cam(
    model: AlexNet, x: torch.Tensor, class_index: int, *, relu5: np.ndarray | None = None
) -> np.ndarray:
    """Grad-CAM heat map for ``class_index`` on the last conv layer (relu5), 0..1, (224, 224):
    :func:`convcore.nets.trust.saliency` with ``method="gradcam"`` (the one Grad-CAM of the app).

    ``relu5``: that layer's output for ``x``, (256, 13, 13), when it is already computed (for example
    by :func:`layer_outputs`): the same map without running the conv layers again; only the layers
    after relu5 run, forwards and back.

    The gradient is taken with ``torch.autograd.grad`` with respect to the activation only: no
    ``.grad`` is written into the (shared) model's parameters.
    """
    from .trust import saliency  # (trust imports this module's neighbours: imported on first use)

    if not 0 <= int(class_index) < 1000:
        raise ValueError(f"class_index must be from 0 to 999, got {class_index}")
    if relu5 is not None and (not isinstance(relu5, np.ndarray) or relu5.shape != (256, 13, 13)):
        raise ValueError(
            f"relu5 must be relu5's output, an array of shape (256, 13, 13), got {getattr(relu5, 'shape', relu5)!r}"
        )
    return saliency(model, x, int(class_index), method="gradcam", maps=relu5).astype(np.float32)


def receptive_field(layer: str, row: int = 0, col: int = 0) -> tuple[int, tuple[int, int, int, int]]:
    """Size of the receptive field of a unit of ``layer``, and its box in the 224 x 224 input.

    Returns ``(size, (top, left, bottom, right))`` with bottom/right exclusive and the box
    clipped to the image (see :func:`convcore.geometry.receptive_fields` and
    :meth:`convcore.geometry.ReceptiveField.box`).

    >>> receptive_field("conv2")
    (51, (0, 0, 33, 33))
    """
    if layer not in _FIELDS:
        raise ValueError(f"layer must be one of {list(_FIELDS)}, got {layer!r}")
    field = _FIELDS[layer]
    return field.size, field.box(row, col, INPUT_SIZE)

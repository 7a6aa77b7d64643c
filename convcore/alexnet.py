"""AlexNet in plain PyTorch, with torchvision's ImageNet weights, preprocessing and labels.

torchvision cannot be imported beside the CPU torch this project pins, so the architecture is
written out here with torchvision's state_dict keys (``features.0`` ... ``classifier.6``): its
weights file loads with ``strict=True``.

Weights come from, in this order: a file named by the environment variable
``CONVCORE_ALEXNET_WEIGHTS``; the torch hub cache (``make weights`` fills it); a download of
the official file (:func:`download_weights`, with progress, or ``torch.hub``). Every path checks
the file: its SHA-256 prefix, ``weights_only=True`` loading, and exact keys and shapes.
Failures raise :class:`WeightsError` with a plain sentence and leave no broken file behind.
An untrained model (random initialisation, fixed seed) is always available.

Nothing here mutates a model after loading: feature extraction runs the layers one by one,
Grad-CAM asks autograd for one gradient with ``torch.autograd.grad``. A loaded model can be
shared by every session of a server.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ._torchinit import empty, seeded
from .samples import ASSETS_DIR

__all__ = [
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "LAYERS",
    "WEIGHTS_ENV",
    "WEIGHTS_URL",
    "AlexNet",
    "LayerInfo",
    "LayerOutput",
    "Prediction",
    "WeightsError",
    "alexnet",
    "categories",
    "download_weights",
    "find_weights",
    "grad_cam",
    "layer_outputs",
    "load_weights",
    "predict",
    "preprocess",
    "receptive_field",
    "untrained_alexnet",
]

WEIGHTS_URL = "https://download.pytorch.org/models/alexnet-owt-7be5be79.pth"
WEIGHTS_ENV = "CONVCORE_ALEXNET_WEIGHTS"
WEIGHTS_BYTES = 244_408_911  # the official file, for the progress bar before the server says
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
_MAX_ASPECT = 4
_HASH_IN_NAME = re.compile(r"-([a-f0-9]{8,})\.")


class WeightsError(ValueError):
    """Weights that cannot be used, with a message a teacher understands."""


class AlexNet(nn.Module):
    """torchvision's AlexNet (the 'one weird trick' variant), with non-inplace ReLUs so that
    every layer's output can be kept."""

    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(64, 192, kernel_size=5, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(192, 384, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.Conv2d(384, 256, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.Conv2d(256, 256, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2),
        )
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(p=0.5),
            nn.Linear(256 * 6 * 6, 4096),
            nn.ReLU(),
            nn.Dropout(p=0.5),
            nn.Linear(4096, 4096),
            nn.ReLU(),
            nn.Linear(4096, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.avgpool(self.features(x))
        return self.classifier(torch.flatten(x, 1))


@dataclass(frozen=True)
class LayerInfo:
    """One layer of ``features``: its name, kind and geometry (kernel/stride/padding)."""

    name: str
    index: int  # position in model.features
    kind: str  # "conv", "relu" or "pool"
    kernel: int
    stride: int
    padding: int


#: The 13 layers of ``features``, in order (ReLUs have kernel 1, stride 1).
LAYERS: tuple[LayerInfo, ...] = (
    LayerInfo("conv1", 0, "conv", 11, 4, 2),
    LayerInfo("relu1", 1, "relu", 1, 1, 0),
    LayerInfo("pool1", 2, "pool", 3, 2, 0),
    LayerInfo("conv2", 3, "conv", 5, 1, 2),
    LayerInfo("relu2", 4, "relu", 1, 1, 0),
    LayerInfo("pool2", 5, "pool", 3, 2, 0),
    LayerInfo("conv3", 6, "conv", 3, 1, 1),
    LayerInfo("relu3", 7, "relu", 1, 1, 0),
    LayerInfo("conv4", 8, "conv", 3, 1, 1),
    LayerInfo("relu4", 9, "relu", 1, 1, 0),
    LayerInfo("conv5", 10, "conv", 3, 1, 1),
    LayerInfo("relu5", 11, "relu", 1, 1, 0),
    LayerInfo("pool5", 12, "pool", 3, 2, 0),
)
_BY_NAME = {layer.name: layer for layer in LAYERS}


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


def untrained_alexnet(seed: int = 0) -> AlexNet:
    """AlexNet with PyTorch's default random initialisation, reproducible by ``seed``.

    Drawn from a private generator: torch's global random state is not touched, so sessions
    of a server creating models at the same time cannot disturb each other.
    """
    return _frozen_eval(seeded(AlexNet, seed))


def alexnet(state_dict: dict[str, torch.Tensor] | None = None, *, seed: int = 0) -> AlexNet:
    """An AlexNet in eval mode with frozen parameters: trained from ``state_dict``, or untrained."""
    if state_dict is None:
        return untrained_alexnet(seed)
    model = empty(AlexNet)  # no random numbers drawn, no second copy of the weights
    _check_state_dict(state_dict, model)
    model.load_state_dict(state_dict, strict=True, assign=True)
    return _frozen_eval(model)


def _check_state_dict(state_dict: object, model: AlexNet) -> None:
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
        if not torch.isfinite(value).all():
            raise WeightsError(f"The weights for {key} contain NaN or infinite numbers: the file is damaged.")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _check_hash(path: Path, name: str | None = None) -> None:
    """Files named like ``alexnet-owt-7be5be79.pth`` must have a SHA-256 starting with that hex."""
    match = _HASH_IN_NAME.search(name or path.name)
    if match and not _sha256(path).startswith(match.group(1)):
        raise WeightsError(
            f"{path.name} is not the file it claims to be: its checksum does not match the "
            f"'{match.group(1)}' in its name (a damaged or incomplete download?)."
        )


def load_weights(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """Read a weights file safely (``weights_only=True``), checking the hash in its name."""
    p = Path(path)
    if not p.is_file():
        raise WeightsError(f"There is no weights file at {p}.")
    _check_hash(p)
    try:
        # mmap: the 233 MB are read from the page cache as used, not copied into the process
        # (and replicas on one machine share them)
        state = torch.load(p, map_location="cpu", weights_only=True, mmap=True)
    except Exception as exc:  # torch.load raises many types on damaged or hostile files
        raise WeightsError(
            f"{p.name} cannot be read as PyTorch weights ({type(exc).__name__}): the file is damaged."
        ) from None
    _check_state_dict(state, empty(AlexNet))
    return state


def _hub_dir(model_dir: str | os.PathLike | None) -> Path:
    return Path(model_dir) if model_dir is not None else Path(torch.hub.get_dir()) / "checkpoints"


def find_weights(*, url: str | None = None, model_dir: str | os.PathLike | None = None) -> Path | None:
    """Where usable weights would be read from (env variable, else the hub cache), or None."""
    env = os.environ.get(WEIGHTS_ENV)
    if env:
        return Path(env)
    cached = _hub_dir(model_dir) / os.path.basename(url or WEIGHTS_URL)
    return cached if cached.is_file() else None


def load_pretrained(*, url: str | None = None, model_dir: str | os.PathLike | None = None) -> AlexNet:
    """The pretrained model from the env-variable file or the hub cache (never downloads).

    Raises WeightsError when there is none or it is unusable; a damaged cached file is removed.
    """
    path = find_weights(url=url, model_dir=model_dir)
    if path is None:
        raise WeightsError(
            "The pretrained weights (233 MB) are not on this computer. Download them, run `make weights`, "
            f"or set {WEIGHTS_ENV} to the path of alexnet-owt-7be5be79.pth."
        )
    try:
        state = load_weights(path)
    except WeightsError:
        if not os.environ.get(WEIGHTS_ENV):  # never delete a file the user pointed to
            path.unlink(missing_ok=True)
        raise
    return alexnet(state)


def download_weights(
    *,
    url: str | None = None,
    model_dir: str | os.PathLike | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    timeout: float = 30.0,
) -> Path:
    """Download the weights file into the torch hub cache, with progress, and check it.

    The file is written to a temporary name and moved into place only once complete and
    matching the hash in its name, so an interrupted or wrong download leaves nothing behind.
    ``on_progress(done_bytes, total_bytes)`` is called as data arrives. Works for http(s)
    and file:// URLs. ``url`` defaults to :data:`WEIGHTS_URL`.
    """
    url = url or WEIGHTS_URL  # read at call time (tests point it at a local file)
    target_dir = _hub_dir(model_dir)
    target_dir.mkdir(parents=True, exist_ok=True)
    name = os.path.basename(url)
    target = target_dir / name
    fd, tmp_name = tempfile.mkstemp(prefix=name + ".", suffix=".partial", dir=target_dir)
    tmp = Path(tmp_name)
    try:
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response, os.fdopen(fd, "wb") as out:
                total = int(response.headers.get("Content-Length") or 0) or WEIGHTS_BYTES
                done = 0
                while block := response.read(1 << 20):
                    out.write(block)
                    done += len(block)
                    if on_progress:
                        on_progress(done, total)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise WeightsError(
                f"The download failed ({reason}). Without internet, copy alexnet-owt-7be5be79.pth to this "
                f"computer and set {WEIGHTS_ENV} to its path, or run `make weights` where there is internet."
            ) from None
        if response.headers.get("Content-Length") and done != int(response.headers["Content-Length"]):
            raise WeightsError(f"The download stopped early ({done} of {total} bytes). Please try again.")
        _check_hash(tmp, name)
        os.replace(tmp, target)
        return target
    finally:
        tmp.unlink(missing_ok=True)


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
    x = preprocess(image)[0]
    mean = torch.tensor(IMAGENET_MEAN).view(3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(3, 1, 1)
    return (x * std + mean).mul(255).round().clamp(0, 255).byte().permute(1, 2, 0).numpy()


@dataclass(frozen=True, eq=False)
class LayerOutput:
    """One layer's output for one image: (C, H, W) float32."""

    layer: LayerInfo
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
def predict(model: AlexNet, x: torch.Tensor, k: int = 5) -> list[Prediction]:
    """The ``k`` most probable ImageNet classes."""
    probs = torch.softmax(model(x)[0], dim=0)
    top = torch.topk(probs, k)
    names = categories()
    return [Prediction(int(i), names[int(i)], float(p)) for p, i in zip(top.values, top.indices)]


def grad_cam(model: AlexNet, x: torch.Tensor, class_index: int) -> np.ndarray:
    """Grad-CAM heat map for ``class_index`` on the last conv layer (relu5), 0..1, (224, 224).

    The gradient is taken with ``torch.autograd.grad`` with respect to the activation only: no
    ``.grad`` is written into the (shared) model's parameters.
    """
    if not 0 <= int(class_index) < 1000:
        raise ValueError(f"class_index must be from 0 to 999, got {class_index}")
    with torch.enable_grad():
        a = x
        for module in model.features[:12]:  # up to and including relu5
            a = module(a)
        a = a.detach().requires_grad_(True)
        logits = model.classifier(torch.flatten(model.avgpool(model.features[12](a)), 1))
        (grad,) = torch.autograd.grad(logits[0, int(class_index)], a)
    weights = grad.mean(dim=(2, 3), keepdim=True)
    cam = torch.relu((weights * a.detach()).sum(dim=1, keepdim=True))
    cam = F.interpolate(cam, size=(224, 224), mode="bilinear", align_corners=False)[0, 0]
    top = float(cam.max())
    return (cam / top).numpy() if top > 0 else cam.numpy()


def receptive_field(layer: str, row: int = 0, col: int = 0) -> tuple[int, tuple[int, int, int, int]]:
    """Size of the receptive field of a unit of ``layer``, and its box in the 224 x 224 input.

    Returns ``(size, (top, left, bottom, right))`` with bottom/right exclusive and the box
    clipped to the image. From the usual recurrence: size += (k - 1) * jump; jump *= stride;
    start += ((k - 1) / 2 - padding) * jump.
    """
    if layer not in _BY_NAME:
        raise ValueError(f"layer must be one of {[info.name for info in LAYERS]}, got {layer!r}")
    size, jump, start = 1, 1, 0.5  # centre of input pixel 0 is at 0.5
    for info in LAYERS[: _BY_NAME[layer].index + 1]:
        start += ((info.kernel - 1) / 2 - info.padding) * jump
        size += (info.kernel - 1) * jump
        jump *= info.stride
    centre_r, centre_c = start + row * jump, start + col * jump
    half = size / 2
    box = (
        max(0, int(round(centre_r - half))),
        max(0, int(round(centre_c - half))),
        min(224, int(round(centre_r + half))),
        min(224, int(round(centre_c + half))),
    )
    return size, box


def _main() -> int:
    """``python -m convcore.alexnet``: download the pretrained weights into the torch hub cache."""
    import sys

    if find_weights() is not None:
        print(f"AlexNet weights already here: {find_weights()}")
        return 0
    try:
        path = download_weights(
            on_progress=lambda done, total: print(f"\r{done >> 20} of {total >> 20} MB", end="", flush=True)
        )
    except WeightsError as exc:
        print(f"\n{exc}", file=sys.stderr)
        return 1
    print(f"\nSaved {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())

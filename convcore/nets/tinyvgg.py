"""CNN Explainer's Tiny VGG for 64 x 64 RGB images, its training loop, and the model that ships.

conv 3 x 3 (10) - ReLU - conv 3 x 3 (10) - ReLU - max pool 2 - conv 3 x 3 (10) - ReLU - conv 3 x 3
(10) - ReLU - max pool 2 - dense 10 (softmax), no padding (Wang et al., 2020). The layers come from
:func:`convcore.layers.tiny_vgg`; the ten classes are the generated shapes and textures of
:mod:`convcore.nets.shapes` (:data:`convcore.networks.TINY_VGG_CLASSES`).

``python -m convcore.nets.tinyvgg`` (``make train-tinyvgg``) trains the default model
deterministically (one thread: the same file every time) and writes ``assets/tiny_vgg_shapes.pt``
with its accuracy on a held-out generated set.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..layers import Layer, tiny_vgg
from ..networks import NETWORKS, Network
from ..samples import ASSETS_DIR
from ._init import add_layers, empty, materialise
from .optim import Adam
from .shapes import HELD_OUT_SEED, SIZE, make_shapes

__all__ = [
    "DEFAULT_CONFIG",
    "DEFAULT_MODEL_PATH",
    "HELD_OUT_SEED",
    "HELD_OUT_SIZE",
    "TinyVGG",
    "TinyVGGConfig",
    "TrainProgress",
    "TrainResult",
    "confusion",
    "cosine_factor",
    "evaluate",
    "load_model",
    "new_model",
    "predict_probabilities",
    "save_model",
    "train",
]

DEFAULT_MODEL_PATH = ASSETS_DIR / "tiny_vgg_shapes.pt"
#: How many held-out images (seed :data:`HELD_OUT_SEED`) the shipped accuracy is measured on.
HELD_OUT_SIZE = 2000
_CHANNELS = 3
_MAX_SEED = 1_000_000
_SHIP_ACCURACY = 0.9  # `make train-tinyvgg` writes no model below this


@dataclass(frozen=True)
class TinyVGGConfig:
    """Training choices (the architecture is fixed: :func:`convcore.layers.tiny_vgg`).

    ``train_size`` new images every epoch (see :func:`train`); ``seed`` sets the images and the
    order of the batches (the model's initial weights come from :func:`new_model`'s seed).
    The defaults are the shipped model's: about a minute on one CPU core, 99.15 % held-out.
    """

    learning_rate: float = 0.002
    epochs: int = 6
    batch_size: int = 32
    train_size: int = 14_000
    seed: int = 0

    def __post_init__(self) -> None:
        if not (isinstance(self.learning_rate, (int, float)) and 0 < self.learning_rate <= 1):
            raise ValueError(f"learning_rate must be a number in (0, 1], got {self.learning_rate!r}")
        if not (isinstance(self.epochs, int) and 1 <= self.epochs <= 100):
            raise ValueError(f"epochs must be an int from 1 to 100, got {self.epochs!r}")
        if not (isinstance(self.batch_size, int) and 1 <= self.batch_size <= 4096):
            raise ValueError(f"batch_size must be an int from 1 to 4096, got {self.batch_size!r}")
        if not (isinstance(self.train_size, int) and 10 <= self.train_size <= 200_000):
            raise ValueError(f"train_size must be an int from 10 to 200000, got {self.train_size!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed <= _MAX_SEED:
            raise ValueError(f"seed must be an int from 0 to {_MAX_SEED}, got {self.seed!r}")


DEFAULT_CONFIG = TinyVGGConfig()


class TinyVGG(nn.Module):
    """The network of :func:`convcore.layers.tiny_vgg`: 3 x 64 x 64 RGB in (0..1), 10 class scores out.

    Its conv and dense layers are the attributes ``conv_1_1``, ``conv_1_2``, ``conv_2_1``,
    ``conv_2_2`` and ``output`` (the names of the saved weights). The input is plain RGB in 0..1,
    with no normalisation.
    """

    def __init__(self) -> None:
        super().__init__()
        self.layers: tuple[Layer, ...] = tiny_vgg()
        size, channels = (SIZE, SIZE), _CHANNELS
        add_layers(self, self.layers, size, channels)

    @property
    def network(self) -> Network:
        """Its definition: ``convcore.networks.NETWORKS["tiny_vgg"]``."""
        return NETWORKS["tiny_vgg"]

    def steps(self, x: torch.Tensor) -> Iterator[tuple[Layer, torch.Tensor]]:
        """Each layer and its output, in order, for images ``x`` of shape (N, 3, 64, 64) in 0..1."""
        for layer in self.layers:
            if layer.kind == "conv":
                x = self.get_submodule(layer.name)(x)
            elif layer.kind == "relu":
                x = F.relu(x)
            elif layer.kind == "pool":
                x = F.max_pool2d(x, layer.kernel, layer.stride, layer.padding, layer.dilation)
            else:  # the one dense layer, the last: class scores (the softmax is left out)
                x = self.get_submodule(layer.name)(torch.flatten(x, 1))
            yield layer, x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class scores (logits) of shape (N, 10) for images (N, 3, 64, 64) in 0..1."""
        out = x
        for _, out in self.steps(x):  # noqa: B007 - the last output is the result
            pass
        return out


def new_model(seed: int = 0) -> TinyVGG:
    """A freshly initialised network (reproducible by ``seed``; the global RNG is untouched).

    The conv layers get He initialisation (``kaiming_normal_`` for ReLU, zero biases), the output
    layer PyTorch's default rule with a zero bias. PyTorch's default for the convs shrinks the
    signal's spread about 2.5 times at every conv and ReLU: through four of them the first ~50
    Adam steps sat at chance here, and some runs never left it (10 % correct, every unit of a
    layer dead); with He's rule the loss fell from the first steps in every run tried.
    """
    model = materialise(empty(TinyVGG))
    g = torch.Generator().manual_seed(int(seed))
    with torch.no_grad():
        for module in model.children():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, nonlinearity="relu", generator=g)
            else:  # the output layer, as nn.Linear.reset_parameters
                nn.init.kaiming_uniform_(module.weight, a=math.sqrt(5), generator=g)
            nn.init.zeros_(module.bias)
    return model


@torch.inference_mode()
def predict_probabilities(model: TinyVGG, image: np.ndarray | torch.Tensor) -> np.ndarray:
    """Softmax probabilities of the 10 classes for one image of shape (3, 64, 64), RGB in 0..1."""
    x = torch.as_tensor(np.asarray(image, dtype=np.float32))
    if tuple(x.shape) != (_CHANNELS, SIZE, SIZE):
        raise ValueError(f"image must have shape (3, 64, 64), got {tuple(x.shape)}")
    return torch.softmax(model(x[None])[0], dim=0).numpy()


@torch.inference_mode()
def evaluate(model: TinyVGG, images: torch.Tensor, labels: torch.Tensor) -> float:
    """Fraction of ``images`` (N, 3, 64, 64) classified correctly (puts ``model`` in eval mode)."""
    model.eval()
    correct = 0
    for start in range(0, len(images), 500):
        batch = images[start : start + 500].contiguous(memory_format=torch.channels_last)
        correct += int((model(batch).argmax(1) == labels[start : start + 500]).sum())
    return correct / len(images)


@torch.inference_mode()
def confusion(model: TinyVGG, images: torch.Tensor, labels: torch.Tensor) -> np.ndarray:
    """Counts (10, 10): row the true class, column the predicted one."""
    model.eval()
    out = np.zeros((10, 10), np.int64)
    for start in range(0, len(images), 500):
        batch = images[start : start + 500].contiguous(memory_format=torch.channels_last)
        pred = model(batch).argmax(1).numpy()
        np.add.at(out, (labels[start : start + 500].numpy(), pred), 1)
    return out


@dataclass(frozen=True)
class TrainProgress:
    """A snapshot sent to the callback at the end of each epoch."""

    epoch: int  # 1-based
    step: int  # batches done, over all epochs
    total_steps: int
    loss: float  # mean training loss over the epoch
    accuracy: float  # held-out accuracy
    seconds: float


@dataclass(frozen=True)
class TrainResult:
    """How a training run ended: held-out accuracy, batches done, seconds, one entry per epoch."""

    accuracy: float
    steps: int
    seconds: float
    history: tuple[TrainProgress, ...]


def _epoch_seed(seed: int, epoch: int) -> int:
    """The seed of the images of ``epoch`` (0-based, below 100): new images every epoch.

    Never :data:`HELD_OUT_SEED` (54321): its last three digits are not below 100.
    """
    return seed * 1000 + epoch


def cosine_factor(step: int, total: int) -> float:
    """The learning rate's factor at ``step`` of ``total``: along a cosine from 1 to 0.02."""
    return 0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * step / total))


def train(
    model: TinyVGG,
    config: TinyVGGConfig = DEFAULT_CONFIG,
    *,
    data: tuple[torch.Tensor, torch.Tensor] | None = None,
    held_out: tuple[torch.Tensor, torch.Tensor] | None = None,
    callback: Callable[[TrainProgress], None] | None = None,
) -> TrainResult:
    """Train ``model`` in place with Adam on generated shapes (deterministic); leaves it in eval mode.

    Without ``data``, every epoch draws ``config.train_size`` new images (generating them costs
    far less than training on them, and new images do not let the network learn them by heart);
    with ``data`` (images, labels), every epoch goes through those. ``held_out`` defaults to
    :data:`HELD_OUT_SIZE` images of seed :data:`HELD_OUT_SEED`. The learning rate falls along a
    cosine from ``config.learning_rate`` to 2 % of it. The batches' order comes from a private
    generator: the same model, config and data give the same weights (with the same number of
    torch threads). Calls ``callback`` at the end of each epoch.
    """
    if data is not None and (len(data) != 2 or len(data[0]) != len(data[1]) or len(data[0]) == 0):
        raise ValueError("data must be (images, labels) with as many labels as images, at least one")
    test_x, test_y = held_out if held_out is not None else make_shapes(HELD_OUT_SIZE, seed=HELD_OUT_SEED)
    size = len(data[0]) if data is not None else config.train_size
    steps_per_epoch = math.ceil(size / config.batch_size)
    total = steps_per_epoch * config.epochs
    # channels-last runs these small convolutions about twice as fast on a CPU; undone at the end
    model.to(memory_format=torch.channels_last)
    optimiser = Adam(model.parameters(), lr=config.learning_rate)
    group = optimiser.param_groups[0]
    g = torch.Generator().manual_seed(config.seed)
    history: list[TrainProgress] = []
    t0 = time.perf_counter()
    step = 0
    accuracy = 0.0
    try:
        for epoch in range(config.epochs):
            images, labels = (
                data if data is not None else make_shapes(size, seed=_epoch_seed(config.seed, epoch))
            )
            order = torch.randperm(size, generator=g)
            model.train()
            running = 0.0
            for b in range(steps_per_epoch):
                idx = order[b * config.batch_size : (b + 1) * config.batch_size]
                x = images[idx].contiguous(memory_format=torch.channels_last)
                loss = F.cross_entropy(model(x), labels[idx])
                optimiser.zero_grad()
                loss.backward()
                group["lr"] = config.learning_rate * cosine_factor(step, total)  # torch's LambdaLR's numbers
                optimiser.step()
                running += float(loss.detach())
                step += 1
            accuracy = evaluate(model, test_x, test_y)
            progress = TrainProgress(
                epoch + 1, step, total, running / steps_per_epoch, accuracy, time.perf_counter() - t0
            )
            history.append(progress)
            if callback is not None:
                callback(progress)
    finally:
        model.to(memory_format=torch.contiguous_format)
        model.eval()
    return TrainResult(accuracy, step, time.perf_counter() - t0, tuple(history))


def save_model(model: TinyVGG, path: str | Path, config: TinyVGGConfig, accuracy: float) -> None:
    """Save the weights with the training choices and accuracy (loadable with weights_only=True)."""
    torch.save(
        {
            "state_dict": {k: v.contiguous() for k, v in model.state_dict().items()},
            "classes": list(NETWORKS["tiny_vgg"].classes),
            "accuracy": float(accuracy),
            "held_out_seed": HELD_OUT_SEED,
            "held_out_size": HELD_OUT_SIZE,
            "train_size": config.train_size,
            "epochs": config.epochs,
            "batch_size": config.batch_size,
            "learning_rate": config.learning_rate,
            "seed": config.seed,
        },
        path,
    )


_META_KEYS = (
    "classes", "accuracy", "held_out_seed", "held_out_size", "train_size", "epochs", "batch_size", "learning_rate",
    "seed",
)  # fmt: skip


def load_model(path: str | Path = DEFAULT_MODEL_PATH) -> tuple[TinyVGG, dict]:
    """A saved model (``weights_only=True``) in eval mode, frozen, and its metadata.

    The metadata: ``classes``, ``accuracy`` (held-out), ``held_out_seed``, ``held_out_size`` and
    the training choices ``train_size``, ``epochs``, ``batch_size``, ``learning_rate``, ``seed``.
    Raises ValueError with a sentence for a missing or unusable file.
    """
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
        meta = {k: saved[k] for k in _META_KEYS}
        if tuple(meta["classes"]) != NETWORKS["tiny_vgg"].classes:
            raise KeyError("classes")
        model = empty(TinyVGG)
        model.load_state_dict(saved["state_dict"], strict=True, assign=True)
    except FileNotFoundError:
        raise ValueError(f"There is no model file at {path}; run `make train-tinyvgg`.") from None
    except Exception as exc:  # torch.load and load_state_dict raise many types on bad files
        raise ValueError(
            f"{Path(path).name} is not a usable Tiny VGG model ({type(exc).__name__}); "
            "run `make train-tinyvgg` to make a new one."
        ) from None
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model, meta


def _main() -> int:
    """Train the default model (deterministic) and write assets/tiny_vgg_shapes.pt."""
    torch.set_num_threads(1)  # the same result on every machine, whatever its cores
    t0 = time.perf_counter()
    config = DEFAULT_CONFIG
    model = new_model(config.seed)
    held_out = make_shapes(HELD_OUT_SIZE, seed=HELD_OUT_SEED)
    result = train(
        model,
        config,
        held_out=held_out,
        callback=lambda p: print(
            f"epoch {p.epoch}/{config.epochs}: loss {p.loss:.3f}, held-out {p.accuracy:.2%} ({p.seconds:.0f} s)"
        ),
    )
    counts = confusion(model, *held_out)
    classes = NETWORKS["tiny_vgg"].classes
    for i, name in enumerate(classes):
        wrong = {classes[j]: int(counts[i, j]) for j in np.argsort(-counts[i]) if j != i and counts[i, j]}
        print(
            f"  {name:>18}: {counts[i, i] / counts[i].sum():.1%}"
            + (f"  mistaken for {wrong}" if wrong else "")
        )
    seconds = time.perf_counter() - t0
    if result.accuracy < _SHIP_ACCURACY:
        print(
            f"held-out accuracy {result.accuracy:.2%} is below {_SHIP_ACCURACY:.0%}: {DEFAULT_MODEL_PATH} not written"
        )
        return 1
    save_model(model, DEFAULT_MODEL_PATH, config, result.accuracy)
    print(
        f"wrote {DEFAULT_MODEL_PATH} (held-out accuracy {result.accuracy:.2%} on {HELD_OUT_SIZE} images, "
        f"{seconds:.0f} s in all)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())

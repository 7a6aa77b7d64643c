"""A LeNet-5-style CNN for 28 x 28 digits, its training loop, and the default model that ships.

conv (k x k, n filters, 'same' padding) - ReLU - max pool 2 - conv (k x k, 16) - ReLU - max pool 2
- dense 120 - ReLU - dense 84 - ReLU - dense 10 (softmax): the seeds' "typical architecture".

The layers come from :func:`convcore.layers.lenet5`. ``python -m convcore.nets.lenet``
(``make train-default``) trains the default model deterministically
and writes ``assets/lenet_digits.pt`` with its accuracy on a held-out generated set.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .._checks import check_choice
from ..layers import Layer, lenet5
from ..networks import Network, digit_network
from ..samples import ASSETS_DIR
from ._init import add_layers, empty, seeded
from .digits import SIZE, make_digits
from .optim import Adam

__all__ = [
    "DEFAULT_CONFIG",
    "DEFAULT_MODEL_PATH",
    "TRAIN_PAGE_CONFIG",
    "HELD_OUT_SEED",
    "TRAIN_STATUSES",
    "LeNet",
    "LeNetConfig",
    "TrainProgress",
    "HISTOGRAM_EDGES",
    "Snapshot",
    "TrainResult",
    "evaluate",
    "filter_structure",
    "snapshot",
    "layer_outputs",
    "load_model",
    "new_model",
    "predict_probabilities",
    "save_model",
    "train",
]

DEFAULT_MODEL_PATH = ASSETS_DIR / "lenet_digits.pt"
HELD_OUT_SEED = 12345  # the held-out set never overlaps a training seed used here
_VALID_KERNELS = (3, 5, 7)
#: A loss above this has exploded (cross-entropy over 10 classes starts near ln 10 = 2.3).
_EXPLODED_LOSS = 100.0
#: How a training run can end: finished, stopped by the user (resumable), the loss exploded, or
#: an unexpected error (set by the app's training thread).
TRAIN_STATUSES = frozenset({"done", "stopped", "diverged", "failed"})


@dataclass(frozen=True)
class LeNetConfig:
    """Architecture and training choices."""

    filters: int = 6
    kernel: int = 5
    learning_rate: float = 0.002
    epochs: int = 2
    batch_size: int = 64
    train_size: int = 12_000
    seed: int = 0
    #: Decoupled weight decay (AdamW's, Loshchilov & Hutter 2019) on the first layer's weights
    #: only: each step multiplies them by ``1 - learning_rate * decay``, so what the data does not
    #: keep fades away, the random start with it. 0 is plain Adam.
    decay: float = 0.0

    def __post_init__(self) -> None:
        if not (isinstance(self.filters, int) and 1 <= self.filters <= 32):
            raise ValueError(f"filters must be an int from 1 to 32, got {self.filters!r}")
        if self.kernel not in _VALID_KERNELS:
            raise ValueError(f"kernel must be one of {list(_VALID_KERNELS)}, got {self.kernel!r}")
        if not (isinstance(self.learning_rate, (int, float)) and 0 < self.learning_rate <= 100):
            raise ValueError(f"learning_rate must be a number in (0, 100], got {self.learning_rate!r}")
        if not (isinstance(self.epochs, int) and 1 <= self.epochs <= 50):
            raise ValueError(f"epochs must be an int from 1 to 50, got {self.epochs!r}")
        if not (isinstance(self.train_size, int) and 100 <= self.train_size <= 200_000):
            raise ValueError(f"train_size must be an int from 100 to 200000, got {self.train_size!r}")
        if not (
            isinstance(self.decay, (int, float)) and 0 <= self.decay <= 100 and math.isfinite(self.decay)
        ):
            raise ValueError(f"decay must be a number from 0 to 100, got {self.decay!r}")
        if self.learning_rate * self.decay >= 1:
            raise ValueError(
                f"learning_rate * decay must be below 1 (each step keeps 1 - their product of the weights), "
                f"got {self.learning_rate:g} * {self.decay:g}"
            )


#: The recipe of the shipped model (assets/lenet_digits.pt, ``make train-default``).
DEFAULT_CONFIG = LeNetConfig()
#: The Train page's starting point, chosen so that the first layer's filters visibly emerge from
#: noise (bench/bench_training.py measures it): 7 x 7 kernels have room for a stroke, and the decay
#: on layer 1 wipes out the random start. One epoch of 12,000 digits in batches of 32 (375 steps) is
#: about half the work of the shipped recipe's two epochs in batches of 64, so a class's different
#: runs fit a minute (issue 18): on one core about 1.8 s, about 97.6 % held-out on average (95.9 % to
#: 98.9 % over seeds 0 to 15); its filters' :func:`filter_structure` goes from about 0 to about 0.7
#: (the shipped recipe's stays near 0.45: its 5 x 5 filters keep their noise).
TRAIN_PAGE_CONFIG = LeNetConfig(kernel=7, learning_rate=0.003, decay=3.0, epochs=1, batch_size=32)


def filter_structure(filters: np.ndarray) -> float:
    """How far filters are from noise: the mean, over filters, of the correlation of each weight with
    its right and lower neighbours (about 0 for random weights, towards 1 for smooth strokes and
    blobs, negative for checkerboards). ``filters`` has shape (n, 1, k, k) or (n, k, k); a filter with
    every weight equal counts as 0."""
    w = np.asarray(filters, dtype=np.float64)
    if w.ndim == 4 and w.shape[1] == 1:
        w = w[:, 0]
    if w.ndim != 3 or w.shape[0] < 1 or min(w.shape[1:]) < 2:
        raise ValueError(
            f"filters must have shape (n, 1, k, k) or (n, k, k) with k >= 2, got {np.shape(filters)}"
        )
    w = w - w.mean(axis=(1, 2), keepdims=True)
    pairs = np.concatenate(
        [(w[:, :, :-1] * w[:, :, 1:]).reshape(len(w), -1), (w[:, :-1, :] * w[:, 1:, :]).reshape(len(w), -1)],
        1,
    ).mean(1)
    power = (w * w).mean(axis=(1, 2))
    scores = np.divide(pairs, power, out=np.zeros_like(pairs), where=power > 1e-12)
    return float(scores.mean())


class LeNet(nn.Module):
    """The network of :func:`convcore.layers.lenet5`; ``filters`` and ``kernel`` set the first layer.

    Its conv and dense layers are the attributes ``conv1``, ``conv2``, ``fc1``, ``fc2``, ``fc3``
    (the names of the saved weights). Every dense layer but the last is followed by a ReLU.
    """

    def __init__(self, filters: int = 6, kernel: int = 5) -> None:
        super().__init__()
        self.layers: tuple[Layer, ...] = lenet5(filters, kernel)
        size, channels = (SIZE, SIZE), 1
        add_layers(self, self.layers, size, channels)

    @property
    def network(self) -> Network:
        """Its definition (:func:`convcore.networks.digit_network` with its first layer's size)."""
        first = self.layers[0]
        return digit_network(first.channels, first.kernel)

    def layer_module(self, name: str) -> nn.Conv2d | nn.Linear:
        """The conv or dense module of the layer called ``name`` (conv1, conv2, fc1, fc2, fc3)."""
        found = [layer.name for layer in self.layers if layer.kind in ("conv", "dense")]
        if name not in found:
            raise ValueError(f"name must be one of {found}, got {name!r}")
        return self.get_submodule(name)

    def steps(self, x: torch.Tensor) -> Iterator[tuple[Layer, torch.Tensor]]:
        """Each layer and its output, in order, for images ``x`` of shape (N, 1, 28, 28)."""
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            if layer.kind == "conv":
                x = self.get_submodule(layer.name)(x)
            elif layer.kind == "relu":
                x = F.relu(x)
            elif layer.kind == "pool":
                x = F.max_pool2d(x, layer.kernel, layer.stride, layer.padding, layer.dilation)
            else:
                x = self.get_submodule(layer.name)(torch.flatten(x, 1))
                x = x if i == last else F.relu(x)
            yield layer, x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class scores (N, 10) for images (N, 1, 28, 28)."""
        out = x
        for _, out in self.steps(x):  # noqa: B007 - the last output is the result
            pass
        return out


def new_model(config: LeNetConfig = DEFAULT_CONFIG) -> LeNet:
    """A freshly initialised network (reproducible by ``config.seed``; the global RNG is untouched)."""
    return seeded(lambda: LeNet(config.filters, config.kernel), config.seed)


@torch.inference_mode()
def layer_outputs(model: LeNet, image: np.ndarray | torch.Tensor) -> dict[str, np.ndarray]:
    """conv1, pool1, conv2, pool2 outputs for one 28 x 28 image (any shape with 784 values).

    Each conv output is taken before its ReLU; each value has shape (C, H, W).
    """
    x = torch.tensor(np.asarray(image, dtype=np.float32)).reshape(1, 1, SIZE, SIZE)
    out = {}
    for layer, value in model.steps(x):
        if layer.kind == "dense":
            break
        if layer.kind in ("conv", "pool"):
            out[layer.name] = value[0].numpy().copy()
    return out


@torch.inference_mode()
def predict_probabilities(model: LeNet, image: np.ndarray | torch.Tensor) -> np.ndarray:
    """Softmax probabilities of the 10 digits for one 28 x 28 image (0..1, white on black)."""
    x = torch.tensor(np.asarray(image, dtype=np.float32)).reshape(1, 1, SIZE, SIZE)
    return torch.softmax(model(x)[0], dim=0).numpy()


@torch.inference_mode()
def evaluate(model: LeNet, images: torch.Tensor, labels: torch.Tensor) -> float:
    """Fraction of ``images`` classified correctly."""
    model.eval()
    correct = 0
    for start in range(0, len(images), 2048):
        correct += int((model(images[start : start + 2048]).argmax(1) == labels[start : start + 2048]).sum())
    return correct / len(images)


#: The bins of :class:`Snapshot`'s histogram of conv1's outputs, before the ReLU (0.1 wide from -2 to
#: 2; the end bins also count what lies beyond): digits' first-layer outputs mostly lie within +-1.
#: Fixed, so that the frames of a run compare.
HISTOGRAM_EDGES = np.linspace(-2.0, 2.0, 41)


@dataclass(frozen=True)
class Snapshot:
    """What a network does on held-out digits at one moment of its training.

    Attributes
    ----------
    step : int
        Batches done when it was taken.
    accuracy : float
        Fraction of the digits classified correctly (the confusion matrix's diagonal over its sum).
    confusion : ndarray of int64, shape (10, 10)
        ``confusion[true, predicted]``: how many digits of each class were read as each class.
    histogram : ndarray of int64, shape (len(HISTOGRAM_EDGES) - 1,)
        How many of conv1's outputs (every filter, every position, every digit, before the ReLU)
        fall in each bin of :data:`HISTOGRAM_EDGES` (the end bins also count what lies beyond; NaN,
        from a network whose training diverged, is in no bin).
    below_zero : float
        The fraction of those outputs below 0: what the ReLU sets to 0.
    filters : ndarray of float32, shape (n, 1, k, k)
        conv1's weights, a copy.
    """

    step: int
    accuracy: float
    confusion: np.ndarray
    histogram: np.ndarray
    below_zero: float
    filters: np.ndarray


def _histogram_bins(values: np.ndarray) -> np.ndarray:
    """The :data:`HISTOGRAM_EDGES` bin of each value (clipped to the outer edges), exactly as numpy's
    histogram puts it: bin i holds edges[i] <= v < edges[i + 1], the last bin its right edge too.
    The edges are evenly spaced, so the bin is found by arithmetic and then checked against the
    edges themselves (a binary search, torch.bucketize, took 0.07 s for 500 digits' 2.4 million
    values; this about 0.03 s)."""
    edges, last = HISTOGRAM_EDGES, len(HISTOGRAM_EDGES) - 2
    x = np.clip(values, edges[0], edges[-1]).astype(values.dtype, copy=False)  # the ends are exact in float32
    guess = ((x - x.dtype.type(edges[0])) * x.dtype.type((last + 1) / (edges[-1] - edges[0]))).astype(np.intp)
    np.clip(guess, 0, last, out=guess)
    guess -= x < edges[guess]  # rounding put it one bin too far right (compared in float64: exact)
    guess += (x >= edges[guess + 1]) & (guess < last)  # or too far left
    return guess


@torch.inference_mode()
def snapshot(model: LeNet, images: torch.Tensor, labels: torch.Tensor, step: int = 0) -> Snapshot:
    """A :class:`Snapshot` of ``model`` on held-out ``images`` (N, 1, 28, 28) and ``labels`` (N,).
    The model is left in the mode it was in (training or evaluation)."""
    if len(images) == 0 or len(images) != len(labels):
        raise ValueError(
            f"images and labels must be non-empty and as many, got {len(images)} and {len(labels)}"
        )
    was_training = model.training
    model.eval()
    try:
        confusion = torch.zeros(10, 10, dtype=torch.int64)
        counts = np.zeros(len(HISTOGRAM_EDGES) - 1, dtype=np.int64)
        below, total = 0, 0
        for start in range(0, len(images), 1024):
            batch = images[start : start + 1024]
            out = None
            for layer, value in model.steps(batch):
                if layer.name == "conv1":
                    first = value.flatten()
                    below += int((first < 0).sum())
                    total += first.numel()
                    values = first.numpy()
                    if np.isnan(values).any():  # a network gone to NaN: in no bin, as in numpy's histogram
                        values = values[~np.isnan(values)]
                    counts += np.bincount(_histogram_bins(values), minlength=len(counts))
                out = value
            predicted = out.argmax(1)
            confusion.index_put_(
                (labels[start : start + 1024], predicted), torch.ones_like(predicted), accumulate=True
            )
    finally:
        model.train(was_training)
    c = confusion.numpy()
    return Snapshot(int(step), float(np.trace(c) / c.sum()), c, counts, below / total,
                    model.conv1.weight.detach().numpy().copy())  # fmt: skip


@dataclass(frozen=True)
class TrainProgress:
    """A snapshot sent to the callback during training."""

    epoch: int  # 1-based
    step: int  # batches done, over all epochs
    total_steps: int
    loss: float  # mean loss since the last report
    accuracy: float | None  # held-out accuracy (at the end of each epoch), else None
    filters: np.ndarray  # conv1 weights (n, 1, k, k), a copy
    seconds: float


@dataclass(frozen=True)
class TrainResult:
    """How a training run ended.

    Attributes
    ----------
    status : {"done", "stopped", "diverged", "failed"}
        See :data:`TRAIN_STATUSES`.
    message : str
        A sentence for the student.
    steps : int
        Batches done, over all epochs (where a resumed run starts).
    accuracy : float or None
        Held-out accuracy after the last finished epoch.
    history : list of TrainProgress
    """

    status: str
    message: str
    steps: int
    accuracy: float | None = None
    history: list[TrainProgress] = field(default_factory=list)

    def __post_init__(self) -> None:
        check_choice(self.status, "status", TRAIN_STATUSES)


def train(
    model: LeNet,
    config: LeNetConfig = DEFAULT_CONFIG,
    *,
    data: tuple[torch.Tensor, torch.Tensor] | None = None,
    held_out: tuple[torch.Tensor, torch.Tensor] | None = None,
    start_step: int = 0,
    callback: Callable[[TrainProgress], None] | None = None,
    stop: threading.Event | None = None,
    report_every: int = 20,
) -> TrainResult:
    """Train ``model`` in place with Adam on generated digits; resumable from ``start_step``.

    Calls ``callback`` every ``report_every`` batches and at each epoch's end (with the held-out
    accuracy). Stops early when ``stop`` is set ("stopped", resumable), or when the loss is no
    longer a finite number ("diverged": the learning rate is too large).
    """
    images, labels = data if data is not None else make_digits(config.train_size, seed=config.seed)
    test_x, test_y = held_out if held_out is not None else make_digits(2000, seed=HELD_OUT_SEED)
    steps_per_epoch = math.ceil(len(images) / config.batch_size)
    total = steps_per_epoch * config.epochs
    first = model.conv1.weight
    groups = [
        {"params": [first], "weight_decay": config.decay},
        {"params": [p for p in model.parameters() if p is not first], "weight_decay": 0.0},
    ]
    optimiser = Adam(groups, lr=config.learning_rate)  # torch.optim.Adam's numbers (decoupled decay)
    history: list[TrainProgress] = []
    t0 = time.perf_counter()
    step = start_step
    running, count = 0.0, 0
    accuracy = None

    def report(acc: float | None) -> None:
        nonlocal running, count
        p = TrainProgress(
            epoch=min(config.epochs, step // steps_per_epoch + (0 if acc is not None else 1)),
            step=step,
            total_steps=total,
            loss=running / max(1, count),
            accuracy=acc,
            filters=model.conv1.weight.detach().numpy().copy(),
            seconds=time.perf_counter() - t0,
        )
        history.append(p)
        running, count = 0.0, 0
        if callback:
            callback(p)

    while step < total:
        epoch = step // steps_per_epoch
        order = torch.randperm(
            len(images), generator=torch.Generator().manual_seed(config.seed * 1000 + epoch)
        )
        model.train()
        for b in range(step % steps_per_epoch, steps_per_epoch):
            if stop is not None and stop.is_set():
                return TrainResult(
                    "stopped", f"Stopped after {step} of {total} steps.", step, accuracy, history
                )
            idx = order[b * config.batch_size : (b + 1) * config.batch_size]
            loss = F.cross_entropy(model(images[idx]), labels[idx])
            value = float(loss.detach())
            if not math.isfinite(value) or value > _EXPLODED_LOSS:
                return TrainResult(
                    "diverged",
                    f"Training diverged at step {step}: the loss became {value:.3g} (it starts near 2.3 and should "
                    f"shrink). The learning rate ({config.learning_rate:g}) is too large; try 0.001 to 0.01.",
                    step,
                    accuracy,
                    history,
                )
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            step += 1
            running += value
            count += 1
            if step % report_every == 0 and step % steps_per_epoch:
                report(None)
        accuracy = evaluate(model, test_x, test_y)
        report(accuracy)
    message = f"Done: {accuracy:.1%} correct on {len(test_x)} held-out digits."
    if accuracy < 0.2:
        message += (
            " That is close to guessing (10%): the network did not learn. The learning rate "
            f"({config.learning_rate:g}) may be too large or too small; {TRAIN_PAGE_CONFIG.learning_rate:g} works well."
        )
    return TrainResult("done", message, step, accuracy, history)


def save_model(model: LeNet, path: str | Path, config: LeNetConfig, accuracy: float) -> None:
    """Save the weights with their configuration and accuracy (loadable with weights_only=True)."""
    torch.save(
        {
            "state_dict": model.state_dict(),
            "filters": config.filters,
            "kernel": config.kernel,
            "accuracy": float(accuracy),
            "held_out_seed": HELD_OUT_SEED,
        },
        path,
    )


def load_model(path: str | Path = DEFAULT_MODEL_PATH) -> tuple[LeNet, dict]:
    """A saved model (``weights_only=True``) and its metadata (filters, kernel, accuracy)."""
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
        filters, kernel = int(saved["filters"]), int(saved["kernel"])
        model = empty(lambda: LeNet(filters, kernel))
        model.load_state_dict(saved["state_dict"], strict=True, assign=True)
    except FileNotFoundError:
        raise ValueError(f"There is no model file at {path}; run `make train-default`.") from None
    except Exception as exc:  # torch.load and load_state_dict raise many types on bad files
        raise ValueError(f"{Path(path).name} is not a usable digit model ({type(exc).__name__}).") from None
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    meta = {k: saved[k] for k in ("filters", "kernel", "accuracy", "held_out_seed")}
    return model, meta


def _main() -> int:
    """Train the default model (deterministic) and write assets/lenet_digits.pt."""
    torch.set_num_threads(1)  # the same result on every machine, whatever its cores
    config = DEFAULT_CONFIG
    model = new_model(config)
    result = train(
        model, config, callback=lambda p: print(f"\rstep {p.step}/{p.total_steps} loss {p.loss:.3f}", end="")
    )
    print(f"\n{result.message}")
    if result.status != "done":
        return 1
    save_model(model, DEFAULT_MODEL_PATH, config, result.accuracy)
    print(f"wrote {DEFAULT_MODEL_PATH} (held-out accuracy {result.accuracy:.2%})")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())

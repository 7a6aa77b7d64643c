"""The networks for the pages: models cached once per process (read-only), results per image hash.

AlexNet (pretrained when its weights are here, else untrained) and the small digit CNN that
ships in assets/. Nothing here changes a shared model: see convcore.nets.alexnet.
"""

from __future__ import annotations

import functools
import threading
import weakref
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st
import torch

import convcore
from app import server
from app.caches import CurrentImage
from app.draw import encode, mosaic
from app.memo import memo
from convcore.layers import ALEXNET
from convcore.nets import alexnet as ax
from convcore.nets import digits, explain, lenet, trust, weights

server.use_torch()

PRETRAINED = "Pretrained (ImageNet)"
UNTRAINED = "Untrained (random weights, seed 0)"
#: Orders of a layer's maps in the mosaic.
ORDERS = ("channel number", "mean activation", "max activation")


@st.cache_resource(show_spinner="Loading AlexNet's pretrained weights...")
def _pretrained() -> ax.AlexNet:
    return weights.load_pretrained()


@st.cache_resource(show_spinner=False)
def _untrained() -> ax.AlexNet:
    return ax.untrained_alexnet(seed=0)


def download_weights(on_progress) -> None:
    """Download AlexNet's weights once for the whole server: a second click waits for the first."""
    with server.download:
        if weights.find_weights() is None:  # (a failed load is not cached: the next run loads the file)
            weights.download_weights(on_progress=on_progress)


def pretrained_status() -> str | None:
    """None when the pretrained model is usable, else the sentence saying why not."""
    try:
        _pretrained()
    except weights.WeightsError as exc:
        return str(exc)
    return None


# Cached itself, so the models' caches are nested in it: Streamlit draws no spinner for a nested one
# (the warm-up thread has no page to draw it on, and Streamlit would log a warning).
@st.cache_resource(show_spinner=False)
def warm_up() -> None:
    """Load the shared models before a page first needs them (:mod:`app.warm`, in the
    background, once per process): the pretrained AlexNet when its weights are here, and the
    held-out digits."""
    pretrained_status()
    held_out_digits()


def model(kind: str) -> ax.AlexNet:
    """The shared model: PRETRAINED or UNTRAINED (read-only use only)."""
    return _pretrained() if kind == PRETRAINED else _untrained()


class Outputs(dict):
    """AlexNet's layer outputs by name, keeping no ReLU's: ``outputs["relu1"]`` is made from conv1's
    output when asked for (max(x, 0), the same numbers; under a millisecond). The ReLUs are 1.85 of a
    photo's 4.0 MB of outputs, so the analysis cache holds 27 photos instead of 15 (issue 18: each
    one dropped is an AlexNet pass again when its student comes back)."""

    #: Each ReLU's layer, by name, and the conv layer it follows.
    _RELUS = {
        after.name: (after, before.name)
        for before, after in zip(ax.LAYERS, ax.LAYERS[1:])
        if after.kind == "relu"
    }

    def __init__(self, listed: list[ax.LayerOutput]) -> None:
        super().__init__((o.layer.name, o) for o in listed if o.layer.kind != "relu")

    def __missing__(self, name: str) -> ax.LayerOutput:
        if name not in self._RELUS:
            raise KeyError(name)
        layer, source = self._RELUS[name]
        values = np.maximum(self[source].values, 0) + np.float32(0)  # + 0: no -0.0, as torch's ReLU
        values.flags.writeable = False
        return ax.LayerOutput(layer, values)


@dataclass(frozen=True, eq=False)
class Analysis:
    """What the AlexNet page shows for one image and one model."""

    crop: np.ndarray  # (224, 224, 3) uint8, what the network sees
    outputs: Outputs  # by layer name
    top5: list[ax.Prediction]


# Shared by every session (no copy per rerun), arrays read-only, bounded in bytes: about 2.3 MB a
# photo, so 64 MB keep 27 photos instead of 15 (issue 18's load test: 109 passes again instead of
# 148-152 in 140 s of 40 students).
@memo(mb=64, ttl=3600)
def _analyse(kind: str, image_key: str, _pixels: np.ndarray) -> Analysis:
    net = model(kind)
    with server.heavy():
        x = ax.preprocess(_pixels)
        listed = ax.layer_outputs(net, x)
        top5 = ax.predict(net, x, k=5, features=torch.from_numpy(listed[-1].values)[None])  # no second pass
        result = Analysis(ax.crop_shown(_pixels), Outputs(listed), top5)
    result.crop.flags.writeable = False
    for output in result.outputs.values():
        output.values.flags.writeable = False
    return result


def analyse(kind: str, image: CurrentImage) -> Analysis:
    return _analyse(kind, image.key, image.pixels)


@memo(mb=16, ttl=3600)
def _cam(kind: str, image_key: str, class_index: int, _pixels: np.ndarray) -> np.ndarray:
    net = model(kind)
    relu5 = _analyse(kind, image_key, _pixels).outputs["relu5"].values  # the page has it: no conv pass again
    with server.heavy():
        heat = ax.grad_cam(net, ax.preprocess(_pixels), class_index, relu5=relu5)
    heat.flags.writeable = False
    return heat


def cam(kind: str, image: CurrentImage, class_index: int) -> np.ndarray:
    """Grad-CAM for ``class_index``, 0..1, (224, 224)."""
    return _cam(kind, image.key, class_index, image.pixels)


def channel_order(values: np.ndarray, order_by: str) -> np.ndarray:
    """Channel indices of a (C, H, W) layer output in one of ORDERS (strongest first)."""
    if order_by == "mean activation":
        return np.argsort(-values.mean(axis=(1, 2)))
    if order_by == "max activation":
        return np.argsort(-values.max(axis=(1, 2)))
    return np.arange(values.shape[0])


@memo(mb=32)
def _mosaic_png(kind: str, image_key: str, layer: str, order_by: str, palette, _pixels: np.ndarray) -> bytes:
    output = _analyse(kind, image_key, _pixels).outputs[layer]
    values = output.values
    picture = mosaic.map_mosaic(values, channel_order(values, order_by), signed=output.layer.kind == "conv",
                                palette=palette)  # fmt: skip
    return encode.png_bytes(picture)


def mosaic_png(kind: str, image: CurrentImage, layer: str, order_by: str, palette: tuple[str, str]) -> bytes:
    """The layer's maps as one PNG, ordered by channel number, mean or max activation (cached)."""
    return _mosaic_png(kind, image.key, layer, order_by, palette, image.pixels)


def conv1_weights(kind: str) -> np.ndarray:
    """conv1's 64 kernels, (64, 3, 11, 11) float32."""
    return model(kind).features[0].weight.detach().numpy()


def learned_filter(kind: str, index: int) -> convcore.Filter:
    """conv1 kernel ``index`` as a Filter Lab colour filter on 0-255 pixels.

    AlexNet sees (pixel / 255 - mean) / std; dividing each channel's weights by 255 * std gives
    the same response to the image's own pixels, up to a constant (the bias and the mean term).
    """
    w = conv1_weights(kind)[index].astype(np.float64)
    scale = 1.0 / (255.0 * np.asarray(ax.IMAGENET_STD)).reshape(3, 1, 1)
    label = "pretrained" if kind == PRETRAINED else "untrained"
    return convcore.Filter(
        key="alexnet_conv1",
        name=f"AlexNet conv1 filter {index + 1} ({label})",
        description=f"Learned, not designed: filter {index + 1} of AlexNet's first layer ({label}), 11 x 11 x 3.",
        kernel=w * scale,
    )


def alexnet_rows() -> dict[str, convcore.LayerRow]:
    """AlexNet's layers at 224 x 224 by name: sizes, parameters, receptive fields (see convcore.layers)."""
    return {row.name: row for row in _alexnet_rows()}


@functools.cache
def _alexnet_rows() -> tuple[convcore.LayerRow, ...]:
    return tuple(convcore.layer_stack((ax.INPUT_SIZE, ax.INPUT_SIZE), 3, ALEXNET))


def architecture() -> pd.DataFrame:
    """AlexNet layer by layer at 224 x 224: geometry, output shape, parameters, receptive field.

    Derived from convcore.layers.ALEXNET, the one definition the model is built from. Cells with no
    value (a ReLU's window, a dense layer's receptive field) are None: show them as a dash.
    """
    return pd.DataFrame(
        [
            [
                r.name,
                r.layer.kind,
                f"{r.layer.kernel} x {r.layer.kernel} / {r.layer.stride} / {r.layer.padding}"
                if r.layer.kind in ("conv", "pool") else None,
                " x ".join(map(str, (r.channels, *r.size))) if r.layer.kind != "dense" else str(r.channels),
                r.params,
                r.receptive_field,
            ]
            for r in _alexnet_rows()
        ],
        columns=["layer", "kind", "kernel / stride / padding", "output shape", "parameters",
                 "receptive field (px)"],
    )  # fmt: skip


# --- The digit CNN (LeNet-5's layout) -------------------------------------------------------------


_DIGITS_LOCK = threading.Lock()
#: (train_size, seed) -> (a weak reference to the images, the labels)
_DIGITS: dict[tuple[int, int], tuple[weakref.ref, torch.Tensor]] = {}


def digit_dataset(train_size: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Training digits, shared read-only by the trainings that use them at the same time, and not
    kept after the last of them: 12,000 digits are 38 MB, and made again in about 0.4 s (against
    10-20 s of training), so a server does not hold up to three sets (3,000, 6,000 and 12,000)
    for a class that trained an hour ago. The caller keeps the tuple while it trains."""
    key = (train_size, seed)
    with _DIGITS_LOCK:  # a second training of the same set waits for the first one's to be made
        ref, labels = _DIGITS.get(key, (None, None))
        images = ref() if ref is not None else None
        if images is None:
            images, labels = digits.make_digits(train_size, seed=seed)
            _DIGITS[key] = (weakref.ref(images, lambda _, key=key: _forget_digits(key)), labels)
        return images, labels


def _forget_digits(key: tuple[int, int]) -> None:
    """The images of ``key`` were freed: drop its entry unless a new set took its place."""
    entry = _DIGITS.get(key)
    if entry is not None and entry[0]() is None:
        _DIGITS.pop(key, None)


@st.cache_resource(show_spinner=False)
def held_out_digits():
    """The 2000 held-out digits every run is measured on."""
    return digits.make_digits(2000, seed=lenet.HELD_OUT_SEED)


@st.cache_resource(show_spinner=False)
def digit_model() -> tuple[lenet.LeNet, dict]:
    """The digit CNN that ships in assets/ (read-only) and its metadata (held-out accuracy ...)."""
    return lenet.load_model()


def digit_filter(index: int) -> convcore.Filter:
    """First-layer filter ``index`` (0-based) of the shipped digit CNN as a Filter Lab filter."""
    net, meta = digit_model()
    kernels = net.conv1.weight.detach().numpy()
    return convcore.Filter(
        key="digit_cnn_conv1",
        name=f"Digit CNN filter {index + 1}",
        description=f"Learned by the small digit network ({meta['accuracy']:.1%} on held-out digits), "
        "trained on white strokes on black.",
        kernel=kernels[index, 0].astype(np.float64),
    )


def digit_filter_count() -> int:
    return int(digit_model()[0].conv1.weight.shape[0])


# --- The three networks of the overview (issue 15) --------------------------------------------------

#: The overview's networks: key -> label.
NETWORKS = {"digits": "Digit CNN", "tiny_vgg": "Tiny VGG", "alexnet": "AlexNet"}
#: How many of a layer's maps the overview shows when it has more (AlexNet's 64 to 384).
MOST_SHOWN = 8


@st.cache_resource(show_spinner=False)
def tiny_vgg_model():
    """Tiny VGG as shipped in assets/ (read-only) and its metadata (held-out accuracy ...)."""
    from convcore.nets import tinyvgg

    return tinyvgg.load_model()


@st.cache_resource(show_spinner=False)
def held_out_shapes():
    """1000 held-out generated shapes (never trained on), shared read-only."""
    from convcore.nets import shapes

    return shapes.make_shapes(1000, seed=shapes.HELD_OUT_SEED)


def network_model(key: str, kind: str = PRETRAINED):
    """The shared model of the overview's network ``key`` (AlexNet's ``kind``: PRETRAINED or UNTRAINED)."""
    if key == "digits":
        return digit_model()[0]
    if key == "tiny_vgg":
        return tiny_vgg_model()[0]
    return model(kind)


@memo(mb=96, ttl=3600)
def _activations(model_key: str, input_key: str, _model, _x) -> explain.Activations:
    with server.heavy():
        return explain.forward(_model, _x)


def activations(model_key: str, input_key: str, net, x) -> explain.Activations:
    """Every layer's output for one input (shared by sessions, keyed by the model and the input's key)."""
    return _activations(model_key, input_key, net, x)


@memo(mb=32, ttl=3600)
def _unit(model_key: str, input_key: str, layer: str, position: tuple[int, int, int], _model, _x):
    with server.heavy():
        return explain.explain_unit(_model, _x, layer, *position)


def unit(model_key: str, input_key: str, net, x, layer: str, position: tuple[int, int, int]):
    """How one unit is computed (convcore.explain_unit), cached by the model, input and unit."""
    return _unit(model_key, input_key, layer, position, net, x)


@st.cache_resource(show_spinner="Finding the held-out examples that excite each unit most (once)...")
def top_examples(key: str) -> dict[str, np.ndarray]:
    """For every layer of the digit CNN or Tiny VGG, each channel's 9 most exciting held-out examples."""
    net = network_model(key)
    images = held_out_digits()[0] if key == "digits" else held_out_shapes()[0]
    with server.heavy():
        return explain.top_examples(net, images, 9)


# --- can you trust this heat map? (issue 16) -----------------------------------------------------------
# Keyed like the overview's caches: the model's key ("digits", "tiny_vgg", "alexnet:<kind>") and the
# input's key; the model and the input themselves are not part of the key (leading underscore).


@memo(mb=24, ttl=3600)
def _saliency(model_key: str, input_key: str, target: int, method: str, _model, _x) -> np.ndarray:
    with server.heavy():
        return trust.saliency(_model, _x, target, method=method)


def saliency(model_key: str, input_key: str, net, x, target: int, method: str) -> np.ndarray:
    """One saliency map (convcore.saliency) for a class, cached by model, input, class and method."""
    return _saliency(model_key, input_key, target, method, net, x)


@memo(mb=8, ttl=3600)
def _occlusion(model_key: str, input_key: str, target: int, window: int, stride: int, fill, _model, _x,
               _on_progress) -> np.ndarray:  # fmt: skip
    with server.heavy():
        return trust.occlusion(
            _model, _x, target, window=window, stride=stride, fill=fill, on_progress=_on_progress
        )


def occlusion(model_key: str, input_key: str, net, x, target: int, window: int, stride: int, fill,
              on_progress=None) -> np.ndarray:  # fmt: skip
    """convcore.occlusion, cached; ``on_progress(done, total)`` is called while it is computed (not
    when it comes from the cache). A rerun that interrupts it (Cancel) leaves nothing cached."""
    return _occlusion(model_key, input_key, target, window, stride, fill, net, x, on_progress)


def occlusion_cached(model_key: str, input_key: str, target: int, window: int, stride: int, fill) -> bool:
    """Whether this occlusion map is in the cache (shown at once, with no button to press)."""
    return _occlusion.contains(model_key, input_key, target, window, stride, fill, None, None, None)


@memo(mb=48, ttl=3600)
def _sanity(model_key: str, input_key: str, target: int, _model, _x, _on_step) -> tuple:
    steps = []
    with server.heavy():
        for step in trust.sanity_check(_model, _x, target):
            steps.append(step)
            if _on_step is not None:
                _on_step(step)
    return tuple(steps)


def sanity(model_key: str, input_key: str, net, x, target: int, on_step=None) -> tuple:
    """convcore.sanity_check's steps (the original, then each layer randomised), cached."""
    return _sanity(model_key, input_key, target, net, x, on_step)


def sanity_cached(model_key: str, input_key: str, target: int) -> bool:
    """Whether the sanity check's steps are in the cache."""
    return _sanity.contains(model_key, input_key, target, None, None, None)


@dataclass(frozen=True, eq=False)
class Attack:
    """An FGSM input and what the network says of it."""

    x: np.ndarray  # the perturbed input, the network's shape
    before: np.ndarray  # class probabilities of the input
    after: np.ndarray  # ... of the perturbed input


@memo(mb=24, ttl=3600)
def _attack(model_key: str, input_key: str, target: int, eps: float, targeted: bool, _model, _x) -> Attack:
    with server.heavy():
        adv = trust.fgsm(_model, _x, target, eps, targeted=targeted)
        probs = trust.fgsm_sweep(_model, _x, target, [0.0, eps], targeted=targeted)
    return Attack(adv.numpy(), probs[0], probs[1])


def attack(model_key: str, input_key: str, net, x, target: int, eps: float, targeted: bool) -> Attack:
    """convcore.fgsm on the input, with the probabilities before and after (cached)."""
    return _attack(model_key, input_key, target, float(eps), bool(targeted), net, x)


@memo(mb=1, ttl=3600)
def _smallest(
    model_key: str, input_key: str, target: int, grid: tuple, targeted: bool, _model, _x
) -> float | None:
    with server.heavy():
        return trust.smallest_flip(_model, _x, target, grid, targeted=targeted)


def smallest_flip(
    model_key: str, input_key: str, net, x, target: int, grid: tuple, targeted: bool
) -> float | None:
    """convcore.smallest_flip over ``grid`` (cached)."""
    return _smallest(model_key, input_key, target, tuple(grid), bool(targeted), net, x)

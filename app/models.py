"""AlexNet for the pages: models cached once per process (read-only), results per image hash."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import streamlit as st
import torch

from app import limits, render, state
from app.state import CurrentImage
from convcore import alexnet as ax

# A classroom server runs many sessions on few cores: one thread per request keeps them fair.
torch.set_num_threads(int(os.environ.get("CONVCORE_TORCH_THREADS", "1")))

PRETRAINED = "Pretrained (ImageNet)"
UNTRAINED = "Untrained (random weights, seed 0)"


@st.cache_resource(show_spinner="Loading AlexNet's pretrained weights...")
def _pretrained() -> ax.AlexNet:
    return ax.load_pretrained()


@st.cache_resource(show_spinner=False)
def _untrained() -> ax.AlexNet:
    return ax.untrained_alexnet(seed=0)


def download_weights(on_progress) -> None:
    """Download AlexNet's weights once for the whole server: a second click waits for the first."""
    with limits.download:
        if ax.find_weights() is None:  # (a failed load is not cached: the next run loads the file)
            ax.download_weights(on_progress=on_progress)


def pretrained_status() -> str | None:
    """None when the pretrained model is usable, else the sentence saying why not."""
    try:
        _pretrained()
    except ax.WeightsError as exc:
        return str(exc)
    return None


def model(kind: str) -> ax.AlexNet:
    """The shared model: PRETRAINED or UNTRAINED (read-only use only)."""
    return _pretrained() if kind == PRETRAINED else _untrained()


@dataclass(frozen=True, eq=False)
class Analysis:
    """What the page shows for one image and one model."""

    crop: np.ndarray  # (224, 224, 3) uint8, what the network sees
    outputs: list[ax.LayerOutput]
    top5: list[ax.Prediction]


# Shared by every session (st.cache_resource: no pickled copy per rerun), arrays read-only.
@st.cache_resource(max_entries=8, ttl=3600, show_spinner=False)
def _analyse(kind: str, image_key: str, _pixels: np.ndarray) -> Analysis:
    net = model(kind)
    with limits.heavy():
        x = ax.preprocess(_pixels)
        result = Analysis(ax.crop_shown(_pixels), ax.layer_outputs(net, x), ax.predict(net, x, k=5))
    result.crop.flags.writeable = False
    for output in result.outputs:
        output.values.flags.writeable = False
    return result


def analyse(kind: str, image: CurrentImage) -> Analysis:
    return _analyse(kind, image.key, image.pixels)


@st.cache_resource(max_entries=64, ttl=3600, show_spinner=False)
def _cam(kind: str, image_key: str, class_index: int, _pixels: np.ndarray) -> np.ndarray:
    net = model(kind)
    with limits.heavy():
        heat = ax.grad_cam(net, ax.preprocess(_pixels), class_index)
    heat.flags.writeable = False
    return heat


def cam(kind: str, image: CurrentImage, class_index: int) -> np.ndarray:
    return _cam(kind, image.key, class_index, image.pixels)


@st.cache_data(max_entries=32, show_spinner=False)
def _mosaic_png(kind: str, image_key: str, layer: str, order_by: str, palette, _pixels: np.ndarray) -> bytes:
    output = next(o for o in _analyse(kind, image_key, _pixels).outputs if o.layer.name == layer)
    values = output.values
    mosaic = map_mosaic(
        values, channel_order(values, order_by), signed=output.layer.kind == "conv", palette=palette
    )
    return render.png_bytes(mosaic)


ORDERS = ("channel number", "mean activation", "max activation")


def channel_order(values: np.ndarray, order_by: str) -> np.ndarray:
    """Channel indices of a (C, H, W) layer output in one of ORDERS (strongest first)."""
    if order_by == "mean activation":
        return np.argsort(-values.mean(axis=(1, 2)))
    if order_by == "max activation":
        return np.argsort(-values.max(axis=(1, 2)))
    return np.arange(values.shape[0])


def mosaic_png(kind: str, image: CurrentImage, layer: str, order_by: str) -> bytes:
    """The layer's maps as one PNG, ordered by channel number, mean or max activation (cached)."""
    return _mosaic_png(kind, image.key, layer, order_by, state.palette(), image.pixels)


def conv1_weights(kind: str) -> np.ndarray:
    """conv1's 64 kernels, (64, 3, 11, 11) float32."""
    return model(kind).features[0].weight.detach().numpy()


def filter_mosaic(weights: np.ndarray, *, scale: int = 6, cols: int = 8, gap: int = 3) -> np.ndarray:
    """conv1's kernels as colour patches, each stretched to 0-255 on its own, in a grid."""
    w = weights.transpose(0, 2, 3, 1)
    lo = w.min(axis=(1, 2, 3), keepdims=True)
    hi = w.max(axis=(1, 2, 3), keepdims=True)
    patches = ((w - lo) / np.where(hi > lo, hi - lo, 1) * 255).astype(np.uint8)
    return tile(np.repeat(np.repeat(patches, scale, axis=1), scale, axis=2), cols=cols, gap=gap)


def tile(images: np.ndarray, *, cols: int, gap: int = 2) -> np.ndarray:
    """(N, h, w, 3) pictures in a grid with white gaps, row by row."""
    n, h, w = images.shape[:3]
    rows = -(-n // cols)
    out = np.full((rows * (h + gap) - gap, cols * (w + gap) - gap, 3), 255, np.uint8)
    for k in range(n):
        r, c = divmod(k, cols)
        out[r * (h + gap) : r * (h + gap) + h, c * (w + gap) : c * (w + gap) + w] = images[k]
    return out


def map_mosaic(
    values: np.ndarray, order: np.ndarray, *, signed: bool, size: int = 56, cols: int = 16, palette=None
) -> np.ndarray:
    """Channels of one layer as small maps (each on its own scale), in ``order``."""
    if palette is None:
        palette = state.palette()
    maps = []
    for k in order:
        c = render.colourise(values[k], "diverging" if signed else "relu", palette=palette)
        maps.append(np.asarray(render_resize(c.rgb, size)))
    return tile(np.stack(maps), cols=cols)


def render_resize(rgb: np.ndarray, size: int) -> np.ndarray:
    from PIL import Image

    return np.array(Image.fromarray(rgb).resize((size, size), Image.Resampling.NEAREST))


def overlay(crop: np.ndarray, heat: np.ndarray, *, alpha: float = 0.5) -> np.ndarray:
    """A 0..1 heat map (any size) blended over the 224 x 224 crop with the 'inferno' colours."""
    from PIL import Image

    h = np.array(
        Image.fromarray((np.clip(heat, 0, 1) * 255).astype(np.uint8)).resize(
            (224, 224), Image.Resampling.BILINEAR
        )
    )
    colours = render._lut("inferno")[h]
    return (crop * (1 - alpha) + colours * alpha).astype(np.uint8)


box = render.box  # drawn by app.render (no torch needed)


def learned_filter(kind: str, index: int):
    """conv1 kernel ``index`` as a Filter Lab colour filter on 0-255 pixels.

    AlexNet sees (pixel / 255 - mean) / std; dividing each channel's weights by 255 * std gives
    the same response to the image's own pixels, up to a constant (the bias and the mean term).
    """
    import convcore

    w = conv1_weights(kind)[index].astype(np.float64)
    scale = 1.0 / (255.0 * np.asarray(ax.IMAGENET_STD)).reshape(3, 1, 1)
    label = "pretrained" if kind == PRETRAINED else "untrained"
    return convcore.Filter(
        key="alexnet_conv1",
        name=f"AlexNet conv1 filter {index + 1} ({label})",
        description=f"Learned, not designed: filter {index + 1} of AlexNet's first layer ({label}), 11 x 11 x 3.",
        kernel=w * scale,
    )

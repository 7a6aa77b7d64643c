"""Cached adapters between the pages and convcore.

Results are keyed by content hashes (the image's ``key``, a kernel's bytes) plus plain
parameters. Arrays are passed in underscore arguments, which Streamlit does not hash: it
hashes big arrays from a sample and could return a stale result for a different image.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import streamlit as st

import convcore
from app import limits, render, state
from app.state import CurrentImage


def digest(data: bytes) -> str:
    """Hex SHA-256 of ``data``: the cache key of an upload."""
    return hashlib.sha256(data).hexdigest()


# Images are shared, not copied: st.cache_resource hands every session the same object (st.cache_data
# would unpickle a 2.4 MB copy per session and per call). Their pixels are made read-only, so no
# session can change what another sees.
@st.cache_resource(max_entries=8, show_spinner=False)
def sample(name: str) -> CurrentImage:
    """A sample image from convcore's library."""
    pixels = convcore.sample_image(name)
    pixels.flags.writeable = False
    key = "sample:" + digest(pixels.tobytes())[:16]
    return CurrentImage(key, name, pixels, pixels.shape[:2])


@st.cache_resource(max_entries=48, ttl=3600, show_spinner=False)
def decode(key: str, name: str, _raw: bytes) -> CurrentImage:
    """Decode an uploaded file (raises convcore.ImageError with a student-readable message).

    Keyed by the file's hash (and name, which the caption shows); at most 48 kept, for an hour.
    """
    with limits.heavy():
        loaded = convcore.open_image(_raw)
    loaded.pixels.flags.writeable = False
    return CurrentImage(key, name, loaded.pixels, loaded.original_size, loaded.notes)


@st.cache_data(max_entries=64, show_spinner=False)
def _photo(image_key: str, max_side: int | None, _pixels: np.ndarray) -> bytes:
    return render.jpeg_bytes(_pixels, max_side=max_side)


def photo(image: CurrentImage, *, max_side: int | None = None) -> bytes:
    """The image as JPEG bytes for ``st.image``, encoded once per image (not on every rerun)."""
    return _photo(image.key, max_side, image.pixels)


def filter_fingerprint(filt: convcore.Filter) -> str:
    """A short string that changes whenever the filter's numbers change."""
    h = hashlib.sha256(filt.kernel.tobytes() + str(filt.kernel.shape).encode())
    if filt.magnitude_of:
        for k in filt.magnitude_of:
            h.update(k.tobytes())
    return f"{filt.key}:{h.hexdigest()[:16]}"


@dataclass(frozen=True)
class Options:
    """How a filter is applied: convcore.apply_filter's keyword arguments."""

    colour: str = "luminance"
    stride: int = 1
    padding: int | str = "same"
    dilation: int = 1
    padding_mode: str = "zeros"
    flip: bool = False

    def kwargs(self) -> dict:
        return dict(
            colour=self.colour,
            stride=self.stride,
            padding=self.padding,
            dilation=self.dilation,
            padding_mode=self.padding_mode,
            flip=self.flip,
        )


# Raw maps are big (a 3-channel 1024 x 1024 map is 12 MB) and only needed to re-colour one:
# few are kept. The rendered PNGs below are small and kept longer.
@st.cache_data(max_entries=4, show_spinner=False)
def _feature_map(image_key: str, fingerprint: str, options: Options, _pixels, _filt) -> np.ndarray:
    with limits.heavy():
        return convcore.apply_filter(_pixels, _filt, **options.kwargs())


def feature_map(image: CurrentImage, filt: convcore.Filter, options: Options) -> np.ndarray:
    """The filter's response on the image (float32, (H', W') or (3, H', W'))."""
    return _feature_map(image.key, filter_fingerprint(filt), options, image.pixels, filt)


@dataclass(frozen=True)
class Rendered:
    """A feature map ready to show: PNGs and the numbers a caption needs."""

    map_png: bytes  # enlarged if small, colour-mapped, at most MAX_SHOWN_WIDTH wide
    bar_png: bytes | None  # None for 'image' display of a picture
    shape: tuple[int, ...]
    minimum: float
    maximum: float
    mean: float


#: Streamlit shrinks (decodes, resizes, re-encodes) wider images on every rerun: do it once here.
MAX_SHOWN_WIDTH = 1460


@dataclass(frozen=True)
class _MapKey:
    """What a coloured map depends on (the cache key; the arrays travel unhashed beside it)."""

    image_key: str
    fingerprint: str
    options: Options
    display: str
    stretch: bool
    label: str
    palette: tuple[str, str]


def _map_key(
    image: CurrentImage, filt: convcore.Filter, options: Options, display: str, stretch: bool, label: str
):
    return _MapKey(image.key, filter_fingerprint(filt), options, display, stretch, label, state.palette())


def _colourised(key: _MapKey, _pixels, _filt) -> tuple[np.ndarray, render.Colourised, str]:
    """The raw map, its colours and the colour bar's label."""
    fmap = _feature_map(key.image_key, key.fingerprint, key.options, _pixels, _filt)
    display, palette = key.display, key.palette
    top = None if display == "image" else render.full_scale(fmap, display, stretch=key.stretch)
    label = key.label
    if key.stretch and top is not None and top < render.full_scale(fmap, display, stretch=False):
        label = f"{label} (stronger values saturate)".lstrip()
    if fmap.ndim == 3 and display != "image":
        # one map per colour channel, side by side, on one shared colour scale
        parts = [render.colourise(channel, display, top=top, palette=palette) for channel in fmap]
        body = render.side_by_side([render.upscale(p.rgb, 200) for p in parts])
        return fmap, render.Colourised(body, parts[0].vmin, parts[0].vmax, parts[0].cmap), label
    return fmap, render.colourise(fmap, display, top=top, palette=palette), label


@st.cache_data(max_entries=16, show_spinner=False)
def _rendered(key: _MapKey, _pixels, _filt) -> Rendered:
    fmap, colourised, label = _colourised(key, _pixels, _filt)
    bar = None if colourised.cmap is None else render.png_bytes(render.colourbar(colourised, label=label))
    shown = render.upscale(colourised.rgb)
    if shown.shape[1] > MAX_SHOWN_WIDTH:
        shown = render.shrink(shown, MAX_SHOWN_WIDTH)
    return Rendered(
        map_png=render.png_bytes(shown),
        bar_png=bar,
        shape=fmap.shape,
        minimum=float(fmap.min()),
        maximum=float(fmap.max()),
        mean=float(fmap.mean()),
    )


@st.cache_data(max_entries=4, show_spinner=False)
def _download_png(key: _MapKey, _pixels, _filt) -> bytes:
    _, colourised, label = _colourised(key, _pixels, _filt)
    return render.png_bytes(render.with_colourbar(colourised, label=label))


def rendered(
    image: CurrentImage,
    filt: convcore.Filter,
    options: Options,
    display: str,
    *,
    stretch: bool = True,
    label: str = "",
) -> Rendered:
    """The feature map of ``filt`` on ``image``, colour-mapped for ``display`` (cached).

    ``stretch`` puts full colour at the 99th percentile instead of the extreme value.
    """
    return _rendered(_map_key(image, filt, options, display, stretch, label), image.pixels, filt)


def download_png(
    image: CurrentImage,
    filt: convcore.Filter,
    options: Options,
    display: str,
    *,
    stretch: bool = True,
    label: str = "",
):
    """A function making the full-size map with its colour bar as PNG: for a download button,
    which calls it only when clicked (drawing it on every rerun cost as much as the map)."""
    key = _map_key(image, filt, options, display, stretch, label)  # read now: the click has no session
    pixels = image.pixels
    return lambda: _download_png(key, pixels, filt)

"""Cached results shared by the pages: the current image, its photo, feature maps and their pictures.

Results are keyed by content hashes (the image's ``key``, a kernel's bytes) plus plain
parameters; arrays are passed in underscore arguments, which are not part of the key. Every cache
is bounded in bytes (:mod:`app.memo`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

import convcore
from app import server
from app.draw import colour, encode, mosaic
from app.memo import memo


@dataclass(frozen=True, eq=False)
class CurrentImage:
    """The image every page works on.

    ``key`` is a hash of the content (file bytes or sample name), used as the cache key.
    """

    key: str
    name: str
    pixels: np.ndarray  # (H, W, 3) uint8: an upload at most server.MAX_SIDE px on the long side, a sample 600
    original_size: tuple[int, int]  # (height, width) of the file
    notes: tuple[str, ...] = ()


def digest(data: bytes) -> str:
    """Hex SHA-256 of ``data``: the cache key of an upload."""
    return hashlib.sha256(data).hexdigest()


# Images are shared, not copied: every session gets the same object (a copy per session would cost
# 2.4 MB each time). Their pixels are read-only, so no session can change what another sees.
@memo(mb=32)
def sample(name: str) -> CurrentImage:
    """A sample image from convcore's library."""
    pixels = convcore.sample_image(name)
    pixels.flags.writeable = False
    key = "sample:" + digest(pixels.tobytes())[:16]
    return CurrentImage(key, name, pixels, pixels.shape[:2])


@memo(mb=4)
def sample_card(name: str, width: int) -> bytes:
    """Home's card picture of a sample, ``width`` pixels wide and 3/4 as high, as JPEG: made from
    :func:`convcore.sample_preview` (not the full-size image) once, not on every rerun."""
    return encode.jpeg_bytes(mosaic.cover(convcore.sample_preview(name, width), (3 * width // 4, width)))


@memo(mb=16, ttl=3600)
def decode(key: str, name: str, _raw: bytes) -> CurrentImage:
    """Decode an uploaded file (raises convcore.ImageError with a student-readable message).

    Keyed by the file's hash (and name, which the caption shows). Each session keeps its own image;
    this cache is there for a class uploading the same file (the teacher's photo): the last dozen
    kept, for an hour. (With 160 MB it held every upload of issue 18's load test, 51 MB of the
    shared cache budget, and was never hit: each student uploads once.)
    Holds a heavy-work slot and the decode's estimated peak memory out of the server's decode budget.
    """
    side = server.MAX_SIDE
    with server.heavy(), server.decode_budget(convcore.decode_cost(_raw, max_side=side)):
        loaded = convcore.open_image(_raw, max_side=side)
    loaded.pixels.flags.writeable = False
    return CurrentImage(key, name, loaded.pixels, loaded.original_size, loaded.notes)


@memo(mb=32)
def _photo(image_key: str, max_side: int | None, _pixels: np.ndarray) -> bytes:
    return encode.jpeg_bytes(_pixels, max_side=max_side)


def photo(image: CurrentImage, *, max_side: int | None = None) -> bytes:
    """The image as JPEG bytes for ``st.image``, encoded once per image (not on every rerun)."""
    return _photo(image.key, max_side, image.pixels)


def filter_fingerprint(filt: convcore.Filter) -> str:
    """A short string that changes whenever the filter's numbers change."""
    h = hashlib.sha256(filt.kernel.tobytes() + str(filt.kernel.shape).encode())
    for k in filt.magnitude_of or ():
        h.update(k.tobytes())
    return f"{filt.key}:{h.hexdigest()[:16]}"


@dataclass(frozen=True)
class MapKey:
    """What a coloured feature map depends on (the cache key; the arrays travel unhashed beside it).

    ``colour`` is "luminance" or "rgb" (see :func:`convcore.apply_filter`); ``stretch`` puts full
    colour at the 99th percentile instead of the extreme value.
    """

    image_key: str
    fingerprint: str
    colour: str
    params: convcore.ConvParams
    display: str = "diverging"
    stretch: bool = True
    label: str = ""
    palette: tuple[str, str] = colour.DEFAULT_PALETTE


def map_key(image: CurrentImage, filt: convcore.Filter, colour_mode: str, params: convcore.ConvParams,
            **view) -> MapKey:  # fmt: skip
    """The key of ``filt``'s map on ``image``; ``view`` holds display, stretch, label, palette."""
    return MapKey(image.key, filter_fingerprint(filt), colour_mode, params, **view)


# Raw maps are big (a 3-channel 1024 x 1024 map is 12 MB) and only needed to re-colour one:
# few are kept. The rendered PNGs below are small and kept longer.
@memo(mb=48)
def _feature_map(image_key: str, fingerprint: str, colour_mode: str, params, _pixels, _filt) -> np.ndarray:
    with server.heavy():
        return convcore.apply_filter(_pixels, _filt, colour=colour_mode, params=params)


def _colour_parts(key: MapKey, _pixels, _filt) -> tuple[np.ndarray, list[colour.Colourised], str]:
    """The raw map, its colours (one part per colour channel for a detector applied to each of R, G
    and B, all on one shared scale; else one part) and the colour bar's label."""
    fmap = _feature_map(key.image_key, key.fingerprint, key.colour, key.params, _pixels, _filt)
    display, palette = key.display, key.palette
    top = None if display == "image" else colour.full_scale(fmap, display, stretch=key.stretch)
    label = key.label
    if key.stretch and top is not None and top < colour.full_scale(fmap, display, stretch=False):
        label = f"{label} (stronger values saturate)".lstrip()
    if fmap.ndim == 3 and display != "image":
        return fmap, [colour.colourise(channel, display, top=top, palette=palette) for channel in fmap], label
    return fmap, [colour.colourise(fmap, display, top=top, palette=palette)], label


def _colourised(key: MapKey, _pixels, _filt) -> tuple[np.ndarray, colour.Colourised, str]:
    """The raw map, its colours as one picture (channel maps side by side) and the bar's label."""
    fmap, parts, label = _colour_parts(key, _pixels, _filt)
    if len(parts) == 1:
        return fmap, parts[0], label
    body = mosaic.side_by_side([mosaic.upscale(p.rgb, 200) for p in parts])
    return fmap, colour.Colourised(body, parts[0].vmin, parts[0].vmax, parts[0].cmap), label


#: The widest a picture of the input is shown (presenter mode on a 1280-pixel projector, about 500):
#: a smaller image is enlarged by a whole factor with square pixels, so the browser only ever
#: shrinks it and small images stay crisp instead of blurred.
SHOWN_WIDTH = 600
#: Enlarged pictures stay within this many pixels on their longer side.
_MAX_ENLARGED = 2048


def enlargement(input_size: tuple[int, int], *sizes: tuple[int, int]) -> int:
    """The whole factor by which an input of ``input_size`` (rows, columns), and the maps of
    ``sizes`` drawn beside it, are enlarged (the same factor for all: their widths keep the ratio
    of their columns)."""
    biggest = max(max(s) for s in (input_size, *sizes))
    return max(1, min(SHOWN_WIDTH // max(1, input_size[1]), _MAX_ENLARGED // biggest))


def _enlarged(rgb: np.ndarray, factor: int) -> np.ndarray:
    if factor == 1:
        return rgb
    return np.repeat(np.repeat(rgb, factor, axis=0), factor, axis=1)


@memo(mb=32)
def _shown_photo(image_key: str, factor: int, _pixels: np.ndarray) -> bytes:
    if factor == 1:
        return encode.jpeg_bytes(_pixels)
    return encode.png_bytes(_enlarged(_pixels, factor))  # PNG: no ringing around the square pixels


def shown_photo(image: CurrentImage, factor: int) -> bytes:
    """The image as it is shown beside its feature map: JPEG, or enlarged ``factor`` times with
    square pixels as PNG (see :func:`enlargement`)."""
    return _shown_photo(image.key, factor, image.pixels)


@dataclass(frozen=True)
class Rendered:
    """A feature map ready to show: PNGs and the numbers a caption and a text alternative need."""

    #: one picture, or one per colour channel (R, G, B) when a detector's three maps are coloured;
    #: enlarged like the input (:func:`enlargement`) or to 256 pixels, at most MAX_SHOWN_WIDTH wide
    map_pngs: tuple[bytes, ...]
    bar_png: bytes | None  # None for 'image' display of a picture
    shape: tuple[int, ...]
    minimum: float
    maximum: float
    mean: float
    scale: tuple[float, float]  # the values at the two ends of the colour bar

    @property
    def map_png(self) -> bytes:
        """The first (or only) map picture."""
        return self.map_pngs[0]


def _map_picture(rgb: np.ndarray, input_size: tuple[int, int]) -> bytes:
    shown = mosaic.upscale(rgb)
    factor = enlargement(input_size, rgb.shape[:2])
    if factor > shown.shape[1] // rgb.shape[1]:
        shown = _enlarged(rgb, factor)
    if shown.shape[1] > mosaic.MAX_SHOWN_WIDTH:
        shown = mosaic.shrink(shown, mosaic.MAX_SHOWN_WIDTH)
    return encode.png_bytes(shown)


@memo(mb=48)
def _rendered(key: MapKey, bar_width: int, _pixels, _filt) -> Rendered:
    fmap, parts, label = _colour_parts(key, _pixels, _filt)
    first = parts[0]
    bar = None if first.cmap is None else colour.colourbar(first, width=bar_width, label=label)
    pngs = tuple(_map_picture(p.rgb, _pixels.shape[:2]) for p in parts)
    return Rendered(pngs, None if bar is None else encode.png_bytes(bar), fmap.shape, float(fmap.min()),
                    float(fmap.max()), float(fmap.mean()), (first.vmin, first.vmax))  # fmt: skip


def rendered(image: CurrentImage, filt: convcore.Filter, key: MapKey, *, bar_width: int = 360) -> Rendered:
    """The feature map of ``filt`` on ``image``, colour-mapped as ``key`` says (cached); its colour
    bar ``bar_width`` pixels wide."""
    return _rendered(key, bar_width, image.pixels, filt)


@memo(mb=16)
def _download_png(key: MapKey, _pixels, _filt) -> bytes:
    _, colourised, label = _colourised(key, _pixels, _filt)
    return encode.png_bytes(mosaic.with_colourbar(colourised, label=label))


def download_png(image: CurrentImage, filt: convcore.Filter, key: MapKey):
    """A function making the full-size map with its colour bar as PNG: for a download button,
    which calls it only when clicked (drawing it on every rerun cost as much as the map)."""
    pixels = image.pixels  # read now: the click has no session
    return lambda: _download_png(key, pixels, filt)


def readout_arrays(image: CurrentImage, filt: convcore.Filter, key: MapKey) -> tuple[dict, bytes]:
    """The numbers behind ``key``'s map for the hover readout: a header (sizes, geometry, kernels,
    offsets) and one block of bytes: the padded input (C, Hp, Wp) at offset 0 (uint8 where it holds
    whole pixel values, else little-endian float32, as the header's "dtype" says), then the map(s)
    (n, H', W') as float32. The browser only indexes these: it computes no convolution.

    Made from the cached map on every call, not cached itself: 1-4 ms (768 x 576, one or three
    channels) for 2-5 MB; in a cache of 64 MB they were hit 27 % of the time in the load test and
    took a third of the shared pool from the maps and analyses that cost 15-150 ms to make again."""
    pixels, colour_mode, params = image.pixels, key.colour, key.params
    fmap = _feature_map(key.image_key, key.fingerprint, colour_mode, params, pixels, filt)
    inputs = convcore.filter_inputs(pixels, filt, colour=colour_mode, params=params)
    geom = inputs.geometry
    maps = fmap if fmap.ndim == 3 else fmap[None]
    # R, G, B (and their mirrored or copied padding) are whole numbers 0-255: a quarter of the bytes
    values = inputs.padded
    exact = bool(values.min() >= 0 and values.max() <= 255 and np.array_equal(values, np.rint(values)))
    padded = (values.astype(np.uint8) if exact else values.astype("<f4", copy=False)).tobytes()
    padded += b"\0" * (-len(padded) % 4)  # the float32 map after it starts on a multiple of 4
    header = {
        "input": {"h": int(pixels.shape[0]), "w": int(pixels.shape[1])},
        "padded": {
            "channels": int(values.shape[0]),
            "h": int(values.shape[1]),
            "w": int(values.shape[2]),
            "offset": 0,
            "dtype": "u1" if exact else "f4",
        },  # fmt: skip
        "maps": {"count": int(maps.shape[0]), "offset": len(padded)},
        "out": [int(n) for n in geom.output_size],
        "stride": [int(n) for n in geom.stride],
        "dilation": [int(n) for n in geom.dilation],
        "pad": [int(n) for n in geom.pad_before],
        "kernels": [k.tolist() for k in inputs.kernels],  # float64: exact in JSON
        "depthwise": inputs.depthwise,
        "combine": "hypot" if len(inputs.kernels) == 2 else "sum",
        "bias": 0.0,  # the library's filters have none
    }
    return header, padded + maps.astype("<f4", copy=False).tobytes()

"""Applying library filters to RGB images, through :func:`convcore.conv2d`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._checks import as_int, as_real_array, check_choice
from .conv import conv2d, pad_input
from .geometry import ConvGeometry, ConvParams, _conv_params
from .images import to_grey
from .kernels import Filter

__all__ = ["FilterInputs", "apply_filter", "filter_inputs"]

_VALID_COLOUR_MODES = frozenset({"luminance", "rgb"})


def apply_filter(
    image: np.ndarray,
    filt: Filter,
    *,
    colour: str = "luminance",
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] | str = 0,
    dilation: int | tuple[int, int] = 1,
    padding_mode: str = "zeros",
    flip: bool = False,
    params: ConvParams | None = None,
) -> np.ndarray:
    """Apply a :class:`~convcore.kernels.Filter` to an image with :func:`convcore.conv2d`.

    Parameters
    ----------
    image : ndarray of shape (H, W, 3) or (H, W)
        Pixel values (0-255 for uint8 images; numbers are kept in that range, not rescaled).
    filt : Filter
        From :func:`convcore.get_filter` or :func:`convcore.custom_filter`.
    colour : {"luminance", "rgb"}, optional
        For a greyscale kernel: apply it to the image's brightness (one map), or to each of
        red, green and blue separately (a depthwise convolution, three maps). A colour kernel
        always covers the three channels and gives one map.
    stride, padding, dilation, padding_mode, flip, params
        As for :func:`convcore.conv2d`: ``params`` replaces the five settings keywords.

    Returns
    -------
    ndarray of float32, shape (H', W'), or (3, H', W') for ``colour="rgb"`` with a greyscale
    kernel.
    """
    img = _checked(image, filt, colour)
    p = _conv_params(
        params, stride=stride, padding=padding, dilation=dilation, padding_mode=padding_mode, flip=flip
    )
    x, kernels, depthwise = _prepared(img, filt, colour)
    if depthwise:
        maps = [conv2d(x, np.repeat(k[None], 3, axis=0), groups=3, params=p) for k in kernels]
    else:
        maps = [conv2d(x, k[None], params=p)[0] for k in kernels]
    if filt.magnitude_of is None:
        return maps[0]
    return np.hypot(maps[0], maps[1]).astype(np.float32)


def _checked(image: object, filt: object, colour: object) -> np.ndarray:
    """The public boundary's checks of :func:`apply_filter` and :func:`filter_inputs`: the image as
    an array."""
    if not isinstance(filt, Filter):
        raise TypeError(f"filt must be a convcore Filter, got {type(filt).__name__}")
    check_choice(colour, "colour", _VALID_COLOUR_MODES)
    img = as_real_array(image, "image", ndims=(2, 3))
    if img.ndim == 3 and img.shape[2] != 3:
        raise ValueError(f"image must have shape (H, W, 3) or (H, W), got {img.shape}")
    return img


def _prepared(img: np.ndarray, filt: Filter, colour: str) -> tuple[np.ndarray, list[np.ndarray], bool]:
    """The input as (C, H, W) float32, the kernels as (C, kh, kw) (one, or the two of a magnitude
    filter) and whether each channel is filtered on its own (a grey kernel on each of R, G, B)."""
    kernels = filt.magnitude_of or (filt.kernel,)
    if filt.is_colour:
        if img.ndim != 3:
            raise ValueError(f"the colour filter {filt.name!r} needs an RGB image, got shape {img.shape}")
        return np.ascontiguousarray(img.transpose(2, 0, 1), dtype=np.float32), list(kernels), False
    if colour == "rgb" and img.ndim == 3:
        x = np.ascontiguousarray(img.transpose(2, 0, 1), dtype=np.float32)
        return x, [np.asarray(k)[None] for k in kernels], True
    return to_grey(img)[None], [np.asarray(k)[None] for k in kernels], False


@dataclass(frozen=True)
class FilterInputs:
    """What a filter's taps read when :func:`apply_filter` runs: enough to show how any one output
    number is made (the browser's hover readout gets exactly these numbers).

    ``out[c, i, j] = combine(sum of terms(i, j, c, kernel=k)[:, 0] * terms(...)[:, 1] for each kernel k)``
    where combine is the plain value for one kernel and ``hypot`` for a magnitude filter's two.
    """

    #: (C, Hp, Wp) float32: the input channels (brightness, or R, G, B) with the padding around them
    padded: np.ndarray
    #: each (C, kh, kw) float64 as slid over ``padded`` (already turned by 180 degrees when flipping);
    #: one kernel, or the two of a magnitude filter (its x and y parts)
    kernels: tuple[np.ndarray, ...]
    geometry: ConvGeometry
    #: True: a grey kernel on each of R, G, B, output channel c reads input channel c alone;
    #: False: one output channel that sums over every input channel (a colour kernel, or brightness)
    depthwise: bool

    @property
    def channels_out(self) -> int:
        return self.padded.shape[0] if self.depthwise else 1

    def terms(self, row: int, col: int, channel: int = 0, kernel: int = 0) -> np.ndarray:
        """The (input, weight) pairs summed into output ``(channel, row, col)``: shape (n, 2), in the
        order channel, kernel row, kernel column."""
        oh, ow = self.geometry.output_size
        row, col = _index(row, "row", oh), _index(col, "col", ow)
        channel = _index(channel, "channel", self.channels_out)
        kernel = _index(kernel, "kernel", len(self.kernels))
        (sh, sw), (dh, dw) = self.geometry.stride, self.geometry.dilation
        kh, kw = self.kernels[kernel].shape[1:]
        top, left = row * sh, col * sw
        window = self.padded[:, top : top + (kh - 1) * dh + 1 : dh, left : left + (kw - 1) * dw + 1 : dw]
        if self.depthwise:
            window = window[channel : channel + 1]
        weights = self.kernels[kernel]
        return np.stack([window.astype(np.float64).ravel(), weights.ravel()], axis=1)


def _index(value: object, name: str, size: int) -> int:
    value = as_int(value, name, minimum=0)
    if value >= size:
        raise ValueError(f"{name} must be < {size}, got {value}")
    return value


def filter_inputs(
    image: np.ndarray, filt: Filter, *, colour: str = "luminance", params: ConvParams | None = None
) -> FilterInputs:
    """The padded input, kernels and geometry behind ``apply_filter(image, filt, colour=colour,
    params=params)``: see :class:`FilterInputs`. Parameters and errors as for :func:`apply_filter`."""
    img = _checked(image, filt, colour)
    p = _conv_params(params)
    x, kernels, depthwise = _prepared(img, filt, colour)
    geom = p.geometry(x.shape[1:], filt.size)
    slid = tuple(
        np.ascontiguousarray(
            np.asarray(k, dtype=np.float64)[:, ::-1, ::-1] if p.flip else np.asarray(k, np.float64)
        )
        for k in kernels
    )
    padded = np.ascontiguousarray(pad_input(x, geom, p.padding_mode), dtype=np.float32)
    return FilterInputs(padded, slid, geom, depthwise)

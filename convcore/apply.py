"""Applying library filters to RGB images, through :func:`convcore.conv2d`."""

from __future__ import annotations

import numpy as np

from ._checks import as_real_array, check_choice
from .conv import conv2d
from .geometry import ConvParams, _conv_params
from .images import to_grey
from .kernels import Filter

__all__ = ["apply_filter"]

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
    if not isinstance(filt, Filter):
        raise TypeError(f"filt must be a convcore Filter, got {type(filt).__name__}")
    check_choice(colour, "colour", _VALID_COLOUR_MODES)
    img = as_real_array(image, "image", ndims=(2, 3))
    if img.ndim == 3 and img.shape[2] != 3:
        raise ValueError(f"image must have shape (H, W, 3) or (H, W), got {img.shape}")
    p = _conv_params(
        params, stride=stride, padding=padding, dilation=dilation, padding_mode=padding_mode, flip=flip
    )
    kernels = filt.magnitude_of or (filt.kernel,)
    if filt.is_colour:
        if img.ndim != 3:
            raise ValueError(f"the colour filter {filt.name!r} needs an RGB image, got shape {img.shape}")
        x = np.ascontiguousarray(img.transpose(2, 0, 1), dtype=np.float32)
        maps = [conv2d(x, k[None], params=p)[0] for k in kernels]
    elif colour == "rgb" and img.ndim == 3:
        x = np.ascontiguousarray(img.transpose(2, 0, 1), dtype=np.float32)
        maps = [conv2d(x, np.repeat(k[None, None], 3, axis=0), groups=3, params=p) for k in kernels]
    else:
        grey = to_grey(img)
        maps = [conv2d(grey, k, params=p) for k in kernels]
    if filt.magnitude_of is None:
        return maps[0]
    return np.hypot(maps[0], maps[1]).astype(np.float32)

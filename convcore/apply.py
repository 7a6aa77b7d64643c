"""Applying library filters to RGB images, through :func:`convcore.conv2d`.

Large separable kernels (a strong Gaussian blur: 73 x 73 at sigma 12) take their own path: two
1-D passes, each a real FFT along one axis. The engine's separable path slides the 1-D kernel
directly, which costs in proportion to its length (about 100-350 ms for 61 taps on a 1024 x 1024
RGB image here); the FFT costs the same at any length (about 30-50 ms) and gives the same numbers
to float32 rounding (tests/test_apply.py checks it against PyTorch).
"""

from __future__ import annotations

import numpy as np
from scipy import fft as _fft

from ._checks import as_real_array, check_choice
from .conv import _rank1, conv2d, pad_input
from .geometry import ConvParams, _conv_params
from .images import to_grey
from .kernels import Filter

__all__ = ["apply_filter"]

_VALID_COLOUR_MODES = frozenset({"luminance", "rgb"})
#: Rank-1 kernels spanning at least this many pixels (dilation included) on a side go through
#: 1-D FFTs; below it the engine's direct 1-D passes are as fast or faster (measured here: at 19
#: taps both took 30-60 ms for 1024 x 1024 RGB, at 31 taps the FFT was twice as fast).
_FFT_MIN_SPAN = 25
#: FFTs over at least this many elements use two threads.
_FFT_THREADED_MIN_SIZE = 1 << 20


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
    fast = _separable_fft(img, filt, colour, p)
    if fast is not None:
        return fast
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


def _separable_fft(img: np.ndarray, filt: Filter, colour: str, p: ConvParams) -> np.ndarray | None:
    """``apply_filter`` for a large rank-1 greyscale kernel, or None where it does not apply."""
    if filt.is_colour or filt.magnitude_of is not None:
        return None
    kernel = filt.kernel[::-1, ::-1] if p.flip else filt.kernel
    x = (
        np.ascontiguousarray(img.transpose(2, 0, 1), dtype=np.float32)
        if colour == "rgb" and img.ndim == 3
        else to_grey(img)[None].astype(np.float32, copy=False)
    )
    geom = p.geometry(x.shape[1:], kernel.shape)  # the engine's checks and messages
    if max(geom.span) < _FFT_MIN_SPAN:
        return None
    factors = _rank1(kernel)
    if factors is None:
        return None
    out = _fft_pass(pad_input(x, geom, p.padding_mode), factors[1], geom.dilation[1], axis=2)
    out = _fft_pass(out, factors[0], geom.dilation[0], axis=1)
    (sh, sw), (ho, wo) = geom.stride, geom.output_size
    out = np.ascontiguousarray(out[:, : (ho - 1) * sh + 1 : sh, : (wo - 1) * sw + 1 : sw])
    return out if colour == "rgb" and img.ndim == 3 else out[0]


def _fft_pass(x: np.ndarray, taps: np.ndarray, dilation: int, *, axis: int) -> np.ndarray:
    """The 'valid' correlation of ``x`` (float32) with the 1-D kernel ``taps`` along ``axis``.

    ``out[..., i] = sum_j taps[j] * x[..., i + j * dilation]``: element ``i + span - 1`` of the
    convolution with the kernel reversed. A circular convolution as long as ``x`` along the axis
    wraps only onto the first ``span - 1`` elements, which are not kept.
    """
    dilated = np.zeros((len(taps) - 1) * dilation + 1, dtype=np.float32)
    dilated[::dilation] = taps
    n, span = x.shape[axis], dilated.size
    size = _fft.next_fast_len(n, real=True)
    workers = 2 if x.size >= _FFT_THREADED_MIN_SIZE else 1
    spectrum = _fft.rfft(dilated[::-1], n=size)
    shape = [1] * x.ndim
    shape[axis] = -1
    full = _fft.irfft(_fft.rfft(x, n=size, axis=axis, workers=workers) * spectrum.reshape(shape), n=size,
                      axis=axis, workers=workers)  # fmt: skip
    keep = [slice(None)] * x.ndim
    keep[axis] = slice(span - 1, n)
    return full[tuple(keep)]

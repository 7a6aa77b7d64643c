"""2-D convolution with PyTorch's semantics, computed with numpy/scipy.

``conv2d`` gives the same numbers as ``torch.nn.functional.conv2d`` (and as ``torch.nn.Conv2d``
with its ``padding_mode``). Like PyTorch it computes a *cross-correlation*: the kernel is laid
on the input as it is, without flipping. This is what deep learning calls "convolution".
``convolve2d`` (or ``flip=True``) computes the convolution of mathematics and signal processing,
where the kernel is turned by 180 degrees first.

The engine picks a method by problem size, never looping over pixels in Python:

- ``direct``: every window gathered with a strided view and summed with ``einsum``; used for
  small problems, where the other methods' overheads dominate;
- ``separable``: a rank-1 kernel (Sobel, box, Gaussian, ...) as two 1-D passes;
- ``ndimage``: ``scipy.ndimage.correlate`` for small dense kernels (up to 16 taps, e.g. 4x4);
- ``fft``: a single-precision real FFT product for larger dense kernels.

For stride > 1 the stride-1 result is computed and subsampled.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._checks import as_int, as_real_array
from .geometry import ConvGeometry, ConvParams, _conv_params

__all__ = ["conv2d", "convolve2d", "pad_input", "windows"]

_NUMPY_PAD_MODES = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}
_NDIMAGE_MODES = {"zeros": "constant", "reflect": "mirror", "replicate": "nearest", "circular": "wrap"}

#: Below this many multiply-adds the direct (gather + einsum) method is used.
_DIRECT_MAX_WORK = 2_000_000
#: Dense kernels with at most this many taps (after dilation) go to ndimage, larger ones to FFT.
_NDIMAGE_MAX_TAPS = 16
#: Rank-1 kernels spanning at least this many pixels on a side (dilation included: a strong blur,
#: 73 x 73 at sigma 12) take two 1-D FFT passes instead of sliding the 1-D kernels, whose cost grows
#: with their length (measured on 1024 x 1024 RGB: equal at 19 taps, the FFT twice as fast at 31).
_SEPARABLE_FFT_MIN_SPAN = 25
#: Images with at least this many pixels are split over threads.
_THREADED_MIN_PIXELS = 1 << 16
#: FFTs of at least this many elements (all channels together) use several threads.
_FFT_THREADED_MIN_SIZE = 1 << 20
_WORKERS = max(1, min(4, os.cpu_count() or 1))
_executor: ThreadPoolExecutor | None = None


def conv2d(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | float | None = None,
    *,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] | str = 0,
    dilation: int | tuple[int, int] = 1,
    groups: int = 1,
    padding_mode: str = "zeros",
    flip: bool = False,
    params: ConvParams | None = None,
) -> np.ndarray:
    """2-D cross-correlation of a multi-channel input with a bank of kernels (PyTorch's conv2d).

    ``out[o, i, j] = bias[o] + sum_{c, u, v} weight[o, c, u, v] *
    padded[c, i * stride + u * dilation, j * stride + v * dilation]``

    Parameters
    ----------
    x : array_like of shape (C, H, W) or (H, W)
        Input; a 2-D input is one channel.
    weight : array_like of shape (O, C // groups, kh, kw) or (kh, kw)
        Kernels; a 2-D kernel is one output channel over one input channel.
    bias : array_like of shape (O,), float or None, optional
        Added to each output channel.
    stride, dilation : int or (int, int), optional
        Step between windows and spacing between kernel taps, each >= 1.
    padding : int, (int, int), "same" or "valid", optional
        Rows/columns added on each side. "same" keeps the input size (stride 1 only; an odd
        total goes below/right, as in PyTorch); "valid" is 0.
    groups : int, optional
        Input and output channels split into this many independent groups
        (``groups == C`` is a depthwise convolution).
    padding_mode : {"zeros", "reflect", "replicate", "circular"}, optional
        What the padding holds: zeros, a mirror image without repeating the edge, copies of the
        edge, or the opposite side of the input.
    flip : bool, optional
        Turn each kernel by 180 degrees first: true convolution instead of cross-correlation.
    params : ConvParams, optional
        All five settings above in one value; it replaces the keywords, which must then keep
        their defaults.

    Returns
    -------
    ndarray of float32, shape (O, H', W'), or (H', W') when ``x`` and ``weight`` are both 2-D.

    Raises
    ------
    ValueError, TypeError
        For any invalid argument, naming it and what is allowed; TypeError when both
        ``params`` and a settings keyword are given.

    Examples
    --------
    A single bright pixel returns the kernel turned by 180 degrees (cross-correlation):

    >>> conv2d([[0, 0, 0], [0, 1, 0], [0, 0, 0]], [[1, 2], [3, 4]])
    array([[4., 3.],
           [2., 1.]], dtype=float32)
    >>> conv2d([[0, 0, 0], [0, 1, 0], [0, 0, 0]], [[1, 2], [3, 4]], params=ConvParams(flip=True))
    array([[1., 2.],
           [3., 4.]], dtype=float32)
    """
    xa = as_real_array(x, "x", ndims=(2, 3))
    wa = as_real_array(weight, "weight", ndims=(2, 4))
    both_2d = xa.ndim == 2 and wa.ndim == 2
    x3 = xa[None] if xa.ndim == 2 else xa
    w4 = wa[None, None] if wa.ndim == 2 else wa
    groups = as_int(groups, "groups", minimum=1)
    p = _conv_params(
        params, stride=stride, padding=padding, dilation=dilation, padding_mode=padding_mode, flip=flip
    )
    channels, out_channels = x3.shape[0], w4.shape[0]
    if channels % groups or out_channels % groups:
        raise ValueError(
            f"groups={groups} must divide both the input channels ({channels}) and the "
            f"output channels ({out_channels})"
        )
    if w4.shape[1] * groups != channels:
        raise ValueError(
            f"channel mismatch: x has {channels} channel(s) but weight of shape {w4.shape} "
            f"with groups={groups} expects {w4.shape[1] * groups}"
        )
    bias_arr = _check_bias(bias, out_channels)
    geom = p.geometry(x3.shape[1:], w4.shape[2:])
    w64 = w4.astype(np.float64)
    if p.flip:
        w64 = w64[:, :, ::-1, ::-1]
    out = _correlate(x3.astype(np.float32, copy=False), w64, geom, groups, p.padding_mode)
    if bias_arr is not None:
        out += bias_arr.astype(np.float32)[:, None, None]
    return out[0] if both_2d else out


def convolve2d(
    x: np.ndarray, weight: np.ndarray, bias: np.ndarray | float | None = None, **kwargs
) -> np.ndarray:
    """True convolution: :func:`conv2d` with each kernel turned by 180 degrees.

    Takes the same arguments as :func:`conv2d` (except ``flip``). For a symmetric kernel
    (box, Gaussian, Laplacian) both give the same result; for Sobel the sign flips. With
    ``params``, the kernel is flipped whatever ``params.flip`` says.
    """
    if "flip" in kwargs:
        raise TypeError("convolve2d always flips the kernel; call conv2d(..., flip=...) instead")
    params = kwargs.pop("params", None)
    if params is None:
        return conv2d(x, weight, bias, flip=True, **kwargs)
    settings = {k: kwargs.pop(k) for k in ("stride", "padding", "dilation", "padding_mode") if k in kwargs}
    p = _conv_params(params, **settings)
    return conv2d(x, weight, bias, params=replace(p, flip=True), **kwargs)


def _check_bias(bias: object, out_channels: int) -> np.ndarray | None:
    if bias is None:
        return None
    arr = as_real_array(bias, "bias", ndims=(0, 1))
    arr = np.broadcast_to(arr, (out_channels,)) if arr.ndim == 0 and out_channels == 1 else arr
    if arr.shape != (out_channels,):
        raise ValueError(
            f"bias must have shape ({out_channels},), one value per output channel, got {arr.shape}"
        )
    return arr


# --------------------------------------------------------------------------------------------
# The engine. Inputs are validated: x (C, H, W) float32, w (O, C // groups, kh, kw) float64.


def _correlate(x: np.ndarray, w: np.ndarray, geom: ConvGeometry, groups: int, mode: str) -> np.ndarray:
    out_channels, cin_per_group, kh, kw = w.shape
    ho, wo = geom.output_size
    work = ho * wo * kh * kw * cin_per_group * out_channels
    if work <= _DIRECT_MAX_WORK:
        return _direct(x, w, geom, groups, mode)
    full = _full_stride1(x, w, geom, groups, mode)
    sh, sw = geom.stride
    if (sh, sw) != (1, 1):
        full = np.ascontiguousarray(full[:, ::sh, ::sw][:, :ho, :wo])
    return full


def pad_input(x: np.ndarray, geom: ConvGeometry, mode: str) -> np.ndarray:
    """The input with the padding of ``geom`` around it, as the engine sees it.

    Parameters
    ----------
    x : ndarray of shape (C, H, W)
    geom : ConvGeometry
    mode : {"zeros", "reflect", "replicate", "circular"}

    Returns
    -------
    ndarray of shape (C, Hp, Wp): ``x`` itself when there is no padding.
    """
    (pt, pl), (pb, pr) = geom.pad_before, geom.pad_after
    if pt == pb == pl == pr == 0:
        return x
    return np.pad(x, ((0, 0), (pt, pb), (pl, pr)), mode=_NUMPY_PAD_MODES[mode])


def windows(x: np.ndarray, geom: ConvGeometry, mode: str) -> np.ndarray:
    """All windows of the padded input that the kernel's taps touch.

    Returns a read-only view of shape (C, H', W', kh, kw): ``windows[c, i, j]`` holds the
    input values under the kernel for output position (i, j) (dilation applied).
    """
    xp = pad_input(x, geom, mode)
    (sh, sw), (dh, dw) = geom.stride, geom.dilation
    ho, wo = geom.output_size
    view = sliding_window_view(xp, geom.span, axis=(1, 2))
    return view[:, : (ho - 1) * sh + 1 : sh, : (wo - 1) * sw + 1 : sw, ::dh, ::dw]


def _direct(x: np.ndarray, w: np.ndarray, geom: ConvGeometry, groups: int, mode: str) -> np.ndarray:
    win = windows(x, geom, mode)
    cg, og = w.shape[1], w.shape[0] // groups
    parts = [
        np.einsum("chwij,ocij->ohw", win[g * cg : (g + 1) * cg], w[g * og : (g + 1) * og], optimize=True)
        for g in range(groups)
    ]
    return np.concatenate(parts).astype(np.float32)


def _rank1(kernel: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Return (column, row) with kernel == outer(column, row), or None if the rank is not 1."""
    if kernel.shape[0] == 1:
        return np.ones(1), kernel[0].copy()
    if kernel.shape[1] == 1:
        return kernel[:, 0].copy(), np.ones(1)
    u, s, vt = np.linalg.svd(kernel)
    if s[0] == 0 or s[1] > 1e-9 * s[0]:
        return None
    col, row = u[:, 0] * s[0], vt[0]
    if np.abs(np.outer(col, row) - kernel).max() > 1e-9 * np.abs(kernel).max():
        return None
    return col, row


def _dilate(kernel: np.ndarray, dilation: tuple[int, ...]) -> np.ndarray:
    if all(d == 1 for d in dilation):
        return kernel
    shape = tuple(d * (k - 1) + 1 for k, d in zip(kernel.shape, dilation))
    out = np.zeros(shape, dtype=kernel.dtype)
    out[tuple(slice(None, None, d) for d in dilation)] = kernel
    return out


def _full_stride1(x: np.ndarray, w: np.ndarray, geom: ConvGeometry, groups: int, mode: str) -> np.ndarray:
    """Stride-1 output (O, H1, W1) where H1 = padded height - span + 1."""
    out_channels, cg = w.shape[:2]
    og = out_channels // groups
    (pt, pl), (pb, pr) = geom.pad_before, geom.pad_after
    span_h, span_w = geom.span
    # ndimage extends the input itself when the padding fits inside one kernel span;
    # otherwise (and always for FFT) the input is padded explicitly.
    native = pt + pb <= span_h - 1 and pl + pr <= span_w - 1
    h1 = geom.input_size[0] + pt + pb - span_h + 1
    w1 = geom.input_size[1] + pl + pr - span_w + 1
    out = np.zeros((out_channels, h1, w1), dtype=np.float32)
    tasks, fft_pairs, long_pairs = [], [], []
    padded: np.ndarray | None = None
    for o in range(out_channels):
        for j in range(cg):
            c = (o // og) * cg + j
            kernel = w[o, j]
            if not kernel.any():
                continue
            factors = _rank1(kernel)
            if factors is None and span_h * span_w > _NDIMAGE_MAX_TAPS:
                fft_pairs.append((o, c, kernel))
                continue
            if factors is not None and max(span_h, span_w) >= _SEPARABLE_FFT_MIN_SPAN:
                long_pairs.append((o, c, factors))
                continue
            if native:
                src, origin = x[c], (pt, pl)
            else:
                if padded is None:
                    padded = pad_input(x, geom, mode)
                src, origin = padded[c], (0, 0)
            tasks.append((o, src, kernel, factors, origin))
    if fft_pairs:
        if mode == "zeros":  # the FFT's own zero-padding is the padding: no copy needed
            src, offset = x, (span_h - 1 - pt, span_w - 1 - pl)
        else:
            if padded is None:
                padded = pad_input(x, geom, mode)
            src, offset = padded, (span_h - 1, span_w - 1)
        _fft_accumulate(out, src, offset, fft_pairs, geom.dilation, (span_h, span_w))
    if long_pairs:
        if padded is None:
            padded = pad_input(x, geom, mode)
        for o, c, (col, row) in long_pairs:
            rows = _fft_pass(padded[c], row, geom.dilation[1], axis=1)
            out[o] += _fft_pass(rows, col, geom.dilation[0], axis=0)
    by_output: dict[int, list[tuple]] = {}
    for o, *task in tasks:
        by_output.setdefault(o, []).append(task)
    fft_outputs = {o for o, _, _ in fft_pairs} | {o for o, _, _ in long_pairs}

    def run(o: int) -> None:
        for i, (src, kernel, factors, origin) in enumerate(by_output[o]):
            accumulate = i > 0 or o in fft_outputs
            _spatial(out[o], accumulate, src, kernel, factors, origin, geom.dilation, mode)

    _map(run, list(by_output), large=x[0].size >= _THREADED_MIN_PIXELS)
    return out


def _ndimage_origin(first: int, span: int) -> int:
    """ndimage origin that puts output 0 on the window starting ``first`` pixels before row 0."""
    return first - span // 2


def _spatial(dst, accumulate, src, kernel, factors, start, dilation, mode) -> None:
    """Write (or add, if ``accumulate``) the ndimage correlation of ``src`` into ``dst``."""
    from scipy import ndimage  # scipy on first use: Home's first paint needs none (issue 18)

    ndmode = _NDIMAGE_MODES[mode]
    h1, w1 = dst.shape
    direct = not accumulate and src.shape == dst.shape  # ndimage can write straight into dst
    target = dst if direct else None
    if factors is not None:
        col = _dilate(factors[0], dilation[:1])
        row = _dilate(factors[1], dilation[1:])
        tmp = ndimage.correlate1d(src, row, axis=1, mode=ndmode, origin=_ndimage_origin(start[1], row.size))
        origin = _ndimage_origin(start[0], col.size)
        res = ndimage.correlate1d(tmp, col, axis=0, output=target, mode=ndmode, origin=origin)
    else:
        k = _dilate(kernel, dilation)
        origin = (_ndimage_origin(start[0], k.shape[0]), _ndimage_origin(start[1], k.shape[1]))
        res = ndimage.correlate(src, k, output=target, mode=ndmode, origin=origin)
    if direct:
        return
    if accumulate:
        dst += res[:h1, :w1]
    else:
        dst[...] = res[:h1, :w1]


def _fft_pass(x: np.ndarray, taps: np.ndarray, dilation: int, *, axis: int) -> np.ndarray:
    """The 'valid' correlation of ``x`` (float32) with the 1-D kernel ``taps`` along ``axis``.

    ``out[..., i] = sum_j taps[j] * x[..., i + j * dilation]``: element ``i + span - 1`` of the
    convolution with the kernel reversed. A circular convolution as long as ``x`` along the axis
    wraps only onto the first ``span - 1`` elements, which are not kept.
    """
    from scipy import fft as _fft  # scipy on first use: Home's first paint needs none (issue 18)

    dilated = np.zeros((len(taps) - 1) * dilation + 1, dtype=np.float32)
    dilated[::dilation] = taps
    n, span = x.shape[axis], dilated.size
    size = _fast_size(n)
    workers = 2 if x.size >= _THREADED_MIN_PIXELS else 1
    spectrum = _fft.rfft(dilated[::-1], n=size)
    shape = [1] * x.ndim
    shape[axis] = -1
    full = _fft.irfft(_fft.rfft(x, n=size, axis=axis, workers=workers) * spectrum.reshape(shape), n=size,
                      axis=axis, workers=workers)  # fmt: skip
    keep = [slice(None)] * x.ndim
    keep[axis] = slice(span - 1, n)
    return full[tuple(keep)].astype(np.float32, copy=False)


def _fast_size(n: int) -> int:
    """Smallest 2**a * 3**b * 5**c >= n: measured faster here than the 7- and 11-smooth sizes
    ``scipy.fft.next_fast_len`` also allows (512 beat 504, 1024 beat 1008)."""
    best = 1 << max(0, (n - 1).bit_length())
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            p235 = p35
            while p235 < n:
                p235 *= 2
            best = min(best, p235)
            p35 *= 3
        p5 *= 5
    return best


def _fft_accumulate(out, src, offset, pairs, dilation, span) -> None:
    """Add the correlations of ``pairs`` [(o, c, kernel)] over ``src`` into ``out`` via FFT.

    ``out[o, i, j]`` takes element ``(i + offset[0], j + offset[1])`` of the full linear
    convolution of ``src[c]`` with the flipped kernel. The transform size is the smallest fast
    size for which the circular convolution does not wrap onto those elements.
    """
    from scipy import fft as _fft  # scipy on first use: Home's first paint needs none (issue 18)

    h1, w1 = out.shape[1:]
    shape = tuple(
        _fast_size(max(n + k - 1 - off, off + m))
        for n, k, off, m in zip(src.shape[1:], span, offset, (h1, w1))
    )
    channels = sorted({c for _, c, _ in pairs})
    used = src if len(channels) == src.shape[0] else src[channels]  # no copy in the usual case
    # A second FFT thread pays off only for big transforms; on small ones its wake-up made the
    # timings bimodal here (0.25 MP: median 9.8 ms with 2 workers, 7.1 ms with 1).
    workers = _WORKERS if len(channels) * shape[0] * shape[1] >= _FFT_THREADED_MIN_SIZE else 1
    spectra = _fft.rfft2(used, s=shape, workers=workers)
    index = {c: i for i, c in enumerate(channels)}
    kernel_spectra: dict[bytes, np.ndarray] = {}  # equal kernels (depthwise) are transformed once

    def kspec(kernel: np.ndarray) -> np.ndarray:
        key = kernel.tobytes() + bytes(str(kernel.shape), "ascii")
        if key not in kernel_spectra:
            flipped = _dilate(kernel, dilation)[::-1, ::-1].astype(np.float32)
            kernel_spectra[key] = _fft.rfft2(flipped, s=shape)
        return kernel_spectra[key]

    by_output: dict[int, list[tuple[int, np.ndarray]]] = {}
    for o, c, kernel in pairs:
        by_output.setdefault(o, []).append((c, kernel))
    for o, items in by_output.items():
        # One inverse transform per output channel: a batched one needs two more image-sized
        # buffers, and at 4 MP their first-touch cost here outweighed the batching (measured).
        total = spectra[index[items[0][0]]] * kspec(items[0][1])
        for c, kernel in items[1:]:
            total += spectra[index[c]] * kspec(kernel)
        full = _fft.irfft2(total, s=shape, workers=workers)
        out[o] += full[offset[0] : offset[0] + h1, offset[1] : offset[1] + w1]


def _map(func, items, *, large: bool) -> None:
    """Call ``func`` on each item, on worker threads when there are several and the image is large."""
    global _executor
    if len(items) < 2 or _WORKERS == 1 or not large:
        for item in items:
            func(item)
        return
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=_WORKERS, thread_name_prefix="convcore")
    for _ in _executor.map(func, items):
        pass

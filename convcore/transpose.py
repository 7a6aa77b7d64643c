"""Transposed convolution with PyTorch's semantics (``torch.nn.functional.conv_transpose2d``).

The upsampling of a convolutional autoencoder: every input number adds a scaled copy of the
kernel to the output, ``stride`` apart. :func:`transpose_contributions` returns those copies one
by one, for drawing.

>>> conv_transpose2d([[1, 2]], [[1, 1]], stride=2).tolist()
[[1.0, 1.0, 2.0, 2.0]]
"""

from __future__ import annotations

import numpy as np

from ._checks import as_int, as_pair, as_real_array

__all__ = ["conv_transpose2d", "transpose_contributions"]


def conv_transpose2d(
    x: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | float | None = None,
    *,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
    output_padding: int | tuple[int, int] = 0,
    dilation: int | tuple[int, int] = 1,
) -> np.ndarray:
    """Transposed convolution with PyTorch's semantics (``torch.nn.functional.conv_transpose2d``).

    Parameters
    ----------
    x : array_like of shape (C_in, H, W) or (H, W)
    weight : array_like of shape (C_in, C_out, kh, kw) or (kh, kw)
        PyTorch's layout for transposed convolutions (input channels first).
    stride, padding, output_padding, dilation
        As in PyTorch: the output is (H - 1) * stride - 2 * padding + dilation * (k - 1)
        + output_padding + 1 on each axis; output_padding must be smaller than stride or dilation.

    bias : array_like of shape (C_out,), float or None, optional

    Returns
    -------
    ndarray of float32, shape (C_out, H', W'), or (H', W') when both inputs are 2-D.
    """
    xa = as_real_array(x, "x", ndims=(2, 3))
    wa = as_real_array(weight, "weight", ndims=(2, 4))
    x3 = (xa[None] if xa.ndim == 2 else xa).astype(np.float64)
    w4 = (wa[None, None] if wa.ndim == 2 else wa).astype(np.float64)
    if w4.shape[0] != x3.shape[0]:
        raise ValueError(
            f"channel mismatch: x has {x3.shape[0]} channel(s), weight of shape {w4.shape} expects {w4.shape[0]}"
        )
    s, p = as_pair(stride, "stride", minimum=1), as_pair(padding, "padding", minimum=0)
    op, d = as_pair(output_padding, "output_padding", minimum=0), as_pair(dilation, "dilation", minimum=1)
    for axis in range(2):
        if op[axis] >= max(s[axis], d[axis]):
            raise ValueError(
                f"output_padding must be smaller than stride or dilation, got {output_padding!r}"
            )
    (h, w), (kh, kw) = x3.shape[1:], w4.shape[2:]
    full = [(n - 1) * st + dd * (k - 1) + 1 + o for n, st, dd, k, o in zip((h, w), s, d, (kh, kw), op)]
    out_hw = [f - 2 * pp for f, pp in zip(full, p)]
    if min(out_hw) < 1:
        raise ValueError(
            f"padding {padding!r} is too large: it would remove the whole output ({full[0]} x {full[1]})"
        )
    out = np.zeros((w4.shape[1], *full))
    for u in range(kh):  # one pass per kernel tap, not per pixel
        for v in range(kw):
            contrib = np.einsum("chw,co->ohw", x3, w4[:, :, u, v])
            r0, c0 = u * d[0], v * d[1]
            out[:, r0 : r0 + (h - 1) * s[0] + 1 : s[0], c0 : c0 + (w - 1) * s[1] + 1 : s[1]] += contrib
    out = out[:, p[0] : p[0] + out_hw[0], p[1] : p[1] + out_hw[1]]
    if bias is not None:
        b = as_real_array(bias, "bias", ndims=(0, 1))
        out += np.broadcast_to(b, (w4.shape[1],))[:, None, None]
    out = out.astype(np.float32)
    return out[0] if xa.ndim == 2 and wa.ndim == 2 else out


def transpose_contributions(
    x: np.ndarray, kernel: np.ndarray, *, stride: int = 2
) -> list[tuple[tuple[int, int], np.ndarray]]:
    """For a 2-D input and kernel (no padding): what each input number adds to the output.

    Returns a list of ((row, col), contribution) where contribution has the full output's shape
    and is zero outside the kernel-sized block that input number writes. Their sum is
    :func:`conv_transpose2d`'s output.
    """
    xa = as_real_array(x, "x", ndims=(2,)).astype(np.float64)
    k = as_real_array(kernel, "kernel", ndims=(2,)).astype(np.float64)
    s = as_int(stride, "stride", minimum=1)
    h, w = xa.shape
    shape = ((h - 1) * s + k.shape[0], (w - 1) * s + k.shape[1])
    parts = []
    for i in range(h):
        for j in range(w):
            c = np.zeros(shape)
            c[i * s : i * s + k.shape[0], j * s : j * s + k.shape[1]] = xa[i, j] * k
            parts.append(((i, j), c))
    return parts

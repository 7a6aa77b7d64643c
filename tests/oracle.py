"""PyTorch references for convcore's operations, in float64."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F


def torch_conv2d(x, w, bias=None, *, stride=1, padding=0, dilation=1, groups=1, padding_mode="zeros"):
    """What torch.nn.Conv2d computes (padding_mode applied with F.pad, as Conv2d does)."""
    x3 = np.array(x, dtype=np.float64)
    w4 = np.array(w, dtype=np.float64)
    squeeze = x3.ndim == 2 and w4.ndim == 2
    x3 = x3[None] if x3.ndim == 2 else x3
    w4 = w4[None, None] if w4.ndim == 2 else w4
    xt, wt = torch.from_numpy(x3)[None], torch.from_numpy(w4)
    bt = None if bias is None else torch.as_tensor(np.asarray(bias, dtype=np.float64)).reshape(-1)
    if padding_mode != "zeros" and padding != "valid" and padding != 0:
        d = (dilation, dilation) if isinstance(dilation, int) else dilation
        if padding == "same":
            totals = [dd * (k - 1) for k, dd in zip(w4.shape[2:], d)]
            pads = (totals[1] // 2, totals[1] - totals[1] // 2, totals[0] // 2, totals[0] - totals[0] // 2)
        else:
            p = (padding, padding) if isinstance(padding, int) else padding
            pads = (p[1], p[1], p[0], p[0])
        xt = F.pad(xt, pads, mode=padding_mode)
        padding = 0
    out = F.conv2d(xt, wt, bt, stride=stride, padding=padding, dilation=dilation, groups=groups)[0].numpy()
    return out[0] if squeeze else out


def torch_pool2d(x, kernel_size, *, stride=None, padding=0, mode="max"):
    x3 = np.array(x, dtype=np.float64)
    squeeze = x3.ndim == 2
    xt = torch.from_numpy(x3[None] if squeeze else x3)[None]
    if mode == "max":
        out = F.max_pool2d(xt, kernel_size, stride=stride, padding=padding)
    else:
        out = F.avg_pool2d(xt, kernel_size, stride=stride, padding=padding)
    out = out[0].numpy()
    return out[0] if squeeze else out

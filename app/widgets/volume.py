"""3-D convolution on a short video (lesson step 14): a 3 x 3 x 3 kernel over 3 consecutive frames of a
moving square, one output number at a time; the numbers are :func:`convcore.conv3d`'s (PyTorch's
``conv3d``, checked in tests/test_conv3d.py)."""

from __future__ import annotations

import numpy as np
import streamlit as st

import convcore
from app import session
from app.draw import encode, grid, mosaic
from app.draw.text import fmt, rounded_terms
from app.session import LINK
from app.widgets.kernels import typed_numbers

P = "c3"
#: The two videos: 5 frames of 6 x 6, a bright 2 x 2 square (9) on a dark ground (0).
STACKS = {"A square moving right": 1, "A square standing still": 0}
KERNELS = {"Temporal difference": convcore.TEMPORAL_DIFFERENCE, "3-D average": convcore.AVERAGE_3D}
TYPED = "Type 27 numbers"
_EXPLAIN = {
    "Temporal difference": "frame t + 1 minus frame t at the window's centre: lights up what moves",
    "3-D average": "the mean of 27 numbers: a blur in space and in time",
    TYPED: "slice 1 (for the first frame under the kernel), then slice 2, then slice 3, each row by row",
}


def _kernel(name: str) -> np.ndarray | None:
    """The chosen kernel, or the typed one (None, said in a sentence, unless 27 numbers are typed)."""
    if name in KERNELS:
        return np.asarray(KERNELS[name])
    default = ", ".join(fmt(float(v)) for v in convcore.TEMPORAL_DIFFERENCE.ravel())
    typed = typed_numbers("27 numbers", default, f"{P}.typed", name="3-D kernel", max_numbers=27)
    if typed is not None and typed.size != 27:
        st.warning(f"3-D kernel: write exactly 27 numbers (you wrote {typed.size}).")
        return None
    return None if typed is None else typed.reshape(3, 3, 3)


def _pictures(stack: np.ndarray, kernel: np.ndarray, out: np.ndarray, step: convcore.Conv3dStep) -> tuple:
    """The input frames side by side (the window outlined on the three under the kernel), then the
    kernel's slices beside the output frame (the current number outlined); drawn at the size they
    are shown at 1024 pixels (cells of 16 and 36 pixels), so that no number is shrunk."""
    big = session.presenting()
    size = {"title_size": 22 if big else 17}
    t, r, c = step.position
    window = {(i, j) for i in step.rows for j in step.cols}
    frames = [grid.picture(f, title=f"Frame {k + 1}", cell=28 if big else 16, scale=float(np.abs(stack).max()) or 1.0,
                           window=window if k in step.frames else frozenset(), **size)
              for k, f in enumerate(stack)]  # fmt: skip
    top = float(np.abs(kernel).max()) or 1.0
    cell = 48 if big else 36
    slices = [grid.picture(kernel[k], title=f"Slice {k + 1}", cell=cell, scale=top, **size) for k in range(3)]
    output = grid.picture(out[t], title=f"Output frame {t + 1}", cell=max(cell, grid.auto_cell(out[t])),
                          window={(r, c)}, **size)  # fmt: skip
    return mosaic.side_by_side(frames, gap=12), mosaic.side_by_side([*slices, output], gap=18)


def _equation(step: convcore.Conv3dStep) -> str:
    """The output number as the sum of three 2-D sums, one per frame; the shown terms add up."""
    t, r, c = step.position
    sums = step.products.sum(axis=(1, 2))
    decimals = 0 if np.allclose(step.products, np.round(step.products)) else 3
    terms = rounded_terms(sums, decimals)
    total = f"{round(float(sums.sum()), decimals):.{decimals}f}"
    pairs = " + ".join(f"slice {k + 1} · frame {f + 1}" for k, f in enumerate(step.frames))
    parts = " + ".join(f"({s})" if s.startswith("-") else s for s in terms)
    return (f"**Output frame {t + 1}, row {r + 1}, column {c + 1}** = {pairs} = {parts} = **{total}**  \n"
            "Each term is one slice times the outlined 3 x 3 window of its frame, 9 products summed: 27 "
            "products in all.")  # fmt: skip


def section() -> None:
    """The 3-D view: a video and a kernel, sliders for the output number, the pictures, the sum."""
    st.subheader("3-D convolution: video and volumes", anchor="conv3d")
    left, right = st.columns(2, gap="medium")
    video = left.selectbox("Video: 5 frames of 6 x 6", list(STACKS), key=f"{P}.stack", bind=LINK)
    stack = convcore.moving_square(5, 6, 2, speed=STACKS[video])
    name = right.selectbox("3-D kernel, 3 x 3 x 3", [*KERNELS, TYPED], key=f"{P}.kernel", bind=LINK)
    with right:
        kernel = _kernel(name)
    if kernel is None:
        return
    out = convcore.conv3d(stack, kernel)
    frames, rows, cols = out.shape
    left, right = st.columns(2, gap="medium")
    t = left.slider("Output frame", 1, frames, 1, key=f"{P}.frame", bind=LINK) - 1
    k = right.slider("Output number (row by row)", 1, rows * cols, 1, key=f"{P}.position", bind=LINK) - 1
    step = convcore.conv3d_step(stack, kernel, (t, k // cols, k % cols))
    top, bottom = _pictures(stack, kernel, out, step)
    st.caption(f"{name}: {_EXPLAIN[name]}.")
    encode.show(st, top, alt=f"The video's 5 frames of 6 x 6; the kernel's 3 x 3 window is outlined on frames "
                f"{step.frames[0] + 1} to {step.frames[-1] + 1}")  # fmt: skip
    values = "; ".join(" ".join(fmt(float(v)) for v in row) for row in out[t])
    encode.show(
        st, bottom, alt=f"The kernel's three 3 x 3 slices, and output frame {t + 1} of {frames}: {values}"
    )
    st.markdown(_equation(step))
    st.caption(
        f"The kernel slides along time too, so the output is a short video: 5 - 3 + 1 = {frames} frames of "
        f"{rows} x {cols} (no padding). Real videos have 3 colour channels: the kernel then has a slice per channel "
        "as well, 3 x 3 x 3 x 3 = 81 weights. CT and MRI scans are volumes the same way, with depth for time."
    )

"""Pooling, step by step: max or average over each window, and what a one-pixel shift does."""

import numpy as np
import streamlit as st

import convcore
from app import explain, export, server, session
from app.draw import encode, grid, steps
from app.session import LINK
from app.widgets import exercises, stepper
from app.widgets import steps as step_widgets

P = "ps"
st.title("Pooling, step by step")
st.caption(
    "Pooling shrinks a feature map: each window of numbers becomes one number, its largest (max pooling) "
    "or its average. No weights are learned."
)
image = session.current_image()

inp, geo = st.columns([3, 2], gap="large")
with inp:
    st.markdown("**Input** (think of it as a feature map)")
    x, tint = step_widgets.input_grid(P, image, colour=False, sizes=(4, 16))
with geo:
    st.markdown("**Settings**")
    mode = (
        "max"
        if st.radio("Pooling", ["Max", "Average"], key=f"{P}.mode", horizontal=True, bind=LINK) == "Max"
        else "avg"
    )
    size = st.slider("Window size", 1, 4, 2, key=f"{P}.window", bind=LINK)
    stride = st.slider(
        "Stride", 1, 4, size, key=f"{P}.stride", help="Usually equal to the window size.", bind=LINK
    )
    padding = st.slider(
        "Padding", 0, 2, 0, key=f"{P}.padding", help="At most half the window (PyTorch's rule).", bind=LINK
    )
    st.caption("Max pooling pads with -infinity (never chosen); average pooling pads with zeros that count.")

try:
    trace = convcore.pool2d_steps(x, size, stride=stride, padding=padding, mode=mode)
except ValueError as exc:
    st.warning(f"No output with these settings: {exc}", icon=":material/block:")
    trace = None


@server.fragment(run_every=stepper.interval(P))
def walk(trace: convcore.PoolTrace) -> None:
    step_widgets.apply_output_click(P, trace)
    k = stepper.controls(P, len(trace))
    step = trace[k]
    pics = steps.pool_step_images(trace, step, tint=tint)
    c1, c2, c3 = st.columns([5, 2, 4])
    encode.show(c1, pics["input"])
    encode.show(c2, pics["window"])
    with c3:
        step_widgets.clickable_output(P, pics["output"], pics["layout"], 0)
    st.markdown(f"#### {explain.pool_equation(step)}")
    h, w = x.shape
    oh, ow = trace.output.shape[1:]
    st.caption(f"The map shrinks from {w} x {h} to {ow} x {oh} numbers.")
    for line in explain.size_formulas(
        (h, w), (size, size), convcore.ConvParams(stride=stride, padding=padding)
    ):
        st.latex(line)
    exercises.predict_next(P, trace, k, explain.pool_equation)
    step_widgets.downloads(P, trace, step, frame=lambda s, cell: steps.pool_frame(trace, s, tint=tint, cell=cell),
                           csv_sections=export.pool_csv_sections)  # fmt: skip


if trace is not None:
    walk(trace)

st.divider()
st.subheader("Shift the input by one pixel")
st.caption(
    "Is a pooled map less sensitive to exactly where things are? Shift the input and count the numbers that "
    "stay the same. With max pooling, a feature that moves but stays inside its window changes nothing; one "
    "that crosses into the next window does. Try the presets and window sizes."
)
direction = st.radio("Direction", ["Right", "Down"], key=f"{P}.shift", horizontal=True, bind=LINK)
try:
    cmp = convcore.compare_shift(
        x, size, rows=int(direction == "Down"), cols=int(direction == "Right"), stride=stride, mode=mode
    )
except ValueError as exc:
    st.warning(f"No pooled output with these settings: {exc}")
else:
    changed = {tuple(int(v) for v in rc) for rc in np.argwhere(cmp.pooled != cmp.pooled_shifted)}
    a, b, c, d = st.columns(4)
    encode.show(a, grid.picture(cmp.original, title="Input", cell=30, tint=tint))
    encode.show(b, grid.picture(cmp.shifted, title=f"Shifted {direction.lower()}", cell=30, tint=tint))
    encode.show(c, grid.picture(cmp.pooled, title="Pooled", cell=30, tint=tint))
    encode.show(d, grid.picture(cmp.pooled_shifted, title="Pooled after the shift", cell=30, tint=tint,
                                window=changed))  # fmt: skip
    st.markdown(
        f"Unchanged numbers: **{cmp.unchanged_before:.0%}** of the input, "
        f"**{cmp.unchanged_after:.0%}** of the pooled output (changed ones outlined)."
    )

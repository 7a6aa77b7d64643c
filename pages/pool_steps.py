"""Pooling, step by step: max or average over each window, and what a one-pixel shift does."""

import streamlit as st

import convcore
from app import explain, export, server, session
from app.draw import steps
from app.session import LINK
from app.widgets import exercises, live, shift, stepper
from app.widgets import steps as step_widgets

P = "ps"
st.title("Pooling, step by step")
image = session.current_image()
# while one of these sliders is dragged, the grids follow it (not only on release)
dragged = live.watch([f"{P}.step", f"{P}.window", f"{P}.stride", f"{P}.padding"])

# The settings in one row of popovers: the step's pictures, below, are on the first screen.
row, (inp, geo) = step_widgets.settings_row(("Input", ":material/grid_on:"), ("Pooling", ":material/tune:"))
with inp:
    st.caption("Think of the input as a feature map.")
    x, tint = step_widgets.input_grid(P, image, colour=False, sizes=(4, 16))
with geo:
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
    size = live.value(dragged, f"{P}.window", size, 1, 4)
    stride = live.value(dragged, f"{P}.stride", stride, 1, 4)
    padding = live.value(dragged, f"{P}.padding", padding, 0, 2)
    st.caption("Max pooling pads with -infinity (never chosen); average pooling pads with zeros that count.")
row.caption(f"{x.shape[1]} x {x.shape[0]} input · {'max' if mode == 'max' else 'average'} pooling · window "
            f"{size} x {size} · stride {stride}, padding {padding}")  # fmt: skip

try:
    trace = convcore.pool2d_steps(x, size, stride=stride, padding=padding, mode=mode)
except ValueError as exc:
    st.warning(f"No output with these settings: {exc}", icon=":material/block:")
    trace = None


@server.fragment(run_every=stepper.interval(P))
def walk(trace: convcore.PoolTrace) -> None:
    k = stepper.controls(P, len(trace), dragged)
    step = trace[k]
    alts = steps.pool_step_alts(trace, step)
    step_widgets.pool_view(P, trace, step, equation=explain.pool_equation(step), alt="; ".join(alts.values()),
                           beside_output=lambda: exercises.predict_next(P, trace, k, solution=explain.pool_equation,
                                                                        hint=explain.pool_hint))  # fmt: skip
    h, w = x.shape
    oh, ow = trace.output.shape[1:]
    change = (
        f"shrinks from {w} x {h} to {ow} x {oh}" if oh * ow < h * w else f"goes from {w} x {h} to {ow} x {oh}"
    )
    st.caption(f"Each window of the map becomes one number: its largest (max pooling) or its average. No weights "
               f"are learned, and each map of a layer is pooled on its own. The map {change} numbers.")  # fmt: skip
    formulas = explain.size_formulas(
        (h, w), (size, size), convcore.ConvParams(stride=stride, padding=padding)
    )
    for line in formulas:
        st.latex(line)
    exercises.output_size(P, trace.geometry)
    step_widgets.downloads(P, trace, step, frame=lambda s, cell: steps.pool_frame(trace, s, tint=tint, cell=cell),
                           csv_sections=export.pool_csv_sections)  # fmt: skip


if trace is not None:
    walk(trace)

st.divider()
shift.section(P, x, size, stride, mode, tint)

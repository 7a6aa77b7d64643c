"""Convolution, step by step: every window, product and sum, on a patch of the student's image."""

import numpy as np
import streamlit as st

import convcore
from app import explain, export, server, session
from app.draw import encode, steps
from app.draw.text import fmt
from app.session import LINK
from app.widgets import exercises, stepper
from app.widgets import steps as step_widgets

P = "cs"
st.title("Convolution, step by step")
st.caption(
    "Each output number: lay the kernel on the input, multiply the numbers that meet, add them up, add the bias. "
    "The numbers are convcore's (checked against PyTorch)."
)
image = session.current_image()

inp, ker, geo = st.columns([5, 4, 3], gap="large")
with geo:
    st.markdown("**Settings**")
    colour = st.toggle(
        "RGB volume (3 channels)", key=f"{P}.rgb", help="An RGB patch and 3-channel kernels.", bind=LINK
    )
    stride = st.slider("Stride", 1, 4, 1, key=f"{P}.stride", bind=LINK)
    padding = st.slider("Padding", 0, 3, 0, key=f"{P}.padding", bind=LINK)
    mode = st.selectbox(
        "Padding holds",
        ["zeros", "reflect", "replicate", "circular"],
        key=f"{P}.mode",
        disabled=padding == 0,
        bind=LINK,
    )
    dilation = st.slider("Dilation", 1, 3, 1, key=f"{P}.dilation", bind=LINK)
    bias = st.number_input("Bias", -1000.0, 1000.0, 0.0, step=1.0, key=f"{P}.bias", bind=LINK)
    flip = st.toggle(
        "Flip the kernel (true convolution)",
        key=f"{P}.flip",
        help="Deep learning's 'convolution' is cross-correlation: the kernel is not flipped. "
        "Turn this on to see mathematics' convolution, with the kernel turned by 180 degrees.",
        bind=LINK,
    )
with inp:
    st.markdown("**Input**")
    x, tint = step_widgets.input_grid(P, image, colour=colour)
with ker:
    st.markdown("**Kernel**")
    weight, names = step_widgets.kernels(P, colour=colour)
    st.caption(explain.layer_parameters(weight.shape))
    if flip:
        st.caption(
            "Flipped: what deep learning calls convolution is cross-correlation; this is the flipped one."
        )

try:
    params = convcore.ConvParams(
        stride=stride, padding=padding, dilation=dilation, padding_mode=mode, flip=flip
    )
    trace = convcore.conv2d_steps(x, weight, np.full(weight.shape[0], bias), params=params)
except ValueError as exc:
    st.warning(f"No output with these settings: {exc}", icon=":material/block:")
    trace = None


@server.fragment(run_every=stepper.interval(P))
def walk(trace: convcore.ConvTrace) -> None:
    step_widgets.apply_output_click(P, trace)
    k = stepper.controls(P, len(trace))
    step = trace[k]
    pics = steps.conv_step_images(trace, step, tint=tint)
    channel_names = ["red", "green", "blue"] if len(pics["inputs"]) == 3 else [""]
    for a, b, c, name, part in zip(pics["inputs"], pics["kernels"], pics["products"], channel_names,
                                   step.channel_sums):  # fmt: skip
        c1, c2, c3 = st.columns([5, 3, 3])
        encode.show(c1, a)
        encode.show(c2, b)
        encode.show(c3, c)
        c3.caption(f"Sum of the {name + ' ' if name else ''}products: {fmt(part)}")
    st.markdown(f"#### {explain.step_equation(step)}")
    o1, o2 = st.columns(2)
    with o1:
        step_widgets.clickable_output(P, pics["output"], pics["layout"], step.position[0])
    encode.show(o2, pics["relu"])
    o2.caption("ReLU keeps positive numbers and sets negative ones to 0.")
    st.markdown("**Output size** (k = kernel size, p = padding, d = dilation, s = stride)")
    formulas = explain.size_formulas(x.shape[-2:], weight.shape[2:], params)
    for line in formulas:  # stacked: side by side they do not fit a laptop screen
        st.latex(line)
    exercises.predict_next(P, trace, k, explain.step_equation)
    exercises.output_size(P, trace.output.shape[1], formulas[0])
    step_widgets.downloads(P, trace, step, frame=lambda s, cell: steps.conv_frame(trace, s, tint=tint, cell=cell),
                           csv_sections=export.conv_csv_sections)  # fmt: skip


if trace is not None:
    walk(trace)

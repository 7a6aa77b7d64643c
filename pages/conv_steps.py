"""Convolution, step by step: every window, product and sum, on a patch of the student's image."""

import numpy as np
import streamlit as st

import convcore
from app import explain, export, server, session
from app.draw import encode, steps
from app.session import LINK
from app.widgets import exercises, live, stepgrid, stepper
from app.widgets import steps as step_widgets

P = "cs"
st.title("Convolution, step by step")
image = session.current_image()
# while one of these sliders is dragged, the grids follow it (not only on release)
dragged = live.watch([f"{P}.step", f"{P}.stride", f"{P}.padding", f"{P}.dilation"])

# The settings in one row of popovers: the step's pictures, below, are on the first screen.
row, (inp, ker, geo) = step_widgets.settings_row(
    ("Input", ":material/grid_on:"),
    ("Kernel", ":material/apps:"),
    ("Stride, padding, dilation", ":material/tune:"),
)
with inp:
    body = st.container()  # the input's picker first, the channels' switch under it
    colour = st.toggle(
        "RGB volume (3 channels)", key=f"{P}.rgb", help="An RGB patch and 3-channel kernels.", bind=LINK
    )
    with body:
        x, tint = step_widgets.input_grid(P, image, colour=colour, sizes=(5, 32))
with ker:
    weight, names = step_widgets.kernels(P, colour=colour)
    bias = st.number_input("Bias", -1000.0, 1000.0, 0.0, step=1.0, key=f"{P}.bias", bind=LINK)
    flip = st.toggle(
        "Flip the kernel (true convolution)",
        key=f"{P}.flip",
        help="Deep learning's 'convolution' is cross-correlation: the kernel is not flipped. "
        "Turn this on to see mathematics' convolution, with the kernel turned by 180 degrees.",
        bind=LINK,
    )
    st.caption(explain.layer_parameters(weight.shape))
with geo:
    stride = st.slider("Stride", 1, 4, 1, key=f"{P}.stride", bind=LINK)
    padding = st.slider("Padding", 0, 3, 0, key=f"{P}.padding", bind=LINK)
    mode = st.selectbox("Padding holds", ["zeros", "reflect", "replicate", "circular"], key=f"{P}.mode",
                        disabled=padding == 0, bind=LINK)  # fmt: skip
    dilation = st.slider("Dilation", 1, 3, 1, key=f"{P}.dilation", bind=LINK)
    stride = live.value(dragged, f"{P}.stride", stride, 1, 4)
    padding = live.value(dragged, f"{P}.padding", padding, 0, 3)
    dilation = live.value(dragged, f"{P}.dilation", dilation, 1, 3)
try:
    params = convcore.ConvParams(
        stride=stride, padding=padding, dilation=dilation, padding_mode=mode, flip=flip
    )
    trace = convcore.conv2d_steps(x, weight, np.full(weight.shape[0], bias), params=params)
except ValueError as exc:
    st.warning(f"No output with these settings: {exc}", icon=":material/block:")
    trace = None

out = "" if trace is None else f" → {' x '.join(map(str, trace.output.shape[::-1]))} output"
row.caption(
    f"{' x '.join(map(str, x.shape[::-1]))} input · {', '.join(names)}{' (flipped)' if flip else ''} · stride "
    f"{stride}, padding {padding}{f' ({mode})' if padding else ''}, dilation {dilation} · bias {bias:g}{out}"
)


@server.fragment(run_every=stepper.interval(P))
def walk(trace: convcore.ConvTrace) -> None:
    k = stepper.controls(P, len(trace), dragged)
    if x.shape[-1] > stepgrid.DENSE:
        st.caption(f"A {x.shape[-1]} x {x.shape[-1]} input is drawn small, each cell shaded by its number (point at "
                   "one to read it); the window's numbers are in the kernel and product grids, the sum below.")  # fmt: skip
    step = trace[k]
    alts = steps.conv_step_alts(trace, step)
    alt = "; ".join([*alts["inputs"], *alts["kernels"], *alts["products"], alts["output"]])
    step_widgets.conv_view(P, trace, step, equation=explain.step_equation(step), alt=alt, beside_output=lambda: exercises.predict_next(
        P, trace, k, solution=explain.step_equation, hint=explain.step_hint))  # fmt: skip
    st.caption("Each output number: lay the kernel on the input, multiply the numbers that meet, add them up, "
               "add the bias. The numbers are convcore's, checked against PyTorch.")  # fmt: skip
    shaded = trace.output.shape[-1] > stepgrid.DENSE  # 28 columns of numbers do not fit a page: shades
    relu_picture = steps.relu_picture(trace, step, **step_widgets.sizes(), numbers=not shaded)
    # Beside the output-size formulas a third of the page is about 190 pixels wide at 1024: a wider
    # picture (an output of more than about 5 columns) would be shrunk past reading, so it takes the row.
    beside = relu_picture.shape[1] <= 250
    relu, size = st.columns([1, 2], gap="large") if beside else (st.container(), st.container())
    encode.show(relu, relu_picture, alt=alts["relu"])
    relu.caption("ReLU keeps positive numbers and sets negative ones to 0"
                 + (": white is 0, the redder the larger, grey not computed yet." if shaded else "."))  # fmt: skip
    with size:
        st.markdown("**Output size** (k = kernel size, p = padding, d = dilation, s = stride)")
        for line in explain.size_formulas(x.shape[-2:], weight.shape[2:], params):
            st.latex(line)  # stacked: side by side they do not fit a laptop screen
        if trace.output.shape[1:] == x.shape[-2:] and stride == 1 and padding:
            st.caption(f"'Same' padding: at stride 1, p = d(k - 1)/2 = {padding} keeps the input's size.")
        exercises.output_size(P, trace.geometry)
    step_widgets.downloads(P, trace, step, frame=lambda s, cell: steps.conv_frame(trace, s, tint=tint, cell=cell),
                           csv_sections=export.conv_csv_sections)  # fmt: skip


if trace is not None:
    walk(trace)

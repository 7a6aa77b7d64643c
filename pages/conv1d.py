"""1-D convolution step by step, 3-D convolution on a short video, and transposed convolution (upsampling)."""

import numpy as np
import streamlit as st

import convcore
from app import explain, server
from app.draw import encode, grid, steps
from app.draw.text import fmt
from app.session import LINK
from app.widgets import live, stepper, volume
from app.widgets import steps as step_widgets
from app.widgets.kernels import number_editor, typed_numbers

P = "c1"
T = "tc"
st.title("1-D and 3-D convolution, upsampling")
# while one of these sliders is dragged, the pictures follow it (not only on release)
dragged = live.watch([f"{P}.step", f"{P}.stride", f"{P}.padding", f"{T}.step", f"{T}.stride"])

SIGNALS = ["Noisy sine", "Step", "Type numbers", "Text as character codes"]
KERNELS = {
    "Moving average (3)": [1 / 3] * 3,
    "Moving average (5)": [0.2] * 5,
    "Difference [-1 0 1]": [-1.0, 0.0, 1.0],
}
MAX_KERNEL = 9
#: A typed signal: enough for any lesson, and its step grids stay small enough to draw at once.
MAX_SIGNAL = 200

# The settings in one row of popovers: the step's pictures, below, are on the first screen.
row, (left, mid, right) = step_widgets.settings_row(
    ("Signal", ":material/timeline:"), ("Kernel", ":material/apps:"), ("Stride, padding", ":material/tune:")
)
with left:
    kind = st.radio("Signal", SIGNALS, key=f"{P}.signal", bind=LINK)
    if kind == "Noisy sine":
        t = np.arange(24)
        signal = np.round(np.sin(t / 3) * 10 + np.random.default_rng(0).normal(0, 2, t.size), 1)
    elif kind == "Step":
        signal = np.r_[np.zeros(10), np.full(10, 10.0)]
    elif kind == "Type numbers":
        signal = typed_numbers(
            "Numbers", "3, 1, 4, 1, 5, 9, 2, 6, 5, 3", f"{P}.typed", name="Signal", max_numbers=MAX_SIGNAL
        )
    else:
        text = st.text_input("Text", "convolution", key=f"{P}.text", max_chars=30, bind=LINK)
        signal = np.array([float(ord(c)) for c in text]) if text else None
        st.caption("Each character becomes its code (a = 97, b = 98, ...).")
with mid:
    kname = st.radio("Kernel", [*KERNELS, "Type a kernel"], key=f"{P}.kernel", bind=LINK)
    kernel = (np.array(KERNELS[kname]) if kname in KERNELS
              else typed_numbers("Kernel numbers", "1, 0, -1", f"{P}.ktyped", name="Kernel", max_numbers=MAX_KERNEL))  # fmt: skip
with right:
    stride = live.value(
        dragged, f"{P}.stride", st.slider("Stride", 1, 4, 1, key=f"{P}.stride", bind=LINK), 1, 4
    )
    padding = live.value(
        dragged, f"{P}.padding", st.slider("Padding", 0, 3, 0, key=f"{P}.padding", bind=LINK), 0, 3
    )
length = "no signal" if signal is None else f"{signal.size} numbers"
row.caption(
    f"{kind}: {length} · {kname if kernel is not None else 'no kernel'} · stride {stride}, padding {padding}"
)

trace = None
if signal is not None and kernel is not None:
    try:
        trace = convcore.conv1d_steps(signal, kernel, stride=stride, padding=padding)
    except ValueError as exc:
        st.warning(f"No output with these settings: {exc}", icon=":material/block:")


@server.fragment(run_every=stepper.interval(P))
def walk(trace) -> None:
    k = stepper.controls(P, len(trace), dragged)
    step = trace[k]
    pics = steps.conv1d_step_images(trace, step, **step_widgets.sizes())
    step_widgets.conv1d_view(pics)
    st.markdown(f"#### {explain.conv1d_equation(step)}")
    st.caption("The same multiply-and-add, along a line of numbers: a sound, a time series, a sentence.")
    encode.show(st, pics["output"], alt=pics["alt"]["output"])
    st.caption(explain.length_formula(trace.geometry))


if trace is not None:
    walk(trace)
    # each output drawn at the centre of the window it reads (the receptive field's centre)
    field = convcore.receptive_fields([convcore.Layer("conv", kernel.size, stride, padding, channels=1)])[0]
    step_widgets.signal_chart(
        signal, trace.output[0, 0], field.start - 0.5 + np.arange(trace.output.shape[2]) * field.jump
    )

st.divider()
volume.section()

st.divider()
st.subheader("Transposed convolution: upsampling")
st.caption(
    "The decoder of a convolutional autoencoder makes maps bigger. Each input number adds a copy of the kernel, "
    "scaled by itself, to the output; with stride 2 the copies sit 2 apart, so a 2 x 2 kernel makes a 2 x 2 map "
    "4 x 4. "
    "The numbers are checked against PyTorch's conv_transpose2d."
)
u1, u2, u3 = st.columns(3)
with u1:
    x = number_editor(f"{T}.input", np.array([[1.0, 2.0], [3.0, 4.0]]), "Input")
with u2:
    ksize = st.radio(
        "Kernel", ["2 x 2 of ones", "3 x 3 of ones", "Type it"], key=f"{T}.kernel", horizontal=True, bind=LINK
    )
    if ksize == "Type it":
        kern = number_editor(f"{T}.typed", np.array([[1.0, 0.5], [0.5, 0.25]]), "Kernel")
    else:
        kern = np.ones((2, 2) if ksize.startswith("2") else (3, 3))
with u3:
    tstride = live.value(
        dragged, f"{T}.stride", st.slider("Stride", 1, 3, 2, key=f"{T}.stride", bind=LINK), 1, 3
    )
parts = convcore.transpose_contributions(x, kern, stride=tstride)
result = convcore.conv_transpose2d(x, kern, stride=tstride)


@server.fragment(run_every=stepper.interval(T))
def upsample() -> None:
    k = stepper.controls(T, len(parts), dragged)
    (i, j), part = parts[k]
    so_far = sum(p for _, p in parts[: k + 1])
    rows = [(x, "Input", {(i, j)}, f"the input, {x.shape[0]} x {x.shape[1]}, row {i + 1}, column {j + 1} outlined"),
            (kern, "Kernel", set(), f"the kernel, {kern.shape[0]} x {kern.shape[1]}"),
            (part, f"{fmt(x[i, j])} x kernel", set(), f"{fmt(x[i, j])} times the kernel, placed in the output"),
            (so_far, "Output so far", set(), f"the output so far, {so_far.shape[0]} x {so_far.shape[1]}")]  # fmt: skip
    for col, (values, title, window, alt) in zip(st.columns(4), rows):
        encode.show(col, grid.picture(values, title=title, window=window, **step_widgets.sizes()), alt=alt)
    st.markdown(explain.transpose_sentence(x, kern, (i, j), tstride))
    if k == len(parts) - 1 and np.allclose(so_far, result):
        st.success(f"Done: {x.shape[0]} x {x.shape[1]} became {result.shape[0]} x {result.shape[1]}, the same "
                   "numbers as PyTorch's conv_transpose2d.")  # fmt: skip
    elif k == len(parts) - 1:
        st.error("The steps do not add up to conv_transpose2d's result. This is a bug: please report it.")
    encode.show(st, grid.picture(result, title="conv_transpose2d", cell=None), caption="The same, in one call",
                alt=f"conv_transpose2d's result, {result.shape[0]} x {result.shape[1]}: the same numbers")  # fmt: skip


upsample()

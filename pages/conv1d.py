"""1-D convolution step by step, a note on 3-D convolution, and transposed convolution (upsampling)."""

import numpy as np
import pandas as pd
import streamlit as st

from app import gridview, render, stepper, widgets
from app.render import fmt
from convcore import concepts as cc
from convcore import output_size

P = "c1"
T = "tc"
st.title("1-D convolution and upsampling")
st.caption("The same multiply-and-add, along a line of numbers: a sound, a time series, a sentence.")

SIGNALS = ["Noisy sine", "Step", "Type numbers", "Text as character codes"]
KERNELS = {
    "Moving average (3)": [1 / 3] * 3,
    "Moving average (5)": [0.2] * 5,
    "Difference [-1 0 1]": [-1.0, 0.0, 1.0],
}


def _numbers(text: str, label: str) -> np.ndarray | None:
    try:
        values = np.array([float(v) for v in text.replace(";", ",").split(",") if v.strip()])
    except ValueError:
        st.warning(f"{label}: write numbers separated by commas, e.g. 1, 2.5, -3.")
        return None
    if values.size == 0 or not np.isfinite(values).all() or np.abs(values).max() > 1e6:
        st.warning(f"{label}: write at least one number between -1000000 and 1000000.")
        return None
    return values


left, mid, right = st.columns([3, 3, 2], gap="large")
with left:
    kind = st.radio("Signal", SIGNALS, key=f"{P}.signal", horizontal=True)
    if kind == "Noisy sine":
        t = np.arange(24)
        signal = np.round(np.sin(t / 3) * 10 + np.random.default_rng(0).normal(0, 2, t.size), 1)
    elif kind == "Step":
        signal = np.r_[np.zeros(10), np.full(10, 10.0)]
    elif kind == "Type numbers":
        signal = _numbers(
            st.text_input("Numbers", "3, 1, 4, 1, 5, 9, 2, 6, 5, 3", key=f"{P}.typed"), "Signal"
        )
    else:
        text = st.text_input("Text", "convolution", key=f"{P}.text", max_chars=30)
        signal = np.array([float(ord(c)) for c in text]) if text else None
        st.caption("Each character becomes its code (a = 97, b = 98, ...).")
with mid:
    kname = st.radio("Kernel", [*KERNELS, "Type a kernel"], key=f"{P}.kernel", horizontal=True)
    kernel = (np.array(KERNELS[kname]) if kname in KERNELS
              else _numbers(st.text_input("Kernel numbers", "1, 0, -1", key=f"{P}.ktyped"), "Kernel"))  # fmt: skip
with right:
    stride = st.slider("Stride", 1, 4, 1, key=f"{P}.stride")
    padding = st.slider("Padding", 0, 3, 0, key=f"{P}.padding")

trace = None
if signal is not None and kernel is not None:
    if kernel.size > 9:
        st.warning("Kernel: use at most 9 numbers.")
    else:
        try:
            trace = cc.conv1d_steps(signal, kernel, stride=stride, padding=padding)
        except ValueError as exc:
            st.warning(f"No output with these settings: {exc}", icon=":material/block:")


@st.fragment(run_every=stepper.interval(P))
def walk(trace) -> None:
    k = stepper.controls(P, len(trace))
    step = trace[k]
    window = {(0, c) for c in step.cols}
    render.show(st, gridview.grid(trace.padded[0], title="Signal (padded)", cell=40, window=window,
                           padding=trace.padding_mask)[0])  # fmt: skip
    c1, c2 = st.columns([1, 3])
    render.show(c1, gridview.grid(step.kernel[0], title="Kernel", cell=40)[0])
    render.show(c2, gridview.grid(step.products[0], title="Products", cell=40)[0])
    terms = " + ".join(f"{fmt(a)}×{fmt(b)}" for a, b in zip(step.inputs.ravel(), step.kernel.ravel()))
    st.markdown(f"#### {terms} = {fmt(step.value)} (output {step.position[2] + 1})")
    hidden = np.arange(trace.output.shape[2])[None] > step.position[2]
    render.show(
        st,
        gridview.grid(
            trace.output[0], title="Output", cell=40, hidden=hidden, window={(0, step.position[2])}
        )[0],
    )
    n = trace.geometry.input_size[1]
    st.caption(f"Length: floor(({n} + 2·{padding} - {kernel.size}) / {stride}) + 1 = {trace.output.shape[2]}")


if trace is not None:
    walk(trace)
    chart = pd.DataFrame({"signal": pd.Series(signal)})
    out = trace.output[0, 0]
    chart["output"] = pd.Series(out, index=np.arange(out.size) * stride + (kernel.size - 1) / 2 - padding)
    st.line_chart(chart, height=200)

with st.expander("3-D convolution: video and volumes"):
    frames, side, kt = 16, 112, 3
    out_t = output_size(frames, kt, padding=1)
    st.markdown(
        f"Stack {frames} video frames of {side} x {side} x 3 into a volume. A 3-D kernel of {kt} x 3 x 3 (time x "
        f"height x width) on 3 channels has {kt * 3 * 3 * 3} weights and slides along time too: with padding 1 the "
        f"output has {out_t} frames of {side} x {side}, each number mixing {kt} neighbouring frames, so it can "
        "detect motion. The same idea reads CT and MRI scans, where the third axis is depth. Every step is still "
        "multiply and add."
    )

st.divider()
st.subheader("Transposed convolution: upsampling")
st.caption(
    "The decoder of a convolutional autoencoder makes maps bigger. Each input number adds a copy of the kernel, "
    "scaled by itself, to the output; with stride 2 the copies sit 2 apart, so a 2 x 2 map becomes 4 x 4. "
    "The numbers are checked against PyTorch's conv_transpose2d."
)
u1, u2, u3 = st.columns(3)
with u1:
    x = widgets.number_editor(f"{T}.input", np.array([[1.0, 2.0], [3.0, 4.0]]), "Input")
with u2:
    ksize = st.radio(
        "Kernel", ["2 x 2 of ones", "3 x 3 of ones", "Type it"], key=f"{T}.kernel", horizontal=True
    )
    if ksize == "Type it":
        kern = widgets.number_editor(f"{T}.typed", np.array([[1.0, 0.5], [0.5, 0.25]]), "Kernel")
    else:
        kern = np.ones((2, 2) if ksize.startswith("2") else (3, 3))
with u3:
    tstride = st.slider("Stride", 1, 3, 2, key=f"{T}.stride")
parts = cc.transpose_contributions(x, kern, stride=tstride)
result = cc.conv_transpose2d(x, kern, stride=tstride)


@st.fragment(run_every=stepper.interval(T))
def upsample() -> None:
    k = stepper.controls(T, len(parts))
    (i, j), part = parts[k]
    so_far = sum(p for _, p in parts[: k + 1])
    a, b, c, d = st.columns(4)
    render.show(a, gridview.grid(x, title="Input", cell=44, window={(i, j)})[0])
    render.show(b, gridview.grid(kern, title="Kernel", cell=44)[0])
    render.show(c, gridview.grid(part, title=f"{fmt(x[i, j])} x kernel", cell=44)[0])
    render.show(d, gridview.grid(so_far, title="Output so far", cell=44)[0])
    st.markdown(
        f"Input ({i + 1}, {j + 1}) = {fmt(x[i, j])} adds {fmt(x[i, j])} x kernel at rows {i * tstride + 1}-"
        f"{i * tstride + kern.shape[0]}, columns {j * tstride + 1}-{j * tstride + kern.shape[1]}."
    )
    if k == len(parts) - 1:
        st.success(f"Done: {x.shape[0]} x {x.shape[1]} became {result.shape[0]} x {result.shape[1]} "
                   f"(= conv_transpose2d: {bool(np.allclose(so_far, result))}).")  # fmt: skip
    render.show(st, render.number_grid(result, title="conv_transpose2d"), caption="The same, in one call")


upsample()

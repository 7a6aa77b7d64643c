"""Parameters and receptive fields: why convolutions need few weights, and how far a unit sees."""

import numpy as np
import pandas as pd
import streamlit as st
from PIL import Image

from app import render, state
from convcore import concepts as cc

P = "ly"
st.title("Parameters and receptive fields")
st.caption(
    "A fully connected neuron has a weight for every input number. A convolution reuses one small kernel "
    "everywhere (parameter sharing) and looks only at a small window (local connectivity)."
)

st.subheader("Fully connected or convolutional: count the weights")
c1, c2, c3, c4, c5 = st.columns(5)
h = c1.number_input("Image height", 1, 4096, 100, key=f"{P}.h")
w = c2.number_input("Image width", 1, 4096, 100, key=f"{P}.w")
ch = c3.number_input("Channels", 1, 512, 1, key=f"{P}.c", help="1 for grey, 3 for RGB")
n = c4.number_input("Neurons or filters", 1, 4096, 100, key=f"{P}.n")
k = c5.number_input("Kernel size k", 1, 15, 3, key=f"{P}.k")
inputs = int(h * w * ch)
dense = cc.dense_params(inputs, n, bias=False)
conv = cc.conv_params(ch, n, k, bias=False)
a, b = st.columns(2)
a.markdown(
    f"**Fully connected**: each of the {n:,} neurons has a weight for each of the {h} x {w} x {ch} = "
    f"{inputs:,} inputs: **{dense:,} weights** (+ {n:,} biases). One neuron alone: {inputs:,}."
)
b.markdown(
    f"**Convolutional**: {n:,} filters of {k} x {k} x {ch}: **{conv:,} weights** (+ {n:,} biases), whatever the "
    f"image size. That is {dense / conv:,.0f} times fewer."
    if conv
    else ""
)
st.caption(
    "The lesson's examples: 100 x 100 grey image, one neuron: 10,000 weights; 100 filters of 3 x 3: 900 weights "
    "+ 100 biases; 256 x 256 x 3 with 8 filters of 3 x 3: 216 weights."
)

st.subheader("A stack of layers: sizes, parameters and the receptive field")
preset = st.radio("Start from", ["AlexNet", "LeNet-5", "My own"], key=f"{P}.preset", horizontal=True)
base = {"AlexNet": (cc.ALEXNET_STACK, 224, 3), "LeNet-5": (cc.LENET_STACK, 28, 1),
        "My own": ([cc.Layer("conv", 3, 1, 1, channels=8), cc.Layer("pool", 2, 2)], 64, 3)}[preset]  # fmt: skip
s1, s2 = st.columns(2)
size = s1.number_input("Input size (pixels)", 4, 1024, base[1], key=f"{P}.size.{preset}")
in_ch = s2.number_input("Input channels", 1, 64, base[2], key=f"{P}.in.{preset}")
frame = pd.DataFrame(
    [
        dict(
            kind=la.kind,
            kernel=la.kernel,
            stride=la.stride,
            padding=la.padding,
            dilation=la.dilation,
            filters=la.channels or None,
        )
        for la in base[0]
    ]  # fmt: skip
)
edited = st.data_editor(
    frame,
    key=f"{P}.layers.{preset}",
    num_rows="dynamic",
    hide_index=True,
    width="stretch",
    column_config={
        "kind": st.column_config.SelectboxColumn("kind", options=["conv", "pool"], required=True),
        "kernel": st.column_config.NumberColumn("kernel", min_value=1, max_value=15, step=1, required=True),
        "stride": st.column_config.NumberColumn("stride", min_value=1, max_value=8, step=1, required=True),
        "padding": st.column_config.NumberColumn("padding", min_value=0, max_value=10, step=1, required=True),
        "dilation": st.column_config.NumberColumn(
            "dilation", min_value=1, max_value=8, step=1, required=True
        ),
        "filters": st.column_config.NumberColumn(
            "filters", min_value=1, max_value=1024, step=1, help="conv only; pooling keeps the channels"
        ),
    },
)
try:
    layers = []
    for i, row in enumerate(edited.itertuples(index=False), start=1):
        values = {f: getattr(row, f) for f in ("kernel", "stride", "padding", "dilation")}
        if row.kind not in ("conv", "pool") or any(pd.isna(v) for v in values.values()):
            raise ValueError(f"row {i}: choose a kind and fill kernel, stride, padding and dilation")
        filters = row.filters
        if row.kind == "conv" and pd.isna(filters):
            raise ValueError(f"row {i}: a conv layer needs a number of filters")
        layers.append(cc.Layer(row.kind, *(int(v) for v in values.values()),
                               channels=int(filters) if row.kind == "conv" else 0))  # fmt: skip
    rows = cc.layer_stack((size, size), in_ch, layers)
except ValueError as exc:
    st.warning(f"This stack does not work: {exc}", icon=":material/block:")
    rows = []
if rows:
    table = pd.DataFrame(
        [
            [r.name, f"{r.size[0]} x {r.size[1]} x {r.channels}", r.params, r.receptive_field, r.jump]
            for r in rows
        ],
        columns=["layer", "output", "parameters", "receptive field (px)", "step between units (px)"],
    )
    t1, t2 = st.columns([3, 2], gap="large")
    t1.dataframe(table, hide_index=True, width="stretch")
    t1.markdown(f"**{sum(r.params for r in rows):,} parameters** in these layers.")
    with t2:
        pick = st.selectbox(
            "Show the receptive field of", [r.name for r in rows], index=len(rows) - 1, key=f"{P}.show"
        )
        r = rows[[x.name for x in rows].index(pick)]
        picture = np.array(
            Image.fromarray(state.current_image().pixels).resize((size, size), Image.Resampling.BILINEAR)
        )
        ci, cj = r.size[0] // 2, r.size[1] // 2  # the centre unit
        centre = (r.start + ci * r.jump, r.start + cj * r.jump)
        half = r.receptive_field / 2
        box = tuple(
            int(round(v)) for v in (centre[0] - half, centre[1] - half, centre[0] + half, centre[1] + half)
        )
        clipped = (max(0, box[0]), max(0, box[1]), min(size, box[2]), min(size, box[3]))
        render.show(
            st,
            render.box(picture, clipped, width=max(2, size // 150)),
            width="stretch",
            caption=f"The centre unit of {pick} sees {r.receptive_field} x {r.receptive_field} input pixels.",
        )

st.subheader("Translation")
st.markdown("How a small shift changes feature maps, before and after pooling, is on the pooling page.")
st.page_link(
    "../pages/pool_steps.py",
    label="Pooling, step by step: shift the input by one pixel",
    icon=":material/grid_view:",
)

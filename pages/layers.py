"""Parameters and receptive fields: why convolutions need few weights, and how far a unit sees."""

import pandas as pd
import streamlit as st

import convcore
from app import registry, session
from app.draw import mosaic
from app.session import LINK
from app.widgets import nets as nets_widgets
from app.widgets import overview
from convcore.layers import ALEXNET, conv_and_pool, lenet5

P = "ly"
st.title("Parameters and receptive fields")
st.caption(
    "A fully connected neuron has a weight for every input number. A convolution reuses one small kernel "
    "everywhere (parameter sharing) and looks only at a small window (local connectivity)."
)

st.subheader("Fully connected or convolutional: count the weights")
c1, c2, c3, c4, c5 = st.columns(5, vertical_alignment="bottom")  # a label on two lines keeps its box in line
h = c1.number_input("Image height", 1, 4096, 100, key=f"{P}.h", bind=LINK)
w = c2.number_input("Image width", 1, 4096, 100, key=f"{P}.w", bind=LINK)
ch = c3.number_input("Channels", 1, 512, 1, key=f"{P}.c", help="1 for grey, 3 for RGB", bind=LINK)
n = c4.number_input("Neurons or filters", 1, 4096, 100, key=f"{P}.n", bind=LINK)
k = c5.number_input("Kernel size k", 1, 15, 3, key=f"{P}.k", bind=LINK)
inputs = int(h * w * ch)
dense = convcore.parameter_count(convcore.Layer("dense", channels=int(n)), inputs, bias=False)
conv = convcore.parameter_count(convcore.Layer("conv", int(k), channels=int(n)), int(ch), bias=False)
a, b = st.columns(2)
a.markdown(
    f"**Fully connected**: each of the {n:,} neurons has a weight for each of the {h} x {w} x {ch} = "
    f"{inputs:,} inputs: **{dense:,} weights** (+ {n:,} biases). One neuron alone: {inputs:,}."
)
b.markdown(
    f"**Convolutional**: {n:,} filters of {k} x {k} x {ch}: **{conv:,} weights** (+ {n:,} biases), whatever the "
    f"image size. That is {dense / conv:,.0f} times fewer."
)
st.caption(
    "The lesson's examples: 100 x 100 grey image, one neuron: 10,000 weights; 100 filters of 3 x 3: 900 weights "
    "+ 100 biases; 256 x 256 x 3 with 8 filters of 3 x 3: 216 weights."
)

st.subheader("A stack of layers: sizes, parameters and the receptive field")
preset = st.radio(
    "Start from", ["AlexNet", "LeNet-5", "My own"], key=f"{P}.preset", horizontal=True, bind=LINK
)
base = {
    "AlexNet": (conv_and_pool(ALEXNET), 224, 3),
    "LeNet-5": (conv_and_pool(lenet5()), 28, 1),
    "My own": ([convcore.Layer("conv", 3, 1, 1, channels=8), convcore.Layer("pool", 2, 2)], 64, 3),
}[preset]
s1, s2 = st.columns(2)
size = s1.number_input("Input size (pixels)", 4, 1024, base[1], key=f"{P}.size.{preset}", bind=LINK)
in_ch = s2.number_input("Input channels", 1, 64, base[2], key=f"{P}.in.{preset}", bind=LINK)
try:
    rows = convcore.layer_stack(
        (size, size), in_ch, nets_widgets.layer_table(f"{P}.layers.{preset}", base[0])
    )
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
    # the table across the page: in a column at 1024 pixels its last columns were hidden
    st.dataframe(table, hide_index=True, width="stretch", column_config=nets_widgets.COUNT_COLUMNS,
                 placeholder=nets_widgets.BLANK)  # fmt: skip
    st.markdown(f"**{sum(r.params for r in rows):,} parameters** in these layers.")
    f1, f2 = st.columns([2, 3], gap="large")
    names = [r.name for r in rows]
    pick = f1.selectbox("Show the receptive field of", names, index=len(rows) - 1, key=f"{P}.show", bind=LINK)
    r = rows[names.index(pick)]
    picture = mosaic.cover(session.current_image().pixels, (size, size))  # the centre, not squashed
    nets_widgets.field_picture(f2, pick, r, picture, r.centre_unit(size))

st.subheader("Whole networks, layer by layer")
whole = st.selectbox("Network", list(convcore.NETWORKS), format_func=lambda k: convcore.NETWORKS[k].title,
                     key=f"{P}.network", bind=LINK)  # fmt: skip
overview.network_table(whole)
st.caption(
    "Every layer with its output, flatten and softmax included. See it work on an input, unit by unit:"
)
registry.page_link(st, "network")

st.subheader("Translation")
st.markdown("How a small shift changes feature maps, before and after pooling, is on the pooling page.")
registry.page_link(st, "pool_steps", label="Pooling, step by step: shift the input by one pixel")

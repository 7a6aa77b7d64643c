"""Parameters and receptive fields: why convolutions need few weights, and how far a unit sees."""

import streamlit as st

import convcore
from app import registry, session
from app.draw import connectivity, encode, mosaic
from app.session import LINK
from app.widgets import nets as nets_widgets
from app.widgets import overview
from convcore import layers as ly

P = "ly"
#: The stacks to start from: key -> (label, layers, input size, input channels). The label is what a
#: link holds ("ly.preset=..."): keep it. The published networks are shown whole and cannot be edited.
PRESETS = {
    "alexnet": ("AlexNet (torchvision, the app's)", ly.conv_and_pool(ly.ALEXNET), 224, 3),
    "alexnet_paper": ("AlexNet (paper, 2012)", ly.ALEXNET_PAPER, ly.ALEXNET_PAPER_SIZE, 3),
    "lenet5": ("LeNet-5 style (the app's digit network)", ly.conv_and_pool(ly.lenet5()), 28, 1),
    "lenet5_paper": ("LeNet-5 (LeCun et al., 1998)", ly.LENET5_PAPER, ly.LENET5_PAPER_SIZE, 1),
    "own": ("My own", [convcore.Layer("conv", 3, 1, 1, channels=8), convcore.Layer("pool", 2, 2)], 64, 3),
}


def _count(n: int, word: str, plural: str = "") -> str:
    """ "1 filter", "100 filters", "1 bias", "8 biases"."""
    return f"{n:,} {word if n == 1 else plural or word + 's'}"


def _times(dense: int, conv: int) -> str:
    """ "1,111 times fewer", "2.5 times more", "as many"."""
    if dense == conv:
        return "as many"
    r = max(dense, conv) / min(dense, conv)
    return f"{r:,.{0 if r >= 10 else 1}f} times {'fewer' if dense > conv else 'more'}"


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
    f"**Fully connected**: {'the one neuron' if n == 1 else f'each of the {n:,} neurons'} has a weight for each "
    f"of the {h} x {w} x {ch} = {_count(inputs, 'input')}: **{_count(dense, 'weight')}** (+ {_count(n, 'bias', 'biases')})."
    f" One neuron alone: {inputs:,}."
)
b.markdown(
    f"**Convolutional**: {_count(n, 'filter')} of {k} x {k} x {ch}: **{_count(conv, 'weight')}** "
    f"(+ {_count(n, 'bias', 'biases')}), whatever the image size. That is {_times(dense, conv)}."
)
st.caption(
    "The lesson's examples: a 100 x 100 grey image, one neuron: 10,000 weights; 100 filters of 3 x 3: 900 weights "
    "+ 100 biases; 8 filters of 3 x 3 on an RGB image (256 x 256 x 3, or any size): 3 x 3 x 3 x 8 = 216 weights "
    "+ 8 biases."
)
# one row of the layer with the kernel chosen above (up to 5 weights have colours of their own)
drawn_k = int(k) if k <= len(connectivity.WEIGHT_COLOURS) else 3
encode.show(st, connectivity.picture(7, drawn_k), width="stretch", alt=connectivity.alt_text(7, drawn_k),
            caption="Local connectivity, one row of a layer: the same colour is the same weight."
            + ("" if drawn_k == k else f" Drawn with a kernel of 3: a row of {k} weights has too many links to draw."))  # fmt: skip

st.subheader("A stack of layers: sizes, parameters and the receptive field")
preset = st.radio("Start from", list(PRESETS), format_func=lambda key: PRESETS[key][0], key=f"{P}.preset",
                  horizontal=True, bind=LINK)  # fmt: skip
base, size, in_ch = PRESETS[preset][1:]
published = preset.endswith("_paper")
if published:
    st.markdown(
        f"The layers as published, on a {size} x {size} x {in_ch} input; not editable (the other stacks are)."
    )
else:
    s1, s2 = st.columns(2)
    size = s1.number_input("Input size (pixels)", 4, 1024, size, key=f"{P}.size.{preset}", bind=LINK)
    in_ch = s2.number_input("Input channels", 1, 64, in_ch, key=f"{P}.in.{preset}", bind=LINK)
try:
    layers = base if published else nets_widgets.layer_table(f"{P}.layers.{preset}", base)
    rows = convcore.layer_stack((size, size), in_ch, layers)
except ValueError as exc:
    st.warning(f"This stack does not work: {exc}", icon=":material/block:")
    rows = []
if rows:
    nets_widgets.stack_table(rows, (size, size, in_ch), softmax=preset == "alexnet_paper")
    st.markdown(f"**{sum(r.params for r in rows):,} parameters** in these layers.")
    if preset == "lenet5_paper":
        nets_widgets.lenet5_paper_notes(rows)
    elif preset == "alexnet_paper":
        nets_widgets.alexnet_paper_notes(rows)
    if preset.startswith("alexnet"):
        st.markdown(
            "**AlexNet: the 2012 paper beside torchvision's** (torchvision's is the one the app runs)"
        )
        nets_widgets.alexnet_versions()
    f1, f2 = st.columns([2, 3], gap="large")
    seen = [r for r in rows if r.field is not None and r.layer.kind != "relu"]  # a dense unit sees everything
    names = [r.name for r in seen]
    pick = f1.selectbox(
        "Show the receptive field of", names, index=len(names) - 1, key=f"{P}.show", bind=LINK
    )
    r = seen[names.index(pick)]
    picture = mosaic.cover(session.current_image().pixels, (size, size))  # the centre, not squashed
    nets_widgets.field_picture(f2, pick, r, picture, r.centre_unit(size))

st.subheader("Whole networks, layer by layer")
whole = st.selectbox("Network", list(convcore.NETWORKS), format_func=lambda k: convcore.NETWORKS[k].title,
                     key=f"{P}.network", bind=LINK)  # fmt: skip
overview.network_table(whole)
st.caption(
    "Every layer with its output, flatten and softmax included; LeNet-5 and AlexNet as published are under "
    "'Start from' above. See it work on an input, unit by unit:"
)
registry.page_link(st, "network")

st.subheader("Translation")
st.markdown("How a small shift changes feature maps, before and after pooling, is on the pooling page.")
registry.page_link(st, "pool_steps", label="Pooling, step by step: shift the input by one pixel")

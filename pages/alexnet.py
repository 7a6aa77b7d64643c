"""AlexNet explorer: a real pretrained network on the student's own image."""

import streamlit as st

from app import nets, session
from app.draw import encode, mosaic
from app.session import LINK
from app.widgets import nets as nets_widgets
from convcore.nets import alexnet as ax

P = "ax"
st.title("AlexNet explorer")
st.caption(
    "AlexNet (Krizhevsky, Sutskever and Hinton, 2012) won the ImageNet challenge ILSVRC-2012 with 5 convolutional "
    "and 3 fully connected layers. Here it looks at your image as torchvision builds it, a one-GPU layout taken from "
    "Krizhevsky's 2014 'One weird trick' paper: 64 filters in conv1 where the 2012 paper had 96 (48 on each of two "
    "GPUs), with torchvision's pretrained ImageNet weights when they are on this computer."
)
image = session.current_image()
problem = nets.pretrained_status()
if problem:  # one line here; the panel with the download is at the end of the page
    kind = nets.UNTRAINED
    nets_widgets.untrained_notice()
else:
    kind = st.radio("Model", [nets.PRETRAINED, nets.UNTRAINED], key=f"{P}.model", horizontal=True, bind=LINK)
# A new photo on a busy classroom server can take a few seconds: said after half a second (st.spinner's
# delay), never for a result already computed.
with st.spinner("AlexNet is looking at your image...", show_time=True):
    result = nets.analyse(kind, image)
palette = session.palette()


# Only the open tab computes (on_change="rerun"): a classroom server draws one tab per click, not five.
see, filters, maps, arch, compare = st.tabs(
    ["What it sees", "Its filters (conv1)", "Feature maps", "Architecture", "Pretrained vs untrained"],
    key=f"{P}.tab",
    on_change="rerun",
    bind=LINK,
)
# Every tab draws its settings on each run (so a link holds them whichever tab is open: Streamlit
# drops an undrawn widget's value from the address); only the open tab computes its pictures.
with see:
    if see.open:
        c1, c2 = st.columns(2, gap="medium")
        encode.show(c1, result.crop, caption="What AlexNet sees: 224 x 224, the centre of your image",
                    width="stretch", alt="the centre of the current image, 224 x 224 pixels, as AlexNet sees it")  # fmt: skip
        cam_slot = c2.empty()  # drawn once the class is chosen below
        st.markdown("**Top 5 guesses** (of 1000 ImageNet classes)")
        nets_widgets.predictions(result.top5)
        if kind == nets.UNTRAINED:
            st.caption("Untrained: these guesses are noise.")
    chosen, name = nets_widgets.class_choice(P, result.top5, image.key)
    if see.open:
        with cam_slot, st.spinner("Computing Grad-CAM...", show_time=True):
            heat = nets.cam(kind, image, chosen)
        encode.show(cam_slot, mosaic.overlay(result.crop, heat),
                    caption=f"Grad-CAM: where it sees '{name}'", width="stretch",
                    alt=f"Grad-CAM heat map over the input: where AlexNet finds evidence for '{name}'")  # fmt: skip
with filters:
    if filters.open:
        st.markdown(nets_widgets.conv1_words(kind, weights_here=not problem))
    nets_widgets.filter_view(P, kind, shown=filters.open)
with maps:
    m1, m2 = st.columns([1, 1])
    layer = m1.selectbox("Layer", [info.name for info in ax.LAYERS], key=f"{P}.layer", bind=LINK)
    order_by = m2.radio("Order", nets.ORDERS, key=f"{P}.order", horizontal=True, bind=LINK)
    if maps.open:
        output = result.outputs[layer]
        values, signed = output.values, output.layer.kind == "conv"
        st.caption(
            f"{layer}: {values.shape[0]} channels of {values.shape[1]} x {values.shape[2]}; "
            f"{'signed (blue negative, red positive)' if signed else 'after ReLU: black 0, white the largest'}; "
            "each map on its own scale."
        )
        st.image(nets.mosaic_png(kind, image, layer, order_by, palette), width="stretch", output_format="PNG",
                 alt=f"feature maps of {layer}, {values.shape[0]} maps of {values.shape[1]} x {values.shape[2]}, "
                 f"ordered by {order_by}")  # fmt: skip
    nets_widgets.unit_view(P, layer, order_by, result, palette, shown=maps.open)
with arch:
    if arch.open:
        table = nets.architecture()
        st.dataframe(table, hide_index=True, width="stretch", height="content",
                     column_config=nets_widgets.COUNT_COLUMNS, placeholder=nets_widgets.BLANK)  # fmt: skip
        conv = int(table[table.kind == "conv"].parameters.sum())
        dense = int(table[table.kind == "dense"].parameters.sum())
        st.markdown(
            f"**{conv + dense:,} parameters** in torchvision's AlexNet: convolutional layers {conv:,} "
            f"({100 * conv / (conv + dense):.2f}\u00a0%), dense layers {dense:,} (**{100 * dense / (conv + dense):.2f}\u00a0%**). "
            "The filters are small; the dense layers hold almost all the numbers."
        )
        st.caption(
            f"A dash ({nets_widgets.BLANK}) means no value: ReLU and dense layers have no window, and a neuron "
            "of a dense layer sees the whole image."
        )
        st.markdown("**The 2012 paper beside torchvision's**")
        nets_widgets.alexnet_versions()
with compare:
    if compare.open and problem:
        st.info("Needs the pretrained weights (see the end of the page).")
    elif compare.open:
        a, b = st.columns(2)
        for col, k, label in ((a, nets.PRETRAINED, "pretrained"), (b, nets.UNTRAINED, "untrained (noise)")):
            picture = mosaic.filter_mosaic(nets.conv1_weights(k))[0]
            encode.show(col, picture, caption=f"conv1, {label}", width="stretch",
                        alt=f"conv1's 64 filters as an 8 x 8 grid, {label}")  # fmt: skip
        for col, k in ((a, nets.PRETRAINED), (b, nets.UNTRAINED)):
            vals = nets.analyse(k, image).outputs["relu1"].values
            top = nets.channel_order(vals, "mean activation")[:16]
            encode.show(col, mosaic.map_mosaic(vals, top, signed=False, cols=8, palette=palette),
                        caption=f"relu1, 16 strongest maps: {k}", width="stretch",
                        alt=f"the 16 strongest feature maps of relu1, {k}, as a 2 x 8 grid")  # fmt: skip
if problem:
    nets_widgets.weights_panel(P, problem)

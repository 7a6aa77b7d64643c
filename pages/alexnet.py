"""AlexNet explorer: a real pretrained network on the student's own image."""

import numpy as np
import streamlit as st
from streamlit_image_coordinates import streamlit_image_coordinates

from app import nets, session
from app.draw import colour, encode, mosaic
from app.session import LINK, internal
from app.widgets import nets as nets_widgets
from app.widgets.kernels import ALEXNET_INDEX_KEY
from convcore.nets import alexnet as ax

P = "ax"
st.title("AlexNet explorer")
st.caption(
    "AlexNet (2012) won ImageNet with 5 convolutional and 3 fully connected layers. Here it looks at your image: "
    "its learned filters, what every layer computes, what it thinks it sees, and where it looked."
)
image = session.current_image()
problem = nets.pretrained_status()
if problem:
    nets_widgets.weights_panel(P, problem)
kind = st.radio("Model", [nets.UNTRAINED] if problem else [nets.PRETRAINED, nets.UNTRAINED], key=f"{P}.model",
                horizontal=True, bind=LINK)  # fmt: skip
result = nets.analyse(kind, image)
palette = session.palette()


# Only the open tab is computed (on_change="rerun"): a classroom server draws one tab per click, not five.
see, filters, maps, arch, compare = st.tabs(
    ["What it sees", "Its filters (conv1)", "Feature maps", "Architecture", "Pretrained vs untrained"],
    key=f"{P}.tab",
    on_change="rerun",
    bind=LINK,
)
with see:
    if see.open:
        c1, c2, c3 = st.columns([3, 4, 3], gap="large")
        encode.show(
            c1, result.crop, caption="What AlexNet sees: 224 x 224, the centre of your image", width="stretch"
        )
        with c2:
            st.markdown("**Top 5 guesses** (of 1000 ImageNet classes)")
            nets_widgets.predictions(result.top5)
            if kind == nets.UNTRAINED:
                st.caption("Untrained: these guesses are noise.")
            chosen, name = nets_widgets.class_choice(P, result.top5)
        encode.show(c3, mosaic.overlay(result.crop, nets.cam(kind, image, chosen)),
                    caption=f"Grad-CAM: where it sees '{name}'", width="stretch")  # fmt: skip
with filters:
    if filters.open:
        st.markdown(
            "The 64 filters of the first layer, each 11 x 11 x 3, shown as colour patches. Trained, they became detectors "
            "of **horizontal and vertical edges**, **green patches** and **blue-to-yellow edges**: nobody designed them."
        )
        kernels_ = nets.conv1_weights(kind)
        picture, layout = mosaic.filter_mosaic(kernels_)
        f1, f2 = st.columns([3, 2], gap="large")
        click = session.new_click(P, "filter_click")
        if click:
            index = layout.index_at(click["x"] * picture.shape[1] / click["width"],
                                    click["y"] * picture.shape[0] / click["height"])  # fmt: skip
            if index is not None:
                st.session_state[f"{P}.filter"] = index + 1
        with f1:
            streamlit_image_coordinates(picture, key=internal(P, "filter_click"), width=picture.shape[1])
            st.caption("Click a filter to enlarge it.")
        with f2:
            index = (
                st.number_input(
                    "Filter", 1, 64, 1, key=f"{P}.filter", help="Or click a filter on the left.", bind=LINK
                )
                - 1
            )
            encode.show(st, mosaic.filter_mosaic(kernels_[index : index + 1], scale=24, cols=1)[0],
                        caption=f"Filter {index + 1}")  # fmt: skip
            st.caption("Try it on the whole image in the Filter Lab: choose 'Learned: AlexNet conv1 filter'.")
            st.session_state[ALEXNET_INDEX_KEY] = index + 1
with maps:
    if maps.open:
        m1, m2 = st.columns([1, 1])
        layer = m1.selectbox("Layer", [info.name for info in ax.LAYERS], key=f"{P}.layer", bind=LINK)
        order_by = m2.radio("Order", nets.ORDERS, key=f"{P}.order", horizontal=True, bind=LINK)
        output = result.outputs[layer]
        values, signed = output.values, output.layer.kind == "conv"
        st.caption(
            f"{layer}: {values.shape[0]} channels of {values.shape[1]} x {values.shape[2]}; "
            f"{'signed (blue negative, red positive)' if signed else 'after ReLU: black 0, white the largest'}; "
            "each map on its own scale."
        )
        st.image(nets.mosaic_png(kind, image, layer, order_by, palette), width="stretch", output_format="PNG")
        first = int(nets.channel_order(values, order_by)[0]) + 1
        channel = (
            st.number_input(
                "Enlarge channel", 1, values.shape[0], first, key=f"{P}.channel.{layer}", bind=LINK
            )
            - 1
        )
        one = values[channel]
        e1, e2, e3 = st.columns(3)
        enlarged = mosaic.upscale(
            colour.colourise(one, "diverging" if signed else "relu", palette=palette).rgb, 224
        )
        with e1:
            streamlit_image_coordinates(
                enlarged, key=internal(P, f"unit.{layer}"), width=min(enlarged.shape[1], 336)
            )
            st.caption(f"Channel {channel + 1}. Click a unit to see its receptive field.")
        encode.show(e2, mosaic.overlay(result.crop, (one - one.min()) / (np.ptp(one) or 1)),
                    caption="Overlaid on the input", width="stretch")  # fmt: skip
        rkey, ckey = f"{P}.unit_row.{layer}", f"{P}.unit_col.{layer}"
        unit = session.new_click(P, f"unit.{layer}")
        if unit:  # a click sets the numbers
            st.session_state[rkey], st.session_state[ckey] = session.click_cell(unit, *values.shape[1:])
        u1, u2 = e3.columns(2)
        r = u1.number_input("Unit row", 1, values.shape[1], values.shape[1] // 2 + 1, key=rkey, bind=LINK) - 1
        c = (
            u2.number_input("Unit column", 1, values.shape[2], values.shape[2] // 2 + 1, key=ckey, bind=LINK)
            - 1
        )
        size, rect = ax.receptive_field(layer, r, c)
        encode.show(e3, mosaic.box(result.crop, rect), width="stretch",
                    caption=f"Unit (row {r + 1}, column {c + 1}) sees {size} x {size} input pixels (clipped at the border).")  # fmt: skip
with arch:
    if arch.open:
        table = nets.architecture()
        st.dataframe(table, hide_index=True, width="stretch")
        conv = int(table[table.kind == "conv"].parameters.sum())
        dense = int(table[table.kind == "dense"].parameters.sum())
        st.markdown(
            f"**{conv + dense:,} parameters**: convolutional layers {conv:,} ({conv / (conv + dense):.0%}), "
            f"dense layers {dense:,} (**{dense / (conv + dense):.0%}**). The filters are small; the dense layers hold "
            "almost all the numbers."
        )
with compare:
    if compare.open and problem:
        st.info("Needs the pretrained weights (see the panel at the top).")
    elif compare.open:
        a, b = st.columns(2)
        for col, k, label in ((a, nets.PRETRAINED, "pretrained"), (b, nets.UNTRAINED, "untrained (noise)")):
            picture = mosaic.filter_mosaic(nets.conv1_weights(k))[0]
            encode.show(col, picture, caption=f"conv1, {label}", width="stretch")
        for col, k in ((a, nets.PRETRAINED), (b, nets.UNTRAINED)):
            vals = nets.analyse(k, image).outputs["relu1"].values
            top = nets.channel_order(vals, "mean activation")[:16]
            encode.show(col, mosaic.map_mosaic(vals, top, signed=False, cols=8, palette=palette),
                        caption=f"relu1, 16 strongest maps: {k}", width="stretch")  # fmt: skip

"""AlexNet explorer: a real pretrained network on the student's own image."""

import numpy as np
import pandas as pd
import streamlit as st
from streamlit_image_coordinates import streamlit_image_coordinates

from app import models, render, state
from convcore import alexnet as ax

P = "ax"
st.title("AlexNet explorer")
st.caption(
    "AlexNet (2012) won ImageNet with 5 convolutional and 3 fully connected layers. Here it looks at your image: "
    "its learned filters, what every layer computes, what it thinks it sees, and where it looked."
)
image = state.current_image()

problem = models.pretrained_status()
if problem:
    with st.container(border=True):
        st.markdown(
            "**The pretrained weights are not on this computer**, so the page uses an untrained AlexNet "
            "(random weights). Everything works; the filters and predictions just mean nothing yet."
        )
        st.caption(problem)
        if st.button("Download the weights (233 MB)", icon=":material/download:", key=f"{P}.download"):
            bar = st.progress(0.0, text="Starting the download...")

            def show(done: int, total: int) -> None:
                bar.progress(min(done / total, 1.0), text=f"{done / 2**20:.0f} of {total / 2**20:.0f} MB")

            try:
                models.download_weights(show)
            except ax.WeightsError as exc:
                st.error(str(exc))
            else:
                st.rerun()
        st.markdown(
            "Offline classroom: on a computer with internet run `make weights` (it fills the PyTorch cache), or copy "
            f"`alexnet-owt-7be5be79.pth` here and set `{ax.WEIGHTS_ENV}` to its path before `make run`."
        )
    kinds = [models.UNTRAINED]
else:
    kinds = [models.PRETRAINED, models.UNTRAINED]
kind = st.radio("Model", kinds, key=f"{P}.model", horizontal=True)
result = models.analyse(kind, image)
outputs = {o.layer.name: o for o in result.outputs}

# Only the open tab is computed (on_change="rerun"): a classroom server draws one tab per click, not five.
see, filters, maps, arch, compare = st.tabs(
    ["What it sees", "Its filters (conv1)", "Feature maps", "Architecture", "Pretrained vs untrained"],
    key=f"{P}.tab",
    on_change="rerun",
)

with see:
    if see.open:
        c1, c2, c3 = st.columns([3, 4, 3], gap="large")
        render.show(
            c1, result.crop, caption="What AlexNet sees: 224 x 224, the centre of your image", width="stretch"
        )
        with c2:
            st.markdown("**Top 5 guesses** (of 1000 ImageNet classes)")
            st.dataframe(
                pd.DataFrame(
                    {
                        "class": [p.name for p in result.top5],
                        "probability": [p.probability for p in result.top5],
                    }
                ),
                column_config={
                    "probability": st.column_config.ProgressColumn(
                        "probability", min_value=0.0, max_value=1.0, format="percent"
                    )
                },
                hide_index=True,
                width="stretch",
            )
            if kind == models.UNTRAINED:
                st.caption("Untrained: these guesses are noise.")
            names = ax.categories()
            options = [p.index for p in result.top5] + [
                i for i in range(1000) if i not in {p.index for p in result.top5}
            ]
            chosen = st.selectbox(
                "Grad-CAM for the class",
                options,
                format_func=lambda i: names[i],
                key=f"{P}.cam_class",
                help="Where in the picture the evidence for this class is (gradients of the class "
                "score with respect to the last conv layer).",
            )
        heat = models.cam(kind, image, chosen)
        render.show(
            c3,
            models.overlay(result.crop, heat),
            caption=f"Grad-CAM: where it sees '{names[chosen]}'",
            width="stretch",
        )

with filters:
    if filters.open:
        weights = models.conv1_weights(kind)
        st.markdown(
            "The 64 filters of the first layer, each 11 x 11 x 3, shown as colour patches. Trained, they became detectors "
            "of **horizontal and vertical edges**, **green patches** and **blue-to-yellow edges**: nobody designed them."
        )
        f1, f2 = st.columns([3, 2], gap="large")
        with f1:
            mosaic = models.filter_mosaic(weights)
            click = streamlit_image_coordinates(mosaic, key=f"{P}.filter_click", width=mosaic.shape[1])
            st.caption("Click a filter to enlarge it.")
        if click:
            cell = 6 * 11 + 3
            col, row = (
                int(click["x"] * mosaic.shape[1] / click["width"]) // cell,
                int(click["y"] * mosaic.shape[0] / click["height"]) // cell,
            )
            if click.get("unix_time") != st.session_state.get(f"{P}.filter_seen"):
                st.session_state[f"{P}.filter_seen"] = click.get("unix_time")
                st.session_state[f"{P}.filter"] = min(64, max(1, row * 8 + col + 1))
        with f2:
            index = (
                st.number_input("Filter", 1, 64, 1, key=f"{P}.filter", help="Or click a filter on the left.")
                - 1
            )
            render.show(
                st,
                models.filter_mosaic(weights[index : index + 1], scale=24, cols=1),
                caption=f"Filter {index + 1}",
            )
            st.caption("Try it on the whole image in the Filter Lab: choose 'Learned: AlexNet conv1 filter'.")
            st.session_state["lab.alexnet_index"] = index + 1

with maps:
    if maps.open:
        m1, m2 = st.columns([1, 1])
        layer = m1.selectbox("Layer", [info.name for info in ax.LAYERS], key=f"{P}.layer")
        order_by = m2.radio(
            "Order",
            models.ORDERS,
            key=f"{P}.order",
            horizontal=True,
        )
        values = outputs[layer].values
        order = models.channel_order(values, order_by)
        signed = outputs[layer].layer.kind == "conv"
        st.caption(
            f"{layer}: {values.shape[0]} channels of {values.shape[1]} x {values.shape[2]}; "
            f"{'signed (blue negative, red positive)' if signed else 'after ReLU: black 0, white the largest'}; "
            "each map on its own scale."
        )
        st.image(models.mosaic_png(kind, image, layer, order_by), width="stretch", output_format="PNG")
        channel = (
            st.number_input(
                "Enlarge channel", 1, values.shape[0], int(order[0]) + 1, key=f"{P}.channel.{layer}"
            )
            - 1
        )
        e1, e2, e3 = st.columns(3)
        big = render.colourise(values[channel], "diverging" if signed else "relu", palette=state.palette())
        with e1:
            enlarged = render.upscale(big.rgb, 224)
            unit = streamlit_image_coordinates(
                enlarged, key=f"{P}.unit.{layer}", width=min(enlarged.shape[1], 336)
            )
            st.caption(f"Channel {channel + 1}. Click a unit to see its receptive field.")
        render.show(
            e2,
            models.overlay(
                result.crop, (values[channel] - values[channel].min()) / (np.ptp(values[channel]) or 1)
            ),
            caption="Overlaid on the input",
            width="stretch",
        )
        rkey, ckey = f"{P}.unit_row.{layer}", f"{P}.unit_col.{layer}"
        if unit and unit.get("unix_time") != st.session_state.get(
            f"{P}.unit_seen"
        ):  # a click sets the numbers
            st.session_state[f"{P}.unit_seen"] = unit.get("unix_time")
            st.session_state[rkey] = min(
                values.shape[1], int(unit["y"] * values.shape[1] / unit["height"]) + 1
            )
            st.session_state[ckey] = min(
                values.shape[2], int(unit["x"] * values.shape[2] / unit["width"]) + 1
            )
        u1, u2 = e3.columns(2)
        r = u1.number_input("Unit row", 1, values.shape[1], values.shape[1] // 2 + 1, key=rkey) - 1
        c = u2.number_input("Unit column", 1, values.shape[2], values.shape[2] // 2 + 1, key=ckey) - 1
        size, rect = ax.receptive_field(layer, r, c)
        render.show(
            e3,
            models.box(result.crop, rect),
            width="stretch",
            caption=f"Unit (row {r + 1}, column {c + 1}) sees {size} x {size} input pixels (clipped at the border).",
        )

with arch:
    if arch.open:
        net = models.model(kind)
        rows = []
        for info in ax.LAYERS:
            module = net.features[info.index]
            params = sum(p.numel() for p in module.parameters())
            shape = outputs[info.name].values.shape
            geometry = (
                ""
                if info.kind == "relu"
                else f"{info.kernel} x {info.kernel} / {info.stride} / {info.padding}"
            )
            rows.append(
                [
                    info.name,
                    info.kind,
                    geometry,
                    " x ".join(map(str, shape)),
                    params,
                    ax.receptive_field(info.name)[0],
                ]
            )
        for name, idx in (("fc6", 1), ("fc7", 4), ("fc8", 6)):
            layer_ = net.classifier[idx]
            rows.append(
                [
                    name,
                    "dense",
                    "",
                    str(layer_.out_features),
                    sum(p.numel() for p in layer_.parameters()),
                    None,
                ]
            )
        table = pd.DataFrame(
            rows,
            columns=[
                "layer",
                "kind",
                "kernel / stride / padding",
                "output shape",
                "parameters",
                "receptive field (px)",
            ],
        )
        st.dataframe(table, hide_index=True, width="stretch")
        conv = int(table[table.kind == "conv"].parameters.sum())
        dense = int(table[table.kind == "dense"].parameters.sum())
        st.markdown(
            f"**{conv + dense:,} parameters**: convolutional layers {conv:,} ({conv / (conv + dense):.0%}), "
            f"dense layers {dense:,} (**{dense / (conv + dense):.0%}**). The filters are small; the dense layers hold "
            "almost all the numbers."
        )

with compare:
    if compare.open:
        if problem:
            st.info("Needs the pretrained weights (see the panel at the top).")
        else:
            a, b = st.columns(2)
            render.show(
                a,
                models.filter_mosaic(models.conv1_weights(models.PRETRAINED)),
                caption="conv1, pretrained",
                width="stretch",
            )
            render.show(
                b,
                models.filter_mosaic(models.conv1_weights(models.UNTRAINED)),
                caption="conv1, untrained (noise)",
                width="stretch",
            )
            first = {
                k: models.analyse(k, image).outputs[1].values for k in (models.PRETRAINED, models.UNTRAINED)
            }
            for col, (k, vals) in zip((a, b), first.items()):
                top = models.channel_order(vals, "mean activation")[:16]
                render.show(
                    col,
                    models.map_mosaic(vals, top, signed=False, cols=8),
                    caption=f"relu1, 16 strongest maps: {k}",
                    width="stretch",
                )

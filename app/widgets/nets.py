"""Widgets of the network pages: the pretrained-weights panel, a table of predictions, a table of
layers, the receptive field of a unit, and the AlexNet page's filter and feature-map views."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import streamlit as st
from streamlit_image_coordinates import streamlit_image_coordinates

import convcore
from app import caches, nets, session, training
from app.draw import colour, encode, mosaic
from app.memo import memo
from app.session import LINK, internal
from app.widgets.kernels import ALEXNET_INDEX_KEY
from convcore.layers import ALEXNET, ALEXNET_PAPER, ALEXNET_PAPER_SIZE, input_maps, layer_stack
from convcore.nets import alexnet as ax
from convcore.nets import lenet, weights

#: Shown in table cells that have no value (a pool layer's filters, a dense layer's receptive field).
BLANK = "—"
#: Layer tables: parameter counts with thousands separators ("23,296").
COUNT_COLUMNS = {"parameters": st.column_config.NumberColumn("parameters", format="%,d")}


def untrained_notice() -> None:
    """One line, near the top of the AlexNet page: the network shown is untrained, and why."""
    st.markdown(
        ":orange-badge[:material/warning: Untrained network] The pretrained weights are not on this computer: "
        "AlexNet has random weights, so its filters and guesses mean nothing yet (how to get them: end of the page)."
    )


def weights_panel(prefix: str, problem: str) -> None:
    """Why AlexNet is untrained here, a download button with progress, and the offline way."""
    with st.container(border=True):
        st.markdown(
            "**The pretrained weights are not on this computer**, so the page uses an untrained AlexNet "
            "(random weights). Everything works; the filters and predictions just mean nothing yet."
        )
        if problem != weights.MISSING:  # a damaged or refused file: what is wrong with it (else said above)
            st.caption(problem)
        if st.button(
            "Download the weights (233 MB)", icon=":material/download:", key=internal(prefix, "download")
        ):
            bar = st.progress(0.0, text="Starting the download...")

            def show(done: int, total: int) -> None:
                bar.progress(min(done / total, 1.0), text=f"{done / 2**20:.0f} of {total / 2**20:.0f} MB")

            try:
                nets.download_weights(show)
            except weights.WeightsError as exc:
                bar.empty()  # a bar left at "Starting the download..." would say it is still going
                st.error(str(exc), icon=":material/cloud_off:")
            else:
                st.rerun()
        st.markdown(
            "Offline classroom: on a computer with internet run `make weights` (it fills the PyTorch cache), or copy "
            f"`alexnet-owt-7be5be79.pth` here and set `{weights.WEIGHTS_ENV}` to its path before `make run`."
        )


def predictions(top: list) -> None:
    """Classes and their probabilities as a table with bars."""
    frame = pd.DataFrame({"class": [p.name for p in top], "probability": [p.probability for p in top]})
    bar = st.column_config.ProgressColumn("probability", min_value=0.0, max_value=1.0, format="percent")
    st.dataframe(frame, column_config={"probability": bar}, hide_index=True, width="stretch")


def class_choice(prefix: str, top: list, image_key: str) -> tuple[int, str]:
    """One of the 1000 ImageNet classes, the top guesses first: (index, name). A new picture starts
    at its own top guess (the class chosen for the previous one would show a heat map for a class
    the network does not see there); a link's class, or a switch of model, keeps the choice."""
    names = ax.categories()
    first = [p.index for p in top]
    key, seen = f"{prefix}.cam_class", internal(prefix, "cam_image")
    if st.session_state.get(seen) not in (None, image_key):
        st.session_state[key] = first[0]
    st.session_state[seen] = image_key
    chosen = st.selectbox(
        "Grad-CAM for the class",
        first + [i for i in range(1000) if i not in first],
        format_func=lambda i: names[i],
        key=key,
        help="Where in the picture the evidence for this class is (gradients of the class "
        "score with respect to the last conv layer).",
        bind=LINK,
    )
    return chosen, names[chosen]


#: Rows of the layer table: more than any classic network's conv and pool layers.
MAX_LAYERS = 30
#: Columns of the layer table: name -> (smallest, largest) whole number.
_LAYER_COLUMNS = {"kernel": (1, 15), "stride": (1, 8), "padding": (0, 10), "dilation": (1, 8)}
#: Each column's width in pixels, its header's with the edit icon: the table fits the 560 pixels it has at 1024.
_LAYER_WIDTHS = {
    "layer": 70,
    "kind": 66,
    "kernel": 72,
    "stride": 68,
    "padding": 86,
    "dilation": 86,
    "filters": 72,
}


def layer_table(key: str, layers: list[convcore.Layer]) -> list[convcore.Layer]:
    """An editable table of conv and pool layers (rows can be added and removed, at most
    MAX_LAYERS), read back as Layers with their names (an empty name: numbered by kind, as
    :func:`convcore.layer_stack` does); raises ValueError naming the row that is incomplete."""
    frame = pd.DataFrame([dict(layer=la.name, kind=la.kind, kernel=la.kernel, stride=la.stride, padding=la.padding,
                               dilation=la.dilation, filters=la.channels or None) for la in layers])  # fmt: skip
    width = _LAYER_WIDTHS
    config = {
        name: st.column_config.NumberColumn(
            name, min_value=lo, max_value=hi, step=1, required=True, width=width[name]
        )
        for name, (lo, hi) in _LAYER_COLUMNS.items()
    }
    config["layer"] = st.column_config.TextColumn(
        "layer",
        max_chars=20,
        help="its name; left empty, it is numbered by kind (conv3, pool2, ...)",
        width=width["layer"],
    )
    config["kind"] = st.column_config.SelectboxColumn(
        "kind", options=["conv", "pool"], required=True, width=width["kind"]
    )
    config["filters"] = st.column_config.NumberColumn(
        "filters",
        min_value=1,
        max_value=1024,
        step=1,
        help="conv only; pooling keeps the channels",
        width=width["filters"],
    )
    edited = st.data_editor(frame, key=key, num_rows="dynamic", hide_index=True, width="stretch",
                            column_config=config, placeholder=BLANK)  # fmt: skip
    if len(edited) > MAX_LAYERS:
        raise ValueError(f"use at most {MAX_LAYERS} layers (the table has {len(edited)})")
    read: list[convcore.Layer] = []
    for i, row in enumerate(edited.itertuples(index=False), start=1):
        values = [getattr(row, name) for name in _LAYER_COLUMNS]
        if row.kind not in ("conv", "pool") or any(pd.isna(v) for v in values):
            raise ValueError(f"row {i}: choose a kind and fill kernel, stride, padding and dilation")
        if row.kind == "conv" and pd.isna(row.filters):
            raise ValueError(f"row {i}: a conv layer needs a number of filters")
        name = "" if pd.isna(row.layer) else str(row.layer).strip()
        if name and name in (la.name for la in read):
            raise ValueError(f"row {i}: another layer is called {name!r}: give each layer its own name")
        channels = int(row.filters) if row.kind == "conv" else 0
        read.append(convcore.Layer(row.kind, *(int(v) for v in values), channels=channels, name=name))
    return read


def field_picture(
    target, name: str, row: convcore.LayerRow, picture: np.ndarray, unit: tuple[int, int]
) -> None:
    """``picture`` (the network's square input) with the receptive field of ``unit`` (row, column,
    0-based) of layer ``name``: a box (clipped at the border) and a cross at its centre, where the
    unit is. Says so in the caption, and why the unit is off the middle on an even map."""
    size = picture.shape[0]
    field, (r, c), (h, w) = row.field, unit, row.size
    centre = (field.start + r * field.jump, field.start + c * field.jump)
    top, left, bottom, right = rect = field.box(r, c, size)
    boxed = mosaic.box(picture, rect, width=max(2, size // 150), centre=centre)
    seen = f"{row.receptive_field} x {row.receptive_field}"
    clipped = " (clipped at the border)" if (bottom - top, right - left) != (field.size, field.size) else ""
    caption = (
        f"Unit (row {r + 1}, column {c + 1}) of {name}'s {h} x {w} map sees {seen} input pixels: the box"
        f"{clipped}; the cross is its centre."
    )
    if unit == row.centre_unit(size) and (h % 2 == 0 or w % 2 == 0):
        caption += (
            " The map's size is even, so no unit sits exactly in the middle: this is the unit centred "
            "nearest the image's centre."
        )
    alt = (
        f"the input image with the {seen} pixels that unit (row {r + 1}, column {c + 1}) of {name} sees boxed"
    )
    encode.show(target, boxed, width="stretch", caption=caption, alt=alt)


#: Columns of the layers page's stack table (the last two shown with short headers: at 1024 pixels the
#: table has about 560 pixels).
STACK_COLUMNS = ["layer", "filters or window", "output", "parameters", "receptive field (px)",
                 "step between units (px)"]  # fmt: skip
_STACK_CONFIG = {
    **COUNT_COLUMNS,
    STACK_COLUMNS[4]: st.column_config.NumberColumn(
        "field (px)", help="Receptive field: the input pixels one unit sees, per side"
    ),
    STACK_COLUMNS[5]: st.column_config.NumberColumn(
        "step (px)", help="Input pixels between neighbouring units"
    ),
}


def _depths(layer: convcore.Layer, in_channels: int) -> str:
    """How many input maps one filter sees: "48", or "3, 4 or 6" for a connection table."""
    found = sorted({len(maps) for maps in input_maps(layer, in_channels)})
    return str(found[0]) if len(found) == 1 else ", ".join(map(str, found[:-1])) + f" or {found[-1]}"


def unit_text(layer: convcore.Layer, in_channels: int) -> str | None:
    """One filter, window or neuron of ``layer`` in a few words ("96 of 11 x 11 x 3"); None for a ReLU."""
    kh, kw = layer.kernel_size
    if layer.kind == "conv":
        return f"{layer.channels:,} of {kh} x {kw} x {_depths(layer, in_channels)}"
    if layer.kind == "pool":
        return f"{kh} x {kw} {layer.pooling}" + (" x c + b" if layer.trainable else "")
    if layer.kind == "dense":
        return f"{layer.channels:,} {'RBF units' if layer.rbf else 'neurons'}"
    return None


def stack_table(rows: list[convcore.LayerRow], input_shape: tuple[int, int, int], *, softmax: bool) -> None:
    """The layers page's table of ``rows`` (from an input of (height, width, channels)): a flatten
    row before the first dense layer, a softmax row at the end if ``softmax``; ReLUs left out."""
    h, w, channels = input_shape
    flat: int | None = h * w * channels
    data = []
    for r in rows:
        if r.layer.kind == "dense" and flat is not None:
            data.append(["flatten", None, f"{flat:,}", 0, None, None])
        if r.layer.kind != "relu":
            out = (
                f"{r.channels:,}" if r.layer.kind == "dense" else f"{r.size[0]} x {r.size[1]} x {r.channels}"
            )
            data.append([r.name, unit_text(r.layer, channels), out, r.params, r.receptive_field, r.jump])
        flat = None if r.layer.kind == "dense" else r.size[0] * r.size[1] * r.channels
        channels = r.channels
    if softmax:
        data.append(["softmax", None, f"{rows[-1].channels:,}", 0, None, None])
    # across the page: in a column at 1024 pixels its last columns were hidden
    frame = pd.DataFrame(data, columns=STACK_COLUMNS).astype({c: "Int64" for c in STACK_COLUMNS[-2:]})
    st.dataframe(frame, hide_index=True, width="stretch", height="content", column_config=_STACK_CONFIG,
                 placeholder=BLANK)  # fmt: skip


def lenet5_paper_notes(rows: list[convcore.LayerRow]) -> None:
    """What the published LeNet-5's table cannot say: C3's connection table (drawn as the paper's
    Table I), the trainable subsampling, the RBF outputs; every number from ``rows``."""
    by = {r.name: r for r in rows}
    s2, c3, s4, f6, out = by["S2"], by["C3"], by["S4"], by["F6"], by["output"]
    table = input_maps(c3.layer, s2.channels)
    links, k = sum(map(len, table)), c3.layer.kernel_size[0]
    full = convcore.parameter_count(replace(c3.layer, connections=None), s2.channels)
    st.markdown(
        f"**C3 is not fully connected**: each of its {c3.channels} filters sees only some of S2's {s2.channels} maps "
        f"(the paper's Table I, below): {links} of the {c3.channels} x {s2.channels} = {c3.channels * s2.channels} "
        f"pairs, so {links} x {k} x {k} weights + {c3.channels} biases = **{c3.params:,}** parameters ({full:,} if "
        f"every filter saw every map). **S2 and S4 subsample**: each 2 x 2 window's 4 inputs are added, multiplied "
        f"by a trainable coefficient, and a trainable bias is added, one of each per map: {s2.channels} x 2 = "
        f"**{s2.params}** and {s4.channels} x 2 = **{s4.params}**."
    )
    cells = pd.DataFrame([["X" if m in maps else "" for maps in table] for m in range(s2.channels)],
                         columns=[str(f) for f in range(c3.channels)])  # fmt: skip
    cells.insert(0, "S2 map", [str(m) for m in range(s2.channels)])
    narrow = {c: st.column_config.TextColumn(c, width=30 if c != "S2 map" else 66) for c in cells.columns}
    st.dataframe(cells, hide_index=True, column_config=narrow, width="content")  # 16 columns fit 1024 pixels
    st.caption(
        f"Table I: a column for each of C3's {c3.channels} filters, a row for each of S2's {s2.channels} maps; X: "
        "the filter sees the map. The paper's reasons: fewer connections, and different maps forced to learn "
        "different features."
    )
    st.caption(
        f"C5's {k} x {k} filters on S4's {s4.size[0]} x {s4.size[1]} maps leave {by['C5'].channels} maps of 1 x 1: "
        f"the flatten before F6 changes nothing. The output is {out.channels} Euclidean RBF units, one per class: "
        f"each gives the squared distance between F6's {f6.channels} numbers and its own {f6.channels} parameters "
        f"(in the paper a stylised 7 x 12 bitmap of its class, set by hand): {out.params} parameters, no biases. The "
        "answer is the unit with the smallest output: the paper has no softmax. Every layer up to F6 passes its "
        "sums through a scaled tanh, not listed (it changes no size or count). The layers before the output hold "
        f"{sum(r.params for r in rows if not r.layer.rbf):,} parameters."
    )


def alexnet_paper_notes(rows: list[convcore.LayerRow]) -> None:
    """What the published AlexNet's table leaves to words: the two GPUs and the input's size."""
    by = {r.name: r for r in rows}
    grouped = [r for r in rows if r.layer.groups > 1]
    conv1 = by["conv1"].layer
    from_224 = convcore.output_size(224, conv1.kernel, stride=conv1.stride, padding=conv1.padding)
    padded = convcore.output_size(
        224, ALEXNET[0].kernel, stride=ALEXNET[0].stride, padding=ALEXNET[0].padding
    )
    st.caption(
        f"Two GPUs: conv1's {conv1.channels} filters, {conv1.channels // 2} on each GPU, see all 3 colours; "
        f"{', '.join(r.name for r in grouped[:-1])} and {grouped[-1].name} see only their own GPU's half of the "
        "maps before them (groups of 2), conv3 and the dense layers see both halves. ReLUs (after every conv "
        "layer, fc6 and fc7), the response normalisation after relu1 and relu2 and dropout are not listed: they "
        f"have no parameters and keep the size. The paper says 224 x 224 x 3, but conv1 ({conv1.kernel} x "
        f"{conv1.kernel}, stride {conv1.stride}) gives {by['conv1'].size[0]} x {by['conv1'].size[1]} only from "
        f"{ALEXNET_PAPER_SIZE} x {ALEXNET_PAPER_SIZE} (from 224: {from_224} x {from_224}); torchvision pads 224 by "
        f"{ALEXNET[0].padding} and gets {padded} x {padded}."
    )


def _learned(rows: list[convcore.LayerRow], in_channels: int) -> dict[str, tuple[convcore.LayerRow, int]]:
    """The layers of ``rows`` that have parameters, by name, each with its input's channels."""
    before = [in_channels] + [r.channels for r in rows]
    return {r.name: (r, c) for r, c in zip(rows, before) if r.params}


def alexnet_versions() -> None:
    """The 2012 paper's AlexNet beside torchvision's, layer by layer, and the dense layers' share."""
    versions = [layer_stack(ALEXNET_PAPER_SIZE, 3, ALEXNET_PAPER), layer_stack(224, 3, ALEXNET)]
    paper, tv = (_learned(rows, 3) for rows in versions)
    data = [[name, unit_text(paper[name][0].layer, paper[name][1]), paper[name][0].params,
             unit_text(tv[name][0].layer, tv[name][1]), tv[name][0].params] for name in paper]  # fmt: skip
    totals = [sum(r.params for r in rows) for rows in versions]
    dense = [sum(r.params for r in rows if r.layer.kind == "dense") for rows in versions]
    data.append(["all", None, totals[0], None, totals[1]])
    columns = ["layer", "paper (2012)", "paper: parameters", "torchvision", "torchvision: parameters"]
    count = st.column_config.NumberColumn(format="%,d")
    st.dataframe(pd.DataFrame(data, columns=columns), hide_index=True, width="stretch", placeholder=BLANK,
                 height="content", column_config={columns[2]: count, columns[4]: count})  # fmt: skip
    st.caption(
        f"The dense layers hold {dense[0]:,} of the paper's {totals[0]:,} parameters "
        f"(**{100 * dense[0] / totals[0]:.2f}\u00a0%**) and {dense[1]:,} of torchvision's {totals[1]:,} "
        f"(**{100 * dense[1] / totals[1]:.2f}\u00a0%**): about 96\u00a0% in both. torchvision's layout is the one-GPU AlexNet "
        "it takes from Krizhevsky's 2014 'One weird trick' paper (that paper lists 384 filters for conv4; "
        "torchvision's 256 follow Krizhevsky's own one-GPU cuda-convnet2 configuration). The app uses it because "
        "its trained weights can be downloaded."
    )


def conv1_words(kind: str, *, weights_here: bool) -> str:
    """What the filters tab shows, said truthfully: torchvision's pretrained filters, or untrained
    noise (and where the trained ones are); the 2012 paper's 96 beside torchvision's 64."""
    shown = nets.conv1_weights(kind)
    n, (c, kh, kw) = shown.shape[0], shown.shape[1:]
    paper = (
        f"The 2012 paper's conv1 had 96 such filters, 48 on each of its two GPUs; torchvision's has {n}. The paper "
        "found 'a variety of frequency- and orientation-selective kernels, as well as various colored blobs'."
    )
    if kind == nets.PRETRAINED:
        return (
            f"conv1's {n} filters, each {kh} x {kw} x {c}, shown as colour patches: torchvision's pretrained "
            "weights, learned from ImageNet's labelled photos. Nobody designed them, yet they became detectors of "
            f"edges and stripes at many orientations and of colour blobs. {paper}"
        )
    where = (
        "choose 'Pretrained' above"
        if weights_here
        else "the weights can be downloaded at the end of the page"
    )
    return (
        f"conv1's {n} filters, each {kh} x {kw} x {c}, shown as colour patches: **untrained**, random numbers, so "
        f"what you see is noise and detects nothing in particular. Trained filters ({where}) are edge, stripe and "
        f"colour-blob detectors that nobody designed. {paper}"
    )


def filter_view(prefix: str, kind: str, *, shown: bool = True) -> None:
    """AlexNet's 64 conv1 filters as a clickable 8 x 8 grid and the chosen one enlarged. In a closed
    tab (``shown`` False) only the filter number is drawn: it stays in the page's link."""
    if not shown:
        st.session_state[ALEXNET_INDEX_KEY] = st.number_input(
            "Filter", 1, 64, 1, key=f"{prefix}.filter", bind=LINK
        )
        return
    kernels = nets.conv1_weights(kind)
    picture, layout = mosaic.filter_mosaic(kernels, scale=8 if session.presenting() else 6)
    click = session.new_click(prefix, "filter_click")
    if click:
        index = layout.index_at(click["x"] * picture.shape[1] / click["width"],
                                click["y"] * picture.shape[0] / click["height"])  # fmt: skip
        if index is not None:
            st.session_state[f"{prefix}.filter"] = index + 1
    f1, f2 = st.columns([3, 2], gap="large")
    with f1:
        # as wide as the column: at its own width (549 px) a narrower column hid the last filters, and
        # the component's "content" does not shrink it
        streamlit_image_coordinates(
            picture, key=internal(prefix, "filter_click"), width="stretch", cursor="pointer"
        )
        which = "pretrained" if kind == nets.PRETRAINED else "untrained (random)"
        st.caption(
            f"conv1's {len(kernels)} filters, {which}, as an 8 x 8 grid. Click a filter to enlarge it."
        )
    with f2:
        number = st.number_input(
            "Filter", 1, 64, 1, key=f"{prefix}.filter", help="Or click a filter on the left.", bind=LINK
        )
        one = mosaic.filter_mosaic(kernels[number - 1 : number], scale=24, cols=1)[0]
        encode.show(st, one, caption=f"Filter {number}", width="stretch",
                    alt=f"filter {number} of conv1 enlarged: 11 x 11 pixels in 3 colours")  # fmt: skip
        st.caption("Try it on the whole image in the Filter Lab: choose 'Learned: AlexNet conv1 filter'.")
        st.session_state[ALEXNET_INDEX_KEY] = number


def unit_view(
    prefix: str,
    layer: str,
    order_by: str,
    result: nets.Analysis,
    palette: tuple[str, str],
    *,
    shown: bool = True,
) -> None:
    """One channel of ``layer`` enlarged (click a unit), overlaid on the input, and the receptive
    field of the chosen unit. In a closed tab (``shown`` False) only the numbers are drawn."""
    output = result.outputs[layer]
    values, signed = output.values, output.layer.kind == "conv"
    row = nets.alexnet_rows()[layer]
    rkey, ckey = f"{prefix}.unit_row.{layer}", f"{prefix}.unit_col.{layer}"
    click = session.new_click(prefix, f"unit.{layer}")
    if click:  # a click sets the numbers (before they are drawn)
        st.session_state[rkey], st.session_state[ckey] = session.click_cell(click, *values.shape[1:])
    first = int(nets.channel_order(values, order_by)[0]) + 1
    middle = row.centre_unit(ax.INPUT_SIZE)
    n1, n2, n3 = st.columns(3)
    channel = n1.number_input("Enlarge channel", 1, values.shape[0], first, key=f"{prefix}.channel.{layer}",
                              bind=LINK) - 1  # fmt: skip
    r = n2.number_input("Unit row", 1, values.shape[1], middle[0] + 1, key=rkey, bind=LINK) - 1
    c = n3.number_input("Unit column", 1, values.shape[2], middle[1] + 1, key=ckey, bind=LINK) - 1
    if not shown:
        return
    one = values[channel]
    e1, e2, e3 = st.columns(3)
    with e1:
        enlarged = mosaic.upscale(
            colour.colourise(one, "diverging" if signed else "relu", palette=palette).rgb, 224
        )
        streamlit_image_coordinates(
            enlarged, key=internal(prefix, f"unit.{layer}"), width="stretch", cursor="crosshair"
        )
        st.caption(
            f"Channel {channel + 1} of {layer}, {one.shape[0]} x {one.shape[1]}. Click a unit to see its receptive field."
        )
    encode.show(e2, mosaic.overlay(result.crop, (one - one.min()) / (np.ptp(one) or 1)),
                caption="Overlaid on the input", width="stretch",
                alt=f"channel {channel + 1} of {layer} as a heat map over the 224 x 224 input")  # fmt: skip
    field_picture(e3, layer, row, result.crop, (r, c))


def digit_answer(target, digit: np.ndarray, probs: np.ndarray) -> None:
    """What the digit network gets (28 x 28, square pixels) and what it reads: the probability of
    every digit in a chart and in words."""
    with target:
        seen = np.repeat((digit[..., None] * 255).astype(np.uint8), 3, axis=2)
        encode.show(st, mosaic.upscale(seen, 224 if session.presenting() else 168),
                    caption="What the network gets: 28 x 28, centred",
                    alt="the digit as the network gets it: 28 x 28 pixels, white on black")  # fmt: skip
        st.markdown(f"### It reads **{int(probs.argmax())}** ({probs.max():.0%})")
        chart = pd.DataFrame({"digit": [str(d) for d in range(10)], "probability": probs})
        st.bar_chart(
            chart, x="digit", y="probability", height=200, alt="the probability of each digit, 0 to 9"
        )
        ranked = [d for d in np.argsort(-probs) if probs[d] >= 0.005]
        words = ", ".join(f"{d}: {probs[d]:.0%}" for d in ranked)
        rest = "; every other digit under 1%" if len(ranked) < 10 else ""
        st.caption(f"Probabilities: {words}{rest}.")


def training_now(job: training.Job | None, config: lenet.LeNetConfig) -> None:
    """A training run as it is now: progress, how it ended (or its place in the queue), and the first
    layer's filters (before any run: the random filters a run with ``config`` starts from)."""
    big = session.presenting()
    if job is None:
        st.info("Press **Train from scratch**. With the defaults it takes a few seconds.")
        shown, when = lenet.new_model(config).conv1.weight.detach().numpy(), "random, before training"
        n, k = config.filters, config.kernel
    else:
        last = job.history[-1] if job.history else None
        total, done = (last.total_steps if last else 1), job.steps_done
        st.progress(
            min(1.0, done / max(1, total)),
            text=f"Step {done} of {total}, {last.seconds:.1f} s"
            if last
            else "Preparing the training digits...",
        )
        kind, message = training.status(job)
        if message:
            show = {"success": st.success, "info": st.info, "error": st.error}.get(kind, st.info)
            show(message, icon=":material/hourglass_top:" if kind == "wait" else None)
        shown, when = (
            (last.filters, f"step {done}") if last else (job.initial_filters, "random, before training")
        )
        n, k = job.config.filters, job.config.kernel
    # drawn to fit the column at 1024 pixels (about 300 wide, 520 presenting) and shown at its own size: crisp
    _show_filters(st, shown, 520 if big else 300, 120 if big else 80,
                  caption=f"The first layer's {n} filters of {k} x {k} ({when}): blue negative, red positive",
                  alt=f"the {n} first-layer filters of {k} x {k}, {when}, in blue and red")  # fmt: skip
    if job is not None and job.history:
        st.caption(training.structure_summary(job, shown))


def training_replay(job: training.Job) -> None:
    """After a run: any moment of it, chosen on a slider, as the first layer's filters, the histogram of
    their outputs on held-out digits and the confusion matrix."""
    snaps = job.snapshots
    if job.running or len(snaps) < 2:
        return
    st.markdown("**Replay**: the network at any moment of its training")
    labels = [training.snapshot_label(s, job) for s in snaps]
    if st.session_state.get(internal("train", "replay")) not in labels:
        st.session_state[internal("train", "replay")] = labels[-1]  # a new run: its end
    chosen = st.select_slider("Moment", labels, key=internal("train", "replay"))
    snap = snaps[labels.index(chosen)]
    st.markdown(training.replay_summary(snap))
    left, right = st.columns(2, gap="medium")  # two columns, not three: readable at 1024 pixels
    n, k = snap.filters.shape[0], snap.filters.shape[-1]
    with left:
        _show_filters(st, snap.filters, 300 if session.presenting() else 240, 80, caption="Layer 1's filters then",
                      alt=f"the {n} first-layer filters of {k} x {k} at {chosen}, in blue and red")  # fmt: skip
        _histogram(snap)
        st.caption(
            f"Layer 1's outputs on these digits, before the ReLU (square-root scale). Grey: below zero "
            f"({snap.below_zero:.0%}), set to 0 by the ReLU. The tall bars at 0 are mostly the empty background, "
            "where a filter sees only zeros and outputs its bias."
        )
    with right:
        _confusion(snap)
        st.caption(
            f"Confusion matrix: each row is the true digit, each column what the network said "
            f"({int(snap.confusion.sum())} digits; the diagonal is right)."
        )


def _histogram(snap: lenet.Snapshot) -> None:
    """The histogram of a snapshot's conv1 outputs, bars below zero grey, a line at zero."""
    edges = lenet.HISTOGRAM_EDGES
    share = snap.histogram / max(1, int(snap.histogram.sum()))
    frame = pd.DataFrame({"from": edges[:-1], "to": edges[1:], "share": share,
                          "side": np.where(edges[1:] <= 0, "below zero", "above zero")})  # fmt: skip
    bars = {
        "x": {"field": "from", "type": "quantitative", "title": "output before the ReLU",
              "scale": {"domain": [float(edges[0]), float(edges[-1])]}},
        "x2": {"field": "to"},
        "y": {"field": "share", "type": "quantitative", "title": "share", "axis": {"format": "%"},
              "scale": {"type": "sqrt"}},
        "y2": {"datum": 0},
        "color": {"field": "side", "type": "nominal", "legend": None,
                  "scale": {"domain": ["below zero", "above zero"], "range": ["#9e9e9e", "#1f77b4"]}},
    }  # fmt: skip
    zero = {"x": {"datum": 0, "type": "quantitative"}}
    spec = {
        "layer": [
            {"mark": {"type": "bar", "aria": False, "tooltip": True}, "encoding": bars},
            {"mark": {"type": "rule", "aria": False, "color": "#c62828", "strokeWidth": 2}, "encoding": zero},
        ],
        "config": {"axis": {"aria": False}},
    }
    alt = f"histogram of layer 1's outputs, {snap.below_zero:.0%} below zero"
    st.vega_lite_chart(frame, spec, height=180, alt=alt)


def _confusion(snap: lenet.Snapshot) -> None:
    """The confusion matrix as a heat map with its counts written in the cells."""
    c = snap.confusion
    frame = pd.DataFrame(
        [{"true": t, "said": p, "digits": int(c[t, p])} for t in range(10) for p in range(10)]
    )
    axis = {"type": "ordinal", "axis": {"labelAngle": 0}}
    cells = {
        "x": {"field": "said", "title": "what it said", **axis},
        "y": {"field": "true", "title": "true digit", **axis},
    }
    dark = f"datum.digits > {0.5 * max(1, int(c.max()))}"
    spec = {
        "layer": [
            {
                "mark": {"type": "rect", "aria": False, "tooltip": True},
                "encoding": {
                    **cells,
                    "color": {
                        "field": "digits",
                        "type": "quantitative",
                        "legend": None,
                        "scale": {"scheme": "blues", "type": "sqrt"},
                    },
                },
            },
            {
                "mark": {"type": "text", "aria": False, "fontSize": 12 if session.presenting() else 10},
                "encoding": {
                    **cells,
                    "text": {"field": "digits", "type": "quantitative"},
                    "color": {"condition": {"test": dark, "value": "white"}, "value": "black"},
                },
            },
        ],  # fmt: skip
        "config": {"axis": {"aria": False}},
    }
    st.vega_lite_chart(
        frame, spec, height=300, alt="confusion matrix: true digit by row, its answer by column"
    )


def training_history(job: training.Job) -> None:
    """How a run went: loss and accuracy charts (each with its numbers in words) and the filmstrip."""
    c1, c2 = st.columns(2, gap="large")
    if job.history:
        c1.markdown("**Loss** (how wrong it is; starts near 2.3)")
        loss = pd.DataFrame({"step": [p.step for p in job.history], "loss": [p.loss for p in job.history]})
        _line_chart(c1, loss, "step", "loss", alt="loss by training step")
        c1.caption(training.loss_summary(job))
    if len(job.accuracy) > 1:
        c2.markdown("**Held-out accuracy** (digits it never trains on)")
        accs = pd.DataFrame(job.accuracy, columns=["step", "accuracy"])
        _line_chart(c2, accs, "step", "accuracy", alt="held-out accuracy by training step", percent=True)
        c2.caption(training.accuracy_summary(job))
    st.markdown("**Filmstrip**: from random noise to detectors")
    strip = st.container(
        horizontal=True, gap="medium"
    )  # every frame at one size, its own: crisp, never stretched
    tile = 48 if session.presenting() else 32
    for label, w in training.filmstrip(job):
        _show_filters(strip, w, 10 * tile, tile, caption=label, alt=f"the first-layer filters at {label}")


def _show_filters(target, weights: np.ndarray, width: int, most: int, *, caption: str, alt: str) -> None:
    """One-channel filters as :func:`_filter_square` draws them, shown at their own size (crisp). The
    picture is kept by content: every student watching a shared run redraws the same frames twice a
    second, and they are drawn and encoded once."""
    weights = np.ascontiguousarray(weights)
    digest = caches.digest(weights.tobytes() + repr((weights.shape, weights.dtype.str)).encode())
    png, shown_width = _filters_png(digest, width, most, weights)
    target.image(png, width=shown_width, caption=caption, alt=alt, output_format="PNG")


@memo(mb=8)
def _filters_png(digest: str, width: int, most: int, _weights: np.ndarray) -> tuple[bytes, int]:
    grid = _filter_square(_weights, width, most=most)
    return encode.png_bytes(grid), int(grid.shape[1])


def _filter_square(weights: np.ndarray, width: int, *, most: int) -> np.ndarray:
    """One-channel filters as a square-ish grid at most ``width`` pixels wide, tiles at most ``most``."""
    cols = math.ceil(math.sqrt(len(weights)))
    tile = max(8, min(most, (width - 4 * (cols - 1)) // cols))  # filter_grid's gap is 4
    return mosaic.filter_grid(weights, size=tile, cols=cols)


def _line_chart(target, frame: pd.DataFrame, x: str, y: str, *, alt: str, percent: bool = False) -> None:
    """A line with a dot at each measurement (hover one for its numbers). Its marks are hidden from
    screen readers (st.line_chart's hover layer is an unnamed "graphics-symbol", axe's svg-img-alt):
    the chart is named by ``alt`` and its numbers are written out beside it."""
    y_axis = {"axis": {"format": "%"}, "scale": {"domain": [0, 1]}} if percent else {}
    spec = {
        "mark": {"type": "line", "point": {"aria": False}, "aria": False, "tooltip": True},
        "encoding": {
            "x": {"field": x, "type": "quantitative"},
            "y": {"field": y, "type": "quantitative", **y_axis},
        },
        "config": {"axis": {"aria": False}},
    }
    target.vega_lite_chart(frame, spec, height=180, alt=alt)

"""Widgets of the network pages: the pretrained-weights panel, a table of predictions, a table of layers."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import convcore
from app import nets
from app.session import LINK, internal
from convcore.nets import alexnet as ax
from convcore.nets import weights


def weights_panel(prefix: str, problem: str) -> None:
    """Why AlexNet is untrained here, a download button with progress, and the offline way."""
    with st.container(border=True):
        st.markdown(
            "**The pretrained weights are not on this computer**, so the page uses an untrained AlexNet "
            "(random weights). Everything works; the filters and predictions just mean nothing yet."
        )
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
                st.error(str(exc))
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


def class_choice(prefix: str, top: list) -> tuple[int, str]:
    """One of the 1000 ImageNet classes, the top guesses first: (index, name)."""
    names = ax.categories()
    first = [p.index for p in top]
    chosen = st.selectbox(
        "Grad-CAM for the class",
        first + [i for i in range(1000) if i not in first],
        format_func=lambda i: names[i],
        key=f"{prefix}.cam_class",
        help="Where in the picture the evidence for this class is (gradients of the class "
        "score with respect to the last conv layer).",
        bind=LINK,
    )
    return chosen, names[chosen]


#: Rows of the layer table: more than any classic network's conv and pool layers.
MAX_LAYERS = 30
#: Columns of the layer table: name -> (smallest, largest) whole number.
_LAYER_COLUMNS = {"kernel": (1, 15), "stride": (1, 8), "padding": (0, 10), "dilation": (1, 8)}


def layer_table(key: str, layers: list[convcore.Layer]) -> list[convcore.Layer]:
    """An editable table of conv and pool layers (rows can be added and removed, at most
    MAX_LAYERS), read back as Layers; raises ValueError naming the row that is incomplete."""
    frame = pd.DataFrame([dict(kind=la.kind, kernel=la.kernel, stride=la.stride, padding=la.padding,
                               dilation=la.dilation, filters=la.channels or None) for la in layers])  # fmt: skip
    config = {
        name: st.column_config.NumberColumn(name, min_value=lo, max_value=hi, step=1, required=True)
        for name, (lo, hi) in _LAYER_COLUMNS.items()
    }
    config["kind"] = st.column_config.SelectboxColumn("kind", options=["conv", "pool"], required=True)
    config["filters"] = st.column_config.NumberColumn(
        "filters", min_value=1, max_value=1024, step=1, help="conv only; pooling keeps the channels"
    )
    edited = st.data_editor(frame, key=key, num_rows="dynamic", hide_index=True, width="stretch",
                            column_config=config)  # fmt: skip
    if len(edited) > MAX_LAYERS:
        raise ValueError(f"use at most {MAX_LAYERS} layers (the table has {len(edited)})")
    read = []
    for i, row in enumerate(edited.itertuples(index=False), start=1):
        values = [getattr(row, name) for name in _LAYER_COLUMNS]
        if row.kind not in ("conv", "pool") or any(pd.isna(v) for v in values):
            raise ValueError(f"row {i}: choose a kind and fill kernel, stride, padding and dilation")
        if row.kind == "conv" and pd.isna(row.filters):
            raise ValueError(f"row {i}: a conv layer needs a number of filters")
        channels = int(row.filters) if row.kind == "conv" else 0
        read.append(convcore.Layer(row.kind, *(int(v) for v in values), channels=channels))
    return read

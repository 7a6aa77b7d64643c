"""Build a second layer by hand (issue 15): the four edge filters as layer 1 on the digit 7, then one
layer-2 unit whose kernel the student sets per input map, shown computed from the four maps.

"Combining maps" made visible: a top-left corner is where the top-edge map AND the left-edge map
are both bright; one layer-2 filter, with a 3 x 3 slice for each of the four maps and a bias, finds
it. Every number comes from :func:`convcore.conv2d` and :func:`convcore.conv2d_steps`.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import streamlit as st

import convcore
from app import session
from app.draw import colour, encode, grid, mosaic, text
from app.session import LINK
from app.widgets.kernels import number_editor

BANK = "Four edges of a stroke (top, left, bottom, right)"
#: The input: the MNIST-style 7 on a small grid, white (1) on black (0).
SIZE = 16
_EDGES = ("top", "left", "bottom", "right")
_Z = [[0, 0, 0], [0, 0, 0], [0, 0, 0]]
_CENTRE = [[0, 0, 0], [0, 1, 0], [0, 0, 0]]
#: Layer-2 kernels, one 3 x 3 slice per edge map (top, left, bottom, right), and a bias.
PRESETS: dict[str, tuple[list, float, str]] = {
    "Top-left corner": (
        [[[0, 0, 0], [-1, 1, 1], [0, 0, 0]], [[0, -1, 0], [0, 1, 0], [0, 1, 0]], _Z, _Z],
        -3.0,
        "a top edge here and to the right, but not to the left, AND a left edge here and below, but not "
        "above: the bias of -3 keeps the unit at 0 unless both maps are bright together.",
    ),
    "Top-right corner": (
        [[[0, 0, 0], [1, 1, -1], [0, 0, 0]], _Z, _Z, [[0, -1, 0], [0, 1, 0], [0, 1, 0]]],
        -3.0,
        "a top edge here and to the left, but not to the right, AND a right edge here and below, but not above.",
    ),
    "Any edge": (
        [_CENTRE, _CENTRE, _CENTRE, _CENTRE],
        0.0,
        "the four maps added where the unit is: the outline of the stroke, in every direction (an OR, not an AND).",
    ),
    "Only the top edge": (
        [_CENTRE, _Z, _Z, _Z],
        0.0,
        "one map passed through unchanged: a layer-2 unit can also just copy a map.",
    ),
}


def digit() -> np.ndarray:
    """The input: the digit 7, (SIZE, SIZE), 0..1."""
    return convcore.patch_preset("Digit 7", SIZE).astype(np.float64) / 255.0


def edge_maps(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Layer 1: the four edge filters ('same' padding) and ReLU: kernels (4, 3, 3) and maps (4, H, W)."""
    kernels = np.stack([f.kernel for f in convcore.get_bank(BANK)])
    return kernels, np.maximum(convcore.conv2d(x, kernels[:, None], padding=1), 0.0).astype(np.float64)


def _picture(values: np.ndarray, side: int = 132) -> np.ndarray:
    c = colour.colourise(values, "relu", palette=session.palette())
    return mosaic.upscale(c.rgb, side)


def show(prefix: str) -> None:
    """The section."""
    p = f"{prefix}.l2"
    x = digit()
    kernels, maps = edge_maps(x)
    st.markdown(
        "**Layer 1** finds edges; **layer 2** combines them. Here layer 1 is the four classic edge filters on a "
        f"{SIZE} x {SIZE} digit 7 (white 1 on black 0), each followed by a ReLU. Layer 2 is one filter that looks at "
        "all four maps at once: a 3 x 3 slice for each map, added up, plus a bias, then a ReLU. (This tab does "
        "not use the network or the input chosen above: they are for the tab Every layer.)"
    )
    cols = st.columns(5, gap="small")
    encode.show(cols[0], _picture(x), caption=f"Input: 7, {SIZE} x {SIZE}", width="stretch",
                alt=f"the digit 7, {SIZE} by {SIZE} pixels, white on black")  # fmt: skip
    for col, name, kernel, m in zip(cols[1:], _EDGES, kernels, maps):
        encode.show(col, _picture(m), caption=f"{name.capitalize()} edge", width="stretch",
                    alt=f"the {name}-edge map of the 7 after ReLU: bright where the stroke has a {name} edge")  # fmt: skip
        with col.popover("Filter", width="stretch"):
            picture, _ = grid.grid(kernel, cell=40, tint="signed", title=f"{name} edge, layer 1")
            encode.show(st, picture, alt=f"the {name}-edge filter, 3 x 3")

    st.markdown("**Layer 2: one unit that combines the four maps**")
    preset = st.radio("Layer-2 filter", list(PRESETS), key=f"{p}.preset", horizontal=True, bind=LINK)
    slices0, bias0, meaning = PRESETS[preset]
    st.caption(f"{preset}: {meaning}")
    with st.expander("Change the layer-2 numbers"):
        e1, e2, e3 = st.columns(3, gap="small")
        targets = (e1, e2, e1, e2)
        weight = np.stack([
            _slice_editor(t, f"{p}.{preset}.{name}", np.array(slices0[k], float), f"{name.capitalize()}-edge slice")
            for k, (t, name) in enumerate(zip(targets, _EDGES))
        ])  # fmt: skip
        bias = e3.number_input("Bias", -50.0, 50.0, float(bias0), 0.5, key=f"{p}.{preset}.bias", bind=LINK)
    # the kernel's slices under the maps they slide over
    cols = st.columns(5, gap="small")
    cols[0].markdown(f"Its kernel, one slice per map; bias **{bias:g}**")
    for col, name, w in zip(cols[1:], _EDGES, weight):
        picture, _ = grid.grid(w, cell=36, tint="signed")
        encode.show(col, picture, width="stretch", alt=f"the layer-2 kernel's slice for the {name}-edge map")
    trace = convcore.conv2d_steps(maps, weight[None], np.array([bias]), padding=1)
    out = trace.output[0]
    relu = np.maximum(out, 0.0)

    top = np.unravel_index(int(np.argmax(relu)), relu.shape)
    a, b = st.columns([2, 3], gap="large", vertical_alignment="center")
    with b:
        r1, r2 = st.columns(2)
        row = r1.number_input("Row", 1, SIZE, int(top[0]) + 1, key=f"{p}.row", bind=LINK) - 1
        col = r2.number_input("Column", 1, SIZE, int(top[1]) + 1, key=f"{p}.col", bind=LINK) - 1
        where = (f"It fires most at row {top[0] + 1}, column {top[1] + 1}" if relu.max() > 0
                 else "It does not fire anywhere on this 7 (everything is 0 after the ReLU)")  # fmt: skip
        st.markdown(
            f"{where}. The orange square is the unit shown below; choose another with the row and column."
        )
    encode.show(a, _fired(x, relu, row, col), width="stretch",
                caption="Layer 2 after ReLU, over the 7 (bright: the unit fires)",
                alt="the layer-2 map over the digit 7: where the unit fires, the chosen unit outlined")  # fmt: skip
    _unit(trace[trace.index_of(0, row, col)], row, col)


def _fired(x: np.ndarray, relu: np.ndarray, row: int, col: int, side: int = 176) -> np.ndarray:
    """The layer-2 map over the 7 (its own scale), the chosen unit outlined."""
    f = side // SIZE
    base = mosaic.upscale(np.repeat((x * 160)[..., None], 3, axis=2).astype(np.uint8), f * SIZE)
    top = float(relu.max())
    heat = np.kron(relu / top if top > 0 else relu, np.ones((f, f)))
    return mosaic.box(
        mosaic.overlay(base, heat, alpha=0.65), (row * f, col * f, (row + 1) * f, (col + 1) * f), width=2
    )


def _slice_editor(target, key: str, start: np.ndarray, label: str) -> np.ndarray:
    with target:
        st.caption(label)
        return number_editor(key, start, label, step=0.5)


def _unit(step, row: int, col: int) -> None:
    """How the chosen layer-2 unit is made from the four maps."""
    st.markdown(f"**The unit at row {row + 1}, column {col + 1}**: each map's 3 x 3 window times its slice, "
                "added up (one partial sum per map), plus the bias, then the ReLU.")  # fmt: skip
    parts = [float(v) for v in step.channel_sums]
    written = text.rounded_terms([*parts, step.bias], text.decimals_for([*parts, step.bias, step.value], 3))
    cards = st.container(horizontal=True, gap="small")
    cell = max(grid.auto_cell(step.inputs), grid.auto_cell(step.kernel))  # one size for every grid
    for k, name in enumerate(_EDGES):
        card = cards.container(width=128, gap=None)
        window, _ = grid.grid(step.inputs[k], cell=cell, tint="signed", title=f"{name} map")
        kernel, _ = grid.grid(step.kernel[k], cell=cell, tint="signed", title="x slice")
        encode.show(card, mosaic.stack([window, kernel], gap=6), width="stretch",
                    alt=f"the {name}-edge map's window at the unit and its slice of the layer-2 kernel")  # fmt: skip
        card.markdown(f"{name}: **{written[k]}**")
    total = sum(Decimal(w) for w in written[:4])
    value = total + Decimal(written[4])
    fired = value > 0
    st.markdown(
        f"{' + '.join(f'({w})' for w in written[:4])} = **{total}**; + bias ({written[4]}) = **{value}**  \n"
        f"ReLU: max(0, {value}) = **{value if fired else 0}**: "
        + ("the unit **fires**." if fired else "the unit stays at **0**.")
    )

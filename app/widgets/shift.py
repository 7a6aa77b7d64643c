"""The pooling page's "Shift the input by one pixel" (lesson step 9): a convolution's map moves with its
input (equivariance), while after pooling many numbers do not change at all (approximate invariance).
The numbers come from :func:`convcore.conv_shift` and :func:`convcore.compare_shift`."""

from __future__ import annotations

import numpy as np
import streamlit as st

import convcore
from app import session
from app.draw import encode, grid
from app.session import LINK
from app.widgets import compose
from app.widgets import steps as step_widgets

_DEFAULT_KERNEL = "sobel_x"


def _cells(mask: np.ndarray) -> set[tuple[int, int]]:
    return {(int(r), int(c)) for r, c in np.argwhere(mask)}


def _row(pictures: list[tuple[np.ndarray, str]], sentence: str) -> None:
    """Two grids and the sentence that says what they show, side by side; the grids padded to one
    width, so that a longer title does not draw its grid smaller than the other."""
    cols = st.columns([1, 1, 1.1] if session.presenting() else [1, 1, 0.9], gap="small")
    width = max(picture.shape[1] for picture, _ in pictures)
    for col, (picture, alt) in zip(cols, pictures):
        padded = np.pad(picture, ((0, 0), (0, width - picture.shape[1]), (0, 0)), constant_values=255)
        encode.show(col, padded, alt=alt)
    cols[2].markdown(sentence)


def section(prefix: str, x: np.ndarray, size: int, stride: int, mode: str, tint: str) -> None:
    """The shift's settings, then three rows: the input before and after the shift; their maps under
    one 3 x 3 kernel; their pooled versions."""
    st.subheader("Shift the input by one pixel", anchor="shift")
    st.caption("Shift the input, then compare what a convolution and what pooling make of it. Try the presets "
               "(a vertical edge, the digit 7, random numbers) and window sizes.")  # fmt: skip
    c1, c2 = st.columns(2, gap="medium")
    direction = c1.radio("Direction", ["Right", "Down"], key=f"{prefix}.shift", horizontal=True, bind=LINK)
    kname = c2.selectbox("Kernel for the convolution", compose.CHOICES, index=compose.CHOICES.index(_DEFAULT_KERNEL),
                         format_func=lambda k: convcore.FILTERS[k].name, key=f"{prefix}.shift_kernel", bind=LINK)  # fmt: skip
    rows, cols, way = int(direction == "Down"), int(direction == "Right"), direction.lower()
    filt = convcore.get_filter(kname)
    conv = convcore.conv_shift(x, filt.kernel, rows=rows, cols=cols)
    shown = step_widgets.sizes()
    cell, ts = round(shown["cell"] * 30 / 36), shown["title_size"]
    h, w = x.shape
    _row([(grid.picture(conv.original, title="Input", cell=cell, title_size=ts, tint=tint), f"The input, {h} x {w} numbers"),
          (grid.picture(conv.shifted, title=f"Shifted {way}", cell=cell, title_size=ts, tint=tint),
           f"The input shifted one pixel {way}, the edge repeated")],
         f"Every number moved one pixel {way}; where the picture ends, its edge is repeated.")  # fmt: skip
    border = _cells(~conv.inside)
    oh, ow = conv.map.shape
    edge = "column" if cols else "row"
    _row([(grid.picture(conv.map, title="Map", cell=cell, title_size=ts), f"The map of {filt.name} on the input, {oh} x {ow}"),
          (grid.picture(conv.map_of_shifted, title="Map after the shift", cell=cell, title_size=ts, window=border),
           f"The map of the shifted input; the {len(border)} numbers of the border {edge} where new pixels came in are outlined")],
         f"**Convolution moves with the input** (equivariance): the map of the shifted input is the map shifted one "
         f"pixel {way}. Away from the outlined border {edge}, where new pixels came in, **{conv.equal_inside} of "
         f"{conv.inside_count}** numbers are equal to it; only that {edge} ({len(border)} numbers) is new.")  # fmt: skip
    _pooled(x, size, stride, mode, rows, cols, cell, ts, tint)


def _pooled(x, size, stride, mode, rows, cols, cell, ts, tint) -> None:
    """The third row: the input and the shifted input pooled, the changed numbers outlined."""
    try:
        cmp = convcore.compare_shift(x, size, rows=rows, cols=cols, stride=stride, mode=mode)
    except ValueError as exc:
        st.warning(f"No pooled output with these settings: {exc}")
        return
    changed = _cells(cmp.pooled != cmp.pooled_shifted)
    kind = "max" if mode == "max" else "average"
    why = ("A feature that moves but stays inside its window keeps its maximum." if mode == "max"
           else "An average changes as soon as any number enters or leaves its window.")  # fmt: skip
    if cmp.unchanged_before == 1.0:
        head = "**This shift changes no number of the input**, so nothing after it changes either."
    elif cmp.unchanged_after > cmp.unchanged_before:
        head = f"**After {kind} pooling, more numbers stay the same** (approximate invariance)."
    else:
        head = (f"**Here {kind} pooling keeps no more numbers than the input**: a shift can carry a feature "
                "across a window's border, so the invariance is only approximate.")  # fmt: skip
    _row([(grid.picture(cmp.pooled, title="Pooled", cell=cell, title_size=ts, tint=tint),
           f"The input pooled: {cmp.pooled.shape[0]} x {cmp.pooled.shape[1]} numbers"),
          (grid.picture(cmp.pooled_shifted, title="Pooled after the shift", cell=cell, title_size=ts, tint=tint, window=changed),
           f"The shifted input pooled; the {len(changed)} numbers that changed are outlined")],
         f"{head} Unchanged numbers: **{cmp.unchanged_before:.0%}** of the input, **{cmp.unchanged_after:.0%}** of "
         f"the pooled output (changed ones outlined). {why}")  # fmt: skip

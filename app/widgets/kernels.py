"""Choosing a filter (the library, a learned one, or typed numbers) and typing grids of numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

import convcore
from app.draw import encode, grid
from app.session import LINK

CUSTOM = "custom"
LEARNED = "learned_alexnet"
LEARNED_DIGITS = "learned_digits"
#: Typed kernels: at most this many rows and columns, numbers within +-LIMIT.
MAX_CUSTOM = 15
LIMIT = 1000.0
#: Where the AlexNet page leaves the filter it last showed, for the Filter Lab's learned filter.
ALEXNET_INDEX_KEY = "lab._alexnet_index"


def _filter_label(key: str) -> str:
    if key == CUSTOM:
        return "Custom: type your own numbers"
    if key == LEARNED:
        return "Learned: AlexNet conv1 filter"
    if key == LEARNED_DIGITS:
        return "Learned: digit CNN filter (works offline)"
    spec = convcore.FILTERS[key]
    return f"{spec.category}: {spec.name}"


def filter_picker(prefix: str) -> convcore.Filter:
    """A filter from the library (with sliders for its parameters) or typed by the student."""
    key = st.selectbox(
        "Filter",
        [*convcore.FILTERS, LEARNED_DIGITS, LEARNED, CUSTOM],
        index=list(convcore.FILTERS).index("sobel_x"),
        format_func=_filter_label,
        key=f"{prefix}.filter",
        help="Hand-set filters, grouped by what they do; a filter AlexNet learned; or type a kernel.",
        bind=LINK,
    )
    if key == CUSTOM:
        return _custom_kernel(prefix)
    if key == LEARNED:
        return _learned(prefix)
    if key == LEARNED_DIGITS:
        return _learned_digits(prefix)
    spec = convcore.FILTERS[key]
    values = {}
    for p in spec.params:
        kwargs = dict(min_value=p.minimum, max_value=p.maximum, value=p.default, step=p.step)
        if p.integer:
            kwargs = {k: int(v) for k, v in kwargs.items()}
        values[p.name] = st.slider(p.label, key=f"{prefix}.{key}.{p.name}", **kwargs, bind=LINK)
    return spec.build(**values)


def number_editor(key: str, start: np.ndarray, label: str, *, step: float = 1.0) -> np.ndarray:
    """A grid of numbers the student can type (st.data_editor), read back as floats.

    Empty cells count as 0 and numbers beyond +-LIMIT are set to the limit; each is said in a
    sentence, and the page keeps working.
    """
    rows, cols = start.shape
    config = {
        str(c): st.column_config.NumberColumn(
            str(c), min_value=-LIMIT, max_value=LIMIT, step=step, format="%g", width="small"
        )
        for c in range(cols)
    }
    edited = st.data_editor(
        pd.DataFrame(start.astype(float), columns=[str(c) for c in range(cols)]),
        key=key,
        column_config=config,
        hide_index=True,
        width="content",
    )
    values = edited.to_numpy(dtype=np.float64, na_value=np.nan)
    empty = np.argwhere(~np.isfinite(values))
    if empty.size:
        r, c = empty[0]
        st.warning(f"{label}: {len(empty)} empty cell(s), e.g. row {r + 1}, column {c + 1}. They count as 0.")
        values = np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)
    outside = np.abs(values) > LIMIT
    if outside.any():
        st.warning(
            f"{label}: numbers must be between -{LIMIT:g} and {LIMIT:g}; {int(outside.sum())} were set to the limit."
        )
    return np.clip(values, -LIMIT, LIMIT)


def _learned(prefix: str) -> convcore.Filter:
    """One of AlexNet's 64 first-layer filters (pretrained when the weights are here)."""
    from app import nets  # imports torch: only when a learned filter is asked for

    problem = nets.pretrained_status()
    if problem:
        st.caption(
            "No pretrained weights on this computer (see the AlexNet page): these filters are untrained noise."
        )
    index = st.slider(
        "Filter number",
        1,
        64,
        int(st.session_state.get(ALEXNET_INDEX_KEY, 1)),
        key=f"{prefix}.learned",
        bind=LINK,
    )
    return nets.learned_filter(nets.UNTRAINED if problem else nets.PRETRAINED, index - 1)


def _learned_digits(prefix: str) -> convcore.Filter:
    """A first-layer filter of the small digit CNN that ships with the app (no download needed)."""
    from app import nets  # imports torch: only when asked for

    index = st.slider(
        "Filter number", 1, nets.digit_filter_count(), 1, key=f"{prefix}.learned_digits", bind=LINK
    )
    return nets.digit_filter(index - 1)


def _custom_kernel(prefix: str) -> convcore.Filter:
    c1, c2 = st.columns(2)
    rows = c1.number_input("Rows", 1, MAX_CUSTOM, 3, key=f"{prefix}.custom.rows", bind=LINK)
    cols = c2.number_input("Columns", 1, MAX_CUSTOM, 3, key=f"{prefix}.custom.cols", bind=LINK)
    per_channel = st.toggle(
        "A kernel for each of R, G, B",
        key=f"{prefix}.custom.rgb",
        help="A separate kernel for each colour channel; the three results are summed into one map, "
        "as in a CNN's first layer.",
        bind=LINK,
    )
    channels = ("Red", "Green", "Blue") if per_channel else ("Kernel",)
    tabs = st.tabs(list(channels)) if per_channel else [st.container()]
    slices = []
    for name, tab in zip(channels, tabs):
        start = np.zeros((rows, cols))
        start[(rows - 1) // 2, (cols - 1) // 2] = 1.0 if name in ("Kernel", "Green") else 0.0
        with tab:
            slices.append(number_editor(f"{prefix}.custom.{rows}x{cols}.{name}", start, name, step=0.01))
    return convcore.custom_filter(np.stack(slices) if per_channel else slices[0])


def show_kernel(filt: convcore.Filter, *, flip: bool = False, cell: int | None = None) -> None:
    """Draw the kernel's numbers at their natural size (never enlarged, so they stay sharp)."""
    picture = grid.kernel_picture(filt, flip=flip, cell=cell)
    encode.show(st, picture, width=min(picture.shape[1], 720))


def typed_numbers(label: str, default: str, key: str, *, name: str, max_numbers: int) -> np.ndarray | None:
    """Numbers typed in one line, separated by commas (at most ``max_numbers``, said in the help);
    None, with a sentence about ``name`` saying why, when the text is not such numbers."""
    text = st.text_input(label, default, key=key, max_chars=max_numbers * 12, bind=LINK,
                         help=f"Up to {max_numbers} numbers, separated by commas.")  # fmt: skip
    try:
        values = np.array([float(v) for v in text.replace(";", ",").split(",") if v.strip()])
    except ValueError:
        st.warning(f"{name}: write numbers separated by commas, e.g. 1, 2.5, -3.")
        return None
    if values.size == 0 or not np.isfinite(values).all() or np.abs(values).max() > 1e6:
        st.warning(f"{name}: write at least one number between -1000000 and 1000000.")
        return None
    if values.size > max_numbers:
        st.warning(f"{name}: use at most {max_numbers} numbers (you wrote {values.size}).")
        return None
    return values

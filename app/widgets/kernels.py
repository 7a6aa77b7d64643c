"""Choosing a filter (the library, a learned one, or typed numbers) and typing grids of numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
from PIL import Image, ImageDraw

import convcore
from app import session
from app.draw import colour, encode, grid, mosaic
from app.draw.text import fmt, font, text_width
from app.session import LINK

CUSTOM = "custom"
LEARNED = "learned_alexnet"
LEARNED_DIGITS = "learned_digits"
#: Typed kernels: at most this many rows and columns, numbers within +-LIMIT.
MAX_CUSTOM = 15
LIMIT = 1000.0
#: Brightness = 0.299 R + 0.587 G + 0.114 B (convcore.to_grey): a colour kernel's starting centre.
_LUMA = (0.299, 0.587, 0.114)
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


def filter_choice(prefix: str) -> str:
    """Which filter: one from the library, a learned one, or typed numbers (the key, for
    :func:`filter_settings`). Give it a wide place: the names are long."""
    return st.selectbox(
        "Filter",
        [*convcore.FILTERS, LEARNED_DIGITS, LEARNED, CUSTOM],
        index=list(convcore.FILTERS).index("sobel_x"),
        format_func=_filter_label,
        key=f"{prefix}.filter",
        help="Hand-set filters, grouped by what they do; a filter AlexNet learned; or type a kernel.",
        bind=LINK,
    )


def filter_settings(prefix: str, key: str) -> convcore.Filter:
    """The filter ``key`` of :func:`filter_choice`, with sliders for its parameters (or the grid
    of numbers for a typed kernel)."""
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
    config = {  # headed 1, 2, ... as the app counts rows and columns everywhere else
        str(c): st.column_config.NumberColumn(
            str(c + 1), min_value=-LIMIT, max_value=LIMIT, step=step, format="%g", width="small"
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
        wrap=True,
    )
    # Each starts as a picture, not a blank: the identity, or per channel the brightness weights
    # (the three slices then add up to the grey picture).
    centres = dict(zip(("Red", "Green", "Blue"), _LUMA)) if per_channel else {"Kernel": 1.0}
    st.caption("Type the weights (Tab moves to the next cell):")
    tabs = st.tabs(list(centres)) if per_channel else [st.container()]
    slices = []
    for (name, centre), tab in zip(centres.items(), tabs):
        start = np.zeros((rows, cols))
        start[(rows - 1) // 2, (cols - 1) // 2] = centre
        with tab:
            st.space("small")  # room for the editor's toolbar, which sits above its top edge
            slices.append(number_editor(f"{prefix}.custom.{rows}x{cols}.{name}", start, name, step=0.01))
    return convcore.custom_filter(np.stack(slices) if per_channel else slices[0])


#: Kernel pictures: the width they may take (a half-width column at 1024 pixels; presenter mode).
_KERNEL_WIDTH = {False: 260, True: 440}
#: Numbers are drawn in the cells only for kernels up to this many rows and columns (7 x 7 and up:
#: a heat map, the numbers in a table on demand).
_MAX_NUMBERED = 6
_GAP = 16

#: A kernel's parts in rows: (row title, [(part title, 2-D weights)]).
Parts = list[tuple[str, list[tuple[str, np.ndarray]]]]


def _parts(filt: convcore.Filter, flip: bool) -> Parts:
    """The kernel's 2-D parts: the R, G, B slices of a colour kernel, both kernels of a magnitude;
    with ``flip`` a second row, the kernel as applied (turned by 180 degrees)."""
    if filt.magnitude_of:
        return [("", list(zip(("a = Sobel x", "b = Sobel y"), filt.magnitude_of)))]
    named = list(zip(("Red", "Green", "Blue"), filt.kernel)) if filt.is_colour else [("", filt.kernel)]
    if not flip:
        return [("", named)]
    return [("As written", named), ("Flipped (applied)", [(t, k[::-1, ::-1]) for t, k in named])]


def _titled(picture: np.ndarray, title: str, size: int) -> np.ndarray:
    """``picture`` under a bold ``title`` (widened to the title if need be)."""
    if not title:
        return picture
    width = max(picture.shape[1], int(text_width(title, size, bold=True)) + 4)
    strip = Image.new("RGB", (width, size + 10), (255, 255, 255))
    ImageDraw.Draw(strip).text((1, 3), title, fill=(20, 20, 20), font=font(size, bold=True))
    return mosaic.stack([np.asarray(strip), picture], gap=0)


def _arrange(rows: list[tuple[str, list[np.ndarray]]], limit: int, size: int) -> np.ndarray:
    """Each row's pictures side by side under its title (one below the other where they do not
    fit in ``limit`` pixels), the rows one below the other."""
    drawn = []
    for title, pictures in rows:
        across = mosaic.side_by_side(pictures, gap=_GAP)
        drawn.append(_titled(across if across.shape[1] <= limit else mosaic.stack(pictures), title, size))
    return mosaic.stack(drawn, gap=14)


def _numbered(parts: Parts, limit: int, top: float, *, big: bool) -> np.ndarray | None:
    """The parts as number grids, or None when one would not fit in ``limit`` pixels (or the kernel
    is 7 x 7 or larger)."""
    values = [k for _, row in parts for _, k in row]
    if max(max(k.shape) for k in values) > _MAX_NUMBERED:
        return None
    cell = round(grid.auto_cell(np.concatenate([k.ravel() for k in values])) * (1.4 if big else 1.0))
    rows = [(title, [grid.picture(k, title=t, cell=cell, scale=top) for t, k in row]) for title, row in parts]
    if max(p.shape[1] for _, row in rows for p in row) > limit:
        return None
    return _arrange(rows, limit, 20 if big else 16)


def _heat(values: np.ndarray, top: float, cell: int) -> np.ndarray:
    """One kernel as coloured squares: blue negative, white 0, red positive (the grids' colours)."""
    idx = np.clip(np.rint((values / top + 1.0) * 127.5), 0, 255).astype(np.uint8)
    body = np.repeat(np.repeat(colour.lut(colour.GRID_TABLE)[idx], cell, axis=0), cell, axis=1)
    rows, cols = values.shape
    im = Image.new("RGB", (cols * cell + 2, rows * cell + 2), (90, 90, 90))
    im.paste(Image.fromarray(body), (1, 1))
    if cell >= 8:  # lines between the cells where there is room for them
        draw = ImageDraw.Draw(im)
        for k in range(1, cols):
            draw.line([1 + k * cell, 1, 1 + k * cell, rows * cell], fill=(150, 150, 150))
        for k in range(1, rows):
            draw.line([1, 1 + k * cell, cols * cell, 1 + k * cell], fill=(150, 150, 150))
    return np.array(im)


def _heat_maps(parts: Parts, limit: int, top: float, *, big: bool) -> np.ndarray:
    """The parts as heat maps on one shared scale, each row within ``limit`` pixels."""
    size = 20 if big else 16
    rows = []
    for title, row in parts:
        cols = sum(k.shape[1] for _, k in row)
        cell = int(max(1, min(48 if big else 40, (limit - (_GAP + 2) * len(row)) // cols)))
        rows.append((title, [_titled(_heat(k, top, cell), t, size) for t, k in row]))
    return _arrange(rows, limit, size)


def _describe(filt: convcore.Filter, parts: Parts) -> str:
    kh, kw = filt.size
    values = [k for _, row in parts for _, k in row]
    names = [t for _, row in parts[:1] for t, _ in row if t]
    what = f" ({', '.join(names)})" if names else ""
    low, high = min(float(k.min()) for k in values), max(float(k.max()) for k in values)
    return f"{filt.name} kernel, {kh} x {kw}{what}: weights from {fmt(low)} to {fmt(high)}"


def _numbers_alt(parts: Parts) -> str:
    """Every number, row by row, for a screen reader."""
    said = []
    for title, row in parts:
        for t, k in row:
            name = ", ".join(x for x in (title, t) if x)
            rows = "; ".join(" ".join(fmt(float(v)) for v in r) for r in k)
            said.append(f"{name + ': ' if name else ''}{rows}")
    return " | ".join(said)


def _number_tables(parts: Parts) -> None:
    for title, row in parts:
        for t, k in row:
            name = ", ".join(x for x in (title, t) if x)
            if name:
                st.markdown(f"**{name}**")
            columns = [str(c) for c in range(1, k.shape[1] + 1)]
            frame = pd.DataFrame(k, index=range(1, k.shape[0] + 1), columns=columns)
            config = {c: st.column_config.NumberColumn(c, format="%.4g") for c in columns}
            st.dataframe(frame, column_config=config)


def show_kernel(filt: convcore.Filter, *, flip: bool = False, prefix: str | None = None,
                width: int | None = None, numbers: bool = True) -> None:  # fmt: skip
    """The kernel, readable: its numbers in a grid when they fit in ``width`` pixels (up to 6 x 6;
    never with ``numbers=False``); otherwise a heat map per part (titled Red, Green, Blue for a
    colour kernel) with a colour bar, and with a ``prefix`` a "Show the numbers" toggle for tables
    of them. Presenter mode draws it larger."""
    big = session.presenting()
    limit = width or _KERNEL_WIDTH[big]
    parts = _parts(filt, flip)
    top = float(max(np.abs(k).max() for _, row in parts for _, k in row)) or 1.0
    numbered = _numbered(parts, limit, top, big=big) if numbers else None
    if numbered is not None:
        encode.show(
            st, numbered, alt=f"{_describe(filt, parts)}. Rows: {_numbers_alt(parts)}", width="content"
        )
        return
    heat = _heat_maps(parts, limit, top, big=big)
    label = "weight: blue negative, white 0, red positive" if limit >= 240 else "weight"
    bar = colour.colourbar(
        colour.Colourised(heat, -top, top, colour.GRID_TABLE), width=min(limit, 320), label=label
    )
    alt = f"heat map of the {_describe(filt, parts)}; blue negative, white zero, red positive"
    encode.show(st, mosaic.stack([heat, bar], gap=8), alt=alt, width="content")
    if prefix is not None and st.toggle(
        "Show the numbers", key=f"{prefix}.kernel_numbers", bind=LINK, wrap=True
    ):
        _number_tables(parts)


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

"""Widget groups the pages share: choose a filter, set stride/padding/dilation, choose a display.

Each function draws its widgets (keys start with the caller's ``prefix``) and returns plain
values or convcore objects. Numbers are checked by convcore; these functions only turn its
ValueErrors into sentences on the page.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

import convcore
from app import render
from app.cache import Options

CUSTOM = "custom"
LEARNED = "learned_alexnet"
LEARNED_DIGITS = "learned_digits"
_MAX_CUSTOM = 15
_CUSTOM_LIMIT = 1000.0
PADDING_CHOICES = {
    "Same size": "same",
    "None (valid)": "valid",
    "A number": "number",
}
PADDING_MODES = {
    "Zeros": "zeros",
    "Reflect (mirror)": "reflect",
    "Replicate (copy the edge)": "replicate",
    "Circular (wrap around)": "circular",
}


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
        values[p.name] = st.slider(p.label, key=f"{prefix}.{key}.{p.name}", **kwargs)
    return spec.build(**values)


def number_editor(key: str, start: np.ndarray, label: str, *, step: float = 1.0) -> np.ndarray:
    """A grid of numbers the student can type (st.data_editor), read back as floats.

    Empty cells count as 0 and numbers beyond +-1000 are set to the limit; each is said in a
    sentence, and the page keeps working.
    """
    rows, cols = start.shape
    config = {
        str(c): st.column_config.NumberColumn(
            str(c), min_value=-_CUSTOM_LIMIT, max_value=_CUSTOM_LIMIT, step=step, format="%g", width="small"
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
    outside = np.abs(values) > _CUSTOM_LIMIT
    if outside.any():
        st.warning(
            f"{label}: numbers must be between -{_CUSTOM_LIMIT:g} and {_CUSTOM_LIMIT:g}; "
            f"{int(outside.sum())} were set to the limit."
        )
    return np.clip(values, -_CUSTOM_LIMIT, _CUSTOM_LIMIT)


def _learned(prefix: str) -> convcore.Filter:
    """One of AlexNet's 64 first-layer filters (pretrained when the weights are here)."""
    from app import models  # imports torch: only when a learned filter is asked for

    problem = models.pretrained_status()
    kind = models.UNTRAINED if problem else models.PRETRAINED
    if problem:
        st.caption(
            "No pretrained weights on this computer (see the AlexNet page): these filters are untrained noise."
        )
    index = st.slider(
        "Filter number", 1, 64, int(st.session_state.get("lab.alexnet_index", 1)), key=f"{prefix}.learned"
    )
    return models.learned_filter(kind, index - 1)


def _learned_digits(prefix: str) -> convcore.Filter:
    """A first-layer filter of the small digit CNN that ships with the app (no download needed)."""
    from app import training  # imports torch: only when asked for

    net, meta = training.default_model()
    weights = net.conv1.weight.detach().numpy()
    index = st.slider("Filter number", 1, weights.shape[0], 1, key=f"{prefix}.learned_digits")
    return convcore.Filter(
        key="digit_cnn_conv1",
        name=f"Digit CNN filter {index}",
        description=f"Learned by the small digit network ({meta['accuracy']:.1%} on held-out digits), "
        "trained on white strokes on black.",
        kernel=weights[index - 1, 0].astype(np.float64),
    )


def _custom_kernel(prefix: str) -> convcore.Filter:
    c1, c2 = st.columns(2)
    rows = c1.number_input("Rows", 1, _MAX_CUSTOM, 3, key=f"{prefix}.custom.rows")
    cols = c2.number_input("Columns", 1, _MAX_CUSTOM, 3, key=f"{prefix}.custom.cols")
    per_channel = st.toggle(
        "A kernel for each of R, G, B",
        key=f"{prefix}.custom.rgb",
        help="A separate kernel for each colour channel; the three results are summed into one map, "
        "as in a CNN's first layer.",
    )
    slices = []
    channels = ("Red", "Green", "Blue") if per_channel else ("Kernel",)
    tabs = st.tabs(list(channels)) if per_channel else [st.container()]
    for name, tab in zip(channels, tabs):
        start = np.zeros((rows, cols))
        start[(rows - 1) // 2, (cols - 1) // 2] = 1.0 if name in ("Kernel", "Green") else 0.0
        with tab:
            slices.append(number_editor(f"{prefix}.custom.{rows}x{cols}.{name}", start, name, step=0.01))
    kernel = np.stack(slices) if per_channel else slices[0]
    return convcore.custom_filter(kernel)


def colour_choice(prefix: str, filt: convcore.Filter) -> str:
    """For a greyscale kernel: apply to brightness or to each colour channel."""
    if filt.is_colour:
        st.caption("This kernel has a slice for each of red, green and blue: it sees colour.")
        return "luminance"
    choice = st.radio(
        "Apply to",
        ["Brightness: one map", "Each colour channel: three maps"],
        index=1 if filt.looks_like_image else 0,
        key=f"{prefix}.colour.{'picture' if filt.looks_like_image else 'detector'}",
        horizontal=True,
        help="Brightness = 0.299 R + 0.587 G + 0.114 B. Each channel = the same kernel on R, G and B "
        "separately (a depthwise convolution).",
    )
    return "rgb" if choice.startswith("Each") else "luminance"


def conv_options(prefix: str, filt: convcore.Filter, colour: str) -> Options:
    """Stride, padding (and what it holds), dilation, and correlation vs convolution."""
    c1, c2 = st.columns(2)
    stride = c1.slider(
        "Stride", 1, 8, 1, key=f"{prefix}.stride", help="How far the kernel moves between outputs."
    )
    dilation = c2.slider(
        "Dilation",
        1,
        6,
        1,
        key=f"{prefix}.dilation",
        help="Gaps between the kernel's taps: 2 spreads a 3x3 over 5x5.",
    )
    choice = st.radio(
        "Padding",
        list(PADDING_CHOICES),
        key=f"{prefix}.padding",
        horizontal=True,
        help="Extra rows and columns around the image, so the kernel can also sit on the border.",
    )
    padding: int | str = PADDING_CHOICES[choice]
    if padding == "number":
        padding = st.slider("Padding on each side", 0, 20, 1, key=f"{prefix}.padding_amount")
    elif padding == "same" and stride > 1:
        span = max(dilation * (k - 1) for k in filt.size)
        padding = span // 2
        st.caption(
            f"'Same size' exists only for stride 1 (as in PyTorch). Using padding {padding} = "
            f"d(k-1)/2 on each side instead."
        )
    mode = "zeros"
    if padding not in ("valid", 0):
        mode = PADDING_MODES[st.selectbox("Padding holds", list(PADDING_MODES), key=f"{prefix}.padding_mode")]
    flip = st.toggle(
        "Flip the kernel (true convolution)",
        key=f"{prefix}.flip",
        help="CNNs (PyTorch's conv2d) slide the kernel as it is: that is cross-correlation. "
        "Mathematics' convolution turns the kernel by 180 degrees first.",
    )
    return Options(
        colour=colour, stride=stride, padding=padding, dilation=dilation, padding_mode=mode, flip=flip
    )


def display_choice(prefix: str, filt: convcore.Filter) -> tuple[str, bool]:
    """How to colour the feature map, and whether to stretch the contrast.

    Pictures default to 'as a picture', detectors to signed.
    """
    labels = list(render.DISPLAYS)
    picture = filt.looks_like_image
    label = st.radio(
        "Show the feature map",
        labels,
        index=3 if picture else 0,
        key=f"{prefix}.display.{'picture' if picture else 'detector'}",
        help="Filter outputs can be negative. Signed: white is 0. Absolute: how strong, either sign. "
        "ReLU: what a CNN keeps (negatives become 0).",
    )
    display = render.DISPLAYS[label]
    stretch = False
    if display != "image":
        stretch = st.toggle(
            "Stretch contrast",
            value=True,
            key=f"{prefix}.stretch",
            help="Full colour at the 99th percentile instead of the single most extreme value, so weak "
            "edges show too. The colour bar gives the range.",
        )
    return display, stretch


def show_kernel(filt: convcore.Filter, *, flip: bool = False, cell: int | None = None) -> None:
    """Draw the kernel's numbers at their natural size (never enlarged, so they stay sharp)."""
    grid = kernel_preview(filt, flip=flip, cell=cell)
    render.show(st, grid, width=min(grid.shape[1], 720))


def kernel_preview(filt: convcore.Filter, *, flip: bool = False, cell: int | None = None) -> np.ndarray:
    """The kernel's numbers as a picture (three slices for a colour kernel, both for a magnitude)."""
    if filt.magnitude_of:
        grids = [
            render.number_grid(k, title=t, cell=cell)
            for k, t in zip(filt.magnitude_of, ("a = Sobel x", "b = Sobel y"))
        ]
    elif filt.is_colour:
        top = float(np.abs(filt.kernel).max())
        grids = [
            render.number_grid(k, title=t, scale=top, cell=cell)
            for k, t in zip(filt.kernel, ("Red", "Green", "Blue"))
        ]
    else:
        grids = [render.number_grid(filt.kernel, title="As written" if flip else "", cell=cell)]
    if flip and not filt.magnitude_of:
        flipped = filt.kernel[..., ::-1, ::-1]
        if filt.is_colour:
            titles = ("Red, flipped", "Green, flipped", "Blue, flipped")
            grids += [render.number_grid(k, title=t, cell=cell) for k, t in zip(flipped, titles)]
        else:
            grids += [render.number_grid(flipped, title="Flipped (applied)", cell=cell)]
    return render.side_by_side(grids, gap=24)

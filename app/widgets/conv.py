"""How a filter is applied: colour, stride, padding, dilation, flip; and how its map is shown."""

from __future__ import annotations

import streamlit as st

import convcore
from app.draw.colour import DISPLAYS
from app.session import LINK

PADDING_CHOICES = {"Same size": "same", "None (valid)": "valid", "A number": "number"}
PADDING_MODES = {
    "Zeros": "zeros",
    "Reflect (mirror)": "reflect",
    "Replicate (copy the edge)": "replicate",
    "Circular (wrap around)": "circular",
}


def colour_choice(prefix: str, filt: convcore.Filter) -> str:
    """For a greyscale kernel: apply to brightness ("luminance") or to each colour channel ("rgb")."""
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
        bind=LINK,
    )
    return "rgb" if choice.startswith("Each") else "luminance"


def conv_params(prefix: str, filt: convcore.Filter) -> convcore.ConvParams:
    """Stride, padding (and what it holds), dilation, and correlation vs convolution."""
    c1, c2 = st.columns(2)
    stride = c1.slider(
        "Stride", 1, 8, 1, key=f"{prefix}.stride", help="How far the kernel moves between outputs.", bind=LINK
    )
    dilation = c2.slider("Dilation", 1, 6, 1, key=f"{prefix}.dilation",
                         help="Gaps between the kernel's taps: 2 spreads a 3x3 over 5x5.", bind=LINK)  # fmt: skip
    choice = st.radio(
        "Padding",
        list(PADDING_CHOICES),
        key=f"{prefix}.padding",
        horizontal=True,
        help="Extra rows and columns around the image, so the kernel can also sit on the border.",
        bind=LINK,
    )
    padding: int | str = PADDING_CHOICES[choice]
    if padding == "number":
        padding = st.slider("Padding on each side", 0, 20, 1, key=f"{prefix}.padding_amount", bind=LINK)
    elif padding == "same" and stride > 1:
        before, _ = convcore.same_padding(filt.size, dilation)
        padding = max(before)
        st.caption(
            f"'Same size' exists only for stride 1 (as in PyTorch). Using padding {padding} = "
            f"d(k-1)/2 on each side instead."
        )
    mode = "zeros"
    if padding not in ("valid", 0):
        mode = PADDING_MODES[
            st.selectbox("Padding holds", list(PADDING_MODES), key=f"{prefix}.padding_mode", bind=LINK)
        ]
    flip = st.toggle(
        "Flip the kernel (true convolution)",
        key=f"{prefix}.flip",
        help="CNNs (PyTorch's conv2d) slide the kernel as it is: that is cross-correlation. "
        "Mathematics' convolution turns the kernel by 180 degrees first.",
        bind=LINK,
    )
    return convcore.ConvParams(
        stride=stride, padding=padding, dilation=dilation, padding_mode=mode, flip=flip
    )


def display_choice(prefix: str, filt: convcore.Filter) -> tuple[str, bool]:
    """How to colour the feature map, and whether to stretch the contrast.

    Pictures default to 'as a picture', detectors to signed.
    """
    labels = list(DISPLAYS)
    picture = filt.looks_like_image
    label = st.radio(
        "Show the feature map",
        labels,
        index=3 if picture else 0,
        key=f"{prefix}.display.{'picture' if picture else 'detector'}",
        help="Filter outputs can be negative. Signed: white is 0. Absolute: how strong, either sign. "
        "ReLU: what a CNN keeps (negatives become 0).",
        bind=LINK,
    )
    display = DISPLAYS[label]
    stretch = False
    if display != "image":
        stretch = st.toggle(
            "Stretch contrast",
            value=True,
            key=f"{prefix}.stretch",
            help="Full colour at the 99th percentile instead of the single most extreme value, so weak "
            "edges show too. The colour bar gives the range.",
            bind=LINK,
        )
    return display, stretch

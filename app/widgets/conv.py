"""How a filter is applied: colour, stride, padding, dilation, flip; and how its map is shown."""

from __future__ import annotations

import streamlit as st

import convcore
from app import caches, session
from app.caches import CurrentImage
from app.draw.colour import DISPLAYS
from app.draw.text import fmt
from app.session import LINK, internal
from app.widgets import kernels, readout

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
        longer = " of the kernel's longer side" if filt.size[0] != filt.size[1] else ""
        rounded = ", rounded down" if any(dilation * (k - 1) % 2 for k in filt.size) else ""
        st.caption(
            f"'Same size' exists only for stride 1 (as in PyTorch). Using padding {padding} on each side "
            f"instead: d(k-1)/2{longer}{rounded}."
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
        wrap=True,
    )
    return convcore.ConvParams(
        stride=stride, padding=padding, dilation=dilation, padding_mode=mode, flip=flip
    )


def display_choice(prefix: str, filt: convcore.Filter) -> tuple[str, bool]:
    """How to colour the feature map, and whether to stretch the contrast.

    The default follows the kernel: 'as a picture' for one that keeps the image's brightness (blur,
    identity, a typed kernel without negative weights), signed for a detector.
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
            wrap=True,
        )
    return display, stretch


#: The input's share of the picture row, per unit of its aspect ratio (width / height): then the
#: pictures fit the first screen under the title and tabs at 1280 x 720 (normal: 36 % of the row
#: for a square image, which leaves the hover readout room beside them; presenter mode, with its
#: lesson bar and larger type above them, 26 %). Never more than 46 %: two pictures side by side.
_ROW_SHARE = {False: 0.36, True: 0.26}
#: The same for the filter bank's maps, which have no readout beside them.
_BANK_SHARE = {False: 0.44, True: 0.26}
_MAX_SHARE = 0.46
#: The narrowest a map is drawn, as a share of its input's width: at stride 8 a map drawn to scale was
#: a speck of 30 pixels under the readout's pin. A narrower map is drawn larger, and the sentence says so.
_MIN_MAP = 1 / 3
_CHANNELS = ("Red", "Green", "Blue")


def _drawn_columns(w: int, ow: int) -> float:
    """How wide a map of ``ow`` columns is drawn beside its input of ``w``, in the input's pixels."""
    return max(ow, _MIN_MAP * w)


def picture_shares(
    input_size: tuple[int, int], map_size: tuple[int, int], maps: int = 1
) -> tuple[list[float], float]:
    """The widths, in % of the row, of the input and its ``maps`` feature maps drawn to the same
    scale (input first), and the gap between them in %. The rest of the row is the readout's.

    The input of W columns takes the same share of the row at every stride; a map of W' columns
    takes W'/W of that (stride 3: a third), but never less than a third (:data:`_MIN_MAP`).
    """
    (h, w), (_, ow) = input_size, map_size
    share = min(_MAX_SHARE, _ROW_SHARE[session.presenting()] * w / h)
    share = min(share, 0.9 * w / (w + maps * ow))  # a map wider than the input (much padding)
    return [100 * share] + [100 * share * _drawn_columns(w, ow) / w] * maps, 1.5


def _size_sentence(image: CurrentImage, geom: convcore.ConvGeometry, maps: int) -> str:
    (h, w), (oh, ow) = image.pixels.shape[:2], geom.output_size
    what = f"{maps} feature maps (R, G, B), each {ow} x {oh}" if maps > 1 else f"feature map {ow} x {oh}"
    stride = geom.stride[1]
    step = f"; stride {stride}: one output every {stride} pixels" if stride > 1 else ""
    larger = _drawn_columns(w, ow) / ow
    scale = (
        f"drawn {larger:.1f} times larger than to scale, so that it can be seen"
        if larger > 1
        else "drawn to the same scale"
    )
    return f"**Input {w} x {h} → {what}**, {scale}{step}."


def _bar_alt(out: caches.Rendered) -> str:
    low, high = out.scale
    return f"colour bar: {fmt(low)} at the left end, {fmt((low + high) / 2)} in the middle, {fmt(high)} at the right"


def show_result(image: CurrentImage, filt: convcore.Filter, key: caches.MapKey,
                geom: convcore.ConvGeometry, prefix: str) -> None:  # fmt: skip
    """The input and its feature map(s) side by side at their true sizes, the sizes said in words,
    the colour bar, the map's range and its download."""
    out = caches.rendered(image, filt, key)
    maps = len(out.map_pngs)
    (h, w), (oh, ow) = image.pixels.shape[:2], geom.output_size
    shares, gap = picture_shares((h, w), (oh, ow), maps)
    how = {"diverging": "signed values", "absolute": "absolute values", "relu": "ReLU of the values",
           "image": "a picture"}[key.display]  # fmt: skip
    names = _CHANNELS if maps > 1 else ("",)
    # a narrow map gets a short caption (or none): a word broken over lines helps nobody
    drawn = _drawn_columns(w, ow)
    captions = ["Input"] + [
        name or (f"Feature map: {ow} x {oh}" if 2 * drawn >= w else "Map" if 5 * drawn >= w else None)
        for name in names
    ]
    alts = [f"input picture {image.name}, {w} x {h} pixels"] + [
        f"feature map of {filt.name}{' on ' + name.lower() if name else ''}, {ow} x {oh}, shown as {how}"
        for name in names
    ]
    readout.feature_maps(image, filt, key, out, shares, gap, captions, alts, prefix)
    info = st.container()
    info.markdown(_size_sentence(image, geom, maps))
    if out.bar_png is not None:
        info.image(out.bar_png, width="content", alt=_bar_alt(out))
    info.caption(f"Smallest {out.minimum:.4g}, largest {out.maximum:.4g}, mean {out.mean:.4g} "
                 "(input pixel values are 0-255).")  # fmt: skip
    info.download_button("Download feature map (PNG)", caches.download_png(image, filt, key),
                         file_name=f"feature_map_{filt.key}.png", mime="image/png", icon=":material/download:",
                         key=internal(prefix, "download"), wrap=True)  # fmt: skip


def bank_caption(filters: list[convcore.Filter], colour: str, display: str) -> str:
    """What the bank's maps are, truthfully for each case: with "Each colour channel" a greyscale
    kernel runs on R, G and B separately (three maps per filter, never added: a depthwise
    convolution), which is not what a CNN layer does; a colour kernel always adds its three slices'
    results into one map; on brightness each filter gives one map."""
    n = len(filters)
    grey = [f for f in filters if not f.is_colour]
    if colour == "rgb" and grey:
        shown = ("shown together as one colour picture" if display == "image"
                 else "three maps per filter")  # fmt: skip
        said = (f"Each filter on red, green and blue separately, {shown}: never added together (a depthwise "
                "convolution). A CNN layer would add each filter's three results into one map.")  # fmt: skip
    elif grey:
        said = (f"{n} filters on the same image's brightness, one feature map each: what one CNN layer with {n} "
                "filters computes on a one-channel image (before its bias and ReLU).")  # fmt: skip
    else:
        said = (f"{n} colour filters, each with a red, a green and a blue slice whose results are added into one "
                f"map: what one CNN layer with {n} filters computes on an RGB image (before its bias and ReLU).")  # fmt: skip
        if colour == "rgb":
            said += " These kernels already cover the three channels: 'Each colour channel' changes nothing."
    if any(f.magnitude_of for f in filters):
        said += " Sobel magnitude is not one convolution: it is sqrt(a² + b²) of two maps."
    return said


def show_bank(
    image: CurrentImage, filters: list[convcore.Filter], colour: str, display: str, stretch: bool
) -> None:
    """A bank's feature maps side by side ('same' padding: each as large as the input), each with its
    colour bar and its kernel as a heat map."""
    big = session.presenting()
    h, w = image.pixels.shape[:2]
    share = min(1.0 / len(filters) - 0.02, _BANK_SHARE[big] * w / h)
    cols = st.columns([share] * len(filters) + [max(0.01, 1.0 - share * len(filters))], gap="small")
    params = convcore.ConvParams(padding="same")
    for col, filt in zip(cols, filters):
        key = caches.map_key(image, filt, colour, params, display=display, stretch=stretch, label="",
                             palette=session.palette())  # fmt: skip
        out = caches.rendered(image, filt, key, bar_width=220 if big else 140)
        with col:
            st.markdown(f"**{filt.name}**")
            parts = _CHANNELS if len(out.map_pngs) > 1 else ("",)
            for png, part in zip(out.map_pngs, parts):
                alt = f"feature map of {filt.name}{' on ' + part.lower() if part else ''}, {w} x {h}"
                st.image(png, caption=part or None, width="stretch", alt=alt)
            if out.bar_png is not None:
                st.image(out.bar_png, width="content", alt=_bar_alt(out))
            kernels.show_kernel(filt, width=220 if big else 140, numbers=False)

"""Filter Lab: apply hand-set or typed filters to the chosen image, with stride, padding, dilation.

The pictures come first (what the class looks at, also on a projector's first screen), drawn to
scale: the feature map is as much smaller than the input as its size says. The settings follow.
"""

import streamlit as st

import convcore
from app import caches, explain, server, session
from app.session import LINK
from app.widgets import compose, conv, kernels

P = "lab"
st.title("Filter Lab")
if not session.presenting():  # the teacher says it; the projector's first screen is for the pictures
    st.caption(
        "A kernel slides over your image; each output number is the sum of the kernel times the pixels "
        "under it: the same numbers as PyTorch's conv2d."
    )
image = session.current_image()
# Only the open tab computes (on_change="rerun"): the bank's four maps are drawn when asked for.
one, bank, two = st.tabs(
    ["One filter", "Filter bank", "Two filters in a row"], key="lab.tab", on_change="rerun", bind=LINK
)


@server.fragment
def one_filter(shown: bool) -> None:
    pictures = st.container()  # filled once the settings below are known
    choice = kernels.filter_choice(P)
    left, right = st.columns(2, gap="medium")
    with left:
        filt = kernels.filter_settings(P, choice)
        st.caption(filt.description)
        kernel_slot = st.container()  # filled below, once the flip toggle is known
    with right:
        colour = conv.colour_choice(P, filt)
        params = conv.conv_params(P, filt)
        display, stretch = conv.display_choice(P, filt)
    if not shown:  # a closed tab: its settings are drawn (and so stay in the link), nothing computed
        return
    h, w = image.pixels.shape[:2]
    with pictures:
        try:
            geom = params.geometry((h, w), filt.size)
        except ValueError as exc:
            st.warning(f"No feature map with these settings: {exc}", icon=":material/block:")
            geom = None
        if geom is None:
            st.image(caches.photo(image), caption=f"Input: {w} x {h} pixels", width=320,
                     alt=f"input picture {image.name}, {w} x {h} pixels")  # fmt: skip
        else:
            key = caches.map_key(image, filt, colour, params, display=display, stretch=stretch, label=filt.name,
                                 palette=session.palette())  # fmt: skip
            conv.show_result(image, filt, key, geom, P)
    with kernel_slot:
        kernels.show_kernel(filt, flip=params.flip, prefix=P)
        st.caption(explain.filter_parameters(filt, colour))
    st.markdown("**Output size** (k = kernel size, p = padding, d = dilation, s = stride)")
    for line in explain.size_formulas((h, w), filt.size, params):  # stacked: side by side they are too wide
        st.latex(rf"{line}\hspace{{0.3em}}")  # room for KaTeX's last bracket: no sideways scroll


@server.fragment
def filter_bank(shown: bool) -> None:
    maps = st.container()  # the maps first, the choices below
    c1, c2 = st.columns(2, gap="medium")
    # shown without its parenthesis (the maps' captions name each filter): the whole name fits at 1024 pixels
    name = c1.selectbox("Filter bank", list(convcore.BANKS), key="bank.name", bind=LINK,
                        format_func=lambda bank: bank.split(" (")[0])  # fmt: skip
    filters = convcore.get_bank(name)
    rgb = c2.toggle(
        "Each colour channel",
        key="bank.rgb",
        help="Off: each filter on the brightness, one map each. On: each filter on red, green and blue "
        "separately, three maps each (a colour kernel always covers all three).",
        bind=LINK,
        wrap=True,
    )
    with c1:
        display, stretch = conv.display_choice("bank", filters[0])
    if not shown:
        return
    with maps:
        if not session.presenting():  # the projector's first screen is for the maps
            st.caption(conv.bank_caption(filters, "rgb" if rgb else "luminance", display))
        conv.show_bank(image, filters, "rgb" if rgb else "luminance", display, stretch)


@server.fragment
def two_filters(shown: bool) -> None:
    relu = compose.relu_toggle()  # the switch the lesson turns: above the pictures
    pictures = st.container()
    first, second = compose.settings()
    if not shown:
        return
    with pictures:
        compose.show(image, first, second, relu)


# Every tab draws its settings on every run, so a link holds them whichever tab is open (Streamlit
# drops a widget's value from the address when the widget is not drawn); only the open tab computes.
with one:
    one_filter(one.open)
with bank:
    filter_bank(bank.open)
with two:
    two_filters(two.open)

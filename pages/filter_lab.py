"""Filter Lab: apply hand-set or typed filters to the chosen image, with stride, padding, dilation."""

import streamlit as st

import convcore
from app import caches, explain, server, session
from app.session import LINK, internal
from app.widgets import conv, kernels

P = "lab"
st.title("Filter Lab")
st.caption(
    "A kernel slides over your image; each output number is the sum of the kernel times the pixels under it. "
    "PyTorch computes exactly these numbers."
)
image = session.current_image()
# Only the open tab is computed (on_change="rerun"): the bank's four maps are drawn when asked for.
one, bank = st.tabs(["One filter", "Filter bank"], key="lab.tab", on_change="rerun", bind=LINK)


@server.fragment
def one_filter() -> None:
    controls, results = st.columns([2, 5], gap="large")
    with controls:
        filt = kernels.filter_picker(P)
        st.caption(filt.description)
        kernel_slot = st.container()  # filled below, once the flip toggle is known
        colour = conv.colour_choice(P, filt)
        params = conv.conv_params(P, filt)
        display, stretch = conv.display_choice(P, filt)
    h, w = image.pixels.shape[:2]
    with results:
        try:
            geom = params.geometry((h, w), filt.size)
        except ValueError as exc:
            st.warning(f"No feature map with these settings: {exc}", icon=":material/block:")
            geom = None
        left, right = st.columns(2)
        left.image(
            caches.photo(image), caption=f"Input: {w} x {h} pixels", width="stretch", output_format="JPEG"
        )
        if geom is not None:
            key = caches.map_key(image, filt, colour, params, display=display, stretch=stretch, label=filt.name,
                                 palette=session.palette())  # fmt: skip
            out = caches.rendered(image, filt, key)
            oh, ow = geom.output_size
            channels = " x 3 channels (R, G, B)" if len(out.shape) == 3 else ""
            right.image(out.map_png, caption=f"Feature map: {ow} x {oh}{channels}", width="stretch",
                        output_format="PNG")  # fmt: skip
            if out.bar_png is not None:
                right.image(out.bar_png, width="stretch", output_format="PNG")
            right.caption(
                f"Smallest {out.minimum:.4g}, largest {out.maximum:.4g}, mean {out.mean:.4g} "
                "(input pixel values are 0-255)."
            )
            right.download_button("Download feature map (PNG)", caches.download_png(image, filt, key),
                                  file_name=f"feature_map_{filt.key}.png", mime="image/png",
                                  icon=":material/download:", key=internal(P, "download"))  # fmt: skip
        st.markdown("**Output size** (k = kernel size, p = padding, d = dilation, s = stride)")
        for line in explain.size_formulas(
            (h, w), filt.size, params
        ):  # stacked: side by side they are too wide
            st.latex(line)
    with kernel_slot:
        kernels.show_kernel(filt, flip=params.flip)
        st.caption(explain.filter_parameters(filt, colour))


@server.fragment
def filter_bank() -> None:
    c1, c2, c3 = st.columns([2, 2, 3])
    name = c1.selectbox("Filter bank", list(convcore.BANKS), key="bank.name", bind=LINK)
    filters = convcore.get_bank(name)
    colour = (
        "rgb"
        if c2.toggle("Each colour channel", key="bank.rgb", help="Off: apply to brightness.", bind=LINK)
        else "luminance"
    )
    display, stretch = conv.display_choice("bank", filters[0])
    st.caption(
        "Several filters on the same image at once, one feature map each: what one CNN layer computes."
    )
    params = convcore.ConvParams(padding="same")
    for col, filt in zip(st.columns(len(filters)), filters):
        with col:
            st.markdown(f"**{filt.name}**")
            kernels.show_kernel(filt, cell=48)
            key = caches.map_key(image, filt, colour, params, display=display, stretch=stretch, label=filt.name,
                                 palette=session.palette())  # fmt: skip
            out = caches.rendered(image, filt, key)
            st.image(out.map_png, width="stretch", output_format="PNG")
            if out.bar_png is not None:
                st.image(out.bar_png, width="stretch", output_format="PNG")


with one:
    if one.open:
        one_filter()
with bank:
    if bank.open:
        filter_bank()

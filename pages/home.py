"""Home: what the tool is for, the shared image, and where to go next."""

import streamlit as st

import convcore
from app import caches, picker, registry, session

st.title("Convolution Visualizer")
st.markdown(
    "See what a **convolution** does to your own photo. A small grid of numbers, the **kernel**, "
    "slides over the image; at every position the numbers under it are multiplied by the kernel's "
    "numbers and added up. The grid of sums is a **feature map**: bright where the image looks like "
    "the kernel. This is the first step of every convolutional neural network (CNN)."
)

registry.page_link(st, "lessons")  # the guided path first: every step is one more click from here
left, right = st.columns([3, 2], gap="large")
with left:
    st.subheader("1. Choose an image")
    where = ("**Picture** at the top of any page" if session.presenting()  # presenter mode hides the sidebar
             else "the **sidebar** on any page")  # fmt: skip
    st.markdown(
        f"Use {where}: a sample, your own photo (**Upload**), or the **Camera**. "
        "Your choice stays while you move between pages. Your photo goes only to the server running this app, is "
        "kept only for your session, and is not shared."
    )
    st.subheader("2. Try filters on it")
    registry.page_link(st, "filter_lab")
    st.markdown(
        "Pick Sobel, blur, sharpen or a colour detector, or type your own kernel. Change **stride**, "
        "**padding** and **dilation** and watch the feature map and the output-size formula change."
    )
with right:
    image = session.current_image()
    h, w = image.pixels.shape[:2]
    name = picker.plain(image.name)
    st.image(caches.photo(image), caption=f"Current image: {name} ({w} x {h} pixels)", width="stretch",
             output_format="JPEG", alt=f"the current image: {image.name}")  # fmt: skip
# Full width from here: the links' long labels fit on one line even at 1024 pixels.
st.subheader("3. Follow every number")
registry.page_link(st, "conv_steps")
registry.page_link(st, "pool_steps")
st.markdown(
    "Crop a small patch of your image and watch the kernel move: the window, each product, the sum, "
    "the bias, the output cell, for one channel or an RGB volume. Then see how pooling shrinks the map."
)
st.subheader("4. Go further")
for page in ("network", "layers", "conv1d", "alexnet", "trust", "train"):
    registry.page_link(st, page)
st.caption(
    "For a class: Lessons walks the CNN story step by step; Presenter mode is at the bottom of the sidebar; "
    "every page's address is a shareable link."
)

st.subheader("Sample images")
st.caption("They ship with the app, so a classroom without internet works too.")
# Cards of one width in a row that wraps: as many per line as fit, each label whole.
card = 240 if session.presenting() else 160
gallery = st.container(horizontal=True, gap="small")
for sample in convcore.SAMPLES.values():
    with gallery.container(width=card, gap="small"):
        st.image(caches.sample_card(sample.name, card), width="stretch", alt=f"sample image: {sample.name}")
        st.button(
            sample.name,
            key=f"home.use.{sample.name}",
            on_click=picker.use_sample,
            args=(sample.name,),
            help=sample.description,
            width="stretch",
            wrap=True,
            type="primary" if image.name == sample.name else "secondary",
        )
with st.expander("Where the sample photos come from"):  # one list, one element: fewer for the first paint
    st.markdown("\n".join(
        f"- **{sample.name}**: {sample.description} {sample.credit + '.' if sample.credit else 'Drawn by the app itself.'}"
        for sample in convcore.SAMPLES.values()
    ))  # fmt: skip

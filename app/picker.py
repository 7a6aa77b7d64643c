"""The image picker every page shares, in the sidebar: samples, upload, camera."""

from __future__ import annotations

import re

import streamlit as st

import convcore
from app import caches, server, session
from app.session import LINK

SOURCES = ("Sample", "Upload", "Camera")
#: Extensions the uploader offers. HEIC/AVIF are accepted only to explain that they cannot be read.
UPLOAD_TYPES = ["png", "jpg", "jpeg", "gif", "bmp", "webp", "tif", "tiff", "heic", "heif", "avif"]


_MARKDOWN = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation mark
_MAX_NAME = 80


def plain(name: str) -> str:
    """A file name as plain text inside Streamlit's markdown (captions, messages): every
    punctuation mark escaped, so a name like ``![x](http://...)`` or ``:red[x]`` shows as written
    instead of fetching or formatting anything; control characters dropped; long names shortened."""
    name = "".join(ch for ch in name if ch.isprintable())
    if len(name) > _MAX_NAME:
        name = name[: _MAX_NAME - 1] + "…"
    name = _MARKDOWN.sub(r"\\\1", name)
    # and no address becomes a link (GFM links "http://...", "www..." and e-mail addresses in plain
    # text): an invisible word joiner breaks each pattern
    for mark, broken in (("\\:\\/\\/", "\\:\u2060\\/\\/"), ("www\\.", "www\u2060\\."), ("\\@", "\u2060\\@")):
        name = name.replace(mark, broken)
    return name


def use_sample(name: str | None = None) -> None:
    """Make a sample the current image (a widget callback, or called with a name)."""
    if name is not None:
        st.session_state["image.source"] = "Sample"
    else:  # the sample box's own callback: its new value
        name = st.session_state.get("image.sample")
        if name not in convcore.SAMPLES:
            name = next(iter(convcore.SAMPLES))
    st.session_state["image.sample"] = name
    st.session_state["image.sample_kept"] = name
    session.set_image(caches.sample(name))


def _on_source_change() -> None:
    st.session_state["image.error"] = None
    if st.session_state["image.source"] == "Sample":
        # The sample box is not drawn while Upload or Camera is chosen, and Streamlit then forgets
        # its value: coming back (Sample -> Upload -> Sample) uses the copy kept here.
        use_sample(st.session_state.get("image.sample_kept"))


def take_file(name: str, file_id: str, raw: bytes) -> None:
    """Decode an uploaded or camera file once; on failure keep the previous image and say why."""
    if st.session_state.get("image.last_file") == file_id:
        return
    st.session_state["image.last_file"] = file_id
    try:
        image = caches.decode(caches.digest(raw), name, raw)
    except convcore.ImageError as exc:
        st.session_state["image.error"] = (
            f"**{plain(name)}** could not be used. {exc} The previous image is kept."
        )
        return
    finally:
        _release(file_id)
    session.set_image(image)


def _release(file_id: str) -> None:
    """Drop the file's bytes from the server once decoded: Streamlit would otherwise keep every
    student's upload (up to the upload limit) for the whole session. What a session holds is then
    one image of at most ``server.MAX_SIDE`` pixels on the long side, whatever was uploaded."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    manager = getattr(ctx, "uploaded_file_mgr", None)
    if manager is not None:
        try:
            manager.remove_file(ctx.session_id, file_id)
        except (AttributeError, KeyError, TypeError):  # an internal API: if it changes, keep the file
            pass


def draw() -> None:
    """The picker and the current image, in the current container: the sidebar, or in presenter
    mode (where the sidebar is hidden) the lesson bar's "Picture" popover (app.presenter)."""
    st.subheader("Your image")
    source = st.radio(
        "Image source",
        SOURCES,
        key="image.source",
        horizontal=True,
        on_change=_on_source_change,
        bind=LINK,
    )
    if source == "Sample":
        chosen = st.selectbox(
            "Sample image",
            list(convcore.SAMPLES),
            key="image.sample",
            on_change=use_sample,
            help="Photos and patterns that ship with the app (work offline).",
            bind=LINK,
        )
        if chosen != session.current_image().name:  # set by a link, which sends no change event
            st.session_state["image.sample_kept"] = chosen
            session.set_image(caches.sample(chosen))
    elif source == "Upload":
        up = st.file_uploader(
            "Upload a photo",
            type=UPLOAD_TYPES,
            key="image.upload",
            help="PNG, JPEG, GIF, BMP, WebP or TIFF, up to 25 megapixels. "
            f"Large photos are shrunk to {server.MAX_SIDE} pixels on the long side.",
        )
        if up is not None:
            take_file(up.name, up.file_id, up.getvalue())
        else:
            st.session_state["image.last_file"] = None
    else:
        shot = st.camera_input("Take a picture", key="image.camera")
        if shot is not None:
            take_file("Camera picture", shot.file_id, shot.getvalue())
    if st.session_state.get("image.error"):
        st.error(st.session_state["image.error"], icon=":material/broken_image:")
    image = session.current_image()
    h, w = image.pixels.shape[:2]
    st.image(
        caches.photo(image, max_side=640),
        caption=f"{plain(image.name)}: {w} x {h} pixels",
        width="stretch",
        output_format="JPEG",
        alt=f"The image every page works on: {image.name}, {w} x {h} pixels",
    )
    oh, ow = image.original_size
    if (oh, ow) != (h, w):
        st.caption(f"Original size {ow} x {oh} pixels.")
    for note in image.notes:
        st.caption(note)

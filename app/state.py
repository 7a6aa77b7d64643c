"""Session state: the small values one student's session keeps, initialised in one place."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from app import render

#: The sample shown before the student picks anything.
DEFAULT_SAMPLE = "Grace Hopper"


@dataclass(frozen=True, eq=False)
class CurrentImage:
    """The image every page works on.

    ``key`` is a hash of the content (file bytes or sample name), used as the cache key.
    """

    key: str
    name: str
    pixels: np.ndarray  # (H, W, 3) uint8, at most 1024 px on the long side
    original_size: tuple[int, int]  # (height, width) of the file
    notes: tuple[str, ...] = ()


def init() -> None:
    """Set every session default once (called by the entry before any page runs)."""
    from app import cache  # local import: cache imports this module

    defaults = {
        "image.source": "Sample",
        "image.sample": DEFAULT_SAMPLE,
        "image.error": None,
        "image.last_file": None,
    }
    for key, value in defaults.items():
        st.session_state.setdefault(key, value)
    if "image.current" not in st.session_state:
        st.session_state["image.current"] = cache.sample(DEFAULT_SAMPLE)


def current_image() -> CurrentImage:
    """The image chosen in the sidebar (a sample until the student picks one)."""
    init()
    return st.session_state["image.current"]


def set_image(image: CurrentImage) -> None:
    st.session_state["image.current"] = image
    st.session_state["image.error"] = None


def palette() -> tuple[str, str]:
    """The colour maps chosen in the sidebar (a pair from app.render.PALETTES)."""
    return render.PALETTES[st.session_state.get("ui.palette", next(iter(render.PALETTES)))]

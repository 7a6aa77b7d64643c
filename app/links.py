"""Shareable links: every page's settings in the URL's query parameters, and presenter mode.

Each page keeps its widgets under one session-state prefix (``lab.``, ``cs.`` ...). After a
run, the current page's plain settings (numbers, text, true/false) are written to
``st.query_params``; when a session opens such a link, they are put back into session state
before the page draws its widgets, so the link opens exactly that view. Buttons, uploads,
drawings and computed results are never part of a link.
"""

from __future__ import annotations

import json

import streamlit as st

import convcore

#: url_path of each page -> the session-state prefixes of its settings.
PAGE_PREFIXES: dict[str, tuple[str, ...]] = {
    "": (),
    "filter_lab": ("lab", "bank"),
    "conv_steps": ("cs",),
    "pool_steps": ("ps",),
    "alexnet": ("ax",),
    "train": ("train",),
    "layers": ("ly",),
    "conv1d": ("c1", "tc"),
}
# Widget keys that are actions or internal state, not settings.
_NOT_SETTINGS = (
    ".prev", ".next", ".play", ".playing", ".start", ".stop", ".resume", ".download", ".make_gif", ".png", ".csv",
    ".gif", ".gif_download", ".pick", ".pick_seen", ".outclick", ".outclick_seen", ".out_layout", ".seen_end",
    ".job", ".check", ".size_check", ".filter_click", ".leave", ".unit_seen", ".filter_seen",
)  # fmt: skip
_IMAGE_KEYS = ("image.source", "image.sample")
PRESENTER = "ui.presenter"


def _shareable(key: str, value: object, prefixes: tuple[str, ...]) -> bool:
    if not any(key.startswith(p + ".") for p in prefixes) or key.endswith(_NOT_SETTINGS):
        return False
    # plain values only: data editors' edits (dicts) and positions on an image (tuples) stay local
    return isinstance(value, (bool, int, float, str)) and not (isinstance(value, str) and len(value) > 200)


def restore(page_path: str) -> list[str]:
    """On a session's first run of a page, copy its settings from the URL into session state.

    Returns the keys restored (to undo them if the link turns out unusable).
    """
    flag = f"_links.restored.{page_path}"
    if st.session_state.get(flag):
        return []
    st.session_state[flag] = True
    prefixes = PAGE_PREFIXES.get(page_path, ()) + ("ui",)  # the sidebar's display settings
    restored = []
    for key, raw in st.query_params.items():
        if key == "presenter":
            st.session_state[PRESENTER] = raw == "1"
            continue
        try:
            value = json.loads(raw)
        except ValueError:
            continue
        if key in _IMAGE_KEYS:
            allowed = convcore.SAMPLES if key == "image.sample" else ("Sample", "Upload", "Camera")
            if isinstance(value, str) and value in allowed:
                st.session_state[key] = value
                restored.append(key)
            continue
        if _shareable(key, value, prefixes):
            st.session_state[key] = value
            restored.append(key)
    if "image.sample" in restored:
        st.session_state["image.source"] = "Sample"
        from app import picker

        picker.use_sample()
    return restored


def save(page_path: str) -> None:
    """Write the current page's settings (and a sample image's name) into the URL."""
    prefixes = PAGE_PREFIXES.get(page_path, ()) + ("ui",)  # the sidebar's display settings
    params = {
        key: json.dumps(value)
        for key, value in sorted(st.session_state.to_dict().items())
        if _shareable(key, value, prefixes)
    }
    if st.session_state.get("image.source") == "Sample":
        params["image.sample"] = json.dumps(st.session_state.get("image.sample"))
    if st.session_state.get(PRESENTER):
        params["presenter"] = "1"
    if dict(st.query_params) != params:
        st.query_params.from_dict(params)


def forget(keys: list[str]) -> None:
    for key in keys:
        st.session_state.pop(key, None)

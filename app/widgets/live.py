"""Live sliders (issue 14): the picture follows a slider while it is dragged, not only on release.

Streamlit's slider sends its value when released. A small component in the page (``app/web/live_sliders.js``)
watches the sliders named here and, during a drag, sends the value under the pointer, one rerun at a
time. That run uses the dragged value for its picture (:func:`watch`, :func:`value`); the slider's own state is
left alone (writing it mid-drag would make the thumb jump), and the release sets it as always.
Only for sliders whose picture is cheap (the step pages, the 1-D page).
"""

from __future__ import annotations

import numbers

import streamlit as st

from app import components
from app.session import internal


def _css_name(key: str) -> str:
    """Streamlit's class for a keyed element's container is ``st-key-`` + the key, dots as dashes."""
    return key.replace(".", "-")


def watch(keys: list[str]) -> dict[str, float]:
    """Watch the sliders keyed ``keys`` on this page; return ``{key: value}`` for the one being
    dragged, if this run was started by a drag (else an empty dict)."""
    names = {_css_name(k): k for k in keys}
    live = components.component("live_sliders", "<span hidden></span>")
    with st.sidebar:  # it shows nothing: the sidebar keeps the main area's spacing as it was
        result = live(data={"keys": list(names)}, key=internal("ui", "live"), height="content")
    drag = result.get("drag")
    if not isinstance(drag, dict):
        return {}
    key, value = names.get(drag.get("key")), drag.get("value")
    if key is None or isinstance(value, bool) or not isinstance(value, numbers.Real):
        return {}
    return {key: value}


def value(dragged: dict[str, float], key: str, current, low, high):
    """The dragged value of slider ``key`` within [low, high] (of ``current``'s type), else ``current``."""
    if key not in dragged:
        return current
    return type(current)(min(max(dragged[key], low), high))

"""Shareable links: every page's settings in the URL's query parameters, and presenter mode.

Each page keeps its widgets under its settings prefixes (``lab.``, ``cs.`` ..., listed in
:mod:`app.registry`). After a run, the current page's plain settings (numbers, text, true/false)
are written to ``st.query_params``; when a session opens such a link, they are put back into
session state before the page draws its widgets, so the link opens exactly that view. Buttons,
uploads, drawings and computed results (keys made by :func:`app.session.internal`, or values that
are not plain) are never part of a link.
"""

from __future__ import annotations

import json

import streamlit as st

import convcore
from app import registry, session

_IMAGE_SOURCES = ("Sample", "Upload", "Camera")
_MAX_TEXT = 200


def _prefixes(url_path: str) -> tuple[str, ...]:
    return registry.by_url(url_path).prefixes + ("ui",)  # the sidebar's display settings too


def _shareable(key: str, value: object, prefixes: tuple[str, ...]) -> bool:
    if not any(key.startswith(p + ".") for p in prefixes) or session.is_internal(key):
        return False
    # plain values only: data editors' edits (dicts) and positions on an image (tuples) stay local
    return isinstance(value, (bool, int, float, str)) and not (
        isinstance(value, str) and len(value) > _MAX_TEXT
    )


def restore(url_path: str) -> list[str]:
    """On a session's first run of a page, copy its settings from the URL into session state.

    Returns the keys restored (to undo them if the link turns out unusable).
    """
    flag = f"_links.restored.{url_path}"
    if st.session_state.get(flag):
        return []
    st.session_state[flag] = True
    prefixes = _prefixes(url_path)
    restored = []
    for key, raw in st.query_params.items():
        if key == "presenter":
            st.session_state[session.PRESENTER_KEY] = raw == "1"
            continue
        try:
            value = json.loads(raw)
        except ValueError:
            continue
        if key in ("image.source", "image.sample"):
            allowed = convcore.SAMPLES if key == "image.sample" else _IMAGE_SOURCES
            if isinstance(value, str) and value in allowed:
                st.session_state[key] = value
                restored.append(key)
        elif _shareable(key, value, prefixes):
            st.session_state[key] = value
            restored.append(key)
    return restored


def save(url_path: str) -> None:
    """Write the current page's settings (and a sample image's name) into the URL."""
    prefixes = _prefixes(url_path)
    params = {
        key: json.dumps(value)
        for key, value in sorted(st.session_state.to_dict().items())
        if _shareable(key, value, prefixes)
    }
    if st.session_state.get("image.source") == "Sample":
        params["image.sample"] = json.dumps(st.session_state.get("image.sample"))
    if st.session_state.get(session.PRESENTER_KEY):
        params["presenter"] = "1"
    if dict(st.query_params) != params:
        st.query_params.from_dict(params)


def forget(keys: list[str]) -> None:
    for key in keys:
        st.session_state.pop(key, None)

"""Shareable links: every page's settings live in its URL, so a link opens exactly that view.

The settings widgets are bound to the URL (``bind=app.session.LINK``): Streamlit writes a value to
the address as soon as it changes, fragments included, and sets a widget from a link only with a
value that fits the widget's own options, range and type. Buttons, uploads, drawings and computed
results are never bound (their keys are made by :func:`app.session.internal`).

This module adds what a classroom needs around that: the short ``?presenter=1`` form, a sentence
when a link held values that could not be used (an edited or outdated link), and a safety net that
drops a link's values if the page still cannot run with them.
"""

from __future__ import annotations

import math

import streamlit as st

from app import components, session

# The "Copy link" button: a component in the page itself (Streamlit's components v2 are not framed),
# so it copies the address as the browser shows it now, with every bound setting already in it.
# navigator.clipboard needs a secure context (https or localhost); a school server on plain http
# gets the older execCommand copy, and where both fail the link is shown for copying by hand.
_COPY_HTML = """<div class="copy"><button type="button" class="btn"><svg aria-hidden="true" viewBox="0 0 24 24" width="18" height="18"><path fill="currentColor" d="M3.9 12a3.1 3.1 0 0 1 3.1-3.1h4V7H7a5 5 0 0 0 0 10h4v-1.9H7A3.1 3.1 0 0 1 3.9 12zM8 13h8v-2H8v2zm9-6h-4v1.9h4a3.1 3.1 0 0 1 0 6.2h-4V17h4a5 5 0 0 0 0-10z"/></svg>
<span class="label">Copy link</span></button><span class="done" role="status" aria-live="polite"></span>
<input class="by-hand" type="text" readonly aria-label="This page's link" hidden></div>"""


def copy_button() -> None:
    """A "Copy link" button for the page as it is now, and what a link cannot carry."""
    components.component("copy_link", _COPY_HTML)(key=session.internal("ui", "copy_link"), height="content")
    if st.session_state.get("image.source", "Sample") != "Sample":
        st.caption(
            "An uploaded photo or a camera picture cannot travel in a link: whoever opens it sees the "
            f"sample image {session.DEFAULT_SAMPLE} until they choose their own."
        )
    else:
        st.caption("The link keeps this page's settings and the sample image.")


#: app.lessons.PARAM (kept here too: app.lessons imports the registry, which this module must not).
LESSON_PARAM = "lesson"
_ARRIVED = "_links.arrived"  # the link's parameters whose widgets have not been drawn yet
_BROKEN = "_links.broken"
_SEEN = "_links.seen"
#: Longer parameter values are never settings (the longest text a widget takes is 2,400 characters).
_MAX_VALUE = 4096


def _unusable(value: str) -> bool:
    """Values no widget can take and that Streamlit 1.67's own parsing does not survive: a
    number input given "inf" raises inside Streamlit before any check; very long values."""
    if len(value) > _MAX_VALUE:
        return True
    try:
        return not math.isfinite(float(value))
    except ValueError:
        return False


def arrive() -> None:
    """Turn ``presenter=1`` on whenever a URL carries it (a tab reloaded with a new address keeps
    its session), and on a session's first run note the link's parameters."""
    if st.query_params.get("presenter") is not None:  # the short form teachers type: ?presenter=1
        on = st.query_params.get("presenter") == "1"
        del st.query_params["presenter"]
        if on:  # the bound toggle's own form too, so a link copied from now on keeps presenter mode
            st.session_state[session.PRESENTER_KEY] = True
            st.query_params[session.PRESENTER_KEY] = "true"
    if st.session_state.get(_SEEN):
        return
    st.session_state[_SEEN] = True
    params = st.query_params.to_dict()
    params.pop(LESSON_PARAM, None)  # the open lesson step: not a widget's setting (app.lessons reads it)
    for key in list(params):
        if any(_unusable(v) for v in st.query_params.get_all(key)):
            del st.query_params[key]
            params[key] = None  # refused: check() says so once the page has run
    st.session_state[_ARRIVED] = params


def pending() -> bool:
    """True while some of the link's values are in use for the first time (the safety net is on)."""
    return bool(st.session_state.get(_ARRIVED))


def drop() -> None:
    """The page failed with the link's values: forget them, so it shows its usual view."""
    for key in st.session_state.pop(_ARRIVED, {}):
        st.session_state.pop(key, None)
    st.session_state[_BROKEN] = True


def _holds(key: str, value: str) -> bool:
    """Whether the widget ``key`` holds the link's ``value`` (a label, a number, "true"/"false")."""
    held = st.session_state.get(key)
    if isinstance(held, bool):
        return value.strip().lower() == str(held).lower()
    if isinstance(held, (int, float)):
        try:
            return float(value) == float(held)
        except ValueError:
            return False
    return str(held) == value


def check() -> None:
    """After a run: say so if a link's value was refused by the widget it was meant for.

    A bound widget drops a value that does not fit it from the URL; a value that fits stays.
    A link's parameter is settled once its widget has been drawn (lazy tabs draw theirs later).
    """
    arrived = st.session_state.get(_ARRIVED) or {}
    refused = False
    for key in [k for k in arrived if k in st.session_state or arrived[k] is None]:
        value = arrived.pop(key)
        # Streamlit also drops a value equal to the widget's default from the address: not a refusal
        refused = refused or value is None or (key not in st.query_params and not _holds(key, value))
    if st.session_state.pop(_BROKEN, False) or refused:
        st.toast(  # 10 s instead of 4: a teacher opening a link in front of the class looks at the page first
            "Some of that link's settings could not be used here; the page shows its usual values instead.",
            icon=":material/link_off:",
            duration="long",
        )

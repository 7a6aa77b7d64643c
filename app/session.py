"""Session state: the small values one student's session keeps, initialised in one place.

Key names: every widget key starts with its page's settings prefix (``lab.``, ``cs.`` ...; see
:mod:`app.registry`) or ``ui.`` / ``image.`` for the sidebar. A key whose last part starts with
``_`` is internal (a button, a click seen, a job, a made file): :func:`internal` makes such keys,
and they never travel in a link. Settings do, through ``bind=LINK``.
"""

from __future__ import annotations

import streamlit as st

from app import caches
from app.caches import CurrentImage
from app.draw.colour import PALETTES

#: Every widget whose value is a setting is bound to the URL with ``bind=LINK``: Streamlit then keeps
#: the value in the page's address as soon as it changes (in fragments too), and a link opened in a
#: new browser sets the widget only with a value that fits the widget's own definition (options,
#: range, type); other values are dropped. tests/test_structure.py checks that no keyed widget
#: forgets it.
LINK = "query-params"
#: The sample shown before the student picks anything.
DEFAULT_SAMPLE = "Grace Hopper"
PALETTE_KEY = "ui.palette"
PRESENTER_KEY = "ui.presenter"


def internal(prefix: str, name: str) -> str:
    """The key of a button or of internal state: never part of a link."""
    return f"{prefix}._{name}"


def init() -> None:
    """Set every session default once (called by the entry before any page runs)."""
    defaults = {"image.source": "Sample", "image.sample": DEFAULT_SAMPLE, "image.error": None,
                "image.last_file": None}  # fmt: skip
    for key, value in defaults.items():
        st.session_state.setdefault(key, value)
    if "image.current" not in st.session_state:
        st.session_state["image.current"] = caches.sample(DEFAULT_SAMPLE)


def current_image() -> CurrentImage:
    """The image chosen in the sidebar (a sample until the student picks one)."""
    init()
    return st.session_state["image.current"]


def set_image(image: CurrentImage) -> None:
    st.session_state["image.current"] = image
    st.session_state["image.error"] = None


def presenting() -> bool:
    """Whether presenter mode is on (large type for a projector: pictures and grids grow too)."""
    return bool(st.session_state.get(PRESENTER_KEY))


def palette() -> tuple[str, str]:
    """The colour maps chosen in the sidebar (a pair from app.draw.colour.PALETTES)."""
    return PALETTES.get(st.session_state.get(PALETTE_KEY), next(iter(PALETTES.values())))


def new_click(prefix: str, name: str) -> dict | None:
    """The value of the click component keyed ``internal(prefix, name)`` if it is a click this
    page has not acted on yet (components keep their last value across reruns), else None."""
    click = st.session_state.get(internal(prefix, name))
    seen = internal(prefix, f"{name}_seen")
    if not click or click.get("unix_time") == st.session_state.get(seen):
        return None
    st.session_state[seen] = click.get("unix_time")
    return click


def click_cell(click: dict, rows: int, cols: int) -> tuple[int, int]:
    """The (row, column), counted from 1, under a click on a picture of ``rows`` x ``cols`` cells
    (streamlit-image-coordinates gives the click in displayed pixels and the displayed size)."""
    row = int(click["y"] * rows / max(1, click["height"])) + 1
    col = int(click["x"] * cols / max(1, click["width"])) + 1
    return min(rows, max(1, row)), min(cols, max(1, col))


def clamp(key: str, lowest: float, highest: float) -> None:
    """Bring a kept number back into a widget's range before the widget is drawn (its range can
    shrink, e.g. with a smaller image, and Streamlit refuses a value outside it)."""
    value = st.session_state.get(key)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and not lowest <= value <= highest:
        st.session_state[key] = type(value)(min(max(value, lowest), highest))

"""Presenter mode for a projector: larger type, no sidebar, high contrast, a guided lesson path."""

from __future__ import annotations

import streamlit as st

from app import render
from app.links import PRESENTER

#: The lesson's order: (url_path, what this stop of the lesson is about).
LESSON = [
    ("filter_lab", "Filters and feature maps"),
    ("conv_steps", "Stride, padding and dilation, step by step"),
    ("pool_steps", "Pooling"),
    ("layers", "Layers: parameters and receptive fields"),
    ("alexnet", "A real network: AlexNet"),
    ("train", "Training: filters are learned"),
]
# Static CSS only (no user content): larger type, hidden sidebar, darker text.
_CSS = """
<style>
html { font-size: 21px; }
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stSidebarNav"] { display: none; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li,
[data-testid="stWidgetLabel"] p { font-size: 1.3rem !important; color: #000 !important; }
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] * { font-size: 1.1rem !important;
  color: #111 !important; }
[data-testid="stMainBlockContainer"] { max-width: 100%; padding-left: 2rem; padding-right: 2rem; }
</style>
"""


def apply(pages: list, current) -> None:
    """The toggle (in the sidebar) and, when on, the CSS and the lesson bar above the page."""
    st.sidebar.selectbox(
        "Colours for maps",
        list(render.PALETTES),
        key="ui.palette",
        help="Feature maps in blue-red and grey, or in palettes safe for red-green colour blindness. "
        "Every number is also shown as text on the step-by-step pages.",
    )
    st.sidebar.toggle(
        "Presenter mode", key=PRESENTER, help="Large type, no sidebar, the lesson's pages in order."
    )
    if not st.session_state.get(PRESENTER):
        return
    st.markdown(_CSS, unsafe_allow_html=True)
    by_path = {p.url_path: p for p in pages}
    paths = [path for path, _ in LESSON]
    here = paths.index(current.url_path) if current.url_path in paths else -1
    cols = st.columns([2, 5, 2, 2], vertical_alignment="center")
    if here > 0:
        cols[0].page_link(by_path[paths[here - 1]], label="Previous", icon=":material/arrow_back:")
    if here >= 0:
        cols[1].markdown(f"**Lesson {here + 1} of {len(LESSON)}: {LESSON[here][1]}**")
    else:
        cols[1].page_link(by_path[paths[0]], label="Start the lesson", icon=":material/school:")
    if 0 <= here < len(LESSON) - 1:
        cols[2].page_link(by_path[paths[here + 1]], label="Next", icon=":material/arrow_forward:")
    cols[3].button(
        "Leave presenter mode", key="ui.leave", on_click=lambda: st.session_state.update({PRESENTER: False})
    )

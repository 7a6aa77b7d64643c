"""Presenter mode for a projector: larger type, no sidebar, high contrast, a guided lesson path;
and the sidebar's display settings (colours for maps, the presenter toggle)."""

from __future__ import annotations

import streamlit as st

from app import registry, session
from app.draw.colour import PALETTES
from app.session import LINK

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


def _leave() -> None:
    st.session_state[session.PRESENTER_KEY] = False


def apply(pages: dict[str, st.Page], current: registry.Page) -> None:
    """The sidebar's display settings and, in presenter mode, the CSS and the lesson bar."""
    st.sidebar.selectbox(
        "Colours for maps",
        list(PALETTES),
        key=session.PALETTE_KEY,
        help="Feature maps in blue-red and grey, or in palettes safe for red-green colour blindness. "
        "Every number is also shown as text on the step-by-step pages.",
        bind=LINK,
    )
    st.sidebar.toggle(
        "Presenter mode",
        key=session.PRESENTER_KEY,
        help="Large type, no sidebar, the lesson's pages in order.",
        bind=LINK,
    )
    if not st.session_state.get(session.PRESENTER_KEY):
        return
    st.markdown(_CSS, unsafe_allow_html=True)
    lesson = registry.LESSON
    here = lesson.index(current) if current in lesson else -1
    cols = st.columns([2, 5, 2, 2], vertical_alignment="center")
    if here > 0:
        cols[0].page_link(pages[lesson[here - 1].name], label="Previous", icon=":material/arrow_back:")
    if here >= 0:
        cols[1].markdown(f"**Lesson {here + 1} of {len(lesson)}: {lesson[here].lesson}**")
    else:
        cols[1].page_link(pages[lesson[0].name], label="Start the lesson", icon=":material/school:")
    if 0 <= here < len(lesson) - 1:
        cols[2].page_link(pages[lesson[here + 1].name], label="Next", icon=":material/arrow_forward:")
    cols[3].button("Leave presenter mode", key=session.internal("ui", "leave"), on_click=_leave)

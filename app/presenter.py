"""How the app looks: the page style every page shares (readable captions, visible focus, a compact
top), presenter mode for a projector (larger type, no sidebar, a lesson bar), and the sidebar's
display settings (colours for maps, the presenter toggle, the "Copy link" button)."""

from __future__ import annotations

import streamlit as st

from app import links, picker, registry, session
from app.draw.colour import PALETTES
from app.session import LINK

# Static CSS only (no user content). Every page: grey captions darkened to WCAG AA contrast (4.5:1
# on white; Streamlit draws them at 60 % opacity, about 3:1), a focus ring that can be seen on a projector, less empty space
# above the title (the first screen is for the picture).
_BASE_CSS = """<style>
[data-testid="stCaptionContainer"] { opacity: 1 !important; }
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] * { color: #595c66 !important; }
[data-testid="stWidgetLabel"] [disabled], [data-testid="stWidgetLabel"] p { color: #31333f; }
[data-testid="stMainBlockContainer"] { padding-top: 3rem; }
a:focus-visible, button:focus-visible, [role="tab"]:focus-visible, [role="slider"]:focus-visible,
input:focus-visible, [tabindex]:focus-visible { outline: 3px solid #1c5fb8 !important; outline-offset: 2px; }
</style>"""
# Presenter mode: everything larger (type, and the pages draw their grids larger too:
# session.presenting()), no sidebar, darker text, slider values clear of the knob.
_PRESENTER_CSS = """<style>
html { font-size: 21px; }
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stSidebarNav"],
[data-testid="stExpandSidebarButton"] { display: none; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li,
[data-testid="stWidgetLabel"] p { font-size: 1.15rem !important; color: #000 !important; }
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] * { font-size: 1rem !important;
  color: #111 !important; }
[data-testid="stMainBlockContainer"] { max-width: 100%; padding: 1.5rem 1.5rem 2rem 1.5rem; }
[data-testid="stSliderThumbValue"] { top: -1.6rem !important; }
h1 { font-size: 2.1rem !important; padding-top: 0.5rem !important; }
.st-key-ui-lesson-bar p, .st-key-ui-lesson-bar span, .st-key-ui-lesson-bar button { font-size: 0.85rem !important; }
.st-key-ui-lesson-bar { border-bottom: 1px solid #d5d6da; padding-bottom: 0.3rem; }
[data-testid="stSlider"] { padding-top: 0.6rem; }
</style>"""


def _leave() -> None:
    st.session_state[session.PRESENTER_KEY] = False


def sidebar() -> None:
    """The sidebar: "Copy link", the image picker, the display settings. The display settings are
    drawn on every run, also in presenter mode (the sidebar is hidden then, but a bound widget that
    is not drawn would lose its value and its place in the URL)."""
    if not session.presenting():
        with st.sidebar:
            links.copy_button()
    picker.sidebar()
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


def apply(pages: dict[str, st.Page], current: registry.Page) -> None:
    """The shared style, the sidebar and, in presenter mode, the lesson bar (before the page)."""
    st.html(_BASE_CSS)
    sidebar()
    if not session.presenting():
        return
    st.html(_PRESENTER_CSS)
    lesson = registry.LESSON
    here = lesson.index(current) if current in lesson else -1
    # One compact row (it wraps on a narrow screen): the projected screen is for the page's picture.
    with st.container(key="ui-lesson-bar", horizontal=True, vertical_alignment="center", gap="small"):
        if here > 0:
            st.page_link(pages[lesson[here - 1].name], label="Previous", icon=":material/arrow_back:")
        if here >= 0:
            st.markdown(f"**Lesson {here + 1} of {len(lesson)}: {lesson[here].lesson}**", width="content")
        else:
            st.page_link(pages[lesson[0].name], label="Start the lesson", icon=":material/school:")
        if 0 <= here < len(lesson) - 1:
            st.page_link(pages[lesson[here + 1].name], label="Next", icon=":material/arrow_forward:")
        with st.popover(
            "Picture", icon=":material/image:", help="Choose a sample, upload a photo or take one."
        ):
            picker.draw()
        with st.popover("Link", icon=":material/link:", help="Copy this view's link for the class."):
            links.copy_button()
        st.button("Leave presenter mode", key=session.internal("ui", "leave"), on_click=_leave,
                  icon=":material/close_fullscreen:")  # fmt: skip

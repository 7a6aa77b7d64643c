"""How the app looks: the page style every page shares (readable captions, visible focus, a compact
top), presenter mode for a projector (larger type, no sidebar), the lesson bar (links to the previous and
next of app.lessons' steps), and the sidebar's display settings (colours for maps, the presenter
toggle, the "Copy link" button)."""

from __future__ import annotations

import streamlit as st

from app import components, lessons, links, picker, registry, session
from app.draw.colour import PALETTES
from app.session import LINK

# Static CSS only (no user content). Every page: grey captions darkened to WCAG AA contrast (4.5:1
# on white; Streamlit draws them at 60 % opacity, about 3:1), a focus ring that can be seen on a projector, less empty space
# above the title (the first screen is for the picture), and a lesson bar in one row: the step's title takes
# the room that the buttons leave and wraps there, instead of pushing buttons onto a second row. Its links
# to the previous and next steps look alike: Streamlit marks a link to the page that is open (shaded, bold),
# which was one of them whenever that step is on the same page.
_BASE_CSS = """<style>
[data-testid="stCaptionContainer"] { opacity: 1 !important; }
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] * { color: #595c66 !important; }
[data-testid="stWidgetLabel"] [disabled], [data-testid="stWidgetLabel"] p { color: #31333f; }
[data-testid="stMainBlockContainer"] { padding-top: 3rem; }
a:focus-visible, button:focus-visible, [role="tab"]:focus-visible, [role="slider"]:focus-visible,
input:focus-visible, [tabindex]:focus-visible { outline: 3px solid #1c5fb8 !important; outline-offset: 2px; }
.st-key-ui-lesson-bar { border-bottom: 1px solid #d5d6da; padding: 0.3rem 0; row-gap: 0.2rem; background: #fff; }
div:has(> .st-key-ui-lesson-bar) { position: sticky; top: 0; z-index: 990; background: #fff; padding-top: 3.2rem;
  margin-top: -3.2rem; }
.st-key-ui-lesson-bar p, .st-key-ui-lesson-bar span, .st-key-ui-lesson-bar button { font-size: 0.875rem !important; }
.st-key-ui-lesson-bar { column-gap: 0.5rem !important; }
.st-key-ui-lesson-bar > [data-testid="stElementContainer"]:has([data-testid="stMarkdown"]) { flex: 1 1 6rem;
  min-width: 6rem; width: auto !important; }
.st-key-ui-lesson-bar a[data-testid="stPageLink-NavLink"]:not(:hover) { background-color: transparent !important; }
.st-key-ui-lesson-bar a[data-testid="stPageLink-NavLink"] * { font-weight: 400 !important; }
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
[data-testid="stToast"] [data-testid="stMarkdownContainer"] p { font-size: 0.8rem !important; }
[data-testid="stMainBlockContainer"] { max-width: 100%; padding: 1.5rem 1.5rem 2rem 1.5rem; }
[data-testid="stSliderThumbValue"] { top: -1.6rem !important; }
h1 { font-size: 2.1rem !important; padding-top: 0.5rem !important; }
.st-key-ui-lesson-bar p, .st-key-ui-lesson-bar span, .st-key-ui-lesson-bar button { font-size: 0.85rem !important; }
.st-key-ui-lesson-bar button, .st-key-ui-lesson-bar a { padding: 0.15rem 0.5rem !important; min-height: 0 !important; }
.st-key-ui-lesson-bar [data-testid="stPopoverButton"] div[aria-hidden="true"] { display: none; }
[data-testid="stSlider"] { padding-top: 0.6rem; }
</style>"""


def _leave() -> None:
    st.session_state[session.PRESENTER_KEY] = False


def sidebar() -> None:
    """The sidebar: "Copy link", the image picker, the display settings. The display settings are
    drawn on every run, also in presenter mode (the sidebar is hidden then, but a bound widget that
    is not drawn would lose its value and its place in the URL). In presenter mode the lesson bar
    has the picker and Copy link instead (:func:`apply`).

    The presenter toggle is drawn first (its place is still at the bottom): a link copied in
    presenter mode carries ``ui.presenter=true``, which the toggle reads only when it is drawn, and
    the picker drawn here before it would have been drawn again in the lesson bar."""
    above = st.sidebar.container()  # Copy link and the picker, above the display settings
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
        help="Large type, no sidebar, and the lesson's steps one after another.",
        bind=LINK,
    )
    if not session.presenting():
        with above:
            links.copy_button()
            picker.draw()


def apply(pages: dict[str, st.Page], current: registry.Page) -> None:
    """The shared style, the sidebar, and the lesson bar (before the page): in presenter mode
    always, otherwise while a lesson step is open on its page."""
    st.html(_BASE_CSS)
    sidebar()
    step = _open_step(current)
    if session.presenting():
        st.html(_PRESENTER_CSS)
    elif step is None:
        return
    # One compact row (it wraps on a narrow screen): the projected screen is for the page's picture.
    with st.container(key="ui-lesson-bar", horizontal=True, vertical_alignment="center", gap="small"):
        if step is not None:
            _step_bar(step)
        elif current.name != "lessons":
            lessons.page_link(
                st, lessons.STEPS[0].link, step=1, label="Start the lesson", icon=":material/school:"
            )
        if session.presenting():
            with st.popover(
                "Picture", icon=":material/image:", help="Choose a sample, upload a photo or take one."
            ):
                picker.draw()
            with st.popover("Link", icon=":material/link:", help="Copy this view's link for the class."):
                links.copy_button()
            st.button("Leave", key=session.internal("ui", "leave"), on_click=_leave, icon=":material/close_fullscreen:",
                      help="Leave presenter mode: normal type, and the sidebar again.")  # fmt: skip


def _open_step(current: registry.Page) -> int | None:
    """The lesson step the address names, if it opens this page (else None: the student went on).
    A step about a section further down opens there (scrolled once, when the step is opened)."""
    found = lessons.opened(current)
    if found is None:
        return None
    n, link = found
    if link.section:
        components.component("scroll_to", '<div class="scroll-to"></div>')(
            data={"heading": link.section, "token": f"{n}:{link.page}"},
            key=session.internal("ui", "scroll"),
            height=0,
        )
    return n


def _step_bar(n: int) -> None:
    """The previous step, "n / N · title", the next step, the step's question (answer hidden)."""
    steps = lessons.STEPS
    step = steps[n - 1]
    # "Step 4", not "Next": the step pages have Previous and Next buttons of their own, a row below
    if n > 1:
        lessons.page_link(st, steps[n - 2].link, step=n - 1, label=f"Step {n - 1}", icon=":material/arrow_back:",
                          help=f"The lesson's previous step: {steps[n - 2].title}")  # fmt: skip
    st.markdown(f"**{n} / {len(steps)}** · {step.title}", width="content")
    if n < len(steps):
        lessons.page_link(st, steps[n].link, step=n + 1, label=f"Step {n + 1}", icon=":material/arrow_forward:",
                          help=f"The lesson's next step: {steps[n].title}")  # fmt: skip
    else:
        registry.page_link(st, "lessons", label="All steps")
    with st.popover("Question", icon=":material/help:", help="This step's question for the class."):
        # first: further down, a projector's popover scrolls out of sight
        registry.page_link(st, "lessons", label="All the steps")
        st.markdown(step.explain)
        st.markdown(f"**Ask the class:** {step.question}")
        with st.expander("Answer"):
            st.markdown(step.answer)
        lessons.teacher_note(step)  # folded on the projector

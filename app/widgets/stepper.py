"""Step controls shared by the step-by-step pages: previous / next, a slider, play / pause.

The step number lives in session state under ``f"{prefix}.step"`` (1-based, the slider's own
key). Playing reruns only the page's fragment every 1/speed seconds (``st.fragment(run_every=)``).
"""

from __future__ import annotations

import streamlit as st

from app.session import LINK, internal

SPEEDS = {"0.5 steps/s": 0.5, "1 step/s": 1.0, "2 steps/s": 2.0, "4 steps/s": 4.0, "8 steps/s": 8.0}


def _key(prefix: str) -> str:
    return f"{prefix}.step"


def interval(prefix: str) -> float | None:
    """Seconds between automatic steps while playing, else None (for ``st.fragment(run_every=)``)."""
    if not st.session_state.get(internal(prefix, "playing")):
        return None
    return 1.0 / SPEEDS.get(st.session_state.get(f"{prefix}.speed"), 2.0)


def jump_to(prefix: str, index: int) -> None:
    """Go to step ``index`` (0-based). Call before :func:`controls` draws the slider."""
    st.session_state[_key(prefix)] = index + 1
    st.session_state[internal(prefix, "playing")] = False


def _move(prefix: str, delta: int, n: int) -> None:
    key = _key(prefix)
    st.session_state[key] = min(max(1, st.session_state.get(key, 1) + delta), n)


def controls(prefix: str, n: int, dragged: dict | None = None) -> int:
    """Draw the controls for ``n`` steps and return the current step (0-based): the one under the
    step slider's thumb while it is dragged (``dragged``, from :func:`app.widgets.live.watch`)."""
    key = _key(prefix)
    if st.session_state.get(f"{prefix}.speed", "2 steps/s") not in SPEEDS:  # e.g. from an edited link
        st.session_state.pop(f"{prefix}.speed")
    try:
        current = min(max(1, int(st.session_state.get(key, 1))), n)
    except (TypeError, ValueError):
        current = 1
    playing = bool(st.session_state.get(internal(prefix, "playing")))
    if playing:  # one automatic step per fragment run
        if current >= n:
            st.session_state[internal(prefix, "playing")] = False
            st.rerun()  # the whole page, so the fragment stops its timer
        current += 1
    if st.session_state.get(key) != current:  # written only when it changes: a write moves the thumb,
        st.session_state[key] = current  # which would fight the pointer during a live drag
    # one row that wraps instead of squeezing: every button keeps its whole label at any width
    row = st.container(horizontal=True, vertical_alignment="center", gap="small")
    row.button("Previous", key=internal(prefix, "prev"), on_click=_move, args=(prefix, -1, n),
               icon=":material/chevron_left:", disabled=current <= 1)  # fmt: skip
    row.button("Next", key=internal(prefix, "next"), on_click=_move, args=(prefix, 1, n),
               icon=":material/chevron_right:", icon_position="right", disabled=current >= n)  # fmt: skip
    if row.button(
        "Pause" if playing else "Play",
        key=internal(prefix, "play"),
        type="primary",
        icon=":material/pause:" if playing else ":material/play_arrow:",
    ):
        st.session_state[internal(prefix, "playing")] = not playing
        if not playing and current >= n:
            st.session_state[key] = 1  # play again from the start
        st.rerun()  # the whole page: the fragment's timer starts or stops
    with row.popover("Speed", icon=":material/speed:"):  # a popover: the slider keeps room on a narrow screen
        st.selectbox("Speed", list(SPEEDS), index=2, key=f"{prefix}.speed", bind=LINK)
    if n > 1:  # "3 of 36" on the thumb; the label stays the slider's accessible name
        row.slider(f"Step (of {n})", 1, n, key=key, format=f"%d of {n}", label_visibility="collapsed",
                   width="stretch", bind=LINK)  # fmt: skip
    else:
        row.caption("One step: the output has a single number.")
    if dragged and key in dragged:
        return min(max(1, int(dragged[key])), n) - 1
    return int(st.session_state[key]) - 1

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


def controls(prefix: str, n: int) -> int:
    """Draw the controls for ``n`` steps and return the current step (0-based)."""
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
    st.session_state[key] = current
    c1, c2, c3, c4, c5 = st.columns([1.4, 1.2, 1.2, 1.6, 4], vertical_alignment="bottom")
    c1.button(
        "Previous",
        key=internal(prefix, "prev"),
        on_click=_move,
        args=(prefix, -1, n),
        icon=":material/chevron_left:",
        disabled=current <= 1,
        width="stretch",
    )
    c2.button(
        "Next",
        key=internal(prefix, "next"),
        on_click=_move,
        args=(prefix, 1, n),
        icon=":material/chevron_right:",
        disabled=current >= n,
        width="stretch",
    )
    if c3.button(
        "Pause" if playing else "Play",
        key=internal(prefix, "play"),
        type="primary",
        icon=":material/pause:" if playing else ":material/play_arrow:",
        width="stretch",
    ):
        st.session_state[internal(prefix, "playing")] = not playing
        if not playing and current >= n:
            st.session_state[key] = 1  # play again from the start
        st.rerun()  # the whole page: the fragment's timer starts or stops
    c4.selectbox("Speed", list(SPEEDS), index=2, key=f"{prefix}.speed", bind=LINK)
    if n > 1:
        c5.slider(f"Step (of {n})", 1, n, key=key, bind=LINK)
    else:
        c5.caption("One step: the output has a single number.")
    return int(st.session_state[key]) - 1

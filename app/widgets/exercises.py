"""'Predict the output' exercises for the step-by-step pages: the student answers, the app checks
the answer against convcore's numbers and explains."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from app.draw.text import fmt
from app.session import LINK, internal


def _close(answer: float, value: float) -> bool:
    return abs(answer - value) <= max(0.05, 0.005 * abs(value))


def predict_next(prefix: str, trace, index: int, explain: Callable[[object], str]) -> None:
    """Ask for the value of the next step's output cell (the current one at the last step)."""
    target = trace[min(index + 1, len(trace) - 1)]
    c, i, j = target.position
    where = f"row {i + 1}, column {j + 1}" + (f" of channel {c + 1}" if trace.output.shape[0] > 1 else "")
    with st.expander("Exercise: predict the next output", icon=":material/quiz:"):
        st.markdown(f"What number will the output at **{where}** be? Work it out, then check.")
        a1, a2 = st.columns([2, 1], vertical_alignment="bottom")
        answer = a1.number_input("Your answer", value=None, step=1.0, key=f"{prefix}.answer.{target.index}",
                                 placeholder="type a number", bind=LINK)  # fmt: skip
        if a2.button("Check", key=internal(prefix, "check"), disabled=answer is None):
            if _close(answer, target.value):
                st.success(f"Right: {fmt(target.value)}. {explain(target)}")
            else:
                st.error(
                    f"Not quite: it is {fmt(target.value)}, you wrote {fmt(answer)}. How: {explain(target)}"
                )


def output_size(prefix: str, rows: int, formula: str) -> None:
    """Ask for the number of output rows, then explain with the formula."""
    with st.expander("Exercise: how big is the output?", icon=":material/quiz:"):
        b1, b2 = st.columns([2, 1], vertical_alignment="bottom")
        answer = b1.number_input("Rows of the output", value=None, step=1, min_value=0, key=f"{prefix}.size_answer",
                                 placeholder="type a whole number", bind=LINK)  # fmt: skip
        if b2.button("Check", key=internal(prefix, "size_check"), disabled=answer is None):
            if int(answer) == rows:
                st.success(f"Right: {rows} rows.")
            else:
                st.error(f"Not quite: {rows} rows, you wrote {int(answer)}.")
            st.latex(formula)

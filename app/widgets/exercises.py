"""'Predict the output' exercises for the step-by-step pages: the student answers, the app checks
the answer against convcore's numbers, and teaches in steps.

Each question goes the same way: the answer stays hidden until the student has answered; a wrong
first answer gets a hint (which numbers to multiply, which terms of the formula change) and a
second try; a right answer, or a second wrong one, gets the worked solution with the numbers.
A new question (another step, other settings) starts afresh.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import streamlit as st

import convcore
from app import explain
from app.draw.text import fmt
from app.session import internal

#: Answers a question takes before its solution is shown.
TRIES = 2
#: The answer box's width in pixels.
ANSWER_WIDTH = 170


@dataclass
class _Attempts:
    question: tuple
    answers: list[float] = field(default_factory=list)
    right: bool = False

    @property
    def done(self) -> bool:
        return self.right or len(self.answers) >= TRIES


def _attempts(prefix: str, name: str, question: tuple) -> _Attempts:
    """This question's answers so far (kept in session state; another question starts afresh)."""
    key = internal(prefix, f"{name}_tries")
    kept = st.session_state.get(key)
    if not isinstance(kept, _Attempts) or kept.question != question:
        kept = st.session_state[key] = _Attempts(question)
    return kept


def _check(attempts: _Attempts, key: str, right: Callable[[float], bool]) -> None:
    """The Check button's callback: runs before the page, so that the page drawn next knows the answer."""
    answer = st.session_state.get(key)
    if answer is not None and not attempts.done:
        attempts.answers.append(float(answer))
        attempts.right = right(float(answer))


def _ask(
    prefix: str, name: str, attempts: _Attempts, *, label: str, whole: bool, right: Callable[[float], bool]
) -> None:
    """The answer box and its Check button (both off once the question is done)."""
    row = st.container(horizontal=True, vertical_alignment="bottom")  # wraps in a narrow column: no cut
    box = f"{name}_answer_{abs(hash(attempts.question)) % 10**9}"  # a new question, an empty box
    answer = row.number_input(label, value=None, step=1 if whole else 1.0, key=internal(prefix, box),
                              placeholder="a whole number" if whole else "a number", disabled=attempts.done,
                              format="%d" if whole else "%g", width=ANSWER_WIDTH)  # fmt: skip
    row.button("Check", key=internal(prefix, f"{name}_check"), on_click=_check,
               args=(attempts, internal(prefix, box), right), disabled=answer is None or attempts.done)  # fmt: skip


def _feedback(attempts: _Attempts, *, value: str, hint: str, solution: Callable[[], None]) -> None:
    """What the student sees after each answer: nothing yet, a hint, or the worked solution."""
    if not attempts.answers:
        return
    mine = ", then ".join(fmt(a) for a in attempts.answers)
    if attempts.right:
        st.success(f"Right: {value}." + (" (Second try.)" if len(attempts.answers) > 1 else ""))
    elif not attempts.done:
        st.warning(f"Not yet: {mine} is not it. Hint: {hint} Try again.", icon=":material/lightbulb:")
        return
    else:
        st.error(f"Not quite: it is {value} (you wrote {mine}). Here is how.")
    solution()


def _close(answer: float, value: float) -> bool:
    return abs(answer - value) <= max(0.05, 0.005 * abs(value))


def predict_next(
    prefix: str, trace, index: int, *, solution: Callable[[object], str], hint: Callable[[object], str]
) -> None:
    """Ask for the value of the next step's output cell (the current one at the last step).

    ``solution(step)`` writes the step's sum out; ``hint(step)`` says how to start.
    """
    target = trace[min(index + 1, len(trace) - 1)]
    c, i, j = target.position
    where = f"row {i + 1}, column {j + 1}" + (
        f" of output channel {c + 1}" if trace.output.shape[0] > 1 else ""
    )
    with st.expander("Predict the next output", icon=":material/quiz:"):
        st.markdown(f"What number will the output at **{where}** be? Work it out, then check.")
        attempts = _attempts(prefix, "next", (target.index, target.position, round(float(target.value), 6)))
        _ask(
            prefix,
            "next",
            attempts,
            label="Your answer",
            whole=False,
            right=lambda a: _close(a, target.value),
        )
        _feedback(attempts, value=fmt(target.value), hint=hint(target),
                  solution=lambda: st.markdown(f"**How:** {solution(target)}"))  # fmt: skip


def output_size(prefix: str, geometry: convcore.ConvGeometry) -> None:
    """Ask how many rows the output would have with another stride (the formula for the current
    settings, on the page, is the worked example; the answer to this one is nowhere on the page)."""
    n, k, d = geometry.input_size[0], geometry.kernel_size[0], geometry.dilation[0]
    s, before, after = geometry.stride[0], geometry.pad_before[0], geometry.pad_after[0]
    other = 2 if s == 1 else 1  # always has an output when the current stride has one
    rows = convcore.output_size(n + before + after, k, stride=other, dilation=d)
    with st.expander(f"What if the stride were {other}?", icon=":material/quiz:"):
        st.markdown(
            f"With stride **{other}** instead of {s}, everything else as now, how many rows would the output "
            "have? Use the formula, then check; then try it with the Stride setting."
        )
        attempts = _attempts(prefix, "size", (n, k, other, before, after, d))
        _ask(prefix, "size", attempts, label="Rows of the output", whole=True, right=lambda a: a == rows)
        hint, worked = explain.size_what_if(n, k, other, before, after, d)
        _feedback(
            attempts,
            value=f"{rows} row{'s' if rows != 1 else ''}",
            hint=hint,
            solution=lambda: st.latex(worked),
        )

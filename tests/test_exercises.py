"""The step pages' exercises teach in steps: the answer hidden until the student answers, a hint
and a second try after a wrong answer, then the worked solution; a right answer is accepted."""

from __future__ import annotations

import convcore
from app import explain
from app.draw.text import fmt
from tests.apptest import by_label, open_page

#: 8 x 8 "Vertical edge" preset (255 from column 5 on) with Sobel x: output row 1 is 0, 0, 1020, ...
EDGE = convcore.conv2d(convcore.patch_preset("Vertical edge", 8), convcore.get_filter("sobel_x").kernel)


def _conv_at_step_two():
    """The convolution page on the edge preset, at step 2: the exercise asks for output (1, 3) = 1020."""
    at = open_page("conv_steps")
    by_label(at.radio, "Input").set_value("Preset").run()
    by_label(at.selectbox, "Preset").select("Vertical edge").run()
    by_label(at.button, "Next").click().run()
    assert not at.exception
    return at


def _said(at) -> str:
    """Every message and text the page shows now."""
    parts = [*at.success, *at.warning, *at.error, *at.markdown, *at.caption, *at.latex]
    return " ".join(str(p.value) for p in parts)


def _answer(at, value: float, *, label: str = "Your answer", check: str = "cs._next_check"):
    by_label(at.number_input, label).set_value(value).run()
    at.button(key=check).click().run()
    assert not at.exception
    return at


def _target():
    trace = convcore.conv2d_steps(convcore.patch_preset("Vertical edge", 8).astype(float),
                                  convcore.get_filter("sobel_x").kernel)  # fmt: skip
    return trace[2]  # step 3: output row 1, column 3


def test_the_next_output_is_asked_with_its_answer_hidden():
    at = _conv_at_step_two()
    assert EDGE[0, 2] == 1020
    text = _said(at)
    assert "What number will the output at **row 1, column 3** be?" in text
    assert not at.success and not at.error and not at.warning
    assert explain.step_equation(_target()) not in text  # the worked sum is not on the page yet
    assert "1020" not in text
    assert not by_label(at.number_input, "Your answer").disabled


def test_a_wrong_answer_gets_a_hint_and_a_second_try_but_not_the_answer():
    at = _answer(_conv_at_step_two(), 1000)
    hints = " ".join(w.value for w in at.warning)
    assert "Not yet: 1000 is not it. Hint:" in hints
    assert "rows 1-3, columns 3-5" in hints  # where the kernel lies for output (1, 3)
    assert "add the 9 products; then add the bias, 0." in hints
    assert "1020" not in _said(at) and not at.error and not at.success
    box = by_label(at.number_input, "Your answer")
    assert not box.disabled and not at.button(key="cs._next_check").disabled  # a second try


def test_after_the_second_wrong_answer_the_worked_solution():
    at = _answer(_answer(_conv_at_step_two(), 1000), 1010)
    errors = " ".join(e.value for e in at.error)
    assert "Not quite: it is 1020 (you wrote 1000, then 1010)." in errors
    assert f"**How:** {explain.step_equation(_target())}" in _said(at)
    assert by_label(at.number_input, "Your answer").disabled  # no third try at the same question
    assert at.button(key="cs._next_check").disabled


def test_a_right_answer_is_accepted_with_the_worked_sum():
    at = _answer(_conv_at_step_two(), 1020)
    assert [s.value for s in at.success] == ["Right: 1020."]
    assert f"**How:** {explain.step_equation(_target())}" in _said(at)
    assert not at.warning and not at.error


def test_a_right_second_try_is_accepted():
    at = _answer(_answer(_conv_at_step_two(), 7), 1020)
    assert [s.value for s in at.success] == ["Right: 1020. (Second try.)"]


def test_the_next_step_asks_a_new_question_from_the_start():
    at = _answer(_conv_at_step_two(), 7)
    by_label(at.button, "Next").click().run()
    assert "What number will the output at **row 1, column 4** be?" in _said(at)
    assert not at.warning and not at.error and not at.success


def test_the_size_question_asks_about_another_stride_whose_answer_is_not_on_the_page():
    at = _conv_at_step_two()
    # stride 1 now: the question is about stride 2, floor((8 - 2 - 1) / 2) + 1 = 3 rows
    assert any(e.label == "What if the stride were 2?" for e in at.expander)
    assert not any(r"\mathbf{3}" in f.value for f in at.latex)  # the page shows stride 1's formula, 6 rows
    assert any(r"\mathbf{6}" in f.value for f in at.latex)
    at = _answer(at, 2, label="Rows of the output", check="cs._size_check")
    hint = " ".join(w.value for w in at.warning)
    assert "Only s changes in the formula: the top of the fraction stays 8 + 0 - 1·(3 - 1) - 1 = 5." in hint
    assert not any(r"\mathbf{3}" in f.value for f in at.latex)
    at = _answer(at, 4, label="Rows of the output", check="cs._size_check")
    assert "Not quite: it is 3 rows (you wrote 2, then 4)." in " ".join(e.value for e in at.error)
    assert any(r"\mathbf{3}" in f.value and r"{2}" in f.value for f in at.latex)  # the worked formula


def test_the_right_size_is_accepted():
    at = _answer(_conv_at_step_two(), 3, label="Rows of the output", check="cs._size_check")
    assert [s.value for s in at.success] == ["Right: 3 rows."]
    assert any(r"\mathbf{3}" in f.value for f in at.latex)


def test_the_pooling_page_hints_at_the_window():
    at = open_page("pool_steps")
    by_label(at.radio, "Input").set_value("Preset").run()
    by_label(at.selectbox, "Preset").select("Small random integers").run()
    pooled = convcore.pool2d(convcore.patch_preset("Small random integers", 8), 2)
    at = _answer(at, float(pooled[0, 1]) + 100, check="ps._next_check")
    hint = " ".join(w.value for w in at.warning)
    assert (
        "the 4 numbers of the input (as drawn) at rows 1-2, columns 3-4: max pooling keeps the largest"
        in hint
    )
    at = _answer(at, float(pooled[0, 1]), check="ps._next_check")
    assert [s.value for s in at.success] == [f"Right: {fmt(float(pooled[0, 1]))}. (Second try.)"]

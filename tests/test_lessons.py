"""The guided lesson (app.lessons, pages/lessons.py, the lesson bar of app.presenter): every step opens
its page with its settings, no exception and no refused setting; the numbers the steps state are
the ones the pages compute; the four edge filters light the edges they are named after."""

from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import convcore
from app import lessons, registry
from tests.apptest import ROOT, page_path

MAIN = str(ROOT / "app" / "main.py")
STEPS = list(enumerate(lessons.STEPS, start=1))


def _open(page: str, params: dict) -> AppTest:
    at = AppTest.from_file(MAIN, default_timeout=120)
    at.query_params.update(params)
    at.switch_page(page_path(page))
    at.run()
    return at


def _text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [str(e.value) for e in at.latex]
    parts += [str(t.value) for t in at.dataframe] + [str(t.value) for t in at.table]
    return "\n".join(parts)


@pytest.mark.parametrize("n,step", STEPS, ids=[f"step{n}" for n, _ in STEPS])
def test_every_step_opens_its_page_with_its_settings(n, step):
    for link in (step.link, *step.also):
        at = _open(link.page, {**link.params, lessons.PARAM: str(n)})
        assert not at.exception, [e.value for e in at.exception]
        assert not at.toast, [t.value for t in at.toast]  # every setting of the link was used
        for key, value in link.params.items():
            if key in at.query_params:  # (a value equal to the widget's default is not kept in the URL)
                kept = at.query_params[key]
                assert (list(kept) if isinstance(value, list) else kept) == value, (key, kept, value)
        # the lesson bar: where we are, the way on
        bar = [m.value for m in at.markdown if m.value.endswith(f"** · {step.title}")]
        assert bar == [f"**{n} / {len(lessons.STEPS)}** · {step.title}"]


def test_the_lessons_page_lists_every_step_with_a_question_and_a_hidden_answer():
    at = _open("lessons", {})
    assert not at.exception
    text = _text(at)
    for n, step in STEPS:
        assert f"{n}. {step.title}" in text
        assert step.question in text
    answers = [e for e in at.expander if e.label == "Answer"]
    assert len(answers) == len(lessons.STEPS)
    assert registry.PAGES[1].name == "lessons"


def test_every_step_is_two_clicks_from_home():
    at = _open("home", {})
    # click 1: Home's link (or the sidebar's) to the Lessons page; click 2: the step's link there
    assert any(link.proto.page == "lessons" or "Lessons" in link.label for link in at.get("page_link"))


def test_presenter_mode_walks_the_steps_with_previous_and_next():
    step = lessons.STEPS[2]
    at = _open(step.link.page, {**step.link.params, lessons.PARAM: "3", "presenter": "1"})
    assert not at.exception
    labels = [link.label for link in at.get("page_link")]
    assert "Step 2" in labels and "Step 4" in labels  # not "Next": the step pages have a Next button too
    ahead = next(link for link in at.get("page_link") if link.label == "Step 4")
    assert ahead.proto.help == f"The lesson's next step: {lessons.STEPS[3].title}"
    assert any(m.value == f"**3 / {len(lessons.STEPS)}** · {step.title}" for m in at.markdown)


@pytest.mark.parametrize("page", ["step", "lessons"])
def test_the_teachers_note_is_folded_on_the_projector(page):
    """The lesson bar's Question and the Lessons page show the note for the teacher: in presenter
    mode, where the class reads the screen too, folded like the answer; otherwise as a caption."""
    n, step = STEPS[4]
    where = (
        (step.link.page, {**step.link.params, lessons.PARAM: str(n)}) if page == "step" else ("lessons", {})
    )
    at = _open(where[0], {**where[1], "presenter": "1"})
    assert not at.exception
    notes = [e for e in at.expander if e.label == "Teacher's note"]
    assert notes and any(step.note in m.value for e in notes for m in e.markdown)
    assert not any(c.value.startswith("Teacher's note") for c in at.caption)
    at = _open(*where)
    assert not [e for e in at.expander if e.label == "Teacher's note"]
    assert f"Teacher's note: {step.note}" in [c.value for c in at.caption]


def test_a_step_number_out_of_range_is_ignored():
    for raw in ("0", "99", "abc", "-1"):
        at = _open("conv_steps", {lessons.PARAM: raw})
        assert not at.exception
        assert not any(" / 17** · " in m.value for m in at.markdown)


# ------------------------------------------------------------------------------ the steps' facts


def test_the_four_edge_filters_are_brightest_on_their_edge_of_the_seven():
    """Step 3: each map's maximum lies where the 7's stroke has that edge (bright at the kernel's +1
    row or column, dark at its -1 row or column)."""
    seven = convcore.sample_image("Digit 7")[..., 0].astype(np.float64)
    bright = seven > 127
    bank = convcore.get_bank("Four edges of a stroke (top, left, bottom, right)")
    # for each filter: the offset from the +1 line to the -1 line
    away = {"edge_top": (-1, 0), "edge_left": (0, -1), "edge_bottom": (1, 0), "edge_right": (0, 1)}
    for filt in bank:
        out = convcore.conv2d(seven[None], filt.kernel[None, None], padding="same")[0]
        peaks = np.argwhere(out >= out.max() - 1e-9)
        assert len(peaks) > 0
        dr, dc = away[filt.key]
        for r, c in peaks:
            assert bright[r, c], (filt.key, r, c)
            assert not bright[r + dr, c + dc], (filt.key, r, c)
        assert out.max() > 0.5 * seven.max()  # a clear answer (the stroke is soft-edged: not 3 x 255)


def test_the_numbers_the_steps_state():
    text = " ".join(s.explain + " " + s.answer for s in lessons.STEPS)
    for number in ("784", "150,528", "765", "28 x 28 x 6", "456", "14 x 14 x 6", "10,000", "900", "216",
                   "156", "12", "1,516", "32", "48,120", "10,164", "96", "64", "81"):  # fmt: skip
        assert number in text, number
    assert 28 * 28 == 784 and 224 * 224 * 3 == 150_528 and 6 * 5 * 5 * 3 + 6 == 456 and 3 * 3 * 3 * 8 == 216
    assert (32 - 5 + 1) == 28 and (32 + 4 - 5) // 1 + 1 == 32 and (32 + 4 - 5) // 2 + 1 == 16
    assert 16 * (6 * 25 + 1) == 2416 and 60 * 25 + 16 == 1516 and 3 * 3 * 3 * 3 == 81


def test_a_step_link_followed_in_a_session_starts_its_page_from_the_links_settings():
    """Step 2 leaves the input on a preset; step 5 on the same page must not keep it (its link cannot
    say "Crop of your image" when that is the default: Streamlit keeps defaults out of links)."""
    two, five = lessons.STEPS[1].link, lessons.STEPS[4].link
    at = _open("conv_steps", {**two.params, lessons.PARAM: "2"})
    assert at.session_state["cs.source"] == "Preset"
    at.session_state["cs.stride"] = 2  # the student moves something, on step 2 ...
    at.run()
    assert at.session_state["cs.stride"] == 2  # ... and it stays while the step is open
    at.query_params.clear()
    at.query_params.update({**five.params, lessons.PARAM: "5"})
    at.run()
    assert not at.exception
    assert at.session_state["cs.source"] == "Crop of your image"
    assert at.session_state["cs.rgb"] is True and at.session_state["cs.size"] == 32
    assert at.session_state["cs.stride"] == 1
    assert at.session_state["image.current"].name == "Colour shapes"


def test_the_rgb_volume_step_says_32_x_32_x_3_in_and_28_x_28_x_6_out():
    link = lessons.STEPS[4].link
    at = _open(link.page, {**link.params, lessons.PARAM: "5"})
    assert not at.exception
    text = _text(at)
    assert "32 x 32 x 3 input" in text and "28 x 28 x 6 output" in text
    assert "6 x 3 x 5 x 5 = 450 weights + 6 biases = 456 parameters" in text  # the step's answer, on the page

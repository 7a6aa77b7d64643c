"""app.session: key naming (what a link may carry) and clicks on pictures."""

from __future__ import annotations

import pytest

from app import links, session


def test_internal_keys_are_named_so():
    assert session.internal("cs", "next") == "cs._next"


@pytest.mark.parametrize("value,unusable", [("3", False), ("Step", False), ("inf", True), ("-Infinity", True),
                                            ("NaN", True), ("x" * 4097, True), ("", False)])  # fmt: skip
def test_link_values_no_widget_can_take_are_refused_before_streamlit_parses_them(value, unusable):
    assert links._unusable(value) is unusable


@pytest.mark.parametrize(
    "x,y,expected",
    [(0, 0, (1, 1)), (319.9, 239.9, (24, 32)), (160, 120, (13, 17)), (-5, 500, (24, 1))],
)
def test_a_click_becomes_the_cell_under_it_counted_from_one_and_clamped(x, y, expected):
    click = {"x": x, "y": y, "width": 320, "height": 240}
    assert session.click_cell(click, 24, 32) == expected


def test_clamp_brings_a_kept_value_back_into_range(monkeypatch):
    import streamlit as st

    state = {"cs.region": 102, "cs.flag": True, "cs.other": 5}
    monkeypatch.setattr(st, "session_state", state)
    session.clamp("cs.region", 5, 30)
    session.clamp("cs.flag", 5, 30)  # not a number: left alone
    session.clamp("cs.other", 1, 10)
    session.clamp("cs.missing", 1, 10)
    assert state == {"cs.region": 30, "cs.flag": True, "cs.other": 5}


def test_a_dragged_slider_value_is_used_within_the_sliders_range_and_type():
    """app.widgets.live (issue 14): the value under a dragged thumb replaces the slider's for one run,
    clamped to its range, of its type; other sliders keep theirs."""
    from app.widgets import live

    dragged = {"cs.stride": 9.0, "cs.step": 3}
    assert live.value(dragged, "cs.stride", 2, 1, 4) == 4 and isinstance(
        live.value(dragged, "cs.stride", 2, 1, 4), int
    )
    assert live.value(dragged, "cs.padding", 1, 0, 3) == 1
    assert live.value({"cs.stride": -5}, "cs.stride", 2, 1, 4) == 1
    assert live._css_name("cs.step") == "cs-step"  # Streamlit's st-key- class: dots become dashes

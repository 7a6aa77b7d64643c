"""app.session: key naming (what a link may carry) and clicks on pictures."""

from __future__ import annotations

import pytest

from app import links, session


def test_internal_keys_are_never_settings():
    key = session.internal("cs", "next")
    assert key == "cs._next" and session.is_internal(key)
    assert not session.is_internal("cs.step") and not session.is_internal("cs.crop_row.sample:ab12")
    assert not links._shareable(key, True, ("cs",))
    assert links._shareable("cs.step", 3, ("cs",))
    assert not links._shareable("cs.step", 3, ("ps",))  # another page's setting


@pytest.mark.parametrize(
    "x,y,expected",
    [(0, 0, (1, 1)), (319.9, 239.9, (24, 32)), (160, 120, (13, 17)), (-5, 500, (24, 1))],
)
def test_a_click_becomes_the_cell_under_it_counted_from_one_and_clamped(x, y, expected):
    click = {"x": x, "y": y, "width": 320, "height": 240}
    assert session.click_cell(click, 24, 32) == expected

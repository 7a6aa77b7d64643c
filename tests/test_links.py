"""Shareable links: a page's settings in its URL, opened in a new session, give the same view.

Settings widgets are bound to the URL by Streamlit (``bind="query-params"``); the browser writes
the address as widgets change (tests/test_browser_links.py checks that in Chromium). Here: a link's
values set the widgets, values that do not fit a widget are refused with a sentence, and no link
can break a page.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest import ROOT, by_label, open_tab, page_path

MAIN = str(ROOT / "app" / "main.py")

# page, a link's parameters, how to read the setting back, the value it must have
CASES = [
    ("filter_lab", {"lab.stride": "3"}, lambda at: by_label(at.slider, "Stride").value, 3),
    ("filter_lab", {"lab.filter": "Edges: Laplacian"}, lambda at: by_label(at.selectbox, "Filter").value, "laplacian"),
    ("conv_steps", {"cs.dilation": "2"}, lambda at: by_label(at.slider, "Dilation").value, 2),
    ("conv_steps", {"cs.kernel.typed": "true"}, lambda at: by_label(at.toggle, "Type the kernel").value, True),
    ("pool_steps", {"ps.mode": "Average"}, lambda at: by_label(at.radio, "Pooling").value, "Average"),
    ("alexnet", {"ax.tab": "Feature maps", "ax.layer": "pool2"}, lambda at: by_label(at.selectbox, "Layer").value, "pool2"),
    ("train", {"train.epochs": "4"}, lambda at: by_label(at.slider, "Epochs").value, 4),
    ("layers", {"ly.preset": "LeNet-5 (LeCun et al., 1998)"}, lambda at: by_label(at.radio, "Start from").value, "lenet5_paper"),
    ("conv1d", {"c1.signal": "Step"}, lambda at: by_label(at.radio, "Signal").value, "Step"),
]  # fmt: skip


def _open(page: str, params: dict) -> AppTest:
    at = AppTest.from_file(MAIN, default_timeout=90)
    at.query_params.update(params)
    at.switch_page(page_path(page))
    at.run()
    assert not at.exception
    return at


@pytest.mark.parametrize("page,params,read,expected", CASES, ids=[c[0] for c in CASES])
def test_a_link_opens_the_view_it_describes_and_keeps_it_in_the_url(page, params, read, expected):
    at = _open(page, {**params, "image.sample": "Checkerboard"})
    assert read(at) == expected
    assert at.session_state["image.current"].name == "Checkerboard"
    assert {k: at.query_params[k] for k in params} == params  # the values fit: they stay in the link
    assert not at.toast


def test_a_value_that_does_not_fit_its_widget_is_refused_with_a_sentence():
    at = _open("conv_steps", {"cs.stride": "99"})  # out of the slider's range
    assert by_label(at.slider, "Stride").value == 1
    assert "cs.stride" not in at.query_params
    assert any("could not be used" in t.value for t in at.toast)
    at.run()
    assert not at.toast  # said once


def test_internal_keys_in_a_link_are_never_applied():
    at = _open("conv_steps", {"cs._playing": "true", "cs._next": "true", "train._job": "1"})
    assert not at.session_state["cs._playing"] if "cs._playing" in at.session_state else True
    assert by_label(at.button, "Next").value is False


def test_presenter_mode_from_a_link_offers_the_lesson():
    at = _open("conv_steps", {"presenter": "1"})
    assert "Start the lesson" in [link.label for link in at.get("page_link")]
    assert "presenter" not in at.query_params and at.query_params["ui.presenter"] == "true"  # the toggle's
    assert not at.toast
    assert "Leave presenter mode" in by_label(at.button, "Leave").help  # the short label, said in full
    by_label(at.button, "Leave").click().run()
    assert not at.session_state["ui.presenter"]


def test_home_says_where_the_image_is_chosen_in_each_mode():
    """Presenter mode hides the sidebar: Home then points to the Picture button, not to the sidebar."""
    at = _open("home", {"ui.presenter": "true"})
    text = " ".join(m.value for m in at.markdown)
    assert (
        "Use **Picture** at the top of any page: a sample" in text
        and "the **sidebar** on any page" not in text
    )
    by_label(at.button, "Leave").click().run()
    text = " ".join(m.value for m in at.markdown)
    assert "Use the **sidebar** on any page: a sample" in text and "**Picture**" not in text


@pytest.mark.parametrize("page", ["home", "filter_lab", "conv_steps", "alexnet", "lessons"])
def test_a_link_copied_in_presenter_mode_opens_in_presenter_mode(page):
    """Copy link in presenter mode gives ``ui.presenter=true`` (the toggle's own form). Opened in a
    new browser, the picker was drawn in the sidebar before the toggle had read it, and again in the
    lesson bar: the page stopped with a duplicate-key error."""
    at = _open(page, {"ui.presenter": "true"})
    assert at.session_state["ui.presenter"] is True
    assert "Leave" in [b.label for b in at.button]
    assert [r.label for r in at.radio if r.key == "image.source"] == ["Image source"]  # drawn once
    by_label(at.button, "Leave").click().run()
    assert not at.exception and not at.session_state["ui.presenter"]
    assert [r.key for r in at.sidebar.radio] == ["image.source"]  # back in the sidebar


@pytest.mark.parametrize("page,params", [
    ("conv_steps", {"cs.speed": '"warp 9"', "cs.step": "999"}),
    ("pool_steps", {"ps.window": '"big"'}),
    ("filter_lab", {"lab.filter": '"no such filter"', "lab.stride": "-4"}),
    ("train", {"train.lr": '"fast"'}),
    ("layers", {"ly.preset": "12", "image.sample": '"Lena"'}),
    ("home", {"image.sample": "[1, 2]", "image.source": '{"a": 1}', "presenter": "maybe"}),
    ("conv1d", {"c1.signal": "true", "c1.text": '"' + "x" * 500 + '"'}),
    ("home", {"ui.presenter": "1.5"}),
    ("filter_lab", {"ui.palette": "[" * 1000, "lab.stride": "[" * 1000}),
    ("filter_lab", {"lab.filter": "Learned: AlexNet conv1 filter", "lab.alexnet_index": "abc", "lab.learned": "1e9"}),
    ("alexnet", {"ax.tab": "Feature maps", "ax.unit_col.conv1": "NaN", "ax.unit_row.conv1": "inf"}),
])  # fmt: skip
def test_hostile_or_outdated_links_never_break_a_page(page, params):
    at = _open(page, params)
    at.run()  # and the page keeps working afterwards
    assert not at.exception


def test_a_value_for_a_closed_tab_is_checked_at_once():
    # every tab draws its settings on each run (so links keep them): a closed tab's too
    at = _open("alexnet", {"ax.unit_col.conv1": "999", "ax.unit_row.conv1": "NaN"})
    assert not at.exception
    assert by_label(at.number_input, "Unit column").value == 28  # 999 refused by its widget: conv1's centre
    assert by_label(at.number_input, "Unit row").value == 28  # NaN refused before any widget
    assert any("could not be used" in t.value for t in at.toast)
    open_tab(at, "ax.tab", "Feature maps")
    assert not at.exception
    assert by_label(at.number_input, "Unit column").value == 28

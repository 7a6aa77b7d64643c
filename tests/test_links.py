"""Shareable links: settings -> URL -> a new session opens the same view, for every page."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest import PAGES, ROOT, by_label, open_page, open_tab, page_path

MAIN = str(ROOT / "app" / "main.py")

# page, how to change one setting, how to read it back
CASES = [
    ("filter_lab", lambda at: by_label(at.slider, "Stride").set_value(3), lambda at: by_label(at.slider, "Stride").value, 3),
    ("conv_steps", lambda at: by_label(at.slider, "Dilation").set_value(2), lambda at: by_label(at.slider, "Dilation").value, 2),
    ("pool_steps", lambda at: by_label(at.radio, "Pooling").set_value("Average"), lambda at: by_label(at.radio, "Pooling").value, "Average"),
    ("alexnet", lambda at: by_label(open_tab(at, "ax.tab", "Feature maps").selectbox, "Layer").select("pool2"), lambda at: by_label(at.selectbox, "Layer").value, "pool2"),
    ("train", lambda at: by_label(at.slider, "Epochs").set_value(4), lambda at: by_label(at.slider, "Epochs").value, 4),
    ("layers", lambda at: by_label(at.radio, "Start from").set_value("LeNet-5"), lambda at: by_label(at.radio, "Start from").value, "LeNet-5"),
    ("conv1d", lambda at: by_label(at.radio, "Signal").set_value("Step"), lambda at: by_label(at.radio, "Signal").value, "Step"),
    ("conv_steps", lambda at: by_label(at.toggle, "Type the kernel").set_value(True), lambda at: by_label(at.toggle, "Type the kernel").value, True),
]  # fmt: skip


def _open(page: str, params: dict | None = None) -> AppTest:
    return open_page(page, params=params)


@pytest.mark.parametrize("page,change,read,expected", CASES, ids=[c[0] for c in CASES])
def test_a_link_reopens_the_same_view(page, change, read, expected):
    at = _open(page)
    by_label(at.sidebar.selectbox, "Sample image").select("Checkerboard").run()
    change(at).run()
    assert read(at) == expected
    params = {k: v for k, v in at.query_params.items()}
    assert params, "the settings are in the URL"
    other = AppTest.from_file(MAIN, default_timeout=90)
    other.query_params.update(params)
    other.switch_page(page_path(page))
    other.run()
    assert not other.exception
    assert read(other) == expected
    assert other.session_state["image.current"].name == "Checkerboard"


def test_a_broken_link_opens_the_usual_view_with_a_sentence():
    at = AppTest.from_file(MAIN, default_timeout=90)
    at.query_params.update({"cs.stride": "99"})  # out of the slider's range
    at.switch_page(page_path("conv_steps"))
    at.run()
    assert not at.exception
    assert by_label(at.slider, "Stride").value == 1
    assert any("could not be used" in t.value for t in at.toast)


def test_buttons_and_uploads_are_never_in_a_link():
    at = _open("conv_steps")
    by_label(at.button, "Next").click().run()
    keys = set(at.query_params)
    assert "cs.step" in keys and not any(
        k.endswith(("._next", "._prev", "._play", "._out_layout")) for k in keys
    )
    by_label(at.sidebar.radio, "Image source").set_value("Upload").run()
    assert "image.sample" not in set(at.query_params)


def test_presenter_mode_from_a_link_shows_the_lesson_path():
    at = AppTest.from_file(MAIN, default_timeout=90)
    at.query_params.update({"presenter": "1"})
    at.switch_page(page_path("conv_steps"))
    at.run()
    assert not at.exception
    assert any("Lesson 2 of 6: Stride, padding and dilation" in m.value for m in at.markdown)
    by_label(at.button, "Leave presenter mode").click().run()
    assert not at.session_state["ui.presenter"]
    assert "presenter" not in at.query_params


@pytest.mark.parametrize("page", PAGES)
def test_no_button_can_ever_enter_a_link(page):
    # Streamlit refuses to set a button's state, so a button key in a URL would break the link.
    from app import links

    at = _open(page)
    from app import registry

    prefixes = registry.BY_NAME[page].prefixes
    actions = [b.key for b in at.button] + [b.key for b in at.get("download_button")]
    for key in actions:
        if key and not key.startswith("$$"):
            assert not links._shareable(key, False, prefixes), key
            assert not links._shareable(key, True, prefixes), key


@pytest.mark.parametrize("page,params", [
    ("conv_steps", {"cs.speed": '"warp 9"', "cs.step": "999"}),
    ("pool_steps", {"ps.window": '"big"'}),
    ("filter_lab", {"lab.filter": '"no such filter"', "lab.stride": "-4"}),
    ("train", {"train.lr": '"fast"'}),
    ("layers", {"ly.preset": "12", "image.sample": '"Lena"'}),
    ("home", {"image.sample": "[1, 2]", "image.source": '{"a": 1}', "presenter": "maybe"}),
    ("conv1d", {"c1.signal": "true", "c1.text": '"' + "x" * 500 + '"'}),
])  # fmt: skip
def test_hostile_or_outdated_links_never_break_a_page(page, params):
    at = AppTest.from_file(MAIN, default_timeout=90)
    at.query_params.update(params)
    at.switch_page(page_path(page))
    at.run()
    assert not at.exception
    at.run()  # and the page keeps working afterwards
    assert not at.exception

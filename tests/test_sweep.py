"""Hostile-input sweep: every page against the awkward-file corpus, and random widget settings.

A class finds every combination nobody tried. Here hypothesis drives AppTest through random
sequences of widget moves on every page (any slider, box, radio, toggle or number a student can
reach, any value the widget allows, lazy tabs included), and every page is shown with every
awkward file of ``tests/corpus`` as the current image. After each step: no exception, and every
message on the page is a sentence for a student (no traceback, no exception class names).
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.picker import plain
from tests.apptest import PAGES, ROOT, open_page, page_path

CORPUS = ROOT / "tests" / "corpus"
OK_FILES = sorted(p.name for p in CORPUS.glob("ok_*"))
BAD_FILES = sorted(p.name for p in CORPUS.glob("bad_*"))
#: Lazy tab bars (st.tabs(on_change="rerun")): page -> (key, labels).
TABS = {
    "alexnet": (
        "ax.tab",
        ["What it sees", "Its filters (conv1)", "Feature maps", "Architecture", "Pretrained vs untrained"],
    ),
    "filter_lab": ("lab.tab", ["One filter", "Filter bank", "Two filters in a row"]),
    "trust": ("tr.tab", ["Saliency maps", "Occlusion", "Sanity check", "Adversarial example"]),
}
_TECHNICAL = re.compile(r"Traceback|\b[A-Z][A-Za-z]*(Error|Exception)\b|File \"|line \d+")
EXAMPLES = {"default": 6, "thorough": 40}


def _messages(at) -> list[str]:
    return [m.value for kind in (at.error, at.warning, at.info, at.success) for m in kind]


def check_page(at, context: str) -> None:
    """No exception; every message a sentence a student can read."""
    assert not at.exception, f"{context}: {[e.value for e in at.exception]}"
    for text in _messages(at):
        assert text.strip(), f"{context}: an empty message"
        assert not _TECHNICAL.search(text), f"{context}: a technical message: {text!r}"
        assert text.rstrip().rstrip("*_").endswith((".", "!", "?", ")", ":")), f"{context}: {text!r}"


def _upload(at, name: str):
    at.sidebar.radio(key="image.source").set_value("Upload").run()
    data = (CORPUS / name).read_bytes()
    at.sidebar.file_uploader(key="image.upload").set_value((name, data, "application/octet-stream")).run()
    return at


# ------------------------------------------------------------------------------ the corpus


@pytest.mark.parametrize("page", PAGES)
def test_every_page_shows_every_awkward_image(page):
    at = open_page(page)
    for name in OK_FILES:
        _upload(at, name)
        check_page(at, f"{page} with {name}")
        assert at.session_state["image.current"].name == name
        key, labels = TABS.get(page, (None, []))
        for label in labels[1:]:
            at.session_state[key] = label
            at.run()
            check_page(at, f"{page} with {name}, tab {label!r}")
        if key:
            at.session_state[key] = labels[0]


@pytest.mark.parametrize("name", BAD_FILES)
def test_a_refused_file_is_a_sentence_and_the_page_keeps_the_previous_image(name):
    at = open_page("conv_steps")
    before = at.session_state["image.current"].key
    _upload(at, name)
    check_page(at, name)
    errors = [e.value for e in at.sidebar.error]
    assert len(errors) == 1 and errors[0].startswith(f"**{plain(name)}** could not be used."), errors
    assert errors[0].endswith("The previous image is kept."), errors
    assert at.session_state["image.current"].key == before
    for page in PAGES:  # and every page still works with the image that was kept
        at.switch_page(page_path(page)).run()
        check_page(at, f"{page} after {name}")


# ------------------------------------------------------------------------------ random widgets


def _movable(at) -> list:
    """Every widget a student could move now, with a function drawing a value for it."""
    found = []
    for w in list(at.slider) + list(at.number_input):
        if w.disabled or w.key is None:
            continue
        lo, hi = w.min, w.max
        if lo is None or hi is None:  # an unbounded number input: a wide range of what students type
            lo, hi = -1000.0, 1000.0
        step = w.step or 1
        n = int(round((hi - lo) / step))
        integral = isinstance(step, int) and isinstance(lo, int)

        def draw(data, lo=lo, step=step, n=n, integral=integral):
            k = data.draw(st.integers(0, n))
            return lo + k * step if integral else float(lo + k * step)

        found.append((w, "set", draw))
    for w in list(at.selectbox) + list(at.radio):
        if w.disabled or w.key is None or len(w.options) < 2:
            continue
        count = len(w.options)
        found.append((w, "index", lambda data, n=count: data.draw(st.integers(0, n - 1))))
    for w in list(at.checkbox) + list(at.toggle):
        if not w.disabled and w.key is not None:
            found.append((w, "set", lambda data: data.draw(st.booleans())))
    return found


def _raw_option(widget, index: int):
    """The value behind a selectbox's ``index``-th label. AppTest knows only the labels, and its
    ``select_index`` passes the label itself, which a ``format_func`` such as ``dict.get`` turns into
    None; so try the candidates a page uses (the label, a class index from -1 for "its answer" to
    AlexNet's 999, the keys of a dict) and keep the one formatted as that label. None when none is."""
    label = widget.options[index]
    candidates = [label, *range(-1, 1000)]
    owner = getattr(widget.format_func, "__self__", None)
    if isinstance(owner, dict):
        candidates += list(owner)
    for raw in candidates:
        try:
            if str(widget.format_func(raw)) == label:
                return (raw,)
        except Exception:  # noqa: BLE001 - a candidate of the wrong type for this format_func
            continue
    return None


def _apply(at, widget, how: str, value) -> bool:
    """Set the value like a click would; False when AppTest cannot express it (skip that move)."""
    try:
        if how == "index":
            if hasattr(widget, "select_index"):  # a selectbox: by the value behind the label
                raw = _raw_option(widget, value)
                if raw is None:
                    return False
                widget.set_value(raw[0])
            else:
                widget.set_value(widget.options[value])
        else:
            widget.set_value(value)
    except (KeyError, ValueError, TypeError, IndexError):
        return False
    return True


@pytest.mark.parametrize("page", PAGES)
def test_random_widget_settings_never_break_a_page(page):
    import os

    examples = EXAMPLES.get(os.environ.get("HYPOTHESIS_PROFILE", "default"), 6)

    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def run(data):
        at = open_page(page)
        key, labels = TABS.get(page, (None, []))
        if key:
            label = data.draw(st.sampled_from(labels), label="tab")
            at.session_state[key] = label
            at.run()
            check_page(at, f"{page}, tab {label!r}")
        moves = data.draw(st.integers(2, 6), label="moves")
        for m in range(moves):
            widgets = _movable(at)
            if not widgets:
                break
            widget, how, draw = data.draw(st.sampled_from(widgets), label="widget")
            value = draw(data)
            if not _apply(at, widget, how, value):
                continue
            at.run()
            check_page(at, f"{page}, move {m + 1}: {widget.key} = {value!r}")

    run()

"""Helpers for the AppTest tests."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from app import registry

ROOT = Path(__file__).resolve().parent.parent
#: Every page, by name, from the app's one registry (a new page is tested without editing this list).
PAGES = [page.name for page in registry.PAGES]


def page_path(name: str) -> str:
    """The script of page ``name`` (as AppTest.switch_page wants it)."""
    return str(registry.BY_NAME[name].path)


def by_label(elements, label):
    """The first widget with this label (fails with the labels there are)."""
    matches = [e for e in elements if e.label == label]
    assert matches, f"no widget labelled {label!r}: {[e.label for e in elements]}"
    return matches[0]


def open_page(page: str | None = None, *, params: dict | None = None, timeout: int = 90) -> AppTest:
    """Run the app (with these URL query parameters) and switch to ``page`` (a name in app.registry)."""
    at = AppTest.from_file(str(ROOT / "app" / "main.py"), default_timeout=timeout)
    if params:
        at.query_params.update(params)
    at.run()
    if page is not None:
        at.switch_page(page_path(page)).run()
    assert not at.exception
    return at


def open_tab(at: AppTest, key: str, label: str) -> AppTest:
    """Click the tab ``label`` of the lazy tab bar ``key`` (st.tabs(on_change="rerun")): only the
    open tab's content is computed, so its widgets exist only after this."""
    at.session_state[key] = label
    at.run()
    assert not at.exception
    return at

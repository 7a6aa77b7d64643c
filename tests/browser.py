"""Helpers for the browser tests (fixtures are in conftest.py)."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"


def chromium_path() -> str | None:
    path = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    return path if Path(path).exists() else None


#: pytestmark for browser test modules: marked, and skipped (with the reason) without Chromium.
BROWSER = [
    pytest.mark.browser,
    pytest.mark.skipif(
        chromium_path() is None, reason="needs Chromium: apt-get install chromium (make test does)"
    ),
]


def settle(page) -> None:
    """Wait until the app has finished rerunning after an action."""
    page.wait_for_timeout(250)
    app = page.get_by_test_id("stApp")
    expect(app).to_have_attribute("data-test-connection-state", "CONNECTED", timeout=30_000)
    expect(app).to_have_attribute("data-test-script-state", "notRunning", timeout=30_000)


def images_loaded(page) -> None:
    """Wait until every picture on the page has arrived and decoded (before screenshots)."""
    pictures = "[data-testid=stImage] img, .cr img"  # Streamlit's and the hover readout's (issue 14)
    page.wait_for_function(
        f"() => document.querySelectorAll('{pictures}').length > 0 && "
        f"[...document.querySelectorAll('{pictures}')].every(i => i.complete && i.naturalWidth > 0)",
        timeout=30_000,
    )


def load(page, url: str) -> None:
    """Open ``url`` and wait for the page's first run to finish (settle alone can pass before the
    first run has even started: the app says "not running" then too)."""
    page.goto(url)
    expect(page.get_by_test_id("stMain").locator("h1").first).to_be_visible(timeout=30_000)
    settle(page)
    page.wait_for_timeout(300)  # late pictures and components change the layout once more
    settle(page)


def open_view(page, url: str, size: tuple[int, int], presenter: bool = False) -> None:
    """Open ``url`` in a window of ``size`` (width, height), in presenter mode if asked, and wait
    for its first run and its pictures (the projector tests' common start)."""
    page.set_viewport_size({"width": size[0], "height": size[1]})
    if presenter:
        url += ("&" if "?" in url else "?") + "presenter=1"
    load(page, url)
    images_loaded(page)


def draw_a_seven(page, canvas, *, left: int, width: int, stem: int) -> None:
    """Draw a 7 on ``canvas`` (a locator) with the mouse: a bar ``width`` pixels long at ``left``
    pixels from its top-left corner, then ``stem`` steps down to the left, 12 pixels down and
    ``width / 20`` to the left each; then wait for the rerun."""
    canvas.scroll_into_view_if_needed()  # the mouse draws only on what is on screen
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + left, box["y"] + left)
    page.mouse.down()
    for x in range(left, left + width + 1, 10):  # the top bar
        page.mouse.move(box["x"] + x, box["y"] + left)
    for k in range(stem):  # the stem, down to the left
        page.mouse.move(box["x"] + left + width - width // 20 * k, box["y"] + left + 12 * k)
    page.mouse.up()
    settle(page)


def lesson_link(server: str, n: int, *, presenter: bool = False) -> str:
    """Lesson step ``n``'s link as its page link in the app makes it (its page, its settings and
    ``lesson=n``), in presenter mode if asked."""
    from app import lessons

    step = lessons.STEPS[n - 1].link
    params = {**step.params, "lesson": str(n)} | ({"presenter": "1"} if presenter else {})
    return f"{server}/{step.page}?{urlencode(params, doseq=True)}"

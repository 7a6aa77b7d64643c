"""Train a CNN in real Chromium: a short run updates live, then a drawn 7 is recognised; the page on
a classroom projector (1024 x 768, 1280 x 720), normal and presenter mode."""

from __future__ import annotations

import re

import pytest

from app.training import CHECK_DIGITS
from tests.browser import ARTIFACTS, BROWSER, draw_a_seven, expect, images_loaded, open_view, settle
from tests.layout import SIZES, findings, first_screen_top

pytestmark = BROWSER

#: streamlit-drawable-canvas draws inside a shadow root (a v2 component, no iframe): each canvas
#: with its width and how much of it its column shows.
CANVAS_JS = """() => { const out = [];
  for (const host of document.querySelectorAll('[data-testid=stMain] *')) {
    if (!host.shadowRoot) continue;
    for (const c of host.shadowRoot.querySelectorAll('canvas')) {
      const r = c.getBoundingClientRect(), col = host.closest('[data-testid=stColumn]').getBoundingClientRect();
      out.push({width: r.width, visible: Math.min(r.right, col.right) - Math.max(r.left, col.left),
                scrolls: host.scrollWidth > host.clientWidth + 1});
    } }
  return out; }"""
#: The filmstrip's frames: natural and shown sizes.
FRAMES_JS = """() => [...document.querySelectorAll('[data-testid=stMain] [data-testid=stImage] img')]
  .filter(i => i.alt.startsWith('the first-layer filters at '))
  .map(i => [i.naturalWidth, i.naturalHeight, Math.round(i.getBoundingClientRect().width), Math.round(i.getBoundingClientRect().height)])"""


def test_short_training_then_draw_a_seven(server, page):
    page.set_viewport_size({"width": 1500, "height": 1800})
    page.goto(server + "/train")
    settle(page)
    page.get_by_role("button", name="Train from scratch").click()
    expect(
        page.get_by_text(re.compile(r"Step \d+ of \d+|Preparing the training digits")).first
    ).to_be_visible()
    expect(page.get_by_text("Done:")).to_be_visible(timeout=90_000)  # the page polls while it trains
    # the end reruns the whole page once (the buttons come back): wait for that run, or a key pressed
    # during it reaches a slider that is about to be replaced
    expect(page.get_by_role("button", name="Train from scratch")).to_be_enabled(timeout=15_000)
    settle(page)
    expect(page.get_by_role("button", name="Filmstrip (GIF)")).to_be_visible()
    # the replay: its charts drawn (loss, accuracy, histogram, confusion matrix), and the slider moved
    # with the keyboard back to the start redraws the sentence for that moment
    charts = page.locator("[data-testid=stVegaLiteChart] canvas, [data-testid=stVegaLiteChart] svg.marks")
    expect(charts).to_have_count(4, timeout=15_000)
    assert all(box["width"] > 150 and box["height"] > 100 for box in (c.bounding_box() for c in charts.all()))
    expect(page.get_by_text(re.compile(r"of 2000 held-out digits right"))).to_be_visible()
    # the live parts polled while it trained (every 0.5 and 1 s): let a last poll sent before the end
    # land first, so that it does not race the key press
    page.wait_for_timeout(1500)
    settle(page)
    page.get_by_role("slider", name="Moment").focus()
    page.keyboard.press("Home")
    expect(page.get_by_text(re.compile(rf"of {CHECK_DIGITS} held-out digits right"))).to_be_visible(
        timeout=15_000
    )
    expect(
        page.get_by_role("img", name=re.compile(r"first-layer filters of 7 x 7 at step 0 \(start\)"))
    ).to_be_visible()
    # below the replay; streamlit-drawable-canvas's top layer
    draw_a_seven(page, page.locator("canvas").last, left=50, width=140, stem=15)
    expect(page.get_by_text("It reads 7")).to_be_visible(timeout=15_000)
    images_loaded(page)
    page.screenshot(path=str(ARTIFACTS / "train_1500.png"))


@pytest.mark.parametrize("presenter", [False, True], ids=["normal", "presenter"])
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_page_fits_a_projector_before_and_after_a_run(server, page, size, presenter):
    w, h = size
    open_view(page, server + "/train?train.size=3000&train.epochs=1", size, presenter)
    # the first screen shows the filters (random before a run), beside the settings
    assert first_screen_top(page, "[data-testid=stMain] [data-testid=stImage] img") < 0.75 * h
    # the whole canvas is shown: 240 x 240 (320 presenting), not cut by a narrow column
    expect(page.locator("canvas").last).to_be_visible()
    canvases = page.evaluate(CANVAS_JS)
    side = 320 if presenter else 240
    assert canvases and all(
        c["width"] == side and c["visible"] >= side - 1 and not c["scrolls"] for c in canvases
    )
    assert findings(page) == []
    page.get_by_role("button", name="Train from scratch").click()
    expect(page.get_by_text("Done:")).to_be_visible(timeout=90_000)
    settle(page)
    page.wait_for_timeout(500)
    found = findings(page)
    if found:
        page.screenshot(path=str(ARTIFACTS / f"train_{w}_{'presenter' if presenter else 'normal'}.png"))
    assert found == []
    frames = page.evaluate(FRAMES_JS)  # every frame at one size, shown at that size: crisp
    assert len(frames) >= 3 and len({tuple(f) for f in frames}) == 1
    assert frames[0][:2] == frames[0][2:]
    expect(page.get_by_text(re.compile(r"^Held-out accuracy: \d+% at step 0, "))).to_be_visible()

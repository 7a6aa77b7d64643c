"""Train a CNN in real Chromium: a short run updates live, then a drawn 7 is recognised."""

from __future__ import annotations

import re

from tests.browser import ARTIFACTS, BROWSER, expect, images_loaded, settle

pytestmark = BROWSER


def test_short_training_then_draw_a_seven(server, page):
    page.set_viewport_size({"width": 1500, "height": 1800})
    page.goto(server + "/train")
    settle(page)
    page.get_by_role("button", name="Train from scratch").click()
    expect(
        page.get_by_text(re.compile(r"Step \d+ of \d+|Preparing the training digits")).first
    ).to_be_visible()
    expect(page.get_by_text("Done:")).to_be_visible(timeout=90_000)  # the page polls while it trains
    settle(page)
    expect(page.get_by_role("button", name="Filmstrip (GIF)")).to_be_visible()
    canvas = page.locator("canvas").last  # streamlit-drawable-canvas's top layer
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 50, box["y"] + 50)
    page.mouse.down()
    for x in range(50, 191, 10):  # the top bar of a 7
        page.mouse.move(box["x"] + x, box["y"] + 50)
    for k in range(15):  # its stem, down to the left
        page.mouse.move(box["x"] + 190 - 7 * k, box["y"] + 50 + 12 * k)
    page.mouse.up()
    settle(page)
    expect(page.get_by_text("It reads 7")).to_be_visible(timeout=15_000)
    images_loaded(page)
    page.screenshot(path=str(ARTIFACTS / "train_1500.png"))

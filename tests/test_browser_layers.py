"""Parameters and receptive fields on a classroom projector (1024 x 768, 1280 x 720), normal and
presenter mode, in real Chromium: nothing cut, every table column shown, the pictures described."""

from __future__ import annotations

from urllib.parse import quote_plus

import pytest

from tests.browser import ARTIFACTS, BROWSER, expect, open_view
from tests.layout import SIZES, TABLE_SCROLLS_JS, findings

pytestmark = BROWSER

#: The presets whose tables differ (the labels links hold).
PRESETS = ["AlexNet (paper, 2012)", "LeNet-5 (LeCun et al., 1998)", "LeNet-5 style (the app's digit network)"]


@pytest.mark.parametrize("presenter", [False, True], ids=["normal", "presenter"])
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_layers_fits_a_projector(server, page, size, presenter):
    w, h = size
    open_view(page, server + "/layers", size, presenter)
    page.wait_for_timeout(500)
    found = findings(page) + page.evaluate(TABLE_SCROLLS_JS)
    if found:
        page.screenshot(path=str(ARTIFACTS / f"layers_{w}_{'presenter' if presenter else 'normal'}.png"))
    assert found == []
    picture = page.get_by_role(
        "img", name="the input image with the 195 x 195 pixels that unit (row 4, column 4)"
    )
    expect(picture).to_be_visible()


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_preset_fits_a_projector(server, page, size, preset):
    w, h = size
    open_view(page, f"{server}/layers?ly.preset={quote_plus(preset)}", size)
    page.wait_for_timeout(500)
    found = findings(page) + page.evaluate(TABLE_SCROLLS_JS)
    if found:
        page.screenshot(path=str(ARTIFACTS / f"layers_{w}_{preset[:9].replace(' ', '_')}.png"))
    assert found == []  # the stack table, C3's connection table and the AlexNet comparison all fit


def test_the_local_connectivity_picture_is_readable_at_1024(server, page):
    open_view(page, server + "/layers", (1024, 768))
    picture = page.get_by_role("img", name="Two diagrams of a row of 7 input units")
    picture.scroll_into_view_if_needed()
    expect(picture).to_be_in_viewport()
    box = picture.bounding_box()
    # drawn 970 pixels wide with 19-pixel text: shown at least 540 wide, the text at least 10 pixels
    assert box["width"] >= 540 and box["x"] + box["width"] <= 1024
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1024

"""Home on a classroom projector (1024 x 768, 1280 x 720), normal and presenter mode, in real Chromium:
the sample gallery's labels and the links are whole, the current image is on the first screen."""

from __future__ import annotations

import pytest

import convcore
from tests.browser import ARTIFACTS, BROWSER, expect, images_loaded, settle
from tests.layout import SIZES, findings, first_screen_top

pytestmark = BROWSER


@pytest.mark.parametrize("presenter", [False, True], ids=["normal", "presenter"])
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_home_fits_a_projector(server, page, size, presenter):
    w, h = size
    page.set_viewport_size({"width": w, "height": h})
    page.goto(server + ("/?presenter=1" if presenter else "/"))
    settle(page)
    for name in convcore.SAMPLES:  # every sample's button, its name whole
        button = page.get_by_role("button", name=name, exact=True)
        expect(button).to_have_count(1)
        expect(page.get_by_role("img", name=f"sample image: {name}")).to_have_count(1)
    # measured once the gallery is there: on a busy machine a picture lower down (the current image)
    # could arrive first, and "every picture loaded" held before the gallery's were in the page
    images_loaded(page)
    found = findings(page)
    if found:
        page.screenshot(path=str(ARTIFACTS / f"home_{w}_{'presenter' if presenter else 'normal'}.png"))
    assert found == []
    assert first_screen_top(page, "[data-testid=stMain] [data-testid=stImage] img") < 0.75 * h
    expect(page.get_by_role("link", name="AlexNet explorer: a real network on your image")).to_be_visible()
    page.get_by_role("button", name="Colour shapes", exact=True).click()
    settle(page)
    expect(page.get_by_text("Current image: Colour shapes")).to_be_visible()

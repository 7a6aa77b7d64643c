"""Can you trust a heat map? in real Chromium (issue 16): the four maps on a projector's first
screen, occlusion's progress bar and Cancel, the class in the link, and the sanity check's steps."""

from __future__ import annotations

import re

import pytest

from tests.browser import ARTIFACTS, BROWSER, expect, images_loaded, open_view, settle

pytestmark = BROWSER

MAPS = "[data-testid=stMain] [data-testid=stTabPanel] [data-testid=stImage] img"


@pytest.mark.parametrize("presenter", [False, True], ids=["normal", "presenter"])
@pytest.mark.parametrize("size", [(1024, 768), (1366, 900)])
def test_the_input_and_the_four_maps_are_on_the_first_screen(server, page, size, presenter):
    open_view(page, server + "/trust", size, presenter)
    pictures = page.locator(MAPS)
    expect(pictures).to_have_count(5)
    boxes = [pictures.nth(i).bounding_box() for i in range(5)]
    assert max(b["y"] + b["height"] for b in boxes) <= size[1], "the maps run below the first screen"
    assert min(b["width"] for b in boxes) >= 90, "the maps are too small to read"
    assert len({round(b["y"]) for b in boxes}) == 1, "the maps are not side by side"
    page.screenshot(path=str(ARTIFACTS / f"trust_{size[0]}_{'presenter' if presenter else 'normal'}.png"))


def test_the_explained_class_goes_into_the_link(server, page):
    open_view(page, server + "/trust", (1280, 720))
    page.get_by_role("combobox", name="Explain the class").click()
    page.get_by_role("option", name="3", exact=True).click()
    settle(page)
    expect(page.get_by_text("Explained: '3'", exact=False)).to_be_visible()
    assert "tr.digits.explain=3" in page.url
    page.goto(page.url)  # the link opens the same class
    settle(page)
    expect(page.get_by_text("where is the evidence for '3'", exact=False)).to_be_visible()


def test_occlusion_shows_progress_and_can_be_cancelled(server, page):
    """AlexNet with a stride of 4: 49 x 49 places, long enough to press Cancel in the middle."""
    open_view(page, server + "/trust?tr.net=AlexNet&tr.tab=Occlusion&tr.alexnet.stride=4", (1280, 720))
    expect(page.get_by_text("49 x 49 = 2,401 places", exact=False)).to_be_visible()
    page.get_by_role("button", name="Compute (2,402 passes)").click()
    bar = page.get_by_test_id("stProgress")
    expect(bar).to_be_visible(timeout=15_000)
    expect(bar).to_contain_text("forward passes")
    page.screenshot(path=str(ARTIFACTS / "trust_occlusion_running.png"))
    page.get_by_role("button", name="Cancel").click()
    settle(page)
    expect(page.get_by_text("Cancelled: nothing was kept", exact=False)).to_be_visible()
    expect(bar).to_have_count(0)
    expect(page.get_by_text(re.compile("lowers it the most|No place lowers it"))).to_have_count(0)
    # A quick one runs to the end and draws the map.
    page.goto(server + "/trust?tr.net=AlexNet&tr.tab=Occlusion&tr.alexnet.stride=16")
    settle(page)
    page.get_by_role("button", name="Compute (170 passes)").click()
    settle(page)
    expect(page.get_by_text(re.compile("lowers it the most|No place lowers it"))).to_be_visible(
        timeout=30_000
    )
    expect(page.get_by_role("button", name="Cancel")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^Compute"))).to_have_count(0)  # gone with the map here


def test_the_sanity_check_draws_every_step(server, page):
    open_view(page, server + "/trust?tr.tab=Sanity+check", (1366, 900))
    page.get_by_role("button", name="Randomise the 5 layers, top down").click()
    settle(page)
    images_loaded(page)
    expect(page.get_by_text("Randomised: conv1 and above", exact=False)).to_be_visible()
    expect(page.get_by_test_id("stDataFrame")).to_have_count(1)
    expect(page.get_by_text("With every layer random", exact=False)).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "trust_sanity.png"), full_page=True)

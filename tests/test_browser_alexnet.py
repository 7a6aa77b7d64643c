"""The AlexNet page in real Chromium: predictions, filters, feature maps, receptive field; every tab
on a classroom projector (1024 x 768, 1280 x 720), normal and presenter mode."""

from __future__ import annotations

import pytest

from tests.browser import ARTIFACTS, BROWSER, expect, images_loaded, open_view, settle
from tests.layout import SIZES, TABLE_SCROLLS_JS, findings, first_screen_top

pytestmark = BROWSER

TABS = ["What it sees", "Its filters (conv1)", "Feature maps", "Architecture", "Pretrained vs untrained"]
#: The main area's pictures (the sidebar shows the current image too).
PICTURE = "[data-testid=stMain] [data-testid=stImage] img"

#: Pictures inside components (iframes) that stick out of their frame: the component's own page
#: scrolls sideways inside the frame, so the frame's document is no wider than the frame.
FRAME_CONTENT_JS = """() => [...document.querySelectorAll('[data-testid=stMain] iframe')].flatMap(f => {
  try { return [...f.contentDocument.querySelectorAll('img, canvas')]
          .filter(e => e.getBoundingClientRect().width > 0 && e.getBoundingClientRect().right > f.clientWidth + 1)
          .map(e => f.title + ': ' + Math.round(e.getBoundingClientRect().right) + ' > ' + f.clientWidth);
  } catch (e) { return []; } })"""


def _problems(page) -> list[str]:
    return findings(page) + page.evaluate(FRAME_CONTENT_JS) + page.evaluate(TABLE_SCROLLS_JS)


def _filters_frame(page):
    return page.frame_locator("iframe[title*='streamlit_image_coordinates']").first


def _click_filter(page, row: int, col: int) -> None:
    """Click filter (row, col), counted from 1, of the 8 x 8 grid, however wide it is shown."""
    img = _filters_frame(page).locator("img")
    shown = img.bounding_box()["width"]
    cell = shown / (8 * 66 + 7 * 3) * (66 + 3)  # app.draw.mosaic.filter_mosaic: 66 px patches, 3 px gaps
    img.click(position={"x": (col - 1) * cell + cell / 3, "y": (row - 1) * cell + cell / 3})
    settle(page)


def test_alexnet_page_maps_filters_and_receptive_field(server, page):
    page.set_viewport_size({"width": 1500, "height": 1200})
    page.goto(server + "/alexnet")
    settle(page)
    expect(page.get_by_text("Top 5 guesses")).to_be_visible()
    expect(page.get_by_text("Grad-CAM: where it sees")).to_be_visible()
    images_loaded(page)
    page.screenshot(path=str(ARTIFACTS / "alexnet_sees_1500.png"))

    page.get_by_role("tab", name="Its filters (conv1)").click()
    settle(page)
    _click_filter(page, 2, 3)
    expect(page.get_by_text("Filter 11", exact=True)).to_be_visible()

    page.get_by_role("tab", name="Feature maps").click()
    settle(page)
    expect(page.get_by_text("conv1: 64 channels of 55 x 55")).to_be_visible()
    # only the open tab is drawn (lazy tabs): the units picture is now the page's only clickable image
    unit_frame = page.frame_locator("iframe[title*='streamlit_image_coordinates']").first
    unit_frame.locator("img").click(position={"x": 2, "y": 2})  # the top-left unit
    settle(page)
    expect(
        page.get_by_text("Unit (row 1, column 1) of conv1's 55 x 55 map sees 11 x 11 input pixels")
    ).to_be_visible()
    images_loaded(page)
    page.screenshot(path=str(ARTIFACTS / "alexnet_maps_1500.png"))


def test_every_filter_of_the_grid_can_be_clicked_at_1366(server, page):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(server + "/alexnet?ax.tab=Its+filters+%28conv1%29")
    settle(page)
    frame = page.locator("iframe[title*='streamlit_image_coordinates']").first
    expect(frame).to_be_visible()
    img = _filters_frame(page).locator("img")
    expect(img).to_be_visible()
    assert img.bounding_box()["width"] <= frame.bounding_box()["width"] + 1  # the 8th column is in the frame
    for row, col, number in ((1, 8, 8), (2, 8, 16), (8, 8, 64), (8, 1, 57)):
        _click_filter(page, row, col)
        expect(page.get_by_text(f"Filter {number}", exact=True)).to_be_visible()


@pytest.mark.parametrize("presenter", [False, True], ids=["normal", "presenter"])
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_tab_fits_a_projector_and_the_picture_comes_first(server, page, size, presenter):
    w, h = size
    open_view(page, server + "/alexnet", size, presenter)
    # the first screen shows the picture; the weights panel (no weights here) comes after the tabs
    assert first_screen_top(page, PICTURE) < 0.75 * h
    expect(page.get_by_text("Untrained network")).to_be_in_viewport()
    assert page.get_by_role("button", name="Download the weights (233 MB)").bounding_box()["y"] > h
    for tab in TABS:
        page.get_by_role("tab", name=tab).click()
        settle(page)
        page.wait_for_timeout(500)  # pictures and components settle their size
        problems = _problems(page)
        if problems:
            page.screenshot(
                path=str(ARTIFACTS / f"alexnet_{w}_{'presenter' if presenter else 'normal'}_{tab[:8]}.png")
            )
        assert problems == [], tab
        if tab == "Architecture":  # the paper's AlexNet beside torchvision's: a second table, fitting too
            expect(page.get_by_text("The 2012 paper beside torchvision's")).to_be_attached()
            assert page.locator("[data-testid=stMain] [data-testid=stDataFrame]").count() == 2
        alts = page.evaluate(f"() => [...document.querySelectorAll('{PICTURE}')].map(i => i.alt)")
        assert all(alts), (tab, alts)

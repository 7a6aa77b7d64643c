"""The AlexNet page in real Chromium: predictions, filters, feature maps, receptive field."""

from __future__ import annotations

from tests.browser import ARTIFACTS, BROWSER, expect, images_loaded, settle

pytestmark = BROWSER


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
    frame = page.frame_locator("iframe[title*='streamlit_image_coordinates']").first
    cell = 6 * 11 + 3  # app.models.filter_mosaic: 66 px patches, 3 px gaps, 8 per row
    frame.locator("img").click(position={"x": 2 * cell + 30, "y": 1 * cell + 30})  # row 2, column 3
    settle(page)
    expect(page.get_by_text("Filter 11", exact=True)).to_be_visible()

    page.get_by_role("tab", name="Feature maps").click()
    settle(page)
    expect(page.get_by_text("conv1: 64 channels of 55 x 55")).to_be_visible()
    # only the open tab is drawn (lazy tabs): the units picture is now the page's only clickable image
    unit_frame = page.frame_locator("iframe[title*='streamlit_image_coordinates']").first
    unit_frame.locator("img").click(position={"x": 2, "y": 2})  # the top-left unit (5 px per unit)
    settle(page)
    expect(page.get_by_text("Unit (row 1, column 1) sees 11 x 11 input pixels")).to_be_visible()
    images_loaded(page)
    page.screenshot(path=str(ARTIFACTS / "alexnet_maps_1500.png"))

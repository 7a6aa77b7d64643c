"""A shared link and presenter mode in real Chromium."""

from __future__ import annotations

import re

from tests.browser import ARTIFACTS, BROWSER, expect, images_loaded, settle

pytestmark = BROWSER


def test_a_shared_link_opens_the_same_step_by_step_view(server, page):
    page.set_viewport_size({"width": 1500, "height": 1000})
    # what a teacher's URL looks like after choosing these settings on the page
    link = (server + "/conv_steps?cs.source=Preset&cs.preset=Vertical+edge&cs.stride=2&cs.padding=1"
            "&cs.step=5&image.sample=Checkerboard")  # fmt: skip
    page.goto(link)
    settle(page)
    expect(page.locator("h4").filter(has_text="(output row 2, column 1)")).to_be_visible()
    expect(page.get_by_role("slider", name="Stride")).to_have_attribute("aria-valuetext", "2")
    expect(page.get_by_test_id("stSidebar").get_by_text("Checkerboard: 256 x 256 pixels")).to_be_visible()
    assert "cs.stride=2" in page.url  # the page keeps its settings in its own URL


def test_presenter_mode_hides_the_sidebar_and_walks_the_lesson(server, page):
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(server + "/filter_lab?presenter=1")
    settle(page)
    expect(page.get_by_text("Lesson 1 of 6: Filters and feature maps")).to_be_visible()
    expect(page).to_have_url(re.compile(r"ui\.presenter=true"))  # a link copied now keeps presenter mode
    expect(page.get_by_test_id("stSidebar")).to_be_hidden()
    images_loaded(page)
    page.screenshot(path=str(ARTIFACTS / "presenter_1920.png"))
    page.get_by_role("link", name="Next").click()
    settle(page)
    expect(page.get_by_text("Lesson 2 of 6: Stride, padding and dilation, step by step")).to_be_visible()
    page.get_by_role("button", name="Leave presenter mode").click()
    settle(page)
    expect(page.get_by_test_id("stSidebar")).to_be_visible()
    page.goto(server + "/pool_steps?presenter=1")  # the same tab (and session), a new address
    settle(page)
    expect(page.get_by_text("Lesson 3 of 6: Pooling")).to_be_visible()


def test_a_setting_changed_inside_a_fragment_reaches_the_url_at_once(server, page):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(server + "/filter_lab")
    settle(page)
    stride = page.get_by_role("slider", name="Stride")
    stride.focus()
    stride.press("ArrowRight")
    stride.press("ArrowRight")
    settle(page)
    expect(page).to_have_url(re.compile(r"lab\.stride=3"))
    link = page.url
    fresh = page.context.browser.new_context()
    try:
        other = fresh.new_page()
        other.goto(link)
        settle(other)
        expect(other.get_by_role("slider", name="Stride")).to_have_attribute("aria-valuetext", "3")
    finally:
        fresh.close()

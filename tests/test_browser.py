"""Real Chromium (Debian's, through Playwright) against `streamlit run` on 127.0.0.1.

What a student does: upload a photo, open the Filter Lab, choose a filter, move the stride
slider, see the feature map and the formula change; upload a broken file and keep working.
Screenshots go to tests/artifacts/ (laptop 1366x768 and projector 1920x1080).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from tests.browser import ARTIFACTS, BROWSER, expect, images_loaded, settle

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
pytestmark = BROWSER


def feature_map(page):
    """The feature map's figure in the hover readout's component (issue 14)."""
    return page.locator(".cr figure.pic").filter(has_text="Feature map:")


def png_size(page, img) -> tuple[int, int]:
    """The picture's own size (its src is a blob made in the page, from the component's payload)."""
    img.evaluate("i => i.decode()")
    return tuple(img.evaluate("i => [i.naturalWidth, i.naturalHeight]"))


def upload(page, path: Path) -> None:
    page.get_by_test_id("stSidebar").get_by_text("Upload", exact=True).click()
    settle(page)
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(path))
    settle(page)


def open_filter_lab(page) -> None:
    page.get_by_test_id("stSidebarNav").get_by_text("Filter Lab").click()
    settle(page)
    expect(page.get_by_role("heading", name="Filter Lab")).to_be_visible()
    # the first run is over once its pictures are in (its 3 MB readout payload takes a moment):
    # a select box opened before that is closed again when the run draws it
    expect(feature_map(page).locator("img")).to_be_visible(timeout=30_000)
    settle(page)


def choose(page, label: str, option: str) -> None:
    box = page.get_by_test_id("stSelectbox").filter(has_text=label).first
    # in the middle of the window, as a user would scroll it: at the window's lower edge (the Filter
    # Lab's settings sit under its pictures) its list of options did not open in headless Chromium
    box.evaluate("e => e.scrollIntoView({block: 'center'})")
    box.click()
    page.get_by_role("option", name=option, exact=True).click()
    settle(page)


def test_upload_choose_sobel_move_stride_see_the_map_and_formula_change(server, page):
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(server)
    settle(page)
    upload(page, ROOT / "assets" / "coffee.jpg")
    expect(page.get_by_test_id("stSidebar").get_by_text("coffee.jpg: 600 x 400 pixels")).to_be_visible()
    open_filter_lab(page)
    choose(page, "Filter", "Edges: Sobel y (horizontal edges)")
    expect(feature_map(page).get_by_text("Feature map: 600 x 400")).to_be_visible()
    before = feature_map(page).locator("img").get_attribute("src")
    page.get_by_role("slider").first.focus()
    page.keyboard.press("ArrowRight")
    settle(page)
    expect(feature_map(page).get_by_text("Feature map: 300 x 200")).to_be_visible()
    after = feature_map(page).locator("img").get_attribute("src")
    assert after != before, "the feature map image changed"
    # The picture shown is the 300 x 200 map, enlarged by a whole factor (2) with square pixels.
    assert png_size(page, feature_map(page).locator("img")) == (600, 400)
    expect(page.locator(".katex").filter(has_text="200").first).to_be_visible()
    images_loaded(page)
    page.screenshot(path=str(ARTIFACTS / "filter_lab_projector_1920.png"), full_page=True)
    # the download is drawn only when clicked: the 300 x 200 map at full size, with its colour bar
    with page.expect_download() as info:
        page.get_by_role("button", name="Download feature map (PNG)").click()
    path = ARTIFACTS / "feature_map_download.png"
    info.value.save_as(path)
    with Image.open(path) as png:
        assert png.format == "PNG" and png.width >= 300 and png.height > 200


def test_broken_upload_shows_a_sentence_and_the_page_keeps_working(server, page):
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(server)
    settle(page)
    upload(page, CORPUS / "bad_truncated.jpg")
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_test_id("stAlertContentError")).to_contain_text("could not be used")
    expect(sidebar.get_by_text("Grace Hopper: 512 x 600 pixels")).to_be_visible()
    open_filter_lab(page)
    expect(feature_map(page)).to_be_visible()
    assert page.get_by_test_id("stException").count() == 0
    page.screenshot(path=str(ARTIFACTS / "broken_upload_laptop_1366.png"))


@pytest.mark.parametrize("width,height", [(1366, 768), (1920, 1080)])
def test_pages_fit_laptop_and_projector_windows(server, page, width, height):
    page.set_viewport_size({"width": width, "height": height})
    for path, name in (
        ("", "home"),
        ("/filter_lab", "filter_lab"),
        ("/conv_steps", "conv_steps"),
        ("/pool_steps", "pool_steps"),
        ("/alexnet", "alexnet"),
        ("/train", "train"),
    ):
        page.goto(server + path)
        settle(page)
        images_loaded(page)
        overflow = page.evaluate(
            "() => [...document.querySelectorAll('[data-testid=stMain] *')]"
            ".filter(e => !(e.tagName === 'INPUT' && e.type === 'range'))"  # sliders' hidden native inputs
            ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).length"
        )
        assert overflow == 0, f"{name} at {width}x{height}: {overflow} elements stick out on the right"
        page.screenshot(path=str(ARTIFACTS / f"{name}_{width}x{height}.png"))


def test_a_file_name_full_of_markdown_is_shown_as_written_and_fetches_nothing(server, page, tmp_path):
    name = "![x](http://127.0.0.2:9/leak.png) :red[big] _cat_ www.example.com a@b.org.png"
    path = tmp_path / name.replace("/", "%")  # a file name cannot hold '/'
    Image.new("RGB", (40, 30), (200, 30, 30)).save(path, format="PNG")
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(server)
    settle(page)
    upload(page, path)
    sidebar = page.get_by_test_id("stSidebar")
    caption = sidebar.get_by_text(": 40 x 30 pixels")
    expect(caption).to_be_visible()
    shown = caption.inner_text().replace("\u2060", "")  # word joiners keep addresses from becoming links
    assert shown == f"{path.name}: 40 x 30 pixels"
    images_loaded(page)
    assert not [url for url in requests if "127.0.0.2" in url or "leak" in url]
    assert sidebar.locator("a[href*='127.0.0.2'], a[href*='example.com'], a[href^='mailto']").count() == 0

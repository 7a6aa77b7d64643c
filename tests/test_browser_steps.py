"""The step-by-step pages in real Chromium: step, play, click an output cell, download the GIF."""

from __future__ import annotations

from PIL import Image

from tests.browser import ARTIFACTS, BROWSER, expect, images_loaded, settle

pytestmark = BROWSER


def equation(page):
    return page.locator("h4").filter(has_text="(output row")


def use_preset(page, name: str) -> None:
    page.get_by_text("Preset", exact=True).click()
    settle(page)
    page.get_by_test_id("stSelectbox").filter(has_text="Preset").first.click()
    page.get_by_role("option", name=name, exact=True).click()
    settle(page)


def test_step_play_click_and_export_the_convolution(server, page):
    page.set_viewport_size({"width": 1600, "height": 1100})
    page.goto(server + "/conv_steps")
    settle(page)
    use_preset(page, "Vertical edge")
    expect(equation(page)).to_contain_text("(output row 1, column 1)")
    for _ in range(2):
        page.get_by_role("button", name="Next").click()
        settle(page)
    # 8x8 input, 255 from column 5 on: the window over columns 3-5 meets the edge, 255 x (1+2+1)
    expect(equation(page)).to_contain_text("= 1020 (output row 1, column 3)")
    page.get_by_role("button", name="Previous").click()
    settle(page)
    expect(equation(page)).to_contain_text("= 0 (output row 1, column 2)")

    # Play: the fragment advances by itself, then Pause stops it.
    page.get_by_role("button", name="Play").click()
    expect(equation(page)).to_contain_text("(output row 1, column 4)", timeout=10_000)
    page.get_by_role("button", name="Pause").click()
    settle(page)
    stopped = equation(page).inner_text()
    page.wait_for_timeout(1500)
    assert equation(page).inner_text() == stopped, "pausing stops the animation"

    # Click output cell (row 3, column 2) in the streamlit-image-coordinates iframe.
    frame = page.frame_locator("iframe[title*='streamlit_image_coordinates']").last
    cell, top = 44, 29  # app.gridview: 44 px cells below a 28 px title
    frame.locator("img").click(position={"x": 1 + 1.5 * cell, "y": top + 2.5 * cell})
    settle(page)
    expect(equation(page)).to_contain_text("(output row 3, column 2)")
    images_loaded(page)
    page.screenshot(path=str(ARTIFACTS / "conv_steps_1600.png"), full_page=True)

    # the step's PNG and the grids' CSV are drawn only when clicked
    with page.expect_download() as info:
        page.get_by_role("button", name="This step (PNG)").click()
    info.value.save_as(ARTIFACTS / "conv_step.png")
    with Image.open(ARTIFACTS / "conv_step.png") as png:
        assert png.format == "PNG" and png.width > 300
    with page.expect_download() as info:
        page.get_by_role("button", name="Grids (CSV)").click()
    info.value.save_as(ARTIFACTS / "grids.csv")
    lines = (ARTIFACTS / "grids.csv").read_text().splitlines()
    assert lines[0] == "# input with padding, channel 1" and len(lines[1].split(",")) == 8  # the 8 x 8 input

    page.get_by_role("button", name="Make the animation (GIF)").click()
    settle(page)
    with page.expect_download() as info:
        page.get_by_role("button", name="Animation (GIF)").click()
    path = ARTIFACTS / "conv_steps.gif"
    info.value.save_as(path)
    with Image.open(path) as gif:
        assert gif.format == "GIF" and gif.n_frames == 36  # 8x8 input, 3x3 kernel: 6x6 outputs


def test_rgb_volume_and_pooling_pages_render(server, page):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(server + "/conv_steps")
    settle(page)
    page.get_by_text("RGB volume (3 channels)").click()
    settle(page)
    expect(equation(page)).to_contain_text("R + G + B =")
    images_loaded(page)
    page.screenshot(path=str(ARTIFACTS / "conv_steps_rgb_1366.png"), full_page=True)
    page.goto(server + "/pool_steps")
    settle(page)
    use_preset(page, "Small random integers")  # no crop picker: its component's first report reruns the page
    expect(equation(page)).to_contain_text("max(")
    page.get_by_role("button", name="Next").click()
    settle(page)
    expect(equation(page)).to_contain_text("(output row 1, column 2)")
    images_loaded(page)
    overflow = page.evaluate(
        "() => [...document.querySelectorAll('[data-testid=stMain] *')]"
        ".filter(e => !(e.tagName === 'INPUT' && e.type === 'range'))"  # sliders' hidden native inputs
        ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).length"
    )
    assert overflow == 0
    page.screenshot(path=str(ARTIFACTS / "pool_steps_1366.png"), full_page=True)

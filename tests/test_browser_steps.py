"""The step-by-step pages in real Chromium: step, play, click an output cell, download the GIF; and
each step page on a classroom projector, where its pictures are on the first screen."""

from __future__ import annotations

import re

import pytest
from PIL import Image

from tests.browser import ARTIFACTS, BROWSER, expect, images_loaded, lesson_link, load, open_view, settle
from tests.layout import SIZES, findings, first_screen_top

pytestmark = BROWSER

#: The step pages, each with its settings popovers.
STEP_PAGES = {
    "conv_steps": ("Input", "Kernel", "Stride, padding, dilation"),
    "pool_steps": ("Input", "Pooling"),
    "conv1d": ("Signal", "Kernel", "Stride, padding"),
}
#: The exercises' expanders.
EXERCISES = re.compile("Predict the next output|What if the stride were")
#: The first step picture (the input grid, or the 1-D signal).
FIRST_PICTURE = "[data-testid=stMain] .sg .input, [data-testid=stMain] [data-testid=stImage] img"


def equation(page):
    return page.locator("h4").filter(has_text="(output row")


def popover(page, label: str):
    """Open the settings popover ``label`` (its widgets exist only while it is open)."""
    page.get_by_test_id("stPopover").filter(has_text=label).get_by_role("button").first.click()
    settle(page)


def close_popover(page) -> None:
    page.keyboard.press("Escape")
    settle(page)


def use_preset(page, name: str) -> None:
    popover(page, "Input")
    page.get_by_text("Preset", exact=True).click()
    settle(page)
    page.get_by_test_id("stSelectbox").filter(has_text="Preset").first.click()
    page.get_by_role("option", name=name, exact=True).click()
    settle(page)
    close_popover(page)


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

    # Click output cell (row 3, column 2) in the linked grids (issue 14): its step opens
    page.locator(".sg .output .cell[data-r='2'][data-q='1']").click()
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
    popover(page, "Input")
    page.get_by_text("RGB volume (3 channels)").click()
    settle(page)
    close_popover(page)
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


#: Every number shown in the step grids whose text is wider than its cell: [text, its width, the cell's].
CUT_NUMBERS_JS = """() => [...document.querySelectorAll('.sg .cell')]
  .filter(c => c.textContent && parseFloat(getComputedStyle(c).fontSize) > 0)
  .map(c => { const r = document.createRange(); r.selectNodeContents(c);
              return [c.textContent, r.getBoundingClientRect().width, c.clientWidth]; })
  .filter(([, wide, room]) => wide > room + 0.5)"""


#: The type size, in pixels, of every number shown in the step grids.
NUMBER_TYPE_JS = """() => [...document.querySelectorAll('.sg .cell')]
  .map(c => parseFloat(getComputedStyle(c).fontSize)).filter(size => size > 0)"""


@pytest.mark.parametrize("presenter", [False, True], ids=["normal", "presenter"])
def test_long_numbers_in_the_step_grids_are_whole(server, page, presenter):
    """Lesson step 5's "Green patches" kernel has numbers such as -0.00148: in a small cell they lost
    their sign and last digits (a negative weight read as a positive one). A grid whose longest
    number would not fit gets smaller type, alike in all its cells, but never under 11 pixels (14 in
    presenter mode): at 5 pixels nobody read them. Its cells grow wider instead, and the kernel
    stays beside its input."""
    open_view(page, lesson_link(server, 5), (1024, 768), presenter)
    expect(page.locator(".sg .side .cell").filter(has_text="-0.00148").first).to_be_attached()
    assert page.evaluate(CUT_NUMBERS_JS) == []
    least = 14 if presenter else 11
    assert min(page.evaluate(NUMBER_TYPE_JS)) >= least - 0.05
    kernel = page.locator(".sg .side figure").first.bounding_box()
    red = page.locator(".sg .input").first.bounding_box()
    assert kernel["x"] >= red["x"] + red["width"] and kernel["y"] < red["y"] + red["height"]  # beside it
    page.get_by_role("button", name="Next", exact=False).last.click()  # the step's own Next: new products
    settle(page)
    assert page.evaluate(CUT_NUMBERS_JS) == []
    assert min(page.evaluate(NUMBER_TYPE_JS)) >= least - 0.05


def _open(server, page, name: str, size: tuple[int, int], presenter: bool) -> None:
    open_view(page, f"{server}/{name}", size, presenter)
    page.wait_for_timeout(500)  # the output's component sets its height once its picture is in
    settle(page)


@pytest.mark.parametrize("presenter", [False, True], ids=["normal", "presenter"])
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("name", list(STEP_PAGES))
def test_the_step_pictures_are_on_the_first_screen_of_a_projector(server, page, name, size, presenter):
    _open(server, page, name, size, presenter)
    mode = "presenter" if presenter else "normal"
    page.screenshot(path=str(ARTIFACTS / f"steps_{name}_{size[0]}_{mode}.png"))
    assert findings(page) == []
    top = first_screen_top(page, FIRST_PICTURE)
    assert top is not None and 0 < top < size[1] - 120, f"the input grid starts at y={top}"
    if not presenter:  # with the usual type the whole step is there: pictures and the equation
        bottom = page.evaluate(
            "() => document.querySelector('[data-testid=stMain] h4').getBoundingClientRect().bottom"
        )
        assert bottom <= size[1], f"the step's equation ends at y={bottom}"


@pytest.mark.parametrize("presenter", [False, True], ids=["normal", "presenter"])
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("name", list(STEP_PAGES))
def test_the_settings_and_exercises_fit_when_open(server, page, name, size, presenter):
    _open(server, page, name, size, presenter)
    for label in STEP_PAGES[name]:
        popover(page, label)
        assert findings(page) == [], label
        close_popover(page)
    for quiz in page.get_by_test_id("stExpander").filter(has_text=EXERCISES).all():
        quiz.locator("summary").click()
        settle(page)
    assert findings(page) == []


def test_the_crop_picker_is_whole_and_a_click_on_its_right_edge_moves_the_region(server, page):
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto(server + "/conv_steps")
    settle(page)
    popover(page, "Input")
    picker = page.get_by_test_id("stPopoverBody").locator("iframe[title*='streamlit_image_coordinates']")
    img = picker.content_frame.locator("img")
    expect(img).to_be_visible()
    box = img.bounding_box()
    outer = picker.bounding_box()
    assert box["width"] <= outer["width"] + 1  # nothing of the picture cut off on the right
    img.click(position={"x": box["width"] - 3, "y": box["height"] / 2})
    settle(page)
    column = page.get_by_role("spinbutton", name="Centre column")
    assert int(column.input_value()) > 480  # the Grace Hopper sample is 512 pixels wide


#: The step pages with linked grids (issue 14), each opened with padding so the input is padded.
GRID_PAGES = {"conv_steps": "cs.padding=1", "pool_steps": "ps.padding=1"}


def _box(locator) -> dict:
    return locator.evaluate(
        "e => { const r = e.getBoundingClientRect(); return {x: r.x, y: r.y, w: r.width, h: r.height}; }"
    )


@pytest.mark.parametrize("name", list(GRID_PAGES))
def test_the_step_grids_follow_the_pointer_and_the_window_slides(server, page, name):
    page.set_viewport_size({"width": 1280, "height": 720})
    load(page, f"{server}/{name}?{GRID_PAGES[name]}")
    grids = page.locator(".sg")
    for _ in range(2):
        page.get_by_role("button", name="Next").click()
        settle(page)
    expect(grids).to_have_attribute("data-step", "2")
    top, left = (int(v) for v in grids.get_attribute("data-window").split(","))
    inputs = page.locator(".sg .input").first
    # pointing at a small grid's cell lights the input cell it reads (and its partners), nothing else
    small = page.locator(".sg .side .g").first  # the kernel, or the pooling window
    for u, v in ((0, 0), (1, 1), (0, 1)):
        small.locator(f".cell[data-r='{u}'][data-q='{v}']").hover()
        lit = inputs.locator(".cell.linked")
        expect(lit).to_have_count(1)
        assert (lit.get_attribute("data-r"), lit.get_attribute("data-q")) == (str(top + u), str(left + v))
        if name == "conv_steps":  # the product shown is the input number times the weight
            weight = float(small.locator(".cell.linked").inner_text())
            product = float(page.locator(".sg .products .cell.linked").first.inner_text())
            assert product == pytest.approx(float(lit.inner_text()) * weight)
    # pointing at an output cell outlines its window (dashed) over the input cells it reads
    stride = 1 if name == "conv_steps" else 2
    span = 3 if name == "conv_steps" else 2
    page.locator(".sg .output .cell[data-r='1'][data-q='2']").hover()
    ghost = _box(page.locator(".sg .win.ghost.on").first)
    first = _box(inputs.locator(f".cell[data-r='{stride}'][data-q='{2 * stride}']"))
    last = _box(inputs.locator(f".cell[data-r='{stride + span - 1}'][data-q='{2 * stride + span - 1}']"))
    assert ghost["x"] == pytest.approx(first["x"], abs=2) and ghost["y"] == pytest.approx(first["y"], abs=2)
    assert ghost["x"] + ghost["w"] == pytest.approx(last["x"] + last["w"], abs=2)
    page.mouse.move(5, 5)
    # the next step: the window slides there through places in between (an animation, not a jump)
    window = page.locator(".sg .win:not(.ghost)").first
    start = _box(window)["x"]
    page.evaluate(
        "() => { window.__xs = []; const w = document.querySelector('.sg .win:not(.ghost)');"
        " const t0 = performance.now(); const tick = () => { window.__xs.push(w.getBoundingClientRect().x);"
        " if (performance.now() - t0 < 2500) requestAnimationFrame(tick); }; requestAnimationFrame(tick); }"
    )
    page.get_by_role("button", name="Next").click()
    settle(page)
    page.wait_for_timeout(2600)
    end = _box(window)["x"]
    assert end > start
    between = {round(x) for x in page.evaluate("window.__xs") if start + 1 < x < end - 1}
    assert len(between) >= 3, "the window jumped instead of sliding"
    said = page.locator(".sg .said").inner_text()
    assert said.startswith("Input, padded: ")
    if name == "pool_steps":  # the largest number is marked in the window and on the input
        expect(page.locator(".sg .window .cell.chosen")).to_have_count(1)
        expect(inputs.locator(".cell.chosen")).to_have_count(1)
        assert "is marked (blue, a corner mark)" in said


def test_the_grids_follow_a_dragged_step_slider_before_its_release(server, page):
    """Streamlit's slider sends its value on release only; the live sliders (issue 14) move the grids
    during the drag, and the release still sets the step the thumb shows."""
    page.set_viewport_size({"width": 1280, "height": 720})
    load(page, f"{server}/conv_steps")
    grids = page.locator(".sg")
    thumb = page.locator(
        '.st-key-cs-step [data-testid=stSlider] div[style*="translate(-50%"]'
    ).first.bounding_box()
    x0, y0 = thumb["x"] + thumb["width"] / 2, thumb["y"] + thumb["height"] / 2
    page.mouse.move(x0, y0)
    page.mouse.down()
    seen = set()
    for k in range(1, 16):
        page.mouse.move(x0 + k * 12, y0)
        page.wait_for_timeout(120)
        seen.add(grids.get_attribute("data-step"))
    assert len(seen - {"0"}) >= 3, f"the grids did not follow the drag: {seen}"
    page.mouse.up()
    settle(page)
    page.wait_for_timeout(500)
    settle(page)
    shown = page.locator(".st-key-cs-step input[type=range]").get_attribute("value")
    expect(grids).to_have_attribute("data-step", str(int(shown) - 1))
    expect(equation(page)).to_be_visible()

"""The guided lesson in Chromium: from Home to a step in two clicks, the step's page with its example,
Previous / Next and the question in the lesson bar, a step below the first screen opened there, the
32 x 32 x 3 step readable at 1024 x 768, and on a projector the lesson bar in one row and the small
step grids whole on the first screen."""

from __future__ import annotations

import re

from tests.browser import ARTIFACTS, BROWSER, expect, images_loaded, lesson_link, load, settle

pytestmark = BROWSER


def test_home_lessons_step_then_next_and_the_question(server, page):
    page.set_viewport_size({"width": 1024, "height": 768})
    load(page, server + "/")
    page.get_by_test_id("stMain").get_by_role("link", name=re.compile("^Lessons")).click()  # click 1
    settle(page)
    expect(page.get_by_role("heading", name=re.compile("Lessons: how a CNN sees"))).to_be_visible()
    step = page.locator(".st-key-lesson-step-3")
    expect(step.get_by_text("Ask the class:")).to_be_visible()
    expect(step.get_by_text("The top-edge map (bright here")).to_be_hidden()  # the answer stays folded
    step.get_by_role("link", name=re.compile("^Open:")).click()  # click 2
    settle(page)
    expect(page).to_have_url(re.compile(r"/filter_lab\?.*lesson=3"))
    expect(page.get_by_text("3 / 17 · Four edge filters on the 7: a filter bank")).to_be_visible()
    for name in ("Top edge", "Left edge", "Bottom edge", "Right edge"):
        expect(page.get_by_test_id("stMain").get_by_text(name, exact=True).first).to_be_visible()
    expect(page.get_by_test_id("stSidebar").get_by_text("Digit 7: 256 x 256 pixels")).to_be_visible()
    images_loaded(page)
    page.screenshot(path=str(ARTIFACTS / "lesson_step3_1024.png"))
    bar = page.locator(".st-key-ui-lesson-bar")
    bar.get_by_role("button", name=re.compile("Question")).click()
    expect(page.get_by_text("Which map shows the top of the 7's bar")).to_be_visible()
    page.keyboard.press("Escape")
    bar.get_by_role("link", name="Step 4").click()
    settle(page)
    expect(page.get_by_text("4 / 17 · Sobel: a designed filter, and the flip")).to_be_visible()
    expect(page).to_have_url(re.compile(r"lesson=4"))
    bar.get_by_role("link", name="Step 3").click()
    settle(page)
    expect(page.get_by_text("3 / 17 · Four edge filters")).to_be_visible()


def test_a_step_further_down_its_page_opens_there_with_the_bar_on_top(server, page):
    page.set_viewport_size({"width": 1024, "height": 768})
    load(page, server + "/layers?ly.preset=LeNet-5+%28LeCun+et+al.%2C+1998%29&lesson=12")
    heading = page.get_by_role("heading", name=re.compile("A stack of layers"))
    page.wait_for_function(
        "() => { const h = [...document.querySelectorAll('h2, h3')].find(e => e.textContent.startsWith('A stack'));"
        " const r = h && h.getBoundingClientRect(); return r && r.top >= 0 && r.bottom <= window.innerHeight; }",
        timeout=15_000,
    )
    expect(heading).to_be_in_viewport()
    bar = page.locator(".st-key-ui-lesson-bar")
    expect(bar).to_be_in_viewport()  # sticky: the previous and next steps stay at hand
    box, head = bar.bounding_box(), heading.bounding_box()
    assert box["y"] + box["height"] <= head["y"] + 1  # the heading is not under the bar
    expect(page.get_by_text("1,516").first).to_be_visible()


def test_the_rgb_volume_step_fits_a_projector(server, page):
    page.set_viewport_size({"width": 1024, "height": 768})
    link = (server + "/conv_steps?image.sample=Colour+shapes&cs.rgb=true&cs.size=32"
            + "".join(f"&cs.kernel.names={k}" for k in ("Green+patches", "Red+minus+green", "Blue-to-yellow+edge",
                                                         "Sobel+x+%28vertical+edges%29", "Sobel+y+%28horizontal+edges%29",
                                                         "Box+blur"))
            + "&lesson=5")  # fmt: skip
    load(page, link)
    expect(page.get_by_text("32 x 32 x 3 input")).to_be_visible()
    expect(page.get_by_text("1 of 4704").first).to_be_visible()  # 28 x 28 x 6 outputs
    grids = page.locator(".sg")
    expect(grids).to_be_visible()
    # every grid inside the page's width: nothing to scroll sideways
    main = page.get_by_test_id("stMain").bounding_box()
    for fig in grids.locator("figure").all():
        b = fig.bounding_box()
        assert b["x"] + b["width"] <= main["x"] + main["width"] + 1, b
    cell = grids.locator(".input .cell").first.bounding_box()
    assert 5 <= cell["width"] <= 14  # drawn small and shaded ...
    kernel = grids.locator(".kernel .cell").first.bounding_box()
    assert kernel["width"] >= 22  # ... the kernel's numbers at a readable size
    expect(grids.locator(".output figcaption").first).to_have_text("Output channel 1")
    page.screenshot(path=str(ARTIFACTS / "lesson_step5_1024.png"))


def test_presenter_lesson_bar_is_one_row_and_small_grids_fit_the_first_screen(server, page):
    """On a 1024 x 768 projector the lesson bar is one row (a long step title wraps in the room the
    buttons leave), and the grids of a 10 x 10 convolution and of an 8 x 8 pooling end on the first
    screen; at 1366 x 900 so do those of the 16 x 16 digit."""
    page.set_viewport_size({"width": 1024, "height": 768})
    one_row = """() => { const items = [...document.querySelector('.st-key-ui-lesson-bar').children]
        .map(c => c.getBoundingClientRect()).filter(r => r.width > 0);
      return Math.max(...items.map(r => r.top)) < Math.min(...items.map(r => r.bottom)); }"""
    grids_end = "() => document.querySelector('.sg').getBoundingClientRect().bottom"
    for n in (1, 2, 7, 9, 17):  # the first, long titles beside Previous, the last (All steps)
        load(page, lesson_link(server, n, presenter=True))
        bar = page.locator(".st-key-ui-lesson-bar")
        expect(bar.get_by_role("button", name="Leave")).to_be_visible()
        assert page.evaluate(one_row), n
        assert bar.bounding_box()["height"] <= 80, n
        if n in (2, 7):
            expect(page.locator(".sg .output .cell").first).to_be_visible()
            assert page.evaluate(grids_end) <= 768, n
    page.screenshot(path=str(ARTIFACTS / "lesson_step7_presenter_1024.png"))
    page.set_viewport_size({"width": 1366, "height": 900})
    load(page, lesson_link(server, 1, presenter=True))
    expect(page.locator(".sg .output .cell").first).to_be_visible()
    assert page.evaluate(grids_end) <= 900
    assert page.locator(".sg .input .cell").first.bounding_box()["width"] >= 22  # still readable


def test_the_bars_links_to_the_previous_and_next_steps_look_alike(server, page):
    """Step 5's next step is on the same page: Streamlit shaded that link as the open page, in bold, so
    "Step 6" looked chosen and "Step 4" did not. Both now look alike, and both name their step."""
    page.set_viewport_size({"width": 1024, "height": 768})
    load(page, lesson_link(server, 5))
    page.mouse.move(0, 700)  # no link under the pointer
    bar = page.locator(".st-key-ui-lesson-bar")
    looks = [
        bar.get_by_role("link", name=name).evaluate(
            "a => [getComputedStyle(a).backgroundColor, getComputedStyle(a.querySelector('p') || a).fontWeight]"
        )
        for name in ("Step 4", "Step 6")
    ]
    assert looks[0] == looks[1] and looks[0][0] == "rgba(0, 0, 0, 0)", looks

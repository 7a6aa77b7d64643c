"""The Filter Lab's hover readout in real Chromium (issue 14): pointing at a pixel of the feature map
shows how its number is made, with convcore's numbers, and sends nothing to the server; a click
pins it, the arrow keys move it, a tap on a touch screen pins it too."""

from __future__ import annotations

import numpy as np
import pytest

import convcore
from tests.browser import BROWSER, expect, load, settle

pytestmark = BROWSER

IMAGE = convcore.sample_image("Grace Hopper")
#: Three kernels as a lesson shows them: a grey edge detector on brightness ('same' padding), the
#: same one dilated and strided with mirrored padding on each colour channel (three maps), and a
#: colour kernel (3 x 3 x 3 over R, G and B, summed) turned by 180 degrees.
VIEWS = {
    "sobel": ("", "sobel_x", "luminance", convcore.ConvParams(padding="same")),
    "dilated_rgb": (
        "lab.colour.detector=Each+colour+channel:+three+maps&lab.stride=2&lab.dilation=2"
        "&lab.padding=A+number&lab.padding_amount=3&lab.padding_mode=Reflect+(mirror)",
        "sobel_x",
        "rgb",
        convcore.ConvParams(stride=2, padding=3, dilation=2, padding_mode="reflect"),
    ),
    "colour_flip": (
        "lab.filter=Colour:+Green+patches&lab.flip=true",
        "green_patches",
        "luminance",
        convcore.ConvParams(padding="same", flip=True),
    ),
}
#: Where the pointer goes, as fractions of the map's width and height: corners and edges (the
#: padding) and the inside.
SPOTS = (
    [(0.0, 0.0), (0.999, 0.999), (0.0, 0.999), (0.999, 0.0), (0.5, 0.0), (0.0, 0.5)]
    + [(x, y) for x in (0.13, 0.37, 0.61, 0.88) for y in (0.21, 0.52, 0.79)]
    + [(0.5, 0.5), (0.995, 0.5)]
)


def _read(readout) -> dict:
    return readout.evaluate(
        "e => ({row: +e.dataset.row, col: +e.dataset.col, channel: +e.dataset.channel, value: +e.dataset.value,"
        " bias: +e.dataset.bias, terms: JSON.parse(e.dataset.terms), pinned: e.dataset.pinned === 'true',"
        " combine: e.dataset.combine || null})"
    )


def _count_messages(page) -> list:
    sent: list = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(payload)))
    return sent


@pytest.mark.parametrize("view", list(VIEWS))
def test_the_readout_shows_convcores_numbers_and_needs_no_rerun(server, page, view):
    query, key, colour, params = VIEWS[view]
    sent = _count_messages(page)
    page.set_viewport_size({"width": 1280, "height": 720})
    load(page, f"{server}/filter_lab?{query}")
    expected = convcore.apply_filter(IMAGE, convcore.get_filter(key), colour=colour, params=params)
    maps = expected if expected.ndim == 3 else expected[None]
    scale = float(np.abs(maps).max())
    frames = page.locator(".frame[data-channel]")
    expect(frames).to_have_count(maps.shape[0])
    readout = page.locator("[data-conv-readout]")
    before = len(sent)
    seen = set()
    previous = readout.get_attribute("data-at")
    for k, (fx, fy) in enumerate(SPOTS):
        c = k % maps.shape[0]
        frame = frames.nth(c)
        frame.scroll_into_view_if_needed()
        box = frame.locator("img").bounding_box()
        page.mouse.move(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
        expect(readout).not_to_have_attribute("data-at", previous)
        expect(readout).to_have_attribute("data-pinned", "false")
        got = _read(readout)
        # a map pixel can be smaller than a screen pixel: the pointer lands on it or its neighbour
        want_r, want_q = got["row"], got["col"]
        assert got["channel"] == c
        assert abs(want_r - fy * maps.shape[1]) <= 1.5 and abs(want_q - fx * maps.shape[2]) <= 1.5
        terms = np.array(got["terms"], dtype=np.float64)
        # the readout's terms are the window convcore reads, and the value is convcore's number
        assert got["value"] == pytest.approx(float(maps[c, want_r, want_q]), abs=1e-4 * max(1.0, scale))
        assert float(terms[:, 0] @ terms[:, 1]) + got["bias"] == pytest.approx(
            got["value"], abs=1e-4 * max(1.0, scale)
        )
        # one term per tap: a grey kernel reads one channel (brightness, or its map's colour), a
        # colour kernel all three
        assert len(terms) == convcore.get_filter(key).kernel.size
        seen.add((c, want_r, want_q))
        previous = readout.get_attribute("data-at")
    assert len(seen) == len(SPOTS)
    page.wait_for_timeout(300)
    assert len(sent) == before, "hovering sent messages to the server (a rerun per move)"
    assert page.get_by_test_id("stApp").get_attribute("data-test-script-state") == "notRunning"


def test_a_click_pins_and_the_arrow_keys_move_it(server, page):
    sent = _count_messages(page)
    page.set_viewport_size({"width": 1280, "height": 720})
    load(page, f"{server}/filter_lab")
    readout = page.locator("[data-conv-readout]")
    frame = page.locator(".frame[data-channel='0']")
    box = frame.locator("img").bounding_box()
    expect(readout).to_have_attribute("data-pinned", "true")  # the centre, pinned, before any pointing
    before = len(sent)
    page.mouse.click(box["x"] + 0.25 * box["width"], box["y"] + 0.5 * box["height"])
    row, col = 300, 128  # 600 x 512 map: a quarter across, half down
    expect(readout).to_have_attribute("data-col", str(col))
    page.mouse.move(box["x"] - 40, box["y"] - 40)  # away: the pinned pixel stays
    expect(readout).to_have_attribute("data-pinned", "true")
    assert (_read(readout)["row"], _read(readout)["col"]) == (row, col)
    frame.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Shift+ArrowRight")
    expect(readout).to_have_attribute("data-col", str(col + 11))
    got = _read(readout)
    assert (got["row"], got["col"], got["pinned"]) == (row + 1, col + 11, True)
    terms = np.array(got["terms"])
    assert float(terms[:, 0] @ terms[:, 1]) == pytest.approx(got["value"], abs=1e-3)
    page.keyboard.press("Home")  # not a move: nothing changes
    page.wait_for_timeout(200)
    assert len(sent) == before


def test_a_tap_pins_on_a_touch_screen(server, browser):
    context = browser.new_context(viewport={"width": 1024, "height": 768}, has_touch=True)
    page = context.new_page()
    try:
        load(page, f"{server}/filter_lab?lab.stride=2")
        frame = page.locator(".frame[data-channel='0']")
        frame.scroll_into_view_if_needed()
        box = frame.locator("img").bounding_box()
        page.touchscreen.tap(box["x"] + 0.75 * box["width"], box["y"] + 0.25 * box["height"])
        readout = page.locator("[data-conv-readout]")
        expect(readout).to_have_attribute("data-col", str(int(0.75 * 256)))
        assert _read(readout)["row"] == int(0.25 * 300)
        assert _read(readout)["pinned"]
        settle(page)
    finally:
        context.close()


def test_the_window_on_the_input_follows_the_pointer(server, page):
    page.set_viewport_size({"width": 1280, "height": 720})
    load(page, f"{server}/filter_lab")
    frame = page.locator(".frame[data-channel='0']")
    box = frame.locator("img").bounding_box()
    photo = page.locator("img[alt^='input picture']").bounding_box()
    window = page.locator(".window")
    for fx, fy in ((0.2, 0.3), (0.7, 0.8)):
        page.mouse.move(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
        page.wait_for_timeout(50)
        w = window.bounding_box()
        centre = (w["x"] + w["width"] / 2 - photo["x"], w["y"] + w["height"] / 2 - photo["y"])
        # 'same' padding, stride 1: the window is centred on the same place of the input
        assert centre[0] == pytest.approx(fx * photo["width"], abs=4)
        assert centre[1] == pytest.approx(fy * photo["height"], abs=4)


#: The slow-rerun test's own server: uploads kept at 1536 pixels, so that a change of three colour
#: maps reliably takes longer than the readout's 150 ms (at the default 768 it sometimes did not).
SLOW_SIDE = 1536


@pytest.fixture
def big_server():
    from cluster import free_port, server_env, start_server

    from tests.browser import ARTIFACTS

    port = free_port()
    proc = start_server(port, server_env({"CONVCORE_MAX_SIDE": str(SLOW_SIDE)}), ARTIFACTS / "slow_rerun.log")
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=10)


def test_a_slow_rerun_shows_computing_over_the_pictures(big_server, page, tmp_path):
    """A change that takes longer than 150 ms (three colour maps of a 1536-pixel upload): the
    pictures say "Computing…" until it is done."""
    from PIL import Image

    path = tmp_path / "noise.png"
    noise = np.random.default_rng(0).integers(0, 256, (SLOW_SIDE, SLOW_SIDE, 3), dtype=np.uint8)
    Image.fromarray(noise).save(path)
    page.set_viewport_size({"width": 1280, "height": 720})
    load(page, f"{big_server}/filter_lab?lab.colour.detector=Each+colour+channel:+three+maps")
    page.get_by_test_id("stSidebar").get_by_text("Upload", exact=True).click()
    settle(page)
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(path))
    settle(page)
    expect(page.locator(f"img[alt^='input picture noise.png, {SLOW_SIDE} x {SLOW_SIDE}']")).to_be_visible(
        timeout=30_000
    )
    page.evaluate(
        "() => { window.__busy = 0; const root = document.querySelector('.cr');"
        " new MutationObserver(() => { if (root.classList.contains('busy')) window.__busy++; })"
        ".observe(root, {attributes: true, attributeFilter: ['class']}); }"
    )
    page.get_by_role("slider").first.focus()  # the stride
    page.keyboard.press("ArrowRight")
    settle(page)
    assert page.evaluate("window.__busy") >= 1, "no Computing state during a slow rerun"
    expect(page.locator(".cr.busy")).to_have_count(0)  # and gone once the new map is in
    expect(page.locator("[data-conv-readout]")).to_have_attribute("data-channel", "0")

"""The network page in real Chromium (issue 15): the overview of every layer fits a projector, a click
on any unit selects it (and the link keeps it), pointing says the network's own number without a
rerun, the lines join the unit to the maps that feed it, on all three networks; a drawn digit goes
through the network."""

from __future__ import annotations

import re

import numpy as np
import pytest

import convcore
from app import nets
from convcore.nets import explain
from tests.browser import ARTIFACTS, BROWSER, draw_a_seven, expect, load, open_view, settle

pytestmark = BROWSER

ROOT = "[data-net-overview]"


def _digit_zero() -> np.ndarray:
    images, labels = nets.held_out_digits()
    return images[int(np.flatnonzero(labels.numpy() == 0)[0])]


def _selected(page) -> tuple:
    layer, *rest = page.locator(ROOT).get_attribute("data-selected").split(",")
    return (layer, *map(int, rest))


def _cell_centre(box: dict, shape: tuple[int, int], row: int, col: int) -> dict:
    h, w = shape
    return {"x": (col + 0.5) * box["width"] / w, "y": (row + 0.5) * box["height"] / h}


@pytest.mark.parametrize("size", [(1024, 768), (1366, 900)])
def test_every_layer_fits_the_first_screen(server, page, size):
    open_view(page, server + "/network", size)
    expect(page.locator(ROOT + " canvas").first).to_be_visible()
    rows = convcore.network_layers("digits")
    assert page.locator(ROOT).get_attribute("data-columns") == str(len(rows))
    assert page.locator(f"{ROOT} [data-layer]").count() == len(rows) + 1  # and the input
    cols = page.locator(ROOT + " .cols").bounding_box()
    assert cols["y"] + cols["height"] <= size[1], "the overview runs below the first screen"
    frame = page.locator(ROOT + " .frame").evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert frame[0] <= frame[1] + 1, "the overview needs a horizontal scroll"
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    page.screenshot(path=str(ARTIFACTS / f"network_digits_{size[0]}.png"))


def test_a_click_selects_the_unit_and_the_link_keeps_it(server, page):
    open_view(page, server + "/network", (1366, 900))
    tile = page.locator(f"{ROOT} [data-layer=conv1] canvas[data-channel='2']")
    box = tile.bounding_box()
    tile.click(position=_cell_centre(box, (28, 28), 9, 20))
    settle(page)
    expect(page.locator(ROOT)).to_have_attribute("data-selected", "conv1,2,9,20")
    expect(page.get_by_text("conv1, map 3, row 10, column 21", exact=False).first).to_be_visible()
    assert "nw.digits.layer=conv1" in page.url and "nw.digits.unit=3" in page.url
    # the unit's numbers are convcore's
    unit = convcore.explain_unit(nets.digit_model()[0], _digit_zero(), "conv1", 2, 9, 20)
    text = page.get_by_text(re.compile(r"^Partial sums")).inner_text()
    shown = float(re.search(r"= (-?[\d.]+) \(before the ReLU\)", text).group(1))
    assert shown == pytest.approx(unit.value, abs=1e-3)
    # the link opens the same unit
    page.goto(page.url)
    settle(page)
    expect(page.locator(ROOT)).to_have_attribute("data-selected", "conv1,2,9,20")


def test_pointing_says_the_networks_number_without_a_rerun(server, page):
    load(page, server + "/network")
    sent: list = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(payload)))
    acts = explain.forward(nets.digit_model()[0], _digit_zero())
    for layer, channel, (row, col) in (("pool2", 5, (3, 1)), ("conv2", 11, (0, 9)), ("relu1", 0, (27, 27))):
        tile = page.locator(f"{ROOT} [data-layer={layer}] canvas[data-channel='{channel}']")
        shape = acts[layer].shape[1:]
        tile.hover(position=_cell_centre(tile.bounding_box(), shape, row, col))
        hover = page.locator(ROOT).get_attribute("data-hover")
        at, value = hover.split("=")
        assert at == f"{layer},{channel},{row},{col}"
        assert float(value) == pytest.approx(float(acts[layer][channel, row, col]), rel=1e-6, abs=1e-7)
    page.wait_for_timeout(300)
    assert not sent, "pointing sent messages to the server"


def test_the_lines_join_the_unit_to_the_maps_that_feed_it(server, page):
    load(page, server + "/network")
    unit = convcore.explain_unit(nets.digit_model()[0], _digit_zero(), "conv2", 0, 4, 4)
    lines = page.locator(f"{ROOT} svg.lines line")
    expect(lines).to_have_count(6)  # conv2 adds up the 6 maps of pool1
    kinds = lines.evaluate_all("ls => ls.map(l => l.getAttribute('class'))")
    assert kinds == ["pos" if c >= 0 else "neg" for c in unit.contributions]
    expect(page.locator(f"{ROOT} svg.lines rect.window")).to_have_count(6)  # its 5 x 5 window on each


@pytest.mark.parametrize(("name", "key"), [("Tiny VGG", "tiny_vgg"), ("AlexNet", "alexnet")])
def test_the_other_networks_and_a_class_click(server, page, name, key):
    open_view(page, server + f"/network?nw.net={name.replace(' ', '+')}", (1366, 900))
    rows = convcore.network_layers(key)
    assert page.locator(ROOT).get_attribute("data-columns") == str(len(rows))
    page.screenshot(path=str(ARTIFACTS / f"network_{key}_1366.png"))
    first = page.locator(f"{ROOT} .cls").first
    channel = int(first.get_attribute("data-channel"))
    first.click()
    settle(page)
    assert _selected(page) == ("softmax", channel, 0, 0)
    expect(page.get_by_text(re.compile(r"^Sum of e\^")).first).to_be_visible()
    assert not page.get_by_test_id("stException").count()


def test_presenter_mode_at_1024(server, page):
    open_view(page, server + "/network?nw.net=Tiny+VGG", (1024, 768), presenter=True)
    expect(page.locator(ROOT + ".big")).to_be_visible()
    frame = page.locator(ROOT + " .frame").evaluate("e => [e.scrollWidth, e.clientWidth]")
    page.screenshot(path=str(ARTIFACTS / "network_tiny_vgg_1024_presenting.png"))
    assert frame[0] <= frame[1] + 1, "the overview needs a horizontal scroll"
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    cols = page.locator(ROOT + " .cols").bounding_box()
    assert cols["y"] + cols["height"] <= 768, "the overview runs below the first screen"


def test_a_drawn_digit_goes_through_the_network(server, page):
    page.set_viewport_size({"width": 1366, "height": 900})
    load(page, server + "/network?nw.digits.source=Draw+one")
    draw_a_seven(page, page.locator(".st-key-nw-digits-canvas canvas").last, left=40, width=120, stem=12)
    expect(page.locator(ROOT + " .said")).to_have_text(
        "Your drawing, made MNIST-like (28 x 28).", timeout=15_000
    )
    best = page.locator(f"{ROOT} .cls").evaluate_all(
        "rows => rows.map(r => [r.dataset.channel, parseFloat(r.querySelector('.p').textContent)])"
    )
    assert max(best, key=lambda r: r[1])[0] == "7"  # the shipped digit network reads it

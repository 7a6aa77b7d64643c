"""The network page in AppTest (issue 15): the overview's payload on all three networks, the unit
view of every kind of layer with convcore's numbers, the inputs, and edited links."""

from __future__ import annotations

import json
import re
import struct

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

import convcore
from app import nets
from convcore.nets import explain
from tests.apptest import ROOT, by_label, page_path

PAGE = "network"


def open_page(page: str, params: dict | None = None) -> AppTest:
    """The page opened from a link with these settings (the page's own query parameters)."""
    at = AppTest.from_file(str(ROOT / "app" / "main.py"), default_timeout=90)
    at.query_params.update(params or {})
    at.switch_page(page_path(page))
    at.run()
    assert not at.exception
    return at


def overview_payload(at) -> tuple[dict, bytes]:
    """The overview component's header and its arrays (the bytes after the header)."""
    found = [e for e in at.get("bidi_component") if e.proto.component_name.endswith("net_overview")]
    assert len(found) == 1, [e.proto.component_name for e in at.get("bidi_component")]
    data = found[0].proto.bytes
    size = struct.unpack("<I", data[:4])[0]
    head = json.loads(data[4 : 4 + size])
    base = 4 + size + (4 - (4 + size) % 4) % 4
    return head, data[base:]


def layer_values(head: dict, arrays: bytes, name: str) -> np.ndarray:
    layer = next(layer for layer in head["layers"] if layer["name"] == name)
    return np.frombuffer(arrays, "<f4", layer["count"], layer["offset"])


def text(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_the_default_overview_is_the_digit_network_and_every_layer_is_sent():
    at = open_page(PAGE)
    head, arrays = overview_payload(at)
    assert [layer["name"] for layer in head["layers"]] == [r.name for r in convcore.network_layers("digits")]
    assert head["selected"] == {"layer": "conv2", "channel": 0, "row": 4, "col": 4}
    assert head["feed"]["source"] == "pool1" and head["feed"]["channels"] == list(range(6))
    # the numbers sent are the network's own, for the held-out digit 0 shown
    images, labels = nets.held_out_digits()
    x = images[int(np.flatnonzero(labels.numpy() == 0)[0])]
    acts = explain.forward(nets.digit_model()[0], x)
    for name in ("conv1", "relu2", "flatten", "fc3", "softmax"):
        np.testing.assert_array_equal(layer_values(head, arrays, name), acts[name].ravel())
    assert "conv2, map 1, row 5, column 5" in text(at) and "6 maps" in text(at)


def test_the_conv_unit_view_adds_up_to_convcores_value():
    at = open_page(PAGE)
    images, labels = nets.held_out_digits()
    x = images[int(np.flatnonzero(labels.numpy() == 0)[0])]
    unit = convcore.explain_unit(nets.digit_model()[0], x, "conv2", 0, 4, 4)
    line = next(m.value for m in at.markdown if m.value.startswith("Partial sums"))
    terms = [float(t) for t in re.findall(r"\((-?[\d.]+)\)", line.split("=")[0])]
    partial = float(re.search(r"= \*\*(-?[\d.]+)\*\*", line).group(1))
    value = float(re.search(r"bias \((-?[\d.]+)\) = \*\*(-?[\d.]+)\*\*", line).group(2))
    assert len(terms) == 6
    assert sum(terms) == pytest.approx(partial, abs=1e-9)  # the written terms add up to the written total
    assert partial == pytest.approx(unit.contributions.sum(), abs=6e-4)
    assert value == pytest.approx(unit.value, abs=1e-3)


@pytest.mark.parametrize(
    ("layer", "unit", "expect"),
    [
        ("pool1", 2, "the largest of its 2 x 2 window on map 2 of relu1"),
        ("relu1", 1, "= max(0, conv1 there)"),
        ("flatten", 57, "number 57** of 400 is map 3, row 2, column 2 of pool2"),
        ("fc1", 3, "every one of the **400** numbers of flatten"),
        ("softmax", 8, "P('7')"),
    ],
)
def test_every_kind_of_unit_is_explained(layer, unit, expect):
    at = open_page(PAGE, params={"nw.digits.layer": layer, "nw.digits.unit": str(unit)})
    assert expect in text(at)
    head, _ = overview_payload(at)
    assert head["selected"]["layer"] == layer and head["selected"]["channel"] == unit - 1


def test_flatten_position_is_written_out():
    at = open_page(PAGE, params={"nw.digits.layer": "flatten", "nw.digits.unit": "58"})
    # number 58 (index 57) of pool2's 16 x 5 x 5: map 3 (index 2), row 2, column 3: (2 x 5 + 1) x 5 + 2 = 57
    assert "(2 x 5 + 1) x 5 + 2 = 57" in text(at)


def test_softmax_view_equals_torch_softmax():
    at = open_page(PAGE, params={"nw.digits.layer": "softmax", "nw.digits.unit": "1"})
    images, labels = nets.held_out_digits()
    x = images[int(np.flatnonzero(labels.numpy() == 0)[0])]
    with torch.inference_mode():
        p = torch.softmax(nets.digit_model()[0](x[None]), 1)[0, 0].item()
    line = next(m.value for m in at.markdown if m.value.startswith("Sum of e^"))
    shown = float(re.search(r"= \*\*([\d.e-]+)\*\*", line.split("P(")[1]).group(1))
    assert shown == pytest.approx(p, rel=1e-3)


@pytest.mark.parametrize("key", ["tiny_vgg", "alexnet"])
def test_the_other_networks_show_every_layer(key):
    at = open_page(PAGE, params={"nw.net": nets.NETWORKS[key]})
    head, arrays = overview_payload(at)
    rows = convcore.network_layers(key)
    assert [layer["name"] for layer in head["layers"]] == [r.name for r in rows]
    for layer, row in zip(head["layers"], rows):
        assert layer["shape"] == list(row.shape)
        if row.is_map:  # every map of a small layer, the strongest 8 of a large one
            assert len(layer["shown"]) == (row.shape[0] if row.shape[0] <= 16 else nets.MOST_SHOWN)
        elif row.kind == "softmax":  # every class, or AlexNet's 10 most probable
            assert len(layer["shown"]) == min(10, row.shape[0])
    assert "adds up, over **the" in text(at)
    if key == "alexnet":
        assert len(head["classes"]) == 10  # the 10 most probable of 1000
        # the maps shown for the layer feeding the unit are those that add the most to it
        feed = head["feed"]
        assert feed["source"] == "pool1" and len(feed["channels"]) == nets.MOST_SHOWN


def test_the_inputs_of_the_digit_network():
    at = open_page(PAGE)
    by_label(at.selectbox, "Class").set_value("7")
    by_label(at.number_input, "Example").set_value(3)
    at.run()
    head, _ = overview_payload(at)
    assert head["said"] == "Held-out example 3 of '7' (never trained on)."
    by_label(at.selectbox, "Input").set_value("Current image").run()
    assert not at.exception
    head, _ = overview_payload(at)
    assert "turned into a digit-like input" in head["said"]


def test_tiny_vgg_takes_the_current_image_resized():
    at = open_page(PAGE, params={"nw.net": "Tiny VGG"})
    by_label(at.selectbox, "Input").set_value("Current image").run()
    assert not at.exception
    head, _ = overview_payload(at)
    assert head["input"]["shape"] == [3, 64, 64] and "resized to 64 x 64" in head["said"]


@pytest.mark.parametrize(
    "params",
    [
        {"nw.digits.layer": "conv9"},
        {"nw.digits.row": "999", "nw.digits.col": "-4"},
        {"nw.digits.layer": "fc1", "nw.digits.unit": "500"},
        {"nw.net": "VGG-16"},
        {"nw.digits.unit": "abc"},
        {"nw.digits.unit": "1e30", "nw.digits.row": "inf", "nw.digits.col": "nan"},
        {"nw.digits.layer": "fc1", "nw.digits.unit": "99999999999999999999999"},
    ],
)
def test_edited_links_never_break_the_page(params):
    at = open_page(PAGE, params=params)
    head, _ = overview_payload(at)
    layer = next(r for r in convcore.network_layers("digits") if r.name == head["selected"]["layer"])
    sel = head["selected"]
    assert 0 <= sel["channel"] < layer.shape[0]
    if layer.is_map:
        assert 0 <= sel["row"] < layer.shape[1] and 0 <= sel["col"] < layer.shape[2]


def test_what_a_unit_has_learned_is_shown_for_the_offline_networks():
    at = open_page(PAGE)
    assert any("The 9 held-out examples" in c.value for c in at.caption)
    tops = nets.top_examples("digits")
    assert tops["conv2"].shape == (16, 9)


def test_alexnet_shows_the_maps_that_feed_the_chosen_unit():
    """AlexNet's columns show 8 of their maps: the chosen unit's own map and the maps feeding it are
    among them, so the lines always have both ends."""
    at = open_page(PAGE, params={"nw.net": "AlexNet", "nw.alexnet.layer": "pool5", "nw.alexnet.unit": "201"})
    head, _ = overview_payload(at)
    shown = {layer["name"]: layer["shown"] for layer in head["layers"]}
    assert 200 in shown["pool5"] and 200 in shown["relu5"]
    assert head["feed"] == {**head["feed"], "source": "relu5", "channels": [200]}

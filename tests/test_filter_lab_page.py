"""The Filter Lab page (AppTest): the map drawn to scale with its size said, a blur strong enough to
see, readable kernels, a typed kernel that starts as a picture, text for every picture.

What only a browser shows (widths measured on screen, cut labels) is in test_browser_filter_lab.py.
"""

from __future__ import annotations

import json
import struct

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest import by_label, open_page, open_tab

#: Grace Hopper, the default sample, is 512 x 600 (width x height).
W, H = 512, 600


def _lab(**params) -> AppTest:
    return open_page("filter_lab", params=params or None, timeout=90)


def _sentence(at: AppTest) -> str:
    said = [m.value for m in at.markdown if m.value.startswith("**Input ")]
    assert len(said) == 1, [m.value for m in at.markdown]
    return said[0]


def _readout(at: AppTest) -> dict:
    """The header of the hover readout's payload (issue 14): pictures with their widths (% of the
    row), captions and alts, sizes, kernels."""
    (element,) = [e for e in at.get("bidi_component") if e.proto.component_name == "conv_readout"]
    data = element.proto.bytes
    return json.loads(data[4 : 4 + struct.unpack("<I", data[:4])[0]])


def _alts(at: AppTest) -> list[str]:
    """Every picture's alt: Streamlit's pictures and the readout's."""
    alts = [img.alt for image in at.get("image") for img in image.proto.imgs]
    readouts = [e for e in at.get("bidi_component") if e.proto.component_name == "conv_readout"]
    return alts + ([p["alt"] for p in _readout(at)["pictures"]] if readouts else [])


def _picture_weights(at: AppTest) -> list[float]:
    """The pictures' widths in % of the row: input, map (, map, map)."""
    return [p["share"] for p in _readout(at)["pictures"]]


def test_the_sizes_are_said_and_the_map_column_shrinks_with_the_stride():
    at = _lab()
    assert _sentence(at).startswith(f"**Input {W} x {H} → feature map {W} x {H}**, drawn to the same scale")
    one = _picture_weights(at)
    assert one[1] == pytest.approx(one[0])  # stride 1, 'same': the map as wide as the input
    by_label(at.slider, "Stride").set_value(3).run()
    assert not at.exception
    # 'same' at stride 3 pads 1: floor((600 + 2 - 2 - 1) / 3) + 1 = 200, floor((512 - 1) / 3) + 1 = 171
    said = _sentence(at)
    assert "→ feature map 171 x 200**" in said and "stride 3: one output every 3 pixels" in said
    three = _picture_weights(at)
    assert three[0] == pytest.approx(one[0]), "the input keeps its size"
    assert three[1] / three[0] == pytest.approx(171 / W), "the map is drawn at its true size"


def test_three_channel_maps_are_drawn_to_scale_and_labelled():
    at = _lab()
    by_label(at.radio, "Apply to").set_value("Each colour channel: three maps").run()
    assert not at.exception
    assert f"3 feature maps (R, G, B), each {W} x {H}" in _sentence(at)
    captions = [p["caption"] for p in _readout(at)["pictures"]]
    assert captions == ["Input", "Red", "Green", "Blue"]
    weights = _picture_weights(at)
    assert weights[1] == weights[2] == weights[3] == pytest.approx(weights[0])


def test_every_picture_says_what_it_shows():
    at = _lab()
    alts = _alts(at)
    assert all(alts), alts
    assert f"input picture Grace Hopper, {W} x {H} pixels" in alts
    assert any(a.startswith(f"feature map of Sobel x, {W} x {H}") for a in alts)
    assert any(a.startswith("colour bar: ") for a in alts)
    assert any(a.startswith("Sobel x kernel, 3 x 3") and "-1 0 1; -2 0 2; -1 0 1" in a for a in alts)
    open_tab(at, "lab.tab", "Filter bank")
    assert all(_alts(at)) and len(_alts(at)) >= 8


def test_blur_goes_up_to_sigma_12_with_a_kernel_that_follows_it():
    at = _lab()
    by_label(at.selectbox, "Filter").select("gaussian_blur").run()
    sigma = by_label(at.slider, "Sigma (blur radius)")
    assert sigma.max == 12.0 and sigma.value == 2.0
    sigma.set_value(12.0).run()
    assert not at.exception and not at.warning
    assert any("73 x 73 = 5,329 weights" in c.value for c in at.caption)
    # too large for numbers: a heat map, and the numbers on demand
    assert any(a.startswith("heat map of the Gaussian blur (sigma 12, 73x73) kernel") for a in _alts(at))
    assert not at.dataframe
    by_label(at.toggle, "Show the numbers").set_value(True).run()
    assert len(at.dataframe) == 1 and at.dataframe[0].value.shape == (73, 73)


def test_a_colour_kernel_is_a_heat_map_per_channel_with_its_numbers_labelled():
    at = _lab()
    by_label(at.selectbox, "Filter").select("green_patches").run()
    alt = next(a for a in _alts(at) if a.startswith("heat map of"))
    assert "(Red, Green, Blue)" in alt
    by_label(at.toggle, "Show the numbers").set_value(True).run()
    assert [m.value for m in at.markdown if m.value in ("**Red**", "**Green**", "**Blue**")] == [
        "**Red**",
        "**Green**",
        "**Blue**",
    ]
    assert [d.value.shape for d in at.dataframe] == [(5, 5)] * 3


def test_a_typed_kernel_starts_as_a_picture_not_a_signed_map():
    at = _lab()
    by_label(at.selectbox, "Filter").select("custom").run()
    assert by_label(at.radio, "Show the feature map").value == "As a picture (clipped to 0-255)"
    assert by_label(at.radio, "Apply to").value == "Each colour channel: three maps"
    by_label(at.toggle, "A kernel for each of R, G, B").set_value(True).run()
    assert not at.exception
    # the three slices start as the brightness weights: one map, a grey picture
    assert by_label(at.radio, "Show the feature map").value == "As a picture (clipped to 0-255)"
    assert f"→ feature map {W} x {H}**" in _sentence(at)


def test_presenter_mode_opens_on_the_pictures():
    at = _lab(presenter="1")
    assert not at.exception
    tab = at.tabs[0]
    first = next(iter(tab.children.values()))
    # the tab starts with the picture row (input and map), not with a form
    kinds = []

    def walk(node):
        for child in getattr(node, "children", {}).values():
            kinds.append(type(child).__name__)
            walk(child)

    walk(first)
    leaves = [k for k in kinds if k not in ("Block", "Column")]
    # the input and its map: drawn by the hover readout's component (issue 14)
    assert leaves[:1] == ["UnknownElement"], kinds[:8]
    assert [p["caption"] for p in _readout(at)["pictures"]] == ["Input", f"Feature map: {W} x {H}"]
    assert not [c for c in at.main.caption if "A kernel slides" in c.value]

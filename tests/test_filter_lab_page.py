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
    by_label(at.slider, "Stride").set_value(8).run()  # 64 x 75: a speck at its true size
    assert not at.exception
    said = _sentence(at)
    assert "→ feature map 64 x 75**, drawn 2.7 times larger than to scale, so that it can be seen" in said
    eight = _picture_weights(at)
    assert eight[0] == pytest.approx(one[0]) and eight[1] / eight[0] == pytest.approx(1 / 3)
    assert [p["caption"] for p in _readout(at)["pictures"]] == ["Input", "Map"]


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


def _difference(at: AppTest) -> str:
    said = [m.value for m in at.markdown if m.value.startswith("Largest difference")]
    assert len(said) == 1, [m.value for m in at.markdown]
    return said[0]


def test_the_tabs_keep_their_labels_and_the_third_opens_from_a_link():
    at = _lab(**{"lab.tab": "Two filters in a row"})
    assert [t.label for t in at.tabs] == ["One filter", "Filter bank", "Two filters in a row"]
    assert by_label(at.toggle, "ReLU between them").value is False
    assert by_label(at.selectbox, "Filter A (first)").value == "sobel_x"
    assert by_label(at.selectbox, "Filter B (second, on A's map)").value == "box_blur"


def test_two_filters_without_relu_are_one_5x5_kernel_and_with_relu_they_are_not():
    """Lesson step 8 on the digit 7: the two-step map equals the combined kernel's map ('0.00000');
    with the ReLU between them it does not, by exactly what convcore computes."""

    import convcore
    from app.widgets import compose

    at = _lab(**{"lab.tab": "Two filters in a row", "image.sample": "Digit 7"})
    assert _difference(at) == "Largest difference  \n**0.00000**"
    text = " ".join(m.value for m in at.markdown)
    assert "Without a non-linearity, Sobel x then Box blur is one filter" in text
    alts = _alts(at)
    kernel = next(a for a in alts if a.startswith("the combined kernel C, 5 x 5, times 1/9: "))
    assert kernel.endswith("-1 -1 0 1 1; -3 -3 0 3 3; -4 -4 0 4 4; -3 -3 0 3 3; -1 -1 0 1 1")
    by_label(at.toggle, "ReLU between them").set_value(True).run()
    assert not at.exception
    image = at.session_state["image.current"]
    x = compose._small_grey(image.key, image.pixels)
    sobel, box = (convcore.get_filter(k).kernel for k in ("sobel_x", "box_blur"))
    expected = convcore.two_convolutions(x, sobel, box, relu=True)
    assert expected.difference > 100
    assert _difference(at) == f"Largest difference  \n**{expected.difference:.5f}**"
    negatives = int((expected.first < 0).sum())
    assert f"With a ReLU between them, A's {negatives:,} negative numbers become 0" in " ".join(
        m.value for m in at.markdown
    )
    # a blur first has no negative numbers on a picture: the ReLU has nothing to do, and it is said
    by_label(at.selectbox, "Filter A (first)").select("box_blur").run()
    by_label(at.selectbox, "Filter B (second, on A's map)").select("sobel_x").run()
    assert _difference(at) == "Largest difference  \n**0.00000**"
    assert "Filter A's map has no negative numbers here" in " ".join(m.value for m in at.markdown)


def test_the_bank_caption_says_what_is_shown():
    at = open_tab(_lab(), "lab.tab", "Filter bank")
    captions = lambda: " ".join(c.value for c in at.caption)  # noqa: E731
    assert (
        "4 filters on the same image's brightness, one feature map each: what one CNN layer with 4"
        in captions()
    )
    by_label(at.toggle, "Each colour channel").set_value(True).run()
    said = captions()
    assert (
        "Each filter on red, green and blue separately, three maps per filter: never added together" in said
    )
    assert "what one CNN layer" not in said
    by_label(at.selectbox, "Filter bank").select("Colour detectors").run()
    said = captions()
    assert "3 colour filters, each with a red, a green and a blue slice" in said
    assert "'Each colour channel' changes nothing" in said
    by_label(at.selectbox, "Filter bank").select("Sobel x, y and magnitude").run()
    assert "Sobel magnitude is not one convolution" in captions()

"""AppTest of the concept pages: parameters/receptive fields, and 1-D convolution with upsampling."""

from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from app.draw import connectivity
from tests.apptest import by_label, open_page, open_tab


def _page(name: str) -> AppTest:
    return open_page(name)


def _text(at) -> str:
    return " ".join(m.value for m in at.markdown)


def test_parameter_calculator_reproduces_the_lesson():
    at = _page("layers")
    by_label(at.number_input, "Neurons or filters").set_value(1).run()
    text = _text(at)
    assert "One neuron alone: 10,000" in text
    # one, not "each of the 1 neurons", "(+ 1 biases)", "1 filters"
    assert "the one neuron has a weight for each of the 100 x 100 x 1 = 10,000 inputs" in text
    assert "(+ 1 bias)" in text and "1 filter of 3 x 3 x 1: **9 weights**" in text
    assert "1 neurons" not in text and "1 biases" not in text and "1 filters" not in text
    by_label(at.number_input, "Neurons or filters").set_value(100).run()
    assert "**900 weights** (+ 100 biases)" in _text(at)
    by_label(at.number_input, "Image height").set_value(256).run()
    by_label(at.number_input, "Image width").set_value(256).run()
    by_label(at.number_input, "Channels").set_value(3).run()
    by_label(at.number_input, "Neurons or filters").set_value(8).run()
    assert "8 filters of 3 x 3 x 3: **216 weights** (+ 8 biases)" in _text(at)
    captions = " ".join(c.value for c in at.caption)
    assert "one neuron: 10,000 weights" in captions and "900 weights + 100 biases" in captions
    assert "3 x 3 x 3 x 8 = 216 weights + 8 biases" in captions


def test_the_ratio_never_says_zero_times_fewer():
    at = _page("layers")
    for label, value in (("Image height", 1), ("Image width", 1), ("Kernel size k", 15)):
        by_label(at.number_input, label).set_value(value).run()
    assert "That is 225 times more." in _text(at)  # a 15 x 15 kernel on a 1 x 1 image
    by_label(at.number_input, "Kernel size k").set_value(1).run()
    assert "That is as many." in _text(at)


def test_local_connectivity_is_drawn_and_described():
    at = _page("layers")
    pictures = [img for element in at.get("image") for img in element.proto.imgs]
    drawn = [img for img in pictures if img.caption.startswith("Local connectivity")]
    assert len(drawn) == 1
    assert "linked to all 7 inputs" in drawn[0].alt and "the same 3 weights" in drawn[0].alt


def test_local_connectivity_follows_the_kernel_size():
    at = _page("layers")

    def drawn():
        return next(img for e in at.get("image") for img in e.proto.imgs if img.caption.startswith("Local"))

    by_label(at.number_input, "Kernel size k").set_value(5).run()
    assert "the same 5 weights" in drawn().alt and drawn().alt == connectivity.alt_text(7, 5)
    by_label(at.number_input, "Kernel size k").set_value(9).run()
    assert "the same 3 weights" in drawn().alt
    assert drawn().caption.endswith(
        "Drawn with a kernel of 3: a row of 9 weights has too many links to draw."
    )
    assert not at.exception


def test_the_connectivity_picture_draws_shared_weights_in_their_own_colours():
    pic = connectivity.picture(7, 3).astype(int)
    assert pic.shape == (380, 970, 3)
    dense, conv = pic[:, :470], pic[:, 500:]  # the two panels
    for colour in connectivity.WEIGHT_COLOURS[:3]:  # w1, w2, w3: only on the convolutional side
        rgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
        assert (np.abs(conv - rgb).max(axis=2) <= 12).sum() > 300, colour
        assert (np.abs(dense - rgb).max(axis=2) <= 12).sum() == 0, colour
    assert "35 weights in the layer" in connectivity.alt_text(7, 3)
    with pytest.raises(ValueError, match="kernel must be an int from 1 to 5"):
        connectivity.picture(7, 6)
    with pytest.raises(ValueError, match="inputs must be an int from kernel"):
        connectivity.picture(3, 3)


def test_layer_stacks_alexnet_lenet_and_a_broken_one():
    at = _page("layers")
    assert by_label(at.radio, "Start from").options == [
        "AlexNet (torchvision, the app's)",
        "AlexNet (paper, 2012)",
        "LeNet-5 style (the app's digit network)",
        "LeNet-5 (LeCun et al., 1998)",
        "My own",
    ]  # the labels links hold (ly.preset=...): keep them
    table = at.dataframe[1].value  # [0] is the layer editor, [2] the 2012 paper beside torchvision's
    assert table["receptive field (px)"].tolist() == [11, 19, 51, 67, 99, 131, 163, 195]
    assert table["layer"].tolist()[-1] == "pool5"
    assert "**2,469,696 parameters**" in _text(at)
    by_label(at.radio, "Start from").set_value("lenet5").run()
    assert at.dataframe[1].value["output"].tolist() == [
        "28 x 28 x 6",
        "14 x 14 x 6",
        "10 x 10 x 16",
        "5 x 5 x 16",
    ]
    assert at.dataframe[1].value["parameters"].tolist() == [156, 0, 2_416, 0]  # C3 would be 1,516
    by_label(at.radio, "Start from").set_value("own").run()
    by_label(at.number_input, "Input size (pixels)").set_value(4).run()
    at.session_state["ly.layers.own"] = {
        "edited_rows": {0: {"kernel": 7}}, "added_rows": [], "deleted_rows": []
    }  # fmt: skip
    at.run()
    assert not at.exception
    assert "conv1: kernel is larger than the padded input" in " ".join(w.value for w in at.warning)


def test_a_layer_added_or_renamed_in_the_editor_keeps_the_names():
    at = _page("layers")
    at.session_state["ly.layers.alexnet"] = {
        "edited_rows": {}, "added_rows": [{"kind": "conv", "kernel": 1, "stride": 1, "padding": 0,
                                           "dilation": 1, "filters": 10}], "deleted_rows": []
    }  # fmt: skip
    at.run()
    assert at.dataframe[1].value["layer"].tolist()[-3:] == ["conv5", "pool5", "conv6"]
    at.session_state["ly.layers.alexnet"] = {
        "edited_rows": {1: {"layer": "conv1"}}, "added_rows": [], "deleted_rows": []
    }  # fmt: skip
    at.run()
    assert "row 2: another layer is called 'conv1'" in " ".join(w.value for w in at.warning)


def _all_text(at) -> str:
    tables = " ".join(d.value.astype(str).to_string() for d in at.dataframe)
    return " ".join([_text(at), " ".join(c.value for c in at.caption), tables])


def test_the_published_lenet5_shows_the_papers_numbers():
    at = open_page("layers", params={"ly.preset": "LeNet-5 (LeCun et al., 1998)"})
    assert by_label(at.radio, "Start from").value == "lenet5_paper"
    table = at.dataframe[0].value  # no editor: the published network is shown as it is
    assert table["layer"].tolist() == ["C1", "S2", "C3", "S4", "C5", "flatten", "F6", "output"]
    assert table["parameters"].tolist() == [156, 12, 1_516, 32, 48_120, 0, 10_164, 840]
    assert table["output"].tolist()[:5] == ["28 x 28 x 6", "14 x 14 x 6", "10 x 10 x 16", "5 x 5 x 16",
                                            "1 x 1 x 120"]  # fmt: skip
    assert table["filters or window"][2] == "16 of 5 x 5 x 3, 4 or 6"
    text = _all_text(at)
    for shown in ("156", "**12**", "**1,516**", "**32**", "48120", "10164", "60 of the 16 x 6 = 96 pairs",
                  "(2,416 if every filter saw every map)", "840 parameters, no biases",
                  "the paper has no softmax", "hold 60,000 parameters", "**60,840 parameters**"):  # fmt: skip
        assert shown in text, shown
    table_one = at.dataframe[1].value  # the paper's Table I: a row per S2 map, a column per C3 filter
    assert table_one.columns.tolist() == ["S2 map", *map(str, range(16))]
    assert (table_one.iloc[:, 1:] == "X").to_numpy().sum() == 60
    assert [m for m in range(6) if table_one.loc[m, "12"] == "X"] == [0, 1, 3, 4]  # discontinuous
    assert not at.exception


def test_alexnet_paper_beside_torchvision_on_the_layers_page():
    at = open_page("layers", params={"ly.preset": "AlexNet (paper, 2012)"})
    table = at.dataframe[0].value
    assert table["layer"].tolist()[-5:] == ["flatten", "fc6", "fc7", "fc8", "softmax"]
    assert table["filters or window"][0] == "96 of 11 x 11 x 3"
    assert table["filters or window"].tolist()[2] == "256 of 5 x 5 x 48"
    assert int(table["parameters"].sum()) == 60_965_224
    versions = at.dataframe[1].value
    assert (
        versions["paper (2012)"][0] == "96 of 11 x 11 x 3"
        and versions["torchvision"][0] == "64 of 11 x 11 x 3"
    )
    assert versions.iloc[-1, 2] == 60_965_224 and versions.iloc[-1, 4] == 61_100_840
    text = _all_text(at)
    assert "**96.17\u00a0%**" in text and "**95.96\u00a0%**" in text
    assert "only from 227 x 227 (from 224: 54 x 54)" in text
    assert "conv2, conv4 and conv5 see only their own GPU's half" in text
    by_label(at.radio, "Start from").set_value("alexnet").run()
    assert "96 of 11 x 11 x 3" in _all_text(at)  # the paper's 96 beside torchvision's 64 there too
    assert not at.exception


def test_every_preset_opens_from_its_link_and_shows_its_numbers():
    expected = {
        "AlexNet (torchvision, the app's)": ["64 of 11 x 11 x 3", "96 of 11 x 11 x 3", "2,469,696"],
        "AlexNet (paper, 2012)": ["96 of 11 x 11 x 3", "64 of 11 x 11 x 3", "60,965,224"],
        "LeNet-5 style (the app's digit network)": ["16 of 5 x 5 x 6", "2,572"],
        "LeNet-5 (LeCun et al., 1998)": ["1,516", "48120", "10164", "60,840"],
        "My own": ["8 of 3 x 3 x 3", "224"],
    }
    for label, numbers in expected.items():
        at = open_page("layers", params={"ly.preset": label})
        assert not at.exception, label
        text = _all_text(at)
        for number in ["10,000", "900", "216", *numbers]:
            assert number in text, (label, number)


def test_conv1d_steps_signals_and_kernels():
    at = _page("conv1d")
    assert "(output 1)" in " ".join(m.value for m in at.markdown if m.value.startswith("####"))
    by_label(at.radio, "Signal").set_value("Text as character codes").run()
    by_label(at.radio, "Kernel").set_value("Difference [-1 0 1]").run()
    assert not at.exception
    eq = [m.value for m in at.markdown if m.value.startswith("####")][0]
    # 'convolution': c=99, o=111, n=110 -> -99 + 0 + 110 = 11
    assert "99×(-1) + 111×0 + 110×1 = 11" in eq  # a negative factor in brackets, as on the 2-D page
    by_label(at.radio, "Signal").set_value("Type numbers").run()
    by_label(at.text_input, "Numbers").input("1, 2, x").run()
    assert "write numbers separated by commas" in " ".join(w.value for w in at.warning)
    assert not at.exception


def test_a_pasted_signal_has_a_budget_said_in_a_sentence():
    at = _page("conv1d")
    by_label(at.radio, "Signal").set_value("Type numbers").run()
    box = by_label(at.text_input, "Numbers")
    assert box.max_chars == 200 * 12
    box.input(", ".join(["1"] * 201)).run()
    assert not at.exception
    assert "Signal: use at most 200 numbers (you wrote 201)." in " ".join(w.value for w in at.warning)
    assert not [m for m in at.markdown if m.value.startswith("####")]  # nothing was drawn for it
    by_label(at.text_input, "Numbers").input(", ".join(str(k % 7) for k in range(200))).run()
    assert not at.exception and not at.warning
    assert "(output 1)" in " ".join(m.value for m in at.markdown if m.value.startswith("####"))


def test_transposed_convolution_steps_to_four_by_four():
    at = _page("conv1d")
    by_label(at.slider, "Step (of 4)").set_value(4).run()
    assert not at.exception
    assert "2 x 2 became 4 x 4, the same numbers as PyTorch's conv_transpose2d." in " ".join(
        s.value for s in at.success
    )


def test_palette_choice_applies_and_travels_in_links():
    at = _page("filter_lab")
    at.sidebar.selectbox(key="ui.palette").select("Colour-blind safe (purple-orange, cividis)").run()
    assert not at.exception
    assert at.session_state["ui.palette"] == "Colour-blind safe (purple-orange, cividis)"
    other = open_page("filter_lab", params={"ui.palette": "Colour-blind safe (purple-orange, cividis)"})
    assert other.sidebar.selectbox(key="ui.palette").value == "Colour-blind safe (purple-orange, cividis)"


def test_alexnet_units_can_be_chosen_without_a_mouse(monkeypatch, tmp_path):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    at = open_tab(_page("alexnet"), "ax.tab", "Feature maps")
    by_label(at.number_input, "Unit row").set_value(1).run()
    by_label(at.number_input, "Unit column").set_value(55).run()
    assert not at.exception


def test_the_layers_page_lists_whole_networks_layer_by_layer():
    """convcore.network_layers, the overview's list, on the calculator page: flatten and softmax
    included, parameters per layer and in all."""
    at = _page("layers")
    table = at.dataframe[-1].value
    assert table["layer"].tolist()[-3:] == ["relu4", "fc3", "softmax"]  # the digit CNN first
    assert int(table["parameters"].sum()) == 156 + 2_416 + 48_120 + 10_164 + 850
    by_label(at.selectbox, "Network").set_value("tiny_vgg").run()
    table = at.dataframe[-1].value
    assert table["layer"].tolist()[-3:] == ["flatten", "output", "softmax"]
    assert table["output"].tolist()[-3:] == ["1690", "10", "10"]
    assert int(table["parameters"].sum()) == 19_920
    assert "19,920 parameters in all" in " ".join(c.value for c in at.caption)

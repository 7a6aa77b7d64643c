"""AppTest of the concept pages: parameters/receptive fields, and 1-D convolution with upsampling."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.apptest import by_label, open_page, open_tab


def _page(name: str) -> AppTest:
    return open_page(name)


def _text(at) -> str:
    return " ".join(m.value for m in at.markdown)


def test_parameter_calculator_reproduces_the_lesson():
    at = _page("layers")
    by_label(at.number_input, "Neurons or filters").set_value(1).run()
    assert "One neuron alone: 10,000" in _text(at)
    by_label(at.number_input, "Neurons or filters").set_value(100).run()
    assert "**900 weights** (+ 100 biases)" in _text(at)
    by_label(at.number_input, "Image height").set_value(256).run()
    by_label(at.number_input, "Image width").set_value(256).run()
    by_label(at.number_input, "Channels").set_value(3).run()
    by_label(at.number_input, "Neurons or filters").set_value(8).run()
    assert "**216 weights** (+ 8 biases)" in _text(at)


def test_layer_stacks_alexnet_lenet_and_a_broken_one():
    at = _page("layers")
    table = at.dataframe[1].value  # [0] is the layer editor, [2] the whole networks
    assert table["receptive field (px)"].tolist() == [11, 19, 51, 67, 99, 131, 163, 195]
    assert "**2,469,696 parameters**" in _text(at)
    by_label(at.radio, "Start from").set_value("LeNet-5").run()
    assert at.dataframe[1].value["output"].tolist() == [
        "28 x 28 x 6",
        "14 x 14 x 6",
        "10 x 10 x 16",
        "5 x 5 x 16",
    ]
    by_label(at.radio, "Start from").set_value("My own").run()
    by_label(at.number_input, "Input size (pixels)").set_value(4).run()
    at.session_state["ly.layers.My own"] = {
        "edited_rows": {0: {"kernel": 7}}, "added_rows": [], "deleted_rows": []
    }  # fmt: skip
    at.run()
    assert not at.exception
    assert "conv1: kernel is larger than the padded input" in " ".join(w.value for w in at.warning)


def test_conv1d_steps_signals_and_kernels():
    at = _page("conv1d")
    assert "(output 1)" in " ".join(m.value for m in at.markdown if m.value.startswith("####"))
    by_label(at.radio, "Signal").set_value("Text as character codes").run()
    by_label(at.radio, "Kernel").set_value("Difference [-1 0 1]").run()
    assert not at.exception
    eq = [m.value for m in at.markdown if m.value.startswith("####")][0]
    # 'convolution': c=99, o=111, n=110 -> -99 + 0 + 110 = 11
    assert "99×-1 + 111×0 + 110×1 = 11" in eq
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
    table = at.dataframe[2].value
    assert table["layer"].tolist()[-3:] == ["relu4", "fc3", "softmax"]  # the digit CNN first
    assert int(table["parameters"].sum()) == 156 + 2_416 + 48_120 + 10_164 + 850
    by_label(at.selectbox, "Network").set_value("tiny_vgg").run()
    table = at.dataframe[2].value
    assert table["layer"].tolist()[-3:] == ["flatten", "output", "softmax"]
    assert table["output"].tolist()[-3:] == ["1690", "10", "10"]
    assert int(table["parameters"].sum()) == 19_920
    assert "19,920 parameters in all" in " ".join(c.value for c in at.caption)

"""AppTest of the AlexNet page (untrained, and with a generated 'pretrained' file) and the
Filter Lab's learned filter."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from app import nets
from convcore.nets import weights
from tests.apptest import ROOT, by_label, open_page, open_tab, page_path

PAGE = page_path("alexnet")


@pytest.fixture
def no_weights(monkeypatch, tmp_path):
    monkeypatch.delenv(weights.WEIGHTS_ENV, raising=False)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))  # an empty hub cache
    nets._pretrained.clear()
    yield
    nets._pretrained.clear()


@pytest.fixture
def fake_pretrained(monkeypatch, weights_file):
    monkeypatch.setenv(weights.WEIGHTS_ENV, str(weights_file))
    nets._pretrained.clear()
    yield
    nets._pretrained.clear()


def _page() -> AppTest:
    return open_page("alexnet")


def test_without_weights_the_page_explains_and_works_untrained(no_weights):
    at = _page()
    text = " ".join(m.value for m in at.markdown)
    assert "The pretrained weights are not on this computer" in text and "make weights" in text
    assert weights.MISSING not in [c.value for c in at.caption]  # said once, not again in small type
    assert "Untrained network" in text  # said at the top, in one line; the panel is at the end
    assert not [r for r in at.radio if r.label == "Model"]  # one model: no choice of one
    assert any(b.label == "Download the weights (233 MB)" for b in at.button)
    frame = at.dataframe[0].value
    assert len(frame) == 5 and frame["probability"].is_monotonic_decreasing
    open_tab(at, "ax.tab", "Feature maps")
    for layer in ("conv1", "pool2", "relu5", "pool5"):
        by_label(at.selectbox, "Layer").select(layer).run()
        assert not at.exception, layer
    open_tab(at, "ax.tab", "Architecture")
    table = at.dataframe[0].value
    assert int(table.parameters.sum()) == 61_100_840
    assert "dense layers 58,631,144 (**95.96\u00a0%**)" in " ".join(m.value for m in at.markdown)


def test_the_page_names_torchvisions_variant_and_shows_the_papers_96(no_weights):
    at = _page()
    intro = " ".join(c.value for c in at.caption)
    assert "AlexNet (Krizhevsky, Sutskever and Hinton, 2012) won the ImageNet challenge ILSVRC-2012" in intro
    assert (
        "Krizhevsky's 2014 'One weird trick' paper: 64 filters in conv1 where the 2012 paper had 96" in intro
    )
    open_tab(at, "ax.tab", "Its filters (conv1)")
    words = " ".join(m.value for m in at.markdown)
    # untrained weights are shown: the page says so, and does not call them detectors
    assert "**untrained**, random numbers, so what you see is noise" in words
    assert "the weights can be downloaded at the end of the page" in words
    assert "96 such filters, 48 on each of its two GPUs; torchvision's has 64" in words
    assert "Trained, they became" not in words
    assert "conv1's 64 filters, untrained (random), as an 8 x 8 grid" in " ".join(c.value for c in at.caption)


def test_the_architecture_tab_sets_the_paper_beside_torchvision_and_torch_agrees(no_weights):
    import torch

    from convcore.nets import alexnet as ax

    at = open_tab(_page(), "ax.tab", "Architecture")
    versions = at.dataframe[1].value.set_index("layer")
    assert versions.loc["conv1", "paper (2012)"] == "96 of 11 x 11 x 3"
    assert versions.loc["conv1", "torchvision"] == "64 of 11 x 11 x 3"
    assert versions.loc["all", "paper: parameters"] == 60_965_224
    # the oracle: torchvision's column is the app's torch model, counted by numel()
    model = ax.untrained_alexnet(keep_dense=True)
    modules = [
        m for m in [*model.features, *model.classifier] if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))
    ]
    own = [sum(p.numel() for p in m.parameters()) for m in modules]
    assert versions["torchvision: parameters"].tolist() == [*own, sum(p.numel() for p in model.parameters())]
    captions = " ".join(c.value for c in at.caption)
    assert "(**96.17\u00a0%**)" in captions and "(**95.96\u00a0%**)" in captions


def test_the_architecture_table_shows_a_dash_for_no_value_and_thousands_separators(no_weights):
    at = open_tab(_page(), "ax.tab", "Architecture")
    shown = at.dataframe[0]
    table = shown.value
    assert table.loc[table.layer == "relu1", "kernel / stride / padding"].isna().all()
    assert table.loc[table.kind == "dense", "receptive field (px)"].isna().all()
    assert shown.proto.placeholder == "—"  # missing values show as a dash, not "None"
    assert json.loads(shown.proto.columns)["parameters"]["type_config"]["format"] == "%,d"  # 23,296
    assert "—" in " ".join(c.value for c in at.caption)  # and the dash is explained


def test_an_even_map_starts_at_the_unit_nearest_the_centre_and_says_so(no_weights):
    at = open_tab(_page(), "ax.tab", "Feature maps")
    by_label(at.selectbox, "Layer").select("pool5").run()  # 6 x 6: no middle unit
    assert (by_label(at.number_input, "Unit row").value, by_label(at.number_input, "Unit column").value) == (
        4,
        4,
    )
    captions = _picture_texts(at)
    assert "Unit (row 4, column 4) of pool5's 6 x 6 map sees 195 x 195 input pixels" in captions
    assert "no unit sits exactly in the middle" in captions
    by_label(at.selectbox, "Layer").select("conv5").run()  # 13 x 13: the middle unit
    assert by_label(at.number_input, "Unit row").value == 7
    assert "no unit sits exactly" not in _picture_texts(at)


def _picture_texts(at) -> str:
    """Every picture's caption; and every picture has a text alternative."""
    pictures = [img for element in at.get("image") for img in element.proto.imgs]
    assert pictures and all(img.alt for img in pictures), [img.caption for img in pictures if not img.alt]
    return " ".join(img.caption for img in pictures)


def test_download_without_network_says_why_and_keeps_working(no_weights, monkeypatch):
    monkeypatch.setattr(weights, "WEIGHTS_URL", "http://127.0.0.1:9/alexnet-owt-7be5be79.pth")
    at = _page()
    at.button(key="ax._download").click().run()
    assert not at.exception
    assert "The download failed" in " ".join(e.value for e in at.error)
    assert not at.get("progress")  # no bar left at "Starting the download..."
    assert at.dataframe[0].value is not None


def test_with_weights_both_models_and_grad_cam_for_any_class(fake_pretrained):
    at = _page()
    assert not any("not on this computer" in m.value for m in at.markdown)
    open_tab(at, "ax.tab", "Its filters (conv1)")
    assert "torchvision's pretrained weights, learned from ImageNet" in " ".join(m.value for m in at.markdown)
    by_label(at.radio, "Model").set_value(nets.UNTRAINED).run()
    assert "**untrained**" in " ".join(
        m.value for m in at.markdown
    ) and "choose 'Pretrained' above" in " ".join(m.value for m in at.markdown)
    by_label(at.radio, "Model").set_value(nets.PRETRAINED).run()
    open_tab(at, "ax.tab", "What it sees")
    assert by_label(at.radio, "Model").options == [nets.PRETRAINED, nets.UNTRAINED]
    top = [int(i) for i in at.dataframe[0].value.index]  # the table lists the pretrained top 5
    assert len(top) == 5
    by_label(at.selectbox, "Grad-CAM for the class").select(281).run()  # tabby cat
    assert not at.exception
    assert by_label(at.selectbox, "Grad-CAM for the class").value == 281
    image = at.session_state["image.current"]
    heat = nets.cam(nets.PRETRAINED, image, 281)
    assert heat.shape == (224, 224) and heat.max() == pytest.approx(1.0)
    by_label(at.radio, "Model").set_value(nets.UNTRAINED).run()
    assert not at.exception


def test_filter_lab_learned_alexnet_filter(no_weights):
    at = AppTest.from_file(str(ROOT / "app" / "main.py"), default_timeout=90)
    at.run()
    at.switch_page(page_path("filter_lab")).run()
    by_label(at.selectbox, "Filter").select("learned_alexnet").run()
    assert not at.exception
    by_label(at.slider, "Filter number").set_value(17).run()
    assert not at.exception
    assert any("11 x 11 x 3 = 363 weights" in c.value for c in at.caption)
    assert any("untrained noise" in c.value for c in at.caption)


@pytest.mark.parametrize("name", ["ok_one_pixel.png", "ok_tall_thin.png", "ok_16bit.png"])
def test_odd_uploads_work_on_the_alexnet_page(no_weights, name):
    at = AppTest.from_file(str(ROOT / "app" / "main.py"), default_timeout=90)
    at.run()
    by_label(at.sidebar.radio, "Image source").set_value("Upload").run()
    data = (ROOT / "tests" / "corpus" / name).read_bytes()
    at.sidebar.file_uploader[0].set_value((name, data, "image/png")).run()
    assert at.session_state["image.current"].name == name
    at.switch_page(PAGE).run()
    assert not at.exception
    assert len(at.dataframe[0].value) == 5


def test_download_button_fetches_and_switches_to_pretrained(no_weights, monkeypatch, weights_file):
    monkeypatch.setattr(weights, "WEIGHTS_URL", weights_file.as_uri())  # never the internet
    at = _page()
    assert not [r for r in at.radio if r.label == "Model"]
    at.button(key="ax._download").click().run()
    assert not at.exception
    assert not at.error
    assert by_label(at.radio, "Model").options == [nets.PRETRAINED, nets.UNTRAINED]


def test_a_new_picture_starts_grad_cam_at_its_own_top_guess_and_a_model_switch_keeps_the_class(
    fake_pretrained,
):
    from convcore.nets import alexnet as ax

    at = _page()
    chosen = lambda: ax.categories()[by_label(at.selectbox, "Grad-CAM for the class").value]  # noqa: E731
    assert chosen() == at.dataframe[0].value["class"][0]  # the top guess to begin with
    by_label(at.selectbox, "Grad-CAM for the class").select_index(900).run()  # far down the list
    picked = chosen()
    by_label(at.radio, "Model").set_value(nets.UNTRAINED).run()
    assert not at.exception and chosen() == picked  # the same class, the other network
    by_label(at.sidebar.selectbox, "Sample image").select("Coffee cup").run()
    assert not at.exception
    top = at.dataframe[0].value["class"][0]
    assert chosen() == top != picked
    captions = [img.caption for element in at.get("image") for img in element.proto.imgs]
    assert f"Grad-CAM: where it sees '{top}'" in captions


def test_the_analysis_keeps_no_relu_and_gives_each_relu_bit_for_bit():
    """The page's analysis cache keeps conv and pool outputs only (2.3 MB a photo instead of 4.2, so
    a class's 40 photos fit): each ReLU's output is made on access, the same numbers as torch's."""
    import numpy as np
    import torch

    from app import memo
    from convcore.nets import alexnet as ax

    net = ax.untrained_alexnet(seed=0)
    x = torch.randn(1, 3, 224, 224, generator=torch.Generator().manual_seed(1))
    listed = ax.layer_outputs(net, x)
    outputs = nets.Outputs(listed)
    assert sorted(outputs) == ["conv1", "conv2", "conv3", "conv4", "conv5", "pool1", "pool2", "pool5"]
    for full in listed:
        made = outputs[full.layer.name]
        assert made.layer == full.layer
        assert np.array_equal(made.values, full.values)
        assert np.array_equal(np.signbit(made.values), np.signbit(full.values))  # no -0.0 where torch has 0
        if full.layer.kind == "relu":
            assert not made.values.flags.writeable  # shared by every session, as the kept ones
    assert "relu1" not in outputs  # made, not kept
    with pytest.raises(KeyError):
        outputs["fc6"]
    analysis = nets.Analysis(ax.crop_shown(np.zeros((300, 400, 3), np.uint8)), outputs, [])
    assert memo.nbytes(analysis) < 2.4 * 2**20 < 0.6 * sum(o.values.nbytes for o in listed)

"""Can you trust a heat map? in AppTest (issue 16): every tab on every network, the numbers the page
writes against convcore's, the class picker, occlusion's cost and its limit, the sanity check's
steps, FGSM's smallest flip, and edited links."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest

from app import nets
from app.widgets import trust as tw
from convcore.nets import trust
from tests.apptest import ROOT, by_label, page_path

PAGE = "trust"
TABS = ["Saliency maps", "Occlusion", "Sanity check", "Adversarial example"]


def open_page(params: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app" / "main.py"), default_timeout=120)
    at.query_params.update(params or {})
    at.switch_page(page_path(PAGE))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def text(at) -> str:
    return "\n".join(m.value for m in [*at.markdown, *at.caption, *at.info, *at.warning])


def alts(at) -> list[str]:
    """Every picture's alt text (what a screen reader says)."""
    found = [img.alt for image in at.get("image") for img in image.proto.imgs]
    return [a for a in found if not a.startswith("The image every page works on")]  # (the sidebar's)


def first_zero() -> torch.Tensor:
    images, labels = nets.held_out_digits()
    return images[int(np.flatnonzero(labels.numpy() == 0)[0])]


@pytest.mark.parametrize("tab", TABS)
@pytest.mark.parametrize("net", ["Digit CNN", "Tiny VGG", "AlexNet"])
def test_every_tab_opens_on_every_network(net, tab):
    at = open_page({"tr.net": net, "tr.tab": tab})
    said = text(at)
    if tab == "Saliency maps":
        assert "where is the evidence for" in said
        assert len(alts(at)) == 5 and all(alts(at))  # the input and the four methods, each said
    elif tab == "Occlusion":
        assert "forward passes" in said
    elif tab == "Sanity check":
        assert "Adebayo et al. (2018)" in said and by_label(at.button, at.button[0].label).label.startswith(
            "Randomise"
        )
    else:
        assert "The smallest strength" in said or "No strength up to" in said
    if net == "AlexNet":
        assert "Untrained" in said  # no weights in the tests: said, never hidden


def test_the_class_picker_explains_a_class_the_network_did_not_predict():
    at = open_page()
    picker = by_label(at.selectbox, "Explain the class")
    assert picker.value == -1 and "It says '0'" in text(at)
    picker.set_value(3).run()
    assert not at.exception
    assert "where is the evidence for '3'" in text(at)
    x = first_zero()
    probs = torch.softmax(nets.digit_model()[0](x[None]), 1)[0].detach().numpy()
    assert f"'3' ({tw.percent(probs[3])})" in text(at)
    linked = open_page({"tr.digits.explain": "3"})  # a link with the class keeps it
    assert "where is the evidence for '3'" in text(linked) and linked.query_params["tr.digits.explain"] == "3"


def test_occlusion_writes_convcores_numbers_for_the_digit():
    at = open_page({"tr.tab": "Occlusion"})
    said = text(at)
    assert "11 x 11 = 121 places: **122 forward passes**" in said
    x = first_zero()
    drops = trust.occlusion(
        nets.digit_model()[0], x, 0, window=7, stride=2, fill=0.0
    )  # black: the default on digits
    i, j = np.unravel_index(int(np.argmax(drops)), drops.shape)
    assert f"The patch at rows {2 * i}-{2 * i + 6}, columns {2 * j}-{2 * j + 6} lowers it the most" in said
    assert f"from {-np.abs(drops).max():+.2g} to {np.abs(drops).max():+.2g}" in said
    # the cost says what a stride that does not fit leaves out: 28 = 4 x 6 + 4, patch 7 reaches 25
    at = open_page({"tr.tab": "Occlusion", "tr.digits.window": "7", "tr.digits.stride": "6"})
    assert "The patch never reaches the last 3 rows and the last 3 columns" in text(at)
    at = open_page({"tr.tab": "Occlusion", "tr.digits.window": "7", "tr.digits.stride": "2"})  # 27 of 28
    assert "The patch never reaches the last row and the last column (" in text(at)


def test_alexnets_occlusion_says_its_cost_then_runs_on_a_click():
    at = open_page({"tr.net": "AlexNet", "tr.tab": "Occlusion"})
    assert "13 x 13 = 169 places: **170 forward passes**" in text(at)
    assert "lowers it the most" not in text(at)
    by_label(at.button, "Compute (170 passes)").click().run()
    assert not at.exception
    assert "lowers it the most" in text(at) or "No place lowers it" in text(at)


def test_too_long_an_occlusion_is_refused_with_a_sentence():
    at = open_page(
        {"tr.net": "AlexNet", "tr.tab": "Occlusion", "tr.alexnet.window": "1", "tr.alexnet.stride": "1"}
    )
    warning = " ".join(w.value for w in at.warning)
    assert "224 x 224 = 50,176 places" in warning and "longer than 45 s" in warning
    assert not [b for b in at.button if b.label.startswith("Compute")]
    # the limit is time, not passes: Tiny VGG's 4,097 small passes (about 2.5 s) are allowed
    at = open_page(
        {"tr.net": "Tiny VGG", "tr.tab": "Occlusion", "tr.tiny_vgg.window": "1", "tr.tiny_vgg.stride": "1"}
    )
    assert not at.warning and "**4,097 forward passes**" in text(at)


def test_the_sanity_check_randomises_every_layer_and_says_what_it_found():
    at = open_page({"tr.tab": "Sanity check"})
    by_label(at.button, "Randomise the 5 layers, top down").click().run()
    assert not at.exception
    frame = at.dataframe[0].value
    assert list(frame["randomised"]) == ["none (as trained)", "fc3", "fc2 and above", "fc1 and above",
                                         "conv2 and above", "conv1 and above"]  # fmt: skip
    steps = list(trust.sanity_check(nets.digit_model()[0], first_zero(), 0))
    for method, column in tw.METHODS.items():
        assert list(frame[column]) == [tw._similarity(s.similarity[method]) for s in steps]
    g, gb = steps[-1].similarity["gradient"], steps[-1].similarity["guided"]
    assert f"rank correlation of {g:.2f}" in text(at) and f"guided backprop's {gb:.2f}" in text(at)
    slider = by_label(at.select_slider, "Randomised down to")
    slider.set_value("fc3").run()
    assert not at.exception and "Randomised: fc3" in text(at)


def test_fgsm_says_the_smallest_flip_convcore_finds():
    at = open_page({"tr.tab": "Adversarial example"})
    x, net = first_zero(), nets.digit_model()[0]
    flip = trust.smallest_flip(net, x, 0, tw.FLIP_GRID["digits"])
    assert f"changes its answer '0': **ε = {flip:g}**" in text(at)
    by_label(at.selectbox, "Push").set_value(3).run()
    assert not at.exception
    towards = trust.smallest_flip(net, x, 3, tw.FLIP_GRID["digits"], targeted=True)
    said = text(at)
    assert (
        (f"makes it say '3': **ε = {towards:g}**" in said) if towards is not None else "No strength" in said
    )
    probs = trust.fgsm_sweep(net, x, 3, [0.1], targeted=True)[0]
    frame = at.table[1].value  # after
    assert frame["class"].iloc[0] == str(int(probs.argmax()))
    assert frame["probability"].iloc[0] == tw.percent(probs.max())
    assert list(frame["probability"]) == [tw.percent(p) for p in np.sort(probs)[::-1][:5]]
    push = by_label(at.selectbox, "Push")
    assert "towards '0'" not in push.options  # its answer: nothing to push towards
    assert push.options[0] == "away from its answer"  # no class in the label: the link opens the same choice
    by_label(at.slider, "Strength ε").set_value(0.0).run()
    assert any(img.caption == "No change (ε = 0)" for e in at.get("image") for img in e.proto.imgs)
    assert "targeted variant (Kurakin et al., 2017)" in text(at)


@pytest.mark.parametrize(
    "params",
    [
        {"tr.net": "VGG-16"},
        {"tr.tab": "Grad-CAM++"},
        {"tr.digits.explain": "42"},
        {"tr.digits.explain": "nan"},
        {"tr.tab": "Occlusion", "tr.digits.window": "999", "tr.digits.stride": "-3"},
        {"tr.tab": "Adversarial example", "tr.digits.eps": "inf", "tr.digits.towards": "11"},
        {"tr.tab": "Sanity check", "tr.digits.step": "conv9 and above"},
    ],
)
def test_an_edited_link_never_breaks_the_page(params):
    at = open_page(params)
    assert at.title and at.title[0].value == "Can you trust a heat map?"
    assert re.search(r"It says '\d' \(", text(at))


def test_probabilities_are_written_with_the_digits_that_matter():
    nb = "\u00a0"
    cases = {
        0.5: "50.0",
        0.999: "99.9",
        0.001: "0.100",
        0.99968: "99.968",
        0.999985: "99.9985",
        0.00021: "0.021",
        0.0543: "5.43",
        0.00102: "0.102",
    }
    for p, shown in cases.items():
        assert tw.percent(p) == f"{shown}{nb}%", p
    assert tw.percent(1.0) == f"> 99.99999{nb}%" and tw.percent(0.0) == f"< 0.00001{nb}%"
    assert tw.percent(1 - 5e-8) == f"> 99.99999{nb}%"  # within a float32 step of 1
    assert tw.percent(1 - 2e-7) == f"99.999980{nb}%"


def _subject(target: int, predicted: int = 0) -> tw.Subject:
    probs = np.full(3, 0.1)
    probs[predicted] = 0.8
    return tw.Subject("digits", "digits", None, None, ("a", "b", "c"), probs, predicted, target)


def test_the_occlusion_sentence_leads_with_what_matters_for_the_class():
    drops = np.array([[0.0, -0.1], [0.3, 0.1]])
    said = tw.occlusion_sentence(_subject(0), drops, window=1, stride=2, top=0.3)
    assert "The patch at row 2, column 0 lowers it the most: from 80.0\u00a0% to 50.0\u00a0%" in said
    assert "the patch at row 0, column 2 raises it the most: from 80.0\u00a0% to 90.0\u00a0%" in said
    assert "from -0.3 to +0.3" in said
    # a class it did not predict: the rise first
    said = tw.occlusion_sentence(_subject(1), drops, window=3, stride=2, top=0.3)
    assert said.index("raises it the most") < said.index("lowers it the most")
    assert "The patch at rows 0-2, columns 2-4 raises it the most: from 10.0\u00a0% to 20.0\u00a0%" in said
    # nowhere lowers it
    said = tw.occlusion_sentence(_subject(0), -np.abs(drops), window=3, stride=2, top=0.3)
    assert "No place lowers it; the patch at rows 2-4, columns 0-2 raises it the most" in said
    said = tw.occlusion_sentence(_subject(0), np.zeros((2, 2)), window=3, stride=2, top=1.0)
    assert "No place lowers it; no place raises it." in said


def test_the_sanity_check_on_an_untrained_alexnet_says_there_is_nothing_to_lose():
    at = open_page({"tr.net": "AlexNet", "tr.tab": "Sanity check"})
    by_label(at.button, "Randomise the 8 layers, top down").click().run()
    assert not at.exception
    said = text(at)
    assert "**As loaded (untrained)**" in said and "**Trained**" not in said
    assert "This AlexNet was never trained" in said and "as Adebayo et al. found" not in said
    assert by_label(at.select_slider, "Randomised down to").options[0] == "none (as loaded, untrained)"
    assert "Rank correlation with the map of the network as loaded, untrained" in said


def test_the_adversarial_tab_says_the_explained_class_is_chosen_in_push():
    at = open_page({"tr.tab": "Adversarial example", "tr.digits.explain": "3"})
    assert "The class explained above ('3') is not used here" in " ".join(c.value for c in at.caption)
    by_label(at.selectbox, "Push").set_value(3).run()
    assert "is not used here" not in " ".join(c.value for c in at.caption)

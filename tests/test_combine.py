"""Build a second layer by hand (issue 15): the four edge filters on the 7, one layer-2 unit set per
input map, its numbers against torch, and the section in AppTest."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from numpy.testing import assert_allclose
from streamlit.testing.v1 import AppTest

import convcore
from app.widgets import combine
from tests.apptest import ROOT, page_path


def test_the_four_edge_filters_are_the_lessons():
    bank = convcore.get_bank(combine.BANK)
    assert [f.name for f in bank] == ["Top edge", "Left edge", "Bottom edge", "Right edge"]
    expected = [
        [[-1, -1, -1], [1, 1, 1], [0, 0, 0]],
        [[-1, 1, 0], [-1, 1, 0], [-1, 1, 0]],
        [[0, 0, 0], [1, 1, 1], [-1, -1, -1]],
        [[0, 1, -1], [0, 1, -1], [0, 1, -1]],
    ]
    for f, k in zip(bank, expected):
        assert_allclose(f.kernel, k)


def test_each_edge_map_is_brightest_on_its_edge_of_a_bar():
    """A bright horizontal bar: the top-edge map fires on its top row, the bottom-edge map on its
    bottom row; a vertical bar: left and right."""
    bar = np.zeros((9, 9))
    bar[3:6, 1:8] = 1.0
    _, maps = combine.edge_maps(bar)
    assert np.unravel_index(maps[0].argmax(), bar.shape)[0] == 3  # top row of the bar
    assert np.unravel_index(maps[2].argmax(), bar.shape)[0] == 5  # bottom row
    _, maps = combine.edge_maps(bar.T)
    assert np.unravel_index(maps[1].argmax(), bar.shape)[1] == 3  # left column
    assert np.unravel_index(maps[3].argmax(), bar.shape)[1] == 5  # right column


def _torch_layers(x: np.ndarray, weight: np.ndarray, bias: float) -> np.ndarray:
    k = torch.tensor(np.stack([f.kernel for f in convcore.get_bank(combine.BANK)]))[:, None]
    maps = F.relu(F.conv2d(torch.tensor(x)[None, None], k, padding=1))
    return F.conv2d(maps, torch.tensor(weight)[None], torch.tensor([bias], dtype=torch.float64), padding=1)[
        0, 0
    ].numpy()


@pytest.mark.parametrize("preset", list(combine.PRESETS))
def test_layer_two_equals_torch(preset):
    x = combine.digit()
    _, maps = combine.edge_maps(x)
    slices, bias, _ = combine.PRESETS[preset]
    weight = np.array(slices, float)
    trace = convcore.conv2d_steps(maps, weight[None], np.array([bias]), padding=1)
    assert_allclose(trace.output[0], _torch_layers(x, weight, bias), atol=1e-5)
    step = trace[trace.index_of(0, 3, 3)]
    assert step.channel_sums.sum() + step.bias == pytest.approx(step.value, abs=1e-5)


def test_a_random_layer_two_kernel_equals_torch():
    rng = np.random.default_rng(3)
    x, weight = combine.digit(), rng.normal(size=(4, 3, 3))
    _, maps = combine.edge_maps(x)
    out = convcore.conv2d(maps, weight[None], np.array([0.7]), padding=1)[0]
    assert_allclose(out, _torch_layers(x, weight, 0.7), atol=1e-5)


def _corners(x: np.ndarray) -> tuple[tuple[int, int], tuple[int, int]]:
    """The 7's top-left and top-right corners: the ends of the top row of its stroke (pixels over 0.5)."""
    rows, cols = np.nonzero(x > 0.5)
    top = rows.min()
    return (top, cols[rows == top].min()), (top, cols[rows == top].max())


@pytest.mark.parametrize(("preset", "corner"), [("Top-left corner", 0), ("Top-right corner", 1)])
def test_the_corner_units_fire_at_the_7s_corners(preset, corner):
    x = combine.digit()
    _, maps = combine.edge_maps(x)
    slices, bias, _ = combine.PRESETS[preset]
    out = np.maximum(convcore.conv2d(maps, np.array(slices, float)[None], np.array([bias]), padding=1)[0], 0)
    peak = np.unravel_index(out.argmax(), out.shape)
    want = _corners(x)[corner]
    assert abs(peak[0] - want[0]) <= 1 and abs(peak[1] - want[1]) <= 1, (peak, want)
    # an AND: where only one of the two maps is bright (along the top bar), the unit stays low
    assert out[want[0], (want[1] + _corners(x)[1 - corner][1]) // 2] < 0.5 * out.max()


def _open() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app" / "main.py"), default_timeout=90)
    at.query_params["nw.tab"] = "Combine maps by hand"
    at.switch_page(page_path("network"))
    at.run()
    assert not at.exception
    return at


def _equation(at: AppTest) -> str:
    return next(m.value for m in at.markdown if "+ bias (" in m.value and "ReLU" in m.value)


def test_the_section_shows_the_unit_adding_up():
    at = _open()
    line = _equation(at)
    terms = [float(t) for t in re.findall(r"\((-?[\d.]+)\)", line.split("=")[0])]
    total = float(re.search(r"= \*\*(-?[\d.]+)\*\*;", line).group(1))
    value = float(re.search(r"bias \((-?[\d.]+)\) = \*\*(-?[\d.]+)\*\*", line).group(2))
    assert len(terms) == 4 and sum(terms) == pytest.approx(total, abs=1e-9)
    assert value == pytest.approx(total - 3.0, abs=1e-9) and "fires" in line
    x = combine.digit()
    assert any(f"row {_corners(x)[0][0] + 1}, column {_corners(x)[0][1] + 1}" in m.value for m in at.markdown)


def test_presets_and_a_typed_kernel_change_the_unit():
    at = _open()
    at.radio(key="nw.l2.preset").set_value("Any edge").run()
    assert not at.exception
    assert "bias (0.00)" in _equation(at) or "bias (0.0)" in _equation(at) or "bias (0)" in _equation(at)
    # a typed slice: the top-edge map's centre weight 1 -> 2 doubles its partial sum
    before = float(re.findall(r"\((-?[\d.]+)\)", _equation(at))[0])
    at.session_state["nw.l2.Any edge.top"] = {
        "edited_rows": {1: {"1": 2.0}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    after = float(re.findall(r"\((-?[\d.]+)\)", _equation(at))[0])
    assert after == pytest.approx(2 * before, abs=0.02)


def test_an_emptied_cell_gets_a_sentence_and_counts_as_zero():
    at = _open()
    at.session_state["nw.l2.Top-left corner.left"] = {
        "edited_rows": {1: {"1": None}}, "added_rows": [], "deleted_rows": []
    }  # fmt: skip
    at.run()
    assert not at.exception
    assert any("empty cell" in w.value and "count as 0" in w.value for w in at.warning)

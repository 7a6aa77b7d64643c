"""1-D and transposed convolution against torch; parameter counts and layer stacks."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from convcore import concepts as cc


@given(
    st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(1, 5), st.integers(1, 5),
    st.integers(1, 3), st.integers(0, 2), st.integers(1, 2), st.integers(0, 2**32 - 1),
)  # fmt: skip
def test_conv_transpose2d_matches_torch(cin, cout, h, w, kh, kw, stride, padding, dilation, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((cin, h, w))
    weight = rng.standard_normal((cin, cout, kh, kw))
    bias = rng.standard_normal(cout)
    out_pad = 1 if max(stride, dilation) > 1 and seed % 2 else 0
    kwargs = dict(stride=stride, padding=padding, output_padding=out_pad, dilation=dilation)
    try:
        expected = F.conv_transpose2d(torch.from_numpy(x)[None], torch.from_numpy(weight), torch.from_numpy(bias),
                                      **kwargs)[0].numpy()  # fmt: skip
    except RuntimeError:
        with pytest.raises(ValueError):
            cc.conv_transpose2d(x, weight, bias, **kwargs)
        return
    assert_allclose(cc.conv_transpose2d(x, weight, bias, **kwargs), expected, rtol=1e-5, atol=1e-5)


def test_two_by_two_becomes_four_by_four_and_contributions_add_up():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    k = np.array([[1.0, 1.0], [1.0, 1.0]])
    out = cc.conv_transpose2d(x, k, stride=2)
    assert out.shape == (4, 4)
    assert out.tolist() == [
        [1, 1, 2, 2],
        [1, 1, 2, 2],
        [3, 3, 4, 4],
        [3, 3, 4, 4],
    ]  # each number becomes a 2x2 block
    parts = cc.transpose_contributions(x, k, stride=2)
    assert len(parts) == 4
    assert_allclose(sum(p for _, p in parts), out)
    overlap = cc.conv_transpose2d(x, np.ones((3, 3)), stride=2)  # 3x3 kernel, stride 2: blocks overlap
    assert overlap.shape == (5, 5) and overlap[2, 2] == 1 + 2 + 3 + 4


def test_conv_transpose_bad_arguments():
    with pytest.raises(ValueError, match="output_padding must be smaller"):
        cc.conv_transpose2d(np.ones((2, 2)), np.ones((2, 2)), stride=2, output_padding=2)
    with pytest.raises(ValueError, match="channel mismatch"):
        cc.conv_transpose2d(np.ones((2, 3, 3)), np.ones((3, 1, 2, 2)))
    with pytest.raises(ValueError, match="padding .* is too large"):
        cc.conv_transpose2d(np.ones((1, 1)), np.ones((2, 2)), padding=1)


@pytest.mark.parametrize("stride,padding,dilation", [(1, 0, 1), (2, 1, 1), (1, 2, 2), (3, 0, 1)])
def test_conv1d_matches_torch_and_its_steps_add_up(stride, padding, dilation):
    rng = np.random.default_rng(stride + padding)
    x = rng.standard_normal(20)
    k = np.array([1.0, 2.0, -1.0])
    expected = F.conv1d(torch.from_numpy(x)[None, None], torch.from_numpy(k)[None, None], stride=stride,
                        padding=padding, dilation=dilation)[0, 0].numpy()  # fmt: skip
    out = cc.conv1d(x, k, stride=stride, padding=padding, dilation=dilation)
    assert_allclose(out, expected, rtol=1e-5, atol=1e-5)
    trace = cc.conv1d_steps(x, k, stride=stride, padding=padding, dilation=dilation)
    assert [s.value for s in trace] == pytest.approx(out.tolist(), abs=1e-5)
    assert len(trace[0].rows) == 1 and len(trace[0].cols) == 3


def test_moving_average_smooths_a_step():
    step = np.r_[np.zeros(5), np.ones(5)]
    assert_allclose(cc.conv1d(step, np.ones(3) / 3), [0, 0, 0, 1 / 3, 2 / 3, 1, 1, 1])


def test_the_lessons_parameter_counts():
    assert cc.dense_params(100 * 100, 1, bias=False) == 10_000  # one neuron looking at a 100 x 100 image
    assert cc.conv_params(1, 100, 3) == 900 + 100  # 100 filters of 3 x 3
    assert cc.conv_params(3, 8, 3, bias=False) == 216  # 8 filters of 3 x 3 on an RGB input
    assert cc.conv_params(3, 8, 3) == 224


def test_alexnet_and_lenet_stacks():
    rows = cc.layer_stack((224, 224), 3, cc.ALEXNET_STACK)
    assert [r.size for r in rows] == [
        (55, 55),
        (27, 27),
        (27, 27),
        (13, 13),
        (13, 13),
        (13, 13),
        (13, 13),
        (6, 6),
    ]
    assert [r.receptive_field for r in rows] == [11, 19, 51, 67, 99, 131, 163, 195]
    assert sum(r.params for r in rows) == 2_469_696
    lenet = cc.layer_stack((28, 28), 1, cc.LENET_STACK)
    assert [r.size for r in lenet] == [(28, 28), (14, 14), (10, 10), (5, 5)] and lenet[-1].channels == 16


def test_layer_stack_says_where_the_map_vanishes():
    with pytest.raises(ValueError, match="conv2: kernel is larger than the padded input"):
        cc.layer_stack((8, 8), 1, [cc.Layer("conv", 3, 2, channels=4), cc.Layer("conv", 5, channels=4)])
    with pytest.raises(ValueError, match="kind must be one of"):
        cc.Layer("dense", 3)

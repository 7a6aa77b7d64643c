"""pool2d against PyTorch's max_pool2d / avg_pool2d and hand-made arrays."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

import convcore
from tests.oracle import torch_pool2d


@st.composite
def pool_cases(draw):
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    h, w = draw(st.integers(kh, 13)), draw(st.integers(kw, 13))
    stride = draw(st.none() | st.integers(1, 3) | st.tuples(st.integers(1, 3), st.integers(1, 3)))
    padding = (draw(st.integers(0, kh // 2)), draw(st.integers(0, kw // 2)))
    mode = draw(st.sampled_from(["max", "avg"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.standard_normal((draw(st.integers(1, 3)), h, w)) * 5
    return x, (kh, kw), stride, padding, mode


@given(pool_cases())
def test_pool2d_matches_torch(case):
    x, k, stride, padding, mode = case
    expected = torch_pool2d(x, k, stride=stride, padding=padding, mode=mode)
    actual = convcore.pool2d(x, k, stride=stride, padding=padding, mode=mode)
    assert actual.dtype == np.float32
    assert_allclose(actual, expected, rtol=1e-5, atol=1e-5)


def test_max_pool_2x2_hand_made():
    x = np.array([[1, 2, 5, 6], [3, 4, 7, 8], [9, 10, 13, 14], [11, 12, 15, 16]])
    assert_array_equal(convcore.pool2d(x, 2), [[4, 8], [12, 16]])
    assert_array_equal(convcore.pool2d(x, 2, mode="avg"), [[2.5, 6.5], [10.5, 14.5]])
    # 3x3 windows with stride 1 on a 4x4 input: 2x2 outputs
    assert_array_equal(convcore.pool2d(x, 3, stride=1), [[13, 14], [15, 16]])


def test_max_pool_padding_is_never_chosen_and_avg_pool_counts_it():
    x = -np.ones((2, 2))
    assert_array_equal(convcore.pool2d(x, 2, stride=1, padding=1), -np.ones((3, 3)))
    avg = convcore.pool2d(x, 2, stride=1, padding=1, mode="avg")
    assert avg[0, 0] == -0.25 and avg[1, 1] == -1.0


def test_overlapping_alexnet_pool_size():
    assert convcore.pool2d(np.zeros((64, 55, 55)), 3, stride=2).shape == (64, 27, 27)


def test_stride_defaults_to_kernel_size_and_leftover_rows_are_dropped():
    assert convcore.pool2d(np.zeros((7, 9)), 2).shape == (3, 4)


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        (dict(kernel_size=5), ValueError, "kernel is larger than the padded input"),
        (dict(kernel_size=2, padding=2), ValueError, "padding must be at most half"),
        (dict(kernel_size=0), ValueError, "kernel_size must be >= 1"),
        (dict(kernel_size=2, stride=0), ValueError, "stride must be >= 1"),
        (dict(kernel_size=2, mode="min"), ValueError, "mode must be one of"),
        (dict(kernel_size=2.0), TypeError, "kernel_size must be an int"),
        (dict(kernel_size=2, padding=-1), ValueError, "padding must be >= 0"),
    ],
)
def test_invalid_pool_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        convcore.pool2d(np.ones((3, 3)), **kwargs)


def test_nan_input_is_refused():
    with pytest.raises(ValueError, match="x contains NaN"):
        convcore.pool2d(np.array([[np.nan, 1.0]]), 1)

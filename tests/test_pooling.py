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


@st.composite
def shift_cases(draw):
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    h, w = draw(st.integers(kh, 12)), draw(st.integers(kw, 12))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    rows, cols = draw(st.integers(-2, 2)), draw(st.integers(-2, 2))
    return rng.integers(0, 256, (h, w)).astype(float), rng.standard_normal((kh, kw)), rows, cols


@given(shift_cases())
def test_convolution_is_equivariant_to_a_shift_away_from_the_border_torch_oracle(case):
    """Lesson step 9: conv(shift(x)) == shift(conv(x)) wherever the window stays inside the input,
    with torch's conv2d as the oracle for both maps."""
    import torch
    import torch.nn.functional as F

    x, k, rows, cols = case
    check = convcore.conv_shift(x, k, rows=rows, cols=cols)
    conv = lambda a: F.conv2d(torch.tensor(a)[None, None], torch.tensor(k)[None, None])[0, 0].numpy()  # noqa: E731
    assert_allclose(check.map, conv(x), atol=1e-3)
    assert_allclose(check.map_of_shifted, conv(convcore.shift(x, rows, cols)), atol=1e-3)
    # torch.roll moves without repeating the edge: inside, the same numbers
    rolled = np.roll(conv(x), (rows, cols), axis=(0, 1))
    assert_allclose(conv(convcore.shift(x, rows, cols))[check.inside], rolled[check.inside], atol=1e-3)
    assert check.equal_inside == check.inside_count
    oh, ow = check.map.shape
    assert check.inside_count == max(0, oh - abs(rows)) * max(0, ow - abs(cols))


def test_a_one_pixel_shift_moves_the_map_and_leaves_most_pooled_numbers():
    """The pooling page's preset: a vertical edge shifted right. The edge map moves one column
    (equal everywhere but the column where new pixels came in); the edge stays inside its 2 x 2
    pooling windows, so max pooling changes nothing."""
    x = convcore.patch_preset("Vertical edge", 8).astype(float)
    check = convcore.conv_shift(x, convcore.get_filter("sobel_x").kernel, cols=1)
    assert check.map.shape == (6, 6) and check.inside_count == 30 and check.equal_inside == 30
    assert not check.inside[:, 0].any() and check.inside[:, 1:].all()
    assert check.map.max() > 0 and np.argmax(check.map_of_shifted[0]) == np.argmax(check.map[0]) + 1
    pooled = convcore.compare_shift(x, 2, cols=1)
    assert pooled.unchanged_before == 7 / 8 and pooled.unchanged_after == 1.0


def test_conv_shift_arguments_are_checked():
    with pytest.raises(ValueError, match="kernel must fit in x"):
        convcore.conv_shift(np.ones((2, 2)), np.ones((3, 3)))
    with pytest.raises(TypeError, match="cols must be an int"):
        convcore.conv_shift(np.ones((4, 4)), np.ones((3, 3)), cols=1.5)
    with pytest.raises(ValueError, match="kernel must have 2 dimensions"):
        convcore.conv_shift(np.ones((4, 4)), np.ones(3))

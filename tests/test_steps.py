"""conv2d_steps / pool2d_steps: every step's numbers, and reassembly to conv2d / pool2d."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

import convcore


@st.composite
def conv_cases(draw):
    c, o = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    h, w = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    stride = draw(st.integers(1, 3))
    dilation = draw(st.integers(1, 2))
    padding = draw(st.integers(0, 3) | st.sampled_from(["valid", "same"] if stride == 1 else ["valid"]))
    mode = draw(st.sampled_from(["zeros", "reflect", "replicate", "circular"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.integers(-9, 10, (c, h, w)).astype(np.float32)
    weight = rng.integers(-3, 4, (o, c, kh, kw)).astype(np.float64)
    bias = rng.integers(-5, 6, o).astype(np.float64)
    kwargs = dict(
        stride=stride, padding=padding, dilation=dilation, padding_mode=mode, flip=draw(st.booleans())
    )
    return x, weight, bias, kwargs


@given(conv_cases())
def test_steps_reassemble_to_conv2d_and_each_step_adds_up(case):
    x, weight, bias, kwargs = case
    try:
        expected = convcore.conv2d(x, weight, bias, **kwargs)
    except ValueError:
        with pytest.raises(ValueError):
            convcore.conv2d_steps(x, weight, bias, **kwargs)
        return
    trace = convcore.conv2d_steps(x, weight, bias, **kwargs)
    assert len(trace) == expected.size
    rebuilt = np.full(expected.shape, np.nan, dtype=np.float32)
    previous = (-1, -1, -1)
    for k, step in enumerate(trace):
        assert step.index == k and step.position > previous  # channel, row, column order
        previous = step.position
        assert np.isnan(rebuilt[step.position])  # each output written once
        rebuilt[step.position] = step.value
        # the step's own numbers: the window of the padded input, times the kernel, summed
        window = trace.padded[:, list(step.rows)][:, :, list(step.cols)]
        assert_array_equal(step.inputs, window)
        assert_array_equal(step.products, step.inputs * step.kernel)
        assert_allclose(step.channel_sums, step.products.sum(axis=(1, 2)))
        assert step.total + step.bias == pytest.approx(step.value, abs=1e-3)
    assert_array_equal(rebuilt, expected)


def test_hand_checked_steps_with_stride_padding_and_dilation():
    x = np.arange(1, 26, dtype=float).reshape(5, 5)  # 1..25
    kernel = np.array([[1, 0], [0, -1]])
    trace = convcore.conv2d_steps(x, kernel, 10.0, stride=2, padding=1, dilation=2)
    # padded is 7x7 with a zero border; taps of a 2x2 kernel with dilation 2 are 2 apart
    assert trace.output.shape == (1, 3, 3)
    first = trace[0]
    assert first.rows == (0, 2) and first.cols == (0, 2)
    # window: padded[0,0]=0 (padding), padded[0,2]=0, padded[2,0]=0, padded[2,2]=x[1,1]=7
    assert_array_equal(first.inputs[0], [[0, 0], [0, 7]])
    assert first.total == -7 and first.value == 3  # -7 + bias 10
    centre = trace[trace.index_of(0, 1, 1)]
    assert centre.rows == (2, 4) and centre.cols == (2, 4)
    assert_array_equal(centre.inputs[0], [[7, 9], [17, 19]])
    assert centre.total == 7 - 19 and centre.value == -2
    assert trace.padding_mask[0].all() and not trace.padding_mask[1:6, 1:6].any()


def test_rgb_volume_steps_sum_the_three_channels():
    rng = np.random.default_rng(5)
    patch = rng.integers(0, 256, (3, 6, 6)).astype(np.float32)
    weight = rng.standard_normal((8, 3, 3, 3))  # 8 filters of 3x3x3
    trace = convcore.conv2d_steps(patch, weight, np.arange(8.0), padding=1)
    step = trace[trace.index_of(5, 2, 3)]
    assert step.products.shape == (3, 3, 3) and step.channel_sums.shape == (3,)
    assert step.total == pytest.approx(step.channel_sums.sum())
    assert step.bias == 5.0
    assert step.value == pytest.approx(
        float(convcore.conv2d(patch, weight, np.arange(8.0), padding=1)[5, 2, 3])
    )


def test_flip_turns_the_kernel_and_is_true_convolution():
    trace = convcore.conv2d_steps(np.eye(3), [[1, 2], [3, 4]], flip=True)
    assert_array_equal(trace[0].kernel[0], [[4, 3], [2, 1]])
    assert_array_equal(trace.output[0], convcore.convolve2d(np.eye(3), [[1, 2], [3, 4]]))


def test_trace_indexing():
    trace = convcore.conv2d_steps(np.ones((4, 4)), np.ones((3, 3)))
    assert len(trace) == 4 and trace[-1].position == (0, 1, 1)
    with pytest.raises(IndexError, match="out of range"):
        trace[4]
    with pytest.raises(ValueError, match="i must be from 0 to 1"):
        trace.index_of(0, 2, 0)
    with pytest.raises(TypeError, match="one step number"):
        trace[0:2]


def test_trace_refuses_what_conv2d_refuses():
    with pytest.raises(ValueError, match="kernel is larger than the padded input"):
        convcore.conv2d_steps(np.ones((3, 3)), np.ones((5, 5)))
    with pytest.raises(ValueError, match="weight contains NaN"):
        convcore.conv2d_steps(np.ones((3, 3)), np.array([[np.nan]]))


def test_a_64x64_trace_is_cheap():
    import time

    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    trace = convcore.conv2d_steps(rng.random((3, 64, 64)), rng.random((4, 3, 3, 3)), padding=1)
    steps = [trace[k] for k in range(0, len(trace), 97)]
    assert len(trace) == 4 * 64 * 64 and len(steps) > 100
    assert time.perf_counter() - t0 < 5  # generous: a guard against building every step eagerly


@st.composite
def pool_cases(draw):
    k = draw(st.integers(1, 3))
    h, w = draw(st.integers(k, 9)), draw(st.integers(k, 9))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.integers(-9, 10, (draw(st.integers(1, 3)), h, w)).astype(float)
    return (
        x,
        k,
        draw(st.none() | st.integers(1, 3)),
        draw(st.integers(0, k // 2)),
        draw(st.sampled_from(["max", "avg"])),
    )


@given(pool_cases())
def test_pool_steps_reassemble_and_choose_the_right_cell(case):
    x, k, stride, padding, mode = case
    expected = convcore.pool2d(x, k, stride=stride, padding=padding, mode=mode)
    trace = convcore.pool2d_steps(x, k, stride=stride, padding=padding, mode=mode)
    rebuilt = np.full(expected.shape, np.nan, dtype=np.float32)
    for step in trace:
        rebuilt[step.position] = step.value
        window = trace.padded[
            step.position[0], step.rows[0] : step.rows[-1] + 1, step.cols[0] : step.cols[-1] + 1
        ]
        assert_array_equal(step.values, window)
        if mode == "max":
            assert step.values[step.chosen] == step.values.max() == step.value
            assert step.mean is None
        else:
            assert step.mean == pytest.approx(step.value, abs=1e-5) and step.chosen is None
    assert_array_equal(rebuilt, expected)


def test_max_pool_step_picks_the_first_maximum_and_never_padding():
    trace = convcore.pool2d_steps(np.array([[5.0, 5.0], [1.0, 5.0]]), 2, stride=1, padding=1)
    first = trace[0]  # window over the top-left corner: 3 padding cells and the 5
    assert first.chosen == (1, 1) and first.value == 5
    assert np.isneginf(first.values[0, 0])
    assert trace[trace.index_of(0, 1, 1)].chosen == (0, 0)  # ties: the first in reading order


@given(conv_cases())
def test_params_gives_the_same_trace_as_the_keywords(case):
    x, weight, bias, kwargs = case
    try:
        expected = convcore.conv2d_steps(x, weight, bias, **kwargs)
    except ValueError:
        return
    trace = convcore.conv2d_steps(x, weight, bias, params=convcore.ConvParams(**kwargs))
    assert trace.geometry == expected.geometry
    for name in ("padded", "padding_mask", "weight", "bias", "output"):
        assert_array_equal(getattr(trace, name), getattr(expected, name))
    assert_array_equal(trace[len(trace) - 1].products, expected[len(expected) - 1].products)


def test_steps_refuse_params_and_a_settings_keyword_at_once():
    with pytest.raises(TypeError, match="params and stride"):
        convcore.conv2d_steps(np.ones((4, 4)), np.ones((2, 2)), stride=2, params=convcore.ConvParams())

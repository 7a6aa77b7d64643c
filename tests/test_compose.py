"""Two convolutions in a row against torch: one combined kernel gives the same numbers without a
ReLU between them, and different numbers with one (lesson step 8)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_allclose

import convcore
from convcore.compose import compose_kernels, two_convolutions

_NUMBERS = st.floats(-3, 3, allow_nan=False, width=32)


def _torch_stack(x, a, b, ba=None, bb=None, *, relu=False) -> np.ndarray:
    """conv2d(x, A) then (ReLU) conv2d(., B), in float64: the oracle."""

    def t(v):
        return None if v is None else torch.tensor(np.asarray(v, dtype=np.float64))

    one = F.conv2d(t(x)[None], t(a), t(ba))
    return F.conv2d(F.relu(one) if relu else one, t(b), t(bb))[0].numpy()


@st.composite
def _banks(draw):
    c, m, o = (draw(st.integers(1, 3)) for _ in range(3))
    ka = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    kb = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    h, w = ka[0] + kb[0] - 2 + draw(st.integers(1, 6)), ka[1] + kb[1] - 2 + draw(st.integers(1, 6))
    x = draw(arrays(np.float64, (c, h, w), elements=_NUMBERS))
    a = draw(arrays(np.float64, (m, c, *ka), elements=_NUMBERS))
    b = draw(arrays(np.float64, (o, m, *kb), elements=_NUMBERS))
    ba = draw(arrays(np.float64, (m,), elements=_NUMBERS))
    bb = draw(arrays(np.float64, (o,), elements=_NUMBERS))
    return x, a, b, ba, bb


@given(_banks())
def test_the_composed_kernel_equals_two_stacked_convolutions_in_torch(case):
    x, a, b, ba, bb = case
    combined = compose_kernels(a, b, first_bias=ba, second_bias=bb)
    assert combined.kernel.shape == (
        b.shape[0],
        a.shape[1],
        a.shape[2] + b.shape[2] - 1,
        a.shape[3] + b.shape[3] - 1,
    )
    expected = _torch_stack(x, a, b, ba, bb)
    one = F.conv2d(torch.as_tensor(x)[None], torch.as_tensor(combined.kernel), torch.as_tensor(combined.bias))
    assert_allclose(one[0].numpy(), expected, atol=1e-4, rtol=1e-6)
    # convcore's own engine (float32) agrees too
    assert_allclose(convcore.conv2d(x, combined.kernel, combined.bias), expected, atol=1e-3, rtol=1e-4)


@given(
    arrays(np.float64, (9, 8), elements=st.floats(0, 255, allow_nan=False, width=32)),
    arrays(np.float64, (3, 3), elements=_NUMBERS),
    arrays(np.float64, (3, 2), elements=_NUMBERS),
)
def test_two_convolutions_of_an_image_match_torch_and_differ_only_through_the_relu(x, a, b):
    plain = two_convolutions(x, a, b)
    assert plain.kernel.shape == (5, 4) and plain.combined.shape == (5, 5)
    assert_allclose(plain.second, _torch_stack(x[None], a[None, None], b[None, None])[0], atol=1e-4)
    assert_allclose(plain.combined, plain.second, atol=1e-4)
    assert plain.difference < 1e-4
    bent = two_convolutions(x, a, b, relu=True)
    assert_allclose(bent.second, _torch_stack(x[None], a[None, None], b[None, None], relu=True)[0], atol=1e-4)
    assert_allclose(bent.combined, plain.combined)  # the combined kernel knows nothing of the ReLU
    if (plain.first >= 0).all():  # nothing for the ReLU to remove: still one convolution
        assert bent.difference < 1e-4


def test_a_relu_between_an_edge_filter_and_a_blur_makes_them_two_filters():
    """The Filter Lab's default: Sobel x (negative where it gets darker to the right), then a 3 x 3
    box blur. The ReLU drops the negative edges; no single kernel does that."""
    x = np.zeros((12, 12))
    x[:, 4:8] = 200.0  # a bright bar: a rising edge at column 4, a falling one at column 8
    sobel, box = convcore.get_filter("sobel_x").kernel, np.ones((3, 3)) / 9
    plain = two_convolutions(x, sobel, box)
    assert plain.difference < 1e-9 and plain.kernel.shape == (5, 5)
    assert plain.combined.min() < -100  # the falling edge, negative
    bent = two_convolutions(x, sobel, box, relu=True)
    oracle = _torch_stack(x[None], sobel[None, None], box[None, None], relu=True)[0]
    assert_allclose(bent.second, oracle, atol=1e-9)
    assert bent.second.min() == 0 and bent.difference > 100
    assert bent.difference == pytest.approx(np.abs(oracle - plain.combined).max())


def test_blur_then_relu_changes_nothing_on_a_picture():
    """A blur of pixel values 0-255 has no negative numbers: the ReLU between has nothing to do."""
    x = np.random.default_rng(1).integers(0, 256, (10, 10)).astype(float)
    box, sobel = np.ones((3, 3)) / 9, convcore.get_filter("sobel_x").kernel
    assert two_convolutions(x, box, sobel, relu=True).difference < 1e-9


def test_the_combined_kernel_is_the_true_convolution_of_the_two():
    a, b = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[0.0, 1.0], [-1.0, 0.0]])
    c = compose_kernels(a, b).kernel
    # full convolution, written out: c[m, n] = sum a[p, q] * b[m - p, n - q]
    expected = np.zeros((3, 3))
    for p in range(2):
        for q in range(2):
            expected[p : p + 2, q : q + 2] += a[p, q] * b
    assert_allclose(c, expected)
    # a single bright pixel through both returns C turned by 180 degrees (cross-correlation)
    impulse = np.zeros((7, 7))
    impulse[3, 3] = 1.0
    assert_allclose(two_convolutions(impulse, a, b).second[1:4, 1:4], c[::-1, ::-1], atol=1e-12)


def test_biases_combine_as_bias_a_times_sum_b_plus_bias_b():
    b = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert compose_kernels(np.ones((2, 2)), b, first_bias=0.5, second_bias=-1.0).bias == 0.5 * 10 - 1.0
    assert compose_kernels(np.ones((2, 2)), b).bias is None
    bank = compose_kernels(np.ones((2, 1, 1, 1)), np.ones((3, 2, 2, 2)), first_bias=[1.0, 2.0])
    assert bank.kernel.shape == (3, 1, 2, 2) and bank.bias.tolist() == [12.0] * 3


def test_the_arguments_are_checked_and_named():
    with pytest.raises(ValueError, match="second must read first's 2 output channels"):
        compose_kernels(np.ones((2, 1, 3, 3)), np.ones((1, 3, 3, 3)))
    with pytest.raises(ValueError, match="first must have 2 or 4 dimensions"):
        compose_kernels(np.ones(3), np.ones((3, 3)))
    with pytest.raises(TypeError, match="second must hold real numbers"):
        compose_kernels(np.ones((3, 3)), [["a"]])
    with pytest.raises(ValueError, match="second_bias must have one number per output channel"):
        compose_kernels(np.ones((1, 1, 3, 3)), np.ones((2, 1, 3, 3)), second_bias=[1.0])
    with pytest.raises(ValueError, match="x must be at least as large as the combined kernel 5 x 5"):
        two_convolutions(np.ones((4, 9)), np.ones((3, 3)), np.ones((3, 3)))
    with pytest.raises(TypeError, match="relu must be True or False"):
        two_convolutions(np.ones((9, 9)), np.ones((3, 3)), np.ones((3, 3)), relu="yes")
    with pytest.raises(ValueError, match="first contains NaN"):
        two_convolutions(np.ones((9, 9)), [[np.nan]], np.ones((3, 3)))


@given(
    arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 5)), elements=_NUMBERS),
    arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 5)), elements=_NUMBERS),
    arrays(np.float64, st.tuples(st.integers(5, 12), st.integers(5, 12)), elements=_NUMBERS),
)
def test_the_numpy_helpers_are_scipy_signals_convolve2d_and_correlate2d(a, b, x):
    """compose's two helpers replace scipy.signal (whose import costs a server about 48 MB)."""
    from scipy import signal

    from convcore.compose import _full, _valid

    assert_allclose(_full(a, b), signal.convolve2d(a, b, mode="full"), rtol=1e-12, atol=1e-12)
    assert_allclose(_valid(x, a), signal.correlate2d(x, a, mode="valid"), rtol=1e-12, atol=1e-12)


def test_two_filters_and_the_rank_correlation_import_neither_scipy_signal_nor_stats():
    """The Filter Lab's "Two filters in a row" and the trust page's sanity check used to import
    scipy.signal and scipy.stats: about 48 MB of a server's memory, and half a second of its
    interpreter lock while a class waits (issue 18)."""
    from tests.imports import imported_by

    code = (
        "import numpy as np, convcore\n"
        "from convcore.nets import trust\n"
        "convcore.two_convolutions(np.random.rand(20, 30), np.ones((3, 3)), [[1, 0, -1]], relu=True)\n"
        "trust.rank_correlation(np.random.rand(5, 5), np.random.rand(5, 5))\n"
    )
    assert imported_by(code, ("scipy.signal", "scipy.stats")) == []

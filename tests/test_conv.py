"""conv2d and convolve2d against PyTorch and hand computations; settings as keywords or ConvParams."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

import convcore
from convcore import conv as conv_module
from tests.oracle import torch_conv2d

MODES = ["zeros", "reflect", "replicate", "circular"]


def _close(actual, expected):
    scale = max(1.0, float(np.abs(expected).max()))
    assert actual.shape == expected.shape
    assert actual.dtype == np.float32
    assert_allclose(actual, expected, rtol=1e-4, atol=2e-5 * scale)


@st.composite
def conv_cases(draw):
    groups = draw(st.sampled_from([1, 1, 1, 2, 3]))
    c = groups * draw(st.integers(1, 2))
    o = groups * draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    h, w = draw(st.integers(1, 14)), draw(st.integers(1, 14))
    stride = draw(st.integers(1, 3) | st.tuples(st.integers(1, 3), st.integers(1, 3)))
    dilation = draw(st.integers(1, 3) | st.tuples(st.integers(1, 3), st.integers(1, 3)))
    same_ok = stride in (1, (1, 1))
    padding = draw(
        st.integers(0, 4)
        | st.tuples(st.integers(0, 4), st.integers(0, 4))
        | st.sampled_from(["valid", "same"] if same_ok else ["valid"])
    )
    mode = draw(st.sampled_from(MODES))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((c, h, w)).astype(np.float32) * 10
    weight = rng.standard_normal((o, c // groups, kh, kw))
    bias = rng.standard_normal(o) if draw(st.booleans()) else None
    return (
        x,
        weight,
        bias,
        dict(stride=stride, padding=padding, dilation=dilation, groups=groups, padding_mode=mode),
    )


def _run_both(x, weight, bias, kwargs):
    """convcore's result and torch's; both must raise, or neither."""
    try:
        expected = torch_conv2d(x, weight, bias, **kwargs)
    except (RuntimeError, ValueError, NotImplementedError):
        expected = None
    try:
        actual = convcore.conv2d(x, weight, bias, **kwargs)
    except ValueError:
        actual = None
    return actual, expected


@given(conv_cases())
def test_conv2d_matches_torch_on_random_cases(case):
    x, weight, bias, kwargs = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch: 'same' with even kernels
        actual, expected = _run_both(x, weight, bias, kwargs)
    if expected is None:
        assert actual is None, "convcore computed an output where PyTorch refuses"
        return
    assert actual is not None, "convcore refused a case PyTorch computes"
    _close(actual, expected)


@pytest.mark.parametrize("method", ["direct", "full"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", ["dense", "separable"])
@pytest.mark.parametrize("k", [2, 3, 4, 7])
@pytest.mark.parametrize(
    "stride,padding,dilation", [(1, "same", 1), (2, 1, 1), (1, 2, 2), (3, 0, 1), (1, (1, 2), 3)]
)
def test_every_engine_path_matches_torch(monkeypatch, method, mode, kind, k, stride, padding, dilation):
    # 'direct' gathers windows; 'full' goes through ndimage / separable passes / FFT.
    monkeypatch.setattr(conv_module, "_DIRECT_MAX_WORK", 10**12 if method == "direct" else -1)
    rng = np.random.default_rng(k * 7 + stride)
    x = rng.standard_normal((3, 23, 19)).astype(np.float32) * 50
    if kind == "dense":
        weight = rng.standard_normal((2, 3, k, k))
    else:
        weight = np.einsum("oci,ocj->ocij", rng.standard_normal((2, 3, k)), rng.standard_normal((2, 3, k)))
    kwargs = dict(stride=stride, padding=padding, dilation=dilation, padding_mode=mode)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        expected = torch_conv2d(x, weight, **kwargs)
    _close(convcore.conv2d(x, weight, **kwargs), expected)


@pytest.mark.parametrize("k", [3, 5, 11, 15])
def test_large_image_paths_match_torch(k):
    # big enough to use threads, ndimage's own padding and the FFT
    rng = np.random.default_rng(k)
    x = (rng.random((3, 300, 280)) * 255).astype(np.float32)
    weight = rng.standard_normal((3, 1, k, k))
    expected = torch_conv2d(x, weight, padding="same", groups=3)
    _close(convcore.conv2d(x, weight, padding="same", groups=3), expected)
    expected = torch_conv2d(x, weight, padding=k // 2, groups=3, padding_mode="reflect", stride=2)
    _close(convcore.conv2d(x, weight, padding=k // 2, groups=3, padding_mode="reflect", stride=2), expected)


def test_impulse_returns_the_kernel_flipped_for_correlation_and_upright_for_convolution():
    impulse = np.zeros((7, 7))
    impulse[3, 3] = 1
    kernel = np.arange(9.0).reshape(3, 3)
    corr = convcore.conv2d(impulse, kernel, padding=1)
    conv = convcore.convolve2d(impulse, kernel, padding=1)
    assert_array_equal(corr[2:5, 2:5], kernel[::-1, ::-1])
    assert_array_equal(conv[2:5, 2:5], kernel)
    assert corr.sum() == conv.sum() == kernel.sum()


def test_hand_computed_3x3_with_stride_2_padding_1_and_bias():
    x = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    k = np.array([[1, 0], [0, -1]])
    # Padded with zeros to 5x5; windows start at rows/columns 0 and 2; each output is the
    # window's top-left minus its bottom-right:
    #   (0,0): 0 - 1 = -1    (0,2): 0 - 3 = -3
    #   (2,0): 0 - 7 = -7    (2,2): 5 - 9 = -4
    expected = np.array([[-1, -3], [-7, -4]], dtype=np.float32)
    assert_array_equal(convcore.conv2d(x, k, stride=2, padding=1), expected)
    out = convcore.conv2d(x[None], k[None, None], np.array([0.5]), stride=2, padding=1)
    assert_array_equal(out, expected[None] + 0.5)


def test_sobel_on_a_vertical_edge_is_positive_only_on_the_edge():
    x = np.zeros((5, 6))
    x[:, 3:] = 10  # dark left, bright right
    out = convcore.conv2d(x, convcore.get_filter("sobel_x").kernel)  # valid: 3x4
    assert_array_equal(out, [[0, 40, 40, 0]] * 3)
    flipped = convcore.convolve2d(x, convcore.get_filter("sobel_x").kernel)
    assert_array_equal(flipped, -out)


def test_dilation_2_reads_every_other_pixel():
    x = np.arange(25.0).reshape(5, 5)
    out = convcore.conv2d(x, np.ones((2, 2)), dilation=2)  # taps at (0,0),(0,2),(2,0),(2,2)
    assert out.shape == (3, 3)
    assert out[0, 0] == x[0, 0] + x[0, 2] + x[2, 0] + x[2, 2]
    assert out[2, 2] == x[2, 2] + x[2, 4] + x[4, 2] + x[4, 4]


@pytest.mark.parametrize(
    "mode,expected_row",
    [
        ("zeros", [0, 1, 2, 3, 0]),
        ("reflect", [2, 1, 2, 3, 2]),
        ("replicate", [1, 1, 2, 3, 3]),
        ("circular", [3, 1, 2, 3, 1]),
    ],
)
def test_padding_modes_on_a_row(mode, expected_row):
    # a 1x1 identity kernel with padding 1 shows the padded input itself
    x = np.array([[1.0, 2.0, 3.0]])
    out = convcore.conv2d(np.repeat(x, 3, axis=0), np.ones((1, 1)), padding=(0, 1), padding_mode=mode)
    assert_array_equal(out[0], expected_row)


def test_shapes_2d_and_3d():
    x2, x3 = np.ones((6, 6)), np.ones((2, 6, 6))
    assert convcore.conv2d(x2, np.ones((3, 3))).shape == (4, 4)
    assert convcore.conv2d(x2, np.ones((5, 1, 3, 3))).shape == (5, 4, 4)
    assert convcore.conv2d(x3, np.ones((4, 2, 3, 3))).shape == (4, 4, 4)
    assert convcore.conv2d(np.ones((1, 6, 6)), np.ones((3, 3))).shape == (1, 4, 4)


def test_integer_and_bool_inputs_are_accepted():
    out = convcore.conv2d(np.eye(4, dtype=bool), np.ones((2, 2), dtype=np.int64))
    assert_array_equal(out, [[2, 1, 0], [1, 2, 1], [0, 1, 2]])


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        (
            dict(x=np.ones((3, 3)), weight=np.ones((5, 5))),
            ValueError,
            "kernel is larger than the padded input",
        ),
        (dict(x=np.ones((3, 3)), weight=np.ones((2, 2)), stride=0), ValueError, "stride must be >= 1"),
        (dict(x=np.ones((3, 3)), weight=np.ones((2, 2)), dilation=0), ValueError, "dilation must be >= 1"),
        (dict(x=np.ones((3, 3)), weight=np.ones((2, 2)), padding=-1), ValueError, "padding must be >= 0"),
        (
            dict(x=np.ones((3, 3)), weight=np.ones((2, 2)), padding="full"),
            ValueError,
            "padding must be one of",
        ),
        (dict(x=np.ones((3, 3)), weight=np.ones((2, 2)), padding=1.5), TypeError, "padding must be an int"),
        (dict(x=np.ones((3, 3)), weight=np.ones((2, 2)), stride=1.0), TypeError, "stride must be an int"),
        (dict(x=np.ones((3, 3)), weight=np.ones((2, 2)), stride=True), TypeError, "stride must be an int"),
        (dict(x=np.ones((3, 3)), weight=np.ones((2, 2)), stride=(1, 2, 3)), TypeError, "stride"),
        (
            dict(x=np.ones((3, 3)), weight=np.ones((2, 2)), padding_mode="mirror"),
            ValueError,
            "padding_mode must be one of",
        ),
        (
            dict(x=np.ones((3, 3)), weight=np.ones((2, 2)), padding=3, padding_mode="reflect"),
            ValueError,
            "padding_mode='reflect'",
        ),
        (
            dict(x=np.ones((3, 3)), weight=np.ones((2, 2)), padding=4, padding_mode="circular"),
            ValueError,
            "padding_mode='circular'",
        ),
        (
            dict(x=np.ones((6, 6)), weight=np.ones((3, 3)), stride=2, padding="same"),
            ValueError,
            "padding='same' needs stride 1",
        ),
        (dict(x=np.ones((3, 3)), weight=np.array([[1.0, np.nan]])), ValueError, "weight contains NaN"),
        (dict(x=np.ones((3, 3)), weight=np.array([[1.0, np.inf]])), ValueError, "weight contains NaN"),
        (dict(x=np.full((3, 3), np.nan), weight=np.ones((1, 1))), ValueError, "x contains NaN"),
        (
            dict(x=np.ones((3, 3)), weight=np.ones((1, 1)), bias=np.array([np.nan])),
            ValueError,
            "bias contains NaN",
        ),
        (
            dict(x=np.ones((3, 3)), weight=np.ones((2, 1, 1, 1)), bias=np.ones(3)),
            ValueError,
            "bias must have shape",
        ),
        (dict(x=np.ones(3), weight=np.ones((1, 1))), ValueError, "x must have 2 or 3 dimensions"),
        (
            dict(x=np.ones((3, 3)), weight=np.ones((1, 1, 1))),
            ValueError,
            "weight must have 2 or 4 dimensions",
        ),
        (dict(x=np.ones((2, 3, 3)), weight=np.ones((1, 3, 1, 1))), ValueError, "channel mismatch"),
        (dict(x=np.ones((3, 3, 3)), weight=np.ones((3, 3))), ValueError, "channel mismatch"),
        (
            dict(x=np.ones((3, 3, 3)), weight=np.ones((2, 1, 1, 1)), groups=3),
            ValueError,
            "groups=3 must divide",
        ),
        (dict(x=np.ones((0, 3)), weight=np.ones((1, 1))), ValueError, "x must not be empty"),
        (dict(x="abc", weight=np.ones((1, 1))), TypeError, "x must be a numeric array"),
        (
            dict(x=np.ones((3, 3), dtype=complex), weight=np.ones((1, 1))),
            TypeError,
            "x must hold real numbers",
        ),
        (dict(x=[[1, 2], [3]], weight=np.ones((1, 1))), TypeError, "x must be a numeric array"),
        (dict(x=np.ones((3, 3)), weight=np.ones((1, 1)), groups=0), ValueError, "groups must be >= 1"),
        (
            dict(x=np.ones((3, 3)), weight=np.ones((1, 1)), flip="yes"),
            TypeError,
            "flip must be True or False",
        ),
    ],
)
def test_invalid_arguments_raise_with_the_parameter_named(kwargs, error, match):
    with pytest.raises(error, match=match):
        convcore.conv2d(**kwargs)


def test_convolve2d_refuses_flip():
    with pytest.raises(TypeError, match="always flips"):
        convcore.convolve2d(np.ones((3, 3)), np.ones((2, 2)), flip=False)


@given(conv_cases())
def test_params_gives_the_same_result_as_the_keywords(case):
    x, weight, bias, kwargs = case
    groups = kwargs.pop("groups")
    try:
        expected = convcore.conv2d(x, weight, bias, groups=groups, **kwargs)
    except ValueError as exc:
        with pytest.raises(ValueError, match=re.escape(str(exc)[:40])):
            convcore.conv2d(x, weight, bias, groups=groups, params=convcore.ConvParams(**kwargs))
        return
    actual = convcore.conv2d(x, weight, bias, groups=groups, params=convcore.ConvParams(**kwargs))
    assert_array_equal(actual, expected)


@pytest.mark.parametrize("flip", [False, True])
def test_params_carries_flip_and_convolve2d_always_flips(flip):
    rng = np.random.default_rng(5)
    x, k = rng.standard_normal((7, 6)), rng.standard_normal((3, 2))
    params = convcore.ConvParams(stride=(1, 2), padding=1, padding_mode="reflect", flip=flip)
    keywords = dict(stride=(1, 2), padding=1, padding_mode="reflect")
    assert_array_equal(convcore.conv2d(x, k, params=params), convcore.conv2d(x, k, flip=flip, **keywords))
    assert_array_equal(convcore.convolve2d(x, k, params=params), convcore.convolve2d(x, k, **keywords))


@pytest.mark.parametrize(
    "keyword",
    [dict(stride=2), dict(padding=1), dict(dilation=2), dict(padding_mode="reflect"), dict(flip=True)],
)
def test_params_and_a_settings_keyword_at_once_is_a_type_error_naming_both(keyword):
    (name,) = keyword
    with pytest.raises(TypeError, match=f"params and {name}"):
        convcore.conv2d(np.ones((5, 5)), np.ones((2, 2)), params=convcore.ConvParams(), **keyword)
    if name != "flip":
        with pytest.raises(TypeError, match=f"params and {name}"):
            convcore.convolve2d(np.ones((5, 5)), np.ones((2, 2)), params=convcore.ConvParams(), **keyword)


def test_params_must_be_conv_params():
    with pytest.raises(TypeError, match="params must be a convcore ConvParams"):
        convcore.conv2d(np.ones((5, 5)), np.ones((2, 2)), params={"stride": 2})

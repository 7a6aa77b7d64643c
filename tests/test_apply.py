"""apply_filter: library filters on greyscale and RGB images, against PyTorch."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from scipy import ndimage

import convcore
from convcore import conv as conv_module
from convcore.kernels import SOBEL_X, SOBEL_Y
from tests.oracle import torch_conv2d


def test_apply_filter_luminance_rgb_and_colour_kernels_match_torch():
    rng = np.random.default_rng(3)
    img = rng.integers(0, 256, (20, 17, 3), dtype=np.uint8)
    x = img.transpose(2, 0, 1).astype(np.float64)
    sobel = convcore.get_filter("sobel_x")
    grey = x[0] * 0.299 + x[1] * 0.587 + x[2] * 0.114
    assert_allclose(
        convcore.apply_filter(img, sobel, stride=2), torch_conv2d(grey, sobel.kernel, stride=2), atol=1e-3
    )
    depthwise = torch_conv2d(x, np.repeat(sobel.kernel[None, None], 3, 0), groups=3, padding=1)
    assert_allclose(convcore.apply_filter(img, sobel, colour="rgb", padding=1), depthwise, atol=1e-3)
    green = convcore.get_filter("green_patches")
    assert_allclose(convcore.apply_filter(img, green), torch_conv2d(x, green.kernel[None])[0], atol=1e-3)


def test_sobel_magnitude_is_the_length_of_the_gradient():
    rng = np.random.default_rng(4)
    img = rng.random((12, 12)) * 255
    gx = convcore.conv2d(img, SOBEL_X)
    gy = convcore.conv2d(img, SOBEL_Y)
    assert_allclose(
        convcore.apply_filter(img, convcore.get_filter("sobel_magnitude")), np.hypot(gx, gy), rtol=1e-5
    )


def test_apply_filter_bad_arguments():
    img = np.zeros((8, 8, 3), dtype=np.uint8)
    with pytest.raises(ValueError, match="colour must be one of"):
        convcore.apply_filter(img, convcore.get_filter("sobel_x"), colour="hsv")
    with pytest.raises(TypeError, match="filt must be a convcore Filter"):
        convcore.apply_filter(img, np.ones((3, 3)))
    with pytest.raises(ValueError, match="needs an RGB image"):
        convcore.apply_filter(img[..., 0], convcore.get_filter("green_patches"))
    with pytest.raises(ValueError, match="image must have shape"):
        convcore.apply_filter(np.zeros((8, 8, 4)), convcore.get_filter("sobel_x"))
    with pytest.raises(ValueError, match="kernel is larger than the padded input"):
        convcore.apply_filter(img[:2, :2], convcore.get_filter("sobel_x"))


@pytest.mark.parametrize("key", ["sobel_x", "sobel_magnitude", "green_patches", "gaussian_blur"])
@pytest.mark.parametrize("colour", ["luminance", "rgb"])
@pytest.mark.parametrize(
    "settings",
    [
        dict(),
        dict(stride=2, padding=1),
        dict(padding="same", padding_mode="reflect", flip=True),
        dict(dilation=2),
    ],
)
def test_params_gives_the_same_maps_as_the_keywords(key, colour, settings):
    img = np.random.default_rng(6).integers(
        0, 256, (29, 26, 3), dtype=np.uint8
    )  # the default blur (13 taps) dilated 2 spans 25
    filt = convcore.get_filter(key)
    expected = convcore.apply_filter(img, filt, colour=colour, **settings)
    actual = convcore.apply_filter(img, filt, colour=colour, params=convcore.ConvParams(**settings))
    assert_array_equal(actual, expected)


def test_params_and_a_settings_keyword_at_once_is_a_type_error():
    img = np.zeros((8, 8, 3), dtype=np.uint8)
    with pytest.raises(TypeError, match="params and padding"):
        convcore.apply_filter(img, convcore.get_filter("sobel_x"), padding=1, params=convcore.ConvParams())


# --------------------------------------------------------------------------------------------
# Large separable kernels (a strong blur) go through 1-D FFTs: the same numbers as PyTorch and as
# the engine's direct path, to 1e-5 of the map's largest value (float32 rounding).

_MODES = ("zeros", "reflect", "replicate", "circular")


def _close(actual: np.ndarray, expected: np.ndarray) -> None:
    assert actual.shape == expected.shape and actual.dtype == np.float32
    assert_allclose(actual, expected, rtol=0, atol=1e-5 * max(1.0, float(np.abs(expected).max())))


def _torch_reference(img: np.ndarray, kernel: np.ndarray, colour: str, settings: dict) -> np.ndarray:
    x = img.transpose(2, 0, 1).astype(np.float64)
    k = kernel[::-1, ::-1] if settings.get("flip") else kernel
    options = {key: v for key, v in settings.items() if key != "flip"}
    if colour == "rgb":
        return torch_conv2d(x, np.repeat(k[None, None], 3, axis=0), groups=3, **options)
    grey = 0.299 * x[0] + 0.587 * x[1] + 0.114 * x[2]
    return torch_conv2d(grey, k, **options)


@st.composite
def _blur_cases(draw):
    """A Gaussian blur of 25 to 73 taps with settings that give a feature map."""
    sigma = draw(st.sampled_from([4.0, 5.5, 8.0, 12.0]))
    size = convcore.get_filter("gaussian_blur", sigma=sigma).size[0]
    dilation = draw(st.integers(1, 2))
    span = dilation * (size - 1) + 1
    mode = draw(st.sampled_from(_MODES))
    padding = draw(st.integers(0, 40))
    smallest = max(3, span - 2 * padding, padding + 1 if mode != "zeros" else 3)
    h, w = draw(st.integers(smallest, smallest + 30)), draw(st.integers(smallest, smallest + 30))
    stride = draw(st.integers(1, 4))
    settings = dict(
        stride=stride, padding=padding, dilation=dilation, padding_mode=mode, flip=draw(st.booleans())
    )
    if stride == 1 and draw(st.booleans()) and (mode == "zeros" or span // 2 < min(h, w)):
        settings["padding"] = "same"
    seed = draw(st.integers(0, 2**16))
    return sigma, (h, w), settings, draw(st.sampled_from(["luminance", "rgb"])), seed


@given(_blur_cases())
def test_a_large_blur_matches_torch_conv2d(case):
    sigma, (h, w), settings, colour, seed = case
    img = np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)
    filt = convcore.get_filter("gaussian_blur", sigma=sigma)
    _close(
        convcore.apply_filter(img, filt, colour=colour, **settings),
        _torch_reference(img, filt.kernel, colour, settings),
    )


@given(_blur_cases())
def test_the_engines_fft_passes_give_the_numbers_of_its_sliding_passes(case):
    sigma, (h, w), settings, colour, seed = case
    img = np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)
    filt = convcore.get_filter("gaussian_blur", sigma=sigma)
    fast = convcore.apply_filter(img, filt, colour=colour, **settings)
    original = conv_module._SEPARABLE_FFT_MIN_SPAN  # (monkeypatch is per test, not per example)
    try:
        conv_module._SEPARABLE_FFT_MIN_SPAN = 10**9  # the 1-D kernels slid directly
        direct = convcore.apply_filter(img, filt, colour=colour, **settings)
    finally:
        conv_module._SEPARABLE_FFT_MIN_SPAN = original
    _close(fast, direct)


def test_a_large_blur_matches_scipy_ndimage():
    img = np.random.default_rng(7).integers(0, 256, (90, 70, 3), dtype=np.uint8)
    filt = convcore.get_filter("gaussian_blur", sigma=9.0)
    for mode, nd in (("reflect", "mirror"), ("replicate", "nearest"), ("circular", "wrap")):
        got = convcore.apply_filter(img, filt, colour="rgb", padding="same", padding_mode=mode)
        want = np.stack(
            [ndimage.correlate(img[..., c].astype(np.float64), filt.kernel, mode=nd) for c in range(3)]
        )
        _close(got, want)


def test_only_rank_1_kernels_spanning_25_pixels_take_the_fft_passes(monkeypatch):
    calls = []
    real = conv_module._fft_pass
    monkeypatch.setattr(conv_module, "_fft_pass", lambda *a, **k: calls.append(1) or real(*a, **k))
    img = np.zeros((200, 200, 3), dtype=np.uint8)  # large enough that the engine does not gather windows

    def takes(filt, **settings) -> bool:
        calls.clear()
        convcore.apply_filter(img, filt, colour="luminance", padding="same", **settings)
        return bool(calls)

    assert takes(convcore.get_filter("gaussian_blur", sigma=4.0))  # 25 taps
    assert not takes(convcore.get_filter("gaussian_blur", sigma=3.5))  # 23 taps
    assert takes(convcore.get_filter("gaussian_blur", sigma=2.0), dilation=2)  # 13 taps spread over 25
    assert not takes(convcore.custom_filter(np.random.default_rng(0).random((15, 15))), dilation=2)  # rank 15


def test_a_blur_too_large_for_the_image_is_refused_with_the_engines_sentence():
    with pytest.raises(ValueError, match="kernel is larger than the padded input"):
        convcore.apply_filter(np.zeros((20, 20, 3), np.uint8), convcore.get_filter("gaussian_blur", sigma=12))


@st.composite
def _readout_case(draw):
    """A filter, colour mode and settings as the Filter Lab allows them, on a small random image."""
    key = draw(st.sampled_from(["sobel_x", "sobel_magnitude", "laplacian", "green_patches", "box_blur"]))
    colour = draw(st.sampled_from(["luminance", "rgb"]))
    stride, dilation = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    padding = draw(st.integers(0, 4))
    mode = draw(st.sampled_from(_MODES)) if padding else "zeros"
    flip = draw(st.booleans())
    seed = draw(st.integers(0, 2**16))
    return key, colour, convcore.ConvParams(stride=stride, padding=padding, dilation=dilation, padding_mode=mode,
                                            flip=flip), seed  # fmt: skip


@given(_readout_case())
def test_filter_inputs_terms_add_up_to_apply_filter_everywhere(case):
    """What the hover readout shows (issue 14): every output is the sum of its (input, weight) terms
    (the hypot of two sums for a magnitude filter), the numbers of apply_filter and so of torch."""
    key, colour, params, seed = case
    img = np.random.default_rng(seed).integers(0, 256, (14, 11, 3), dtype=np.uint8)
    filt = convcore.get_filter(key)
    try:
        out = convcore.apply_filter(img, filt, colour=colour, params=params)
    except ValueError as exc:  # too large a dilation for the image: both say so, with the same words
        with pytest.raises(ValueError, match=re.escape(str(exc))):
            convcore.filter_inputs(img, filt, colour=colour, params=params)
        return
    inputs = convcore.filter_inputs(img, filt, colour=colour, params=params)
    maps = out if out.ndim == 3 else out[None]
    assert inputs.channels_out == maps.shape[0] and inputs.geometry.output_size == maps.shape[1:]
    for c in range(maps.shape[0]):
        for i in range(maps.shape[1]):
            for j in range(maps.shape[2]):
                sums = [
                    t[:, 0] @ t[:, 1] for t in (inputs.terms(i, j, c, k) for k in range(len(inputs.kernels)))
                ]
                value = sums[0] if len(sums) == 1 else np.hypot(*sums)
                assert value == pytest.approx(maps[c, i, j], abs=1e-3)


def test_filter_inputs_hand_computed_and_bad_positions():
    img = np.arange(16, dtype=np.float64).reshape(4, 4)
    inputs = convcore.filter_inputs(
        img, convcore.get_filter("sobel_x"), params=convcore.ConvParams(padding=1)
    )
    assert inputs.padded.shape == (1, 6, 6) and not inputs.depthwise
    # output (0, 0) reads the zero border and the 2 x 2 corner [[0, 1], [4, 5]]: by hand 2*1 + 1*5 = 7
    terms = inputs.terms(0, 0)
    assert terms[:, 0].tolist() == [0, 0, 0, 0, 0, 1, 0, 4, 5]
    assert terms[:, 1].tolist() == [-1, 0, 1, -2, 0, 2, -1, 0, 1]
    assert float(terms[:, 0] @ terms[:, 1]) == 2 * 1 + 1 * 5 == convcore.apply_filter(img, convcore.get_filter(
        "sobel_x"), padding=1)[0, 0]  # fmt: skip
    with pytest.raises(ValueError, match="row must be < 4"):
        inputs.terms(4, 0)
    with pytest.raises(ValueError, match="col must be >= 0"):
        inputs.terms(0, -1)
    with pytest.raises(ValueError, match="channel must be < 1"):
        inputs.terms(0, 0, channel=1)
    with pytest.raises(TypeError, match="kernel must be an int"):
        inputs.terms(0, 0, kernel=0.5)
    with pytest.raises(TypeError, match="filt must be a convcore Filter"):
        convcore.filter_inputs(img, "sobel_x")
    with pytest.raises(ValueError, match="colour must be one of"):
        convcore.filter_inputs(img, convcore.get_filter("sobel_x"), colour="cmyk")

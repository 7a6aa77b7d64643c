"""apply_filter: library filters on greyscale and RGB images, against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import convcore
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
    img = np.random.default_rng(6).integers(0, 256, (19, 16, 3), dtype=np.uint8)
    filt = convcore.get_filter(key)
    expected = convcore.apply_filter(img, filt, colour=colour, **settings)
    actual = convcore.apply_filter(img, filt, colour=colour, params=convcore.ConvParams(**settings))
    assert_array_equal(actual, expected)


def test_params_and_a_settings_keyword_at_once_is_a_type_error():
    img = np.zeros((8, 8, 3), dtype=np.uint8)
    with pytest.raises(TypeError, match="params and padding"):
        convcore.apply_filter(img, convcore.get_filter("sobel_x"), padding=1, params=convcore.ConvParams())

"""The filter library and apply_filter."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import convcore
from convcore import filters as F
from tests.oracle import torch_conv2d


def test_every_filter_builds_with_defaults_and_has_a_description():
    for key, spec in convcore.FILTERS.items():
        filt = spec.build()
        assert filt.key == key
        assert filt.description and spec.description and filt.name
        assert filt.kernel.ndim in (2, 3) and max(filt.size) <= 15
        assert np.isfinite(filt.kernel).all()


def test_sobel_is_the_outer_product_of_smoothing_and_difference():
    assert_array_equal(F.SOBEL_X, [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    assert_array_equal(F.SOBEL_Y, F.SOBEL_X.T)
    assert np.linalg.matrix_rank(F.SOBEL_X) == 1


def test_named_kernels_are_read_only():
    with pytest.raises(ValueError):
        F.SOBEL_X[0, 0] = 5


@pytest.mark.parametrize("key", ["box_blur", "gaussian_blur", "identity"])
def test_smoothing_filters_keep_brightness(key):
    assert convcore.get_filter(key).kernel.sum() == pytest.approx(1.0)


@pytest.mark.parametrize(
    "key", ["sobel_x", "sobel_y", "prewitt_x", "scharr_y", "laplacian", "outline", "oriented_edge"]
)
def test_edge_filters_ignore_flat_areas(key):
    assert convcore.get_filter(key).kernel.sum() == pytest.approx(0.0, abs=1e-12)


def test_oriented_edge_at_0_and_90_degrees_are_sobel_x_and_upward_sobel():
    assert_allclose(convcore.get_filter("oriented_edge", angle=0).kernel, F.SOBEL_X)
    assert_allclose(convcore.get_filter("oriented_edge", angle=90).kernel, -F.SOBEL_Y)


def test_oriented_edge_responds_most_to_its_own_direction():
    rows, cols = np.mgrid[0:21, 0:21]
    diagonal_ramp = (cols - rows).astype(float)  # brighter towards the upper right (45 degrees)
    responses = {
        a: convcore.apply_filter(diagonal_ramp, convcore.get_filter("oriented_edge", angle=a))[5, 5]
        for a in (0, 45, 90, 135)
    }
    assert max(responses, key=responses.get) == 45
    assert responses[135] == pytest.approx(0.0, abs=1e-4)


def test_gaussian_size_grows_with_sigma_and_is_capped():
    assert convcore.get_filter("gaussian_blur", sigma=0.5).size == (5, 5)
    assert convcore.get_filter("gaussian_blur", sigma=2.5).size == (15, 15)


def test_filter_parameters_are_checked():
    with pytest.raises(ValueError, match="sigma must be a number from 0.5 to 2.5"):
        convcore.get_filter("gaussian_blur", sigma=9)
    with pytest.raises(ValueError, match="size must be an integer"):
        convcore.get_filter("box_blur", size=4.5)
    with pytest.raises(ValueError, match="size must be odd"):
        convcore.get_filter("box_blur", size=4)
    with pytest.raises(ValueError, match="takes parameters"):
        convcore.get_filter("sobel_x", angle=3)
    with pytest.raises(ValueError, match="filter must be one of"):
        convcore.get_filter("sobel_z")
    with pytest.raises(TypeError, match="angle must be a number"):
        convcore.get_filter("oriented_edge", angle="north")


def test_colour_filters_pick_their_colours():
    shapes = convcore.sample_image("Colour shapes")  # red and green discs, blue and yellow squares
    green = convcore.apply_filter(shapes, convcore.get_filter("green_patches"), padding="same")
    red_green = convcore.apply_filter(shapes, convcore.get_filter("red_minus_green"), padding="same")
    blue_yellow = convcore.apply_filter(shapes, convcore.get_filter("blue_to_yellow_edge"), padding="same")
    red_centre, green_centre = (68, 68), (68, 188)
    assert green[green_centre] > 100 and green[red_centre] < -50
    assert red_green[red_centre] > 150 and red_green[green_centre] < -100
    seam_row = 188  # blue square on the left meets the yellow square at column 128
    assert blue_yellow[seam_row, 128] > 150
    assert abs(blue_yellow[seam_row, 60]) < 1e-3  # inside the blue square: no edge


def test_custom_filter_checks_its_numbers():
    assert convcore.custom_filter(np.ones((2, 3))).size == (2, 3)
    with pytest.raises(ValueError, match="at most 15x15"):
        convcore.custom_filter(np.ones((16, 3)))
    with pytest.raises(ValueError, match="3 slices"):
        convcore.custom_filter(np.ones((2, 3, 3)))
    with pytest.raises(ValueError, match="kernel contains NaN"):
        convcore.custom_filter(np.array([[np.nan]]))


def test_banks_build():
    for name in convcore.BANKS:
        assert len(convcore.get_bank(name)) >= 3
    assert [f.kernel[1, 2] for f in convcore.get_bank("Four edge directions")][0] == 2
    with pytest.raises(ValueError, match="bank must be one of"):
        convcore.get_bank("nope")


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
    gx = convcore.conv2d(img, F.SOBEL_X)
    gy = convcore.conv2d(img, F.SOBEL_Y)
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


def test_samples_are_rgb_uint8():
    for name in convcore.SAMPLES:
        img = convcore.sample_image(name)
        assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3
        assert 200 <= max(img.shape[:2]) <= 1024
    seven = convcore.sample_image("Digit 7")
    assert seven[..., 0].mean() < 80 and seven.max() == 255  # white strokes on black
    with pytest.raises(ValueError, match="name must be one of"):
        convcore.sample_image("Lena")


def test_convcore_never_imports_streamlit_or_matplotlib():
    import subprocess
    import sys

    code = "import sys, convcore; convcore.sample_image('Digit 7'); print(sorted(m for m in sys.modules if m.split('.')[0] in ('streamlit', 'matplotlib')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"

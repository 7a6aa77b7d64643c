"""The filter library: named kernels, filters with parameters, banks and custom kernels."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import convcore
from convcore import kernels as F


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


def test_gaussian_kernel_reaches_three_sigma_up_to_sigma_12():
    # 2 * ceil(3 sigma) + 1 taps: strong enough to see on a 1-megapixel photo (issue 13)
    for sigma, size in ((0.5, 5), (2.5, 17), (10, 61), (12, 73)):
        filt = convcore.get_filter("gaussian_blur", sigma=sigma)
        assert filt.size == (size, size)
        assert filt.kernel.sum() == pytest.approx(1.0)
        assert np.linalg.matrix_rank(filt.kernel) == 1  # separable: apply_filter's FFT path takes it
        edge = filt.kernel[size // 2, 0] / filt.kernel[size // 2, size // 2]
        assert edge == pytest.approx(np.exp(-0.5 * ((size // 2) / sigma) ** 2))
    assert convcore.FILTERS["gaussian_blur"].params[0].maximum == 12.0


def test_the_blur_bank_shows_three_scales_that_can_be_seen():
    sizes = [f.size[0] for f in convcore.get_bank("Blur at three scales")]
    assert sizes == [7, 19, 49]  # sigma 1, 3 and 8


def test_filter_parameters_are_checked():
    with pytest.raises(ValueError, match="sigma must be a number from 0.5 to 12.0"):
        convcore.get_filter("gaussian_blur", sigma=12.5)
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


@pytest.mark.parametrize(
    "kernel, picture",
    [
        ([[0, 0, 0], [0, 1, 0], [0, 0, 0]], True),  # identity: the photo
        (np.full((3, 3), 1 / 9), True),  # box blur
        (np.ones((3, 3)), True),  # no negative weights: a (bright) picture
        (F.SHARPEN, True),  # negative weights summing to 1: still a picture
        (F.SOBEL_X, False),  # an edge detector: signs matter
        ([[-1.0]], False),
        (np.zeros((3, 3)), False),
        (np.stack([np.full((2, 2), w) for w in (0.299, 0.587, 0.114)]), True),  # brightness, per channel
        (np.stack([F.SOBEL_X] * 3), False),
    ],
)
def test_a_typed_kernel_counts_as_a_picture_when_it_keeps_the_brightness(kernel, picture):
    assert convcore.custom_filter(np.asarray(kernel)).looks_like_image is picture


def test_banks_build():
    for name in convcore.BANKS:
        assert len(convcore.get_bank(name)) >= 3
    assert [f.kernel[1, 2] for f in convcore.get_bank("Four edge directions")][0] == 2
    with pytest.raises(ValueError, match="bank must be one of"):
        convcore.get_bank("nope")

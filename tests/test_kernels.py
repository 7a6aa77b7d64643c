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

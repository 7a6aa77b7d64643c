"""Sample images and patches: generated or shipped, RGB uint8, without streamlit or matplotlib."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import convcore


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
    from tests.imports import imported_by

    assert imported_by("import convcore; convcore.sample_image('Digit 7')", ("streamlit", "matplotlib")) == []


def test_patches():
    for name in convcore.PATCHES:
        for n in (5, 16):
            p = convcore.patch_preset(name, n)
            assert p.shape == (n, n) and p.dtype == np.uint8
    assert convcore.patch_preset("Vertical edge", 6)[0].tolist() == [0, 0, 0, 255, 255, 255]
    assert convcore.patch_preset("Small random integers", 5).max() <= 9
    with pytest.raises(ValueError, match="size must be an int from 2 to 64"):
        convcore.patch_preset("Digit 7", 100)
    with pytest.raises(ValueError, match="name must be one of"):
        convcore.patch_preset("Lena", 5)


def test_crop_patch_averages_blocks_and_stays_inside_the_image():
    img = np.zeros((100, 80, 3), np.uint8)
    img[:, 40:] = 200  # right half bright
    grey = convcore.crop_patch(img, (50, 40), 40, 4)  # region columns 20..59: halves of 20 px
    assert grey.shape == (4, 4) and grey[0].tolist() == [0, 0, 200, 200]
    corner = convcore.crop_patch(img, (0, 0), 20, 5, colour=True)  # moved inside the image
    assert corner.shape == (3, 5, 5) and corner.max() == 0
    with pytest.raises(ValueError, match="image must be an"):
        convcore.crop_patch(np.zeros((4, 4)), (0, 0), 2, 2)


@pytest.mark.parametrize("name", list(convcore.SAMPLES))
@pytest.mark.parametrize("side", [160, 240])
def test_a_sample_preview_is_the_same_picture_made_small(name, side):
    """Home's cards (issue 18's cold start): without the full-size image, big enough for a card of
    ``side`` pixels, and the same picture (both shrunk to 32 x 32 differ by a few levels at most)."""
    full = convcore.sample_image(name)
    small = convcore.sample_preview(name, side)
    assert small.dtype == np.uint8 and small.ndim == 3 and small.shape[2] == 3
    assert min(small.shape[:2]) >= min(side, *full.shape[:2])
    assert small.shape[0] * full.shape[1] == pytest.approx(
        small.shape[1] * full.shape[0], rel=0.02
    )  # its shape

    def tiny(a):
        return np.asarray(Image.fromarray(a).resize((32, 32), Image.Resampling.BOX), dtype=np.float64)

    assert np.abs(tiny(small) - tiny(full)).mean() < 6


@pytest.mark.parametrize(
    "args, message",
    [(("Nope", 160), "name must be one of"), (("Circles", 8), "side must be"), (("Circles", True), "side must be"),
     (("Circles", 160.0), "side must be"), (("Circles", 5000), "side must be")],
)  # fmt: skip
def test_a_sample_preview_refuses_bad_arguments(args, message):
    with pytest.raises(ValueError, match=message):
        convcore.sample_preview(*args)

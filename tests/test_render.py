"""app.render and app.explain: the pictures and formulas a student reads."""

from __future__ import annotations

import numpy as np
import pytest

import convcore
from app import explain, render


def test_diverging_map_is_white_at_zero_and_symmetric():
    c = render.colourise(np.array([[-2.0, 0.0, 2.0]]), "diverging")
    assert (c.vmin, c.vmax) == (-2.0, 2.0)
    neg, zero, pos = c.rgb[0]
    assert zero.min() > 230  # white-ish
    assert neg[2] > neg[0] and pos[0] > pos[2]  # blue negative, red positive


def test_relu_and_absolute_and_picture_displays():
    v = np.array([[-4.0, 0.0, 2.0]])
    relu = render.colourise(v, "relu")
    assert relu.rgb[0, 0].max() == 0 and relu.rgb[0, 2].min() == 255 and relu.vmax == 2.0
    absolute = render.colourise(v, "absolute")
    assert absolute.rgb[0, 0].min() == 255 and absolute.vmax == 4.0
    pic = render.colourise(np.array([[-5.0, 100.4, 300.0]]), "image")
    assert pic.rgb[0, :, 0].tolist() == [0, 100, 255]
    rgb = render.colourise(np.zeros((3, 2, 2)) + np.array([10, 20, 30])[:, None, None], "image")
    assert rgb.rgb.shape == (2, 2, 3) and rgb.rgb[0, 0].tolist() == [10, 20, 30]
    with pytest.raises(ValueError, match="display must be one of"):
        render.colourise(v, "rainbow")


def test_stretch_uses_the_99th_percentile():
    v = np.concatenate([np.ones(999), [1000.0]])
    assert render.full_scale(v, "diverging", stretch=False) == 1000.0
    assert render.full_scale(v, "diverging", stretch=True) == pytest.approx(1.0)
    assert render.full_scale(np.zeros(4), "relu", stretch=True) == 1.0  # never divides by zero


def test_upscale_uses_whole_factors_and_square_pixels():
    small = np.arange(12, dtype=np.uint8).reshape(2, 2, 3)
    big = render.upscale(small, 256)
    assert big.shape == (256, 256, 3)
    assert (big[:128, :128] == small[0, 0]).all()
    assert render.upscale(np.zeros((600, 512, 3), np.uint8)).shape == (600, 512, 3)


@pytest.mark.parametrize(
    "value,text", [(2.0, "2"), (-1.0, "-1"), (0.111111, "0.111"), (1.41421, "1.41"), (1234.5, "1234")]
)
def test_numbers_are_written_as_a_student_would(value, text):
    assert render.fmt(value) == text


def test_number_grid_and_colour_bar_sizes():
    grid = render.number_grid(convcore.get_filter("sobel_x").kernel, cell=40)
    assert grid.shape == (121, 121, 3)
    bar = render.colourbar(render.colourise(np.array([[-1.0, 1.0]]), "diverging"), width=300, label="x" * 200)
    assert bar.shape[1] == 300
    assert render.png_bytes(grid)[:4] == b"\x89PNG"


def test_size_formula_shows_the_numbers_and_the_result():
    h, w = explain.size_formulas((600, 512), (3, 3), stride=2, padding=1, dilation=1)
    assert r"600 + 2\cdot1 - 1\cdot(3-1) - 1" in h and r"\mathbf{300}" in h
    assert r"\mathbf{256}" in w
    same = explain.size_formulas((10, 10), (4, 4), stride=1, padding="same", dilation=1)[0]
    assert "1 + 2" in same and r"\mathbf{10}" in same  # asymmetric: 1 above, 2 below
    none = explain.size_formula("H", 3, 5, 1, 0, 0, 1)
    assert r"\text{no output}" in none


def test_formula_agrees_with_convcore_for_many_settings():
    for n in (5, 17, 600):
        for k in (1, 2, 3, 5):
            for s in (1, 2, 3):
                for p in (0, 1, 2):
                    for d in (1, 2):
                        text = explain.size_formula("H", n, k, s, p, p, d)
                        try:
                            expected = convcore.output_size(n, k, stride=s, padding=p, dilation=d)
                        except ValueError:
                            assert r"\text{no output}" in text
                            continue
                        assert text.endswith(rf"\mathbf{{{expected}}} \end{{aligned}}")


def test_parameter_counts():
    assert explain.parameter_count(convcore.get_filter("sobel_x"), "luminance") == "3 x 3 = 9 weights"
    assert "two 3 x 3 kernels = 18 weights" in explain.parameter_count(
        convcore.get_filter("sobel_magnitude"), "rgb"
    )
    assert "5 x 5 x 3 = 75 weights" in explain.parameter_count(
        convcore.get_filter("green_patches"), "luminance"
    )


def test_colour_blind_safe_palettes():
    v = np.array([[-1.0, 0.0, 1.0]])
    for name, (div, seq) in render.PALETTES.items():
        assert render.colourise(v, "diverging", palette=(div, seq)).cmap == div, name
        assert render.colourise(v, "relu", palette=(div, seq)).cmap == seq, name
    safe = render.PALETTES["Colour-blind safe (purple-orange, cividis)"]
    assert safe == ("PuOr_r", "cividis")

"""app.explain: formulas, equations and parameter counts written out with the live numbers."""

from __future__ import annotations

import numpy as np

import convcore
from app import explain


def test_size_formula_shows_the_numbers_and_the_result():
    h, w = explain.size_formulas((600, 512), (3, 3), convcore.ConvParams(stride=2, padding=1))
    assert r"600 + 2\cdot1 - 1\cdot(3-1) - 1" in h and r"\mathbf{300}" in h
    assert r"\mathbf{256}" in w
    same = explain.size_formulas((10, 10), (4, 4), convcore.ConvParams(padding="same"))[0]
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
    assert explain.filter_parameters(convcore.get_filter("sobel_x"), "luminance") == "3 x 3 = 9 weights"
    assert "two 3 x 3 kernels = 18 weights" in explain.filter_parameters(
        convcore.get_filter("sobel_magnitude"), "rgb"
    )
    assert "5 x 5 x 3 = 75 weights" in explain.filter_parameters(
        convcore.get_filter("green_patches"), "luminance"
    )


def test_formulas_say_no_output_where_convcore_finds_none():
    params = convcore.ConvParams(dilation=3)
    h, _ = explain.size_formulas((4, 40), (3, 3), params)
    assert r"\text{no output}" in h
    assert convcore.conv_geometry((40, 40), (3, 3), dilation=3).output_size == (34, 34)


def test_layer_parameters_agree_with_convcore():
    assert explain.layer_parameters((8, 3, 3, 3)) == "8 x 3 x 3 x 3 = 216 weights + 8 biases = 224 parameters"
    assert explain.layer_parameters((1, 1, 2, 5)).endswith("= 10 weights + 1 bias = 11 parameters")


def test_step_and_pool_equations_use_the_traces_numbers():
    trace = convcore.conv2d_steps(np.arange(9.0).reshape(3, 3), np.array([[1.0, -1.0]]), 0.5)
    assert explain.step_equation(trace[0]) == "0×1 + 1×(-1) = -1; + bias 0.5 = -0.5 (output row 1, column 1)"
    pool = convcore.pool2d_steps(np.arange(16.0).reshape(4, 4), 2, padding=1)
    assert explain.pool_equation(pool[0]) == "max(-inf, -inf, -inf, 0) = 0 (output row 1, column 1)"
    avg = convcore.pool2d_steps(np.arange(16.0).reshape(4, 4), 2, mode="avg")
    assert explain.pool_equation(avg[0]) == "(0 + 1 + 4 + 5) / 4 = 2.5 (output row 1, column 1)"

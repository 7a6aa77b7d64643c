"""app.explain: formulas, equations and parameter counts written out with the live numbers."""

from __future__ import annotations

import numpy as np

import convcore
from app import explain
from app.draw.text import fmt


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
                        assert text.endswith(rf"\mathbf{{{expected}}} \end{{aligned}} \;")


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


def test_parameter_counts_have_thousands_separators():
    assert explain.layer_parameters((256, 384, 3, 3)) == (
        "256 x 384 x 3 x 3 = 884,736 weights + 256 biases = 884,992 parameters"
    )
    assert explain.layer_parameters((64, 3, 11, 11)).endswith(
        "= 23,232 weights + 64 biases = 23,296 parameters"
    )


def test_a_window_is_placed_in_rows_and_columns_counted_from_one():
    trace = convcore.conv2d_steps(
        np.arange(49.0).reshape(7, 7), np.ones((3, 3)), params=convcore.ConvParams(dilation=2)
    )
    assert explain.window_place(trace[0]) == "rows 1, 3 and 5, columns 1, 3 and 5"  # dilation: gaps
    plain = convcore.conv2d_steps(np.arange(49.0).reshape(7, 7), np.ones((3, 3)))
    assert explain.window_place(plain[1]) == "rows 1-3, columns 2-4"


def test_hints_say_where_and_what_to_do_without_the_result():
    trace = convcore.conv2d_steps(np.arange(9.0).reshape(3, 3), np.array([[1.0, -1.0]]), 0.5)
    hint = explain.step_hint(trace[1])
    assert hint == (
        "Lay the kernel on the input (as drawn) at rows 1, columns 2-3. Multiply each of the 2 numbers there by "
        "the kernel number on top of it (the first: 1×1 = 1) and add the 2 products; then add the bias, 0.5."
    )
    assert fmt(trace[1].value) not in hint.replace("0.5", "")
    rgb = convcore.conv2d_steps(np.ones((3, 4, 4)), np.ones((1, 3, 2, 2)))
    assert "on each of the 3 colour channels" in explain.step_hint(rgb[0])
    pool = convcore.pool2d_steps(np.arange(16.0).reshape(4, 4), 2)
    assert explain.pool_hint(pool[1]) == (
        "Look at the 4 numbers of the input (as drawn) at rows 1-2, columns 3-4: max pooling keeps the largest of them."
    )
    avg = convcore.pool2d_steps(np.arange(16.0).reshape(4, 4), 2, mode="avg")
    assert explain.pool_hint(avg[0]).endswith("and divide the sum by 4 (padding, if any, counts as 0).")


def test_the_what_if_size_hint_and_solution():
    hint, worked = explain.size_what_if(8, 3, 2, 1, 1, 1)
    assert "the top of the fraction stays 8 + 2 - 1·(3 - 1) - 1 = 7. Divide it by the new stride, 2" in hint
    assert r"\mathbf{4}" in worked and convcore.output_size(8, 3, stride=2, padding=1) == 4


def test_an_rgb_sum_adds_up_as_shown():
    """The RGB equation's shown terms add up to its shown sum, and the shown sum plus the shown bias
    to the shown output (one number of decimals for all), close to the true output."""
    from decimal import Decimal

    from hypothesis import given, settings
    from hypothesis import strategies as hs

    @settings(max_examples=150, deadline=None)
    @given(seed=hs.integers(0, 2**32 - 1), places=hs.integers(0, 3), bias=hs.floats(-50, 50))
    def check(seed, places, bias):
        rng = np.random.default_rng(seed)
        x = rng.integers(0, 256, (3, 6, 6)).astype(float)
        w = rng.normal(0, 1, (1, 3, 3, 3)).round(places)
        trace = convcore.conv2d_steps(x, w, np.array([bias]))
        step = trace[int(rng.integers(len(trace)))]
        left, right = explain.step_equation(step).split("; + bias ")
        _, terms, total = left.split(" = ")
        shown = [Decimal(t.strip("()")) for t in terms.split(" + ")]
        b, value = right.split(" = ")
        value = Decimal(value.split(" (")[0])
        assert sum(shown) == Decimal(total)
        assert Decimal(total) + Decimal(b.strip("()")) == value
        assert abs(float(value) - step.value) <= 0.005 * max(1.0, abs(step.value))

    check()
    # the case the issue found: shown as -102 + 116 + -41.9 = -27.6, which does not add up
    assert explain.added_up([-101.64, 116.38, -41.9, 0.0])[:5] == [
        "-101.64",
        "116.38",
        "-41.90",
        "0.00",
        "-27.16",
    ]

"""AppTest for the step-by-step pages (convolution and pooling)."""

from __future__ import annotations

from pathlib import Path
from unittest.mock import patch

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import convcore
from app.draw.text import fmt
from tests.apptest import by_label, open_page, page_path

ROOT = Path(__file__).resolve().parent.parent
CONV = "conv_steps"
POOL = "pool_steps"


def _page(path: str) -> AppTest:
    return open_page(path)


def _equation(at) -> str:
    lines = [m.value for m in at.markdown if m.value.startswith("#### ")]
    assert len(lines) == 1
    return lines[0]


def _step(at, prefix) -> int:
    return at.session_state[f"{prefix}.step"]


def test_conv_steps_forward_back_and_numbers_match_conv2d():
    at = _page(CONV)
    by_label(at.radio, "Input").set_value("Preset").run()
    by_label(at.selectbox, "Preset").select("Vertical edge").run()
    by_label(at.slider, "Grid size").set_value(6).run()
    assert not at.exception
    # Sobel x on a vertical edge (0 | 255 at column 3): the 2nd output of row 1 sits on the edge
    assert "= 0;" in _equation(at)  # first window is flat: 0
    by_label(at.button, "Next").click().run()
    assert _step(at, "cs") == 2
    expected = convcore.conv2d(
        convcore.patch_preset("Vertical edge", 6), convcore.get_filter("sobel_x").kernel
    )
    assert f"= {int(expected[0, 1])} (output row 1, column 2)" in _equation(at)
    by_label(at.button, "Previous").click().run()
    assert _step(at, "cs") == 1
    by_label(at.slider, "Step (of 16)").set_value(16).run()
    assert "(output row 4, column 4)" in _equation(at)
    assert not at.exception


def test_conv_steps_stride_padding_dilation_and_flip():
    at = _page(CONV)
    by_label(at.radio, "Input").set_value("Preset").run()
    by_label(at.selectbox, "Preset").select("Small random integers").run()
    by_label(at.slider, "Stride").set_value(2).run()
    by_label(at.slider, "Padding").set_value(1).run()
    by_label(at.slider, "Dilation").set_value(2).run()
    by_label(at.selectbox, "Padding holds").select("reflect").run()
    by_label(at.toggle, "Flip the kernel (true convolution)").set_value(True).run()
    by_label(at.number_input, "Bias").set_value(5.0).run()
    assert not at.exception
    x = convcore.patch_preset("Small random integers", 8)
    out = convcore.convolve2d(
        x, convcore.get_filter("sobel_x").kernel, 5.0, stride=2, padding=1, dilation=2, padding_mode="reflect"
    )
    assert out.shape == (3, 3)
    n = out.size
    by_label(at.slider, f"Step (of {n})").set_value(n).run()
    assert f"+ bias 5 = {int(out[-1, -1])}" in _equation(at)
    assert any(r"\mathbf{3}" in e.value for e in at.latex)


def test_conv_steps_rgb_volume_with_several_filters():
    at = _page(CONV)
    by_label(at.toggle, "RGB volume (3 channels)").set_value(True).run()
    assert not at.exception
    assert "R + G + B =" in _equation(at)
    captions = " ".join(c.value for c in at.caption)
    assert "2 x 3 x 5 x 5 = 150 weights + 2 biases = 152 parameters" in captions  # green patches + Sobel x
    assert "padded with zeros to 5 x 5" in captions
    n = at.session_state["cs.step"]
    assert n == 1


def test_conv_steps_typed_input_and_kernel():
    at = _page(CONV)
    by_label(at.radio, "Input").set_value("Type numbers").run()
    by_label(at.toggle, "Type the kernel").set_value(True).run()
    assert not at.exception
    assert "×" in _equation(at)


def test_conv_steps_impossible_settings_explain():
    at = _page(CONV)
    by_label(at.radio, "Input").set_value("Preset").run()
    by_label(at.slider, "Grid size").set_value(5).run()
    by_label(at.slider, "Dilation").set_value(3).run()  # a 3x3 kernel spans 7 > 5
    assert not at.exception
    assert "kernel is larger than the padded input" in " ".join(w.value for w in at.warning)
    by_label(at.slider, "Dilation").set_value(1).run()  # back to normal: the page still works
    assert not at.warning and _equation(at)


def test_a_click_on_an_output_cell_goes_to_its_step():
    """What the grids' "jump" trigger does (a click on an output cell, tests/test_browser_steps.py
    clicks it in Chromium): the step that writes that cell, and nothing for a cell that is not there."""
    from app.widgets import stepgrid

    trace = convcore.conv2d_steps(np.zeros((8, 8)), np.ones((3, 3)))
    for value, expected in (
        ({"row": 2, "col": 1}, 2 * 6 + 1 + 1),
        ({"row": 9, "col": 0}, None),
        ({"row": "2"}, None),
    ):
        state = {"cs._grids": {"jump": value}, "cs.step": 1}
        with patch.object(stepgrid.st, "session_state", state):
            stepgrid._jump("cs", trace, 0)
        assert state["cs.step"] == (expected or 1)


def test_pool_steps_max_and_average():
    at = _page(POOL)
    by_label(at.radio, "Input").set_value("Preset").run()
    by_label(at.selectbox, "Preset").select("Small random integers").run()
    assert not at.exception
    x = convcore.patch_preset("Small random integers", 8)
    pooled = convcore.pool2d(x, 2)
    assert f"= {int(pooled[0, 0])} (output row 1, column 1)" in _equation(at)
    assert _equation(at).startswith("#### max(")
    by_label(at.radio, "Pooling").set_value("Average").run()
    by_label(at.button, "Next").click().run()
    avg = convcore.pool2d(x, 2, mode="avg")
    assert f"/ 4 = {avg[0, 1]:.3g}".rstrip("0").rstrip(".") in _equation(at)
    by_label(at.slider, "Padding").set_value(1).run()
    assert not at.exception
    by_label(at.slider, "Window size").set_value(1).run()  # padding 1 > half of 1: refused
    assert "padding must be at most half" in " ".join(w.value for w in at.warning)


def test_pool_shift_comparison_is_reported():
    at = _page(POOL)
    by_label(at.radio, "Input").set_value("Preset").run()
    by_label(at.selectbox, "Preset").select("Vertical edge").run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    cmp = convcore.compare_shift(convcore.patch_preset("Vertical edge", 8).astype(float), 2)
    assert f"**{cmp.unchanged_before:.0%}** of the input" in text
    assert f"**{cmp.unchanged_after:.0%}** of the pooled output" in text


def test_pool_shift_shows_the_map_moving_with_the_input_and_pooling_keeping_numbers():
    """Lesson step 9: equivariance of the convolution (its map moves with the input, all numbers
    away from the border equal), against approximate invariance after pooling; convcore's numbers."""
    at = _page(POOL)
    by_label(at.radio, "Input").set_value("Preset").run()
    by_label(at.selectbox, "Preset").select("Vertical edge").run()
    assert not at.exception
    x = convcore.patch_preset("Vertical edge", 8).astype(float)
    check = convcore.conv_shift(x, convcore.get_filter("sobel_x").kernel, cols=1)
    text = " ".join(m.value for m in at.markdown)
    assert "**Convolution moves with the input** (equivariance)" in text
    assert (
        f"Away from the outlined border column, where new pixels came in, **{check.equal_inside} of 30** numbers are equal to it; only that column (6 numbers) is new"
        in text
    )
    assert check.inside_count == 30
    assert "**After max pooling, more numbers stay the same** (approximate invariance)" in text
    by_label(at.radio, "Direction").set_value("Down").run()
    by_label(at.selectbox, "Kernel for the convolution").select("laplacian").run()
    by_label(at.radio, "Pooling").set_value("Average").run()
    assert not at.exception
    down = convcore.conv_shift(x, convcore.get_filter("laplacian").kernel, rows=1, cols=0)
    text = " ".join(m.value for m in at.markdown)
    assert f"**{down.equal_inside} of {down.inside_count}** numbers" in text and "border row" in text
    assert "**This shift changes no number of the input**" in text  # a vertical edge, moved down
    by_label(at.selectbox, "Preset").select("Digit 7").run()
    digit = convcore.compare_shift(
        convcore.patch_preset("Digit 7", 8).astype(float), 2, rows=1, cols=0, mode="avg"
    )
    assert digit.unchanged_after <= digit.unchanged_before  # the stroke crosses window borders
    assert "**Here average pooling keeps no more numbers than the input**" in " ".join(
        m.value for m in at.markdown
    )
    alts = " | ".join(_alts(at))
    assert "The map of Laplacian on the input, 6 x 6" in alts
    assert "the 6 numbers of the border row where new pixels came in are outlined" in alts


@pytest.mark.parametrize("page", [CONV, POOL])
def test_gif_is_made_on_request(page):
    at = _page(page)
    by_label(at.radio, "Input").set_value("Preset").run()
    by_label(at.slider, "Grid size").set_value(5 if page == CONV else 4).run()
    by_label(at.button, "Make the animation (GIF)").click().run()
    assert not at.exception
    prefix = "cs" if page == CONV else "ps"
    sig, data = at.session_state[f"{prefix}._gif"]
    assert data[:6] == b"GIF89a"
    import io

    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        assert im.n_frames == (9 if page == CONV else 4)


def test_shift_comparison_in_convcore():
    x = np.zeros((4, 4))
    x[1, 0] = 9  # one bright pixel at the left of the first 2x2 window
    cmp = convcore.compare_shift(x, 2, cols=1)
    assert cmp.shifted[1, 1] == 9  # moved right (and the edge column is repeated)
    assert cmp.unchanged_before == 15 / 16
    assert cmp.unchanged_after == 1.0  # still inside the same 2x2 window: max pooling does not notice
    x2 = np.zeros((4, 4))
    x2[1, 1] = 9  # at the right edge of its window: the shift carries it into the next one
    assert convcore.compare_shift(x2, 2, cols=1).unchanged_after == 0.5
    assert convcore.shift(np.arange(3.0)[None], cols=1).tolist() == [[0.0, 0.0, 1.0]]


def test_crop_of_the_photo_stride2_padding1_dilation2_every_step_matches_conv2d():
    at = _page(CONV)
    image = at.session_state["image.current"]
    h, w = image.pixels.shape[:2]
    # a click on the (320 px wide) picture at its centre-left, as streamlit-image-coordinates sends it
    at.session_state["cs._pick"] = {
        "x": 100,
        "y": 200,
        "width": 320,
        "height": round(320 * h / w),
        "unix_time": 7,
    }
    at.run()
    by_label(at.slider, "Stride").set_value(2).run()
    by_label(at.slider, "Padding").set_value(1).run()
    by_label(at.slider, "Dilation").set_value(2).run()
    assert not at.exception
    centre = (
        at.session_state[f"cs.crop_row.{image.key}"] - 1,
        at.session_state[f"cs.crop_col.{image.key}"] - 1,
    )
    assert centre == (int(200 * h / round(320 * h / w)), int(100 * w / 320))
    region = at.session_state["cs.region"]
    patch = convcore.crop_patch(image.pixels, centre, region, 8).astype(float)
    expected = convcore.conv2d(patch, convcore.get_filter("sobel_x").kernel, stride=2, padding=1, dilation=2)
    assert expected.shape == (3, 3)
    for k in range(expected.size):
        by_label(at.slider, f"Step (of {expected.size})").set_value(k + 1).run()
        i, j = divmod(k, 3)
        assert _equation(at).endswith(f"= {fmt(float(expected[i, j]))} (output row {i + 1}, column {j + 1})")


def test_typed_numbers_empty_and_out_of_range_are_explained():
    at = _page(CONV)
    by_label(at.radio, "Input").set_value("Type numbers").run()
    edits = {"edited_rows": {0: {"0": None}, 0 + 1: {"1": 1e9}}, "added_rows": [], "deleted_rows": []}
    at.session_state["cs.typed.8"] = edits
    at.run()
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert "1 empty cell(s), e.g. row 1, column 1. They count as 0." in warnings
    assert "numbers must be between -1000 and 1000; 1 were set to the limit" in warnings
    grid = convcore.patch_preset("Small random integers", 8).astype(float)
    grid[0, 0], grid[1, 1] = 0, 1000
    expected = convcore.conv2d(grid, convcore.get_filter("sobel_x").kernel)
    assert _equation(at).endswith(f"= {fmt(float(expected[0, 0]))} (output row 1, column 1)")


def test_filter_lab_custom_kernel_out_of_range_is_explained():
    at = AppTest.from_file(str(ROOT / "app" / "main.py"), default_timeout=60)
    at.run()
    at.switch_page(page_path("filter_lab")).run()
    by_label(at.selectbox, "Filter").select("custom").run()
    at.session_state["lab.custom.3x3.Kernel"] = {
        "edited_rows": {1: {"1": -5e6}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert not at.exception
    assert "numbers must be between -1000 and 1000" in " ".join(w.value for w in at.warning)


def test_exercise_predict_the_next_output_checks_and_explains():
    at = _page(CONV)
    by_label(at.radio, "Input").set_value("Preset").run()
    by_label(at.selectbox, "Preset").select("Vertical edge").run()
    expected = convcore.conv2d(
        convcore.patch_preset("Vertical edge", 8), convcore.get_filter("sobel_x").kernel
    )
    # at step 1 the question is about step 2: output row 1, column 2 (tests/test_exercises.py: the rest)
    by_label(at.number_input, "Your answer").set_value(float(expected[0, 1]) + 5).run()
    at.button(key="cs._next_check").click().run()
    assert "Hint:" in " ".join(w.value for w in at.warning) and not at.error  # a hint, not the answer
    by_label(at.number_input, "Your answer").set_value(float(expected[0, 1])).run()
    at.button(key="cs._next_check").click().run()
    assert any(s.value.startswith(f"Right: {fmt(float(expected[0, 1]))}.") for s in at.success)
    by_label(at.number_input, "Rows of the output").set_value(7).run()  # with stride 2: 3 rows
    at.button(key="cs._size_check").click().run()
    assert "Only s changes in the formula" in " ".join(w.value for w in at.warning)


def test_exercise_on_the_pooling_page():
    at = _page(POOL)
    by_label(at.radio, "Input").set_value("Preset").run()
    by_label(at.selectbox, "Preset").select("Small random integers").run()
    pooled = convcore.pool2d(convcore.patch_preset("Small random integers", 8), 2)
    by_label(at.number_input, "Your answer").set_value(float(pooled[0, 1])).run()
    at.button(key="ps._next_check").click().run()
    assert any(s.value.startswith(f"Right: {int(pooled[0, 1])}.") for s in at.success)


def test_the_crop_can_be_moved_with_the_keyboard():
    at = _page(CONV)
    image = at.session_state["image.current"]
    by_label(at.number_input, "Centre row").set_value(40).run()
    by_label(at.number_input, "Centre column").set_value(30).run()
    assert not at.exception
    assert (at.session_state[f"cs.crop_row.{image.key}"], at.session_state[f"cs.crop_col.{image.key}"]) == (
        40,
        30,
    )
    patch = convcore.crop_patch(image.pixels, (39, 29), at.session_state["cs.region"], 8).astype(float)
    expected = convcore.conv2d(patch, convcore.get_filter("sobel_x").kernel)
    assert _equation(at).endswith(f"= {fmt(float(expected[0, 0]))} (output row 1, column 1)")


@pytest.mark.parametrize("page", [CONV, POOL])
@pytest.mark.parametrize("side", [1, 5, 8, 16, 40])
def test_step_pages_work_with_any_image_down_to_one_pixel(page, side):
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(side).integers(0, 256, (side, side + 3, 3), dtype=np.uint8)).save(
        buf, format="PNG"
    )
    at = _page(page)
    by_label(at.slider, "Region (pixels of the image)").set_value(40).run()  # chosen on the larger photo
    by_label(at.sidebar.radio, "Image source").set_value("Upload").run()
    at.sidebar.file_uploader[0].set_value((f"tiny{side}.png", buf.getvalue(), "image/png")).run()
    assert not at.exception
    assert at.session_state["image.current"].pixels.shape[:2] == (side, side + 3)
    captions = " ".join(c.value for c in at.caption)
    n = by_label(at.slider, "Grid size").value
    if side <= n:
        assert f"The image is only {side + 3} x {side} pixels" in captions
        assert not [s for s in at.slider if s.label.startswith("Region")]
    else:
        assert by_label(at.slider, "Region (pixels of the image)").value == min(40, side)
    by_label(at.slider, "Grid size").set_value(5 if page == CONV else 4).run()
    assert not at.exception


def _alts(at) -> list[str]:
    """The text alternative of every picture on the page (AppTest keeps them in the image protos)."""
    found, todo = [], [at._tree]
    while todo:
        node = todo.pop()
        children = getattr(node, "children", None)
        todo.extend(children.values() if isinstance(children, dict) else [])
        if getattr(node, "type", "") == "image":
            found += [img.alt for img in node.proto.imgs]
    return found


@pytest.mark.parametrize("page", [CONV, POOL, "conv1d"])
def test_every_step_picture_says_what_it_shows(page):
    at = _page(page)
    if page != "conv1d":
        by_label(at.radio, "Input").set_value("Preset").run()
        by_label(at.slider, "Padding").set_value(1).run()
    alts = _alts(at)
    # the convolution's grids are text in the page (issue 14), described for a screen reader there
    # (tests/test_browser_readout.py); its ReLU picture is still a picture
    assert len(alts) >= (1 if page == CONV else 3) and all(alts), (
        alts
    )  # no picture without a text alternative
    text = " | ".join(alts)
    if page == CONV:
        assert "Output after ReLU (negative numbers set to 0): 8 x 8, filled up to row 1, column 1." in text
    elif page == POOL:
        assert "The shifted input pooled; the" in text
    else:
        assert (
            "Signal, numbers 1-15 of 24: 15 numbers in a row; the kernel's window is outlined at numbers 1-3"
            in text
        )
        assert "Kernel: 0.333, 0.333, 0.333" in text


def test_the_chosen_maximum_is_marked_by_a_shape_too():
    from app.draw import colour, grid

    values = np.array([[1.0, 9.0], [3.0, 4.0]])
    plain = grid.picture(values, cell=40, window={(0, 0), (0, 1), (1, 0), (1, 1)})
    marked = grid.picture(values, cell=40, window={(0, 0), (1, 0), (1, 1)}, chosen={(0, 1)})
    corner = marked[1 + 4, 1 + 2 * 40 - 4]  # inside the top right corner of cell (0, 1)
    assert tuple(corner) == tuple(colour.CHOSEN) and tuple(plain[5, 77]) != tuple(colour.CHOSEN)


def test_the_relu_of_a_wide_output_is_shaded_and_a_small_one_has_its_numbers():
    """A 28 x 28 output's numbers could not be read beside the formulas (lesson step 5): its ReLU is
    shaded, and the caption says how to read the shades. A small output keeps its numbers."""
    from app import lessons

    def relu_caption(params) -> str:
        at = open_page(CONV, params=params)
        assert not at.exception
        said = [c.value for c in at.caption if c.value.startswith("ReLU keeps positive numbers")]
        assert len(said) == 1
        return said[0]

    wide = relu_caption(dict(lessons.STEPS[4].link.params))  # 32 x 32 x 3 in, 28 x 28 x 6 out
    assert wide.endswith(": white is 0, the redder the larger, grey not computed yet.")
    assert relu_caption(dict(lessons.STEPS[5].link.params)).endswith("sets negative ones to 0.")  # 4 x 4 out

"""app.draw: the pictures a student reads (colours, number grids, mosaics, text)."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import convcore
from app.draw import colour, encode, grid, mosaic, text


def test_diverging_map_is_white_at_zero_and_symmetric():
    c = colour.colourise(np.array([[-2.0, 0.0, 2.0]]), "diverging")
    assert (c.vmin, c.vmax) == (-2.0, 2.0)
    neg, zero, pos = c.rgb[0]
    assert zero.min() > 230  # white-ish
    assert neg[2] > neg[0] and pos[0] > pos[2]  # blue negative, red positive


def test_relu_and_absolute_and_picture_displays():
    v = np.array([[-4.0, 0.0, 2.0]])
    relu = colour.colourise(v, "relu")
    assert relu.rgb[0, 0].max() == 0 and relu.rgb[0, 2].min() == 255 and relu.vmax == 2.0
    absolute = colour.colourise(v, "absolute")
    assert absolute.rgb[0, 0].min() == 255 and absolute.vmax == 4.0
    pic = colour.colourise(np.array([[-5.0, 100.4, 300.0]]), "image")
    assert pic.rgb[0, :, 0].tolist() == [0, 100, 255]
    rgb = colour.colourise(np.zeros((3, 2, 2)) + np.array([10, 20, 30])[:, None, None], "image")
    assert rgb.rgb.shape == (2, 2, 3) and rgb.rgb[0, 0].tolist() == [10, 20, 30]
    with pytest.raises(ValueError, match="display must be one of"):
        colour.colourise(v, "rainbow")


def test_stretch_uses_the_99th_percentile():
    v = np.concatenate([np.ones(999), [1000.0]])
    assert colour.full_scale(v, "diverging", stretch=False) == 1000.0
    assert colour.full_scale(v, "diverging", stretch=True) == pytest.approx(1.0)
    assert colour.full_scale(np.zeros(4), "relu", stretch=True) == 1.0  # never divides by zero


def test_upscale_uses_whole_factors_and_square_pixels():
    small = np.arange(12, dtype=np.uint8).reshape(2, 2, 3)
    big = mosaic.upscale(small, 256)
    assert big.shape == (256, 256, 3)
    assert (big[:128, :128] == small[0, 0]).all()
    assert mosaic.upscale(np.zeros((600, 512, 3), np.uint8)).shape == (600, 512, 3)


@pytest.mark.parametrize(
    "value,written", [(2.0, "2"), (-1.0, "-1"), (0.111111, "0.111"), (1.41421, "1.41"), (1234.5, "1234")]
)
def test_numbers_are_written_as_a_student_would(value, written):
    assert text.fmt(value) == written


def test_number_grid_and_colour_bar_sizes():
    picture = grid.picture(convcore.get_filter("sobel_x").kernel, cell=40)
    assert picture.shape == (123, 123, 3)  # 3 cells of 40 and the outer lines
    bar = colour.colourbar(colour.colourise(np.array([[-1.0, 1.0]]), "diverging"), width=300, label="x" * 200)
    assert bar.shape[1] == 300
    assert encode.png_bytes(picture)[:4] == b"\x89PNG"


def test_colour_blind_safe_palettes():
    v = np.array([[-1.0, 0.0, 1.0]])
    for name, (div, seq) in colour.PALETTES.items():
        assert colour.colourise(v, "diverging", palette=(div, seq)).cmap == div, name
        assert colour.colourise(v, "relu", palette=(div, seq)).cmap == seq, name
    safe = colour.PALETTES["Colour-blind safe (purple-orange, cividis)"]
    assert safe == ("PuOr_r", "cividis")


def test_grid_cells_and_clicks_line_up():
    picture, layout = grid.grid(np.array([[1.0, -2.0, 3.0], [4.0, 5.0, 6.0]]), title="Output", cell=30)
    assert picture.shape == (1 + 28 + 2 * 30 + 2, 3 * 30 + 3, 3)
    assert layout.cell_at(31 + 5, layout.top + 30 + 5) == (1, 1)
    assert layout.cell_at(5, 5) is None  # the title
    assert layout.cell_at(3 * 30 + 1, layout.top + 1) is None  # right of the grid


def test_auto_cells_fit_the_longest_number():
    assert grid.picture(np.array([[1.0]]), cell=None).shape[1] == 44 + 3
    wide = grid.picture(np.array([[-1234567.0]]), cell=None)
    assert wide.shape[1] == 10 * len("-1234567") + 14 + 3


def test_filter_mosaic_layout_turns_a_click_into_the_filter_under_it():
    weights = np.random.default_rng(0).normal(size=(64, 3, 11, 11))
    picture, layout = mosaic.filter_mosaic(weights)
    assert picture.shape == (8 * 66 + 7 * 3, 8 * 66 + 7 * 3, 3)
    assert layout.index_at(10, 10) == 0
    assert layout.index_at(66 + 3 + 10, 10) == 1
    assert layout.index_at(10, 2 * 69 + 10) == 16
    assert layout.index_at(67, 10) is None  # in the gap
    assert layout.index_at(10_000, 10) is None


def test_numbers_written_for_infinity_are_what_max_pooling_pads_with():
    assert text.fmt(float("-inf")) == "-inf"


def test_pictures_side_by_side_and_stacked_on_white():
    a = np.zeros((2, 3, 3), np.uint8)
    b = np.full((4, 1, 3), 7, np.uint8)
    row = mosaic.side_by_side([a, b], gap=2)
    assert row.shape == (4, 6, 3)
    assert (row[:2, :3] == 0).all() and (row[2:, :3] == 255).all() and (row[:, 3:5] == 255).all()
    assert (row[:, 5] == 7).all()
    column = mosaic.stack([a, b], gap=1)
    assert column.shape == (7, 3, 3)
    assert (column[:2] == 0).all() and (column[2] == 255).all() and (column[3:, 0] == 7).all()
    assert (column[3:, 1:] == 255).all()


def test_an_input_is_called_padded_only_when_it_is():
    from app.draw import steps

    x, k = np.arange(16.0).reshape(4, 4), np.ones((2, 2))
    for padding, title in ((0, "Input"), (1, "Input, padded")):
        trace = convcore.conv2d_steps(x, k, padding=padding)
        pics = steps.conv_step_images(trace, trace[0], tint="grey")
        window = {(r, c) for r in trace[0].rows for c in trace[0].cols}
        expected = grid.picture(trace.padded[0], title=title, cell=44, tint="grey", window=window,
                                padding=trace.padding_mask)  # fmt: skip
        assert np.array_equal(pics["inputs"][0], expected)
        pool = convcore.pool2d_steps(x, 2, padding=padding)
        assert steps._input_title(pool) == title


def test_a_wide_output_after_relu_is_shaded_without_numbers():
    """Lesson step 5's 28 x 28 output after ReLU, drawn with its numbers, was 1011 pixels wide and
    shown at 564: digits of 5 pixels. Shaded only, it fits 420 pixels; its cells keep their colours."""
    from app.draw import steps

    x = np.random.default_rng(0).uniform(-50, 200, (30, 30))
    trace = convcore.conv2d_steps(x, np.array([[1.0, 0, -1], [2, 0, -2], [1, 0, -1]]))
    step = trace[len(trace) - 1]  # every cell computed
    read = steps.relu_picture(trace, step)
    shaded = steps.relu_picture(trace, step, numbers=False)
    assert read.shape[1] > 1000 and shaded.shape[1] <= 423
    title = grid._title_h(17)
    assert (read[title:] == 0).all(axis=-1).any()  # black digits on the light cells
    assert not (shaded[title:] == 0).all(axis=-1).any()  # none: colours only
    cell = 420 // 28
    r, c = 3, 5  # a cell's centre has the colour of max(value, 0)
    value = max(trace.output[0][r, c], 0.0)
    top = np.maximum(trace.output[0], 0).max()
    assert tuple(shaded[title + 1 + r * cell + cell // 2, 1 + c * cell + cell // 2]) == grid._fill(
        value, False, "signed", top
    )
    early = steps.relu_picture(trace, trace[0], numbers=False)  # only the first cell computed
    still = tuple(early[title + 1 + r * cell + cell // 2, 1 + c * cell + cell // 2])
    assert still == (214, 216, 222) and still != grid._fill(0.0, False, "signed", 1.0)  # not the white of a 0


def test_a_box_can_mark_the_centre_of_the_unit_it_belongs_to():
    picture = np.zeros((40, 40, 3), np.uint8)
    boxed = mosaic.box(picture, (0, 0, 25, 30), width=1, centre=(12.5, 15.5))  # clipped box, centre inside
    assert (boxed[0, 0] == colour.WINDOW).all() and (boxed[24, 29] == colour.WINDOW).all()
    assert (boxed[12, 15] == colour.WINDOW).all()  # the cross over pixel (12, 15)
    assert (boxed[12, 12] == colour.WINDOW).all() and (boxed[9, 15] == colour.WINDOW).all()  # arms of 3
    assert (boxed[20, 20] == 0).all()
    assert (mosaic.box(picture, (0, 0, 25, 30), width=1)[12, 15] == 0).all()  # no cross unless asked


def test_cover_cuts_the_centre_to_the_shape_without_squashing():
    tall = np.zeros((60, 20, 3), np.uint8)
    tall[20:40] = 200  # the middle third
    square = mosaic.cover(tall, (20, 20))
    assert square.shape == (20, 20, 3) and (square == 200).all()  # only the centre, unstretched
    wide = mosaic.cover(np.full((30, 90, 3), 9, np.uint8), (30, 40))
    assert wide.shape == (30, 40, 3) and (wide == 9).all()


@settings(max_examples=200, deadline=None)
@given(
    terms=st.lists(st.floats(-1e4, 1e4, allow_nan=False), min_size=1, max_size=40),
    decimals=st.integers(0, 6),
)
def test_rounded_terms_add_up_to_the_rounded_total(terms, decimals):
    """Terms written as the unit view writes them add up exactly to the total written beside them,
    and each is within one unit of its last decimal of the true term."""
    written = text.rounded_terms(terms, decimals)
    unit = Decimal(1).scaleb(-decimals)
    total = sum(Decimal(w) for w in written)
    assert total == (Decimal(round(sum(t * 10**decimals for t in terms))) * unit)
    assert all(abs(Decimal(w) - Decimal(t)) <= unit for w, t in zip(written, terms))
    assert all(len(w.split(".")[1]) == decimals if decimals else "." not in w for w in written)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 40),
    st.integers(1, 40),
    st.sampled_from([(), (1,), (3,), (4,)]),
    st.integers(0, 2**32 - 1),
    st.booleans(),
)
def test_png_bytes_decode_to_the_same_pixels(h, w, channels, seed, strided):
    """Our PNG encoder (rows filtered "Up", zlib level 1) against Pillow's decoder: every pixel back."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, (h, 2 * w if strided else w, *channels), dtype=np.uint8)
    if strided:  # a view with gaps between pixels, as a slice of a bigger picture is
        pixels = pixels[:, ::2]
    if rng.random() < 0.5:  # repeated rows and plain areas, as enlarged maps have
        pixels[h // 2 :] = pixels[h // 2 : h // 2 + 1]
    decoded = Image.open(io.BytesIO(encode.png_bytes(pixels)))
    assert decoded.mode == {(): "L", (1,): "L", (3,): "RGB", (4,): "RGBA"}[channels]
    assert np.array_equal(
        np.asarray(decoded), pixels.reshape(h, w, -1).squeeze(-1) if channels in [(), (1,)] else pixels
    )


@pytest.mark.parametrize(
    ("bad", "error", "says"),
    [
        (np.zeros((4, 4, 3)), TypeError, "uint8"),
        ([[0, 1]], TypeError, "uint8"),
        (np.zeros((4, 4, 2), np.uint8), ValueError, "(H, W, 3)"),
        (np.zeros((0, 4, 3), np.uint8), ValueError, "H, W >= 1"),
        (np.zeros(5, np.uint8), ValueError, "got (5,)"),
    ],
)
def test_png_bytes_names_what_is_wrong(bad, error, says):
    with pytest.raises(error, match=re.escape(says)):
        encode.png_bytes(bad)


def test_the_shipped_colour_tables_are_matplotlibs():
    """assets/colour_tables.npz holds every table the app draws with, equal to matplotlib's (so
    that a server never imports matplotlib for them: issue 18). To write it again:
    ``python -c "from app.draw import colour; colour.write_tables()"``."""
    with np.load(colour.TABLES_FILE) as shipped:
        assert sorted(shipped.files) == sorted(colour.TABLES)
    for name in colour.TABLES:
        assert np.array_equal(colour.lut(name), colour.matplotlib_table(name)), name
        assert colour.lut(name).shape == (256, 3) and colour.lut(name).dtype == np.uint8
    assert not colour.lut("viridis").flags.writeable  # shared by every session
    with pytest.raises(ValueError, match="name must be one of"):
        colour.lut("jet")


def test_maps_and_numbers_are_drawn_without_importing_matplotlib():
    from tests.imports import imported_by

    code = (
        "import numpy as np; from app.draw import colour, grid, mosaic, text\n"
        "for pal in colour.PALETTES.values():\n"
        "    for display in ('diverging', 'absolute'):\n"
        "        c = colour.colourise(np.random.randn(8, 8), display, palette=pal); colour.colourbar(c)\n"
        "mosaic.overlay(np.zeros((20, 20, 3), np.uint8), np.random.rand(5, 5)); text.font(12)\n"
    )
    assert imported_by(code, ("matplotlib",)) == []

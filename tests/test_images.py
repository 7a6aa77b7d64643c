"""load_image / open_image against the awkward-file corpus (tests/corpus, made by make_corpus.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import convcore
from convcore.images import MAX_FILE_BYTES

CORPUS = Path(__file__).resolve().parent / "corpus"
OK_FILES = sorted(CORPUS.glob("ok_*"))
BAD_FILES = sorted(CORPUS.glob("bad_*"))


def test_corpus_is_present():
    assert len(OK_FILES) >= 15 and len(BAD_FILES) >= 12


@pytest.mark.parametrize("path", OK_FILES, ids=lambda p: p.name)
def test_every_good_file_loads_as_rgb_uint8(path):
    loaded = convcore.open_image(path.read_bytes())
    px = loaded.pixels
    assert px.dtype == np.uint8 and px.ndim == 3 and px.shape[2] == 3
    assert max(px.shape[:2]) <= 1024
    assert px.flags.c_contiguous
    assert_same = convcore.load_image(path)  # a path works too
    np.testing.assert_array_equal(assert_same, px)


@pytest.mark.parametrize(
    "name,match",
    [
        ("bad_empty.png", "file is empty"),
        ("bad_text.png", "not an image this tool can read"),
        ("bad_html.png", "text, web page or SVG"),
        ("bad_svg.png", "text, web page or SVG"),
        ("bad_pdf.png", "PDF document"),
        ("bad_heic.heic", "HEIC photo"),
        ("bad_garbage.jpg", "not an image this tool can read"),
        ("bad_truncated.jpg", "damaged or incomplete"),
        ("bad_truncated.png", "damaged"),
        ("bad_header_only.png", "damaged"),
        ("bad_bomb_header.png", "far too large"),
        ("bad_bomb.png", "far too large"),
        ("bad_too_many_pixels.png", r"6000 x 5000 pixels \(30.0 megapixels\); the limit is 25 megapixels"),
        ("bad_zero_width.png", "damaged|no pixels"),
    ],
)
def test_every_bad_file_is_refused_with_a_clear_sentence(name, match):
    with pytest.raises(convcore.ImageError, match=match) as info:
        convcore.open_image((CORPUS / name).read_bytes())
    message = str(info.value)
    assert message[0].isupper() and message.rstrip().endswith((".", ")")), message
    assert "Traceback" not in message


def test_every_bad_file_in_the_corpus_is_covered_above():
    covered = {p[0] for p in test_every_bad_file_is_refused_with_a_clear_sentence.pytestmark[0].args[1]}
    assert covered == {p.name for p in BAD_FILES}


def test_image_error_is_a_value_error():
    assert issubclass(convcore.ImageError, ValueError)


def test_exif_orientation_turns_the_photo_upright():
    loaded = convcore.open_image(CORPUS / "ok_exif_rotated.jpg")
    assert loaded.original_size == (20, 40)  # stored landscape
    assert loaded.pixels.shape[:2] == (40, 20)  # shown portrait
    assert any("EXIF" in n for n in loaded.notes)


def test_animation_uses_the_first_frame_and_says_so():
    for name in ("ok_animated.gif", "ok_animated.webp"):
        loaded = convcore.open_image(CORPUS / name)
        assert loaded.pixels.max() <= 5  # the first frame is black
        assert any("first frame" in n and "3 frames" in n for n in loaded.notes)


def test_sixteen_bit_is_scaled_not_clipped():
    loaded = convcore.open_image(CORPUS / "ok_16bit.png")
    assert loaded.pixels.min() == 0 and loaded.pixels.max() == 255
    assert len(np.unique(loaded.pixels[..., 0])) > 200  # a full ramp, not a few clipped levels
    assert any("16-bit" in n for n in loaded.notes)


def test_float_image_is_stretched():
    loaded = convcore.open_image(CORPUS / "ok_float.tif")
    assert loaded.pixels.min() == 0 and loaded.pixels.max() == 255


def test_transparency_is_composited_on_white():
    loaded = convcore.open_image(CORPUS / "ok_rgba.png")
    assert (loaded.pixels[:, 0] == 255).all()  # fully transparent column is white
    assert any("white" in n for n in loaded.notes)


def test_cmyk_and_palette_and_1bit_become_rgb():
    for name in ("ok_cmyk.jpg", "ok_palette.gif", "ok_1bit.png", "ok_grey.png", "ok_la.png"):
        assert convcore.load_image(CORPUS / name).shape == (48, 64, 3)


def test_large_image_is_downscaled_and_original_size_reported():
    loaded = convcore.open_image(CORPUS / "ok_large.jpg")
    assert loaded.original_size == (2000, 3000)
    assert loaded.pixels.shape == (683, 1024, 3)
    assert any("3000 x 2000" in n for n in loaded.notes)
    full = convcore.open_image(CORPUS / "ok_large.jpg", max_side=None)
    assert full.pixels.shape == (2000, 3000, 3)


def test_extreme_aspect_ratio_keeps_at_least_one_pixel():
    assert convcore.load_image(CORPUS / "ok_tall_thin.png").shape == (1024, 2, 3)


def test_max_pixels_is_adjustable_and_checked_before_decoding():
    with pytest.raises(convcore.ImageError, match="limit is 0.001 megapixels"):
        convcore.open_image(CORPUS / "ok_rgb.png", max_pixels=1000)
    with pytest.raises(ValueError, match="max_pixels must be a positive int"):
        convcore.open_image(CORPUS / "ok_rgb.png", max_pixels=0)
    with pytest.raises(ValueError, match="max_side must be"):
        convcore.open_image(CORPUS / "ok_rgb.png", max_side=3)


def test_paths_and_types():
    with pytest.raises(convcore.ImageError, match="There is no file"):
        convcore.open_image(CORPUS / "missing.png")
    with pytest.raises(convcore.ImageError, match="is a folder"):
        convcore.open_image(CORPUS)
    with pytest.raises(TypeError, match="data must be bytes or a file path"):
        convcore.open_image(12345)


def test_oversized_file_is_refused_before_reading_it_all():
    with pytest.raises(convcore.ImageError, match="limit is 50 MB"):
        convcore.open_image(b"\x89PNG" + bytes(MAX_FILE_BYTES))


@pytest.mark.parametrize(
    "path", OK_FILES[:8] + [CORPUS / "ok_exif_rotated.jpg", CORPUS / "ok_animated.gif"], ids=lambda p: p.name
)
def test_mutated_files_load_or_raise_image_error_only(path):
    # A seeded fuzz: flip, cut and splice bytes. Anything but success or ImageError would reach
    # the student as a crash.
    raw = path.read_bytes()
    rng = np.random.default_rng(len(raw))
    for _ in range(150):
        data = bytearray(raw)
        for _ in range(int(rng.integers(1, 8))):
            op = rng.integers(0, 3)
            pos = int(rng.integers(0, len(data)))
            if op == 0:
                data[pos] = int(rng.integers(0, 256))
            elif op == 1:
                del data[pos : pos + int(rng.integers(1, 64))]
            else:
                data[pos:pos] = rng.integers(0, 256, int(rng.integers(1, 32)), dtype=np.uint8).tobytes()
        try:
            px = convcore.load_image(bytes(data))
        except convcore.ImageError:
            continue
        assert px.dtype == np.uint8 and px.ndim == 3 and px.shape[2] == 3


def test_to_grey_uses_luma_weights():
    px = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255]]], np.uint8)
    np.testing.assert_allclose(convcore.to_grey(px), [[76.245, 149.685, 29.07]], rtol=1e-5)
    with pytest.raises(ValueError, match="image must have shape"):
        convcore.to_grey(np.zeros((2, 2, 4)))

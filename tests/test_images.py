"""load_image / open_image against the awkward-file corpus (tests/corpus, made by make_corpus.py)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import GifImagePlugin, Image, TiffImagePlugin

import convcore
from convcore import images
from convcore.images import DEFAULT_MAX_SIDE, FRAME_LIMIT, MAX_FILE_BYTES

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


# ------------------------------------------------------------------------------ bounded time and memory (issue 12)


def _save(im, fmt, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


@pytest.fixture(scope="module")
def many_frames():
    """A TIFF and a GIF of 1,201 tiny frames (the first one black), made with Pillow."""
    frames = [Image.new("L", (2, 2), i % 256) for i in range(FRAME_LIMIT + 201)]
    return {fmt: _save(frames[0], fmt, save_all=True, append_images=frames[1:]) for fmt in ("TIFF", "GIF")}


@pytest.mark.parametrize("plugin", [TiffImagePlugin.TiffImageFile, GifImagePlugin.GifImageFile])
def test_many_frames_are_counted_only_up_to_the_limit(plugin, many_frames, monkeypatch):
    # Both plugins walk to a frame through _seek(frame, ...), reading every frame header up to it;
    # n_frames walked them all (for TIFF in quadratic time: 100,000 pages took 90-115 s).
    asked = []
    real = plugin._seek

    def spy(self, frame, *args, **kwargs):
        asked.append(frame)
        return real(self, frame, *args, **kwargs)

    monkeypatch.setattr(plugin, "_seek", spy)
    loaded = convcore.open_image(many_frames[plugin.format])
    assert loaded.pixels.shape == (2, 2, 3) and loaded.pixels.max() == 0  # the first frame
    assert loaded.notes == (
        "This is an animated image with more than 1,000 frames; the first frame is used.",
    )
    assert max(asked) == FRAME_LIMIT and len(asked) <= FRAME_LIMIT + 10


@pytest.mark.parametrize("fmt", ["TIFF", "GIF"])
@pytest.mark.parametrize("frames", [2, FRAME_LIMIT])
def test_frame_counts_up_to_the_limit_are_exact(fmt, frames):
    images = [Image.new("L", (3, 2), (40 + i) % 256) for i in range(frames)]
    loaded = convcore.open_image(_save(images[0], fmt, save_all=True, append_images=images[1:]))
    assert loaded.notes == (f"This is an animated image with {frames} frames; the first frame is used.",)
    assert (loaded.pixels == 40).all()


def _sixteen_bit_reference(u16: np.ndarray, max_side: int | None) -> np.ndarray:
    """The straightforward way: the whole image in float64, / 257, rounded, RGB, then shrunk."""
    grey = np.clip(np.rint(u16.astype(np.float64) / 257.0), 0, 255).astype(np.uint8)
    rgb = Image.fromarray(grey).convert("RGB")
    if max_side is not None and max(rgb.size) > max_side:
        scale = max_side / max(rgb.size)
        new = (max(1, round(rgb.size[0] * scale)), max(1, round(rgb.size[1] * scale)))
        rgb = rgb.resize(new, Image.Resampling.LANCZOS, reducing_gap=3.0)
    return np.asarray(rgb)


@pytest.mark.parametrize("max_side", [DEFAULT_MAX_SIDE, 100, None])
@pytest.mark.parametrize("fmt", ["PNG", "TIFF"])
def test_sixteen_bit_gives_the_same_pixels_as_whole_image_float_maths(fmt, max_side, monkeypatch):
    monkeypatch.setattr(images, "_BAND_PIXELS", 997)  # many bands, one of them short
    rng = np.random.default_rng(12)
    u16 = rng.integers(0, 65536, (230, 1300), dtype=np.uint16)
    u16[:, :3] = [0, 65535, 128]  # the extremes, and a value that rounds down
    loaded = convcore.open_image(_save(Image.fromarray(u16), fmt), max_side=max_side)
    np.testing.assert_array_equal(loaded.pixels, _sixteen_bit_reference(u16, max_side))
    assert any("16-bit" in n for n in loaded.notes)


def _float_reference(arr: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """The float path as whole-image maths (what open_image did before it worked in bands)."""
    arr = arr.astype(np.float64)
    notes = []
    if not np.isfinite(arr).all():
        finite = arr[np.isfinite(arr)]
        arr = np.nan_to_num(arr, nan=0.0, posinf=finite.max(initial=0.0), neginf=finite.min(initial=0.0))
        notes.append("Missing or infinite values were replaced.")
    if arr.min() < 0 or arr.max() > 255:
        lo, hi = float(arr.min()), float(arr.max())
        arr = (arr - lo) / (hi - lo) * 255.0 if hi > lo else np.zeros_like(arr)
        notes.append(f"Values from {lo:g} to {hi:g} were stretched to 0-255.")
    grey = np.clip(np.rint(arr), 0, 255).astype(np.uint8)
    return np.repeat(grey[:, :, None], 3, axis=2), notes


@pytest.mark.parametrize("case", ["normal", "nan_inf", "all_nan", "positive_with_inf", "constant_negative"])
def test_float_images_in_bands_match_whole_image_maths(case, monkeypatch):
    monkeypatch.setattr(images, "_BAND_PIXELS", 500)
    rng = np.random.default_rng(3)
    arr = (rng.standard_normal((60, 90)) * 1000).astype(np.float32)
    if case == "nan_inf":
        arr[5, :7], arr[40, 3], arr[59, 89] = np.nan, np.inf, -np.inf
    elif case == "all_nan":
        arr[:] = np.nan
    elif case == "positive_with_inf":
        arr = np.abs(arr) + 300
        arr[30, 30] = np.inf
    elif case == "constant_negative":
        arr[:] = -3.5
    loaded = convcore.open_image(_save(Image.fromarray(arr), "TIFF"))
    pixels, notes = _float_reference(arr)
    np.testing.assert_array_equal(loaded.pixels, pixels)
    assert list(loaded.notes) == notes


def test_transparency_in_bands_matches_whole_image_compositing(monkeypatch):
    monkeypatch.setattr(images, "_BAND_PIXELS", 700)
    rng = np.random.default_rng(5)
    rgba = Image.fromarray(rng.integers(0, 256, (50, 80, 4), dtype=np.uint8))
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    expected = np.asarray(Image.alpha_composite(white, rgba).convert("RGB"))
    np.testing.assert_array_equal(convcore.load_image(_save(rgba, "PNG")), expected)


@pytest.mark.parametrize(
    "mode,size,per_pixel",
    [("RGB", (900, 600), 8), ("L", (700, 500), 2), ("I;16", (640, 480), 4), ("RGBA", (300, 200), 8)],
)
def test_decode_cost_is_a_few_bytes_per_pixel_of_the_header_size(mode, size, per_pixel):
    data = _save(Image.new(mode, size), "PNG")
    cost = convcore.decode_cost(data)
    width, height = size
    # Pillow's copy plus one converted or turned copy, plus the shrinking and the result, with a margin
    assert width * height * per_pixel <= cost <= 2 * width * height * per_pixel + 16 * DEFAULT_MAX_SIDE**2
    assert convcore.decode_cost(data, max_side=None) >= cost


def test_decode_cost_grows_with_the_pixels_and_knows_the_jpeg_shrink():
    small, big = (_save(Image.new("RGB", s), "PNG") for s in ((400, 300), (4000, 3000)))
    assert convcore.decode_cost(big) > 20 * convcore.decode_cost(small) > 0
    jpeg = _save(Image.new("RGB", (4000, 3000)), "JPEG")
    # the JPEG decoder shrinks by 1/2 while decoding, so a quarter of the pixels are ever made
    assert convcore.decode_cost(jpeg) < convcore.decode_cost(jpeg, max_side=None) / 3


@pytest.mark.parametrize(
    "name",
    [
        "bad_empty.png",
        "bad_text.png",
        "bad_heic.heic",
        "bad_garbage.jpg",
        "bad_bomb_header.png",
        "bad_too_many_pixels.png",
        "bad_zero_width.png",
    ],
)
def test_decode_cost_refuses_what_open_image_refuses_from_the_header_with_the_same_sentence(name):
    data = (CORPUS / name).read_bytes()
    with pytest.raises(convcore.ImageError) as from_cost:
        convcore.decode_cost(data)
    with pytest.raises(convcore.ImageError) as from_open:
        convcore.open_image(data)
    assert str(from_cost.value) == str(from_open.value)
    with pytest.raises(ValueError, match="max_side must be"):
        convcore.decode_cost(data, max_side=3)


def test_decode_cost_reads_only_the_header_so_a_truncated_file_is_refused_by_the_decode():
    data = (CORPUS / "bad_truncated.png").read_bytes()
    assert convcore.decode_cost(data) > 0
    with pytest.raises(convcore.ImageError, match="damaged"):
        convcore.open_image(data)


def test_the_preloaded_formats_open_without_loading_every_pillow_plugin():
    """A PNG or JPEG (the samples, phones' photos) is opened by its own decoder, named by its first
    bytes; a TIFF, whose decoder Pillow does not preload, still opens (issue 18's cold start)."""
    pixels = np.zeros((20, 30, 3), dtype=np.uint8)
    pixels[5:15, 10:20] = (200, 40, 10)
    for fmt, first in (("PNG", "PNG"), ("JPEG", "JPEG"), ("GIF", "GIF"), ("BMP", "BMP"), ("TIFF", None)):
        buf = io.BytesIO()
        Image.fromarray(pixels).save(buf, format=fmt)
        raw = buf.getvalue()
        assert images._formats_for(raw) == ((first,) if first else images._formats())
        assert convcore.load_image(raw).shape == (20, 30, 3)

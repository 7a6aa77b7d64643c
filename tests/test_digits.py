"""convcore.nets.digits: the generated digit set and the preparation of drawn digits."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from convcore.nets import digits
from tests.imports import imported_by


def test_dataset_is_deterministic_by_seed_and_mnist_like():
    a, la = digits.make_digits(500, seed=3)
    b, lb = digits.make_digits(500, seed=3)
    c, _ = digits.make_digits(500, seed=4)
    assert torch.equal(a, b) and torch.equal(la, lb) and not torch.equal(a, c)
    assert a.shape == (500, 1, 28, 28) and a.dtype == torch.float32
    assert 0 <= float(a.min()) and float(a.max()) <= 1
    assert float(a[:, :, :3].mean()) < float(a[:, :, 10:18].mean())  # digits in the middle, dark border
    assert sorted(set(la.tolist())) == list(range(10)) and np.bincount(la.numpy()).min() > 25
    with pytest.raises(ValueError, match="n must be an int"):
        digits.make_digits(0)


def _made_in_one_call(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """make_digits as it was before its warps were chunked: every digit warped in one call."""
    glyphs, glyph_labels = digits._glyphs()
    g = torch.Generator().manual_seed(seed)
    pick = torch.randint(len(glyphs), (n,), generator=g)
    angle = (torch.rand(n, generator=g) - 0.5) * math.radians(30)
    scale = 0.75 + 0.45 * torch.rand(n, generator=g)
    shear = (torch.rand(n, generator=g) - 0.5) * 0.3
    shift = (torch.rand(n, 2, generator=g) - 0.5) * 0.25
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack(
        [torch.stack([cos, -sin + shear, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1
    )
    grid = F.affine_grid(theta, (n, 1, 28, 28), align_corners=False)
    images = F.grid_sample(glyphs[pick], grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    contrast = 0.7 + 0.3 * torch.rand(n, 1, 1, 1, generator=g)
    noise = torch.randn(n, 1, 28, 28, generator=g) * 0.08 * torch.rand(n, 1, 1, 1, generator=g)
    return (images * contrast + noise).clamp(0, 1), glyph_labels[pick].clone()


@pytest.mark.parametrize("n, seed", [(1, 0), (1023, 1), (1024, 2), (1025, 3), (2049, 4), (3000, 0)])
def test_chunked_warps_give_the_numbers_of_one_call(n, seed):
    """The set is warped 1,024 digits at a time (a 12,000-digit set in one call made the server
    grow 216 MB): bit for bit the set that one call made, on both sides of a chunk's edge, so the
    shipped model's held-out digits and every seed's training set are unchanged."""
    images, labels = digits.make_digits(n, seed=seed)
    expected_images, expected_labels = _made_in_one_call(n, seed)
    assert images.is_contiguous() and images.dtype == torch.float32
    assert torch.equal(images, expected_images) and torch.equal(labels, expected_labels)


def test_dataset_and_the_pictures_text_do_not_import_matplotlib():
    """Both draw with the DejaVu fonts that ship with matplotlib, found on disk
    (convcore.fonts): importing matplotlib would cost a server about 13 MB for a folder name."""
    code = (
        "from convcore.nets import digits; from app.draw import text; digits.make_digits(10); "
        "assert text.text_width('0.25', 14) > 0 and text.font(14, bold=True).size == 14"
    )
    assert imported_by(code, ("matplotlib",)) == []


def test_dark_digit_on_a_light_photo_is_inverted_and_blank_is_refused():
    page = np.full((100, 80, 3), 240, np.uint8)
    page[20:80, 35:45] = 20  # a dark '1'
    prepared = digits.prepare_drawing(page)
    assert prepared[14, 14] > 0.5 and prepared[0, 0] == 0
    with pytest.raises(ValueError, match="blank"):
        digits.prepare_drawing(np.zeros((200, 200, 4), np.uint8))
    opaque_black = np.zeros((200, 200, 4), np.uint8)
    opaque_black[..., 3] = 255  # the canvas's own black background, nothing drawn
    with pytest.raises(ValueError, match="blank"):
        digits.prepare_drawing(opaque_black)
    opaque_black[40:160, 95:105, :3] = 255  # a white '1' painted on it
    assert digits.prepare_drawing(opaque_black)[14, 14] > 0.5
    with pytest.raises(ValueError, match="blank"):
        digits.prepare_drawing(np.full((50, 50), 255, np.uint8))

"""conv1d and conv1d_steps against torch; the 1-D page's 3-D convolution view (AppTest)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from numpy.testing import assert_allclose

import convcore
from convcore.conv1d import conv1d, conv1d_steps
from tests.apptest import by_label, open_page


@pytest.mark.parametrize("stride,padding,dilation", [(1, 0, 1), (2, 1, 1), (1, 2, 2), (3, 0, 1)])
def test_conv1d_matches_torch_and_its_steps_add_up(stride, padding, dilation):
    rng = np.random.default_rng(stride + padding)
    x = rng.standard_normal(20)
    k = np.array([1.0, 2.0, -1.0])
    expected = F.conv1d(torch.from_numpy(x)[None, None], torch.from_numpy(k)[None, None], stride=stride,
                        padding=padding, dilation=dilation)[0, 0].numpy()  # fmt: skip
    out = conv1d(x, k, stride=stride, padding=padding, dilation=dilation)
    assert_allclose(out, expected, rtol=1e-5, atol=1e-5)
    trace = conv1d_steps(x, k, stride=stride, padding=padding, dilation=dilation)
    assert [s.value for s in trace] == pytest.approx(out.tolist(), abs=1e-5)
    assert len(trace[0].rows) == 1 and len(trace[0].cols) == 3


def test_moving_average_smooths_a_step():
    step = np.r_[np.zeros(5), np.ones(5)]
    assert_allclose(conv1d(step, np.ones(3) / 3), [0, 0, 0, 1 / 3, 2 / 3, 1, 1, 1])


def test_conv1d_same_padding_and_channels_match_torch():
    rng = np.random.default_rng(2)
    x, w, b = rng.standard_normal((2, 15)), rng.standard_normal((3, 2, 4)), rng.standard_normal(3)
    expected = F.conv1d(torch.from_numpy(x)[None], torch.from_numpy(w), torch.from_numpy(b), padding="same")[
        0
    ]
    assert_allclose(conv1d(x, w, b, padding="same"), expected.numpy(), rtol=1e-5, atol=1e-5)
    trace = conv1d_steps(x, w, b, padding="same")
    assert [s.value for s in trace] == pytest.approx(expected.numpy().ravel().tolist(), abs=1e-4)


def test_conv1d_arguments_are_checked():
    with pytest.raises(ValueError, match="stride must be >= 1"):
        conv1d(np.ones(5), np.ones(2), stride=0)
    with pytest.raises(TypeError, match="padding must be an int"):
        conv1d_steps(np.ones(5), np.ones(2), padding=1.5)
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        conv1d(np.ones(5), np.ones(2), padding_mode="mirror")
    with pytest.raises(ValueError, match="weight must have 1 or 3 dimensions"):
        conv1d(np.ones(5), np.ones((2, 2)))


def _three_d(at) -> str:
    said = [m.value for m in at.markdown if m.value.startswith("**Output frame ")]
    assert len(said) == 1, [m.value for m in at.markdown]
    return said[0]


def test_the_3d_view_steps_through_torchs_conv3d_on_the_moving_square():
    """Lesson step 14: a 3 x 3 x 3 kernel over three consecutive frames; every number shown is
    torch's conv3d, and the shown terms (one per frame) add up to it."""
    from convcore.conv3d import AVERAGE_3D, TEMPORAL_DIFFERENCE, moving_square

    at = open_page("conv1d", params={"c3.frame": "2", "c3.position": "7"})
    assert at.title[0].value == "1-D and 3-D convolution, upsampling"
    stack = moving_square(5, 6, 2, speed=1)
    out = F.conv3d(torch.tensor(stack)[None, None], torch.tensor(TEMPORAL_DIFFERENCE)[None, None])[0, 0]
    assert out.shape == (3, 4, 4) and out[1, 1, 2] == 9
    assert _three_d(at).startswith(
        "**Output frame 2, row 2, column 3** = slice 1 · frame 2 + slice 2 · frame 3 + slice 3 · frame 4 "
        "= 0 + 9 + 0 = **9**"
    )
    by_label(at.selectbox, "3-D kernel, 3 x 3 x 3").select("3-D average").run()
    by_label(at.slider, "Output number (row by row)").set_value(6).run()
    assert not at.exception
    avg = F.conv3d(torch.tensor(stack)[None, None], torch.tensor(AVERAGE_3D)[None, None])[0, 0]
    said = _three_d(at)
    assert said.split("**")[3] == f"{float(avg[1, 1, 1]):.3f}" == "3.333"
    terms = said.split(" = ")[2].split(" + ")
    assert sum(float(t) for t in terms) == pytest.approx(3.333, abs=1e-9)  # the shown terms add up
    by_label(at.selectbox, "Video: 5 frames of 6 x 6").select("A square standing still").run()
    by_label(at.selectbox, "3-D kernel, 3 x 3 x 3").select("Temporal difference").run()
    assert _three_d(at).endswith("= **0**  \nEach term is one slice times the outlined 3 x 3 window of its frame, "
                                 "9 products summed: 27 products in all.")  # fmt: skip
    alts = [img.alt for image in at.get("image") for img in image.proto.imgs]
    assert (
        "The kernel's three 3 x 3 slices, and output frame 2 of 3: 0 0 0 0; 0 0 0 0; 0 0 0 0; 0 0 0 0" in alts
    )


def test_a_typed_3d_kernel_needs_27_numbers():
    at = open_page("conv1d", params={"c3.kernel": "Type 27 numbers"})
    assert _three_d(at).endswith("27 products in all.")  # starts as the temporal difference
    by_label(at.text_input, "27 numbers").input("1, 2, 3").run()
    assert not at.exception
    assert "3-D kernel: write exactly 27 numbers (you wrote 3)." in [w.value for w in at.warning]
    assert not [m for m in at.markdown if m.value.startswith("**Output frame ")]
    by_label(at.text_input, "27 numbers").input(", ".join(["1"] * 27)).run()
    stack = convcore.moving_square(5, 6, 2, speed=1)  # all ones: the sum of the 27 numbers in the window
    assert _three_d(at).split("**")[3] == f"{stack[0:3, 0:3, 0:3].sum():.0f}"

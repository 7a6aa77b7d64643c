"""conv3d and its steps against torch's conv3d; the moving square and the 3-D kernels (lesson step 14)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_allclose

from convcore.conv3d import AVERAGE_3D, TEMPORAL_DIFFERENCE, conv3d, conv3d_step, moving_square


def _torch(x, w, b=None, **kwargs) -> np.ndarray:
    def t(v):
        return None if v is None else torch.tensor(np.asarray(v, dtype=np.float64))

    return F.conv3d(t(x)[None], t(w), t(b), **kwargs)[0].numpy()


@st.composite
def _cases(draw):
    c, o = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    k = tuple(draw(st.integers(1, 3)) for _ in range(3))
    p = draw(st.integers(0, 1))
    s = draw(st.integers(1, 2))
    shape = tuple(kk - 2 * p + draw(st.integers(0, 4)) for kk in k)
    shape = tuple(max(1, n) for n in shape)
    numbers = st.floats(-5, 5, allow_nan=False, width=32)
    x = draw(arrays(np.float64, (c, *shape), elements=numbers))
    w = draw(arrays(np.float64, (o, c, *k), elements=numbers))
    b = draw(arrays(np.float64, (o,), elements=numbers))
    return x, w, b, s, p


@given(_cases())
def test_conv3d_matches_torch(case):
    x, w, b, s, p = case
    if any(n + 2 * p < kk for n, kk in zip(x.shape[1:], w.shape[2:])):
        with pytest.raises(ValueError, match="weight is larger than the padded input"):
            conv3d(x, w, b, stride=s, padding=p)
        return
    expected = _torch(x, w, b, stride=s, padding=p)
    out = conv3d(x, w, b, stride=s, padding=p)
    assert out.dtype == np.float32 and out.shape == expected.shape
    assert_allclose(out, expected, atol=1e-4, rtol=1e-5)


@pytest.mark.parametrize("kernel", [TEMPORAL_DIFFERENCE, AVERAGE_3D], ids=["difference", "average"])
@pytest.mark.parametrize("speed", [0, 1])
@pytest.mark.parametrize("padding", [0, 1])
def test_every_step_on_the_moving_square_adds_up_to_torch(kernel, speed, padding):
    stack = moving_square(5, 6, 2, speed=speed)
    expected = _torch(stack[None], kernel[None, None], padding=padding)[0]
    out = conv3d(stack, kernel, padding=padding)
    assert out.shape == expected.shape == ((3, 4, 4) if padding == 0 else (5, 6, 6))
    assert_allclose(out, expected, atol=1e-6)
    for pos in np.ndindex(*out.shape):
        step = conv3d_step(stack, kernel, pos, padding=padding)
        assert step.value == pytest.approx(float(expected[pos]), abs=1e-9)
        assert step.window.shape == step.products.shape == (3, 3, 3)
        assert list(step.frames) == [pos[0], pos[0] + 1, pos[0] + 2]


def test_the_temporal_difference_lights_up_what_moves_and_nothing_that_stands_still():
    moving = conv3d(moving_square(5, 6, 2, speed=1), TEMPORAL_DIFFERENCE)
    still = conv3d(moving_square(5, 6, 2, speed=0), TEMPORAL_DIFFERENCE)
    assert not still.any()
    # output frame t = frame t + 1 minus frame t at the kernel's centre, one pixel in: +9 in the
    # square's new column, -9 in the column it left (rows 2-3 of the frames are output rows 1-2)
    for t in range(3):
        arrived = {(1, t + 1), (2, t + 1)}
        left = {(1, t - 1), (2, t - 1)} if t else set()  # in frame 0 it left column -1: outside
        assert set(map(tuple, np.argwhere(moving[t] == 9).tolist())) == arrived
        assert set(map(tuple, np.argwhere(moving[t] == -9).tolist())) == left
        assert (moving[t] != 0).sum() == len(arrived) + len(left)
    assert TEMPORAL_DIFFERENCE.tolist()[0][1] == [0.0, -1.0, 0.0] and TEMPORAL_DIFFERENCE[2].sum() == 0
    assert AVERAGE_3D.sum() == pytest.approx(1.0)


def test_arguments_are_checked_and_named():
    with pytest.raises(ValueError, match="weight must have one slice per input channel"):
        conv3d(np.ones((2, 4, 4, 4)), np.ones((1, 1, 3, 3, 3)))
    with pytest.raises(ValueError, match="x must have 3 or 4 dimensions"):
        conv3d(np.ones((4, 4)), np.ones((3, 3, 3)))
    with pytest.raises(ValueError, match="stride must be >= 1"):
        conv3d(np.ones((4, 4, 4)), np.ones((3, 3, 3)), stride=0)
    with pytest.raises(TypeError, match="padding must be an int or three ints"):
        conv3d(np.ones((4, 4, 4)), np.ones((3, 3, 3)), padding=(1, 1))
    with pytest.raises(ValueError, match="bias must have one number per output channel"):
        conv3d(np.ones((4, 4, 4)), np.ones((2, 1, 3, 3, 3)), [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="position must lie in the output of shape"):
        conv3d_step(np.ones((4, 4, 4)), np.ones((3, 3, 3)), (2, 0, 0))
    with pytest.raises(TypeError, match="position must be"):
        conv3d_step(np.ones((4, 4, 4)), np.ones((3, 3, 3)), 0)
    with pytest.raises(ValueError, match="size must leave room for the square to move"):
        moving_square(6, 6, 2, speed=1)

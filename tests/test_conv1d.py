"""conv1d and conv1d_steps against torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from numpy.testing import assert_allclose

from convcore.conv1d import conv1d, conv1d_steps


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

"""conv_transpose2d against torch; each input number's contribution."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from convcore import transpose as tr


@given(
    st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(1, 5), st.integers(1, 5),
    st.integers(1, 3), st.integers(0, 2), st.integers(1, 2), st.integers(0, 2**32 - 1),
)  # fmt: skip
def test_conv_transpose2d_matches_torch(cin, cout, h, w, kh, kw, stride, padding, dilation, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((cin, h, w))
    weight = rng.standard_normal((cin, cout, kh, kw))
    bias = rng.standard_normal(cout)
    out_pad = 1 if max(stride, dilation) > 1 and seed % 2 else 0
    kwargs = dict(stride=stride, padding=padding, output_padding=out_pad, dilation=dilation)
    try:
        expected = F.conv_transpose2d(torch.from_numpy(x)[None], torch.from_numpy(weight), torch.from_numpy(bias),
                                      **kwargs)[0].numpy()  # fmt: skip
    except RuntimeError:
        with pytest.raises(ValueError):
            tr.conv_transpose2d(x, weight, bias, **kwargs)
        return
    assert_allclose(tr.conv_transpose2d(x, weight, bias, **kwargs), expected, rtol=1e-5, atol=1e-5)


def test_two_by_two_becomes_four_by_four_and_contributions_add_up():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    k = np.array([[1.0, 1.0], [1.0, 1.0]])
    out = tr.conv_transpose2d(x, k, stride=2)
    assert out.shape == (4, 4)
    assert out.tolist() == [
        [1, 1, 2, 2],
        [1, 1, 2, 2],
        [3, 3, 4, 4],
        [3, 3, 4, 4],
    ]  # each number becomes a 2x2 block
    parts = tr.transpose_contributions(x, k, stride=2)
    assert len(parts) == 4
    assert_allclose(sum(p for _, p in parts), out)
    overlap = tr.conv_transpose2d(x, np.ones((3, 3)), stride=2)  # 3x3 kernel, stride 2: blocks overlap
    assert overlap.shape == (5, 5) and overlap[2, 2] == 1 + 2 + 3 + 4


def test_conv_transpose_bad_arguments():
    with pytest.raises(ValueError, match="output_padding must be smaller"):
        tr.conv_transpose2d(np.ones((2, 2)), np.ones((2, 2)), stride=2, output_padding=2)
    with pytest.raises(ValueError, match="channel mismatch"):
        tr.conv_transpose2d(np.ones((2, 3, 3)), np.ones((3, 1, 2, 2)))
    with pytest.raises(ValueError, match="padding .* is too large"):
        tr.conv_transpose2d(np.ones((1, 1)), np.ones((2, 2)), padding=1)

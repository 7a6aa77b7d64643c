"""ConvParams, ConvGeometry, output_size, same_padding and receptive fields, against PyTorch and by hand."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import convcore
from convcore.geometry import ConvParams, ReceptiveField, receptive_fields, same_padding
from convcore.layers import ALEXNET_FEATURES, Layer


def test_same_padding_with_even_kernel_puts_the_extra_row_below_like_torch():
    geom = convcore.conv_geometry((10, 10), (4, 4), padding="same")
    assert geom.pad_before == (1, 1) and geom.pad_after == (2, 2)
    assert geom.output_size == (10, 10)


@pytest.mark.parametrize(
    "n,k,s,p,d,expected",
    [
        (224, 11, 4, 2, 1, 55),  # AlexNet conv1
        (55, 3, 2, 0, 1, 27),  # AlexNet pool1
        (27, 5, 1, 2, 1, 27),
        (5, 3, 1, 0, 1, 3),
        (7, 3, 2, 1, 2, 3),
        (4, 4, 1, 0, 1, 1),
    ],
)
def test_output_size_known_values(n, k, s, p, d, expected):
    assert convcore.output_size(n, k, stride=s, padding=p, dilation=d) == expected


@given(st.integers(1, 40), st.integers(1, 7), st.integers(1, 4), st.integers(0, 3), st.integers(1, 3))
def test_output_size_equals_the_real_output_shape(n, k, s, p, d):
    assume(n + 2 * p >= d * (k - 1) + 1)
    out = convcore.conv2d(np.ones((n, 3)), np.ones((k, 1)), stride=(s, 1), padding=(p, 0), dilation=(d, 1))
    assert out.shape[0] == convcore.output_size(n, k, stride=s, padding=p, dilation=d)


def test_output_size_without_output_position_raises():
    with pytest.raises(ValueError, match="kernel is larger than the padded input"):
        convcore.output_size(3, 5)
    with pytest.raises(ValueError, match="dilation 3"):
        convcore.output_size(5, 3, dilation=3)
    with pytest.raises(ValueError) as said:  # padding counted on both sides, and said so
        convcore.output_size(5, 11, padding=2)
    assert "the input is only 5 + 2 + 2 (padding before and after) = 9" in str(said.value)


def test_geometry_reports_padded_size_and_span():
    g = convcore.conv_geometry((600, 512), (3, 3), stride=2, padding=1, dilation=2)
    assert g.padded_size == (602, 514)
    assert g.span == (5, 5)
    assert g.output_size == (299, 255)


# ------------------------------------------------------------------------------ ConvParams


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        (dict(padding_mode="mirror"), ValueError, "padding_mode must be one of"),
        (dict(stride=0), ValueError, "stride must be >= 1"),
        (dict(stride=1.5), TypeError, "stride must be an int"),
        (dict(stride=True), TypeError, "stride must be an int"),
        (dict(stride=(1, 2, 3)), TypeError, "stride"),
        (dict(dilation=0), ValueError, "dilation must be >= 1"),
        (dict(dilation=(1, "2")), TypeError, "dilation must be an int"),
        (dict(padding=-1), ValueError, "padding must be >= 0"),
        (dict(padding="full"), ValueError, "padding must be one of"),
        (dict(padding=1.5), TypeError, "padding must be an int"),
        (dict(padding=None), TypeError, "padding must be an int"),
        (dict(flip="yes"), TypeError, "flip must be True or False"),
        (dict(stride=2, padding="same"), ValueError, "padding='same' needs stride 1"),
    ],
)
def test_conv_params_are_checked_with_the_parameter_named(kwargs, error, match):
    with pytest.raises(error, match=match):
        ConvParams(**kwargs)


def test_conv_params_are_frozen_hashable_and_equal_when_equal():
    a = ConvParams(stride=[2, 1], padding=np.int64(1), flip=np.bool_(True))
    b = ConvParams(stride=(2, 1), padding=1, flip=True)
    assert a == b and hash(a) == hash(b) and {a: "cached"}[b] == "cached"
    assert a.stride == (2, 1) and type(a.padding) is int and a.flip is True
    assert ConvParams() != ConvParams(padding_mode="reflect")
    assert len({ConvParams(), ConvParams(), ConvParams(dilation=2)}) == 2
    with pytest.raises(AttributeError):
        a.stride = 3


def test_conv_params_geometry_is_conv_geometry():
    params = ConvParams(stride=2, padding=(1, 2), dilation=(2, 1), padding_mode="replicate")
    assert params.geometry((20, 17), (3, 4)) == convcore.conv_geometry(
        (20, 17), (3, 4), stride=2, padding=(1, 2), dilation=(2, 1), padding_mode="replicate"
    )
    assert ConvParams().geometry(5, 3).output_size == (3, 3)
    with pytest.raises(ValueError, match="padding_mode='reflect' needs padding smaller"):
        ConvParams(padding=3, padding_mode="reflect").geometry((3, 3), (2, 2))
    with pytest.raises(ValueError, match="input_size must be >= 1"):
        ConvParams().geometry((0, 3), (1, 1))


# ------------------------------------------------------------------------------ same padding


@pytest.mark.parametrize("kernel", [1, 2, 3, 4, 5, (2, 3), (4, 1)])
@pytest.mark.parametrize("dilation", [1, 2, 3, (1, 2)])
def test_same_padding_is_torchs_split(kernel, dilation):
    rng = np.random.default_rng(0)
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    x = rng.standard_normal((1, 2, 11, 9))
    w = rng.standard_normal((3, 2, kh, kw))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch: 'same' with even kernels
        expected = F.conv2d(torch.from_numpy(x), torch.from_numpy(w), padding="same", dilation=dilation)[0]
    (top, left), (bottom, right) = same_padding(kernel, dilation)
    padded = np.pad(x[0], ((0, 0), (top, bottom), (left, right)))
    ours = convcore.conv2d(padded, w, dilation=dilation)
    assert ours.shape == tuple(expected.shape)
    assert_allclose(ours, expected.numpy(), rtol=1e-5, atol=1e-5)
    geom = convcore.conv_geometry((11, 9), (kh, kw), padding="same", dilation=dilation)
    assert (geom.pad_before, geom.pad_after) == same_padding((kh, kw), dilation)


def test_same_padding_by_hand_and_checked():
    assert same_padding(3) == ((1, 1), (1, 1))
    assert same_padding(4) == ((1, 1), (2, 2))
    assert same_padding((2, 5), (3, 1)) == ((1, 2), (2, 2))
    with pytest.raises(ValueError, match="kernel_size must be >= 1"):
        same_padding(0)
    with pytest.raises(TypeError, match="dilation must be an int"):
        same_padding(3, 1.5)


# ------------------------------------------------------------------------------ receptive fields


def test_receptive_fields_of_alexnet_by_hand():
    sizes = {layer.name: f.size for layer, f in zip(ALEXNET_FEATURES, receptive_fields(ALEXNET_FEATURES))}
    assert {name: sizes[name] for name in ("conv1", "pool1", "conv2", "pool2", "conv3", "conv4", "conv5", "pool5")} == {
        "conv1": 11, "pool1": 19, "conv2": 51, "pool2": 67, "conv3": 99, "conv4": 131, "conv5": 163, "pool5": 195,
    }  # fmt: skip
    assert sizes["relu1"] == sizes["conv1"]
    first = receptive_fields(ALEXNET_FEATURES)[0]
    assert first == ReceptiveField(size=11, jump=4, start=3.5)  # 0.5 + (5 - 2) * 1


def test_receptive_field_box_by_hand():
    field = ReceptiveField(size=11, jump=4, start=3.5)  # AlexNet's conv1
    assert field.box(0, 0, 224) == (0, 0, 9, 9)  # -2 .. 9, clipped at the top and left
    assert field.box(1, 2, 224) == (2, 6, 13, 17)
    assert field.box(54, 54, 224) == (214, 214, 224, 224)  # 214 .. 225, clipped at 224
    with pytest.raises(ValueError, match="row must be >= 0"):
        field.box(-1, 0, 224)


def test_receptive_fields_refuse_dense_layers_and_bad_attributes():
    with pytest.raises(ValueError, match="dense"):
        receptive_fields([Layer("conv", 3, channels=2), Layer("dense", channels=4)])
    with pytest.raises(TypeError, match="kernel must be an int"):
        receptive_fields([object()])
    assert receptive_fields([]) == []


def _support(module: torch.nn.Module, size: int, row: int, col: int) -> tuple[int, int, int, int] | None:
    """Bounding box of the input pixels with a non-zero gradient of output unit (0, row, col).

    None when there is none (a unit that sees only padding).
    """
    x = torch.rand(1, 1, size, size, dtype=torch.float64, requires_grad=True)
    (grad,) = torch.autograd.grad(module(x)[0, 0, row, col], x)
    rows, cols = np.nonzero(grad[0, 0].numpy())
    if rows.size == 0:
        return None
    return int(rows.min()), int(cols.min()), int(rows.max()) + 1, int(cols.max()) + 1


@given(
    st.lists(
        st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(0, 2), st.integers(1, 2)),
        min_size=1,
        max_size=3,
    ),
    st.integers(0, 2**32 - 1),
)
def test_receptive_field_box_holds_exactly_where_the_gradient_reaches(spec, seed):
    # positive weights and inputs: nothing cancels, so the support is the whole field
    layers = [Layer("conv", k, s, p, d, channels=1) for k, s, p, d in spec]
    size = 24
    try:
        out = size
        for layer in layers:
            out = convcore.output_size(
                out, layer.kernel, stride=layer.stride, padding=layer.padding, dilation=layer.dilation
            )
    except ValueError:
        assume(False)
    convs = [
        torch.nn.Conv2d(1, 1, la.kernel, la.stride, la.padding, la.dilation, dtype=torch.float64)
        for la in layers
    ]
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for conv in convs:
            conv.weight.copy_(torch.rand(conv.weight.shape, generator=g, dtype=torch.float64) + 0.1)
    field = receptive_fields(layers)[-1]
    for row, col in {(0, 0), (out - 1, out - 1), (out // 2, out - 1), (out // 2, out // 2)}:
        top, left, bottom, right = field.box(row, col, size)
        support = _support(torch.nn.Sequential(*convs), size, row, col)
        if support is None:  # a unit that sees only padding
            continue
        # dilation leaves holes in the field: the box is the hull of the support
        assert top <= support[0] and left <= support[1] and support[2] <= bottom and support[3] <= right
        first_r = field.start + row * field.jump - field.size / 2
        first_c = field.start + col * field.jump - field.size / 2
        if min(first_r, first_c) >= 0 and max(first_r, first_c) + field.size <= size:
            # inside the image the box is exact; at the border, a unit of a middle layer that is
            # padding sees nothing, though the recurrence gives it a field
            assert support == (top, left, bottom, right)

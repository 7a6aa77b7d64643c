"""convcore.explain_unit and convcore.nets.explain.forward against each network's own forward pass."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import convcore
from convcore.nets import alexnet as ax
from convcore.nets import explain, lenet


@pytest.fixture(scope="module")
def digit_net():
    return lenet.load_model()[0]


@pytest.fixture(scope="module")
def vgg():
    from convcore.nets import tinyvgg

    return tinyvgg.load_model()[0]


@pytest.fixture(scope="module")
def alex():
    return ax.untrained_alexnet(seed=0)


@pytest.fixture(scope="module")
def nets(request):
    """``nets(name)``: the model and a random input (models loaded when first asked for)."""
    shapes = {"digits": (1, 28, 28), "tiny_vgg": (3, 64, 64), "alexnet": (1, 3, 224, 224)}
    fixtures = {"digits": "digit_net", "tiny_vgg": "vgg", "alexnet": "alex"}

    def get(name):
        x = torch.rand(*shapes[name], generator=torch.Generator().manual_seed(7))
        return request.getfixturevalue(fixtures[name]), (x - 0.5) * 4 if name == "alexnet" else x

    return get


NAMES = ("digits", "tiny_vgg", "alexnet")


@pytest.mark.parametrize("name", NAMES)
def test_forward_ends_in_the_models_logits_and_softmax(nets, name):
    model, x = nets(name)
    acts = explain.forward(model, x)
    with torch.inference_mode():
        logits = model(x.reshape(1, *model.network.input_shape))[0]
    last_dense = [row.name for row in acts.layers if row.kind == "dense"][-1]
    assert_allclose(acts[last_dense], logits.numpy(), rtol=1e-5, atol=1e-5)
    assert_allclose(acts["softmax"], torch.softmax(logits, 0).numpy(), rtol=1e-5, atol=1e-7)
    assert [r.name for r in acts.layers] == [r.name for r in convcore.network_layers(model)]
    for row in acts.layers:
        assert acts[row.name].shape == row.shape


def test_forward_equals_each_layer_of_the_digit_network(nets):
    model, x = nets("digits")
    acts = explain.forward(model, x)
    with torch.inference_mode():
        for layer, out in model.steps(x.reshape(1, 1, 28, 28)):
            if layer.kind != "dense":
                assert_allclose(acts[layer.name], out[0].numpy(), rtol=1e-6, atol=1e-6)


def test_forward_equals_alexnets_features(nets):
    model, x = nets("alexnet")
    acts = explain.forward(model, x)
    for out in ax.layer_outputs(model, x):
        assert_allclose(acts[out.layer.name], out.values, rtol=1e-5, atol=1e-5)


def _random_unit(data, row):
    return [data.draw(st.integers(0, n - 1)) for n in row.shape] + [0] * (3 - len(row.shape))


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_conv_units_add_up_to_the_forward_pass(nets, name, data):
    model, x = nets(name)
    acts = explain.forward(model, x)
    convs = [row for row in acts.layers if row.kind == "conv"]
    row = data.draw(st.sampled_from(convs))
    c, r, q = _random_unit(data, row)
    unit = convcore.explain_unit(model, x, row.name, c, r, q)
    expected = float(acts[row.name][c, r, q])
    assert unit.contributions.shape == (acts[row.source].shape[0],)
    assert abs(unit.contributions.sum() + unit.bias - expected) <= 1e-4 * max(1.0, abs(expected))
    assert abs(unit.value - expected) <= 1e-4 * max(1.0, abs(expected))
    assert unit.relu == max(0.0, unit.value)
    # the window is the previous layer's numbers at the rows and columns it names (0 in the padding)
    before = acts[row.source]
    for rr_i, rr in enumerate(unit.rows):
        for qq_i, qq in enumerate(unit.cols):
            inside = 0 <= rr < before.shape[1] and 0 <= qq < before.shape[2]
            want = before[:, rr, qq] if inside else np.zeros(before.shape[0])
            assert_allclose(unit.step.inputs[:, rr_i, qq_i], want)


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_every_other_kind_of_unit_equals_the_forward_pass(nets, name, data):
    model, x = nets(name)
    acts = explain.forward(model, x)
    row = data.draw(st.sampled_from([r for r in acts.layers if r.kind != "conv"]))
    c, r, q = _random_unit(data, row)
    unit = convcore.explain_unit(model, x, row.name, c, r, q)
    position = (c, r, q) if row.is_map else (c,)
    expected = float(acts[row.name][position])
    assert abs(unit.value - expected) <= 1e-5 * max(1.0, abs(expected))
    if row.kind == "pool":
        assert unit.value == unit.step.values.max()
        assert unit.step.values[unit.step.chosen] == unit.value
    elif row.kind == "relu":
        assert unit.value == max(0.0, unit.before)
    elif row.kind == "dense":
        assert abs(unit.total + unit.bias - expected) <= 1e-4 * max(1.0, abs(expected))
    elif row.kind == "softmax":
        assert_allclose(
            unit.exps / unit.total, torch.softmax(torch.tensor(unit.logits), 0).numpy(), rtol=1e-12
        )


@pytest.mark.parametrize("name", NAMES)
def test_flatten_index_is_torch_flattens_order(nets, name):
    model, x = nets(name)
    acts = explain.forward(model, x)
    flat = acts.layer("flatten")
    before = acts[flat.source]
    order = torch.flatten(torch.arange(before.size).reshape(before.shape)).numpy()
    for index in (0, 1, before.shape[2], before.shape[1] * before.shape[2] + 3, before.size - 1):
        unit = convcore.explain_unit(model, x, "flatten", index)
        assert order[index] == index == np.ravel_multi_index(unit.source, before.shape)
        assert unit.value == before[unit.source] == acts["flatten"][index]


def test_hand_computed_conv_unit_of_the_digit_network(digit_net):
    """conv1 on an image with a single bright pixel: the unit over it sees one number, times one weight."""
    x = np.zeros((1, 28, 28), np.float32)
    x[0, 10, 12] = 1.0
    unit = convcore.explain_unit(digit_net, x, "conv1", 2, 10, 12)  # 5 x 5, padding 2: the centre tap
    w = digit_net.conv1.weight[2, 0].numpy()
    b = float(digit_net.conv1.bias[2])
    assert unit.rows == (8, 9, 10, 11, 12) and unit.cols == (10, 11, 12, 13, 14)
    assert_allclose(unit.contributions, [w[2, 2]], rtol=1e-6)
    assert unit.value == pytest.approx(w[2, 2] + b, abs=1e-6)
    corner = convcore.explain_unit(digit_net, x, "conv1", 0, 0, 0)  # two rows and columns of padding
    assert corner.rows[:2] == (-2, -1) and corner.step.inputs[0, :2].sum() == 0


def test_explaining_leaves_the_shared_model_untouched(alex):
    before = {k: v.clone() for k, v in alex.state_dict().items()}
    convcore.explain_unit(alex, torch.zeros(3, 224, 224), "conv2", 5, 3, 3)
    assert not alex._forward_hooks and not alex._forward_pre_hooks
    assert all(p.grad is None for p in alex.parameters())
    assert all(torch.equal(before[k], v) for k, v in alex.state_dict().items())


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (("conv9", 0, 0, 0), "layer must be one of"),
        (("conv1", 6, 0, 0), "channel must be from 0 to 5"),
        (("conv1", 0, 28, 0), "row must be from 0 to 27"),
        (("conv1", 0, 0, -1), "col must be >= 0"),
        (("fc1", 3, 1, 0), "row must be 0 for fc1"),
        (("softmax", 10), "channel must be from 0 to 9"),
    ],
)
def test_bad_units_are_named(digit_net, args, match):
    with pytest.raises(ValueError, match=match):
        convcore.explain_unit(digit_net, np.zeros((28, 28)).reshape(1, 28, 28), *args)


def test_bad_inputs_and_models_are_named(digit_net):
    with pytest.raises(ValueError, match=r"x must have shape \(1, 28, 28\)"):
        convcore.explain_unit(digit_net, np.zeros((3, 28, 28)), "conv1", 0)
    with pytest.raises(ValueError, match="x contains NaN"):
        convcore.explain_unit(digit_net, np.full((1, 28, 28), np.nan), "conv1", 0)
    with pytest.raises(TypeError, match="model must be a network"):
        convcore.explain_unit(torch.nn.Linear(2, 2), np.zeros((1, 28, 28)), "conv1", 0)
    with pytest.raises(TypeError, match="layer must be a layer name"):
        convcore.explain_unit(digit_net, np.zeros((1, 28, 28)), 3, 0)
    with pytest.raises(TypeError, match="channel must be an int"):
        convcore.explain_unit(digit_net, np.zeros((1, 28, 28)), "conv1", 1.5)


def test_top_examples_are_the_strongest(digit_net):
    images = torch.rand(40, 1, 28, 28, generator=torch.Generator().manual_seed(1))
    tops = explain.top_examples(digit_net, images, 9, batch=16)
    assert list(tops) == [row.name for row in convcore.network_layers(digit_net)]
    top = tops["relu2"]
    assert top.shape == (16, 9) and tops["fc1"].shape == (120, 9)
    maxima = np.stack([explain.forward(digit_net, im)["relu2"].reshape(16, -1).max(1) for im in images])
    for channel in (0, 7, 15):
        assert_allclose(maxima[top[channel], channel], np.sort(maxima[:, channel])[::-1][:9], rtol=1e-6)
    with pytest.raises(ValueError, match="k must be at most"):
        explain.top_examples(digit_net, images[:3], 9)


def test_network_layers_lists_shapes_and_parameters():
    rows = convcore.network_layers("digits")
    assert [r.kind for r in rows].count("relu") == 4 and rows[-1].kind == "softmax"
    assert sum(r.params for r in rows) == 156 + 2416 + 48120 + 10164 + 850
    assert sum(r.params for r in convcore.network_layers("tiny_vgg")) == 19920
    assert sum(r.params for r in convcore.network_layers("alexnet")) == 61_100_840
    with pytest.raises(ValueError, match="network must be one of"):
        convcore.network_layers("vgg16")
    with pytest.raises(TypeError, match="network must be a Network"):
        convcore.network_layers(3)


def test_forward_can_stop_at_a_layer(digit_net):
    x = np.zeros((1, 28, 28), np.float32)
    acts = explain.forward(digit_net, x, upto="pool1")
    assert list(acts.values) == ["input", "conv1", "relu1", "pool1"]
    assert_allclose(acts["pool1"], explain.forward(digit_net, x)["pool1"])
    with pytest.raises(ValueError, match="layer must be one of"):
        explain.forward(digit_net, x, upto="pool9")


def test_sessions_share_one_model_safely(digit_net):
    """Two threads (two students) explaining units of the same shared model at once get what each
    would get alone: the forward passes take their own inputs and nothing is stored on the model."""
    import threading

    g = torch.Generator().manual_seed(11)
    inputs = [torch.rand(1, 28, 28, generator=g) for _ in range(2)]
    alone = [convcore.explain_unit(digit_net, x, "conv2", 3, 2, 7).value for x in inputs]
    results: dict[int, list[float]] = {0: [], 1: []}

    def work(k: int) -> None:
        for _ in range(30):
            results[k].append(convcore.explain_unit(digit_net, inputs[k], "conv2", 3, 2, 7).value)

    threads = [threading.Thread(target=work, args=(k,)) for k in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results[0] == [alone[0]] * 30 and results[1] == [alone[1]] * 30
    assert not digit_net._forward_hooks

"""Layers, parameter counts and layer stacks: by hand, and against the torch models built from them."""

from __future__ import annotations

import pytest
import torch

from convcore import layers as ly
from convcore.layers import (
    ALEXNET,
    ALEXNET_FEATURES,
    ALEXNET_PAPER,
    ALEXNET_PAPER_SIZE,
    LENET5_C3_CONNECTIONS,
    LENET5_PAPER,
    LENET5_PAPER_SIZE,
    Layer,
    conv_and_pool,
    input_maps,
    layer_stack,
    lenet5,
    parameter_count,
)
from convcore.nets import alexnet as ax
from convcore.nets import lenet


def test_the_lessons_parameter_counts():
    # one neuron looking at a 100 x 100 image
    assert parameter_count(Layer("dense", channels=1), 100 * 100, bias=False) == 10_000
    assert parameter_count(Layer("conv", 3, channels=100), 1) == 900 + 100  # 100 filters of 3 x 3
    assert parameter_count(Layer("conv", 3, channels=8), 3, bias=False) == 216  # 8 filters of 3 x 3 on RGB
    assert parameter_count(Layer("conv", 3, channels=8), 3) == 224
    assert parameter_count(Layer("conv", 5, channels=6), 1) == 156  # LeNet-5's C1 (the paper)
    assert parameter_count(Layer("pool", 2, 2), 6) == parameter_count(Layer("relu"), 6) == 0


def test_parameter_count_arguments_are_checked():
    with pytest.raises(TypeError, match="layer must be a convcore Layer"):
        parameter_count("conv", 3)
    with pytest.raises(ValueError, match="in_channels must be >= 1"):
        parameter_count(Layer("conv", 3, channels=8), 0)
    with pytest.raises(TypeError, match="bias must be True or False"):
        parameter_count(Layer("conv", 3, channels=8), 3, bias=1)


def _alexnet_modules(model: ax.AlexNet) -> list[torch.nn.Module]:
    """The module of each layer of ALEXNET: features in order, then the Linear layers."""
    linear = [m for m in model.classifier if isinstance(m, torch.nn.Linear)]
    return [*model.features, *linear]


def test_parameter_count_equals_the_torch_models_parameters():
    model = ax.untrained_alexnet(keep_dense=True)
    rows = layer_stack((224, 224), 3, ALEXNET)
    counts = {row.name: row.params for row in rows}
    for row, module in zip(rows, _alexnet_modules(model), strict=True):
        assert row.params == sum(p.numel() for p in module.parameters()), row.name
    assert counts["conv1"] == 23_296
    assert sum(counts.values()) == sum(p.numel() for p in model.parameters()) == 61_100_840
    for filters, kernel in [(6, 5), (4, 3), (12, 7)]:
        net = lenet.LeNet(filters, kernel)
        for row in layer_stack((28, 28), 1, lenet5(filters, kernel)):
            own = (
                sum(p.numel() for p in net.get_submodule(row.name).parameters())
                if hasattr(net, row.name)
                else 0
            )
            assert row.params == own, (filters, kernel, row.name)
        assert sum(r.params for r in layer_stack(28, 1, lenet5(filters, kernel))) == sum(
            p.numel() for p in net.parameters()
        )


@torch.no_grad()
def test_layer_stack_sizes_are_the_real_alexnets_outputs():
    model = ax.untrained_alexnet()
    rows = layer_stack((224, 224), 3, ALEXNET)
    x = torch.zeros(1, 3, 224, 224)
    for row, module in zip(rows[: len(ALEXNET_FEATURES)], model.features, strict=True):
        x = module(x)
        assert tuple(x.shape[1:]) == (row.channels, *row.size), row.name
    x = torch.flatten(model.avgpool(x), 1)
    for row, module in zip(rows[len(ALEXNET_FEATURES) :], _alexnet_modules(model)[len(ALEXNET_FEATURES) :]):
        x = module(x)
        assert tuple(x.shape[1:]) == (row.channels,) and row.size == (1, 1), row.name
        assert row.receptive_field is row.field is row.jump is row.start is None


@torch.no_grad()
def test_layer_stack_sizes_are_the_real_lenets_outputs():
    net = lenet.LeNet(6, 5)
    x = torch.zeros(1, 1, 28, 28)
    for row, (layer, out) in zip(layer_stack(28, 1, net.layers), net.steps(x), strict=True):
        assert row.layer == layer
        shape = (row.channels, *row.size) if layer.kind != "dense" else (row.channels,)
        assert tuple(out.shape[1:]) == shape, row.name


def test_alexnet_and_lenet_stacks():
    rows = ly.layer_stack((224, 224), 3, conv_and_pool(ALEXNET))
    assert [r.size for r in rows] == [
        (55, 55),
        (27, 27),
        (27, 27),
        (13, 13),
        (13, 13),
        (13, 13),
        (13, 13),
        (6, 6),
    ]
    assert [r.receptive_field for r in rows] == [11, 19, 51, 67, 99, 131, 163, 195]
    assert sum(r.params for r in rows) == 2_469_696
    assert [r.name for r in rows] == ["conv1", "pool1", "conv2", "pool2", "conv3", "conv4", "conv5", "pool5"]
    lenet_rows = ly.layer_stack((28, 28), 1, conv_and_pool(lenet5()))
    assert [r.size for r in lenet_rows] == [(28, 28), (14, 14), (10, 10), (5, 5)]
    assert lenet_rows[-1].channels == 16


def test_the_whole_alexnet_stack():
    rows = layer_stack((224, 224), 3, ALEXNET)
    assert [r.name for r in rows][-4:] == ["pool5", "fc6", "fc7", "fc8"]
    by_name = {r.name: r for r in rows}
    assert by_name["fc6"].params == 256 * 6 * 6 * 4096 + 4096  # the dense layer flattens the 6 x 6 x 256 map
    assert by_name["relu1"].size == by_name["conv1"].size and by_name["relu1"].params == 0
    assert by_name["fc8"].channels == 1000 and by_name["fc8"].size == (1, 1)
    assert by_name["pool5"].field.box(0, 0, 224) == (0, 0, 129, 129)  # 195 wide, a third of it outside
    assert ALEXNET_FEATURES == ALEXNET[:13] and len({layer.name for layer in ALEXNET}) == len(ALEXNET)


def test_unnamed_layers_are_numbered_by_kind_and_named_layers_keep_their_name():
    rows = layer_stack(
        (16, 16),
        2,
        [
            Layer("conv", 3, 1, 1, channels=8),
            Layer("relu"),
            Layer("pool", 2, 2),
            Layer("conv", 3, channels=4, name="mine"),
            Layer("conv", 3, channels=4),
            Layer("dense", channels=10),
        ],
    )
    assert [r.name for r in rows] == ["conv1", "relu1", "pool1", "mine", "conv3", "fc1"]
    assert [r.size for r in rows] == [(16, 16), (16, 16), (8, 8), (6, 6), (4, 4), (1, 1)]
    assert rows[-1].params == 4 * 4 * 4 * 10 + 10
    assert rows[0].params == 8 * 2 * 9 + 8


def test_layer_stack_says_where_the_map_vanishes():
    with pytest.raises(ValueError, match="conv2: kernel is larger than the padded input"):
        ly.layer_stack((8, 8), 1, [Layer("conv", 3, 2, channels=4), Layer("conv", 5, channels=4)])
    with pytest.raises(ValueError, match="kind must be one of"):
        Layer("fc", 3)
    with pytest.raises(ValueError, match="a dense layer has no window"):
        Layer("dense", 3, channels=4)


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        (dict(kind="conv", kernel=3), ValueError, "channels must be >= 1"),
        (dict(kind="dense"), ValueError, "channels must be >= 1"),
        (dict(kind="pool", kernel=0), ValueError, "kernel must be >= 1"),
        (dict(kind="pool", kernel=2, stride=1.5), TypeError, "stride must be an int"),
        (dict(kind="conv", kernel=3, padding=-1, channels=2), ValueError, "padding must be >= 0"),
        (dict(kind="relu", kernel=3), ValueError, "a relu layer has no window"),
        (dict(kind="pool", kernel=2, channels=4), ValueError, "channels must be 0 for a pool layer"),
        (dict(kind="conv", kernel=3, channels=2, name=5), TypeError, "name must be a str"),
        (dict(kind="pool", kernel=2, groups=2), ValueError, "groups is for conv layers only"),
        (dict(kind="conv", kernel=3, channels=6, groups=4), ValueError, "groups must divide channels"),
        (dict(kind="conv", kernel=3, channels=2, groups=0), ValueError, "groups must be >= 1"),
        (
            dict(kind="conv", kernel=3, channels=2, connections=[(0,)]),
            ValueError,
            "connections must have one entry per filter",
        ),
        (
            dict(kind="conv", kernel=3, channels=1, connections=[()]),
            ValueError,
            r"connections\[0\] must name one or more",
        ),
        (
            dict(kind="conv", kernel=3, channels=1, connections=[(1, 1)]),
            ValueError,
            r"connections\[0\] must name one or more different",
        ),
        (
            dict(kind="conv", kernel=3, channels=1, connections=[(-1,)]),
            ValueError,
            r"connections\[0\] must be >= 0",
        ),
        (
            dict(kind="conv", kernel=3, channels=1, connections="01"),
            TypeError,
            "connections must be a sequence",
        ),
        (
            dict(kind="conv", kernel=3, channels=2, groups=2, connections=[(0,), (1,)]),
            ValueError,
            "connections and groups",
        ),
        (
            dict(kind="dense", channels=2, connections=[(0,), (1,)]),
            ValueError,
            "connections is for conv layers only",
        ),
        (dict(kind="pool", kernel=2, pooling="min"), ValueError, "pooling must be one of"),
        (
            dict(kind="conv", kernel=2, channels=1, pooling="average"),
            ValueError,
            "pooling is for pool layers only",
        ),
        (
            dict(kind="conv", kernel=2, channels=1, trainable=True),
            ValueError,
            "trainable is for pool layers only",
        ),
        (dict(kind="pool", kernel=2, trainable=1), TypeError, "trainable must be True or False"),
        (dict(kind="conv", kernel=2, channels=1, rbf=True), ValueError, "rbf is for dense layers only"),
    ],
)
def test_layers_are_checked_with_the_parameter_named(kwargs, error, match):
    with pytest.raises(error, match=match):
        Layer(**kwargs)


#: The paper's Table I, typed from the paper: row = S2 map, column = C3 map, X = connected.
_TABLE_I = (
    "X   XXX  XXXX XX",
    "XX   XXX  XXXX X",
    "XXX   XXX  X XXX",
    " XXX  XXXX  X XX",
    "  XXX  XXXX XX X",
    "   XXX  XXXX XXX",
)


def test_lenet5_c3_connections_are_the_papers_table_one():
    typed = tuple(tuple(m for m in range(6) if _TABLE_I[m][f] == "X") for f in range(16))
    assert LENET5_C3_CONNECTIONS == typed
    assert sum(len(maps) for maps in LENET5_C3_CONNECTIONS) == 60
    assert [len(maps) for maps in LENET5_C3_CONNECTIONS] == [3] * 6 + [4] * 9 + [6]


def test_lenet5_as_published_counts_by_hand():
    rows = {r.name: r for r in layer_stack(LENET5_PAPER_SIZE, 1, LENET5_PAPER)}
    assert list(rows) == ["C1", "S2", "C3", "S4", "C5", "F6", "output"]
    assert rows["C1"].params == (5 * 5 * 1 + 1) * 6 == 156
    assert rows["S2"].params == 2 * 6 == 12  # one coefficient and one bias per map
    assert rows["C3"].params == 60 * 5 * 5 + 16 == 1_516
    assert rows["S4"].params == 2 * 16 == 32
    assert rows["C5"].params == (5 * 5 * 16 + 1) * 120 == 48_120
    assert rows["F6"].params == (120 + 1) * 84 == 10_164
    assert rows["output"].params == 84 * 10 == 840  # RBF units: one parameter per input, no bias
    trainable = sum(r.params for r in rows.values() if not r.layer.rbf)
    assert trainable == 156 + 12 + 1_516 + 32 + 48_120 + 10_164 == 60_000
    assert sum(r.params for r in rows.values()) == 60_840
    sizes = [(r.size, r.channels) for r in rows.values()]
    assert sizes == [((28, 28), 6), ((14, 14), 6), ((10, 10), 16), ((5, 5), 16), ((1, 1), 120),
                     ((1, 1), 84), ((1, 1), 10)]  # fmt: skip
    assert rows["C5"].receptive_field == 32  # a C5 unit sees the whole input
    # C3 fully connected would be the app's LeNet-5-style conv2: 2,416
    full = Layer("conv", 5, channels=16)
    assert parameter_count(full, 6) == 2_416 == layer_stack(28, 1, lenet5())[3].params
    assert parameter_count(rows["S2"].layer, 6, bias=False) == 6


def test_alexnet_as_published_counts_by_hand():
    rows = {r.name: r for r in layer_stack(ALEXNET_PAPER_SIZE, 3, ALEXNET_PAPER)}
    counts = {name: r.params for name, r in rows.items() if r.params}
    by_hand = {  # filters x filter size (+ biases); a dense layer: inputs x neurons (+ biases)
        "conv1": 96 * 11 * 11 * 3 + 96,
        "conv2": 256 * 5 * 5 * 48 + 256,
        "conv3": 384 * 3 * 3 * 256 + 384,
        "conv4": 384 * 3 * 3 * 192 + 384,
        "conv5": 256 * 3 * 3 * 192 + 256,
        "fc6": 6 * 6 * 256 * 4096 + 4096,
        "fc7": 4096 * 4096 + 4096,
        "fc8": 4096 * 1000 + 1000,
    }
    assert counts == by_hand
    assert list(counts.values()) == [
        34_944,
        307_456,
        885_120,
        663_936,
        442_624,
        37_752_832,
        16_781_312,
        4_097_000,
    ]
    assert sum(counts.values()) == 60_965_224
    assert [rows[f"conv{i}"].channels for i in range(1, 6)] == [96, 256, 384, 384, 256]
    # each filter's depth: conv2, conv4 and conv5 see their own GPU's half only
    depth = {f"conv{i}": len(input_maps(rows[f"conv{i}"].layer, rows[prev].channels)[0])
             for i, prev in ((2, "pool1"), (3, "pool2"), (4, "conv3"), (5, "conv4"))}  # fmt: skip
    assert depth == {"conv2": 48, "conv3": 256, "conv4": 192, "conv5": 192}
    assert [rows[n].size for n in ("conv1", "pool1", "pool2", "conv5", "pool5")] == [
        (55, 55), (27, 27), (13, 13), (13, 13), (6, 6)]  # fmt: skip
    # the paper's 224 x 224 does not give its 55 x 55 without padding; torchvision pads by 2
    assert layer_stack(224, 3, ALEXNET_PAPER[:1])[0].size == (54, 54)
    assert layer_stack(224, 3, ALEXNET[:1])[0].size == (55, 55)


def test_about_96_percent_of_alexnets_parameters_are_in_the_dense_layers_in_both_versions():
    for layers, size, total, share in ((ALEXNET_PAPER, ALEXNET_PAPER_SIZE, 60_965_224, 0.9617),
                                       (ALEXNET, 224, 61_100_840, 0.9596)):  # fmt: skip
        rows = layer_stack(size, 3, layers)
        dense = sum(r.params for r in rows if r.layer.kind == "dense")
        assert dense == 58_631_144 and sum(r.params for r in rows) == total
        assert dense / total == pytest.approx(share, abs=5e-5)


def test_groups_and_connections_count_like_torch():
    assert parameter_count(Layer("conv", 5, channels=256, groups=2), 96) == sum(
        p.numel() for p in torch.nn.Conv2d(96, 256, 5, groups=2).parameters()
    )
    # a partial connection table is a conv whose missing (filter, map) pairs are held at 0
    mask = torch.zeros(16, 6)
    for f, maps in enumerate(LENET5_C3_CONNECTIONS):
        mask[f, list(maps)] = 1
    conv = torch.nn.Conv2d(6, 16, 5)
    assert int(mask.sum()) * 25 + conv.bias.numel() == parameter_count(LENET5_PAPER[2], 6)
    assert input_maps(Layer("conv", 3, channels=4), 2) == ((0, 1),) * 4


def test_groups_and_connections_must_fit_the_input():
    with pytest.raises(ValueError, match="C3: connections name input map 5, but the input has 4 maps"):
        layer_stack(32, 4, LENET5_PAPER[2:3])
    with pytest.raises(ValueError, match="conv2: groups \\(2\\) must divide the input's 3 channels"):
        layer_stack(32, 3, ALEXNET_PAPER[3:4])
    with pytest.raises(ValueError, match="layer must be a conv layer"):
        input_maps(Layer("pool", 2), 3)
    with pytest.raises(TypeError, match="layer must be a convcore Layer"):
        input_maps("conv", 3)


def test_layer_keeps_the_positional_order_and_is_frozen():
    layer = Layer("conv", 3, 1, 1, channels=8)
    assert (layer.kind, layer.kernel, layer.stride, layer.padding, layer.dilation, layer.channels) == (
        "conv",
        3,
        1,
        1,
        1,
        8,
    )
    with pytest.raises(AttributeError):
        layer.kernel = 5
    assert layer == Layer("conv", 3, 1, 1, 1, 8) and hash(layer) == hash(Layer("conv", 3, 1, 1, 1, 8))


def test_layer_stack_arguments_are_checked():
    with pytest.raises(TypeError, match=r"layers\[1\] must be a convcore Layer"):
        layer_stack(8, 1, [Layer("relu"), ("conv", 3)])
    with pytest.raises(ValueError, match="in_channels must be >= 1"):
        layer_stack(8, 0, [])
    with pytest.raises(ValueError, match="filters must be >= 1"):
        lenet5(0)


def test_the_centre_unit_is_the_middle_one_on_an_odd_map_and_a_deliberate_one_on_an_even_map():
    rows = {row.name: row for row in layer_stack((224, 224), 3, ALEXNET)}
    assert rows["conv1"].centre_unit(224) == (27, 27)  # 55 x 55: centred at 111.5, the input's centre is 112
    assert rows["conv5"].centre_unit(224) == (6, 6)  # 13 x 13
    # 6 x 6: units centred at 31.5 + 32 i; unit 3 (127.5) is 15.5 px from 112, unit 2 (95.5) 16.5 px
    assert rows["pool5"].centre_unit(224) == (3, 3)
    lenet_rows = {row.name: row for row in layer_stack((28, 28), 1, lenet5())}
    # 28 x 28 after conv1: units 13 and 14 are centred at 13.5 and 14.5, equally near 14: the upper/left one
    assert lenet_rows["conv1"].centre_unit(28) == (13, 13)
    assert lenet_rows["pool2"].size == (5, 5) and lenet_rows["pool2"].centre_unit(28) == (2, 2)
    # a rectangular input, and a unit's box is centred where the unit is
    row = layer_stack((10, 7), 1, [Layer("conv", 3, 1, 1, channels=1)])[0]
    assert row.centre_unit((10, 7)) == (4, 3)
    top, left, bottom, right = row.field.box(*row.centre_unit((10, 7)), 10)
    assert ((top + bottom) / 2, (left + right) / 2) == (4.5, 3.5)
    assert rows["fc6"].centre_unit(224) == (0, 0)  # a dense neuron has no place


def _layers_page():
    from tests.apptest import open_page

    return open_page("layers")


def test_the_layers_page_shows_dashes_separators_and_says_which_unit_of_an_even_map_it_shows():
    import json

    at = _layers_page()
    editor, table = at.dataframe[0], at.dataframe[1]
    assert editor.proto.placeholder == "—"  # a pool row's filters: a dash, not "None"
    assert table.proto.placeholder == "—"
    assert json.loads(table.proto.columns)["parameters"]["type_config"]["format"] == "%,d"
    assert table.value["parameters"].iloc[0] == 23_296
    pictures = [img for element in at.get("image") for img in element.proto.imgs]
    captions = " ".join(img.caption for img in pictures)  # the last layer is shown first: pool5, 6 x 6
    assert all(img.alt for img in pictures)
    # AlexNet's last pool is pool5 here too, as on the AlexNet page (not "pool3", numbered by kind)
    assert "Unit (row 4, column 4) of pool5's 6 x 6 map sees 195 x 195 input pixels" in captions
    assert "no unit sits exactly in the middle" in captions

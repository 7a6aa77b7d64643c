"""convcore.nets.alexnet: built from the layer list, shapes, preprocessing, Grad-CAM, receptive fields."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from convcore.layers import ALEXNET_FEATURES
from convcore.nets import alexnet as ax
from convcore.nets._init import SeededLinear, empty, seeded


def test_parameter_counts_match_torchvision():
    model = empty(ax.AlexNet)  # shapes only
    conv = sum(p.numel() for p in model.features.parameters())
    dense = sum(p.numel() for p in model.classifier.parameters())
    assert (conv, dense, conv + dense) == (2_469_696, 58_631_144, 61_100_840)
    assert dense / (conv + dense) == pytest.approx(0.96, abs=0.005)
    keys = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    assert keys["features.0.weight"] == (64, 3, 11, 11) and keys["classifier.6.weight"] == (1000, 4096)


def test_layer_output_shapes_at_224_and_no_mutation():
    model = ax.untrained_alexnet()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    outs = ax.layer_outputs(model, torch.randn(1, 3, 224, 224))
    shapes = {o.layer.name: o.values.shape for o in outs}
    assert shapes == {
        "conv1": (64, 55, 55), "relu1": (64, 55, 55), "pool1": (64, 27, 27),
        "conv2": (192, 27, 27), "relu2": (192, 27, 27), "pool2": (192, 13, 13),
        "conv3": (384, 13, 13), "relu3": (384, 13, 13), "conv4": (256, 13, 13), "relu4": (256, 13, 13),
        "conv5": (256, 13, 13), "relu5": (256, 13, 13), "pool5": (256, 6, 6),
    }  # fmt: skip
    assert (outs[0].values < 0).any() and (outs[1].values >= 0).all()  # conv output kept before its ReLU
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_untrained_model_is_reproducible_and_leaves_the_global_rng_alone():
    torch.manual_seed(42)
    expected_next = torch.rand(3)
    torch.manual_seed(42)
    a = ax.untrained_alexnet(seed=0)
    assert torch.equal(torch.rand(3), expected_next)
    b = ax.untrained_alexnet(seed=0)
    assert torch.equal(a.features[0].weight, b.features[0].weight)
    assert not torch.equal(a.features[0].weight, ax.untrained_alexnet(seed=1).features[0].weight)


def test_untrained_dense_layers_are_drawn_again_bit_for_bit():
    """The untrained AlexNet keeps no dense weights (SeededLinear) yet computes exactly what the
    same network with kept nn.Linear weights computes: outputs equal, gradients within rounding,
    a randomised copy equal too; it holds under 10 MiB instead of 233 MiB."""
    full = seeded(ax.AlexNet, 0)
    model = ax.untrained_alexnet(seed=0)
    dense = [m for m in model.classifier if isinstance(m, torch.nn.Linear)]
    assert len(dense) == 3 and all(isinstance(m, SeededLinear) for m in dense)
    kept = sum(p.numel() for p in model.parameters()) * 4
    assert kept < 10 * 2**20 < 230 * 2**20 < sum(p.numel() for p in full.parameters()) * 4
    for i in (1, 4, 6):
        assert torch.equal(full.classifier[i].weight, model.classifier[i].weight)
        assert torch.equal(full.classifier[i].bias, model.classifier[i].bias)
        assert torch.equal(full.classifier[i].weight[777], model.classifier[i].row(777))
    x = torch.randn(2, 3, 224, 224, generator=torch.Generator().manual_seed(1))
    with torch.inference_mode():
        assert torch.equal(full.eval()(x), model(x))
    xa, xb = x.clone().requires_grad_(True), x.clone().requires_grad_(True)
    (ga,) = torch.autograd.grad(full(xa)[:, 7].sum(), xa)
    (gb,) = torch.autograd.grad(model(xb)[:, 7].sum(), xb)
    torch.testing.assert_close(gb, ga, rtol=1e-5, atol=1e-9)
    with pytest.raises(ValueError, match="index"):
        model.classifier[6].row(1000)


def test_preprocess_without_resize_is_a_plain_crop_and_normalisation():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (256, 300, 3), dtype=np.uint8)  # short side already 256
    x = ax.preprocess(img)
    assert x.shape == (1, 3, 224, 224) and x.dtype == torch.float32
    top, left = 16, 38  # round((256 - 224) / 2), round((300 - 224) / 2)
    for c in range(3):
        hand = (img[top : top + 224, left : left + 224, c] / 255.0 - ax.IMAGENET_MEAN[c]) / ax.IMAGENET_STD[c]
        np.testing.assert_allclose(x[0, c].numpy(), hand, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(ax.crop_shown(img), img[top : top + 224, left : left + 224])


def test_preprocess_resizes_the_short_side_to_256():
    img = np.full((600, 512, 3), 200, dtype=np.uint8)
    img[:, :256] = 10  # left half dark
    shown = ax.crop_shown(img)
    assert shown.shape == (224, 224, 3)
    # 512 x 600 -> 256 x 300 (int(256 * 600 / 512) = 300): the dark half ends at column 128 of 256,
    # which is column 128 - 16 = 112 of the centre crop
    assert (shown[:, :110] == 10).all() and (shown[:, 114:] == 200).all()
    with pytest.raises(ValueError, match="image must be an"):
        ax.preprocess(np.zeros((10, 10)))


@pytest.mark.parametrize("layer,size", [
    ("conv1", 11), ("pool1", 19), ("conv2", 51), ("pool2", 67), ("conv3", 99), ("conv4", 131), ("conv5", 163),
    ("pool5", 195),
])  # fmt: skip
def test_receptive_field_sizes(layer, size):
    assert ax.receptive_field(layer)[0] == size


@pytest.mark.parametrize(
    "layer,row,col", [("conv1", 0, 0), ("conv1", 20, 33), ("conv2", 10, 5), ("conv3", 6, 6)]
)
def test_receptive_field_box_contains_every_input_pixel_that_matters(layer, row, col):
    # autograd oracle: the input pixels with a non-zero gradient lie inside the box
    model = ax.untrained_alexnet()
    x = torch.randn(1, 3, 224, 224, requires_grad=True)
    a = x
    for info, module in zip(ax.LAYERS, model.features):
        a = module(a)
        if info.name == layer:
            break
    (grad,) = torch.autograd.grad(a[0, 0, row, col], x)
    rows, cols = np.nonzero(grad[0].abs().sum(0).numpy())
    top, left, bottom, right = ax.receptive_field(layer, row, col)[1]
    assert rows.min() >= top and rows.max() < bottom and cols.min() >= left and cols.max() < right
    if layer == "conv1":  # no ReLU in between: the box is exactly the support
        assert (rows.min(), cols.min(), rows.max() + 1, cols.max() + 1) == (top, left, bottom, right)


def test_grad_cam_shape_range_class_dependence_and_no_side_effects():
    model = ax.untrained_alexnet(seed=3)
    x = ax.preprocess(np.random.default_rng(1).integers(0, 256, (256, 256, 3), dtype=np.uint8))
    a = ax.grad_cam(model, x, 1)
    b = ax.grad_cam(model, x, 2)
    assert a.shape == (224, 224) and 0 <= a.min() and a.max() <= 1
    assert not np.allclose(a, b)
    assert all(p.grad is None for p in model.parameters())
    with pytest.raises(ValueError, match="class_index must be from 0 to 999"):
        ax.grad_cam(model, x, 1000)


@pytest.mark.parametrize("keep_dense", [True, False])
def test_grad_cam_from_relu5_already_computed_is_the_same_map_bit_for_bit(keep_dense):
    """The AlexNet page passes relu5 from its analysis (layer_outputs): the conv layers do not run
    again, and the heat map is exactly the one of the full pass."""
    model = ax.untrained_alexnet(seed=3, keep_dense=keep_dense)
    x = ax.preprocess(np.random.default_rng(5).integers(0, 256, (300, 400, 3), dtype=np.uint8))
    with torch.inference_mode():
        relu5 = {o.layer.name: o.values for o in ax.layer_outputs(model, x)}["relu5"]
    for k in (0, 281):
        np.testing.assert_array_equal(ax.grad_cam(model, x, k, relu5=relu5), ax.grad_cam(model, x, k))
    assert all(p.grad is None for p in model.parameters())
    for bad in (relu5[:10], relu5.tolist(), relu5[None]):
        with pytest.raises(ValueError, match="relu5 must be relu5's output"):
            ax.grad_cam(model, x, 1, relu5=bad)


def test_predictions_and_categories():
    names = ax.categories()
    assert len(names) == len(set(names)) == 1000 and names[0] == "tench" and "crane bird" in names
    preds = ax.predict(ax.untrained_alexnet(), torch.zeros(1, 3, 224, 224), k=5)
    assert len(preds) == 5 and preds[0].probability >= preds[-1].probability
    assert all(p.name == names[p.index] for p in preds)


@pytest.mark.parametrize("shape", [(1, 1, 3), (2, 1024, 3), (1024, 2, 3), (300, 1200, 3), (50, 40, 3)])
def test_tiny_and_extreme_images_are_handled_with_bounded_memory(shape):
    img = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    x = ax.preprocess(img)
    assert x.shape == (1, 3, 224, 224) and torch.isfinite(x).all()
    assert ax.predict(ax.untrained_alexnet(), x, k=1)[0].probability > 0


def test_four_to_one_images_are_still_exactly_torchvision_s_path():
    # 256 x 1024 (4:1): no pre-crop, so no resize and a plain centre crop
    img = np.random.default_rng(1).integers(0, 256, (256, 1024, 3), dtype=np.uint8)
    np.testing.assert_array_equal(ax.crop_shown(img), img[16:240, 400:624])


def _positive_alexnet_features() -> list[torch.nn.Module]:
    """An untrained AlexNet's features with every weight and bias made positive, and each max pool
    replaced by an average pool of the same window (a max sends its gradient to one input only)."""
    model = ax.untrained_alexnet()
    modules = []
    for module in model.features:
        if isinstance(module, torch.nn.MaxPool2d):
            module = torch.nn.AvgPool2d(module.kernel_size, module.stride, module.padding)
        elif isinstance(module, torch.nn.Conv2d):
            module = torch.nn.Conv2d(
                module.in_channels, module.out_channels, module.kernel_size, module.stride, module.padding
            )
            with torch.no_grad():
                module.weight.uniform_(0.01, 1.0)
                module.bias.uniform_(0.01, 1.0)
        modules.append(module)
    return modules


@pytest.mark.parametrize(
    "layer,units",
    [
        ("conv1", [(0, 0), (20, 33), (54, 54)]),
        ("pool1", [(0, 0), (13, 26)]),
        ("conv2", [(0, 0), (10, 5), (26, 26)]),
        ("pool2", [(0, 12), (6, 6)]),
        ("conv3", [(0, 0), (6, 6), (12, 3)]),
        ("conv5", [(6, 6), (12, 12)]),
        ("pool5", [(0, 0), (3, 2), (5, 5)]),
    ],
)
def test_receptive_field_box_is_exactly_where_the_gradient_reaches(layer, units):
    # positive weights and inputs: nothing cancels and every ReLU passes its gradient, so the
    # input pixels with a non-zero gradient fill the whole (clipped) box
    torch.manual_seed(0)
    modules = _positive_alexnet_features()
    x = torch.rand(1, 3, 224, 224, requires_grad=True)
    a = x
    for info, module in zip(ax.LAYERS, modules):
        a = module(a)
        if info.name == layer:
            break
    for row, col in units:
        (grad,) = torch.autograd.grad(a[0, 0, row, col], x, retain_graph=True)
        rows, cols = np.nonzero(grad[0].abs().sum(0).numpy())
        support = (rows.min(), cols.min(), rows.max() + 1, cols.max() + 1)
        size, box = ax.receptive_field(layer, row, col)
        assert support == box, (layer, row, col)
        assert (rows.max() - rows.min() + 1 == size) == (0 < box[0] and box[2] < 224)


def test_the_model_is_built_from_the_layer_list():
    model = empty(ax.AlexNet)
    assert ax.LAYERS == ALEXNET_FEATURES and len(model.features) == len(ax.LAYERS)
    for layer, module in zip(ax.LAYERS, model.features, strict=True):
        if layer.kind == "conv":
            assert isinstance(module, torch.nn.Conv2d)
            assert (module.out_channels, module.kernel_size, module.stride, module.padding) == (
                layer.channels,
                (layer.kernel,) * 2,
                (layer.stride,) * 2,
                (layer.padding,) * 2,
            )
        elif layer.kind == "relu":
            assert isinstance(module, torch.nn.ReLU) and not module.inplace
        else:
            assert isinstance(module, torch.nn.MaxPool2d) and (module.kernel_size, module.stride) == (3, 2)
    kinds = [type(m).__name__ for m in model.classifier]
    assert kinds == ["Dropout", "Linear", "ReLU", "Dropout", "Linear", "ReLU", "Linear"]  # torchvision's head
    assert ax.AlexNet(num_classes=10).classifier[-1].out_features == 10


def test_receptive_field_refuses_unknown_layers():
    with pytest.raises(ValueError, match="layer must be one of"):
        ax.receptive_field("fc6")


def test_predict_from_already_computed_features_is_the_same_and_checks_their_shape():
    model = ax.untrained_alexnet(seed=0)
    x = torch.randn(1, 3, 224, 224, generator=torch.Generator().manual_seed(4))
    outs = ax.layer_outputs(model, x)
    from_features = ax.predict(model, x, k=5, features=torch.from_numpy(outs[-1].values)[None])
    assert from_features == ax.predict(model, x, k=5)
    with pytest.raises(ValueError, match="features must be pool5"):
        ax.predict(model, x, features=torch.zeros(1, 256, 13, 13))

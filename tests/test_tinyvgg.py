"""convcore.nets.shapes and convcore.nets.tinyvgg: the generated shapes, Tiny VGG and the shipped model."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from convcore.nets import shapes, tinyvgg
from convcore.networks import NETWORKS, TINY_VGG_CLASSES, network_layers


def test_shapes_are_deterministic_by_seed_with_the_documented_shapes_and_range():
    images, labels = shapes.make_shapes(60, seed=3)
    again, again_labels = shapes.make_shapes(60, seed=3)
    other, _ = shapes.make_shapes(60, seed=4)
    assert torch.equal(images, again) and torch.equal(labels, again_labels)
    assert not torch.equal(images, other)
    assert images.shape == (60, 3, 64, 64) and images.dtype == torch.float32
    assert labels.shape == (60,) and labels.dtype == torch.int64
    assert float(images.min()) >= 0.0 and float(images.max()) <= 1.0
    assert set(labels.tolist()) <= set(range(len(TINY_VGG_CLASSES)))


def test_every_class_is_present_in_equal_numbers_and_every_image_shows_two_colours():
    images, labels = shapes.make_shapes(200, seed=1)
    assert torch.bincount(labels, minlength=10).tolist() == [20] * 10
    assert shapes.CLASSES == TINY_VGG_CLASSES == NETWORKS["tiny_vgg"].classes
    # foreground and background differ enough to see: the spread of each image is wide
    flat = images.flatten(2)
    spread = torch.linalg.vector_norm(flat.quantile(0.99, dim=2) - flat.quantile(0.01, dim=2), dim=1)
    assert float(spread.min()) > 0.3


def test_training_images_never_use_the_held_out_seed():
    epochs = range(100)  # the most TinyVGGConfig allows
    assert all(tinyvgg._epoch_seed(seed, e) != shapes.HELD_OUT_SEED for seed in range(1001) for e in epochs)
    with pytest.raises(ValueError, match="epochs"):
        tinyvgg.TinyVGGConfig(epochs=101)
    with pytest.raises(ValueError, match="seed"):
        tinyvgg.TinyVGGConfig(seed=-1)


@pytest.mark.parametrize("n", [0, -1, 1.5, "10", True, 500_001])
def test_make_shapes_rejects_a_bad_n(n):
    with pytest.raises(ValueError, match="n must be an int"):
        shapes.make_shapes(n)


def test_model_layers_are_the_defined_network():
    model = tinyvgg.new_model(0)
    assert model.network is NETWORKS["tiny_vgg"]
    x = shapes.make_shapes(2, seed=0)[0]
    steps = list(model.steps(x))
    rows = [row for row in network_layers("tiny_vgg") if row.kind not in ("flatten", "softmax")]
    assert [(layer.name, tuple(out.shape[1:])) for layer, out in steps] == [(r.name, r.shape) for r in rows]
    assert sum(p.numel() for p in model.parameters()) == sum(r.params for r in network_layers("tiny_vgg"))
    assert torch.equal(model(x), steps[-1][1])


def test_new_model_is_reproducible_and_leaves_the_global_rng_alone():
    state = torch.get_rng_state()
    a, b = tinyvgg.new_model(7), tinyvgg.new_model(7)
    assert torch.equal(torch.get_rng_state(), state)
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))
    assert not torch.equal(a.conv_1_1.weight, tinyvgg.new_model(8).conv_1_1.weight)


def test_training_is_deterministic():
    config = tinyvgg.TinyVGGConfig(train_size=320, epochs=2, batch_size=16, seed=2)  # 40 steps
    data = shapes.make_shapes(config.train_size, seed=config.seed)
    held = shapes.make_shapes(50, seed=9)
    models = [tinyvgg.new_model(1), tinyvgg.new_model(1)]
    results = [tinyvgg.train(m, config, data=data, held_out=held) for m in models]
    assert results[0].steps == 40 and [p.epoch for p in results[0].history] == [1, 2]
    assert results[0].accuracy == results[1].accuracy
    first, second = (m.state_dict() for m in models)
    assert first.keys() == second.keys()
    assert all(torch.equal(first[k], second[k]) for k in first)
    assert all(v.is_contiguous() for v in first.values())  # the channels-last training is undone
    assert not torch.equal(first["conv_1_1.weight"], tinyvgg.new_model(1).conv_1_1.weight)  # it moved


@pytest.fixture(scope="module")
def shipped():
    return tinyvgg.load_model()


def test_shipped_model_loads_frozen_with_the_network_layer_shapes(shipped):
    model, meta = shipped
    assert not model.training and not any(p.requires_grad for p in model.parameters())
    assert meta["classes"] == list(TINY_VGG_CLASSES)
    assert meta["accuracy"] >= 0.9 and meta["held_out_seed"] == shapes.HELD_OUT_SEED
    x = torch.zeros(1, 3, 64, 64)
    shapes_out = {layer.name: tuple(out.shape[1:]) for layer, out in model.steps(x)}
    for row in network_layers("tiny_vgg"):
        if row.name in shapes_out:
            assert shapes_out[row.name] == row.shape, row.name
    params = {name: tuple(p.shape) for name, p in model.named_parameters()}
    assert params["conv_1_1.weight"] == (10, 3, 3, 3) and params["output.weight"] == (10, 1690)


def test_shipped_model_is_accurate_on_held_out_images(shipped):
    model, _ = shipped
    images, labels = shapes.make_shapes(1000, seed=shapes.HELD_OUT_SEED)
    assert tinyvgg.evaluate(model, images, labels) >= 0.9
    probs = tinyvgg.predict_probabilities(model, images[0])
    assert probs.shape == (10,) and probs.sum() == pytest.approx(1.0, abs=1e-5)
    assert int(np.argmax(probs)) == int(model(images[:1]).argmax())
    assert np.array_equal(probs, tinyvgg.predict_probabilities(model, images[0].numpy()))
    with pytest.raises(ValueError, match="image must have shape"):
        tinyvgg.predict_probabilities(model, images[0, 0])


def test_shipped_file_is_small():
    assert tinyvgg.DEFAULT_MODEL_PATH.name == "tiny_vgg_shapes.pt"
    assert tinyvgg.DEFAULT_MODEL_PATH.stat().st_size < 1_000_000


def test_save_and_load_round_trip(tmp_path):
    model = tinyvgg.new_model(3)
    path = tmp_path / "m.pt"
    tinyvgg.save_model(model, path, tinyvgg.DEFAULT_CONFIG, 0.5)
    loaded, meta = tinyvgg.load_model(path)
    assert meta["accuracy"] == 0.5 and meta["epochs"] == tinyvgg.DEFAULT_CONFIG.epochs
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), loaded.state_dict().values()))


def test_load_model_refuses_a_missing_file_with_a_sentence(tmp_path):
    with pytest.raises(
        ValueError, match=r"There is no model file at .*missing\.pt; run `make train-tinyvgg`\."
    ):
        tinyvgg.load_model(tmp_path / "missing.pt")


@pytest.mark.parametrize(
    "content",
    [b"not a model at all", b""],
    ids=["garbage", "empty"],
)
def test_load_model_refuses_a_garbage_file_with_a_sentence(tmp_path, content):
    path = tmp_path / "bad.pt"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=r"bad\.pt is not a usable Tiny VGG model .*make train-tinyvgg"):
        tinyvgg.load_model(path)


def test_load_model_refuses_wrong_weights(tmp_path):
    path = tmp_path / "lenet.pt"
    torch.save({"state_dict": {"conv1.weight": torch.zeros(6, 1, 5, 5)}, "accuracy": 0.9}, path)
    with pytest.raises(ValueError, match="not a usable Tiny VGG model"):
        tinyvgg.load_model(path)

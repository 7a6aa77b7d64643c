"""convcore.nets.lenet: the LeNet-style CNN built from lenet5, its training loop and the shipped model."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from convcore.layers import lenet5
from convcore.nets import digits, lenet


def test_short_training_beats_chance_by_far_and_reports_progress():
    config = lenet.LeNetConfig(train_size=3000, epochs=2, seed=1)
    model = lenet.new_model(config)
    held = digits.make_digits(500, seed=lenet.HELD_OUT_SEED)
    before = lenet.evaluate(model, *held)
    seen = []
    result = lenet.train(model, config, held_out=held, callback=seen.append, report_every=5)
    assert result.status == "done" and result.steps == 94
    assert before < 0.3 and result.accuracy > 0.7  # chance is 0.1
    assert [p.step for p in seen] == sorted(p.step for p in seen) and seen[-1].accuracy == result.accuracy
    assert seen[0].filters.shape == (6, 1, 5, 5)
    assert not np.allclose(seen[0].filters, seen[-1].filters)  # the filters moved


def test_huge_learning_rate_is_detected_as_divergence():
    for lr in (1.0, 100.0):
        config = lenet.LeNetConfig(train_size=500, epochs=3, learning_rate=lr)
        result = lenet.train(lenet.new_model(config), config, held_out=digits.make_digits(100, seed=9))
        assert result.status == "diverged", lr
        assert f"learning rate ({lr:g}) is too large" in result.message


def test_a_run_that_does_not_learn_says_so():
    config = lenet.LeNetConfig(train_size=500, epochs=1, learning_rate=1e-7)
    result = lenet.train(lenet.new_model(config), config, held_out=digits.make_digits(200, seed=9))
    assert result.status == "done" and result.accuracy < 0.2
    assert "did not learn" in result.message


def test_stop_and_resume():
    config = lenet.LeNetConfig(train_size=640, epochs=2)
    model = lenet.new_model(config)
    stop = threading.Event()
    held = digits.make_digits(200, seed=lenet.HELD_OUT_SEED)

    def halt_at_7(p):
        if p.step >= 7:
            stop.set()

    first = lenet.train(model, config, held_out=held, callback=halt_at_7, stop=stop, report_every=7)
    assert first.status == "stopped" and first.steps == 7
    rest = lenet.train(model, config, held_out=held, start_step=first.steps)
    assert rest.status == "done" and rest.steps == 20  # 10 batches x 2 epochs in all


def test_training_is_reproducible():
    config = lenet.LeNetConfig(train_size=300, epochs=1, seed=5)
    held = digits.make_digits(100, seed=1)
    m1, m2 = lenet.new_model(config), lenet.new_model(config)
    lenet.train(m1, config, held_out=held)
    lenet.train(m2, config, held_out=held)
    assert all(torch.equal(a, b) for a, b in zip(m1.state_dict().values(), m2.state_dict().values()))


def test_shipped_model_loads_safely_and_reaches_its_stated_accuracy():
    model, meta = lenet.load_model()
    assert meta["accuracy"] >= 0.95
    images, labels = digits.make_digits(2000, seed=meta["held_out_seed"])
    assert lenet.evaluate(model, images, labels) == pytest.approx(meta["accuracy"], abs=0.002)
    outs = lenet.layer_outputs(model, images[0])
    same = lenet.layer_outputs(model, images[0, 0].numpy())  # a numpy 28 x 28 works too
    assert all(np.array_equal(outs[k], same[k]) for k in outs)
    assert {k: v.shape for k, v in outs.items()} == {
        "conv1": (6, 28, 28), "pool1": (6, 14, 14), "conv2": (16, 10, 10), "pool2": (16, 5, 5)
    }  # fmt: skip


def test_bad_model_files_are_refused(tmp_path):
    with pytest.raises(ValueError, match="no model file"):
        lenet.load_model(tmp_path / "missing.pt")
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"garbage")
    with pytest.raises(ValueError, match="not a usable digit model"):
        lenet.load_model(bad)


@pytest.mark.parametrize("kwargs,match", [
    (dict(filters=0), "filters must be"), (dict(kernel=4), "kernel must be one of"),
    (dict(learning_rate=0), "learning_rate must be"), (dict(epochs=0), "epochs must be"),
    (dict(train_size=5), "train_size must be"),
])  # fmt: skip
def test_config_is_checked(kwargs, match):
    with pytest.raises(ValueError, match=match):
        lenet.LeNetConfig(**kwargs)


def _canvas_with(sample: np.ndarray, *, size: int = 280) -> np.ndarray:
    """A digit drawn on a transparent canvas, as streamlit-drawable-canvas returns it."""
    big = np.array(
        Image.fromarray((sample * 255).astype(np.uint8)).resize((size, size), Image.Resampling.BILINEAR)
    )
    rgba = np.zeros((size, size, 4), np.uint8)
    rgba[..., :3] = 255
    rgba[..., 3] = big
    return rgba


def test_a_drawn_digit_is_prepared_like_mnist_and_recognised():
    model, _ = lenet.load_model()
    images, labels = digits.make_digits(40, seed=77)
    correct = 0
    for img, label in zip(images[:, 0].numpy(), labels.tolist()):
        prepared = digits.prepare_drawing(_canvas_with(img))
        assert prepared.shape == (28, 28) and prepared.max() <= 1
        correct += int(lenet.predict_probabilities(model, prepared).argmax() == label)
    assert correct >= 34  # most survive the round trip through a big canvas


def test_train_result_lists_every_status_the_app_uses():
    assert lenet.TRAIN_STATUSES == {"done", "stopped", "diverged", "failed"}
    for status in sorted(lenet.TRAIN_STATUSES):
        assert lenet.TrainResult(status, "a sentence", 0).status == status
    with pytest.raises(ValueError, match="status must be one of"):
        lenet.TrainResult("crashed", "a sentence", 0)


def test_the_model_is_built_from_lenet5_and_keeps_the_saved_names():
    model = lenet.LeNet(8, 3)
    assert [name for name, _ in model.named_children()] == ["conv1", "conv2", "fc1", "fc2", "fc3"]
    assert model.layers == lenet5(8, 3)
    assert model.conv1.padding == (1, 1) and model.fc1.in_features == 16 * 6 * 6
    x = torch.rand(2, 1, 28, 28)
    by_hand = F.max_pool2d(F.relu(model.conv1(x)), 2)
    by_hand = F.max_pool2d(F.relu(model.conv2(by_hand)), 2)
    by_hand = model.fc3(F.relu(model.fc2(F.relu(model.fc1(torch.flatten(by_hand, 1))))))
    assert torch.equal(model(x), by_hand)


_EDGES32 = lenet.HISTOGRAM_EDGES.astype(np.float32)
#: Values where a bin is easy to get wrong: each edge as float32 and its float32 neighbours, the ends, beyond them.
_AWKWARD = np.concatenate(
    [
        _EDGES32,
        np.nextafter(_EDGES32, np.float32(-9)),
        np.nextafter(_EDGES32, np.float32(9)),
        [0, -0.0, 9, -9, 1e-30],
    ]
).astype(np.float32)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(-3, 3, width=32) | st.sampled_from(_AWKWARD.tolist()), min_size=1, max_size=300),
)
def test_histogram_bins_are_numpys(values):
    """The snapshot's binning (arithmetic, then checked against the edges) puts every value where
    numpy's histogram does, edges and their neighbours included."""
    v = np.asarray(values, dtype=np.float32)
    edges = lenet.HISTOGRAM_EDGES
    clipped = np.clip(v.astype(np.float64), edges[0], edges[-1])
    expected = np.minimum(np.searchsorted(edges, clipped, side="right") - 1, len(edges) - 2)
    assert np.array_equal(lenet._histogram_bins(v), expected)
    counts = np.bincount(lenet._histogram_bins(v), minlength=len(edges) - 1)
    assert np.array_equal(counts, np.histogram(clipped, bins=edges)[0])


def test_snapshot_counts_like_a_plain_loop():
    """The confusion matrix and the histogram of conv1's outputs against numpy on the same outputs."""
    model = lenet.new_model(lenet.LeNetConfig())
    images, labels = lenet.make_digits(300, seed=11)
    model.train()
    snap = lenet.snapshot(model, images, labels, step=7)
    assert model.training  # left as it was
    with torch.no_grad():
        model.eval()
        predicted = model(images).argmax(1).numpy()
        conv1 = model.conv1(images).numpy().ravel()
    expected = np.zeros((10, 10), dtype=np.int64)
    np.add.at(expected, (labels.numpy(), predicted), 1)
    assert (snap.confusion == expected).all() and snap.step == 7
    assert snap.accuracy == pytest.approx((predicted == labels.numpy()).mean())
    edges = lenet.HISTOGRAM_EDGES
    hist, _ = np.histogram(np.clip(conv1, edges[0], edges[-1]), bins=edges)
    assert (snap.histogram == hist).all() and snap.histogram.sum() == conv1.size
    assert snap.below_zero == pytest.approx((conv1 < 0).mean())
    assert np.array_equal(snap.filters, model.conv1.weight.detach().numpy())
    with pytest.raises(ValueError, match="images and labels"):
        lenet.snapshot(model, images[:0], labels[:0])


def test_snapshot_histogram_leaves_nan_out_as_numpy_does():
    """A conv1 filter of NaN (a diverged run) makes its outputs NaN: they are in no bin (numpy's
    histogram drops them too), instead of all landing in the first one."""
    model = lenet.new_model(lenet.LeNetConfig())
    images, labels = lenet.make_digits(50, seed=3)
    with torch.no_grad():
        model.conv1.weight[0, 0, 0, 0] = float("nan")
        conv1 = model.conv1(images).numpy().ravel()
    snap = lenet.snapshot(model, images, labels)
    edges = lenet.HISTOGRAM_EDGES
    assert 0 < np.isnan(conv1).sum() < conv1.size  # one filter's maps (where its NaN tap is used)
    hist, _ = np.histogram(np.clip(conv1, edges[0], edges[-1]), bins=edges)
    assert (snap.histogram == hist).all()
    assert snap.histogram.sum() == conv1.size - np.isnan(conv1).sum()


def test_filter_structure_by_hand():
    """Neighbour correlation: 1 for a ramp-like smooth filter, -1 for a checkerboard, 0 for a flat one."""
    i, j = np.mgrid[0:5, 0:5]
    checker = np.where((i + j) % 2, 1.0, -1.0)
    assert lenet.filter_structure(checker[None]) == pytest.approx(-1.0)
    flat = np.full((1, 1, 5, 5), 0.3)
    assert lenet.filter_structure(flat) == 0.0
    # a stripe filter: columns alike, rows alternate in sign by pairs -> hand-computed mean of the two lags
    stripes = np.tile(np.array([1.0, 1.0, -1.0, -1.0, 1.0])[:, None], (1, 5))
    w = stripes - stripes.mean()
    across = (w[:, :-1] * w[:, 1:]).ravel()  # identical neighbours along each row
    down = (w[:-1, :] * w[1:, :]).ravel()
    expected = np.concatenate([across, down]).mean() / (w * w).mean()
    assert lenet.filter_structure(stripes[None, None]) == pytest.approx(expected)
    noise = np.random.default_rng(0).normal(size=(200, 1, 7, 7))
    assert abs(lenet.filter_structure(noise)) < 0.05
    for bad in (np.zeros((3, 3)), np.zeros((2, 2, 5, 5)), np.zeros((0, 5, 5)), np.zeros((1, 1, 1))):
        with pytest.raises(ValueError, match="filters"):
            lenet.filter_structure(bad)


def test_decay_is_validated_and_zero_is_plain_adam(monkeypatch):
    for bad in (-1.0, float("nan"), float("inf"), "3", 101.0):
        with pytest.raises(ValueError, match="decay"):
            lenet.LeNetConfig(decay=bad)
    with pytest.raises(ValueError, match="learning_rate \\* decay"):
        lenet.LeNetConfig(learning_rate=1.0, decay=3.0)
    config = lenet.LeNetConfig(train_size=640, epochs=1)
    ours = lenet.new_model(config)
    lenet.train(ours, config)
    monkeypatch.setattr(  # one group, no decay: plain Adam
        lenet, "Adam", lambda groups, lr: torch.optim.Adam([p for g in groups for p in g["params"]], lr=lr)
    )
    plain = lenet.new_model(config)
    lenet.train(plain, config)
    for a, b in zip(ours.state_dict().values(), plain.state_dict().values(), strict=True):
        assert torch.equal(a, b)  # decay 0 is exactly Adam: the shipped model's recipe is unchanged


def test_decay_shrinks_only_the_first_layer():
    """On blank images conv1's weights get no gradient and change nothing downstream, so a run with
    decay differs from one without only there: by the factor (1 - lr x decay) per step."""
    blank = (torch.zeros(128, 1, 28, 28), torch.arange(128) % 10)  # 2 steps of 64
    runs = {}
    for decay in (0.0, 10.0):
        config = lenet.LeNetConfig(epochs=1, decay=decay, learning_rate=0.01)
        model = lenet.new_model(config)
        lenet.train(model, config, data=blank)
        runs[decay] = model.state_dict()
    start = lenet.new_model(lenet.LeNetConfig()).conv1.weight.detach()
    assert torch.equal(runs[0.0]["conv1.weight"], start)
    assert torch.allclose(runs[10.0]["conv1.weight"], start * (1 - 0.01 * 10.0) ** 2, atol=1e-7)
    for name, value in runs[0.0].items():
        if name != "conv1.weight":
            assert torch.equal(runs[10.0][name], value), name


def test_the_train_page_recipe_makes_filters_emerge(capsys):
    """The figure behind the page's defaults: its filters end far from noise, the shipped recipe's less so,
    and it still reads digits."""
    held = digits.make_digits(2000, seed=lenet.HELD_OUT_SEED)
    found = {}
    for name, config in (("page", lenet.TRAIN_PAGE_CONFIG), ("plain", lenet.DEFAULT_CONFIG)):
        model = lenet.new_model(config)
        start = lenet.filter_structure(model.conv1.weight.detach().numpy())
        result = lenet.train(model, config, held_out=held)
        found[name] = (start, lenet.filter_structure(model.conv1.weight.detach().numpy()), result.accuracy)
    with capsys.disabled():
        print("\nneighbour correlation start -> end, held-out accuracy: " + "; ".join(
            f"{k} {a:+.2f} -> {b:.2f}, {c:.1%}" for k, (a, b, c) in found.items()))  # fmt: skip
    (start, end, accuracy), plain = found["page"], found["plain"]
    assert abs(start) < 0.15 and end > 0.55 and end > plain[1] + 0.1
    assert accuracy >= 0.95

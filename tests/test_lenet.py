"""Generated digits, the LeNet-style CNN, its training loop and the shipped default model."""

from __future__ import annotations

import subprocess
import sys
import threading

import numpy as np
import pytest
import torch
from PIL import Image

from convcore import digits, lenet


def test_dataset_is_deterministic_by_seed_and_mnist_like():
    a, la = digits.make_digits(500, seed=3)
    b, lb = digits.make_digits(500, seed=3)
    c, _ = digits.make_digits(500, seed=4)
    assert torch.equal(a, b) and torch.equal(la, lb) and not torch.equal(a, c)
    assert a.shape == (500, 1, 28, 28) and a.dtype == torch.float32
    assert 0 <= float(a.min()) and float(a.max()) <= 1
    assert float(a[:, :, :3].mean()) < float(a[:, :, 10:18].mean())  # digits in the middle, dark border
    assert sorted(set(la.tolist())) == list(range(10)) and np.bincount(la.numpy()).min() > 25
    with pytest.raises(ValueError, match="n must be an int"):
        digits.make_digits(0)


def test_dataset_does_not_import_matplotlib():
    code = (
        "import sys; from convcore import digits; digits.make_digits(10); print('matplotlib' in sys.modules)"
    )
    assert (
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.strip()
        == "False"
    )


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


def test_dark_digit_on_a_light_photo_is_inverted_and_blank_is_refused():
    page = np.full((100, 80, 3), 240, np.uint8)
    page[20:80, 35:45] = 20  # a dark '1'
    prepared = digits.prepare_drawing(page)
    assert prepared[14, 14] > 0.5 and prepared[0, 0] == 0
    with pytest.raises(ValueError, match="blank"):
        digits.prepare_drawing(np.zeros((200, 200, 4), np.uint8))
    opaque_black = np.zeros((200, 200, 4), np.uint8)
    opaque_black[..., 3] = 255  # the canvas's own black background, nothing drawn
    with pytest.raises(ValueError, match="blank"):
        digits.prepare_drawing(opaque_black)
    opaque_black[40:160, 95:105, :3] = 255  # a white '1' painted on it
    assert digits.prepare_drawing(opaque_black)[14, 14] > 0.5
    with pytest.raises(ValueError, match="blank"):
        digits.prepare_drawing(np.full((50, 50), 255, np.uint8))

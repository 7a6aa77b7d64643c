"""app.training: a run in the background reports how it ended, in a sentence."""

from __future__ import annotations

import numpy as np

from app import training
from convcore.nets import lenet


def test_an_unexpected_error_ends_the_run_as_failed_with_a_plain_sentence(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("CUDA error: device-side assert triggered")

    monkeypatch.setattr(lenet, "train", broken)
    job = training.new_job(lenet.LeNetConfig(train_size=100, epochs=1))
    job.start()
    job.thread.join(timeout=60)
    assert job.result.status == "failed" and job.result.status in lenet.TRAIN_STATUSES
    assert job.result.message == training.FAILED
    assert "RuntimeError" not in job.result.message and "CUDA" not in job.result.message
    kind, sentence = training.status(job, training_now=0)
    assert kind == "error" and sentence == training.FAILED


def test_a_queued_job_says_how_many_are_training():
    job = training.new_job(lenet.LeNetConfig(train_size=100, epochs=1))
    job.queued = True
    kind, sentence = training.status(job, training_now=1)
    assert kind == "wait" and "1 is training now" in sentence


def test_accuracy_is_measured_often_enough_for_a_curve():
    job = training.new_job(lenet.LeNetConfig(train_size=3000, epochs=2))  # 47 steps an epoch, 94 in all
    job.start()
    job.thread.join(timeout=120)
    assert job.result.status == "done"
    steps = [step for step, _ in job.accuracy]
    assert steps[0] == 0 and steps == sorted(steps) and len(set(steps)) == len(steps)
    assert len(job.accuracy) > 2 + 2  # the start, both epochs' ends and checks in between
    assert {47, 94} <= set(steps)
    assert job.accuracy[-1] == (94, job.result.accuracy)  # the last point is the run's own measurement
    assert job.accuracy[0][1] < 0.3  # random weights: about guessing
    job.model.train()
    job._check()
    assert job.model.training  # a check during training leaves the model in training mode
    words = training.accuracy_summary(job)
    assert words.startswith(f"Held-out accuracy: {job.accuracy[0][1]:.0%} at step 0, ")
    assert "loss" in training.loss_summary(job).lower()


def test_replay_labels_and_sentences():
    job = training.new_job(lenet.LeNetConfig(train_size=3000, epochs=2))  # 47 steps an epoch
    job.start()
    job.thread.join(timeout=120)
    labels = [training.snapshot_label(s, job) for s in job.snapshots]
    assert (
        labels[0] == "step 0 (start)" and labels[-1] == "step 94 (epoch 2)" and "step 47 (epoch 1)" in labels
    )
    assert len(set(labels)) == len(labels)  # the replay slider needs distinct labels
    assert [s.step for s in job.snapshots] == [
        step for step, _ in job.accuracy
    ]  # one snapshot per measurement
    last = job.snapshots[-1]
    said = training.replay_summary(last)
    assert said.startswith(f"**{last.accuracy:.1%}** of 2000 held-out digits right")
    off = last.confusion - np.diag(np.diag(last.confusion))
    t, p = np.unravel_index(off.argmax(), off.shape)
    assert f"a {t} read as {p} ({off[t, p]} times)" in said
    assert f"{last.below_zero:.0%} of layer 1's outputs are below zero" in said
    assert "of 500 held-out digits" in training.replay_summary(job.snapshots[1])
    perfect = lenet.Snapshot(5, 1.0, np.eye(10, dtype=np.int64) * 3, last.histogram, 0.5, last.filters)
    assert "No mistakes." in training.replay_summary(perfect)
    words = training.structure_summary(job, job.history[-1].filters)
    assert words.startswith(
        f"Neighbour correlation {lenet.filter_structure(job.initial_filters):.2f} at the start"
    )


def test_a_decay_that_wipes_layer_one_is_explained():
    said = training.decay_problem(1.0, 3.0)
    assert "1 - 1 x 3 = -2, which flips their sign and makes them larger" in said
    assert lenet.TRAIN_PAGE_CONFIG.learning_rate in training.LEARNING_RATES
    assert lenet.TRAIN_PAGE_CONFIG.decay in training.DECAYS

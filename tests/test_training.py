"""app.training: a run in the background reports how it ended, in a sentence."""

from __future__ import annotations

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

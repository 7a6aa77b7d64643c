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

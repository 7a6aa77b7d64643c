"""app.training: a run in the background reports how it ended, in a sentence."""

from __future__ import annotations

import threading

import numpy as np
import torch

from app import server, training
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
    kind, sentence = training.status(job)
    assert kind == "error" and sentence == training.FAILED


def test_a_queued_job_says_its_place_and_about_how_long(monkeypatch):
    config = lenet.LeNetConfig(train_size=6400, epochs=2)  # 200 steps
    job = training.new_job(config)
    job.queued = True
    monkeypatch.setattr(server, "queue_place", lambda stop: 3)
    monkeypatch.setattr(server, "TRAINING_SLOTS", 1)
    monkeypatch.setattr(training._PACE, "per_step", 0.02)  # 4 s a run
    kind, sentence = training.status(job)
    assert kind == "wait" and "number 3" in sentence and "about 12 s" in sentence


def test_the_same_settings_and_seed_give_the_same_network():
    """Why identical requests may share one run: two runs with one config end bit for bit equal."""
    config = lenet.LeNetConfig(train_size=200, epochs=1, seed=4242)
    a, b = training.new_job(config), training.new_job(config)
    for job in (a, b):
        job.start()
        job.thread.join(timeout=120)
        assert job.result.status == "done"
    for (name, x), (_, y) in zip(a.model.state_dict().items(), b.model.state_dict().items()):
        assert torch.equal(x, y), name


def test_identical_requests_share_one_run_and_others_get_their_own(monkeypatch):
    monkeypatch.setattr(training, "_SHARED", type(training._SHARED)())
    config = lenet.LeNetConfig(train_size=200, epochs=1, seed=777)
    first = training.request(config)
    second = training.request(config)
    assert second is first and first.watchers == 2
    other = training.request(lenet.LeNetConfig(train_size=200, epochs=1, seed=778))
    assert other is not first
    for job in (first, other):
        job.thread.join(timeout=120)
        assert job.result.status == "done"
    late = training.request(config)  # a finished run is handed to whoever asks next
    assert late is first and late.watchers == 3 and not late.running


def test_stop_leaves_a_shared_run_to_the_others_and_the_last_one_stops_it(monkeypatch):
    monkeypatch.setattr(training, "_SHARED", type(training._SHARED)())
    slot = threading.BoundedSemaphore(1)
    slot.acquire()  # the server's one slot is busy: the run waits in the queue
    monkeypatch.setattr(server, "training", slot)
    config = lenet.LeNetConfig(train_size=200, epochs=1, seed=779)
    job = training.request(config)
    assert training.request(config) is job and job.queued
    assert training.leave(job) is False and job.running and job.watchers == 1  # goes on for the other
    assert training.leave(job) is True  # the last watcher: it stops
    job.thread.join(timeout=10)
    assert job.result.status == "stopped"
    fresh = training.request(config)
    assert fresh is not job  # a stopped run is not handed out
    training.leave(fresh)
    fresh.thread.join(timeout=10)
    slot.release()


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
    assert f"{'an' if t == 8 else 'a'} {t} read as {p} ({off[t, p]} time" in said
    assert f"{last.below_zero:.0%} of layer 1's outputs are below zero" in said
    assert f"of {training.CHECK_DIGITS} held-out digits" in training.replay_summary(job.snapshots[1])
    perfect = lenet.Snapshot(5, 1.0, np.eye(10, dtype=np.int64) * 3, last.histogram, 0.5, last.filters)
    assert "No mistakes." in training.replay_summary(perfect)
    eights = np.eye(10, dtype=np.int64) * 3
    eights[8, 6] = 2
    eights[3, 5] = 1
    eights_said = training.replay_summary(lenet.Snapshot(5, 0.9, eights, last.histogram, 0.5, last.filters))
    assert "The most frequent mistake: an 8 read as 6 (2 times)." in eights_said  # "an eight", not "a 8"
    eights[3, 5] = 4
    assert "a 3 read as 5 (4 times)" in training.replay_summary(
        lenet.Snapshot(5, 0.9, eights, last.histogram, 0.5, last.filters)
    )
    words = training.structure_summary(job, job.history[-1].filters)
    assert words.startswith(
        f"Neighbour correlation {lenet.filter_structure(job.initial_filters):.2f} at the start"
    )


def test_a_decay_that_wipes_layer_one_is_explained():
    said = training.decay_problem(1.0, 3.0)
    assert "1 - 1 x 3 = -2, which flips their sign and makes them larger" in said
    assert lenet.TRAIN_PAGE_CONFIG.learning_rate in training.LEARNING_RATES
    assert lenet.TRAIN_PAGE_CONFIG.decay in training.DECAYS


def test_training_digits_are_shared_while_used_and_not_kept_after():
    """Two trainings of the same set at once share one copy; once none uses it, the server holds no
    set (a 12,000-digit set is 38 MB), and the next training gets the same digits made again."""
    import gc
    import weakref

    from app import nets
    from convcore.nets import digits

    first, second = nets.digit_dataset(400, 5), nets.digit_dataset(400, 5)
    assert first[0] is second[0] and first[1] is second[1]
    other = nets.digit_dataset(400, 6)
    assert not torch.equal(other[0], first[0])
    gone = weakref.ref(first[0])
    del first, second, other
    gc.collect()
    assert gone() is None and (400, 5) not in nets._DIGITS and (400, 6) not in nets._DIGITS
    again = nets.digit_dataset(400, 5)
    made = digits.make_digits(400, seed=5)
    assert torch.equal(again[0], made[0]) and torch.equal(again[1], made[1])


def test_a_finished_run_leaves_no_training_digits_behind():
    job = training.new_job(lenet.LeNetConfig(train_size=160, epochs=1, seed=11))
    job.start()
    job.thread.join(timeout=120)
    assert job.result.status == "done"
    import gc

    from app import nets

    gc.collect()
    assert (160, 11) not in nets._DIGITS

"""Training runs for the "Train a CNN" page: one background thread per run.

The thread only touches its own :class:`Job` (model, history, result); the page reads the job
from session state and redraws every half second while it runs. Other sessions are not
blocked: Streamlit serves each session on its own thread, and torch uses one thread per run
(:func:`app.server.use_torch`).

A class trains together: when a teacher says "everybody, press Train", forty students ask for the
same settings and seed, which give the same network (seeded start and data, one torch thread). So
a run from scratch is shared (:func:`request`): the first student's request starts it, the others
watch it, live, and a finished one is handed to whoever asks for it next. Runs with settings of
their own wait in a queue, first come first served, and the page says their place and the wait.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from app import export, nets, server
from app.draw.mosaic import filter_grid
from convcore.nets import lenet

server.use_torch()

#: What the student reads when a run breaks for an unexpected reason (the details go to the log).
FAILED = "Training stopped because of an unexpected error. Press Train from scratch to try again."
#: Accuracy checks during a run (besides the start and each epoch's end), evenly spaced, so the
#: accuracy chart is a curve. Each is a snapshot (accuracy, confusion matrix, histogram of layer 1's
#: outputs) on the first CHECK_DIGITS held-out digits: about 0.05 s on one thread (the end of an
#: epoch's, on all 2000, about 0.3 s). With 500 digits the checks took 1.2 s of a default run's 3 s;
#: with 300, 0.7 s of 2.5 s (a class's different runs queue one after another: issue 18).
CHECKS = 10
CHECK_DIGITS = 300
#: The learning rates and first-layer weight decays the page offers (the extremes show what goes wrong).
LEARNING_RATES = (0.0001, 0.0003, 0.001, 0.002, 0.003, 0.005, 0.01, 0.03, 0.1, 0.3, 1.0, 10.0)
DECAYS = (0.0, 0.3, 1.0, 3.0, 10.0)
DECAY_HELP = (
    "After each correction, layer 1's weights are shrunk a little: multiplied by 1 - learning rate x decay "
    "(AdamW's decoupled weight decay, Loshchilov & Hutter 2019). What the digits do not keep fades away, the random "
    "start with it, and the strokes the network needs remain. At 0 (plain Adam) the filters keep much of their "
    "starting noise even when the network reads digits well."
)


@dataclass(eq=False)
class Job:
    """One training run: its model, what it reported, how it ended."""

    config: lenet.LeNetConfig
    model: lenet.LeNet
    history: list[lenet.TrainProgress] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    result: lenet.TrainResult | None = None
    initial_filters: np.ndarray | None = None
    gif: tuple[int, bytes] | None = None  # (snapshots it shows, the GIF)
    queued: bool = False  # waiting for a free training slot (the server trains a few at a time)
    #: (step, held-out accuracy): at the start, CHECKS times during the run on CHECK_DIGITS of the
    #: held-out digits, and at each epoch's end on all of them.
    accuracy: list[tuple[int, float]] = field(default_factory=list)
    #: What the network does on held-out digits at each of those points (confusion matrix, conv1's
    #: histogram, filters): the replay after training.
    snapshots: list[lenet.Snapshot] = field(default_factory=list)
    next_check: int = 0
    #: How many sessions watch this run (a run from scratch is shared by identical requests).
    watchers: int = 1
    shared: bool = False

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    @property
    def steps_done(self) -> int:
        return self.result.steps if self.result else (self.history[-1].step if self.history else 0)

    def start(self) -> None:
        """Train in the background, from where the last run stopped."""
        if self.running:
            return
        start_step = self.result.steps if self.result else 0
        self.stop.clear()
        self.result = None
        self.queued = True  # until a slot is free (said at once, before the thread has started)

        def run() -> None:
            try:
                with server.training_slot(self.stop) as got:
                    self.queued = False
                    if not got:
                        self.result = lenet.TrainResult("stopped", "Stopped before it started.", start_step)
                        return
                    began = time.perf_counter()
                    data = nets.digit_dataset(self.config.train_size, self.config.seed)
                    if not self.accuracy:
                        self.accuracy.append((0, self._check(0)))  # the random network: about 10%
                    self.result = lenet.train(
                        self.model, self.config, data=data, held_out=nets.held_out_digits(),
                        start_step=start_step, callback=self._report, stop=self.stop,
                    )  # fmt: skip
                    if self.result.status == "done":
                        _PACE.measured(time.perf_counter() - began, self.result.steps - start_step)
            except Exception:  # noqa: BLE001 - any failure is reported on the page, not lost with the thread
                logging.getLogger(__name__).exception("training failed")
                self.result = lenet.TrainResult("failed", FAILED, start_step)
            finally:
                self.queued = False
                server.unbind(self.stop)

        server.bind_to_session(self.stop)  # stopped if the student leaves (server housekeeping)
        self.thread = threading.Thread(target=run, name="train-cnn", daemon=True)
        self.thread.start()

    def _report(self, p: lenet.TrainProgress) -> None:
        """The training loop's callback: keep the filters, and measure the network now and then."""
        self.history.append(p)
        if p.accuracy is not None:  # an epoch's end: measured on all the held-out digits
            x, y = nets.held_out_digits()
            self.snapshots.append(lenet.snapshot(self.model, x, y, p.step))
            self.accuracy.append((p.step, p.accuracy))
        elif p.step >= self.next_check:
            self.accuracy.append((p.step, self._check(p.step)))
        else:
            return
        self.next_check = p.step + max(1, p.total_steps // CHECKS)

    def _check(self, step: int = 0) -> float:
        """Accuracy on the first CHECK_DIGITS held-out digits, its snapshot kept (the model is left
        as it was)."""
        x, y = nets.held_out_digits()
        snap = lenet.snapshot(self.model, x[:CHECK_DIGITS], y[:CHECK_DIGITS], step)
        self.snapshots.append(snap)
        return snap.accuracy


def decay_problem(rate: float, decay: float) -> str:
    """The sentence for a learning rate and decay that would wipe layer 1 out at every step."""
    product = rate * decay
    effect = (
        "wipes them out"
        if product == 1
        else "flips their sign" + (" and makes them larger" if product > 2 else "")
    )
    return (
        f"Learning rate {rate:g} with weight decay {decay:g}: each step would multiply layer 1's weights by "
        f"1 - {rate:g} x {decay:g} = {1 - product:g}, which {effect}. Lower one of them to train."
    )


def structure_summary(job: Job, shown: np.ndarray) -> str:
    """How far the filters shown are from noise, next to where they started."""
    start, now = lenet.filter_structure(job.initial_filters), lenet.filter_structure(shown)
    return (
        f"Neighbour correlation {start:.2f} at the start, {now:.2f} now: about 0 for random noise, towards 1 for "
        "smooth strokes and blobs."
    )


def snapshot_label(snap: lenet.Snapshot, job: Job) -> str:
    """The replay slider's label of a snapshot: its step, and "start" or "epoch N" where it is one."""
    if snap.step == 0:
        return "step 0 (start)"
    per_epoch = job.history[-1].total_steps // job.config.epochs if job.history else 0
    if per_epoch and snap.step % per_epoch == 0 and snap.confusion.sum() > CHECK_DIGITS:
        return f"step {snap.step} (epoch {snap.step // per_epoch})"
    return f"step {snap.step}"


def replay_summary(snap: lenet.Snapshot) -> str:
    """What a snapshot says in words: accuracy, the most confused pair, what the ReLU zeroes."""
    c = snap.confusion
    n = int(c.sum())
    off = c.copy()
    np.fill_diagonal(off, 0)
    said = f"**{snap.accuracy:.1%}** of {n} held-out digits right (guessing: 10%)."
    if off.max() > 0:
        t, p = np.unravel_index(int(off.argmax()), off.shape)
        times = int(off[t, p])
        said += f" The most frequent mistake: {'an' if t == 8 else 'a'} {t} read as {p} ({times} time{'s' if times != 1 else ''})."
    else:
        said += " No mistakes."
    return said + f" {snap.below_zero:.0%} of layer 1's outputs are below zero: the ReLU sets them to 0."


def new_job(config: lenet.LeNetConfig) -> Job:
    model = lenet.new_model(config)
    return Job(config, model, initial_filters=model.conv1.weight.detach().numpy().copy())


#: Shared runs from scratch by their settings, the most recently asked for last; at most SHARED_KEEP
#: finished ones are kept (a LeNet of this size and its snapshots take well under 1 MB).
_SHARED: OrderedDict[lenet.LeNetConfig, Job] = OrderedDict()
_SHARED_LOCK = threading.Lock()
SHARED_KEEP = 16


def request(config: lenet.LeNetConfig) -> Job:
    """A run from scratch with ``config`` for this session: the one already running or finished
    with the same settings (identical settings and seed give the identical network), else a new
    one, started. The run is bound to every session that watches it (it stops when all have gone)."""
    with _SHARED_LOCK:
        job = _SHARED.get(config)
        if job is not None and (job.running or (job.result is not None and job.result.status == "done")):
            job.watchers += 1
            _SHARED.move_to_end(config)
            server.bind_to_session(job.stop)
            return job
        job = new_job(config)
        job.shared = True
        _SHARED[config] = job
        while len(_SHARED) > SHARED_KEEP:
            _SHARED.popitem(last=False)
    job.start()
    return job


def leave(job: Job) -> bool:
    """The student presses Stop. A run others watch goes on for them and this session stops watching
    (False); a run only this session watches stops (True), and no longer serves later requests."""
    with _SHARED_LOCK:
        if job.watchers > 1 and job.running:
            job.watchers -= 1
            server.unbind_session(job.stop)
            return False
        if _SHARED.get(job.config) is job:
            del _SHARED[job.config]
        job.shared = False
    job.stop.set()
    return True


class _Pace:
    """Seconds per training step on this server, from the runs it has finished (for the queue's
    estimate): starts from a default run's 2.5 s for 375 steps."""

    def __init__(self) -> None:
        self.per_step = 2.5 / 375
        self._lock = threading.Lock()

    def measured(self, seconds: float, steps: int) -> None:
        if steps > 0:
            with self._lock:
                self.per_step = 0.7 * self.per_step + 0.3 * seconds / steps

    def run_seconds(self, config: lenet.LeNetConfig) -> float:
        return self.per_step * config.epochs * -(-config.train_size // config.batch_size)


_PACE = _Pace()


def queue_said(job: Job) -> str:
    """A waiting run's place in the queue and about how long until it starts."""
    place = server.queue_place(job.stop)
    if place is None:
        return "Starting..."
    slots = server.TRAINING_SLOTS
    wait = place * _PACE.run_seconds(job.config) / slots
    return (
        f"In the queue: number {place}. This server trains {slots} network{'s' if slots > 1 else ''} at a time; "
        f"yours starts in about {max(1, round(wait))} s."
    )


def loss_summary(job: Job) -> str:
    """The loss chart in words (its text alternative)."""
    first, last = job.history[0], job.history[-1]
    low = min(job.history, key=lambda p: p.loss)
    return (
        f"Loss {first.loss:.2f} at step {first.step}, {last.loss:.2f} at step {last.step} "
        f"(lowest {low.loss:.2f} at step {low.step}); {len(job.history)} points."
    )


def accuracy_summary(job: Job) -> str:
    """The accuracy chart in words (its text alternative): every point, as percentages."""
    points = ", ".join(f"{acc:.0%} at step {step}" for step, acc in job.accuracy)
    return (
        f"Held-out accuracy: {points}. Guessing gets 10%. During an epoch on {CHECK_DIGITS} of the held-out "
        "digits, at each epoch's end on all 2000."
    )


def filmstrip(job: Job, frames: int = 8) -> list[tuple[str, np.ndarray]]:
    """Up to ``frames`` snapshots of the filters, from random noise to now, with their labels."""
    snaps = [("start (random)", job.initial_filters)] + [(f"step {p.step}", p.filters) for p in job.history]
    if len(snaps) <= frames:
        return snaps
    picks = np.linspace(0, len(snaps) - 1, frames).round().astype(int)
    return [snaps[i] for i in picks]


def filmstrip_gif(job: Job) -> bytes:
    """A GIF of every snapshot; made once per set of snapshots (the page reruns often)."""
    if job.gif is None or job.gif[0] != len(job.history):
        snaps = [job.initial_filters] + [p.filters for p in job.history]
        job.gif = (len(job.history), export.gif([filter_grid(w, size=48) for w in snaps], 0.25))
    return job.gif[1]


def status(job: Job) -> tuple[str, str]:
    """What the page says about a job: (kind, sentence), kind one of "success", "info", "error", "wait"."""
    if job.result is not None:
        return {"done": "success", "stopped": "info"}.get(job.result.status, "error"), job.result.message
    if job.queued:
        return "wait", queue_said(job)
    if job.running and job.watchers > 1:
        return "info", (
            f"{job.watchers} students asked for these same settings: the server trains this network once and "
            "everyone watches the same run (the same settings and seed give the same network)."
        )
    return "info", "" if job.running else "Starting..."

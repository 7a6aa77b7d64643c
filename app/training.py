"""Training runs for the "Train a CNN" page: one background thread per session's run.

The thread only touches its own :class:`Job` (model, history, result); the page reads the job
from session state and redraws every half second while it runs. Other sessions are not
blocked: Streamlit serves each session on its own thread, and torch uses one thread per run.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
import streamlit as st
import torch

from app import limits, render
from convcore import digits, lenet

torch.set_num_threads(1)


@st.cache_resource(show_spinner=False)
def dataset(train_size: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Training digits, shared read-only by every session (made in about 0.4 s)."""
    return digits.make_digits(train_size, seed=seed)


@st.cache_resource(show_spinner=False)
def held_out() -> tuple[torch.Tensor, torch.Tensor]:
    return digits.make_digits(2000, seed=lenet.HELD_OUT_SEED)


@st.cache_resource(show_spinner=False)
def default_model() -> tuple[lenet.LeNet, dict]:
    """The model that ships in assets/ (read-only)."""
    return lenet.load_model()


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

        def run() -> None:
            self.queued = True
            try:
                with limits.training_slot(self.stop) as got:
                    self.queued = False
                    if not got:
                        self.result = lenet.TrainResult("stopped", "Stopped before it started.", start_step)
                        return
                    self.result = lenet.train(
                        self.model, self.config, data=dataset(self.config.train_size, self.config.seed),
                        held_out=held_out(), start_step=start_step, callback=self.history.append, stop=self.stop,
                    )  # fmt: skip
            except Exception as exc:  # report any failure on the page instead of losing the thread
                self.result = lenet.TrainResult(
                    "failed", f"Training failed: {type(exc).__name__}: {exc}", start_step
                )
            finally:
                self.queued = False

        self.thread = threading.Thread(target=run, name="train-cnn", daemon=True)
        self.thread.start()


def new_job(config: lenet.LeNetConfig) -> Job:
    model = lenet.new_model(config)
    return Job(config, model, initial_filters=model.conv1.weight.detach().numpy().copy())


def filter_grid(weights: np.ndarray, *, size: int = 60, cols: int = 8) -> np.ndarray:
    """conv1's filters (n, 1, k, k) as blue/red squares, each on its own symmetric scale."""
    from app.models import render_resize, tile

    tiles = [render_resize(render.colourise(w[0], "diverging").rgb, size) for w in weights]
    return tile(np.stack(tiles), cols=min(cols, len(tiles)), gap=4)


def filmstrip(job: Job, frames: int = 8) -> list[tuple[str, np.ndarray]]:
    """Up to ``frames`` snapshots of the filters, from random noise to now, with their labels."""
    snaps = [("start (random)", job.initial_filters)] + [(f"step {p.step}", p.filters) for p in job.history]
    if len(snaps) <= frames:
        return snaps
    picks = np.linspace(0, len(snaps) - 1, frames).round().astype(int)
    return [snaps[i] for i in picks]


def filmstrip_gif(job: Job) -> bytes:
    """A GIF of every snapshot; made once per set of snapshots (the page reruns often)."""
    from app.steps_ui import gif

    if job.gif is None or job.gif[0] != len(job.history):
        snaps = [job.initial_filters] + [p.filters for p in job.history]
        job.gif = (len(job.history), gif([filter_grid(w, size=48) for w in snaps], 0.25))
    return job.gif[1]

"""Bounds on heavy work, shared by every session of one server process.

Streamlit serves each session on its own thread. Without bounds, forty students moving sliders
at once start forty feature maps or network passes together: each one gets a fortieth of the
CPU and all of them finish late, while their temporary arrays all sit in memory at once. So:

- interactive heavy work (decoding an upload, a feature map, an AlexNet pass, Grad-CAM) takes one
  of ``HEAVY_SLOTS`` slots (default: one per core); the others wait their turn, first come first
  served, and quick reruns (cache hits) never wait;
- slow, rare jobs have small pools of their own so they cannot hold up everyone's sliders:
  ``TRAINING_SLOTS`` live trainings (the Train page queues the rest and says so), one animation
  drawn at a time, and one download of AlexNet's weights (a second click waits for the first).

Settings (environment variables, read at start): ``CONVCORE_HEAVY_SLOTS``,
``CONVCORE_TRAINING_SLOTS``, ``CONVCORE_WAIT_SECONDS``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_CORES = os.cpu_count() or 1


def _setting(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number >= 1, got {raw!r}") from None
    if value < 1:
        raise ValueError(f"{name} must be a whole number >= 1, got {raw!r}")
    return value


HEAVY_SLOTS = _setting("CONVCORE_HEAVY_SLOTS", _CORES)
TRAINING_SLOTS = _setting("CONVCORE_TRAINING_SLOTS", max(1, _CORES // 2))
WAIT_SECONDS = _setting("CONVCORE_WAIT_SECONDS", 60)

_heavy = threading.BoundedSemaphore(HEAVY_SLOTS)
training = threading.BoundedSemaphore(TRAINING_SLOTS)
animation = threading.BoundedSemaphore(1)
download = threading.Lock()

_local = threading.local()
_count_lock = threading.Lock()
_counts = {"running": 0, "waiting": 0, "trainings": 0}


class Busy(Exception):
    """The server stayed full for WAIT_SECONDS; the message is for the student."""


@contextmanager
def heavy() -> Iterator[None]:
    """Hold one heavy-work slot (re-entrant within a thread: nested heavy work takes no second slot)."""
    depth = getattr(_local, "depth", 0)
    if depth:
        _local.depth = depth + 1
        try:
            yield
        finally:
            _local.depth = depth
        return
    _add("waiting", 1)
    try:
        got = _heavy.acquire(timeout=WAIT_SECONDS)
    finally:
        _add("waiting", -1)
    if not got:
        raise Busy(
            "The server is very busy right now (many students at once), so this was not computed. "
            "Wait a few seconds and move the slider again."
        )
    _add("running", 1)
    _local.depth = 1
    try:
        yield
    finally:
        _local.depth = 0
        _add("running", -1)
        _heavy.release()


@contextmanager
def training_slot(stop: threading.Event) -> Iterator[bool]:
    """Wait for a training slot until one is free (True) or ``stop`` is set (False)."""
    got = False
    while not stop.is_set():
        if training.acquire(timeout=0.2):
            got = True
            break
    if got:
        _add("trainings", 1)
    try:
        yield got
    finally:
        if got:
            _add("trainings", -1)
            training.release()


def _add(name: str, n: int) -> None:
    with _count_lock:
        _counts[name] += n


def load() -> dict[str, int]:
    """How busy the server is now: heavy jobs running and waiting, live trainings."""
    with _count_lock:
        return dict(_counts)

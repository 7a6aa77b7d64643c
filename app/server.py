"""Server-wide settings and bounds, set once per process: heavy-work slots, a decode memory budget,
torch threads, housekeeping (memory trimming, unclaimed uploads, orphaned trainings), and the one
way pages turn a refusal into a sentence (:func:`guarded`, :func:`fragment`).

Streamlit serves each session on its own thread. Without bounds, forty students moving sliders
at once start forty feature maps or network passes together: each one gets a fortieth of the
CPU and all of them finish late, while their temporary arrays all sit in memory at once. So:

- interactive heavy work (decoding an upload, a feature map, an AlexNet pass, Grad-CAM) takes one
  of ``HEAVY_SLOTS`` slots (default: one per core); the others wait their turn, first come first
  served, and quick reruns (cache hits) never wait;
- decoding an upload also holds its estimated peak memory (:func:`convcore.decode_cost`) out of a
  budget of ``DECODE_MB`` megabytes, so that a few 25-megapixel files at once cannot take the
  server's memory (heavy slots are one per core: on a 16-core server, sixteen big decodes);
- slow, rare jobs have small pools of their own so they cannot hold up everyone's sliders:
  ``TRAINING_SLOTS`` live trainings (the Train page queues the rest and says so), one animation
  drawn at a time, and one download of AlexNet's weights (a second click waits for the first);
- torch uses ``TORCH_THREADS`` threads (default 1: many sessions on few cores are fairer with one
  thread each), set by :func:`use_torch` before the first model runs, whichever page is opened first;
- freed memory is given back to the operating system every ``TRIM_SECONDS`` (glibc's
  ``malloc_trim``): a server that builds and drops many image-sized arrays from many threads
  fragments its heap, and its memory crept up with the number of reruns (+400 MB over two
  minutes of 40 sessions in the load test);
- uploads no widget took (a crafted client can send files without any widget asking) are dropped
  after ``UPLOAD_SECONDS``, and all of a session's when it ends; trainings whose student has been
  gone for ``ORPHAN_SECONDS`` are stopped; half-done weights downloads are removed at start.
- ``WARM_SECONDS`` after the first page of a server, what the other pages load on first use (torch,
  pandas, scipy's filters, the pretrained AlexNet) is loaded in the background: about 2 s of one
  core, most of it holding the interpreter's lock, that the first student to open AlexNet waited
  for while every other session slowed (:mod:`app.warm`).

Settings (environment variables, read at start): ``CONVCORE_HEAVY_SLOTS``,
``CONVCORE_TRAINING_SLOTS``, ``CONVCORE_WAIT_SECONDS``, ``CONVCORE_TORCH_THREADS``,
``CONVCORE_DECODE_MB``, ``CONVCORE_MAX_SIDE``, ``CONVCORE_TRIM_SECONDS`` (0 turns trimming off),
``CONVCORE_UPLOAD_SECONDS``, ``CONVCORE_ORPHAN_SECONDS``, ``CONVCORE_WARM_SECONDS`` (0: each page
loads what it needs when first opened).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
import math
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import streamlit as st
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from convcore.nets.files import remove_partial_downloads

_CORES = os.cpu_count() or 1


def _setting(name: str, default, *, minimum=1, kind: type = int):
    """The environment variable ``name`` as a ``kind`` (int, or float for seconds) of at least
    ``minimum``, or ``default`` when it is not set; anything else is refused with its name."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    what = "a whole number" if kind is int else "a number"
    try:
        value = kind(raw)
    except ValueError:
        raise ValueError(f"{name} must be {what} >= {minimum}, got {raw!r}") from None
    if not (minimum <= value < math.inf):  # NaN and infinity too
        raise ValueError(f"{name} must be {what} >= {minimum}, got {raw!r}")
    return value


HEAVY_SLOTS = _setting("CONVCORE_HEAVY_SLOTS", _CORES)
TRAINING_SLOTS = _setting("CONVCORE_TRAINING_SLOTS", max(1, _CORES // 2))
WAIT_SECONDS = _setting("CONVCORE_WAIT_SECONDS", 60)
TORCH_THREADS = _setting("CONVCORE_TORCH_THREADS", 1)
DECODE_MB = _setting("CONVCORE_DECODE_MB", 1024)
#: Uploads are shrunk to this many pixels on the long side while decoding. The Filter Lab shows the
#: photo and its map side by side, each 254 pixels wide on a 1024-pixel screen, 408 at 1366 and 657
#: at 1920 (measured in Chromium), so 768 loses nothing a student sees; at 1024 every feature map,
#: readout payload and picture costs 1.8 times the work and memory.
MAX_SIDE = _setting("CONVCORE_MAX_SIDE", 768, minimum=16)
TRIM_SECONDS = _setting("CONVCORE_TRIM_SECONDS", 2.0, minimum=0, kind=float)
UPLOAD_SECONDS = _setting("CONVCORE_UPLOAD_SECONDS", 30)
ORPHAN_SECONDS = _setting("CONVCORE_ORPHAN_SECONDS", 10)
#: Home's first paint does not wait for the warm-up (it imports none of it); a few seconds later a
#: teacher is still talking and no student has opened a network page yet.
WARM_SECONDS = _setting("CONVCORE_WARM_SECONDS", 3, minimum=0)

_heavy = threading.BoundedSemaphore(HEAVY_SLOTS)
training = threading.BoundedSemaphore(TRAINING_SLOTS)
animation = threading.BoundedSemaphore(1)
download = threading.Lock()

_local = threading.local()
_count_lock = threading.Lock()
_counts = {"running": 0, "waiting": 0, "trainings": 0}


# The decode budget: bytes held by running decodes, and the decodes waiting, first come first served.
_budget = threading.Condition()
_budget_used = 0
_budget_queue: deque[object] = deque()

_BUSY = (
    "The server is very busy right now (many students at once), so this was not computed. "
    "Wait a few seconds and move the slider again."
)


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
        raise Busy(_BUSY)
    _add("running", 1)
    _local.depth = 1
    try:
        yield
    finally:
        _local.depth = 0
        _add("running", -1)
        _heavy.release()


@contextmanager
def decode_budget(nbytes: int) -> Iterator[None]:
    """Hold ``nbytes`` of the ``DECODE_MB`` budget for decoding, waiting until they are free.

    Waiters are served in arrival order (a large decode is not overtaken forever by small ones).
    A request larger than the whole budget takes the whole budget: it waits until nothing else
    holds any, then runs alone. Raises :class:`Busy` after ``WAIT_SECONDS`` of waiting.
    """
    global _budget_used
    total = DECODE_MB * 2**20
    need = min(max(0, int(nbytes)), total)
    deadline = time.monotonic() + WAIT_SECONDS
    ticket = object()
    with _budget:
        _budget_queue.append(ticket)
        try:
            while _budget_queue[0] is not ticket or _budget_used + need > total:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Busy(_BUSY)
                _budget.wait(left)
            _budget_used += need
        finally:
            _budget_queue.remove(ticket)
            _budget.notify_all()  # the next in line may fit now
    try:
        yield
    finally:
        with _budget:
            _budget_used -= need
            _budget.notify_all()


def budget_used() -> int:
    """Bytes of the decode budget held now."""
    with _budget:
        return _budget_used


_queue_lock = threading.Lock()
_queue: list[threading.Event] = []  # the trainings waiting for a slot, first come first served


def queue_place(stop: threading.Event) -> int | None:
    """The place (from 1) in the training queue of the run behind ``stop``; None when not waiting."""
    with _queue_lock:
        return _queue.index(stop) + 1 if stop in _queue else None


@contextmanager
def training_slot(stop: threading.Event) -> Iterator[bool]:
    """Wait for a training slot, in the order of arrival, until one is free (True) or ``stop`` is
    set (False)."""
    got = False
    slots = training  # released to the semaphore it was taken from
    with _queue_lock:
        _queue.append(stop)
    try:
        while not stop.is_set():
            with _queue_lock:
                first = _queue[0] is stop
            if first and slots.acquire(timeout=0.2):
                got = True
                break
            if not first:
                stop.wait(0.1)
    finally:
        with _queue_lock:
            _queue.remove(stop)
    if got:
        _add("trainings", 1)
    try:
        yield got
    finally:
        if got:
            _add("trainings", -1)
            slots.release()


def _add(name: str, n: int) -> None:
    with _count_lock:
        _counts[name] += n


def load() -> dict[str, int]:
    """How busy the server is now: heavy jobs running and waiting, live trainings."""
    with _count_lock:
        return dict(_counts)


@functools.cache
def use_torch() -> None:
    """Set torch's thread count for the process, once (called by every module that runs torch).

    ``torch.set_num_threads`` is process-wide: setting it in one place means the setting no longer
    depends on which page a server opened first.
    """
    import torch  # torch is imported only by the pages that run a network

    torch.set_num_threads(TORCH_THREADS)


def _libc_trim():
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to do
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


# --- Housekeeping: one thread per process ------------------------------------------------------

#: How often the housekeeping thread looks (seconds).
HOUSEKEEPING_SECONDS = 2.0
_bound_lock = threading.Lock()
_bound: dict[threading.Event, set[str]] = {}  # the stop event of background work -> the sessions it serves


def bind_to_session(stop: threading.Event) -> None:
    """Set ``stop`` when the current session ends (its student closed the tab or lost the
    connection for ``ORPHAN_SECONDS``): background work nobody watches is not left running. Work
    that several sessions watch (a shared training run) is bound to each and stops when all are gone."""
    ctx = get_script_run_ctx()
    if ctx is not None:
        with _bound_lock:
            _bound.setdefault(stop, set()).add(ctx.session_id)


def unbind_session(stop: threading.Event) -> None:
    """The current session no longer watches the work behind ``stop`` (others may)."""
    ctx = get_script_run_ctx()
    if ctx is not None:
        with _bound_lock:
            _bound.get(stop, set()).discard(ctx.session_id)


def unbind(stop: threading.Event) -> None:
    """The work behind ``stop`` has ended by itself."""
    with _bound_lock:
        _bound.pop(stop, None)


def stop_orphans(is_active: Callable[[str], bool], gone_since: dict[str, float], now: float) -> int:
    """Set the stop events of sessions gone for ``ORPHAN_SECONDS``; returns how many were stopped."""
    with _bound_lock:
        bound = [(stop, set(sessions)) for stop, sessions in _bound.items()]
    stopped = 0
    for stop, sessions in bound:
        gone = True
        for session_id in sessions:
            if is_active(session_id):
                gone_since.pop(session_id, None)
                gone = False
            elif now - gone_since.setdefault(session_id, now) < ORPHAN_SECONDS:
                gone = False
        if gone:
            stop.set()
            unbind(stop)
            stopped += 1
    return stopped


def sweep_uploads(manager, is_active: Callable[[str], bool], seen: dict, now: float) -> int:
    """Drop uploads no widget took: every file of a session that has ended, all but the newest file
    of a session, and any file kept for ``UPLOAD_SECONDS`` (the picker decodes and releases a real
    upload on the next rerun, so what is left was sent by a crafted client). Returns how many files
    were dropped.

    ``manager`` is Streamlit's uploaded-file manager (an internal API: if its storage is not there,
    nothing is swept); ``seen`` maps (session, file) to when the file was first seen.
    """
    storage = getattr(manager, "file_storage", None)
    if not isinstance(storage, dict):
        return 0
    with getattr(manager, "_lock", threading.Lock()):
        held = {session_id: list(files) for session_id, files in storage.items()}
    dropped, kept = 0, set()
    for session_id, file_ids in held.items():
        if not is_active(session_id):
            manager.remove_session_files(session_id)
            dropped += len(file_ids)
            continue
        newest = max(file_ids, key=lambda f: seen.setdefault((session_id, f), now), default=None)
        for file_id in file_ids:
            # a real upload is one file at a time, decoded and released on the next rerun
            if file_id != newest or now - seen[(session_id, file_id)] >= UPLOAD_SECONDS:
                manager.remove_file(session_id, file_id)
                dropped += 1
            else:
                kept.add((session_id, file_id))
    for gone in set(seen) - kept:
        del seen[gone]
    return dropped


def _housekeeping_loop(trim) -> None:
    seen: dict = {}
    gone_since: dict[str, float] = {}
    last_trim = 0.0
    while True:
        time.sleep(HOUSEKEEPING_SECONDS)
        now = time.monotonic()
        try:
            if Runtime.exists():
                runtime = Runtime.instance()
                sweep_uploads(runtime.uploaded_file_mgr, runtime.is_active_session, seen, now)
                stop_orphans(runtime.is_active_session, gone_since, now)
        except Exception:  # noqa: BLE001 - housekeeping must never stop; the error goes to the log
            logging.getLogger(__name__).exception("housekeeping failed")
        if trim is not None and now - last_trim >= TRIM_SECONDS:
            trim(0)
            last_trim = now


@st.cache_resource(show_spinner=False)
def start_housekeeping() -> threading.Thread:
    """Once per process: remove weights downloads a killed server left half-done, then every
    HOUSEKEEPING_SECONDS drop unclaimed uploads, stop orphaned trainings and give freed memory
    back to the system (every TRIM_SECONDS; 0 turns that off; glibc only)."""
    remove_partial_downloads()
    trim = _libc_trim() if TRIM_SECONDS > 0 else None
    thread = threading.Thread(target=_housekeeping_loop, args=(trim,), name="housekeeping", daemon=True)
    thread.start()
    return thread


# --- Refusals as sentences, in fragments too -------------------------------------------------------


def guarded(func: Callable) -> Callable:
    """``func`` with a busy server (:class:`Busy`) and settings convcore refuses (its ValueErrors,
    whose messages are sentences naming the setting) shown as a sentence on the page instead of an
    error box; the rest of the page keeps working."""

    @functools.wraps(func)
    def run(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except Busy as exc:
            st.warning(str(exc), icon=":material/hourglass_top:")
        except ValueError as exc:
            logging.getLogger(__name__).info("refused settings", exc_info=True)
            st.warning(f"These settings cannot be used: {exc}", icon=":material/block:")
        return None

    return run


def fragment(func: Callable | None = None, *, run_every: float | None = None):
    """``st.fragment`` for the pages: a slider inside reruns only its part of the page, and a busy
    server or refused settings get :func:`guarded`'s sentence there, as on the whole page."""
    if func is None:
        return lambda f: st.fragment(guarded(f), run_every=run_every)
    return st.fragment(guarded(func), run_every=run_every)

"""Process-wide caches bounded in bytes, not entries: one student's huge result cannot crowd the
server's memory, and a hundred small ones are not thrown away for nothing.

``@memo(mb=...)`` works like ``st.cache_resource``: the result is shared by every session (so it
must be read-only: arrays are made read-only here), arguments whose names start with ``_`` are not
part of the key (callers key big arrays by a content hash instead), and exceptions are not cached.
The least recently used results go first once the budget is exceeded; a result larger than the
whole budget is returned but not kept. Streamlit's own caches count entries, so a cache of 16
pictures could hold 16 small ones or 16 of the largest.

Every ``@memo`` cache also draws on one budget for the whole process, :data:`TOTAL_MB` (the
environment variable ``CONVCORE_CACHE_MB``; 96 MB by default): when their sum exceeds it, the
result used least recently in any of them goes. The caches' own budgets add up to several times
that; which pictures a class keeps asking for decides where the memory goes. (128 MB instead of
384 held 115-185 MB less at the peak of issue 18's load test, with p95 no different in seven runs
taking turns: 1.21-1.38 s at 128 MB, 1.13-1.49 s at 384 MB. The results recomputed most often with
less room are the cheap pictures; AlexNet's analyses and the Filter Lab's maps came back 5-12 % more
often. Then the hover readout's arrays, a third of the 128 MB, stopped being cached, and 96 MB
left the other caches more room than before: p95 0.86-1.11 s at 96 MB against 1.08-1.19 s before,
about 30 MB less held; docs/scale.md, fifth round.)
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import os
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

import numpy as np
from PIL import Image


def nbytes(value: object) -> int:
    """The memory a cached value holds, roughly: arrays, bytes and pictures exactly, containers and
    dataclasses as the sum of what they hold."""
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, (bytes, bytearray, memoryview)):
        return len(value)
    if isinstance(value, Image.Image):
        return value.width * value.height * len(value.getbands())
    if isinstance(value, dict):
        return sum(nbytes(v) for v in value.values()) + 64 * len(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return sum(nbytes(v) for v in value) + 8 * len(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return sum(nbytes(getattr(value, f.name)) for f in dataclasses.fields(value))
    return sys.getsizeof(value)


def _freeze(value: object) -> None:
    """Make the arrays a shared result holds read-only (no session can change another's)."""
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif isinstance(value, dict):
        for v in value.values():
            _freeze(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _freeze(v)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            _freeze(getattr(value, f.name))


class Pool:
    """A budget in bytes shared by several :class:`ByteCache`: when their sum exceeds it, the value
    used least recently in any of them goes."""

    def __init__(self, limit: int) -> None:
        self.limit, self.size = limit, 0
        self.caches: list[ByteCache] = []
        self.lock = threading.RLock()

    def make_room(self) -> None:
        """Drop the least recently used values of the pool's caches until their sum fits (the
        caller holds the lock)."""
        while self.size > self.limit:
            oldest = min((c for c in self.caches if c._items), key=lambda c: next(iter(c._items.values()))[3])
            oldest._drop(next(iter(oldest._items)))


def _total_mb() -> float:
    text = os.environ.get("CONVCORE_CACHE_MB", "96")
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not (0 <= value <= 1_000_000):
        raise ValueError(f"CONVCORE_CACHE_MB must be a number of megabytes from 0 to 1000000, got {text!r}")
    return value


#: Megabytes that every ``@memo`` cache of the process keeps together (``CONVCORE_CACHE_MB``).
TOTAL_MB = _total_mb()
#: The shared budget of every ``@memo`` cache.
POOL = Pool(int(TOTAL_MB * 2**20))


class ByteCache:
    """A thread-safe least-recently-used map bounded by the total :func:`nbytes` of its values, and
    by a :class:`Pool`'s budget when it belongs to one."""

    def __init__(self, limit: int, *, ttl: float | None = None, pool: Pool | None = None) -> None:
        self.limit, self.ttl, self.size, self.pool = limit, ttl, 0, pool
        self._items: OrderedDict = OrderedDict()  # key -> [value, size, stored at, used at]
        self._lock = pool.lock if pool is not None else threading.Lock()
        if pool is not None:
            with pool.lock:
                pool.caches.append(self)

    def get(self, key, default=None):
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return default
            now = time.monotonic()
            if self.ttl is not None and now - item[2] > self.ttl:
                self._drop(key)
                return default
            self._items.move_to_end(key)
            item[3] = now
            return item[0]

    def put(self, key, value, size: int | None = None) -> None:
        size = nbytes(value) if size is None else size
        with self._lock:
            if key in self._items:
                self._drop(key)
            if size > self.limit or (self.pool is not None and size > self.pool.limit):
                return
            now = time.monotonic()
            self._items[key] = [value, size, now, now]
            self._grow(size)
            while self.size > self.limit:
                self._drop(next(iter(self._items)))
            if self.pool is not None:
                self.pool.make_room()

    def clear(self) -> None:
        with self._lock:
            self._grow(-self.size)
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)

    def _grow(self, size: int) -> None:
        self.size += size
        if self.pool is not None:
            self.pool.size += size

    def _drop(self, key) -> None:
        self._grow(-self._items.pop(key)[1])


_MISSING = object()


def memo(*, mb: float, ttl: float | None = None) -> Callable:
    """Cache a function's results in a :class:`ByteCache` of ``mb`` megabytes (see the module)."""

    def wrap(func: Callable) -> Callable:
        signature = inspect.signature(func)
        cache = ByteCache(int(mb * 2**20), ttl=ttl, pool=POOL)

        def key_of(args, kwargs) -> tuple:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            return tuple((k, v) for k, v in bound.arguments.items() if not k.startswith("_"))

        @functools.wraps(func)
        def cached(*args, **kwargs):
            key = key_of(args, kwargs)
            value = cache.get(key, _MISSING)
            if value is _MISSING:
                value = func(*args, **kwargs)
                _freeze(value)
                cache.put(key, value)
            return value

        cached.cache = cache
        cached.clear = cache.clear
        #: Whether the result for these arguments is kept (the ``_`` arguments may be None).
        cached.contains = lambda *args, **kwargs: cache.get(key_of(args, kwargs), _MISSING) is not _MISSING
        return cached

    return wrap

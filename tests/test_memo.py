"""app.memo: caches bounded in bytes."""

from __future__ import annotations

import numpy as np
import pytest

from app import memo


def test_the_cache_keeps_at_most_its_bytes_dropping_the_least_recently_used():
    cache = memo.ByteCache(1000)
    for k in range(3):
        cache.put(k, np.zeros(300, np.uint8))
    assert cache.get(0) is not None  # 0 is now the most recently used
    cache.put(3, np.zeros(300, np.uint8))
    assert cache.size == 900 and cache.get(1) is None and cache.get(0) is not None
    cache.put("huge", np.zeros(5000, np.uint8))  # larger than the whole budget: not kept
    assert cache.get("huge") is None and cache.size == 900


def test_sizes_of_what_the_app_caches():
    from app.caches import CurrentImage

    image = CurrentImage("k", "name", np.zeros((100, 200, 3), np.uint8), (100, 200))
    assert memo.nbytes(image) >= 60_000
    assert memo.nbytes({"a": b"x" * 1000, "b": [np.zeros(10, np.float64)]}) >= 1080


def test_memo_keys_on_plain_arguments_shares_read_only_results_and_does_not_cache_errors():
    calls = []

    @memo.memo(mb=1)
    def twice(key: str, _data: np.ndarray) -> np.ndarray:
        calls.append(key)
        if key == "bad":
            raise ValueError("no")
        return _data * 2

    first = twice("a", np.ones(3))
    again = twice("a", np.zeros(3))  # same key: the cached result, whatever the unhashed array
    assert again is first and calls == ["a"] and first.tolist() == [2, 2, 2]
    assert not first.flags.writeable
    for _ in range(2):
        with pytest.raises(ValueError):
            twice("bad", np.ones(1))
    assert calls == ["a", "bad", "bad"]


def test_expired_results_are_made_again(monkeypatch):
    now = [100.0]
    monkeypatch.setattr(memo.time, "monotonic", lambda: now[0])
    cache = memo.ByteCache(1000, ttl=10)
    cache.put("k", b"v")
    now[0] = 109.0
    assert cache.get("k") == b"v"
    now[0] = 111.0
    assert cache.get("k") is None and cache.size == 0


def test_caches_of_one_pool_keep_its_budget_together_dropping_the_least_recently_used_anywhere(monkeypatch):
    clock = iter(range(1000))
    monkeypatch.setattr(memo.time, "monotonic", lambda: float(next(clock)))
    pool = memo.Pool(1000)
    a, b = memo.ByteCache(800, pool=pool), memo.ByteCache(800, pool=pool)
    a.put("a1", b"x" * 300)
    b.put("b1", b"x" * 300)
    a.put("a2", b"x" * 300)
    assert pool.size == 900
    assert a.get("a1") is not None  # a1 used last: b1 is now the least recently used of the pool
    b.put("b2", b"x" * 300)  # 1200 > 1000: b1 goes (in b), not a1 or a2
    assert b.get("b1") is None and a.get("a1") is not None and a.get("a2") is not None
    assert pool.size == a.size + b.size == 900
    a.put("a3", b"x" * 300)  # a's own 800 and the pool's 1000: the oldest go
    assert a.size <= 800 and pool.size <= 1000 and a.get("a3") is not None
    a.put("big", b"x" * 1001)  # larger than the pool: not kept, nothing else dropped for it
    assert a.get("big") is None and pool.size == a.size + b.size
    a.clear()
    assert pool.size == b.size


def test_every_memo_draws_on_the_process_pool_whose_size_the_environment_sets(monkeypatch):
    @memo.memo(mb=1)
    def f(key: str) -> bytes:
        return b"x" * 10

    f("k")
    assert f.cache.pool is memo.POOL and f.cache in memo.POOL.caches
    monkeypatch.setenv("CONVCORE_CACHE_MB", "64")
    assert memo._total_mb() == 64
    for bad in ("-1", "lots", "nan"):
        monkeypatch.setenv("CONVCORE_CACHE_MB", bad)
        with pytest.raises(ValueError, match="CONVCORE_CACHE_MB"):
            memo._total_mb()

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

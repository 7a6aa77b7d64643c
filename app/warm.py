"""The server's warm-up (issue 18): what the network and filter pages load on first use, loaded in
the background ``app.server.WARM_SECONDS`` after the server's first page.

Measured in a quiet process: torch 0.9 s, the pretrained AlexNet 0.2 s plus reading its 233 MB,
pandas 0.2 s, scipy's filters 0.14 s, most of it holding the interpreter's lock. Paid by the first
student to open AlexNet (2.2 s for that page), it slowed every other student's sliders meanwhile
(their p95 0.5 s instead of 0.1 s; bench/bench_first_use.py). Loaded when the server starts, it
would delay Home's first paint instead, which imports none of it; a few seconds after the first
page a teacher is still talking.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time

import streamlit as st

from app import server


def warm_up() -> None:
    """Load scipy's filters (the Filter Lab's first map), then torch, pandas and the shared models
    (:func:`app.nets.warm_up`)."""
    started = time.perf_counter()
    importlib.import_module("scipy.ndimage")
    importlib.import_module("scipy.fft")
    from app import nets  # torch and pandas: on first use only, not with this module

    nets.warm_up()
    logging.getLogger(__name__).info("warmed up in %.1f s", time.perf_counter() - started)


def _later(delay: float) -> None:
    time.sleep(delay)
    try:
        warm_up()
    except Exception:  # noqa: BLE001 - each page still loads what it needs; the error goes to the log
        logging.getLogger(__name__).exception("warm-up failed")


@st.cache_resource(show_spinner=False)
def start() -> threading.Thread | None:
    """Once per process (called by the entry on every run): the warm-up's thread, or None when
    ``WARM_SECONDS`` is 0 or under AppTest, which runs pages in the test's own process (a test's
    models and caches stay its own)."""
    if server.WARM_SECONDS <= 0 or st.get_option("global.appTest"):
        return None
    thread = threading.Thread(target=_later, args=(server.WARM_SECONDS,), name="warm-up", daemon=True)
    thread.start()
    return thread

"""Give freed memory back to the operating system now and then (glibc only).

A server that builds and drops many image-sized arrays from many threads fragments glibc's heap:
freed blocks between live ones stay in the process, and its memory creeps up with the number of
reruns (seen with the load test: +400 MB over two minutes of 40 sessions). ``malloc_trim(0)``
returns the free pages inside the heap, not only at its top. It runs in one background thread,
every ``CONVCORE_TRIM_SECONDS`` seconds (default 2; 0 turns it off), and takes a few milliseconds.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading
import time

import streamlit as st


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


@st.cache_resource(show_spinner=False)
def start_trimmer() -> threading.Thread | None:
    """Start the trimming thread once per process (None where there is no glibc or it is off)."""
    interval = float(os.environ.get("CONVCORE_TRIM_SECONDS", "2"))
    trim = _libc_trim()
    if trim is None or interval <= 0:
        return None

    def loop() -> None:
        while True:
            time.sleep(interval)
            trim(0)

    thread = threading.Thread(target=loop, name="malloc-trim", daemon=True)
    thread.start()
    return thread

"""Shared test settings and the browser tests' fixtures (a streamlit server, Debian's Chromium)."""

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "default", deadline=None, max_examples=120, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
settings.register_profile(
    "thorough", deadline=None, max_examples=1500, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

from tests.browser import ARTIFACTS, ROOT, chromium_path  # noqa: E402


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Playwright's own browser download cannot work offline: use Debian's Chromium.
    args = dict(browser_type_launch_args)
    exe = chromium_path()
    if exe:
        args["executable_path"] = exe
    args["args"] = [
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ]
    return args


@pytest.fixture(scope="session")
def server():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    os.makedirs(ARTIFACTS, exist_ok=True)
    log = open(os.path.join(ARTIFACTS, "streamlit.log"), "w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app/main.py",
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"streamlit did not start; see {ARTIFACTS}/streamlit.log")
        time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(timeout=10)
    log.close()


@pytest.fixture(scope="session")
def weights_file(tmp_path_factory):
    """A state_dict of AlexNet's exact shapes, named like the official file with its own hash."""
    import hashlib

    import torch

    from convcore import alexnet as ax

    folder = tmp_path_factory.mktemp("weights")
    raw = folder / "raw.pth"
    torch.save(ax.untrained_alexnet(seed=123).state_dict(), raw)
    digest = hashlib.sha256(raw.read_bytes()).hexdigest()
    named = folder / f"alexnet-owt-{digest[:8]}.pth"
    raw.rename(named)
    return named

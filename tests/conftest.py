"""Shared test settings and the browser tests' fixtures (a streamlit server, Debian's Chromium)."""

import os
import sys

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

# the server helpers (deploy/cluster.py) and the load test's stand-in weights (bench/loadtest.py)
sys.path.insert(0, str(ROOT / "deploy"))
sys.path.insert(0, str(ROOT / "bench"))


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
    """`streamlit run app/main.py` on a free loopback port, started as the classroom server is."""
    from cluster import free_port, server_env, start_server

    os.makedirs(ARTIFACTS, exist_ok=True)
    port = free_port()
    try:
        proc = start_server(port, server_env(), ARTIFACTS / "streamlit.log")
    except RuntimeError as exc:
        pytest.fail(str(exc))
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="session")
def weights_file(tmp_path_factory):
    """A state_dict of AlexNet's exact shapes, named like the official file with its own hash."""
    from loadtest import weights_file as make

    return make(tmp_path_factory.mktemp("weights"), seed=123)

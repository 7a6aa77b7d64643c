"""Cold start (issue 18): from ``make run`` to Home's first paint in a browser, beside a one-line
Streamlit app started the same way, in the same run; figures printed, never asserted.

Each run starts a fresh server process as ``make run`` does (``python -m streamlit run``, the
Makefile's SERVER_ENV, from the project folder so both read .streamlit/config.toml), headless on a
free loopback port with the file watcher off and no usage statistics, and measures the wall time
from ``Popen`` until, in headless Chromium, the page's title (h1) is visible, the app's script has
finished its first run and the browser has painted the next frame. Chromium is started once
before the runs (not timed); every run gets a fresh browser context (no cache). The app and the
one-line app (``st.title("Hello")``) take turns, so that a busy moment of the machine falls on both.

A third app takes its turn too, as a reference: the floor that Streamlit's own parts set for any app
with a page list and a picture. It sets the app's page icon, lists as many pages as the app in the
sidebar, and its first page shows a title and one photo, with no code of the app's. (``st.image``
and a page icon given as a file import numpy and Pillow inside Streamlit, so the floor pays for
them as the app does.) The ratio that the issue sets is the app's against the one-line app; the
floor says how much of that gap is left to the app's own code and content.

    python bench/bench_coldstart.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "deploy"))
sys.path.insert(0, str(ROOT))
from cluster import free_port, server_env, wait_healthy  # noqa: E402

from app.registry import PAGES  # noqa: E402
from tests.browser import chromium_path  # noqa: E402

ONE_LINE = 'import streamlit as st\n\nst.title("Hello")\n'
FLOOR = """import streamlit as st

st.set_page_config(page_title="Floor", page_icon={icon!r}, layout="wide")


def home():
    st.title("Hello")
    st.image({photo!r}, width=300)


def other():
    st.title("Other")


pages = [st.Page(home, title="Home", icon=":material/home:", default=True)]
pages += [st.Page(other, title=f"Page {{i}}", icon=":material/tune:", url_path=f"p{{i}}") for i in range(1, {count})]
st.navigation(pages).run()
"""
# tests/browser.py's load(): the title visible and the first run over, checked on every frame
# (Playwright's expect() polls at 100-1000 ms steps, too coarse here), then the next frame painted.
FIRST_RUN_JS = """() => {
  const app = document.querySelector('[data-testid=stApp]');
  const title = document.querySelector('[data-testid=stMain] h1');
  const box = title && title.getBoundingClientRect();
  return !!app && !!title && box.width > 0 && box.height > 0 && getComputedStyle(title).visibility !== 'hidden'
    && app.dataset.testConnectionState === 'CONNECTED' && app.dataset.testScriptState === 'notRunning';
}"""
PAINTED_JS = "() => new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)))"


def first_paint(browser, script: str) -> tuple[float, float]:
    """Seconds from starting ``streamlit run script`` to its server answering its health check,
    and to the page's first run painted in a fresh browser context."""
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", script, "--server.address", "127.0.0.1"]
    cmd += ["--server.port", str(port), "--server.headless", "true"]
    cmd += ["--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"]
    url = f"http://127.0.0.1:{port}"
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=server_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_healthy(url, proc, timeout=60, interval=0.02)
        healthy = time.perf_counter() - t0
        context = browser.new_context(viewport={"width": 1280, "height": 720})
        page = context.new_page()
        page.goto(url)
        page.wait_for_function(FIRST_RUN_JS, polling="raf", timeout=60_000)
        page.evaluate(PAINTED_JS)
        painted = time.perf_counter() - t0
        context.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return healthy, painted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="fresh processes of each (default 5)")
    args = parser.parse_args()
    # as `make run` does first: the app's bytecode cache (Python may be told not to write it itself)
    subprocess.run([sys.executable, "-m", "compileall", "-q", "app", "convcore"], cwd=ROOT, check=True)
    with tempfile.TemporaryDirectory() as tmp:
        one_line, floor = Path(tmp) / "hello.py", Path(tmp) / "floor.py"
        one_line.write_text(ONE_LINE)
        photo = str(ROOT / "assets" / "grace_hopper.jpg")  # Home's first picture
        floor.write_text(
            FLOOR.format(icon=str(ROOT / "assets" / "favicon.png"), photo=photo, count=len(PAGES))
        )
        # the app's path as `make run` gives it
        scripts = {"app": "app/main.py", "one-line": str(one_line), "floor": str(floor)}
        painted: dict[str, list[float]] = {name: [] for name in scripts}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path())
            for run in range(1, args.runs + 1):
                for name, script in scripts.items():
                    healthy, seconds = first_paint(browser, script)
                    painted[name].append(seconds)
                    print(f"run {run} {name:>8}: server healthy {healthy:.2f} s, first paint {seconds:.2f} s")
            browser.close()
    app, hello, floor = (statistics.median(painted[name]) for name in scripts)
    print(
        f"median of {args.runs}: app {app:.2f} s, one-line app {hello:.2f} s; ratio app/one-line {app / hello:.2f}"
    )
    print(
        f"floor (Streamlit's page list, page icon and one picture, no app code): {floor:.2f} s, "
        f"ratio floor/one-line {floor / hello:.2f}; the app's own part {app - floor:+.2f} s"
    )


if __name__ == "__main__":
    main()

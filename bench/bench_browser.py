"""What the mouse feels (issue 14), in headless Chromium against a real ``streamlit run``; figures
printed, never asserted (these machines are noisy):

- hover -> readout drawn on the Filter Lab: from the pointer event to the next painted frame with
  the new numbers, median and p95 over 50 positions, and the messages sent to the server meanwhile
  (should be 0); beside it, in the same run, what a server round trip costs (a rerun: the stride
  moved with the keyboard), which is what a readout through Streamlit would pay per move;
- the step page's animation while playing: frames per second the browser paints (8 steps/s);
- a step slider dragged: time from a move of the pointer to the grids showing that step, against
  the release-only slider (the drag's whole length).

    python bench/bench_browser.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.browser import chromium_path, load, settle  # noqa: E402

PORT = 8655

HOVER_JS = """async ([fx, fy]) => {
  const frame = document.querySelector(".cr .frame[data-channel='0']");
  const box = frame.querySelector('img').getBoundingClientRect();
  const t0 = performance.now();
  frame.dispatchEvent(new PointerEvent('pointermove', {clientX: box.left + fx * box.width,
    clientY: box.top + fy * box.height, bubbles: true, pointerType: 'mouse'}));
  await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));  // painted
  return [performance.now() - t0, document.querySelector('[data-conv-readout]').dataset.at];
}"""

FPS_JS = """async (ms) => { let n = 0; const t0 = performance.now();
  await new Promise(r => { const tick = () => { n++; if (performance.now() - t0 < ms) requestAnimationFrame(tick); else r(); };
    requestAnimationFrame(tick); });
  return n / ((performance.now() - t0) / 1000); }"""


def _server() -> subprocess.Popen:
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
            str(PORT),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
        ],  # fmt: skip
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/_stcore/health")
            return proc
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def hover(page, base: str) -> None:
    sent: list = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda p: sent.append(p)))
    load(page, f"{base}/filter_lab")
    before = len(sent)
    times, seen = [], set()
    for k in range(50):
        ms, at = page.evaluate(
            HOVER_JS, [0.02 + 0.96 * ((k * 37) % 50) / 50, 0.02 + 0.96 * ((k * 13) % 50) / 50]
        )
        times.append(ms)
        seen.add(at)
    hovered = len(sent) - before
    reruns = []
    slider = page.get_by_role("slider").first
    for key in ("ArrowRight", "ArrowLeft") * 3:
        slider.focus()
        t0 = time.perf_counter()
        page.keyboard.press(key)
        settle(page)  # includes its own 250 ms pause: taken off below
        reruns.append((time.perf_counter() - t0) * 1000 - 250)
    p50, p95, rerun = statistics.median(times), _pct(times, 0.95), statistics.median(reruns)
    print(f"hover -> readout painted (50 positions, {len(seen)} pixels): p50 {p50:.1f} ms, p95 {p95:.1f} ms; "
          f"messages to the server while hovering: {hovered}")  # fmt: skip
    print(f"  peer, same run: one rerun through the server (stride changed): median {rerun:.0f} ms; "
          f"ratio hover/rerun {p50 / rerun:.3f}")  # fmt: skip


def animation(page, base: str) -> None:
    load(page, f"{base}/conv_steps?cs.speed=8+steps/s")
    page.get_by_role("button", name="Play").click()
    page.wait_for_timeout(500)
    fps = page.evaluate(FPS_JS, 3000)
    idle_steps = page.locator(".sg").get_attribute("data-step")
    page.get_by_role("button", name="Pause").click()
    settle(page)
    print(f"step page playing at 8 steps/s: {fps:.0f} frames/s painted (reached step {int(idle_steps) + 1})")


def drag(page, base: str) -> None:
    load(page, f"{base}/conv_steps")
    thumb = page.locator(
        '.st-key-cs-step [data-testid=stSlider] div[style*="translate(-50%"]'
    ).first.bounding_box()
    x0, y0 = thumb["x"] + thumb["width"] / 2, thumb["y"] + thumb["height"] / 2
    page.mouse.move(x0, y0)
    page.mouse.down()
    waits, t_start = [], time.perf_counter()
    grid = page.locator(".sg")
    for k in range(1, 9):
        before = grid.get_attribute("data-step")
        t0 = time.perf_counter()
        page.mouse.move(x0 + k * 30, y0)
        for _ in range(200):
            if grid.get_attribute("data-step") != before:
                break
            page.wait_for_timeout(10)
        waits.append((time.perf_counter() - t0) * 1000)
        page.wait_for_timeout(150)
    whole = (time.perf_counter() - t_start) * 1000
    page.mouse.up()
    settle(page)
    print(f"step slider dragged: pointer move -> grids at that step, median {statistics.median(waits):.0f} ms "
          f"(max {max(waits):.0f}); a release-only slider shows nothing for the whole drag ({whole:.0f} ms here)")  # fmt: skip


def main() -> None:
    proc = _server()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path())
            for run in (hover, animation, drag):
                page = browser.new_page(viewport={"width": 1280, "height": 720})
                run(page, f"http://127.0.0.1:{PORT}")
                page.close()
            browser.close()
    finally:
        proc.terminate()


if __name__ == "__main__":
    main()

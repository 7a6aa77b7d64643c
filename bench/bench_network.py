"""The network page (issue 15): how long a new input takes to reach the overview, on 2 cores.
Figures printed, never asserted (these machines are noisy).

1. The engine alone (no Streamlit): every layer's output (convcore.nets.explain.forward) plus the
   default unit explained (convcore.explain_unit), per network, median of 7 new random inputs.
2. In headless Chromium against a real ``streamlit run``: from choosing a new input (another held-out
   example; for AlexNet another sample image in the sidebar) to the overview drawn with it (the
   component's data-input changes), median of 5 inputs never seen before; beside it, in the same
   run, the same page's rerun with an input already cached (what Streamlit itself costs).
   Targets: under 0.5 s for the digit CNN and Tiny VGG, under 1.5 s for AlexNet.

    python bench/bench_network.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import torch
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.bench_browser import PORT, _server  # noqa: E402
from convcore.nets import alexnet, explain, lenet, tinyvgg  # noqa: E402
from tests.browser import chromium_path, load, settle  # noqa: E402

UNITS = {"digits": ("conv2", 0, 4, 4), "tiny_vgg": ("conv_2_1", 0, 13, 13), "alexnet": ("conv2", 0, 13, 13)}


def engine() -> None:
    torch.set_num_threads(2)
    models = {
        "digits": lenet.load_model()[0],
        "tiny_vgg": tinyvgg.load_model()[0],
        "alexnet": alexnet.untrained_alexnet(),
    }
    print("1. Engine: every layer + the default unit explained, median of 7 new inputs")
    for key, model in models.items():
        shape = model.network.input_shape
        times = []
        for seed in range(8):
            x = torch.rand(*shape, generator=torch.Generator().manual_seed(seed))
            t0 = time.perf_counter()
            explain.forward(model, x)
            explain.explain_unit(model, x, *UNITS[key])
            times.append(time.perf_counter() - t0)
        print(f"   {key:9s} {1000 * statistics.median(times[1:]):7.1f} ms")


def _time_change(page, act) -> float:
    root = page.locator("[data-net-overview]")
    before = root.get_attribute("data-input")
    t0 = time.perf_counter()
    act()
    page.wait_for_function(
        "b => document.querySelector('[data-net-overview]')?.dataset.input !== b", arg=before, timeout=60_000
    )
    page.wait_for_function("() => requestAnimationFrame(() => 0) >= 0")
    elapsed = time.perf_counter() - t0
    settle(page)
    return elapsed


def _example(page, n: int) -> None:
    example = page.get_by_role("spinbutton", name="Example")
    example.fill(str(n))
    example.press("Enter")


def browser(base: str) -> None:
    print("2. Browser: a new input until the overview shows it (median of 5); a cached rerun beside it")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path())
        for name, query in (("digits", ""), ("tiny_vgg", "?nw.net=Tiny+VGG")):
            page = b.new_page(viewport={"width": 1366, "height": 900})
            load(page, f"{base}/network{query}")
            fresh = [_time_change(page, lambda n=n, page=page: _example(page, n)) for n in (7, 8, 9, 10, 11)]
            cached = [_time_change(page, lambda n=n, page=page: _example(page, n)) for n in (8, 9, 10)]
            print(
                f"   {name:9s} new input {1000 * statistics.median(fresh):7.0f} ms   cached {1000 * statistics.median(cached):6.0f} ms"
            )
            page.close()
        page = b.new_page(viewport={"width": 1366, "height": 900})
        load(page, f"{base}/network?nw.net=AlexNet")
        pick = page.get_by_test_id("stSidebar").get_by_role("combobox", name="Sample image")
        options = ["Chelsea the cat", "Coffee cup", "Checkerboard", "Circles", "Colour shapes"]
        times = []
        for option in options:

            def choose(option=option):
                pick.click()
                page.get_by_role("option", name=option, exact=True).click()

            times.append(_time_change(page, choose))
        print(
            f"   {'alexnet':9s} new input {1000 * statistics.median(times):7.0f} ms   (untrained unless the weights are here)"
        )
        b.close()


def main() -> None:
    engine()
    proc = _server()
    try:
        browser(f"http://127.0.0.1:{PORT}")
    finally:
        proc.terminate()


if __name__ == "__main__":
    main()

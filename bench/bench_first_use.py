"""The class's wait when the first student opens AlexNet (issue 18): with the server's warm-up
(``CONVCORE_WARM_SECONDS``, the default) and without it (0), taking turns, in one run.

Each round starts a fresh server as ``make run`` does (stand-in AlexNet weights of the real shapes,
as the load test's), opens ``--class-size`` sessions on the Filter Lab, waits ``--settle`` seconds
(the warm-up's few seconds after the first page, and more), then has those sessions move a Filter Lab
geometry setting every 0.5 s while one more session opens AlexNet, the first on this server to do so. It
prints how long that AlexNet page took, and the others' slowest and 95th-percentile interactions in
the 3 s after it was opened, beside the 3 s before: a first use that imports torch and loads the
weights holds the interpreter's lock, so everyone's slider waited.

    python bench/bench_first_use.py [--rounds 3] [--class-size 8]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "deploy"))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))
from cluster import free_port, server_env, start_server  # noqa: E402
from loadtest import weights_file  # noqa: E402
from stclient import Session  # noqa: E402

WINDOW = 3.0  # seconds after (and before) the first AlexNet page that count
#: The Filter Lab's geometry settings: never a learned filter (choosing one loads its network, and
#: so torch, before the AlexNet page is opened).
SETTINGS = ("lab.stride", "lab.padding", "lab.dilation", "lab.flip", "lab.stretch")


async def _round(base: str, class_size: int, settle: float, seed: int) -> dict:
    rng = random.Random(seed)
    sessions = [Session(base, timeout=60) for _ in range(class_size)]
    for s in sessions:
        await s.open("filter_lab")
    await asyncio.sleep(settle)
    moves: list[tuple[float, float]] = []  # (when it started, seconds)
    stop = asyncio.Event()

    async def student(s: Session) -> None:
        while not stop.is_set():
            started = time.perf_counter()
            moved = await s.move_random(rng, SETTINGS)
            if moved:
                moves.append((started, moved[1].seconds))
            await asyncio.sleep(0.5)

    tasks = [asyncio.create_task(student(s)) for s in sessions]
    await asyncio.sleep(WINDOW + 1)
    first = Session(base, timeout=60)
    opened = time.perf_counter()
    result = await first.open("alexnet")
    await asyncio.sleep(max(0.0, opened + WINDOW - time.perf_counter()))
    stop.set()
    await asyncio.gather(*tasks)
    for s in [*sessions, first]:
        await s.close()
    before = [sec for t, sec in moves if opened - WINDOW <= t < opened]
    after = [sec for t, sec in moves if opened <= t < opened + WINDOW]
    return {"alexnet": result.seconds, "errors": len(result.errors), "before": before, "after": after}


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else max(values, default=0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="fresh servers of each kind (default 3)")
    parser.add_argument("--class-size", type=int, default=8, help="sessions moving sliders (default 8)")
    parser.add_argument("--settle", type=float, default=8.0, help="seconds after the class's first pages")
    args = parser.parse_args()
    kinds = {
        "warm-up on (the default)": {},
        "warm-up off (CONVCORE_WARM_SECONDS=0)": {"CONVCORE_WARM_SECONDS": "0"},
    }
    found: dict[str, list[dict]] = {kind: [] for kind in kinds}
    with tempfile.TemporaryDirectory() as tmp:
        weights = {"CONVCORE_ALEXNET_WEIGHTS": str(weights_file(Path(tmp)))}
        for n in range(args.rounds):
            for kind, env in kinds.items():
                port = free_port()
                proc = start_server(port, server_env({**weights, **env}), Path(tmp) / "streamlit.log")
                try:
                    r = asyncio.run(_round(f"http://127.0.0.1:{port}", args.class_size, args.settle, n))
                finally:
                    proc.terminate()
                    proc.wait(timeout=30)
                found[kind].append(r)
                print(
                    f"round {n + 1}, {kind}: AlexNet's first page {r['alexnet']:.2f} s ({r['errors']} errors); "
                    f"the others in the {WINDOW:.0f} s after it: slowest {max(r['after'], default=0):.2f} s, "
                    f"p95 {_p95(r['after']):.2f} s ({len(r['after'])} moves); before it: slowest "
                    f"{max(r['before'], default=0):.2f} s",
                    flush=True,
                )
    print(f"medians of {args.rounds} rounds:")
    for kind, rounds in found.items():
        first = statistics.median(r["alexnet"] for r in rounds)
        slowest = statistics.median(max(r["after"], default=0) for r in rounds)
        p95 = statistics.median(_p95(r["after"]) for r in rounds)
        calm = statistics.median(max(r["before"], default=0) for r in rounds)
        print(
            f"  {kind}: AlexNet's first page {first:.2f} s; the others' slowest {slowest:.2f} s and p95 "
            f"{p95:.2f} s in the {WINDOW:.0f} s after it (slowest {calm:.2f} s before it)"
        )


if __name__ == "__main__":
    main()

"""How long training the digit CNN takes to reach 95 % on the held-out generated set.

Target (issue 5): >= 95 % in <= 60 s on 2 CPU cores, dataset generation included. Trains the
default configuration and reports the time at each epoch's end. Then (issue 16) the Train page's
recipe against the shipped one: time, accuracy, and how far their first-layer filters end from
noise (lenet.filter_structure: the mean neighbour correlation, about 0 for noise). First (issue 18)
how much a fresh process grows while it makes the Train page's 12,000 digits, beside the set's
own size: the Train page makes a set when a class presses Train.

    python bench/bench_training.py [--threads N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch

from convcore.nets import digits, lenet

# In a fresh process: its size once torch and the glyphs are ready, then its peak while it makes the set.
_GROWTH = """
import resource, sys, torch
torch.set_num_threads(1)
from convcore.nets import digits
digits.make_digits(10)
before = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmRSS"))
digits.make_digits(int(sys.argv[1]))
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024)
"""


def making_growth_mb(n: int) -> float:
    """How many MB a fresh process grows (its peak RSS) while it makes ``n`` digits (Linux)."""
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run(
        [sys.executable, "-c", _GROWTH, str(n)], cwd=root, check=True, capture_output=True, text=True
    )
    return float(out.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--threads", type=int, default=1, help="torch threads (the app trains with 1)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    n = lenet.TRAIN_PAGE_CONFIG.train_size
    own = n * digits.SIZE * digits.SIZE * 4 / 2**20
    growth = statistics.median(making_growth_mb(n) for _ in range(3))
    print(
        f"making {n} digits: the process grows {growth:.0f} MB (median of 3) for a set of {own:.0f} MB "
        f"({growth / own:.1f} x its size)"
    )
    t0 = time.perf_counter()
    config = lenet.DEFAULT_CONFIG
    data = digits.make_digits(config.train_size, seed=config.seed)
    held = digits.make_digits(2000, seed=lenet.HELD_OUT_SEED)
    print(f"dataset: {config.train_size} + 2000 held-out digits in {time.perf_counter() - t0:.2f} s")
    reached = None

    def report(p: lenet.TrainProgress) -> None:
        nonlocal reached
        if p.accuracy is not None:
            elapsed = time.perf_counter() - t0
            print(f"epoch {p.epoch}: {p.accuracy:.2%} held-out accuracy after {elapsed:.1f} s")
            if reached is None and p.accuracy >= 0.95:
                reached = elapsed

    lenet.train(lenet.new_model(config), config, data=data, held_out=held, callback=report)
    verdict = "met" if reached is not None and reached <= 60 else "NOT met"
    print(f"target >= 95 % within 60 s: {verdict}" + (f" ({reached:.1f} s)" if reached else ""))
    print("filters emerging: recipe, training time, held-out accuracy, neighbour correlation start -> end")
    for name, recipe in (("shipped (5 x 5, Adam)", lenet.DEFAULT_CONFIG),
                         ("Train page (7 x 7, decay 3 on layer 1)", lenet.TRAIN_PAGE_CONFIG)):  # fmt: skip
        ends = []
        for seed in (0, 1, 2):
            cfg = lenet.LeNetConfig(**{**recipe.__dict__, "seed": seed})
            model = lenet.new_model(cfg)
            start = lenet.filter_structure(model.conv1.weight.detach().numpy())
            t = time.perf_counter()
            result = lenet.train(model, cfg, data=data, held_out=held)
            t = time.perf_counter() - t
            end = lenet.filter_structure(model.conv1.weight.detach().numpy())
            ends.append(end)
            print(f"   {name:40s} seed {seed}: {t:4.1f} s, {result.accuracy:.1%}, {start:+.2f} -> {end:.2f}")
        print(f"   {name:40s} mean end structure {sum(ends) / len(ends):.2f}")


if __name__ == "__main__":
    main()

"""How long training the digit CNN takes to reach 95 % on the held-out generated set.

Target (issue 5): >= 95 % in <= 60 s on 2 CPU cores, dataset generation included. Trains the
default configuration and reports the time at each epoch's end. Then (issue 16) the Train page's
recipe against the shipped one: time, accuracy, and how far their first-layer filters end from
noise (lenet.filter_structure: the mean neighbour correlation, about 0 for noise).

    python bench/bench_training.py [--threads N]
"""

from __future__ import annotations

import argparse
import time

import torch

from convcore.nets import digits, lenet


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--threads", type=int, default=1, help="torch threads (the app trains with 1)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
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

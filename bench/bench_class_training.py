"""A whole class presses Train (issue 18): how long until the last student has a trained network.

Forty students press "Train from scratch" within a minute, as the Train page does it
(:func:`app.training.request`, the server's training slots and queue), without browsers:

- "everybody, press Train": all with the page's default settings (identical requests share a run);
- "each row tries another learning rate": every student with one of a few learning rates (the
  teacher's split; the students of one rate share a run);
- the same class where every student first moved two sliders (learning rate and decay: every
  request different, one run each, queued on this server's ``CONVCORE_TRAINING_SLOTS``);
- for comparison, one run alone.

Prints, for each: runs trained, the time from the first press until the last student's run is done,
the slowest wait of a student (press to done), and the held-out accuracy reached.

    python bench/bench_class_training.py [--students 40] [--within 60] [--rates 0.001,0.002,...]
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import server, training  # noqa: E402
from convcore.nets import lenet  # noqa: E402


def _class(configs: list[lenet.LeNetConfig], within: float) -> dict:
    """Each config pressed at an even spacing over ``within`` seconds; waits for every run."""
    training._SHARED.clear()
    presses, jobs = [], []
    start = time.perf_counter()
    for i, config in enumerate(configs):
        due = start + within * i / max(1, len(configs))
        time.sleep(max(0.0, due - time.perf_counter()))
        presses.append(time.perf_counter())
        jobs.append(training.request(config))
    ends = []
    for job, pressed in zip(jobs, presses):
        job.thread.join()
        ends.append(max(pressed, job_end[id(job)]) if id(job) in job_end else time.perf_counter())
    runs = {id(j) for j in jobs}
    return {
        "runs": len(runs),
        "last": max(ends) - start,
        "slowest": max(e - p for e, p in zip(ends, presses)),
        "accuracy": min(j.result.accuracy or 0.0 for j in jobs),
        "done": all(j.result.status == "done" for j in jobs),
        "reached": sum((j.result.accuracy or 0.0) >= 0.95 for j in {id(j): j for j in jobs}.values()),
    }


job_end: dict[int, float] = {}


def _watch_ends() -> None:
    """Note when each run finishes (the report callback's last call), for the waits."""
    original = training.Job._report

    def report(self, p):
        original(self, p)
        if p.step == p.total_steps:
            job_end[id(self)] = time.perf_counter()

    training.Job._report = report


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--within", type=float, default=60.0, help="seconds over which they press Train")
    parser.add_argument(
        "--rates",
        default="0.001,0.002,0.005,0.01,0.03",
        help="the learning rates the class is split over (comma-separated, from the page's)",
    )
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",")]
    if not rates or any(r not in training.LEARNING_RATES for r in rates):
        parser.error(f"--rates must be some of the page's learning rates {training.LEARNING_RATES}")
    _watch_ends()
    page = lenet.TRAIN_PAGE_CONFIG
    print(f"training slots: {server.TRAINING_SLOTS}, torch threads per run: {server.TORCH_THREADS}")
    alone = _class([page], 0.0)
    print(f"one run alone: {alone['last']:.1f} s, {alone['accuracy']:.1%} held-out")
    everybody = _class([page] * args.students, args.within)
    print(f"{args.students} students, default settings, pressed within {args.within:.0f} s: {everybody['runs']} "
          f"run(s) trained; the last done {everybody['last']:.1f} s after the first press; slowest wait "
          f"{everybody['slowest']:.1f} s; lowest accuracy {everybody['accuracy']:.1%}")  # fmt: skip
    split = _class(
        [replace(page, learning_rate=rates[i % len(rates)]) for i in range(args.students)], args.within
    )
    print(f"{args.students} students, {len(rates)} learning rates ({args.rates}), pressed within {args.within:.0f} s: "
          f"{split['runs']} runs trained; the last done {split['last']:.1f} s after the first press; slowest wait "
          f"{split['slowest']:.1f} s; every run done: {split['done']}")  # fmt: skip
    # every student with settings of their own: a learning rate and a decay of the page's (8 x 5 pairs, the
    # page's cost each), one run each, queued on this server's training slots
    pairs = [(r, d) for r in training.LEARNING_RATES[:8] for d in training.DECAYS]
    own = [replace(page, learning_rate=r, decay=d) for r, d in (pairs * args.students)[: args.students]]
    mixed = _class(own, args.within)
    print(f"{args.students} students with settings of their own (learning rate and decay), pressed within "
          f"{args.within:.0f} s: {mixed['runs']} runs; the last done {mixed['last']:.1f} s after the first press "
          f"({mixed['last'] / max(1, mixed['runs']):.1f} s a run, queued); slowest wait {mixed['slowest']:.1f} s; "
          f"every run done: {mixed['done']}; runs reaching 95 % held-out: {mixed['reached']} of {mixed['runs']}")  # fmt: skip
    print(
        f"ratio, last student's wait: everybody-default / one run alone = {everybody['slowest'] / alone['last']:.2f}"
    )


if __name__ == "__main__":
    main()

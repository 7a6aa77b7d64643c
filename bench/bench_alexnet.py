"""Time AlexNet on a new image: preprocessing, all layer maps, top-5, Grad-CAM (server side).

Target (issue 4): <= 300 ms on 2 cores for all of it. Runs on the untrained model unless the
pretrained weights are present (the timing is the same: same shapes, same arithmetic).

    python bench/bench_alexnet.py [--threads N]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from convcore.nets import alexnet as ax
from convcore.nets import weights


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--threads", type=int, default=1, help="torch threads (the app uses 1 per request)")
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    try:
        model, kind = weights.load_pretrained(), "pretrained"
    except weights.WeightsError:
        model, kind = ax.untrained_alexnet(), "untrained"
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, (683, 1024, 3), dtype=np.uint8) for _ in range(args.repeats + 1)]
    parts: dict[str, list[float]] = {
        "preprocess": [],
        "layer maps": [],
        "top-5": [],
        "Grad-CAM": [],
        "total": [],
    }
    for k, img in enumerate(images):
        t0 = time.perf_counter()
        x = ax.preprocess(img)
        t1 = time.perf_counter()
        ax.layer_outputs(model, x)
        t2 = time.perf_counter()
        top = ax.predict(model, x)
        t3 = time.perf_counter()
        ax.grad_cam(model, x, top[0].index)
        t4 = time.perf_counter()
        if k == 0:
            continue  # warm-up
        for name, dt in zip(parts, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0)):
            parts[name].append(dt)
    print(
        f"AlexNet ({kind}), new 1024 x 683 image, {args.threads} torch thread(s), median of {args.repeats}:"
    )
    for name, times in parts.items():
        print(f"  {name:11s} {1e3 * statistics.median(times):7.1f} ms")
    total = 1e3 * statistics.median(parts["total"])
    print(f"target <= 300 ms: {'met' if total <= 300 else 'NOT met'} ({total:.0f} ms)")


if __name__ == "__main__":
    main()

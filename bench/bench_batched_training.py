"""Would training many students' networks in one batched pass help a class (issue 18)? Figures
printed, never asserted.

40 students pressing Train with 40 different learning rates train 40 networks of the Train page's
recipe (``lenet.TRAIN_PAGE_CONFIG``) on the same digits in the same order (same seed). Instead of
one network after another, they could go through one pass: layer 1 as one convolution with 40 x 6
filters over the shared batch, layer 2 as a grouped convolution (40 groups), the dense layers as
batched matrix products, and one Adam step over the stacked weights. This script times, on one torch
thread as the app trains:

- one training step of the app's own network (``lenet.LeNet``, convcore's Adam), and where its time
  goes (PyTorch's profiler, by operation);
- K networks in one batched pass, for K = 1, 4, 8, 16, 40: milliseconds per network and step, and
  the speed-up over K single steps (above 1: the batched pass is quicker).

The batched pass is checked first: with the same starting weights, its K losses equal those of the K
networks run one by one (the largest difference is printed). The timing uses one learning rate for
all K networks: a rate per network is one more broadcast multiplication per weight tensor.

    python bench/bench_batched_training.py [--steps 100]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from convcore.nets import digits, lenet  # noqa: E402
from convcore.nets.optim import Adam  # noqa: E402

CONFIG = lenet.TRAIN_PAGE_CONFIG


def stacked(models: list[lenet.LeNet]) -> list[torch.Tensor]:
    """The K models' weights stacked for one pass: conv1 (6K, 1, k, k), conv2 (16K, 6, k, k), each
    dense layer as (K, in, out) with its bias (K, 1, out)."""
    out = [
        torch.cat([m.conv1.weight for m in models]),
        torch.cat([m.conv1.bias for m in models]),
        torch.cat([m.conv2.weight for m in models]),
        torch.cat([m.conv2.bias for m in models]),
    ]
    for name in ("fc1", "fc2", "fc3"):
        out.append(torch.stack([m.get_submodule(name).weight.t() for m in models]))
        out.append(torch.stack([m.get_submodule(name).bias[None] for m in models]))
    return [t.detach().clone().requires_grad_(True) for t in out]


def batched_losses(weights: list[torch.Tensor], x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The K models' mean cross-entropy losses (K,) on the batch ``x``, ``y`` in one pass."""
    w1, b1, w2, b2, f1, c1, f2, c2, f3, c3 = weights
    k, n = f1.shape[0], x.shape[0]
    h = F.max_pool2d(F.relu(F.conv2d(x, w1, b1, padding=CONFIG.kernel // 2)), 2)
    h = F.max_pool2d(F.relu(F.conv2d(h, w2, b2, groups=k)), 2)  # (n, 16K, 4, 4)
    h = h.reshape(n, k, -1).transpose(0, 1)  # (K, n, 256): each model's flattened maps
    h = F.relu(torch.baddbmm(c1, h, f1))
    h = F.relu(torch.baddbmm(c2, h, f2))
    h = torch.baddbmm(c3, h, f3)  # (K, n, 10)
    return F.cross_entropy(h.reshape(k * n, 10), y.repeat(k), reduction="none").view(k, n).mean(1)


def per_step(step, steps: int) -> float:
    for _ in range(10):
        step()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - t0) / steps


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--steps", type=int, default=100, help="timed steps per case")
    args = parser.parse_args()
    torch.set_num_threads(1)
    images, labels = digits.make_digits(CONFIG.train_size, seed=CONFIG.seed)
    n = CONFIG.batch_size
    batches = [(images[i : i + n], labels[i : i + n]) for i in range(0, 64 * n, n)]
    counter = iter(range(10**9))

    def batch():
        return batches[next(counter) % len(batches)]

    model = lenet.new_model(CONFIG)
    optimiser = Adam(model.parameters(), lr=CONFIG.learning_rate)

    def single_step():
        x, y = batch()
        loss = F.cross_entropy(model(x), y)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()

    one = per_step(single_step, args.steps)
    print(
        f"one network, one step of {n} digits: {one * 1e3:.2f} ms ({one * 375:.1f} s for the Train page's 375 steps)"
    )
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(20):
            single_step()
    total = sum(e.self_cpu_time_total for e in prof.key_averages())
    top = sorted(prof.key_averages(), key=lambda e: -e.self_cpu_time_total)[:6]
    print("  where it goes: " + ", ".join(f"{e.key} {e.self_cpu_time_total / total:.0%}" for e in top))

    x, y = batches[0]
    for k in (1, 4, 8, 16, 40):
        models = [lenet.new_model(dataclasses.replace(CONFIG, seed=s)) for s in range(k)]
        weights = stacked(models)
        with torch.no_grad():
            apart = torch.stack([F.cross_entropy(m(x), y) for m in models])
            together = batched_losses(weights, x, y)
        diff = float((apart - together).abs().max())
        opt = Adam(weights, lr=CONFIG.learning_rate)

        def batched_step(weights=weights, opt=opt):
            bx, by = batch()
            loss = batched_losses(weights, bx, by).sum()  # the models share no weight: each its own gradient
            opt.zero_grad()
            loss.backward()
            opt.step()

        t = per_step(batched_step, max(10, args.steps // k))
        print(
            f"K={k:2d} in one pass: {t * 1e3:7.1f} ms a step, {t / k * 1e3:5.2f} ms per network, "
            f"speed-up over {k} single steps {one * k / t:.2f}x (losses equal to {diff:.1e})"
        )


if __name__ == "__main__":
    main()

"""Can you trust a heat map? (issue 16): what its methods cost on 2 cores, and the figures the page
quotes. Figures printed, never asserted (these machines are noisy).

1. Occlusion of a 224 x 224 image on AlexNet, window 32, stride 16 (13 x 13 places, 170 forward
   passes): convcore.occlusion's batched passes against a naive loop of one forward pass per place,
   measured in the same run.
2. Every saliency method on each network, against one plain forward pass of the same network.
3. The whole sanity check (every layer randomised in turn, four maps at each step), per network.
4. Two threads at once on one shared model (guided backprop and plain forward passes) against the
   same work one after the other.
5. The digit CNN's figures: how many of 200 held-out digits it gets right FGSM flips at each
   strength, the median smallest flipping strength, and the rank correlations after randomising
   every layer (Adebayo et al.'s test) over 40 digits.

    python bench/bench_trust.py
"""

from __future__ import annotations

import statistics
import sys
import threading
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from convcore.nets import alexnet, lenet, tinyvgg, trust  # noqa: E402


def _median(f, repeat: int = 5) -> float:
    f()  # warm
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def occlusion(model) -> None:
    x = alexnet.preprocess(np.random.default_rng(0).integers(0, 256, (224, 224, 3), dtype=np.uint8))[0]

    def naive():
        with torch.inference_mode():
            base = torch.softmax(model(x[None]), 1)[0, 3]
            for i in range(13):
                for j in range(13):
                    y = x.clone()
                    y[:, 16 * i : 16 * i + 32, 16 * j : 16 * j + 32] = x.mean(dim=(1, 2)).view(3, 1, 1)
                    _ = base - torch.softmax(model(y[None]), 1)[0, 3]

    print("1. Occlusion, AlexNet 224 x 224, window 32, stride 16: 170 forward passes (median of 3)")
    loop = _median(naive, 3)
    print(f"   naive loop, one pass per place     {loop:6.2f} s")
    for batch in (16, 64, 170):
        t = _median(lambda b=batch: trust.occlusion(model, x, 3, window=32, stride=16, batch=b), 3)
        print(f"   convcore.occlusion, batch {batch:3d}      {t:6.2f} s   ({loop / t:.2f}x the loop's speed)")


def saliency(models: dict) -> None:
    print("2. Saliency maps, median of 5, against one forward pass of the same network")
    for key, model in models.items():
        x = torch.rand(*model.network.input_shape, generator=torch.Generator().manual_seed(1))
        with torch.inference_mode():
            fwd = _median(lambda model=model, x=x: model(x[None]))
        cells = [f"forward {1000 * fwd:6.1f} ms"]
        for method in ("gradient", "guided", "smoothgrad", "gradcam"):
            t = _median(lambda m=method, model=model, x=x: trust.saliency(model, x, 1, method=m))
            cells.append(f"{method} {1000 * t:6.1f} ms ({t / fwd:4.1f}x)")
        print(f"   {key:9s} " + " | ".join(cells))


def sanity(models: dict) -> None:
    print("3. The sanity check: every layer randomised in turn, four maps at each step (median of 3)")
    for key, model in models.items():
        x = torch.rand(*model.network.input_shape, generator=torch.Generator().manual_seed(2))
        t = _median(lambda model=model, x=x: list(trust.sanity_check(model, x, 1)), 3)
        steps = sum(1 for row in model.network.layers if row.kind in ("conv", "dense")) + 1
        print(f"   {key:9s} {t:6.2f} s for {steps} steps")


def threads(model) -> None:
    images, _ = lenet.make_digits(64, seed=3)

    def guided():
        for im in images:
            trust.saliency(model, im, 1, method="guided")

    def plain():
        with torch.inference_mode():
            for _ in range(200):
                model(images)

    def both():
        ts = [threading.Thread(target=f) for f in (guided, plain)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()

    one_by_one = _median(lambda: (guided(), plain()), 3)
    together = _median(both, 3)
    print(
        "4. One shared digit CNN, 64 guided-backprop maps and 200 forward passes of 64 digits (median of 3)"
    )
    print(f"   one after the other {one_by_one:6.2f} s, two threads at once {together:6.2f} s "
          f"({one_by_one / together:.2f}x); tests/test_trust.py checks the answers are the same")  # fmt: skip


def figures(model) -> None:
    images, labels = lenet.make_digits(2000, seed=lenet.HELD_OUT_SEED)
    with torch.inference_mode():
        right = (model(images).argmax(1) == labels).nonzero()[:, 0][:200]
    strengths = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3]
    flipped = np.zeros(len(strengths))
    smallest = []
    grid = [i / 200 for i in range(101)]
    for i in right:
        k = int(labels[i])
        probs = trust.fgsm_sweep(model, images[i], k, strengths)
        flipped += probs.argmax(1) != k
        smallest.append(trust.smallest_flip(model, images[i], k, grid))
    print(f"5. Digit CNN figures, on the first {len(right)} held-out digits it gets right")
    print(
        "   FGSM flips: "
        + ", ".join(f"eps {e:.2f}: {int(n)}/{len(right)}" for e, n in zip(strengths, flipped))
    )
    found = [e for e in smallest if e is not None]
    print(f"   smallest flipping strength: median {statistics.median(found):.3f}, "
          f"none up to 0.5 for {len(smallest) - len(found)} of them")  # fmt: skip
    corr = {"gradient": [], "guided": [], "smoothgrad": [], "gradcam": []}
    for i in right[:40]:
        last = list(trust.sanity_check(model, images[i], int(labels[i])))[-1]
        for m in corr:
            corr[m].append(last.similarity[m])
    print("   after randomising every layer, mean rank correlation with the trained map over 40 digits: "
          + ", ".join(f"{m} {np.nanmean(v):.3f}" for m, v in corr.items()))  # fmt: skip


def main() -> int:
    torch.set_num_threads(2)
    models = {
        "digits": lenet.load_model()[0],
        "tiny_vgg": tinyvgg.load_model()[0],
        "alexnet": alexnet.untrained_alexnet(),
    }
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads; AlexNet untrained (same cost as pretrained)"
    )
    occlusion(models["alexnet"])
    saliency(models)
    sanity(models)
    threads(models["digits"])
    figures(models["digits"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Time convcore's filter application against its peers, in one run, and print ratios.

Each method applies one k x k kernel to each channel of an RGB image (a depthwise
convolution, "same" zero padding), the way the Filter Lab filters a photo:

- convcore.conv2d(x, w, groups=3, padding="same")
- scipy.ndimage.correlate, one channel at a time, mode="constant"
- scipy.signal.fftconvolve, one channel at a time, with the kernel flipped, mode="same"
- torch.nn.functional.conv2d with groups=3 (float32, torch's own thread setting)

ratio = convcore / fastest peer (medians of repeats, methods interleaved in shuffled order); <= 1.0 means convcore is at least as fast
as the best single method at that size. All four results are checked to agree first.

    python bench/bench_conv.py            # full table: 0.25, 1, 4 MP x kernels 3..15, then blurs of 31 and 73
    python bench/bench_conv.py --quick    # fewer sizes and repeats
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F
from scipy import ndimage, signal

import convcore


def _median_times(methods: dict, repeats: int) -> dict[str, float]:
    """Median time of each method, measured round-robin so that all share the machine's noise.

    The order is shuffled every round: torch's OpenMP threads keep spinning for a while after
    each call, so whichever method always ran right after torch would be slowed down.
    """
    times: dict[str, list[float]] = {name: [] for name in methods}
    for func in methods.values():
        func()  # warm-up
    order = list(methods.items())
    shuffle = random.Random(0).shuffle
    for _ in range(repeats):
        shuffle(order)
        for name, func in order:
            t0 = time.perf_counter()
            func()
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(t) for name, t in times.items()}


def _methods(x, xt, w, k32, wt) -> dict:
    """The four ways to filter each channel of ``x`` (all give the same numbers)."""
    return {
        "convcore": lambda: convcore.conv2d(x, w, groups=3, padding="same"),
        "ndimage": lambda: np.stack([ndimage.correlate(x[c], k32, mode="constant") for c in range(3)]),
        "fftconvolve": lambda: np.stack(
            [signal.fftconvolve(x[c], k32[::-1, ::-1], mode="same") for c in range(3)]
        ),
        "torch": lambda: F.conv2d(xt, wt, padding="same", groups=3)[0].numpy(),
    }


def run(megapixels: list[float], kernels: list[int], kinds: list[str], repeats: int) -> list[dict]:
    rng = np.random.default_rng(0)
    rows = []
    for mp in megapixels:
        side = int(round((mp * 1e6) ** 0.5))
        x = (rng.random((3, side, side), dtype=np.float32) * 255).astype(np.float32)
        xt = torch.from_numpy(x)[None]
        for kind in kinds:
            for k in kernels:
                if kind == "dense":
                    k2 = rng.standard_normal((k, k))
                else:  # separable: a Gaussian, like the blur filters
                    g = np.exp(-0.5 * ((np.arange(k) - (k - 1) / 2) / (k / 6)) ** 2)
                    k2 = np.outer(g, g) / g.sum() ** 2
                w = np.repeat(k2[None, None], 3, axis=0)
                k32 = k2.astype(np.float32)
                wt = torch.from_numpy(w.astype(np.float32))
                methods = _methods(x, xt, w, k32, wt)
                ref = methods["convcore"]()
                for name, func in methods.items():
                    scale = float(np.abs(ref).max())
                    np.testing.assert_allclose(func(), ref, atol=2e-4 * scale, err_msg=name)
                # small images are fast and noisy: time them more often
                times = _median_times(methods, max(repeats, round(repeats * 3 / mp)))
                peers = {n: t for n, t in times.items() if n != "convcore"}
                best = min(peers, key=peers.get)
                rows.append(
                    dict(
                        mp=mp,
                        side=side,
                        kind=kind,
                        k=k,
                        **times,
                        best=best,
                        ratio=times["convcore"] / peers[best],
                    )
                )
                r = rows[-1]
                print(
                    f"{mp:5.2f} MP ({side}x{side})  {kind:9s} {k:2d}x{k:<2d}  convcore {1e3 * r['convcore']:7.1f} ms"
                    f"  ndimage {1e3 * r['ndimage']:7.1f}  fft {1e3 * r['fftconvolve']:7.1f}"
                    f"  torch {1e3 * r['torch']:7.1f}   ratio vs {best:11s} {r['ratio']:.2f}",
                    flush=True,
                )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="0.25 and 1 MP, kernels 3, 7, 15, 3 repeats")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if args.quick:
        rows = run([0.25, 1.0], [3, 7, 15], ["dense", "separable"], 3)
    else:
        rows = run([0.25, 1.0, 4.0], [3, 5, 7, 11, 15], ["dense", "separable"], args.repeats)
    # The Filter Lab's strong blurs (sigma 5 and 12: 31 and 73 taps), where the engine takes 1-D FFT passes.
    print("\nstrong blurs (separable, 1 MP):")
    rows += run([1.0], [31, 73], ["separable"], 3 if args.quick else args.repeats)
    worst = max(rows, key=lambda r: r["ratio"])
    print(
        f"\nworst ratio convcore / fastest peer: {worst['ratio']:.2f} "
        f"({worst['mp']} MP, {worst['kind']} {worst['k']}x{worst['k']}); "
        f"target <= 1.0 at every size: {'met' if worst['ratio'] <= 1.0 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()

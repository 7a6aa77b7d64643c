"""What one upload costs to decode: peak memory of open_image, and the time to open a many-page TIFF.

Memory (issue 12: a 49 KB 16-bit 25-megapixel PNG cost 550-680 MB while decoded). Each figure is
the **peak resident memory (RSS) above the level just before the decode**, measured in a fresh
subprocess per file and method: the child imports everything, decodes a tiny image of the same
kind (so lazy imports and first-use allocations do not count), resets the kernel's high-water
mark (``/proc/self/clear_refs`` = 5), reads ``VmRSS``, decodes once and reads ``VmHWM``. RSS and not
tracemalloc: Pillow allocates its pixel buffers with C ``malloc``, which tracemalloc does not see,
and RSS is what the server's memory actually does. The peers, in the same run on the same file:

- ``pillow_load``: ``Image.open(...).load()``, the decoded image alone (the floor for any decode);
- ``np_asarray``: ``np.asarray(Image.open(...))``, the obvious one-line numpy decode.

``ratio`` = open_image / pillow_load. ``estimate`` is :func:`convcore.decode_cost` (from the header),
which the app's decode budget charges; it should be at or above the measured peak.

Time (issue 12: a 64,000-page TIFF of 1x1 pages took 17-33 s, because counting frames walks every
page and Pillow's walk is quadratic): ``open_image`` on it against plain ``Image.open`` +
``n_frames``, each once.

    python bench/bench_decode.py                # all of it (about a minute and a half)
    python bench/bench_decode.py --pages 20000  # a smaller TIFF
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import gc
import io
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

import convcore

SIDE = 5000  # 25 megapixels, the largest image open_image accepts


def _gradient(side: int) -> np.ndarray:
    """A smooth diagonal ramp 0..1 (compresses to a few tens of KB as PNG)."""
    ramp = np.linspace(0.0, 1.0, side)
    return (ramp[:, None] + ramp[None, :]) / 2


def _files(side: int) -> dict[str, Callable[[], Image.Image]]:
    """Makers of the 25 MP test images, by name (the first is the one issue 12 measured)."""
    g = _gradient(side)
    return {
        "png16": lambda: Image.fromarray((g * 65535).astype(np.uint16)),
        "png_grey": lambda: Image.fromarray((g * 255).astype(np.uint8)),
        "png_rgb": lambda: Image.fromarray((np.dstack([g, g[::-1], g.T]) * 255).astype(np.uint8)),
        "png_rgba": lambda: Image.fromarray((np.dstack([g, g[::-1], g.T, g]) * 255).astype(np.uint8)),
        "jpeg": lambda: Image.fromarray((np.dstack([g, g[::-1], g.T]) * 255).astype(np.uint8)),
    }


def _write(name: str, im: Image.Image, folder: Path) -> Path:
    path = folder / (name + (".jpg" if name == "jpeg" else ".png"))
    im.save(path, quality=90) if name == "jpeg" else im.save(path, compress_level=6)
    return path


# ------------------------------------------------------------------------------ the child process

_METHODS: dict[str, Callable[[bytes], object]] = {
    "open_image": lambda raw: convcore.open_image(raw),
    "pillow_load": lambda raw: Image.open(io.BytesIO(raw)).load(),
    "np_asarray": lambda raw: np.asarray(Image.open(io.BytesIO(raw))),
}


def _status(field: str) -> int:
    """A /proc/self/status field in bytes (VmRSS, VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def _child(method: str, path: str) -> None:
    raw = Path(path).read_bytes()
    small = io.BytesIO()
    Image.open(io.BytesIO(raw)).resize((64, 64)).save(small, Image.open(io.BytesIO(raw)).format)
    _METHODS[method](small.getvalue())  # warm-up: imports and first-use allocations
    gc.collect()
    libc = ctypes.util.find_library("c")
    if libc:
        ctypes.CDLL(libc).malloc_trim(0)
    Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
    before = _status("VmRSS")
    result = _METHODS[method](raw)
    peak = _status("VmHWM")
    del result
    print(peak - before)


def _peak(method: str, path: Path) -> int:
    out = subprocess.run(
        [sys.executable, __file__, "--child", method, str(path)], capture_output=True, text=True, check=True
    )
    return int(out.stdout.split()[-1])


# ------------------------------------------------------------------------------ the parent


def memory(side: int) -> None:
    print(f"Peak extra RSS of one decode, {side} x {side} ({side * side / 1e6:g} MP), fresh process each")
    print(f"{'file':10s} {'bytes':>8s} {'open_image':>11s} {'pillow_load':>12s} {'np_asarray':>11s} "
          f"{'ratio':>6s} {'estimate':>9s} {'est/peak':>8s}")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        for name, make in _files(side).items():
            path = _write(name, make(), Path(tmp))
            peaks = {m: _peak(m, path) for m in _METHODS}
            cost = convcore.decode_cost(path.read_bytes())
            mb = {m: p / 2**20 for m, p in peaks.items()}
            print(
                f"{name:10s} {path.stat().st_size:8d} {mb['open_image']:8.0f} MB {mb['pillow_load']:9.0f} MB "
                f"{mb['np_asarray']:8.0f} MB {peaks['open_image'] / peaks['pillow_load']:6.2f} "
                f"{cost / 2**20:6.0f} MB {cost / peaks['open_image']:8.2f}",
                flush=True,
            )


def _tiff(pages: int) -> bytes:
    """A little-endian baseline TIFF of ``pages`` grey 1x1 pages, written directly (Pillow's
    ``save_all`` takes minutes for this many pages). Each page: an IFD of 8 tags, then its pixel."""
    out = bytearray(b"II*\x00" + struct.pack("<I", 8))
    for i in range(pages):
        pixel = len(out) + 2 + 8 * 12 + 4
        entries = [(256, 3, 1), (257, 3, 1), (258, 3, 8), (259, 3, 1), (262, 3, 1)]  # 1x1, 8 bits, raw, grey
        entries += [(273, 4, pixel), (278, 3, 1), (279, 4, 1)]  # one strip of one byte
        out += struct.pack("<H", len(entries))
        for tag, kind, value in entries:
            out += struct.pack("<HHII", tag, kind, 1, value)
        out += struct.pack("<I", pixel + 2 if i + 1 < pages else 0) + bytes([i % 256, 0])
    return bytes(out)


def pages_time(pages: int) -> None:
    t0 = time.perf_counter()
    raw = _tiff(pages)
    print(
        f"\n{pages}-page TIFF of 1x1 pages: {len(raw) / 2**20:.1f} MB, made in {time.perf_counter() - t0:.1f} s"
    )
    t0 = time.perf_counter()
    loaded = convcore.open_image(raw)
    ours = time.perf_counter() - t0
    print(f"open_image:            {ours:8.3f} s   notes: {' '.join(loaded.notes)}", flush=True)
    t0 = time.perf_counter()
    with Image.open(io.BytesIO(raw)) as im:
        n = im.n_frames
    peer = time.perf_counter() - t0
    print(f"Image.open + n_frames: {peer:8.3f} s   ({n} frames)")
    print(f"ratio open_image / peer: {ours / peer:.4f}")


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        _child(sys.argv[2], sys.argv[3])
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--side", type=int, default=SIDE, help="side of the square test images")
    parser.add_argument("--pages", type=int, default=64_000, help="pages of the TIFF")
    args = parser.parse_args()
    memory(args.side)
    pages_time(args.pages)


if __name__ == "__main__":
    main()

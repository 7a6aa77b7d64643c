"""Files a student takes away: animated GIFs and CSV tables of the grids."""

from __future__ import annotations

import hashlib
import io

import numpy as np
from PIL import Image

from app.draw.text import fmt

#: The worst case (RGB, 4 filters, 16 x 16) took 16.6 s for 300 frames.
MAX_GIF_FRAMES = 200


def gif(frames: list[np.ndarray], seconds_per_frame: float) -> bytes:
    """An endlessly looping GIF of the frames ((H, W, 3) uint8, placed top-left on white)."""
    height = max(f.shape[0] for f in frames)
    width = max(f.shape[1] for f in frames)
    ims = []
    palette = None
    for f in frames:
        canvas = np.full((height, width, 3), 255, np.uint8)
        canvas[: f.shape[0], : f.shape[1]] = f
        im = Image.fromarray(canvas)
        if palette is None:  # one palette for all frames: Pillow then stores only what changed
            palette = im.quantize(colors=128)
        ims.append(im.quantize(palette=palette, dither=Image.Dither.NONE))
    buf = io.BytesIO()
    ims[0].save(buf, format="GIF", save_all=True, append_images=ims[1:],
                duration=int(seconds_per_frame * 1000), loop=0)  # fmt: skip
    return buf.getvalue()


def grids_csv(sections: dict[str, np.ndarray]) -> str:
    """Several 2-D grids in one CSV text, each under a '# name' line."""
    out = io.StringIO()
    for name, values in sections.items():
        out.write(f"# {name}\n")
        np.savetxt(out, np.atleast_2d(values), delimiter=",", fmt="%.6g")
        out.write("\n")
    return out.getvalue()


def conv_csv_sections(trace) -> dict[str, np.ndarray]:
    """A convolution trace's grids: padded input, kernels as applied, outputs."""
    sections = {}
    for c, grid in enumerate(trace.padded):
        sections[f"input with padding, channel {c + 1}"] = grid
    for o, kernel in enumerate(trace.weight):
        for c, k in enumerate(kernel):
            sections[f"kernel {o + 1}, channel {c + 1} (as applied)"] = k
    for o, out in enumerate(trace.output):
        sections[f"output channel {o + 1} (bias {fmt(trace.bias[o])} included)"] = out
    return sections


def pool_csv_sections(trace) -> dict[str, np.ndarray]:
    """A pooling trace's grids: padded input and pooled output."""
    return {"input with padding": trace.padded[0], f"{trace.mode} pooled output": trace.output[0]}


def signature(*arrays: np.ndarray) -> str:
    """A short hash of arrays' values and shapes (to know whether a made GIF is still current)."""
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes() + str(a.shape).encode())
    return h.hexdigest()[:16]

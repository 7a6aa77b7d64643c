"""One step of a convolution or a pooling as linked grids in the browser (issue 14): a Streamlit
component (v2, in the page) that draws the trace's padded input, the step's small grids (the kernel
and the products; or the pooling window) and the output as grids of numbers.

Pointing at a small grid's cell lights the input cell it reads; pointing at an output cell shows its
window; a click on one goes to its step. When the step changes (Next, the slider, playing) the
window slides and the numbers appear one by one in the browser (``app/web/conv_steps.js``); the
grids are not drawn again as pictures. The numbers are convcore's trace, sent as they are.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np
import streamlit as st

from app import components, session
from app.draw.text import fmt
from app.session import internal
from app.widgets import stepper

_HTML = '<div class="sg"></div>'
#: A padded input wider than this is drawn with small shaded cells (its numbers on pointing), so that a
#: 32 x 32 input fits beside its kernel; the kernel and the products keep their numbers.
DENSE = 16


def _jsonable(values: np.ndarray) -> list:
    """A grid as JSON: max pooling's -inf padding as null (JSON has no infinity)."""
    return [
        [v if math.isfinite(v) else None for v in line] for line in np.asarray(values, dtype=float).tolist()
    ]


def _jump(prefix: str, trace, channel: int) -> None:
    """A click on an output cell (the component's "jump" trigger): go to that cell's step."""
    value = (st.session_state.get(internal(prefix, "grids")) or {}).get("jump") or {}
    row, col = value.get("row"), value.get("col")
    out = trace.output.shape
    if isinstance(row, int) and isinstance(col, int) and 0 <= row < out[1] and 0 <= col < out[2]:
        stepper.jump_to(prefix, trace.index_of(channel, row, col))


def signature(trace, channel: int) -> str:
    """Names the trace and output channel the grids show: the same one animates between steps."""
    digest = hashlib.sha1()
    parts = (
        trace.padded,
        getattr(trace, "weight", np.zeros(0)),
        trace.output,
        np.array(trace.geometry.stride),
    )
    for part in parts:
        digest.update(np.ascontiguousarray(part).tobytes())
    return f"{digest.hexdigest()[:16]}-{channel}"


def _show(prefix: str, trace, step, channel: int, inputs: list[dict], side: list[list[dict]], sums: list[str],
          window: tuple[int, int], output_title: str, *, cell: int, duration: float, alt: str) -> None:  # fmt: skip
    i, j = step.position[1:]
    data = {
        "signature": signature(trace, channel),
        "mask": trace.padding_mask.tolist(),
        "inputs": inputs,
        "output": _jsonable(trace.output[channel]),
        "output_title": output_title,
        "stride": list(trace.geometry.stride),
        "dilation": list(trace.geometry.dilation),
        "window": list(window),
        "current": {
            "index": step.index,
            "position": [channel, i, j],
            "rows": list(step.rows),
            "cols": list(step.cols),
            "side": side,
            "sums": sums,
            "value": step.value,
        },  # fmt: skip
        "cell": cell,
        "dense": max(trace.geometry.input_size) > DENSE,
        "big": session.presenting(),
        "duration": int(1000 * duration),
        "alt": alt,
    }
    components.component("conv_steps", _HTML)(data=data, key=internal(prefix, "grids"), height="content",
                                              width="stretch", on_jump_change=lambda: _jump(prefix, trace, channel))  # fmt: skip


def _input_title(trace) -> str:
    return "Input, padded" if trace.padding_mask.any() else "Input"


def conv_grids(prefix: str, trace, step, *, cell: int, duration: float, alt: str) -> None:
    """The grids of a convolution ``step``; ``cell`` is the largest cell in pixels, ``duration`` the
    seconds the window takes to move to a new step (the time between steps while playing), ``alt``
    what they show in words (read out by a screen reader, not shown)."""
    o = step.position[0]
    several = trace.padded.shape[0] > 1
    names = [f" ({'RGB'[c]})" if several else "" for c in range(trace.padded.shape[0])]
    inputs = [
        {"title": f"{_input_title(trace)}{n}", "values": _jsonable(trace.padded[c])}
        for c, n in enumerate(names)
    ]
    side = [[{"title": f"Kernel{n}", "cls": "kernel", "values": step.kernel[c].tolist()},
             {"title": f"Products{n}", "cls": "products", "values": step.products[c].tolist(), "appear": True}]
            for c, n in enumerate(names)]  # fmt: skip
    sums = [f"Sum ({'RGB'[c]}): {fmt(s)}" if several else "" for c, s in enumerate(step.channel_sums)]
    title = f"Output channel {o + 1}" if trace.output.shape[0] > 1 else "Output"
    _show(prefix, trace, step, o, inputs, side, sums, step.kernel.shape[1:], title, cell=cell, duration=duration,
          alt=alt)  # fmt: skip


def pool_grids(prefix: str, trace, step, *, cell: int, duration: float, alt: str) -> None:
    """The grids of a pooling ``step`` (its channel's input, the window, the pooled output); as for
    :func:`conv_grids`."""
    c = step.position[0]
    inputs = [{"title": _input_title(trace), "values": _jsonable(trace.padded[c])}]
    window = {"title": "Window", "cls": "window", "values": _jsonable(step.values), "appear": True,
              "chosen": list(step.chosen) if step.chosen is not None else None}  # fmt: skip
    result = f"largest: {fmt(step.value)}" if step.chosen is not None else f"average: {fmt(step.value)}"
    _show(prefix, trace, step, c, inputs, [[window]], [result], step.values.shape, "Pooled output", cell=cell,
          duration=duration, alt=alt)  # fmt: skip

"""One convolution step as linked grids in the browser (issue 14): a Streamlit component (v2, in the
page) that draws the trace's padded input, kernel, products and output as grids of numbers.

Pointing at a product lights its input cell and kernel weight; pointing at an output cell shows its
window; a click on one goes to its step. When the step changes (Next, the slider, playing) the
window slides and the products appear one by one in the browser (``app/web/conv_steps.js``); the
grids are not drawn again as pictures. The numbers are convcore's trace, sent as they are.
"""

from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st

from app import components, explain, session
from app.session import internal
from app.widgets import stepper


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
    for part in (trace.padded, trace.weight, trace.output, np.array(trace.geometry.stride)):
        digest.update(np.ascontiguousarray(part).tobytes())
    return f"{digest.hexdigest()[:16]}-{channel}"


def conv_grids(prefix: str, trace, step, *, cell: int, duration: float, alt: str) -> None:
    """The grids of ``step``; ``cell`` is the largest cell in pixels, ``duration`` the seconds the
    window takes to move to a new step (the time between steps while playing), ``alt`` what they
    show in words (read out by a screen reader, not shown)."""
    o, i, j = step.position
    title = f"Output channel {o + 1}" if trace.output.shape[0] > 1 else "Output"
    data = {
        "signature": signature(trace, o),
        "padded": trace.padded.astype(float).tolist(),
        "mask": trace.padding_mask.tolist(),
        "kernel": step.kernel.tolist(),
        "output": trace.output[o].astype(float).tolist(),
        "stride": list(trace.geometry.stride),
        "dilation": list(trace.geometry.dilation),
        "input_title": "Input, padded" if trace.padding_mask.any() else "Input",
        "output_title": title,
        "current": {
            "index": step.index,
            "position": [o, i, j],
            "rows": list(step.rows),
            "cols": list(step.cols),
            "products": step.products.tolist(),
            "channel_sums": step.channel_sums.tolist(),
            "value": step.value,
            "equation": explain.step_equation(step),
        },
        "cell": cell,
        "big": session.presenting(),
        "duration": int(1000 * duration),
        "alt": alt,
    }
    key = internal(prefix, "grids")
    components.component("conv_steps", '<div class="sg"></div>')(data=data, key=key, on_jump_change=lambda: _jump(prefix, trace, o), height="content",
             width="stretch")  # fmt: skip

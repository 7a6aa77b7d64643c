"""One step of a convolution or pooling trace as pictures: the grids, and a frame for exports."""

from __future__ import annotations

import numpy as np

from app import explain
from app.draw.grid import grid, picture
from app.draw.mosaic import side_by_side, stack
from app.draw.text import caption_strip


def _input_title(trace) -> str:
    """ "Input, padded" only when there is padding to see."""
    return "Input, padded" if trace.padding_mask.any() else "Input"


def _hidden(output: np.ndarray, i: int, j: int) -> np.ndarray:
    """Cells of a (rows, cols) output written after (i, j): not computed yet at this step."""
    return np.arange(output.size).reshape(output.shape) > i * output.shape[1] + j


def conv_step_images(trace, step, *, tint: str, cell: int = 44) -> dict:
    """Pictures of one convolution step: per input channel the padded input (window outlined), the
    kernel and the products; the output channel filled up to this step; the same after ReLU.

    Returns a dict with "inputs", "kernels", "products" (lists, one per input channel), "output",
    "relu" (pictures) and "layout" (the output's :class:`GridLayout`, for clicks).
    """
    o, i, j = step.position
    window = {(r, c) for r in step.rows for c in step.cols}
    names = ["R", "G", "B"] if trace.padded.shape[0] == 3 else [""]
    pscale = float(np.abs(step.products).max()) or 1.0
    shown = _input_title(trace)
    inputs, kernels, products = [], [], []
    for c, name in enumerate(names):
        suffix = f" ({name})" if name else ""
        inputs.append(picture(trace.padded[c], title=f"{shown}{suffix}", cell=cell, tint=tint,
                              window=window, padding=trace.padding_mask))  # fmt: skip
        kernels.append(picture(step.kernel[c], title=f"Kernel{suffix}", cell=cell))
        products.append(picture(step.products[c], title=f"Products{suffix}", cell=cell, scale=pscale))
    hidden = _hidden(trace.output[o], i, j)
    title = f"Output channel {o + 1}" if trace.output.shape[0] > 1 else "Output"
    output, layout = grid(trace.output[o], title=title, cell=cell, hidden=hidden, window={(i, j)})
    relu = picture(
        np.maximum(trace.output[o], 0), title="After ReLU", cell=cell, hidden=hidden, window={(i, j)}
    )
    return {"inputs": inputs, "kernels": kernels, "products": products, "output": output, "relu": relu,
            "layout": layout}  # fmt: skip


def pool_step_images(trace, step, *, tint: str, cell: int = 44) -> dict:
    """Pictures of one pooling step: the padded input (window, maximum), the window, the output so far.

    Returns a dict with "input", "window", "output" (pictures) and "layout" (the output's).
    """
    c, i, j = step.position
    window = {(r, q) for r in step.rows for q in step.cols}
    chosen = set() if step.chosen is None else {(step.rows[step.chosen[0]], step.cols[step.chosen[1]])}
    inp = picture(trace.padded[c], title=_input_title(trace), cell=cell, tint=tint, window=window - chosen,
                  chosen=chosen, padding=trace.padding_mask)  # fmt: skip
    local = {step.chosen} if step.chosen is not None else set()
    win = picture(step.values, title="Window", cell=cell, tint=tint, chosen=local)
    out, layout = grid(trace.output[c], title="Pooled output", cell=cell, tint=tint,
                       hidden=_hidden(trace.output[c], i, j), window={(i, j)})  # fmt: skip
    return {"input": inp, "window": win, "output": out, "layout": layout}


def _with_equation(body: np.ndarray, text: str, cell: int) -> np.ndarray:
    return stack([body, caption_strip(text, body.shape[1], size=max(12, cell // 2))])


def conv_frame(trace, step, *, tint: str, cell: int = 30) -> np.ndarray:
    """One picture of a convolution step (for the PNG and the GIF): grids and the equation."""
    pics = conv_step_images(trace, step, tint=tint, cell=cell)
    rows = [side_by_side(list(abc)) for abc in zip(pics["inputs"], pics["kernels"], pics["products"])]
    body = side_by_side([stack(rows), stack([pics["output"], pics["relu"]])], gap=30)
    return _with_equation(body, explain.step_equation(step), cell)


def pool_frame(trace, step, *, tint: str, cell: int = 30) -> np.ndarray:
    """One picture of a pooling step (for the PNG and the GIF)."""
    pics = pool_step_images(trace, step, tint=tint, cell=cell)
    body = side_by_side([pics["input"], pics["window"], pics["output"]], gap=30)
    return _with_equation(body, explain.pool_equation(step), cell)

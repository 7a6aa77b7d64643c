"""One step of a convolution or pooling trace as pictures: the grids, and a frame for exports."""

from __future__ import annotations

import numpy as np

from app import explain
from app.draw.grid import grid, picture
from app.draw.mosaic import side_by_side, stack
from app.draw.text import caption_strip, fmt


def _input_title(trace) -> str:
    """ "Input, padded" only when there is padding to see."""
    return "Input, padded" if trace.padding_mask.any() else "Input"


def _numbers(values: np.ndarray) -> str:
    """A small grid's numbers row by row, for a screen reader; only the size for a large one."""
    rows, cols = values.shape
    if values.size > 25:
        return f"{rows} x {cols} numbers"
    lines = "; ".join(", ".join(fmt(float(v)) for v in row) for row in values)
    return f"{rows} x {cols}, row by row: {lines}"


def _window_alt(title: str, trace, step) -> str:
    rows, cols = trace.padded.shape[1:]
    padded = ", the padding around it hatched" if trace.padding_mask.any() else ""
    return (f"{title}: {rows} x {cols} numbers{padded}; the window, {len(step.rows)} x {len(step.cols)}, "
            f"is outlined at {explain.window_place(step)}")  # fmt: skip


def _output_alt(title: str, output: np.ndarray, i: int, j: int) -> str:
    """Short: how far the output is filled."""
    rows, cols = output.shape
    return f"{title}: {rows} x {cols}, filled up to row {i + 1}, column {j + 1}."


def _hidden(output: np.ndarray, i: int, j: int) -> np.ndarray:
    """Cells of a (rows, cols) output written after (i, j): not computed yet at this step."""
    return np.arange(output.size).reshape(output.shape) > i * output.shape[1] + j


def conv_step_alts(trace, step) -> dict:
    """What each grid of a convolution step shows, in words (for a screen reader): "inputs",
    "kernels", "products" (lists, one per input channel), "output" and "relu"."""
    o, i, j = step.position
    names = ["R", "G", "B"] if trace.padded.shape[0] == 3 else [""]
    shown = _input_title(trace)
    alt = {"inputs": [], "kernels": [], "products": []}
    for c, name in enumerate(names):
        suffix = f" ({name})" if name else ""
        alt["inputs"].append(_window_alt(f"{shown}{suffix}", trace, step))
        alt["kernels"].append(f"Kernel{suffix}: {_numbers(step.kernel[c])}")
        alt["products"].append(f"Products{suffix}, input times kernel: {_numbers(step.products[c])}")
    title = _output_title(trace, o)
    alt["output"] = _output_alt(title, trace.output[o], i, j)
    alt["relu"] = _output_alt(f"{title} after ReLU (negative numbers set to 0)", trace.output[o], i, j)
    return alt


def _output_title(trace, o: int) -> str:
    return f"Output channel {o + 1}" if trace.output.shape[0] > 1 else "Output"


def relu_picture(trace, step, *, cell: int = 44, title_size: int = 17, numbers: bool = True) -> np.ndarray:
    """The step's output channel after ReLU, filled up to this step. Without ``numbers`` (an output
    too wide for its numbers to be read on a page) its cells are shaded only, at most 420 pixels wide."""
    o, i, j = step.position
    out = trace.output[o]
    if not numbers:
        cell = max(6, min(cell, 420 // out.shape[1]))
    return picture(np.maximum(out, 0), title="After ReLU", cell=cell, title_size=title_size,
                   hidden=_hidden(out, i, j), window={(i, j)}, numbers=numbers)  # fmt: skip


def conv_step_images(trace, step, *, tint: str, cell: int = 44, title_size: int = 17) -> dict:
    """Pictures of one convolution step (the exported PNG and GIF): per input channel the padded input
    (window outlined), the kernel and the products; the output channel filled up to this step; the
    same after ReLU.

    Returns a dict with "inputs", "kernels", "products" (lists, one per input channel), "output",
    "relu" (pictures) and "alt" (:func:`conv_step_alts`). ``cell`` and ``title_size`` are in pixels.
    """
    size = {"cell": cell, "title_size": title_size}
    o, i, j = step.position
    window = {(r, c) for r in step.rows for c in step.cols}
    names = ["R", "G", "B"] if trace.padded.shape[0] == 3 else [""]
    pscale = float(np.abs(step.products).max()) or 1.0
    shown = _input_title(trace)
    inputs, kernels, products = [], [], []
    for c, name in enumerate(names):
        suffix = f" ({name})" if name else ""
        inputs.append(picture(trace.padded[c], title=f"{shown}{suffix}", **size, tint=tint,
                              window=window, padding=trace.padding_mask))  # fmt: skip
        kernels.append(picture(step.kernel[c], title=f"Kernel{suffix}", **size))
        products.append(picture(step.products[c], title=f"Products{suffix}", **size, scale=pscale))
    output, _ = grid(trace.output[o], title=_output_title(trace, o), **size, hidden=_hidden(trace.output[o], i, j),
                     window={(i, j)})  # fmt: skip
    return {"inputs": inputs, "kernels": kernels, "products": products, "output": output,
            "relu": relu_picture(trace, step, **size), "alt": conv_step_alts(trace, step)}  # fmt: skip


def pool_step_alts(trace, step) -> dict:
    """What each grid of a pooling step shows, in words: "input", "window", "output"."""
    c, i, j = step.position
    kept = "" if step.chosen is None else f"; the largest, {fmt(step.value)}, is marked (blue, a corner mark)"
    return {"input": _window_alt(_input_title(trace), trace, step),
            "window": f"Window: {_numbers(step.values)}{kept}",
            "output": _output_alt("Pooled output", trace.output[c], i, j)}  # fmt: skip


def pool_step_images(trace, step, *, tint: str, cell: int = 44, title_size: int = 17) -> dict:
    """Pictures of one pooling step (the exported PNG and GIF): the padded input (window, maximum),
    the window, the output so far; and "alt" (:func:`pool_step_alts`)."""
    size = {"cell": cell, "title_size": title_size}
    c, i, j = step.position
    window = {(r, q) for r in step.rows for q in step.cols}
    chosen = set() if step.chosen is None else {(step.rows[step.chosen[0]], step.cols[step.chosen[1]])}
    inp = picture(trace.padded[c], title=_input_title(trace), **size, tint=tint, window=window - chosen,
                  chosen=chosen, padding=trace.padding_mask)  # fmt: skip
    local = {step.chosen} if step.chosen is not None else set()
    win = picture(step.values, title="Window", **size, tint=tint, chosen=local)
    out, _ = grid(trace.output[c], title="Pooled output", **size, tint=tint, hidden=_hidden(trace.output[c], i, j),
                  window={(i, j)})  # fmt: skip
    return {"input": inp, "window": win, "output": out, "alt": pool_step_alts(trace, step)}


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


#: The most numbers of a 1-D signal drawn at once: a longer one is shown around the kernel's window,
#: so that its numbers stay readable on a narrow screen (the chart under it shows the whole signal).
SPAN_1D = 15


def _view(length: int, lo: int, hi: int, span: int) -> tuple[int, int]:
    """The cells [start, stop) of at most ``span`` that hold ``lo``..``hi``, centred on them."""
    if length <= span:
        return 0, length
    start = min(max(0, (lo + hi) // 2 - span // 2), length - span)
    return start, start + span


def _part(start: int, stop: int, length: int) -> str:
    return "" if (start, stop) == (0, length) else f", numbers {start + 1}-{stop} of {length}"


def conv1d_step_images(trace, step, *, cell: int = 36, title_size: int = 17, span: int = SPAN_1D) -> dict:
    """Pictures of one step of a 1-D convolution (a one-row trace): the signal (window outlined), the
    kernel, the products and the output so far; a signal or output longer than ``span`` is drawn
    around the current window (its title says which numbers).

    Returns a dict with "signal", "kernel", "products", "output" (pictures) and "alt" (the same keys).
    """
    size = {"cell": cell, "title_size": title_size}
    signal, out, j = trace.padded[0], trace.output[0], step.position[2]
    a, b = _view(signal.shape[1], step.cols[0], step.cols[-1], span)
    shown = ("Signal, padded" if trace.padding_mask.any() else "Signal") + _part(a, b, signal.shape[1])
    oa, ob = _view(out.shape[1], j, j, span)
    hidden = (np.arange(out.shape[1])[None] > j)[:, oa:ob]
    output_title = "Output" + _part(oa, ob, out.shape[1])
    pics = {
        "signal": picture(signal[:, a:b], title=shown, **size, window={(0, c - a) for c in step.cols},
                          padding=trace.padding_mask[:, a:b]),
        "kernel": picture(step.kernel[0], title="Kernel", **size),
        "products": picture(step.products[0], title="Products", **size),
        "output": picture(out[:, oa:ob], title=output_title, **size, hidden=hidden, window={(0, j - oa)}),
    }  # fmt: skip
    cols = explain.window_place(step).split(", ", 1)[1].replace("columns", "numbers")
    pics["alt"] = {
        "signal": f"{shown}: {b - a} numbers in a row; the kernel's window is outlined at {cols}",
        "kernel": f"Kernel: {', '.join(fmt(float(v)) for v in step.kernel[0].ravel())}",
        "products": f"Products, signal times kernel: {', '.join(fmt(float(v)) for v in step.products[0].ravel())}",
        "output": f"{output_title}: filled up to number {j + 1} (outlined)",
    }
    return pics

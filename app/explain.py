"""Explanations with the live numbers: formulas, equations and parameter counts, written out.

Everything here is text made from convcore's own values (a geometry, a step, a parameter count),
so what the page says is what was computed.
"""

from __future__ import annotations

import numpy as np

import convcore
from app.draw.text import fmt


def size_formula(axis: str, n: int, k: int, s: int, before: int, after: int, d: int) -> str:
    """LaTeX for one axis: the formula, the same with the numbers, and the result, one per line.

    ``axis`` is "H" (rows) or "W" (columns). A result <= 0 is written as "no output".
    """
    sym = {"H": ("H", "H'"), "W": ("W", "W'")}[axis]
    if before == after:
        pad_sym, pad_num = "2p", rf"2\cdot{before}"
    else:
        pad_sym, pad_num = r"p_{\mathrm{before}} + p_{\mathrm{after}}", f"{before} + {after}"
    numer = n + before + after - d * (k - 1) - 1
    general = rf"{sym[1]} &= \left\lfloor \frac{{{sym[0]} + {pad_sym} - d\,(k-1) - 1}}{{s}} \right\rfloor + 1"
    numbers = rf"&= \left\lfloor \frac{{{n} + {pad_num} - {d}\cdot({k}-1) - 1}}{{{s}}} \right\rfloor + 1"
    if numer < 0:
        result = rf"&= \left\lfloor \frac{{{numer}}}{{{s}}} \right\rfloor + 1 \le 0 \;\Rightarrow\; \text{{no output}}"
    else:
        result = rf"&= \mathbf{{{numer // s + 1}}}"
    # three lines (formula, numbers, result) so it fits a laptop-width column; KaTeX draws an
    # "aligned" block 2 pixels wider than its box, which a thin space after it takes up (no scroll bar)
    return rf"\begin{{aligned}} {general} \\ {numbers} \\ {result} \end{{aligned}} \;"


def size_formulas(
    input_size: tuple[int, int], kernel_size: tuple[int, int], params: convcore.ConvParams
) -> tuple[str, str]:
    """The height and width formulas of a convolution or pooling with these settings.

    Written also for settings without an output (each axis then says "no output"): the padding
    comes from :meth:`convcore.ConvParams.pads`, the one place that resolves "same" and "valid".
    """
    before, after = params.pads(kernel_size)
    return tuple(
        size_formula(
            axis,
            int(input_size[a]),
            int(kernel_size[a]),
            params.strides[a],
            before[a],
            after[a],
            params.dilations[a],
        )  # fmt: skip
        for a, axis in enumerate(("H", "W"))
    )


def length_formula(geometry: convcore.ConvGeometry) -> str:
    """A 1-D convolution's output length, written out with its numbers (plain text)."""
    g = geometry
    n, k, s, p, d = g.input_size[1], g.kernel_size[1], g.stride[1], g.pad_before[1], g.dilation[1]
    dil = f"{d}·({k} - 1) - 1" if d > 1 else f"{k}"
    return f"Length: floor(({n} + 2·{p} - {dil}) / {s}) + 1 = {g.output_size[1]}"


def _weights(kernel_size: tuple[int, int], in_channels: int = 1) -> int:
    layer = convcore.Layer("conv", tuple(kernel_size), channels=1)
    return convcore.parameter_count(layer, in_channels, bias=False)


def filter_parameters(filt: convcore.Filter, colour: str) -> str:
    """How many numbers the filter has, as a sentence (the weights a CNN would learn)."""
    kh, kw = filt.size
    if filt.magnitude_of:
        return f"two {kh} x {kw} kernels = {2 * _weights(filt.size):,} weights, combined as sqrt(a^2 + b^2)"
    if filt.is_colour:
        return (
            f"{kh} x {kw} x 3 = {_weights(filt.size, 3):,} weights (one {kh} x {kw} slice per colour channel)"
        )
    if colour == "rgb":
        return f"{kh} x {kw} = {_weights(filt.size):,} weights, used on each colour channel separately"
    return f"{kh} x {kw} = {_weights(filt.size):,} weights"


def layer_parameters(weight_shape: tuple[int, int, int, int]) -> str:
    """'8 x 3 x 3 x 3 = 216 weights + 8 biases = 224 parameters' for a (O, C, kh, kw) bank (thousands
    separated: '256 x 3 x 5 x 5 = 19,200 weights + 256 biases = 19,456 parameters')."""
    o, c, kh, kw = weight_shape
    layer = convcore.Layer("conv", (kh, kw), channels=o)
    n = convcore.parameter_count(layer, c, bias=False)
    total = convcore.parameter_count(layer, c)
    return f"{o:,} x {c:,} x {kh} x {kw} = {n:,} weights + {o:,} bias{'es' if o > 1 else ''} = {total:,} parameters"


def _paren(value: float) -> str:
    return f"({fmt(value)})" if value < 0 else fmt(value)


def added_up(terms: list[float]) -> list[str]:
    """``terms`` written with one number of decimals for all, so that what is shown adds up: the
    terms, then the sum of all but the last, then the sum of all (the last is a bias). The fewest
    decimals (at least 3 significant digits of the largest term) for which the shown first terms add
    up to the shown sum and the shown sum plus the shown last term to the shown total.

    >>> added_up([-101.6, 116.4, -41.9, 0.0])
    ['-101.6', '116.4', '-41.9', '0.0', '-27.1', '-27.1']
    >>> added_up([2.0, 3.0, 4.0, 1.0])
    ['2', '3', '4', '1', '9', '10']
    """
    from decimal import ROUND_HALF_EVEN, Decimal

    values = [Decimal(repr(float(t))) for t in terms]
    sums = (sum(values[:-1], Decimal(0)), sum(values, Decimal(0)))
    top = max(abs(float(v)) for v in [*values, *sums]) or 1.0
    sizes = [x for x in (top, abs(float(sums[0])), abs(float(sums[1]))) if x > 1e-9]  # 3 digits of each
    start = min(6, max(0, *(2 - int(np.floor(np.log10(x))) for x in sizes)))
    if all(v == v.to_integral_value() for v in values):  # whole numbers are written whole
        start = 0
    for places in range(start, 13):
        q = Decimal(1).scaleb(-places)
        shown = [v.quantize(q, rounding=ROUND_HALF_EVEN) for v in values]
        totals = [s.quantize(q, rounding=ROUND_HALF_EVEN) for s in sums]
        if sum(shown[:-1]) == totals[0] and totals[0] + shown[-1] == totals[1]:
            return [_plain(v) for v in [*shown, *totals]]
    return [fmt(float(v)) for v in [*values, *sums]]


def _plain(value) -> str:
    """A Decimal as written, without the sign of a negative zero."""
    text = f"{value:f}"
    return text[1:] if text.startswith("-") and value == 0 else text


def _paren_text(text: str) -> str:
    return f"({text})" if text.startswith("-") else text


def step_equation(step: convcore.ConvStep) -> str:
    """The sum written out (all terms for up to 9 products), plus bias, equals the output."""
    terms = step.products.size
    o, i, j = step.position
    where = f"output row {i + 1}, column {j + 1}" + (f", output channel {o + 1}" if o else "")
    if step.products.shape[0] == 3:
        shown = added_up([*step.channel_sums, step.bias])
        parts = " + ".join(_paren_text(t) for t in shown[:3])
        return (f"R + G + B = {parts} = {shown[4]}; + bias {_paren_text(shown[3])} = {shown[5]} "
                f"({where})")  # fmt: skip
    elif terms <= 9:
        pairs = [f"{_paren(a)}×{_paren(b)}" for a, b in zip(step.inputs.ravel(), step.kernel.ravel())]
        line = " + ".join(pairs) + f" = {fmt(step.total)}"
    else:
        line = f"sum of the {terms} products = {fmt(step.total)}"
    return f"{line}; + bias {fmt(step.bias)} = {fmt(step.value)} ({where})"


def conv1d_equation(step: convcore.ConvStep) -> str:
    """One output of a 1-D convolution: every product and the sum."""
    terms = " + ".join(f"{_paren(a)}×{_paren(b)}" for a, b in zip(step.inputs.ravel(), step.kernel.ravel()))
    return f"{terms} = {fmt(step.value)} (output {step.position[2] + 1})"


def pool_equation(step: convcore.PoolStep) -> str:
    """max(...) or (... + ...) / n = the pooled number, with where it goes."""
    i, j = step.position[1:]
    where = f"(output row {i + 1}, column {j + 1})"
    values = [fmt(float(v)) for v in step.values.ravel()]
    if step.chosen is not None:
        return f"max({', '.join(values)}) = {fmt(step.value)} {where}"
    return f"({' + '.join(values)}) / {step.values.size} = {fmt(step.value)} {where}"


def transpose_sentence(x: np.ndarray, kernel: np.ndarray, position: tuple[int, int], stride: int) -> str:
    """What one input number of a transposed convolution adds to the output, and where."""
    i, j = position
    v = fmt(x[i, j])
    return (
        f"Input ({i + 1}, {j + 1}) = {v} adds {v} x kernel at rows {i * stride + 1}-{i * stride + kernel.shape[0]}, "
        f"columns {j * stride + 1}-{j * stride + kernel.shape[1]}."
    )


def _places(indices: tuple[int, ...]) -> str:
    """Rows or columns counted from 1: "2-4", or "1, 3 and 5" when the kernel's taps have gaps."""
    ones = [i + 1 for i in indices]
    if len(ones) == 1:
        return str(ones[0])
    if ones == list(range(ones[0], ones[-1] + 1)):
        return f"{ones[0]}-{ones[-1]}"
    return ", ".join(map(str, ones[:-1])) + f" and {ones[-1]}"


def window_place(step: convcore.ConvStep | convcore.PoolStep) -> str:
    """Where a step's window lies on the input as drawn (padding included): 'rows 2-4, columns 1-3'."""
    return f"rows {_places(step.rows)}, columns {_places(step.cols)}"


def step_hint(step: convcore.ConvStep) -> str:
    """A hint for working out one convolution output by hand: where, what to multiply, what to add."""
    channels, n = step.products.shape[0], step.products[0].size
    first = f"{_paren(step.inputs.flat[0])}×{_paren(step.kernel.flat[0])} = {fmt(step.products.flat[0])}"
    text = (
        f"Lay the kernel on the input (as drawn) at {window_place(step)}. Multiply each of the {n} numbers "
        f"there by the kernel number on top of it (the first: {first}) and add the {n} products"
    )
    if channels > 1:
        text += f"; do the same on each of the {channels} colour channels and add their sums"
    return text + f"; then add the bias, {fmt(step.bias)}."


def pool_hint(step: convcore.PoolStep) -> str:
    """A hint for working out one pooled number by hand."""
    n = step.values.size
    where = f"the {n} numbers of the input (as drawn) at {window_place(step)}"
    if step.chosen is not None:
        return f"Look at {where}: max pooling keeps the largest of them."
    return f"Add {where} and divide the sum by {n} (padding, if any, counts as 0)."


def size_what_if(n: int, k: int, s: int, before: int, after: int, d: int) -> tuple[str, str]:
    """A hint and a worked solution for one axis' output length with stride ``s`` (plain text, LaTeX)."""
    top = n + before + after - d * (k - 1) - 1
    hint = (
        f"Only s changes in the formula: the top of the fraction stays {n} + {before + after} - "
        f"{d}·({k} - 1) - 1 = {top}. Divide it by the new stride, {s}, round down and add 1."
    )
    return hint, size_formula("H", n, k, s, before, after, d)

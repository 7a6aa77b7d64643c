"""Explanations with the live numbers: the output-size formula, written out."""

from __future__ import annotations

import convcore


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
    # three lines (formula, numbers, result) so it fits a laptop-width column
    return rf"\begin{{aligned}} {general} \\ {numbers} \\ {result} \end{{aligned}}"


def size_formulas(
    input_size: tuple[int, int],
    kernel_size: tuple[int, int],
    *,
    stride: int,
    padding: int | str,
    dilation: int,
) -> tuple[str, str]:
    """The height and width formulas for a convolution (padding "same"/"valid" resolved)."""
    k = kernel_size
    if padding == "same":
        totals = [dilation * (kk - 1) for kk in k]
        before = [t // 2 for t in totals]
        after = [t - b for t, b in zip(totals, before)]
    elif padding == "valid":
        before = after = [0, 0]
    else:
        before = after = [int(padding)] * 2
    return tuple(
        size_formula(axis, n, kk, stride, b, a, dilation)
        for axis, n, kk, b, a in zip(("H", "W"), input_size, k, before, after)
    )


def parameter_count(filt: convcore.Filter, colour: str) -> str:
    """How many numbers the filter has, as a sentence (the weights a CNN would learn)."""
    kh, kw = filt.size
    if filt.magnitude_of:
        return f"two {kh} x {kw} kernels = {2 * kh * kw} weights, combined as sqrt(a^2 + b^2)"
    if filt.is_colour:
        return f"{kh} x {kw} x 3 = {kh * kw * 3} weights (one {kh} x {kw} slice per colour channel)"
    if colour == "rgb":
        return f"{kh} x {kw} = {kh * kw} weights, used on each colour channel separately"
    return f"{kh} x {kw} = {kh * kw} weights"

"""Local connectivity drawn: one row of units and their links to the layer below, fully connected
beside convolutional (parameter sharing shown by colour: the same weight, the same colour)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw

from app.draw import text

#: Colours of a kernel's weights w1, w2, ... (Okabe and Ito's palette: told apart with the common
#: colour-vision deficiencies; each link is also labelled on the highlighted unit).
WEIGHT_COLOURS = ("#E69F00", "#0072B2", "#009E73", "#D55E00", "#CC79A7")
_GREY, _FAINT, _INK, _HIGHLIGHT = "#3c3c3c", "#c8c8c8", "#141414", "#fff2b3"
_SUPER = 2  # drawn at twice the size, then shrunk: smooth lines
_PANEL_W, _GAP, _HEIGHT = 470, 30, 380
_OUT_Y, _IN_Y, _R = 96, 250, 19


def _check(inputs: int, kernel: int) -> None:
    if not isinstance(kernel, int) or not 1 <= kernel <= len(WEIGHT_COLOURS):
        raise ValueError(f"kernel must be an int from 1 to {len(WEIGHT_COLOURS)}, got {kernel!r}")
    if not isinstance(inputs, int) or not kernel + 1 <= inputs <= 12:
        raise ValueError(f"inputs must be an int from kernel + 1 ({kernel + 1}) to 12, got {inputs!r}")


def _lines(inputs: int, kernel: int) -> tuple[list[str], list[str]]:
    """The two sentences under each panel."""
    units = inputs - kernel + 1
    dense = [f"Each unit: {inputs} links, {inputs} weights of its own.",
             f"{units} units x {inputs} inputs = {units * inputs} weights."]  # fmt: skip
    conv = [f"Each unit: {kernel} links, to the {kernel} inputs below it.",
            f"The same {kernel} weights for every unit: {kernel} in all."]  # fmt: skip
    return dense, conv


def alt_text(inputs: int = 7, kernel: int = 3) -> str:
    """What :func:`picture` shows, in words (its text alternative)."""
    _check(inputs, kernel)
    units, middle = inputs - kernel + 1, (inputs - kernel + 1) // 2 + 1
    return (
        f"Two diagrams of a row of {inputs} input units and {units} units above them. Fully connected: "
        f"unit y{middle} is linked to all {inputs} inputs, every link its own weight, {units * inputs} weights "
        f"in the layer. Convolutional with a kernel of {kernel}: each unit is linked only to the {kernel} "
        f"inputs below it, by the same {kernel} weights w1 to w{kernel} drawn in the same {kernel} colours for "
        f"every unit, {kernel} weights in the layer."
    )


@lru_cache(maxsize=8)  # the same picture on every run of the layers page: drawn once (read-only)
def picture(inputs: int = 7, kernel: int = 3) -> np.ndarray:
    """One row of ``inputs`` units and the ``inputs - kernel + 1`` units above them, twice: fully
    connected (left) and convolutional with a kernel of ``kernel`` (right); the middle unit's links
    are drawn thick.

    Returns
    -------
    ndarray of shape (380, 970, 3), uint8

    Raises
    ------
    ValueError
        ``kernel`` outside 1..5 or ``inputs`` outside ``kernel + 1``..12.
    """
    _check(inputs, kernel)
    s = _SUPER
    img = Image.new("RGB", ((2 * _PANEL_W + _GAP) * s, _HEIGHT * s), "white")
    draw = ImageDraw.Draw(img)
    dense_lines, conv_lines = _lines(inputs, kernel)
    _panel(draw, 0, inputs, kernel, dense=True, title="Fully connected", lines=dense_lines)
    _panel(draw, _PANEL_W + _GAP, inputs, kernel, dense=False, title=f"Convolutional, kernel {kernel}",
           lines=conv_lines)  # fmt: skip
    shown = np.array(img.resize((2 * _PANEL_W + _GAP, _HEIGHT), Image.Resampling.LANCZOS))
    shown.flags.writeable = False  # shared by every session
    return shown


def _panel(draw, left: int, inputs: int, kernel: int, *, dense: bool, title: str, lines: list[str]) -> None:
    s, margin = _SUPER, 42
    xs = [left + margin + i * (_PANEL_W - 2 * margin) / (inputs - 1) for i in range(inputs)]
    units = inputs - kernel + 1
    centres = [sum(xs[j : j + kernel]) / kernel for j in range(units)]
    middle = units // 2
    draw.text((left * s + 8 * s, 12 * s), title, fill=_INK, font=text.font(25 * s, bold=True))
    for j, cx in enumerate(centres):  # the links first, the units over them
        sources = range(inputs) if dense else range(j, j + kernel)
        for t, i in enumerate(sources):
            if dense:
                colour, width = (_INK, 3) if j == middle else (_FAINT, 1)
            else:
                colour, width = WEIGHT_COLOURS[t], 5 if j == middle else 2
            draw.line(
                [(cx * s, (_OUT_Y + _R) * s), (xs[i] * s, (_IN_Y - _R) * s)], fill=colour, width=width * s
            )
    if not dense:
        for t in range(kernel):  # name the highlighted unit's weights, on their own links
            x0, x1 = centres[middle], xs[middle + t]
            _tag(draw, x0 + 0.72 * (x1 - x0), _OUT_Y + _R + 0.72 * (_IN_Y - _OUT_Y - 2 * _R), f"w{t + 1}",
                 WEIGHT_COLOURS[t])  # fmt: skip
    for j, cx in enumerate(centres):
        _unit(draw, cx, _OUT_Y, f"y{j + 1}", highlight=j == middle)
    for i, x in enumerate(xs):
        _unit(draw, x, _IN_Y, f"x{i + 1}", highlight=False)
    for n, line in enumerate(lines):
        draw.text(((left + 8) * s, (_IN_Y + _R + 26 + 30 * n) * s), line, fill=_INK, font=text.font(19 * s))


def _unit(draw, x: float, y: float, label: str, *, highlight: bool) -> None:
    s = _SUPER
    box = [(x - _R) * s, (y - _R) * s, (x + _R) * s, (y + _R) * s]
    draw.ellipse(
        box, fill=_HIGHLIGHT if highlight else "white", outline=_GREY, width=(3 if highlight else 2) * s
    )
    draw.text((x * s, y * s), label, fill=_INK, font=text.font(16 * s), anchor="mm")


def _tag(draw, x: float, y: float, label: str, colour: str) -> None:
    """A weight's name on a white patch with the weight's colour as its border."""
    s, f = _SUPER, text.font(17 * _SUPER, bold=True)
    left, top, right, bottom = draw.textbbox((x * s, y * s), label, font=f, anchor="mm")
    pad = 4 * s
    draw.rounded_rectangle([left - pad, top - pad, right + pad, bottom + pad], radius=5 * s, fill="white",
                           outline=colour, width=2 * s)  # fmt: skip
    draw.text((x * s, y * s), label, fill=_INK, font=f, anchor="mm")

"""The Filter Lab's "Two filters in a row" (lesson step 8): filter A, then filter B on A's map, beside
the one combined kernel and its map; equal without a ReLU between them, different with one."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import streamlit as st
from PIL import Image

import convcore
from app import session
from app.caches import CurrentImage
from app.draw import colour, encode, grid, mosaic
from app.draw.text import fmt
from app.memo import memo
from app.session import LINK
from app.widgets import kernels

P = "two"
#: 3 x 3 greyscale linear filters: two of them make one 5 x 5 kernel, small enough to read.
CHOICES = [
    k
    for k, s in convcore.FILTERS.items()
    if s.build().size == (3, 3) and not s.build().magnitude_of and not s.build().is_colour
]
#: The defaults make the point: an edge filter has negative numbers for the ReLU to remove.
FIRST, SECOND = "sobel_x", "box_blur"
#: The image is shrunk to this many pixels on its longer side: a 3 x 3 filter's edges then show
#: at the size the pictures are drawn (and three maps of a full-size photo are not needed).
SIDE = 160
#: The pictures' height on screen (normal, presenter): two rows fit the first screen at 1024 x 768.
_HEIGHT = {False: 168, True: 180}
#: ... and their largest width: the narrowest column, 175-177 pixels at 1024 x 768 (normal and
#: presenter mode, measured in Chromium). A landscape photo is shown 170 wide and less high.
_MAX_WIDTH = 170


@memo(mb=8)
def _small_grey(image_key: str, _pixels: np.ndarray) -> np.ndarray:
    """The image's brightness (0-255), area-averaged down to at most SIDE pixels on its longer side."""
    grey = convcore.to_grey(_pixels)
    h, w = grey.shape
    scale = min(1.0, SIDE / max(h, w))
    size = (max(5, round(w * scale)), max(5, round(h * scale)))
    return np.asarray(
        Image.fromarray(grey.astype(np.float32)).resize(size, Image.Resampling.BOX), dtype=np.float64
    )


def _scale(kernel: np.ndarray) -> int:
    """The smallest whole d <= 100 that makes ``d * kernel`` whole numbers (1 if none does)."""
    d = 1
    for v in kernel.ravel():
        d = np.lcm(d, Fraction(float(v)).limit_denominator(100).denominator)
    return int(d) if d <= 100 and np.allclose(kernel * d, np.round(kernel * d), atol=1e-9) else 1


def _signs() -> str:
    """How the maps' colours read, in the palette chosen in the sidebar."""
    neg, pos = ("purple", "orange") if session.palette()[0] == "PuOr_r" else ("blue", "red")
    return f"Maps: {neg} negative, white 0, {pos} positive."


def _map_picture(values: np.ndarray, top: float, height: int) -> np.ndarray:
    """A signed map (the palette's diverging colours, white 0), enlarged with square pixels."""
    rgb = colour.colourise(values, "diverging", top=top, palette=session.palette()).rgb
    return mosaic.upscale(rgb, min_side=2 * height)


def settings() -> tuple[str, str]:
    """Filters A and B (their keys), each with its numbers."""
    label = lambda k: convcore.FILTERS[k].name  # noqa: E731
    chosen = []
    for col, (name, key, default) in zip(
        st.columns(2, gap="medium"),
        (("Filter A (first)", "first", FIRST), ("Filter B (second, on A's map)", "second", SECOND)),
    ):
        with col:
            chosen.append(st.selectbox(name, CHOICES, index=CHOICES.index(default), format_func=label,
                                       key=f"{P}.{key}", bind=LINK))  # fmt: skip
            kernels.show_kernel(convcore.get_filter(chosen[-1]), width=220)
    return chosen[0], chosen[1]


def relu_toggle() -> bool:
    """The ReLU between A and B: the one switch the lesson turns."""
    return st.toggle("ReLU between them", key=f"{P}.relu", bind=LINK, wrap=True,
                     help="Set A's negative numbers to 0 before B reads them, as a CNN does after each convolution.")  # fmt: skip


def _short(filt: convcore.Filter) -> str:
    """A filter's name without its size or angle ("Box blur (3x3)" -> "Box blur")."""
    return filt.name.split(" (")[0]


def show(image: CurrentImage, first: str, second: str, relu: bool) -> None:
    """The input, A's map, B's map of it; the combined kernel C, its map (on B's colour scale) and the
    largest difference between the two. Two rows of three (C's map under B's), or in presenter mode,
    where the row is wider and the type larger, one row of five with the difference below."""
    a, b = convcore.get_filter(first), convcore.get_filter(second)
    x = _small_grey(image.key, image.pixels)
    result = convcore.two_convolutions(x, a.kernel, b.kernel, relu=relu)
    (h, w), (kh, kw), big = x.shape, result.kernel.shape, session.presenting()
    height = _HEIGHT[big]
    width = min(round(height * w / h), _MAX_WIDTH)
    top = max(colour.full_scale(m, "diverging", stretch=True) for m in (result.second, result.combined))
    d = _scale(result.kernel)
    cols = st.columns(5, gap="small") if big else [*st.columns(3, gap="small"), *st.columns(3, gap="small")]
    slots = cols if big else [cols[0], cols[1], cols[2], cols[3], cols[5]]
    grey = np.repeat(np.clip(np.rint(x), 0, 255).astype(np.uint8)[..., None], 3, axis=2)
    encode.show(slots[0], mosaic.upscale(grey, 2 * height), width=width, caption="Input",
                alt=f"the input {image.name} in grey, shrunk to {w} x {h} pixels")  # fmt: skip
    first_top = colour.full_scale(result.first, "diverging", stretch=True)
    encode.show(slots[1], _map_picture(result.first, first_top, height), width=width, caption=f"A: {_short(a)}",
                alt=f"map of filter A, {a.name}, on the input: {result.first.shape[1]} x {result.first.shape[0]}")  # fmt: skip
    encode.show(slots[2], _map_picture(result.second, top, height), width=width,
                caption=f"{'ReLU, then' if relu else 'then'} B: {_short(b)}",
                alt=f"map of filter B, {b.name}, on {'the ReLU of ' if relu else ''}A's map")  # fmt: skip
    numbers = "; ".join(" ".join(fmt(float(v)) for v in r) for r in result.kernel * d)
    encode.show(slots[3], grid.picture(result.kernel * d, cell=32), width=min(width + 20, kw * 32 + 3),
                caption=f"One {kh} x {kw} kernel C" + (f", x 1/{d}" if d > 1 else ""),
                alt=f"the combined kernel C, {kh} x {kw}{f', times 1/{d}' if d > 1 else ''}: {numbers}")  # fmt: skip
    encode.show(slots[4], _map_picture(result.combined, top, height), width=width, caption="C alone",
                alt=f"map of the combined {kh} x {kw} kernel on the input, {result.combined.shape[1]} x "
                    f"{result.combined.shape[0]}, on the colour scale of B's map")  # fmt: skip
    reach = fmt(float(np.abs(result.combined).max()))
    with st.container() if big else cols[4]:
        said = f"**{result.difference:.5f}**"
        st.markdown(f"Largest difference: {said}" if big else f"Largest difference  \n{said}")
        st.caption(f"between B's map and C's map (their numbers reach {reach})")
    st.markdown(sentences(result, _short(a), _short(b)))
    st.caption(f"Stride 1 and no padding, so that the border does not spoil the comparison; your image in grey, "
               f"shrunk to {w} x {h} pixels so that 3 x 3 edges show. {_signs()}")  # fmt: skip


def sentences(result: convcore.TwoConvolutions, a: str, b: str) -> str:
    """The two-sentence explanation, true for what is shown."""
    kh, kw = result.kernel.shape
    negatives = int((result.first < 0).sum())
    if not result.relu:
        return (
            f"Without a non-linearity, {a} then {b} is one filter: C is A and B convolved with each other "
            f"(a true convolution, {kh} x {kw}), and its map equals the two-step map. So stacked convolutions "
            "without ReLUs can only compute what one larger convolution computes."
        )
    if negatives == 0:
        return (
            "Filter A's map has no negative numbers here, so the ReLU changes nothing and the two filters are "
            "still one. Choose an edge filter for A: its negative numbers are what the ReLU removes."
        )
    return (
        f"With a ReLU between them, A's {negatives:,} negative numbers become 0 before B reads them, and no "
        f"single kernel can do that: the map of C now differs by up to {result.difference:.5f}. This is why a "
        "CNN puts a non-linearity after each convolution: it lets stacked layers compute more than one layer could."
    )

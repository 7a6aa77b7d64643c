"""Widgets of the step-by-step pages: the settings row, the input grid (a crop of the image, a preset
or typed), the kernels, the step's pictures laid out to fit the first screen, a click on the output
grid, and the downloads (PNG, CSV, GIF)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
from PIL import Image, ImageDraw
from streamlit.delta_generator import DeltaGenerator
from streamlit_image_coordinates import streamlit_image_coordinates

import convcore
from app import export, server, session
from app.caches import CurrentImage
from app.draw import encode
from app.draw.colour import WINDOW
from app.draw.encode import png_bytes
from app.memo import memo
from app.session import LINK, clamp, click_cell, internal, new_click
from app.widgets import stepgrid, stepper
from app.widgets.kernels import number_editor

SOURCES = ("Crop of your image", "Preset", "Type numbers")
#: Greyscale kernels small enough to step through (the colour ones join them for RGB volumes).
STEP_FILTERS = [
    k
    for k, s in convcore.FILTERS.items()
    if max(s.build().size) <= 5 and not s.build().magnitude_of and not s.build().is_colour
]
#: The crop picker's picture is drawn this wide (it is shown as wide as its popover, whatever that is).
_PICK_WIDTH = 400
_PICK_MIN = 160
#: Grid cells in pixels: normal, and in presenter mode, whose type is 21/16 as large.
CELL, PRESENTER_CELL = 36, 48
#: A settings popover's content, in pixels at the usual 16-pixel type (wider with presenter mode's).
POPOVER_WIDTH = 340
_CHANNELS = ("Red", "Green", "Blue")


def _typed(key: str, start: np.ndarray, label: str, colour: bool, *, tab: str = "{}") -> np.ndarray:
    """One typed grid, or one per colour channel in tabs named ``tab`` (e.g. "{} slice"): (n, m) or (3, n, m)."""
    if not colour:
        return number_editor(key, start, label)
    slices = []
    for name, sheet in zip(_CHANNELS, st.tabs([tab.format(c) for c in _CHANNELS])):
        with sheet:
            slices.append(number_editor(f"{key}.{name}", start, f"{label} ({name})"))
    return np.stack(slices)


def input_grid(
    prefix: str, image: CurrentImage, *, colour: bool, sizes: tuple[int, int] = (5, 16)
) -> tuple[np.ndarray, str]:
    """The input grid: (n, n), or (3, n, n) with ``colour``; and its tint ("grey" or "signed")."""
    source = st.radio("Input", SOURCES, key=f"{prefix}.source", horizontal=True, bind=LINK)
    picture = st.container()  # the crop picker goes first: it is what this popover is opened for
    n = st.slider(
        "Grid size",
        sizes[0],
        sizes[1],
        8,
        key=f"{prefix}.size",
        help="The input is n x n numbers.",
        bind=LINK,
    )
    if source == "Crop of your image":
        return _crop(prefix, image, n, colour, picture), "grey"
    if source == "Preset":
        name = st.selectbox("Preset", list(convcore.PATCHES), key=f"{prefix}.preset", bind=LINK)
        grid = convcore.patch_preset(name, n).astype(np.float64)
        tint = "signed" if name == "Small random integers" else "grey"
        return (np.stack([grid] * 3) if colour else grid), tint
    start = convcore.patch_preset("Small random integers", n)
    return _typed(f"{prefix}.typed.{n}", start, "Input", colour), "signed"


@memo(mb=16)
def _thumbnail(image_key: str, width: int, _pixels: np.ndarray) -> Image.Image:
    h, w = _pixels.shape[:2]
    smooth = Image.Resampling.BILINEAR if width <= w else Image.Resampling.NEAREST  # enlarged: square pixels
    return Image.fromarray(_pixels).resize((width, max(1, round(h * width / w))), smooth)


def _crop(prefix: str, image: CurrentImage, n: int, colour: bool, picture: DeltaGenerator) -> np.ndarray:
    """The crop's settings here, its picker (the image with the region outlined; a click moves it) in
    ``picture``; the patch, averaged down to n x n."""
    h, w = image.pixels.shape[:2]
    side = min(h, w)
    if side > n:
        clamp(f"{prefix}.region", n, side)  # a smaller image than the last one: keep the choice in range
        region = st.slider("Region (pixels of the image)", n, side, min(max(n, side // 5), side),
                           key=f"{prefix}.region", help="This square of the image is averaged down to the grid.",
                           bind=LINK)  # fmt: skip
    else:
        region = side
        repeat = ", so each pixel fills several cells" if side < n else ""
        st.caption(f"The image is only {w} x {h} pixels: its whole {side} x {side} square makes the {n} x {n} "
                   f"grid{repeat}.")  # fmt: skip
    rkey, ckey = f"{prefix}.crop_row.{image.key}", f"{prefix}.crop_col.{image.key}"
    click = new_click(prefix, "pick")
    if click:
        st.session_state[rkey], st.session_state[ckey] = click_cell(click, h, w)
    k1, k2 = st.columns(2)  # the keyboard way to move the region (a click on the picture sets these)
    row = k1.number_input("Centre row", 1, h, h // 2 + 1, key=rkey, bind=LINK)
    col = k2.number_input("Centre column", 1, w, w // 2 + 1, key=ckey, bind=LINK)
    centre = (int(row) - 1, int(col) - 1)
    r0 = int(np.clip(centre[0] - region // 2, 0, h - region))
    c0 = int(np.clip(centre[1] - region // 2, 0, w - region))
    # Drawn on a copy at the size it is shown (the component sends the picture on every rerun); a
    # tiny image is enlarged so that it can be seen and clicked.
    shown_w = min(w, _PICK_WIDTH) if w >= _PICK_MIN else _PICK_MIN
    scale = shown_w / w
    shown = _thumbnail(image.key, shown_w, image.pixels).copy()  # drawn on: not the shared one
    box = [c0 * scale, r0 * scale, (c0 + region) * scale, (r0 + region) * scale]
    for k in range(3):
        ImageDraw.Draw(shown).rectangle([box[0] - k, box[1] - k, box[2] + k, box[3] + k], outline=WINDOW)
    picture.caption(f"Click to move the region, the orange square ({region} x {region} pixels of the {w} x {h} "
                    "image).")  # fmt: skip
    with picture:  # as wide as its popover (an iframe does not size itself to its picture): never cut
        streamlit_image_coordinates(shown, key=internal(prefix, "pick"), width="stretch")
    return convcore.crop_patch(image.pixels, centre, region, n, colour=colour).astype(np.float64)


def _bank(filters: list[convcore.Filter], channels: int) -> np.ndarray:
    """Kernels of different sizes as one (O, C, kh, kw) bank, smaller ones centred in zeros."""
    kh = max(f.size[0] for f in filters)
    kw = max(f.size[1] for f in filters)
    bank = np.zeros((len(filters), channels, kh, kw))
    for o, f in enumerate(filters):
        k = f.kernel if f.is_colour else np.stack([f.kernel] * channels)
        r0, c0 = (kh - f.size[0]) // 2, (kw - f.size[1]) // 2
        bank[o, :, r0 : r0 + f.size[0], c0 : c0 + f.size[1]] = k
    return bank


def kernels(prefix: str, *, colour: bool) -> tuple[np.ndarray, list[str]]:
    """The kernels: (O, C, kh, kw) with C = 3 when ``colour``, else 1; and their names."""
    if st.toggle("Type the kernel", key=f"{prefix}.kernel.typed", bind=LINK):
        c1, c2 = st.columns(2)
        kh = c1.number_input("Kernel rows", 1, 7, 3, key=f"{prefix}.kernel.rows", bind=LINK)
        kw = c2.number_input("Kernel columns", 1, 7, 3, key=f"{prefix}.kernel.cols", bind=LINK)
        start = convcore.get_filter("sobel_x").kernel if (kh, kw) == (3, 3) else np.ones((kh, kw))
        typed = _typed(f"{prefix}.kernel.{kh}x{kw}", start, "Kernel", colour, tab="{} slice")
        return (typed[None] if colour else typed[None, None]), ["your kernel"]
    if not colour:
        key = st.selectbox("Kernel", STEP_FILTERS, index=STEP_FILTERS.index("sobel_x"), key=f"{prefix}.kernel.name",
                           format_func=lambda k: convcore.FILTERS[k].name, bind=LINK)  # fmt: skip
        filt = convcore.get_filter(key)
        return filt.kernel[None, None], [filt.name]
    options = [*STEP_FILTERS, *[k for k, s in convcore.FILTERS.items() if s.category == "Colour"]]
    chosen = st.multiselect(
        "Filters (one output channel each)",
        options,
        default=["green_patches", "sobel_x"],
        max_selections=6,
        key=f"{prefix}.kernel.names",
        format_func=lambda k: convcore.FILTERS[k].name,
        help="A greyscale kernel is used on each of R, G and B. Kernels of different sizes are padded with zeros.",
        bind=LINK,
    )
    if not chosen:
        st.info("No filter chosen: using Sobel x.")
        chosen = ["sobel_x"]
    filters = [convcore.get_filter(k) for k in chosen]
    bank = _bank(filters, 3)
    if len({f.size for f in filters}) > 1:
        st.caption(f"Smaller kernels were padded with zeros to {bank.shape[2]} x {bank.shape[3]}, "
                   "so the layer has one kernel size.")  # fmt: skip
    return bank, [f.name for f in filters]


def sizes() -> dict[str, int]:
    """The grids' cell and title sizes in pixels: larger in presenter mode, so that the numbers grow
    with the type (``**sizes()`` for :func:`app.draw.steps.conv_step_images` and the others)."""
    if session.presenting():
        return {"cell": PRESENTER_CELL, "title_size": 22}
    return {"cell": CELL, "title_size": 17}


def _gap() -> int:
    """Streamlit's "small" gap between columns (1rem) in pixels, in this mode."""
    return 21 if session.presenting() else 16


def settings_row(*popovers: tuple[str, str]) -> tuple[DeltaGenerator, list]:
    """The page's settings as one row of popovers, (label, icon) each, above the step view: they take
    one line, so the pictures they set are on the first screen. The row wraps rather than cut a label.
    Returns the row (for a summary after the popovers) and each popover's content.

    The content has a fixed width: a popover is as wide as its content, and a long caption or a
    picture that fills its box would otherwise spread it over the pictures it sets."""
    row = st.container(horizontal=True, vertical_alignment="center", gap="small")
    width = POPOVER_WIDTH * (21 if session.presenting() else 16) // 16
    return row, [row.popover(label, icon=icon).container(width=width) for label, icon in popovers]


def _columns(widths: list[int]) -> list:
    """Columns as wide as the pictures in them: side by side at their own size where the screen has
    room, all shrunk alike where it has not (so the numbers stay alike)."""
    gap = _gap()
    return st.columns(widths, gap="small", width=int(sum(widths) + gap * (len(widths) - 1)))


def conv_view(prefix: str, trace, step, *, equation: str, alt: str, beside_output) -> None:
    """One convolution step as linked grids in the browser (:mod:`app.widgets.stepgrid`): for each
    input channel the input (window outlined) beside its kernel over the products, and the output
    (click a cell to go there); the step's ``equation`` under them, then ``beside_output()`` (the
    exercise about it). ``alt`` says what the grids show, for a screen reader."""
    stepgrid.conv_grids(prefix, trace, step, cell=sizes()["cell"], duration=stepper.interval(prefix) or 0.35,
                        alt=alt)  # fmt: skip
    st.markdown(f"#### {equation}")
    beside_output()


def pool_view(prefix: str, trace, step, *, equation: str, alt: str, beside_output) -> None:
    """One pooling step as linked grids: the input (window outlined, the largest marked), the window,
    and the pooled output (click a cell to go there); the ``equation`` under them, then
    ``beside_output()``. ``alt`` as for :func:`conv_view`."""
    stepgrid.pool_grids(prefix, trace, step, cell=sizes()["cell"], duration=stepper.interval(prefix) or 0.35,
                        alt=alt)  # fmt: skip
    st.markdown(f"#### {equation}")
    beside_output()


def conv1d_view(pics: dict) -> None:
    """One 1-D step: the signal (window outlined) on its own row, then the kernel beside the products."""
    alt = pics["alt"]
    encode.show(st, pics["signal"], alt=alt["signal"])
    c1, c2 = _columns([pics["kernel"].shape[1], pics["products"].shape[1]])
    encode.show(c1, pics["kernel"], alt=alt["kernel"])
    encode.show(c2, pics["products"], alt=alt["products"])


def signal_chart(signal: np.ndarray, output: np.ndarray, where: np.ndarray) -> None:
    """A 1-D signal and its convolution's output, each output at ``where`` (the centre of the window it
    reads) as a line chart: the output dashed (not told by colour alone), described for a screen reader."""
    data = pd.concat([pd.DataFrame({"position": np.arange(signal.size), "value": signal, "line": "signal"}),
                      pd.DataFrame({"position": where, "value": output, "line": "output"})])  # fmt: skip
    spec = {
        "description": f"Line chart of the signal ({signal.size} numbers) and the output ({output.size} numbers, "
        "dashed), each output drawn at the centre of the window it reads.",
        "mark": {"type": "line", "aria": False},
        "encoding": {
            "x": {"field": "position", "type": "quantitative", "title": "position in the signal"},
            "y": {"field": "value", "type": "quantitative", "title": None},
            "color": {"field": "line", "type": "nominal", "title": None, "sort": ["signal", "output"]},
            "strokeDash": {"field": "line", "type": "nominal", "title": None, "sort": ["signal", "output"]},
        },
    }
    st.vega_lite_chart(data, spec, height=200)


def downloads(prefix: str, trace, step, *, frame, csv_sections) -> None:
    """PNG of this step, CSV of the grids, and (on request) a GIF of every step.

    ``frame(step, cell)`` draws one step; ``csv_sections(trace)`` names the grids of the CSV.
    """
    row = st.container(horizontal=True, gap="small")  # wraps rather than cut a label
    row.download_button("This step (PNG)", lambda: png_bytes(frame(step, 40)),  # drawn only when clicked
                       file_name=f"step_{step.index + 1}.png", mime="image/png", on_click="ignore",
                       icon=":material/image:", key=internal(prefix, "png"))  # fmt: skip
    row.download_button("Grids (CSV)", lambda: export.grids_csv(csv_sections(trace)), file_name="grids.csv",
                       mime="text/csv", on_click="ignore", icon=":material/table:", key=internal(prefix, "csv"))  # fmt: skip
    sig = export.signature(trace.padded, trace.output, getattr(trace, "weight", np.zeros(1)))
    slot = row.empty()  # the "make" button, replaced by the download once the GIF exists
    made = internal(prefix, "gif")
    ready = st.session_state.get(made)
    if not (ready and ready[0] == sig) and slot.button(
        "Make the animation (GIF)", key=internal(prefix, "make_gif"), icon=":material/movie:"
    ):
        n = min(len(trace), export.MAX_GIF_FRAMES)
        with st.spinner(f"Drawing {n} frames..."), server.animation:  # one animation at a time per server
            ready = (sig, export.gif([frame(trace[k], 26) for k in range(n)], 0.5))
        st.session_state[made] = ready
    if ready and ready[0] == sig:
        slot.download_button("Animation (GIF)", ready[1], file_name="steps.gif", mime="image/gif", on_click="ignore",
                             icon=":material/animation:", key=internal(prefix, "gif_download"), type="primary")  # fmt: skip
        if len(trace) > export.MAX_GIF_FRAMES:
            row.caption(f"The GIF shows the first {export.MAX_GIF_FRAMES} of {len(trace)} steps.")

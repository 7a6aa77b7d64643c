"""Widgets of the step-by-step pages: the input grid (a crop of the image, a preset or typed), the
kernels, a click on the output grid, and the downloads (PNG, CSV, GIF)."""

from __future__ import annotations

import numpy as np
import streamlit as st
from PIL import Image, ImageDraw
from streamlit_image_coordinates import streamlit_image_coordinates

import convcore
from app import export, server
from app.caches import CurrentImage
from app.draw.colour import WINDOW
from app.draw.encode import png_bytes
from app.draw.grid import GridLayout
from app.memo import memo
from app.session import LINK, clamp, click_cell, internal, new_click
from app.widgets import stepper
from app.widgets.kernels import number_editor

SOURCES = ("Crop of your image", "Preset", "Type numbers")
#: Greyscale kernels small enough to step through (the colour ones join them for RGB volumes).
STEP_FILTERS = [
    k
    for k, s in convcore.FILTERS.items()
    if max(s.build().size) <= 5 and not s.build().magnitude_of and not s.build().is_colour
]
_PICK_WIDTH = 320
_PICK_MIN = 160
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
        return _crop(prefix, image, n, colour), "grey"
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


def _crop(prefix: str, image: CurrentImage, n: int, colour: bool) -> np.ndarray:
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
    st.caption("Click the picture to choose the region.")
    streamlit_image_coordinates(shown, key=internal(prefix, "pick"), width=shown_w)
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
        max_selections=4,
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


def clickable_output(prefix: str, picture: np.ndarray, layout: GridLayout, channel: int) -> None:
    """The output grid; a click on a cell jumps to the step that computes it."""
    st.session_state[internal(prefix, "out_layout")] = (layout, channel, picture.shape[1])
    streamlit_image_coordinates(picture, key=internal(prefix, "outclick"), width=min(picture.shape[1], 720))
    st.caption("Click an output cell to jump to its step.")


def apply_output_click(prefix: str, trace) -> None:
    """If the output grid was clicked since the last run, go to that cell's step."""
    saved = st.session_state.get(internal(prefix, "out_layout"))
    click = new_click(prefix, "outclick") if saved else None
    if not click:
        return
    layout, channel, natural_width = saved
    scale = natural_width / max(1, click["width"])
    cell = layout.cell_at(click["x"] * scale, click["y"] * scale)
    out = trace.output.shape
    if cell is not None and channel < out[0] and cell[0] < out[1] and cell[1] < out[2]:
        stepper.jump_to(prefix, trace.index_of(channel, *cell))


def downloads(prefix: str, trace, step, *, frame, csv_sections) -> None:
    """PNG of this step, CSV of the grids, and (on request) a GIF of every step.

    ``frame(step, cell)`` draws one step; ``csv_sections(trace)`` names the grids of the CSV.
    """
    c1, c2, c3 = st.columns(3)
    c1.download_button("This step (PNG)", lambda: png_bytes(frame(step, 40)),  # drawn only when clicked
                       file_name=f"step_{step.index + 1}.png", mime="image/png", on_click="ignore",
                       icon=":material/image:", key=internal(prefix, "png"))  # fmt: skip
    c2.download_button("Grids (CSV)", lambda: export.grids_csv(csv_sections(trace)), file_name="grids.csv",
                       mime="text/csv", on_click="ignore", icon=":material/table:", key=internal(prefix, "csv"))  # fmt: skip
    sig = export.signature(trace.padded, trace.output, getattr(trace, "weight", np.zeros(1)))
    slot = c3.empty()  # the "make" button, replaced by the download once the GIF exists
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
            c3.caption(f"The GIF shows the first {export.MAX_GIF_FRAMES} of {len(trace)} steps.")

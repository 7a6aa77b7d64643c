"""Widgets and pictures for the step-by-step pages: the input grid, the kernels, each step.

Numbers come from convcore's traces (conv2d_steps / pool2d_steps); this module only draws them.
"""

from __future__ import annotations

import io

import numpy as np
import streamlit as st
from PIL import Image, ImageDraw
from streamlit_image_coordinates import streamlit_image_coordinates

import convcore
from app import gridview, limits, render, widgets
from app.render import fmt
from app.state import CurrentImage

SOURCES = ("Crop of your image", "Preset", "Type numbers")
#: Library filters small enough to follow step by step (greyscale kernels up to 5x5).
#: Greyscale kernels small enough to step through (the colour ones join them for RGB volumes).
STEP_FILTERS = [
    k
    for k, s in convcore.FILTERS.items()
    if max(s.build().size) <= 5 and not s.build().magnitude_of and not s.build().is_colour
]


def input_grid(
    prefix: str, image: CurrentImage, *, colour: bool, sizes: tuple[int, int] = (5, 16)
) -> tuple[np.ndarray, str]:
    """The input grid: (n, n), or (3, n, n) with ``colour``; and its tint ("grey" or "signed")."""
    source = st.radio("Input", SOURCES, key=f"{prefix}.source", horizontal=True)
    n = st.slider(
        "Grid size", sizes[0], sizes[1], 8, key=f"{prefix}.size", help="The input is n x n numbers."
    )
    if source == "Crop of your image":
        return _crop(prefix, image, n, colour), "grey"
    if source == "Preset":
        name = st.selectbox("Preset", list(convcore.PATCHES), key=f"{prefix}.preset")
        grid = convcore.patch_preset(name, n).astype(np.float64)
        tint = "signed" if name == "Small random integers" else "grey"
        return (np.stack([grid] * 3) if colour else grid), tint
    start = convcore.patch_preset("Small random integers", n)
    if not colour:
        return widgets.number_editor(f"{prefix}.typed.{n}", start, "Input"), "signed"
    tabs = st.tabs(["Red", "Green", "Blue"])
    slices = []
    for name, tab in zip(("Red", "Green", "Blue"), tabs):
        with tab:
            slices.append(widgets.number_editor(f"{prefix}.typed.{n}.{name}", start, f"Input ({name})"))
    return np.stack(slices), "signed"


_PICK_WIDTH = 320


@st.cache_data(max_entries=64, show_spinner=False)
def _thumbnail(image_key: str, width: int, _pixels: np.ndarray) -> Image.Image:
    h, w = _pixels.shape[:2]
    return Image.fromarray(_pixels).resize((width, max(1, round(h * width / w))), Image.Resampling.BILINEAR)


def _crop(prefix: str, image: CurrentImage, n: int, colour: bool) -> np.ndarray:
    h, w = image.pixels.shape[:2]
    side = min(h, w)
    region = st.slider(
        "Region (pixels of the image)",
        n,
        max(n, side),
        min(max(n, side // 5), side),
        key=f"{prefix}.region",
        help="This square of the image is averaged down to the grid.",
    )
    centre_key = f"{prefix}.centre.{image.key}"
    rkey, ckey = f"{prefix}.crop_row.{image.key}", f"{prefix}.crop_col.{image.key}"
    click = st.session_state.get(f"{prefix}.pick")
    if click and click.get("unix_time") != st.session_state.get(f"{prefix}.pick_seen"):
        st.session_state[f"{prefix}.pick_seen"] = click.get("unix_time")
        st.session_state[rkey] = min(h, max(1, int(click["y"] * h / click["height"]) + 1))
        st.session_state[ckey] = min(w, max(1, int(click["x"] * w / click["width"]) + 1))
    k1, k2 = st.columns(2)  # the keyboard way to move the region (a click on the picture sets these)
    row = k1.number_input("Centre row", 1, h, h // 2 + 1, key=rkey)
    col = k2.number_input("Centre column", 1, w, w // 2 + 1, key=ckey)
    centre = (int(row) - 1, int(col) - 1)
    st.session_state[centre_key] = centre
    r0 = int(np.clip(centre[0] - region // 2, 0, h - region))
    c0 = int(np.clip(centre[1] - region // 2, 0, w - region))
    # Drawn on a copy at the size it is shown (the component sends the picture on every rerun).
    shown_w = min(w, _PICK_WIDTH)
    scale = shown_w / w
    shown = _thumbnail(image.key, shown_w, image.pixels)  # st.cache_data hands out a fresh copy
    draw = ImageDraw.Draw(shown)
    box = [c0 * scale, r0 * scale, (c0 + region) * scale, (r0 + region) * scale]
    for k in range(3):
        draw.rectangle([box[0] - k, box[1] - k, box[2] + k, box[3] + k], outline=gridview.WINDOW)
    st.caption("Click the picture to choose the region.")
    streamlit_image_coordinates(shown, key=f"{prefix}.pick", width=shown_w)
    return convcore.crop_patch(image.pixels, centre, region, n, colour=colour).astype(np.float64)


def kernels(prefix: str, *, colour: bool) -> tuple[np.ndarray, list[str]]:
    """The kernels: (O, C, kh, kw) with C = 3 when ``colour``, else 1; and their names."""
    typed = st.toggle("Type the kernel", key=f"{prefix}.kernel.typed")
    channels = 3 if colour else 1
    if typed:
        c1, c2 = st.columns(2)
        kh = c1.number_input("Kernel rows", 1, 7, 3, key=f"{prefix}.kernel.rows")
        kw = c2.number_input("Kernel columns", 1, 7, 3, key=f"{prefix}.kernel.cols")
        start = convcore.get_filter("sobel_x").kernel if (kh, kw) == (3, 3) else np.ones((kh, kw))
        if not colour:
            return widgets.number_editor(f"{prefix}.kernel.{kh}x{kw}", start, "Kernel")[None, None], [
                "your kernel"
            ]
        tabs = st.tabs(["Red slice", "Green slice", "Blue slice"])
        slices = []
        for name, tab in zip(("Red", "Green", "Blue"), tabs):
            with tab:
                slices.append(
                    widgets.number_editor(f"{prefix}.kernel.{kh}x{kw}.{name}", start, f"Kernel ({name})")
                )
        return np.stack(slices)[None], ["your kernel"]
    if not colour:
        key = st.selectbox(
            "Kernel",
            STEP_FILTERS,
            index=STEP_FILTERS.index("sobel_x"),
            key=f"{prefix}.kernel.name",
            format_func=lambda k: convcore.FILTERS[k].name,
        )
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
    )
    if not chosen:
        st.info("No filter chosen: using Sobel x.")
        chosen = ["sobel_x"]
    filters = [convcore.get_filter(k) for k in chosen]
    kh = max(f.size[0] for f in filters)
    kw = max(f.size[1] for f in filters)
    bank = np.zeros((len(filters), channels, kh, kw))
    for o, f in enumerate(filters):
        k = f.kernel if f.is_colour else np.stack([f.kernel] * channels)
        r0, c0 = (kh - f.size[0]) // 2, (kw - f.size[1]) // 2
        bank[o, :, r0 : r0 + f.size[0], c0 : c0 + f.size[1]] = k
    if len({f.size for f in filters}) > 1:
        st.caption(
            f"Smaller kernels were padded with zeros to {kh} x {kw}, so the layer has one kernel size."
        )
    return bank, [f.name for f in filters]


def parameter_count(weight: np.ndarray) -> str:
    """'8 x 3 x 3 x 3 = 216 weights + 8 biases = 224 parameters'."""
    o, c, kh, kw = weight.shape
    n = o * c * kh * kw
    return f"{o} x {c} x {kh} x {kw} = {n} weights + {o} bias{'es' if o > 1 else ''} = {n + o} parameters"


def conv_step_images(
    trace: convcore.ConvTrace, step: convcore.ConvStep, *, tint: str, cell: int = 44
) -> dict[str, list[np.ndarray] | np.ndarray | gridview.GridLayout]:
    """Pictures of one step: per input channel the padded input (window outlined), the kernel
    and the products; the output channel filled up to this step; the same after ReLU."""
    o, i, j = step.position
    window = {(r, c) for r in step.rows for c in step.cols}
    names = ["R", "G", "B"] if trace.padded.shape[0] == 3 else [""]
    inputs, kernel_imgs, products = [], [], []
    pscale = float(np.abs(step.products).max()) or 1.0
    for c, name in enumerate(names):
        suffix = f" ({name})" if name else ""
        inputs.append(
            gridview.grid(
                trace.padded[c],
                title=f"Input, padded{suffix}",
                cell=cell,
                tint=tint,
                window=window,
                padding=trace.padding_mask,
            )[0]
        )
        kernel_imgs.append(gridview.grid(step.kernel[c], title=f"Kernel{suffix}", cell=cell)[0])
        products.append(
            gridview.grid(step.products[c], title=f"Products{suffix}", cell=cell, scale=pscale)[0]
        )
    hidden = np.arange(trace.output[o].size).reshape(trace.output[o].shape) > i * trace.output.shape[2] + j
    out_title = f"Output channel {o + 1}" if trace.output.shape[0] > 1 else "Output"
    output, layout = gridview.grid(
        trace.output[o], title=out_title, cell=cell, hidden=hidden, window={(i, j)}
    )
    relu = gridview.grid(
        np.maximum(trace.output[o], 0), title="After ReLU", cell=cell, hidden=hidden, window={(i, j)}
    )[0]
    return {
        "inputs": inputs,
        "kernels": kernel_imgs,
        "products": products,
        "output": output,
        "relu": relu,
        "layout": layout,
    }


def _paren(value: float) -> str:
    return f"({fmt(value)})" if value < 0 else fmt(value)


def step_equation(step: convcore.ConvStep) -> str:
    """The sum written out (all terms for up to 9 products), plus bias, equals the output."""
    terms = step.products.size
    o, i, j = step.position
    where = f"output row {i + 1}, column {j + 1}" + (f", channel {o + 1}" if o else "")
    if step.products.shape[0] == 3:
        parts = " + ".join(f"{fmt(s)}" for s in step.channel_sums)
        line = f"R + G + B = {parts} = {fmt(step.total)}"
    elif terms <= 9:
        pairs = [f"{_paren(a)}×{_paren(b)}" for a, b in zip(step.inputs.ravel(), step.kernel.ravel())]
        line = " + ".join(pairs) + f" = {fmt(step.total)}"
    else:
        line = f"sum of the {terms} products = {fmt(step.total)}"
    return f"{line}; + bias {fmt(step.bias)} = {fmt(step.value)} ({where})"


def frame(trace: convcore.ConvTrace, step: convcore.ConvStep, *, tint: str, cell: int = 30) -> np.ndarray:
    """One picture of a step (for the PNG and the GIF): grids side by side and the equation."""
    pics = conv_step_images(trace, step, tint=tint, cell=cell)
    rows = [
        render.side_by_side([a, b, c]) for a, b, c in zip(pics["inputs"], pics["kernels"], pics["products"])
    ]
    body = render.side_by_side([render.stack(rows), render.stack([pics["output"], pics["relu"]])], gap=30)
    return render.stack(
        [body, gridview.caption_strip(step_equation(step), body.shape[1], size=max(12, cell // 2))]
    )


def gif(frames: list[np.ndarray], seconds_per_frame: float) -> bytes:
    """An endlessly looping GIF of the frames."""
    height = max(f.shape[0] for f in frames)
    width = max(f.shape[1] for f in frames)
    ims = []
    palette = None
    for f in frames:
        canvas = np.full((height, width, 3), 255, np.uint8)
        canvas[: f.shape[0], : f.shape[1]] = f
        im = Image.fromarray(canvas)
        if palette is None:  # one palette for all frames: Pillow then stores only what changed
            palette = im.quantize(colors=128)
        ims.append(im.quantize(palette=palette, dither=Image.Dither.NONE))
    buf = io.BytesIO()
    ims[0].save(
        buf,
        format="GIF",
        save_all=True,
        append_images=ims[1:],
        duration=int(seconds_per_frame * 1000),
        loop=0,
    )
    return buf.getvalue()


def grids_csv(sections: dict[str, np.ndarray]) -> str:
    """Several 2-D grids in one CSV text, each under a '# name' line."""
    out = io.StringIO()
    for name, values in sections.items():
        out.write(f"# {name}\n")
        np.savetxt(out, np.atleast_2d(values), delimiter=",", fmt="%.6g")
        out.write("\n")
    return out.getvalue()


def clickable_output(prefix: str, picture: np.ndarray, layout: gridview.GridLayout, channel: int) -> None:
    """The output grid; a click on a cell jumps to the step that computes it."""
    st.session_state[f"{prefix}.out_layout"] = (layout, channel, picture.shape[1])
    streamlit_image_coordinates(picture, key=f"{prefix}.outclick", width=min(picture.shape[1], 720))
    st.caption("Click an output cell to jump to its step.")


def apply_output_click(prefix: str, trace) -> None:
    """If the output grid was clicked since the last run, go to that cell's step."""
    click = st.session_state.get(f"{prefix}.outclick")
    saved = st.session_state.get(f"{prefix}.out_layout")
    if not click or not saved or click.get("unix_time") == st.session_state.get(f"{prefix}.outclick_seen"):
        return
    st.session_state[f"{prefix}.outclick_seen"] = click.get("unix_time")
    layout, channel, natural_width = saved
    scale = natural_width / max(1, click["width"])
    cell = layout.cell_at(click["x"] * scale, click["y"] * scale)
    if (
        cell is not None
        and channel < trace.output.shape[0]
        and cell[0] < trace.output.shape[1]
        and cell[1] < trace.output.shape[2]
    ):
        from app import stepper

        stepper.jump_to(prefix, trace.index_of(channel, *cell))


def _signature(*arrays: np.ndarray) -> str:
    import hashlib

    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes() + str(a.shape).encode())
    return h.hexdigest()[:16]


MAX_GIF_FRAMES = 200  # the worst case (RGB, 4 filters, 16x16) took 16.6 s for 300 frames


def downloads(prefix: str, trace, step, *, tint: str, frame_fn=None, csv_sections=None) -> None:
    """PNG of this step, CSV of the grids, and (on request) a GIF of every step."""
    from app.render import png_bytes

    frame_fn = frame_fn or (lambda s, cell: frame(trace, s, tint=tint, cell=cell))
    c1, c2, c3 = st.columns(3)
    c1.download_button(
        "This step (PNG)",
        lambda: png_bytes(frame_fn(step, 40)),  # drawn only when clicked, not on every rerun
        file_name=f"step_{step.index + 1}.png",
        mime="image/png",
        on_click="ignore",
        icon=":material/image:",
        key=f"{prefix}.png",
    )
    c2.download_button(
        "Grids (CSV)",
        lambda: grids_csv(csv_sections(trace) if csv_sections else conv_csv_sections(trace)),
        file_name="grids.csv",
        mime="text/csv",
        on_click="ignore",
        icon=":material/table:",
        key=f"{prefix}.csv",
    )
    sig = _signature(trace.padded, trace.output, getattr(trace, "weight", np.zeros(1)))
    slot = c3.empty()  # the "make" button, replaced by the download once the GIF exists
    ready = st.session_state.get(f"{prefix}.gif")
    if not (ready and ready[0] == sig) and slot.button(
        "Make the animation (GIF)", key=f"{prefix}.make_gif", icon=":material/movie:"
    ):
        n = min(len(trace), MAX_GIF_FRAMES)
        with st.spinner(f"Drawing {n} frames..."), limits.animation:  # one animation at a time per server
            ready = (sig, gif([frame_fn(trace[k], 26) for k in range(n)], 0.5))
        st.session_state[f"{prefix}.gif"] = ready
    if ready and ready[0] == sig:
        slot.download_button(
            "Animation (GIF)",
            ready[1],
            file_name="steps.gif",
            mime="image/gif",
            on_click="ignore",
            icon=":material/animation:",
            key=f"{prefix}.gif_download",
            type="primary",
        )
        if len(trace) > MAX_GIF_FRAMES:
            c3.caption(f"The GIF shows the first {MAX_GIF_FRAMES} of {len(trace)} steps.")


def conv_csv_sections(trace) -> dict[str, np.ndarray]:
    sections = {}
    for c, grid_ in enumerate(trace.padded):
        sections[f"input with padding, channel {c + 1}"] = grid_
    for o, kernel in enumerate(trace.weight):
        for c, k in enumerate(kernel):
            sections[f"kernel {o + 1}, channel {c + 1} (as applied)"] = k
    for o, out in enumerate(trace.output):
        sections[f"output channel {o + 1} (bias {fmt(trace.bias[o])} included)"] = out
    return sections


def pool_step_images(trace, step, *, tint: str, cell: int = 44) -> dict:
    """Pictures of one pooling step: padded input (window, maximum), the window, the output so far."""
    c, i, j = step.position
    window = {(r, q) for r in step.rows for q in step.cols}
    chosen = set()
    if step.chosen is not None:
        chosen = {(step.rows[step.chosen[0]], step.cols[step.chosen[1]])}
    inp = gridview.grid(
        trace.padded[c],
        title="Input, padded",
        cell=cell,
        tint=tint,
        window=window - chosen,
        chosen=chosen,
        padding=trace.padding_mask,
    )[0]
    local = {step.chosen} if step.chosen is not None else set()
    win = gridview.grid(step.values, title="Window", cell=cell, tint=tint, chosen=local)[0]
    hidden = np.arange(trace.output[c].size).reshape(trace.output[c].shape) > i * trace.output.shape[2] + j
    out, layout = gridview.grid(
        trace.output[c], title="Pooled output", cell=cell, tint=tint, hidden=hidden, window={(i, j)}
    )
    return {"input": inp, "window": win, "output": out, "layout": layout}


def pool_equation(step) -> str:
    i, j = step.position[1:]
    where = f"(output row {i + 1}, column {j + 1})"
    values = ", ".join(_text_value(v) for v in step.values.ravel())
    if step.chosen is not None:
        return f"max({values}) = {fmt(step.value)} {where}"
    return f"({' + '.join(_text_value(v) for v in step.values.ravel())}) / {step.values.size} = {fmt(step.value)} {where}"


def _text_value(v: float) -> str:
    return "-inf" if np.isneginf(v) else fmt(float(v))


def pool_frame(trace, step, *, tint: str, cell: int = 30) -> np.ndarray:
    pics = pool_step_images(trace, step, tint=tint, cell=cell)
    body = render.side_by_side([pics["input"], pics["window"], pics["output"]], gap=30)
    return render.stack(
        [body, gridview.caption_strip(pool_equation(step), body.shape[1], size=max(12, cell // 2))]
    )


def pool_csv_sections(trace) -> dict[str, np.ndarray]:
    return {"input with padding": trace.padded[0], f"{trace.mode} pooled output": trace.output[0]}

"""The network page's parts (issue 15): the input, the overview of every layer (a component that
answers the mouse in the browser), the chosen unit and how it is computed, and the held-out
examples that excite a unit most.

Every number shown comes from :func:`convcore.nets.explain.forward` and
:func:`convcore.explain_unit` (through the caches of :mod:`app.nets`); the browser only colours
and places the maps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd
import streamlit as st
import torch

import convcore
from app import caches, components, nets, session
from app.draw import colour, encode, grid, mosaic, text
from app.session import LINK, internal
from app.widgets.readout import payload
from convcore.nets import alexnet as ax
from convcore.nets import digits, explain

_HTML = '<div class="no" data-net-overview><div class="frame"><div class="cols"></div>' \
        '<svg class="lines" aria-hidden="true"></svg></div><div class="said" role="status" aria-live="polite"></div></div>'  # fmt: skip
#: The unit selected when a network is first opened: a unit of the first layer that combines maps.
_DEFAULT_LAYER = {"digits": "conv2", "tiny_vgg": "conv_2_1", "alexnet": "conv2"}
#: Most partial sums listed one by one (AlexNet's units add up 64 to 384 maps: the largest are shown).
_MOST_TERMS = 10


@dataclass(frozen=True, eq=False)
class NetInput:
    """The input as the network takes it, and as the student sees it."""

    x: torch.Tensor  # the network's input shape
    key: str  # what the caches key it by
    picture: np.ndarray  # (H, W, 3) uint8, the input shown
    said: str  # where it comes from, in a sentence


# --- the input -------------------------------------------------------------------------------------


def choose_input(
    prefix: str, key: str, alex_kind: str, shows: str = "every layer of the network appears below"
) -> NetInput | None:
    """The input's widgets for network ``key`` and the input they give (None: nothing drawn yet).
    ``shows``: what the page shows once a digit is drawn (the hint before one is)."""
    image = session.current_image()
    if key == "alexnet":
        x = ax.preprocess(image.pixels)[0]
        return NetInput(x, f"image:{image.key}", ax.crop_shown(image.pixels),
                        "The current image (sidebar), its shorter side resized to 256 and its centre cropped "
                        "to 224 x 224, as AlexNet sees it.")  # fmt: skip
    p = f"{prefix}.{key}"
    if key == "digits":
        options = ["Held-out digit", "Draw one", "Current image"]
    else:
        options = ["Held-out shape", "Current image"]
    c1, c2, c3 = st.columns([5, 6, 3], vertical_alignment="bottom")
    source = c1.selectbox("Input", options, key=f"{p}.source", bind=LINK)
    if source == options[0]:
        names = (
            [str(d) for d in range(10)] if key == "digits" else list(convcore.NETWORKS["tiny_vgg"].classes)
        )
        label = c2.selectbox("Class", names, key=f"{p}.class", bind=LINK)
        n = c3.number_input("Example", 1, 50, 1, key=f"{p}.example", bind=LINK,
                            help="Which held-out example of that class (never seen in training)")  # fmt: skip
        images, labels = nets.held_out_digits() if key == "digits" else nets.held_out_shapes()
        which = np.flatnonzero(labels.numpy() == names.index(label))
        index = int(which[min(int(n), len(which)) - 1])
        x = images[index]
        picture = _picture(x, key)
        return NetInput(
            x, f"held:{key}:{index}", picture, f"Held-out example {n} of '{label}' (never trained on)."
        )
    if source == "Draw one":
        from streamlit_drawable_canvas import st_canvas

        side = 280 if session.presenting() else 196
        st.space("small")  # room for the canvas's toolbar, which sits above its top edge
        row = st.container(horizontal=True, gap="medium")
        with row.container(width=side + 4, gap=None):  # the whole canvas, never cut by a narrow column
            drawing = st_canvas(stroke_width=side // 13, stroke_color="#FFFFFF", background_color="#000000",
                                height=side, width=side, drawing_mode="freedraw", key=f"{p}.canvas",
                                return_image_data=True).image_data  # fmt: skip
        said = row.container(gap=None)
        said.caption("Draw one digit, large, in the middle. The bin icon clears it.")
        try:
            digit = None if drawing is None else digits.prepare_drawing(drawing)
        except ValueError as exc:
            said.info(str(exc))
            return None
        if digit is None:
            said.info(f"Draw a digit: {shows}.")
            return None
        x = torch.from_numpy(digit)[None]
        return NetInput(
            x,
            f"drawn:{caches.digest(np.ascontiguousarray(digit).tobytes())[:16]}",
            _picture(x, key),
            "Your drawing, made MNIST-like (28 x 28).",
        )
    if key == "digits":
        try:
            digit = digits.prepare_drawing(image.pixels)
        except ValueError as exc:
            st.info(f"The current image gives no digit: {exc}")
            return None
        x = torch.from_numpy(digit)[None]
        return NetInput(x, f"digit:{image.key}", _picture(x, key),
                        "The current image turned into a digit-like input: grey, inverted if mostly light so "
                        "that the background is black, cropped to what stands out, its longer side scaled to 20 "
                        "pixels and centred in a 28 x 28 square (as MNIST was made). A photo is not a digit: "
                        "expect a guess.")  # fmt: skip
    small = mosaic.cover(image.pixels, (64, 64))
    x = torch.from_numpy(small.astype(np.float32) / 255.0).permute(2, 0, 1).contiguous()
    return NetInput(x, f"small:{image.key}", small,
                    "The centre of the current image, resized to 64 x 64. Tiny VGG knows only ten kinds of "
                    "shapes and textures: expect a guess.")  # fmt: skip


def _picture(x: torch.Tensor, key: str) -> np.ndarray:
    return convcore.networks.network_picture(convcore.NETWORKS[key], x.numpy())


# --- the unit --------------------------------------------------------------------------------------


def _unit_keys(prefix: str, key: str) -> tuple[str, str, str, str]:
    return tuple(f"{prefix}.{key}.{n}" for n in ("layer", "unit", "row", "col"))


def _sizes(shape: tuple[int, ...]) -> tuple[int, int, int]:
    return (shape[0], shape[1], shape[2]) if len(shape) == 3 else (shape[0], 1, 1)


def chosen_unit(prefix: str, key: str, acts) -> tuple[str, tuple[int, int, int]]:
    """The unit chosen (by a click in the overview, the widgets or the link), 0-based, kept inside
    the layer's shape: an edited link or a change of layer cannot ask for a unit that is not there."""
    names = [row.name for row in acts.layers]
    lkey, *keys = _unit_keys(prefix, key)
    # a link's values reach a widget only when it is drawn, after the overview: read them here
    for k in (lkey, *keys):
        if k not in st.session_state and k in st.query_params:
            v = st.query_params[k]
            if k != lkey:
                try:
                    v = int(float(v))
                except (ValueError, OverflowError):  # not a number, or infinite
                    continue
            st.session_state[k] = v
    if st.session_state.get(lkey) not in names:
        st.session_state.pop(lkey, None)
    layer = st.session_state.get(lkey, _DEFAULT_LAYER[key])
    sizes = _sizes(acts.layer(layer).shape)
    position = []
    for k, n, default in zip(keys, sizes, (1, (sizes[1] + 1) // 2, (sizes[2] + 1) // 2)):
        raw = st.session_state.get(k)
        ok = isinstance(raw, (int, float)) and not isinstance(raw, bool) and math.isfinite(raw)
        v = min(max(1, int(raw) if ok else default), n)  # (a huge number from a link: the last unit)
        if raw is not None and raw != v:
            st.session_state[k] = v
        position.append(v - 1)
    return layer, (position[0], position[1], position[2]) if len(acts.layer(layer).shape) == 3 else (
        position[0],
        0,
        0,
    )


def unit_controls(prefix: str, key: str, acts) -> None:
    """The unit's widgets (layer, map or number, row, column; 1-based): the keyboard's way to the
    unit a click in the overview chooses."""
    names = [row.name for row in acts.layers]
    lkey, ckey, rkey, qkey = _unit_keys(prefix, key)
    c1, c2, c3, c4 = st.columns([3, 2, 2, 2], vertical_alignment="bottom")
    layer = c1.selectbox("Layer", names, index=names.index(_DEFAULT_LAYER[key]), key=lkey, bind=LINK)
    row = acts.layer(layer)
    sizes = _sizes(row.shape)
    kind = "Class number" if row.kind == "softmax" else ("Map" if row.is_map else "Number")
    c2.number_input(f"{kind} (1-{sizes[0]})", 1, sizes[0], 1, key=ckey, bind=LINK)
    c3.number_input("Row", 1, sizes[1], (sizes[1] + 1) // 2, key=rkey, bind=LINK, disabled=not row.is_map)
    c4.number_input("Column", 1, sizes[2], (sizes[2] + 1) // 2, key=qkey, bind=LINK, disabled=not row.is_map)


def _on_select(prefix: str, key: str, names: list[str]) -> None:
    """A click in the overview (the component's "select" trigger): set the unit's widgets to it."""
    value = (st.session_state.get(internal(prefix, f"overview.{key}")) or {}).get("select") or {}
    layer = value.get("layer")
    if layer not in names:
        return
    lkey, *keys = _unit_keys(prefix, key)
    st.session_state[lkey] = layer
    for k, v in zip(keys, (value.get("channel"), value.get("row"), value.get("col"))):
        if isinstance(v, int) and v >= 0:
            st.session_state[k] = v + 1


# --- the overview ----------------------------------------------------------------------------------


def _shown(acts, layer: str, value: np.ndarray, must: list[int]) -> list[int]:
    """The channels a map layer shows: all when few, else ``must`` then the strongest (by mean)."""
    n = value.shape[0]
    if n <= 16:
        return list(range(n))
    order = [int(c) for c in np.argsort(-np.maximum(value, 0).mean(axis=(1, 2)))]
    picked = list(dict.fromkeys([*must, *order]))[: max(nets.MOST_SHOWN, len(must))]
    return sorted(picked)


def _feed(acts, unit, shown: dict[str, list[int]]) -> dict:
    """What the lines join: the layer feeding the unit, which of its maps or numbers, how strongly."""
    info = unit.layer
    source = info.source
    if isinstance(unit, explain.ConvUnit):
        before = acts[source]
        rows = [r for r in unit.rows if 0 <= r < before.shape[1]] or [0]
        cols = [q for q in unit.cols if 0 <= q < before.shape[2]] or [0]
        channels = shown.get(source, list(range(before.shape[0])))
        return {"source": source, "channels": channels,
                "weights": [float(unit.contributions[c]) for c in channels],
                "window": [min(rows), max(rows), min(cols), max(cols)],
                "centre": [(min(rows) + max(rows)) / 2, (min(cols) + max(cols)) / 2]}  # fmt: skip
    if isinstance(unit, explain.PoolUnit):
        return {"source": source, "channels": [unit.position[0]],
                "window": [min(unit.rows), max(unit.rows), min(unit.cols), max(unit.cols)],
                "centre": [(min(unit.rows) + max(unit.rows)) / 2, (min(unit.cols) + max(unit.cols)) / 2]}  # fmt: skip
    if isinstance(unit, explain.ReluUnit):
        if info.is_map:
            return {"source": source, "channels": [unit.position[0]], "centre": list(unit.position[1:])}
        return {"source": source, "channels": [unit.position[0]], "vector": True}
    if isinstance(unit, explain.FlattenUnit):
        return {"source": source, "channels": [unit.source[0]], "centre": list(unit.source[1:])}
    if isinstance(unit, explain.DenseUnit):
        top = [int(i) for i in np.argsort(-np.abs(unit.products))[:12]]
        return {
            "source": source,
            "channels": top,
            "weights": [float(unit.products[i]) for i in top],
            "vector": True,
        }
    return {"source": source, "channels": shown["softmax"], "vector": True}


def overview(prefix: str, key: str, net_input: NetInput, acts, layer: str, unit) -> None:
    """Every layer as a column of maps, the input on the left and the classes on the right."""
    classes = convcore.networks.network_classes(acts.network)
    probs = acts["softmax"]
    top = [int(i) for i in np.argsort(-probs)[:10]]
    if layer == "softmax" and unit.index not in top:
        top = [*top[:9], unit.index]
    shown: dict[str, list[int]] = {"softmax": top if len(classes) > 10 else list(range(len(classes)))}
    # the maps that feed the unit are shown (AlexNet shows 8 maps of a layer, not all of them)
    source = acts.layer(layer).source
    if isinstance(unit, explain.ConvUnit) and source != "input":
        strongest = [int(c) for c in np.argsort(-np.abs(unit.contributions))[: nets.MOST_SHOWN]]
        shown[source] = _shown(acts, source, acts[source], strongest)
    elif isinstance(unit, (explain.PoolUnit, explain.ReluUnit)) and unit.layer.is_map:
        shown[source] = _shown(acts, source, acts[source], [unit.position[0]])
    elif isinstance(unit, explain.FlattenUnit):
        shown[source] = _shown(acts, source, acts[source], [unit.source[0]])
    head_layers, chunks, offset = [], [], 0
    for row in acts.layers:
        value = acts[row.name]
        if row.is_map:
            must = [unit.position[0]] if row.name == layer else []
            if row.name == layer or row.name not in shown:
                shown[row.name] = shown.get(row.name) or _shown(acts, row.name, value, must)
                if must and must[0] not in shown[row.name]:
                    shown[row.name] = sorted([*shown[row.name][:-1], must[0]])
            data = np.ascontiguousarray(value[shown[row.name]], dtype="<f4")
        else:
            data = np.ascontiguousarray(value, dtype="<f4")
        signed = bool(value.min() < 0)
        hi = float(np.abs(value).max()) if signed else float(value.max())
        head_layers.append({"name": row.name, "kind": row.kind, "shape": list(row.shape),
                            "shown": shown.get(row.name, []), "offset": offset, "count": int(data.size),
                            "signed": signed, "hi": hi})  # fmt: skip
        chunks.append(data.tobytes())
        offset += data.nbytes
    div, seq = session.palette()
    luts = {"div": offset, "seq": offset + 768}
    chunks += [colour.lut(div).tobytes(), colour.lut(seq).tobytes()]
    shape = list(acts["input"].shape)
    picture = encode.png_bytes(net_input.picture)
    position = unit.position if len(unit.position) == 3 else (unit.position[0], 0, 0)
    head = {
        "net": key,
        "said": net_input.said,
        "big": session.presenting(),
        "input": {
            "shape": shape,
            "picture": 0,
            "key": net_input.key,
            "alt": f"the input, {shape[1]} x {shape[2]}",
        },
        "layers": head_layers,
        "luts": luts,
        "selected": {
            "layer": layer,
            "channel": int(position[0]),
            "row": int(position[1]),
            "col": int(position[2]),
        },
        "feed": _feed(acts, unit, shown),
        "classes": [{"index": i, "name": classes[i]} for i in shown["softmax"]],
    }
    names = [row.name for row in acts.layers]
    components.component("net_overview", _HTML)(
        data=payload(head, b"".join(chunks), [(picture, "image/png", {})]),
        key=internal(prefix, f"overview.{key}"), height="content", width="stretch",
        on_select_change=lambda: _on_select(prefix, key, names),
    )  # fmt: skip


# --- how the unit is computed ----------------------------------------------------------------------


def _n(v: float) -> str:
    """A number as the unit view writes it: 4 significant digits."""
    return f"{v:.4g}"


def unit_name(acts, layer: str, position: tuple[int, ...]) -> str:
    """A unit as the page writes it: "map 3, row 4, column 9"; a class by its name."""
    info = acts.layer(layer)
    if info.is_map:
        return f"map {position[0] + 1}, row {position[1] + 1}, column {position[2] + 1}"
    last = [row.name for row in acts.layers if row.kind == "dense"][-1]
    if info.kind == "softmax" or layer == last:
        return f"class '{convcore.networks.network_classes(acts.network)[position[0]]}'"
    return f"number {position[0] + 1}"


def summary(acts, unit) -> None:
    """One line under the overview: the chosen unit and its value (the details follow below it)."""
    info = unit.layer
    value = f"P = {unit.value:.4g}" if info.kind == "softmax" else f"{_n(unit.value)}"
    relu = f" (after the ReLU: {_n(unit.relu)})" if isinstance(unit, explain.ConvUnit) else ""
    st.markdown(f"Chosen: **{info.name}, {unit_name(acts, info.name, unit.position)} = {value}**{relu}. "
                "How it is computed from the layer before it is below.")  # fmt: skip


def explain_view(acts, unit) -> None:
    """How the chosen unit's number is made from the layer before it, with every number."""
    info = unit.layer
    where = unit_name(acts, info.name, unit.position)
    if isinstance(unit, explain.ConvUnit):
        _conv_view(acts, unit, where)
    elif isinstance(unit, explain.PoolUnit):
        s = unit.step
        st.markdown(f"**{info.name}, {where}** = the largest of its {s.values.shape[0]} x {s.values.shape[1]} "
                    f"window on map {unit.position[0] + 1} of {info.source}: **{_n(unit.value)}**.")  # fmt: skip
        picture, _ = grid.grid(s.values.astype(np.float64), title=f"{info.source}, map {unit.position[0] + 1}",
                               cell=None, tint="signed", chosen={s.chosen})  # fmt: skip
        encode.show(st, picture, alt=f"the pooling window of {info.name}, its maximum marked")
    elif isinstance(unit, explain.ReluUnit):
        st.markdown(f"**{info.name}, {where}** = max(0, {info.source} there) = max(0, {_n(unit.before)}) = "
                    f"**{_n(unit.value)}**. Negative numbers become 0; the rest pass unchanged.")  # fmt: skip
    elif isinstance(unit, explain.FlattenUnit):
        c, r, q = unit.source
        _, h, w = unit.source_shape
        st.markdown(
            f"**{info.name}, number {unit.index + 1}** of {info.shape[0]:,} is map {c + 1}, row {r + 1}, column "
            f"{q + 1} of {info.source} ({' x '.join(map(str, unit.source_shape))}): **{_n(unit.value)}**. Flattening "
            f"lays the maps end to end, each row by row. Counting from 0 (map {c}, row {r}, column {q}), its place "
            f"is (map x {h} + row) x {w} + column = ({c} x {h} + {r}) x {w} + {q} = {unit.index}: number "
            f"{unit.index + 1} counting from 1."
        )
    elif isinstance(unit, explain.DenseUnit):
        _dense_view(unit, where)
    else:
        _softmax_view(acts, unit)


def _conv_view(acts, unit, where: str) -> None:
    info, s = unit.layer, unit.step
    n, kh, kw = s.inputs.shape
    if info.source == "input":
        maps = {
            1: "**the 1 channel** of the input (brightness)",
            3: "**the 3 channels** of the input (red, green, blue)",
        }.get(n, f"**the {n} channels** of the input")
        whose = "channel"
    else:
        maps, whose = f"**the {n} maps** of {info.source}", "map"
    padded = any(r < 0 or r >= acts[info.source].shape[1] for r in unit.rows) or any(
        q < 0 or q >= acts[info.source].shape[2] for q in unit.cols
    )
    st.markdown(
        f"**{info.name}, {where}** adds up, over {maps}, each {whose}'s {kh} x {kw} window times its slice of "
        f"the kernel (one partial sum per {whose}), then adds the bias."
        + (" This is how a layer combines the maps before it." if n > 1 else "")
        + (" The window reaches past the edge: those cells are padding zeros." if padded else "")
    )
    order = np.argsort(-np.abs(unit.contributions)) if n > _MOST_TERMS else np.arange(n)
    picked = [int(c) for c in order[:_MOST_TERMS]]
    rest = n - len(picked)
    parts = [float(unit.contributions[c]) for c in picked]
    if rest:
        parts.append(float(unit.contributions.sum()) - sum(parts))
    # every number written with the same decimals, rounded so that the sums written are exact
    written = text.rounded_terms([*parts, unit.bias], text.decimals_for([*parts, unit.bias, unit.value]))
    cards = st.container(horizontal=True, gap="small")
    for c, w in zip(picked, written):
        card = cards.container(width=124, gap=None)
        pair = [mosaic.upscale(colour.colourise(a, "diverging", palette=session.palette()).rgb, 52)
                for a in (s.inputs[c], s.kernel[c])]  # fmt: skip
        encode.show(card, mosaic.side_by_side(pair, gap=6), width="stretch",
                    alt=f"map {c + 1} of {info.source}: its {kh} x {kw} window and its kernel slice")  # fmt: skip
        card.markdown(f"map {c + 1}: **{w}**")
    st.caption(f"Each pair: the window of a map of {info.source} (left) and that map's slice of the kernel "
               "(right), coloured as the signed maps are (white 0); below, their sum of products."
               + (f" The {len(picked)} maps that add the most (either sign) are shown; all {n} are summed."
                  if rest else ""))  # fmt: skip
    partial = _added(written[:-1])
    terms = " + ".join(f"({t})" for t in written[: len(picked)])
    if rest:
        terms += f" + (the other {rest} maps: {written[len(picked)]})"
    value = _added(written)
    st.markdown(
        f"Partial sums: {terms} = **{partial}**  \n"
        f"\\+ bias ({written[-1]}) = **{value}** (before the ReLU)  \n"
        f"ReLU: max(0, {value}) = **{value if unit.value > 0 else 0}**"
    )
    st.caption(
        "Numbers rounded so that they add up as written; point at a unit in the overview for its full value."
    )


def _added(written: list[str]) -> str:
    """The sum of numbers written with the same decimals, written with them too (exact)."""
    total = sum(Decimal(w) for w in written)
    return f"{total:.{max(0, -Decimal(written[0]).as_tuple().exponent)}f}"


def _dense_view(unit, where: str) -> None:
    info = unit.layer
    n = len(unit.inputs)
    top = np.argsort(-np.abs(unit.products))[:_MOST_TERMS]
    st.markdown(
        f"**{info.name}, {where}**: every one of the **{n:,}** numbers of {info.source} times its own weight, "
        f"all added, plus the bias. The {len(top)} products that add the most (either sign):"
    )
    table = pd.DataFrame({f"{info.source} number": top + 1, "input": unit.inputs[top], "weight": unit.weights[top],
                          "input x weight": unit.products[top]})  # fmt: skip
    st.dataframe(table, hide_index=True, width="content")
    total, bias = text.rounded_terms(
        [unit.total, unit.bias], text.decimals_for([unit.total, unit.bias, unit.value])
    )
    st.markdown(f"Sum of all {n:,} products = **{total}**; + bias ({bias}) = **{_added([total, bias])}**")


def _softmax_view(acts, unit) -> None:
    classes = convcore.networks.network_classes(acts.network)
    k = unit.index
    n = len(unit.logits)
    shift = f" - {_n(unit.shift)}" if unit.shift else ""
    st.markdown(
        f"**P('{classes[k]}')**: softmax turns the {n:,} scores (logits) of {unit.layer.source} into "
        f"probabilities: e to each score, divided by the sum of e to all of them."
    )
    top = [int(i) for i in np.argsort(-unit.logits)[:10]]
    if k not in top:
        top[-1] = k
    table = pd.DataFrame({"class": [classes[i] for i in top], "logit z": unit.logits[top],
                          f"e^(z{shift})": unit.exps[top], "probability": unit.exps[top] / unit.total})  # fmt: skip
    st.dataframe(table, hide_index=True, width="content")
    st.markdown(
        f"Sum of e^(z{shift}) over all {n:,} classes = **{_n(unit.total)}**.  \n"
        f"P('{classes[k]}') = e^({_n(float(unit.logits[k]))}{shift}) / {_n(unit.total)} = "
        f"{_n(float(unit.exps[k]))} / {_n(unit.total)} = **{_n(unit.probability)}** ({unit.probability:.1%})"
    )


# --- what a unit has learned ------------------------------------------------------------------------


def learned_view(prefix: str, key: str, acts, layer: str, channel: int) -> None:
    """The 9 held-out examples that excite the chosen map (or number) most, beside its map now."""
    tops = nets.top_examples(key)
    images = nets.held_out_digits()[0] if key == "digits" else nets.held_out_shapes()[0]
    picks = tops[layer][channel]
    tiles = [mosaic.upscale(_picture(images[i], key), 84) for i in picks]
    rows = [mosaic.side_by_side(tiles[i : i + 3], gap=4) for i in range(0, 9, 3)]
    a, b = st.columns([3, 2], gap="medium")
    info = acts.layer(layer)
    what = f"map {channel + 1}" if info.is_map else unit_name(acts, layer, (channel,))
    encode.show(a, mosaic.stack(rows, gap=4), width=min(360, 3 * 88),
                alt=f"the 9 held-out examples that excite {what} of {layer} most")  # fmt: skip
    a.caption(f"The 9 held-out examples (of {len(images):,}) that excite {what} of {layer} most"
              + (" (its largest value anywhere on the map)." if info.is_map else "."))  # fmt: skip
    if info.is_map:
        value = acts[layer][channel]
        c = colour.colourise(value, "diverging" if value.min() < 0 else "relu", palette=session.palette())
        encode.show(
            b, mosaic.upscale(c.rgb, 224), width="stretch", alt=f"{what} of {layer} for the current input"
        )
        b.caption(
            f"{what.capitalize()} of {layer} for the input above ({value.shape[0]} x {value.shape[1]})."
        )


def network_table(network) -> None:
    """A network's layers as the overview shows them: kind, output shape, parameters
    (:func:`convcore.network_layers`; the layers page shows it too)."""
    rows = convcore.network_layers(network)
    table = pd.DataFrame([[r.name, r.kind, " x ".join(map(str, r.shape)), r.params] for r in rows],
                         columns=["layer", "kind", "output", "parameters"])  # fmt: skip
    st.dataframe(table, hide_index=True, width="stretch", height="content",
                 column_config={"parameters": st.column_config.NumberColumn("parameters", format="%,d")})  # fmt: skip
    st.caption(
        f"{sum(r.params for r in rows):,} parameters in all. Flatten, ReLU, pooling and softmax learn nothing."
    )

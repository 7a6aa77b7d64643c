"""The parts of "Can you trust a heat map?" (issue 16): the class to explain, four saliency methods
side by side, occlusion with its cost said first, the model-randomisation sanity check and an
adversarial example, on any of the app's three networks.

Every number comes from :mod:`convcore.nets.trust` through the caches of :mod:`app.nets`; this
module only lays them out and colours them.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st
import torch

import convcore
from app import nets, session
from app.draw import colour, encode, mosaic
from app.session import LINK, internal
from app.widgets.overview import NetInput
from convcore.nets import trust

#: The methods in the order the page shows them, with their names and one-line descriptions.
METHODS = {
    "gradient": "Gradient",
    "guided": "Guided backprop",
    "smoothgrad": "SmoothGrad",
    "gradcam": "Grad-CAM",
}
#: Pictures are enlarged to at least this side (square pixels), so a 28 x 28 digit is not a stamp.
SIDE = 224
#: Occlusion's patch (side, stride) when a network is first opened: AlexNet's is issue 16's
#: 32 / 16 (13 x 13 places); the small networks' cover their input in about 11 to 14 steps.
OCCLUSION_DEFAULTS = {"digits": (7, 2), "tiny_vgg": (12, 4), "alexnet": (32, 16)}
#: The longest one occlusion may take, estimated from this server's own speed before it runs (a
#: classroom server is shared): longer is refused with a sentence, not queued. AlexNet's 32 / 16
#: takes about 1.5 s, stride 4 about 25 s; Tiny VGG's patch 1 / stride 1 about 2.5 s.
MOST_SECONDS = 45.0
#: Seconds per forward pass before this session has measured the server's own. bench/bench_trust
#: measured about 0.006 s for AlexNet in batches on 2 idle cores; a classroom server is busier.
_PASS_SECONDS = {"digits": 0.0002, "tiny_vgg": 0.0006, "alexnet": 0.008}
#: Occlusion runs without a button when it should take less than this.
QUICK_SECONDS = 1.0
#: FGSM strengths searched for the smallest that flips the answer (fractions of the pixel range).
FLIP_GRID = {
    "digits": tuple(i / 200 for i in range(101)),  # 0 to 0.5 in steps of 0.005
    "tiny_vgg": tuple(i / 200 for i in range(101)),
    "alexnet": tuple(i / 255 for i in range(33)),  # 0 to 32/255 in steps of 1/255
}


@dataclass(frozen=True, eq=False)
class Subject:
    """One network, one input and the class to explain."""

    key: str  # "digits", "tiny_vgg" or "alexnet"
    model_key: str  # what the caches key the model by
    net: torch.nn.Module  # the shared model: read only
    input: NetInput
    classes: tuple[str, ...]
    probs: np.ndarray  # the network's class probabilities for the input
    predicted: int
    target: int  # the class explained

    @property
    def name(self) -> str:
        return self.classes[self.target]

    def said(self, k: int | None = None) -> str:
        """A class with its probability: "'7' (99.2 %)"."""
        k = self.target if k is None else k
        return f"'{self.classes[k]}' ({percent(self.probs[k])})"


def percent(p: float) -> str:
    """A probability as the page writes it, with a non-breaking space before "%": one decimal from
    10 % to 99.9 % ("92.7 %"), three digits from 0.1 % to 10 % ("5.43 %", "0.102 %": an untrained
    AlexNet's thousand classes are all near 0.1 %); closer to 0 or 1, enough decimals to show two
    digits of what is left ("99.9968 %", "0.0021 %"); beyond what a 32-bit softmax can tell apart,
    "> 99.99999 %"."""
    p = float(p)
    if 0.1 <= p <= 0.999:
        return f"{100 * p:.1f}\u00a0%"
    if 0.001 <= p < 0.1:
        return f"{100 * p:.{2 - math.floor(math.log10(100 * p))}f}\u00a0%"
    tail = 100 * (p if p < 0.001 else 1 - p)  # in percent
    if tail < 1e-5:
        return "< 0.00001\u00a0%" if p < 0.5 else "> 99.99999\u00a0%"
    decimals = min(6, max(1, 1 - math.floor(math.log10(tail))))
    return f"{100 * p:.{decimals}f}\u00a0%"


def subject(prefix: str, key: str, kind: str, net_input: NetInput, target) -> Subject:
    """The network ``key`` (AlexNet's ``kind``) on the input, and the class picker's answer."""
    net = nets.network_model(key, kind)
    model_key = key if key != "alexnet" else f"alexnet:{kind}"
    acts = nets.activations(model_key, net_input.key, net, net_input.x)
    probs = np.asarray(acts[acts.layers[-1].name], dtype=np.float64)
    predicted = int(probs.argmax())
    classes = convcore.networks.network_classes(acts.network)
    return Subject(
        key, model_key, net, net_input, classes, probs, predicted, predicted if target < 0 else target
    )


def class_picker(target, key: str, probs_of) -> int:
    """The class to explain (-1: whatever the network predicts), in a selectbox in ``target``;
    ``probs_of()`` gives (classes, probabilities). AlexNet's 1000 classes are listed most probable
    first. The labels are the class names alone: the link holds a label, and one with a
    probability in it would not open the same class on another input."""
    classes, probs = probs_of()
    order = np.argsort(-probs)
    options = [-1] + [int(i) for i in (order if len(classes) > 20 else range(len(classes)))]
    return target.selectbox(
        "Explain the class",
        options,
        format_func=lambda i: "Its answer (the most probable class)" if i < 0 else classes[i],
        key=key,
        bind=LINK,
        help="The maps show the evidence for this class. Choose one the network did not predict too: "
        "a method that draws the same map for every class is not explaining the class.",
    )


def said_line(target, s: Subject) -> None:
    """What the network says, and the class explained, with their probabilities (beside the picker)."""
    line = f"It says {s.said(s.predicted)}."
    if s.target != s.predicted:
        line += f" Explained: {s.said()}."
    target.markdown(line)


# --- pictures ------------------------------------------------------------------------------------------


def _alt_input(s: Subject) -> str:
    return f"the input as the network sees it. {s.input.said}"


def _enlarged(rgb: np.ndarray) -> np.ndarray:
    return mosaic.upscale(rgb, SIDE)


def map_picture(s: Subject, method: str, values: np.ndarray) -> np.ndarray:
    """A saliency map as the page draws it: the gradients on the sequential scale (0 black, the
    99th percentile white: the top 1 % saturate), Grad-CAM over the input."""
    if method == "gradcam":
        return mosaic.overlay(_enlarged(s.input.picture), np.asarray(values))
    top = colour.full_scale(values, "absolute", stretch=True)
    return _enlarged(colour.colourise(values, "absolute", top=top, palette=session.palette()).rgb)


def _show_row(pictures: list[tuple[np.ndarray, str, str]], slots: int = 0) -> None:
    """Pictures side by side, each with its caption and its alt text, in rows of ``slots`` columns
    (0: one row of them all; a last, shorter row keeps the others' size)."""
    per_row = slots or len(pictures)
    for start in range(0, len(pictures), per_row):
        row = pictures[start : start + per_row]
        for col, (rgb, caption, alt) in zip(st.columns(per_row, gap="small"), row):
            encode.show(col, rgb, caption=caption, width="stretch", alt=alt)


def _last_conv_side(s: Subject) -> str:
    rows = convcore.network_layers(convcore.NETWORKS[s.key])
    last = [row for row in rows if row.kind == "relu" and row.is_map][-1]
    return f"{last.name}, {last.shape[1]} x {last.shape[2]}"


# --- saliency --------------------------------------------------------------------------------------------


def saliency_view(s: Subject) -> None:
    """The four methods side by side for the chosen class."""
    pictures = [(_enlarged(s.input.picture), f"Input: it says {s.said(s.predicted)}", _alt_input(s))]
    for method, title in METHODS.items():
        values = nets.saliency(s.model_key, s.input.key, s.net, s.input.x, s.target, method)
        pictures.append((map_picture(s, method, values), title,
                         f"{title} map for the class '{s.name}' over the input"))  # fmt: skip
    # One row, all five on the first screen: about 105 pixels each at 1024 with the sidebar, 170 at
    # 1366, 180 presenting at 1024 (rows of three would push Grad-CAM below the fold at 1024).
    _show_row(pictures)
    st.markdown(
        f"Each map answers *where is the evidence for {s.said()}?* in its own way:\n"
        "- **Gradient** (Simonyan et al., 2014): how much the class's score changes when one pixel changes a "
        "little. Dark: not at all; bright: the most (the top 1 % saturate).\n"
        "- **Guided backprop** (Springenberg et al., 2015): the same gradient, but each ReLU passes back only "
        "positive gradients where its input was positive. Sharper, and, as the *Sanity check* tab shows, partly "
        "a picture of the input's edges.\n"
        "- **SmoothGrad** (Smilkov et al., 2017): the gradient averaged over 25 copies of the input, each with "
        "Gaussian noise added (standard deviation 15 % of the input's range, darkest to brightest): less speckle.\n"
        f"- **Grad-CAM** (Selvaraju et al., 2017): the last conv layer's maps ({_last_conv_side(s)}), each "
        "weighted by how much it raises the class's score, added up, negative parts set to 0 (a ReLU) and "
        "enlarged: coarse, but about the class."
        + (
            " On a digit it often lights up empty background too: the last layer's maps respond there as well "
            "(where no stroke is tells a digit apart too: a 7 has nothing at its lower right), and its grid is coarse."
            if s.key == "digits"
            else ""
        )
    )


# --- occlusion -------------------------------------------------------------------------------------------


def _seconds_per_pass(s: Subject) -> float:
    """This session's measured pace on this model (pretrained and untrained AlexNet apart), else a
    first guess: the untrained AlexNet draws its dense layers again for each batch (about 0.4 s per
    batch of 64 on 2 cores), so it starts from twice the pretrained one's."""
    first = _PASS_SECONDS[s.key] * (2 if s.model_key == f"alexnet:{nets.UNTRAINED}" else 1)
    return st.session_state.get(internal("tr", f"pass_s.{s.model_key}"), first)


def occlusion_view(prefix: str, s: Subject) -> None:
    """Slide a patch over the input, with the cost said before it runs, a progress bar and Cancel."""
    c, h, w = convcore.NETWORKS[s.key].input_shape
    side = min(h, w)
    win0, stride0 = OCCLUSION_DEFAULTS[s.key]
    p = f"{prefix}.{s.key}"
    a, b, fill_col = st.columns([4, 4, 4], gap="medium")
    window = a.slider("Patch size (pixels)", 1, side // 2, win0, key=f"{p}.window", bind=LINK,
                      help="The side of the square that hides part of the input")  # fmt: skip
    stride = b.slider("Stride (pixels)", 1, side // 2, stride0, key=f"{p}.stride", bind=LINK,
                      help="How far the patch moves between two forward passes")  # fmt: skip
    fills = {"Grey": 0.5, "Black": 0.0, "Mean": "mean"}
    fill_name = fill_col.radio("Patch", list(fills), index=1 if s.key == "digits" else 0, key=f"{p}.fill",
                               horizontal=True, bind=LINK,
                               help="What the patch holds: grey, black, or the input's mean colour. Zeiler and Fergus (2014) "
                               "used grey on photos; on a digit drawn white on black, black is 'nothing there' and grey "
                               "is a stroke.")  # fmt: skip
    fill = fills[fill_name]
    rows, cols = trust.occlusion_grid((c, h, w), window, stride)
    passes = rows * cols + 1
    seconds = passes * _seconds_per_pass(s)
    cost = (
        f"The patch stops at {rows} x {cols} = {rows * cols:,} places: **{passes:,} forward passes** "
        f"(one per place, plus the input itself): {_duration(seconds)} on this server."
    )
    if stride > window:
        gap = stride - window
        cost += (f" The stride is larger than the patch: a band {gap} pixel{'s' if gap > 1 else ''} wide between "
                 "neighbouring patches is never hidden.")  # fmt: skip
    missed_rows, missed_cols = h - ((rows - 1) * stride + window), w - ((cols - 1) * stride + window)
    if missed_rows or missed_cols:
        edge = " and ".join(
            f"the last {what}" if n == 1 else f"the last {n} {what}s"
            for n, what in ((missed_rows, "row"), (missed_cols, "column"))
            if n
        )
        cost += f" The patch never reaches {edge} (the stride does not fit the picture exactly)."
    if seconds > MOST_SECONDS:
        st.warning(
            f"{cost} That is longer than {MOST_SECONDS:.0f} s, too long on a shared classroom server: make the "
            "stride or the patch larger."
        )
        return
    st.markdown(cost)
    args = (s.model_key, s.input.key, s.target, window, stride, fill)
    ready = nets.occlusion_cached(*args) or seconds < QUICK_SECONDS
    buttons = st.container(horizontal=True, gap="small")
    go_slot = buttons.empty()  # the Compute button, gone once the map is here
    go = ready or go_slot.button(f"Compute ({passes:,} passes)", type="primary", icon=":material/play_arrow:",
                                 key=internal(prefix, "occlude"))  # fmt: skip
    cancel_slot = buttons.empty()  # the Cancel button, while it computes
    if st.session_state.pop(internal(prefix, "cancelled"), False):
        st.info("Cancelled: nothing was kept. Press Compute to start again.")
    if not (ready or go):
        st.caption("Press Compute: the map appears here.")
        return
    bar = st.progress(0.0, text=f"1 of {passes:,} forward passes")
    # A click reruns the page: Streamlit stops this run at its next message (the progress bar's), and
    # the callback leaves the sentence for the new run.
    cancel_slot.button("Cancel", icon=":material/stop:", key=internal(prefix, "cancel"), on_click=_cancelled,
                       args=(prefix,))  # fmt: skip
    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        bar.progress(done / total, text=f"{done + 1:,} of {total + 1:,} forward passes")

    drops = nets.occlusion(s.model_key, s.input.key, s.net, s.input.x, s.target, window, stride, fill,
                           on_progress=progress)  # fmt: skip
    spent = time.perf_counter() - started
    if spent > 0.2:  # a computed map (not one from the cache): this server's own speed, for next time
        st.session_state[internal("tr", f"pass_s.{s.model_key}")] = spent / passes
    bar.empty()
    cancel_slot.empty()
    go_slot.empty()
    _show_occlusion(s, drops, window, stride)


def _cancelled(prefix: str) -> None:
    st.session_state[internal(prefix, "cancelled")] = True


def _duration(seconds: float) -> str:
    if seconds < 1:
        return "under a second"
    if seconds < 90:
        return f"about {seconds:.0f} s"
    return f"about {seconds / 60:.0f} min"


def _show_occlusion(s: Subject, drops: np.ndarray, window: int, stride: int) -> None:
    h, w = s.input.picture.shape[:2]
    per_pixel = trust.occlusion_per_pixel(drops, (h, w), window, stride)
    top = float(np.abs(drops).max()) or 1.0
    grid = colour.colourise(drops, "diverging", top=top, palette=session.palette())
    heat = np.clip(per_pixel / top, 0, 1)
    _show_row([
        (_enlarged(s.input.picture), f"Input: p('{s.name}') is {percent(s.probs[s.target])}", _alt_input(s)),
        (mosaic.upscale(grid.rgb, SIDE), f"Drop of p('{s.name}'), one cell per place",
         f"occlusion map, {drops.shape[0]} x {drops.shape[1]} places, red where hiding lowers the probability"),
        (mosaic.overlay(_enlarged(s.input.picture), heat), "Where hiding hurts most",
         "the drops, averaged over the patches covering each pixel, over the input"),
    ])  # fmt: skip
    st.markdown(occlusion_sentence(s, drops, window, stride, top))


def _span(start: int, window: int, what: str) -> str:
    """Rows or columns a patch covers: "row 16" or "rows 16-47"."""
    return f"{what} {start}" if window == 1 else f"{what}s {start}-{start + window - 1}"


def occlusion_sentence(s: Subject, drops: np.ndarray, window: int, stride: int, top: float) -> str:
    """The occlusion map in words: its scale, and the place that lowers the class's probability most
    (or, for a class it did not predict, raises it most), with the probability before and after."""
    base = float(s.probs[s.target])

    def place(index: int) -> str:
        i, j = np.unravel_index(index, drops.shape)
        return f"the patch at {_span(i * stride, window, 'row')}, {_span(j * stride, window, 'column')}"

    fall, rise = float(drops.max()), float(drops.min())
    pos, neg = ("Orange", "purple") if session.palette()[0] == "PuOr_r" else ("Red", "blue")
    said = (
        f"{pos}: hiding the patch there lowers p('{s.name}'); {neg}: raises it. The scale runs from "
        f"{-top:+.2g} to {top:+.2g} (probability, 0 to 1)."
    )
    lowers = (
        f"{place(int(np.argmax(drops)))} lowers it the most: from {percent(base)} to {percent(base - fall)}"
        if fall > 0
        else "No place lowers it"
    )
    raises = (
        f"{place(int(np.argmin(drops)))} raises it the most: from {percent(base)} to {percent(base - rise)}"
        if rise < 0
        else "no place raises it"
    )
    if s.target != s.predicted:  # a class it did not choose: what would make it more likely comes first
        return f"{said} {raises[0].upper()}{raises[1:]}; {lowers[0].lower()}{lowers[1:]}."
    return f"{said} {lowers[0].upper()}{lowers[1:]}; {raises}."


# --- sanity check --------------------------------------------------------------------------------------


def _step_label(layer: str, first: str, start: str = "as trained") -> str:
    if not layer:
        return f"none ({start})"
    return f"{layer} and above" if layer != first else layer


def _start(s: Subject) -> str:
    """What the network is before the first step: trained, or (AlexNet without its weights) not."""
    return "as loaded, untrained" if s.model_key == f"alexnet:{nets.UNTRAINED}" else "as trained"


def sanity_view(prefix: str, s: Subject) -> None:
    """Adebayo et al.'s cascading randomisation, one click, each step drawn as it comes."""
    st.markdown(
        "A map that explains the **network** must change when the network's learned weights are replaced by "
        "random ones. Adebayo et al. (2018) randomised a trained network's layers from the top down and found "
        "that some methods still draw much the same map: they show the **picture** (its edges), not what the "
        "network learned. The similarity is Spearman's rank correlation with the trained network's map: 1 the same "
        "order of importance, 0 unrelated."
    )
    cached = nets.sanity_cached(s.model_key, s.input.key, s.target)
    learned = [
        row.name for row in convcore.network_layers(convcore.NETWORKS[s.key]) if row.kind in ("conv", "dense")
    ]
    slot = st.empty()  # the button, then (once the steps are here) what to do with them
    go = cached or slot.button(f"Randomise the {len(learned)} layers, top down", type="primary",
                               icon=":material/shuffle:", key=internal(prefix, "randomise"))  # fmt: skip
    if not go:
        st.caption(f"One click: {', '.join(reversed(learned))} are re-drawn at random one after another (a copy; the "
                   "app's network is not changed), and the four maps are drawn again after each step.")  # fmt: skip
        return
    live = st.empty()
    start = _start(s)
    untrained = start != "as trained"
    bar = st.progress(0.0, text=f"The maps of the network {start}")
    first = learned[-1]

    def on_step(step) -> None:
        n = 1 + (len(learned) - learned.index(step.layer) if step.layer else 0)
        bar.progress(n / (len(learned) + 1), text=f"Step {n} of {len(learned) + 1}: randomised "
                     f"{_step_label(step.layer, first, start)}")  # fmt: skip
        with live.container():
            _maps_row(s, step, f"Randomised: {_step_label(step.layer, first, start)}")

    steps = nets.sanity(s.model_key, s.input.key, s.net, s.input.x, s.target, on_step=on_step)
    bar.empty()
    live.empty()
    slot.caption(f"Every layer was randomised in turn ({', '.join(reversed(learned))}): move the slider to replay "
                 "the steps.")  # fmt: skip
    labels = [_step_label(step.layer, first, start) for step in steps]
    chosen = st.select_slider("Randomised down to", labels, labels[-1], key=f"{prefix}.{s.key}.step", bind=LINK,
                              help="Replay the steps: the maps of the network as it was (top) and of this step (below)")  # fmt: skip
    step = steps[labels.index(chosen)]
    _maps_row(s, steps[0], "As loaded (untrained)" if untrained else "Trained")
    if step is not steps[0]:  # (at "none" the two rows would be the same)
        _maps_row(s, step, f"Randomised: {chosen}")
    frame = pd.DataFrame(
        {
            "randomised": labels,
            **{METHODS[m]: [_similarity(st_.similarity[m]) for st_ in steps] for m in METHODS},
            "it says": [s.classes[st_.prediction] for st_ in steps],
        }  # fmt: skip
    )
    st.markdown(f"**Rank correlation with the map of the network {start}**, step by step")
    st.dataframe(frame, hide_index=True, width="stretch")
    if any(np.isnan(v) for st_ in steps for v in st_.similarity.values()):
        st.caption(
            "A blank map has no order to compare. Grad-CAM sets negative evidence to 0 (its ReLU): when no map of "
            "the last conv layer raises the class's score, nothing is left to draw."
        )
    st.markdown(_untrained_verdict(steps) if untrained else _verdict(steps, s.key))


def _similarity(r: float) -> str:
    return "blank map" if np.isnan(r) else f"{r:.2f}"


def _maps_row(s: Subject, step, title: str) -> None:
    pictures = []
    for method, name in METHODS.items():
        r = step.similarity[method]
        said = "blank map" if np.isnan(r) else f"similarity {r:.2f}"  # (see _similarity)
        pictures.append((map_picture(s, method, step.maps[method]), f"{name}: {said}" if step.layer else name,
                         f"{name} map, {title}"))  # fmt: skip
    st.markdown(f"**{title}** (it says '{s.classes[step.prediction]}')")
    _show_row(pictures)


#: Issue 16's figure on the digit CNN (tests/test_trust computes it and checks these numbers):
#: the mean rank correlation with the trained network's map after randomising every layer, over the
#: first 40 held-out digits it gets right.
DIGIT_SANITY_FIGURE = {"gradient": 0.28, "guided": 0.43, "digits": 40}


def _untrained_verdict(steps) -> str:
    """The sanity check on a network that was never trained: there is no learned map to lose."""
    last = steps[-1].similarity
    g, gb = last["gradient"], last["guided"]
    numbers = (
        ""
        if np.isnan(g) or np.isnan(gb)
        else f" (here {g:.2f} for the gradient, {gb:.2f} for guided backprop)"
    )
    return (
        "This AlexNet was never trained: randomising it swaps one set of random weights for another, so there is "
        f"nothing learned to lose and the similarities{numbers} say nothing about Adebayo et al.'s question. Whatever "
        "still looks like the picture in these maps comes from the picture itself. Load the pretrained weights (end "
        "of the page) to run the real test."
    )


def _verdict(steps, key: str) -> str:
    """What the last step says about guided backprop against the gradient, and whether this input
    agrees with the paper."""
    last = steps[-1].similarity
    g, gb = last["gradient"], last["guided"]
    if np.isnan(g) or np.isnan(gb):
        return "With every layer random, a map came out blank: no similarity to compare."
    said = (
        f"With every layer random, the gradient's map keeps a rank correlation of {g:.2f} with the trained "
        f"network's, guided backprop's {gb:.2f}."
    )
    if gb > g:
        return said + (
            " Guided backprop changed less: as Adebayo et al. found, it partly shows the input rather than the "
            "network."
        )
    said += (
        " On this input guided backprop changed **more** than the gradient, unlike Adebayo et al.'s finding."
    )
    if key == "digits":
        f = DIGIT_SANITY_FIGURE
        said += (
            f" Over {f['digits']} held-out digits it changes less on average ({f['guided']:.2f} against "
            f"{f['gradient']:.2f}): one input is one sample."
        )
    return said + " Try other inputs."


# --- adversarial example ----------------------------------------------------------------------------------


def adversarial_view(prefix: str, s: Subject) -> None:
    """FGSM on the input: the strength, the direction, what it says before and after, the change
    magnified, and where Grad-CAM looks."""
    p = f"{prefix}.{s.key}"
    a, b = st.columns([1, 1], gap="medium")
    if s.key == "alexnet":
        levels = a.slider("Strength ε (pixel levels of 255)", 0, 32, 2, key=f"{p}.eps", bind=LINK,
                          help="Every pixel of every colour moves up or down by this many levels, kept within 0 to 255")  # fmt: skip
        eps, eps_text = levels / 255, f"{levels}/255"
    else:
        eps = a.slider("Strength ε", 0.0, 0.5, 0.1, FLIP_GRID[s.key][1], key=f"{p}.eps", bind=LINK, format="%.3f",
                       help="Every pixel moves up or down by ε, kept within 0 (black) to 1 (white): a black pixel cannot get darker")  # fmt: skip
        eps_text = f"{eps:g}"
    # Its own answer is not a direction to push in (it already says it); the labels hold no
    # probability or answer, so a link opens the same choice on another input.
    options = [-1] + [i for i in range(len(s.classes)) if i != s.predicted]
    towards = b.selectbox("Push", options, key=f"{p}.towards", bind=LINK,
                          format_func=lambda i: "away from its answer" if i < 0 else f"towards '{s.classes[i]}'")  # fmt: skip
    targeted = towards >= 0
    goal = towards if targeted else s.predicted
    if s.target not in (s.predicted, towards):
        st.caption(f"The class explained above ('{s.name}') is not used here: choose *towards '{s.name}'* in Push "
                   "to make the network say it.")  # fmt: skip
    attack = nets.attack(s.model_key, s.input.key, s.net, s.input.x, goal, eps, targeted)
    network = convcore.NETWORKS[s.key]
    picture = convcore.networks.network_picture(network, attack.x)
    change = picture.astype(np.float64) - s.input.picture.astype(np.float64)
    gain = 127 / max(eps * 255, 1.0)  # ±ε to the ends of the range
    magnified = np.clip(np.rint(128 + gain * change), 0, 255).astype(np.uint8)
    new = int(attack.after.argmax())
    answer = s.classes[s.predicted]
    _show_row([
        (_enlarged(s.input.picture), f"Input: '{answer}'", _alt_input(s)),
        (_enlarged(magnified), f"The change, ×{gain:.0f}" if eps > 0 else "No change (ε = 0)",
         "the perturbation magnified: brighter where pixels went up, darker where they went down, grey unchanged"),
        (_enlarged(picture), f"Perturbed: '{s.classes[new]}'", f"the perturbed input, read as '{s.classes[new]}'"),
    ])  # fmt: skip
    before, after = st.columns(2, gap="medium")
    _top5(before, "Before", s.classes, attack.before)
    _top5(after, f"After (ε = {eps_text})", s.classes, attack.after)
    cam_before = nets.saliency(s.model_key, s.input.key, s.net, s.input.x, s.predicted, "gradcam")
    adv_key = f"{s.input.key}|fgsm:{goal}:{eps!r}:{targeted}"
    cam_after = nets.saliency(s.model_key, adv_key, s.net, torch.tensor(attack.x), s.predicted, "gradcam")
    st.markdown(f"**Where Grad-CAM finds '{answer}'**, before and after")
    _show_row([
        (mosaic.overlay(_enlarged(s.input.picture), cam_before), "Before", f"Grad-CAM of '{answer}' on the input"),
        (mosaic.overlay(_enlarged(picture), cam_after), "After",
         f"Grad-CAM of '{answer}' on the perturbed input"),
    ], slots=3)  # fmt: skip
    flip = nets.smallest_flip(s.model_key, s.input.key, s.net, s.input.x, goal, FLIP_GRID[s.key], targeted)
    grid = FLIP_GRID[s.key]
    step_text = "1/255" if s.key == "alexnet" else f"{grid[1]:g}"
    end_text = "32/255" if s.key == "alexnet" else f"{grid[-1]:g}"
    aim = f"makes it say '{s.classes[goal]}'" if targeted else f"changes its answer '{s.classes[goal]}'"
    if flip is None:
        found = f"No strength up to {end_text} {aim} (searched in steps of {step_text})."
    else:
        shown = f"{round(flip * 255)}/255" if s.key == "alexnet" else f"{flip:g}"
        found = f"The smallest strength that {aim}: **ε = {shown}** (searched from 0 to {end_text} in steps of {step_text})."
    how = (
        "FGSM (Goodfellow et al., 2015) moves every pixel by ε, in the direction that lowers the probability of its "
        "answer the fastest (the sign of the loss's gradient), kept within the picture's range: one step, the same "
        "size everywhere."
        if not targeted
        else "This is FGSM's targeted variant (Kurakin et al., 2017): every pixel moves by ε, in the direction that "
        "raises the chosen class's probability the fastest (the sign of the loss's gradient), kept within the "
        "picture's range: one step, the same size everywhere."
    )
    st.markdown(f"{found} {how}")


def _top5(target, title: str, classes, probs: np.ndarray) -> None:
    """The five most probable classes, each probability written with the digits that matter."""
    top = np.argsort(-probs)[:5]
    frame = pd.DataFrame(
        {"class": [classes[i] for i in top], "probability": [percent(probs[i]) for i in top]}
    )
    target.markdown(f"**{title}**")
    # a static table: every name and number wraps to the column, nothing is cut at 1024 pixels
    target.table(frame, hide_index=True, border="horizontal")

"""Can you trust a heat map? Four saliency methods side by side, occlusion, the model-randomisation
sanity check and an adversarial example, for any class, on the app's three networks."""

import streamlit as st

from app import nets, session
from app.session import LINK
from app.widgets import nets as nets_widgets
from app.widgets import overview
from app.widgets import trust as tw

P = "tr"
st.title("Can you trust a heat map?")
if not session.presenting():
    st.caption(
        "Heat maps say where a network looks. Compare four ways of drawing them, test them by hiding parts of the "
        "input and by randomising the network, and fool the network with small changes to every pixel (on a photo, too small to see)."
    )
c1, c2 = st.columns([3, 11])  # the input's widgets get the room, as on the network page
key = c1.selectbox("Network", list(nets.NETWORKS), format_func=nets.NETWORKS.get, key=f"{P}.net", bind=LINK)
problem = nets.pretrained_status() if key == "alexnet" else None
kind = nets.UNTRAINED if problem else nets.PRETRAINED
if key == "alexnet" and not problem:
    kind = c2.radio(
        "Model", [nets.PRETRAINED, nets.UNTRAINED], key=f"{P}.alexnet.model", horizontal=True, bind=LINK
    )
shows = "the maps for it appear below"
if key != "alexnet":
    with c2:
        net_input = overview.choose_input(P, key, kind, shows)
else:
    net_input = overview.choose_input(P, key, kind, shows)
    st.caption(f"{net_input.said} Change it in the sidebar (Your image), or under Picture in presenter mode.")
if key == "alexnet" and problem:
    nets_widgets.untrained_notice()
if net_input is not None:  # (else choose_input has said why: nothing drawn yet, or no digit found)
    first = tw.subject(P, key, kind, net_input, -1)
    pick, said = st.columns([5, 4], vertical_alignment="bottom")
    target = tw.class_picker(pick, f"{P}.{key}.explain", lambda: (first.classes, first.probs))
    s = tw.subject(P, key, kind, net_input, target)
    tw.said_line(said, s)
    saliency, occlusion, sanity, adversarial = st.tabs(
        ["Saliency maps", "Occlusion", "Sanity check", "Adversarial example"],
        key=f"{P}.tab",
        on_change="rerun",
        bind=LINK,
    )
    with saliency:
        if saliency.open:
            tw.saliency_view(s)
    with occlusion:
        if occlusion.open:
            tw.occlusion_view(P, s)
    with sanity:
        if sanity.open:
            tw.sanity_view(P, s)
    with adversarial:
        if adversarial.open:
            tw.adversarial_view(P, s)
    if key == "alexnet" and kind == nets.UNTRAINED and not problem:  # (else the notice above said it)
        st.caption(
            "Untrained AlexNet: its answers are noise. A heat map that still looks meaningful here shows the picture, "
            "not the network: the question of the Sanity check tab."
        )
if key == "alexnet" and problem:
    nets_widgets.weights_panel(P, problem)

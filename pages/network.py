"""Inside a network: every layer of a real network for one input, and any unit computed from the
maps before it (CNN Explainer's overview, offline, on three networks); and a second layer built by
hand from four edge maps."""

import streamlit as st

from app import nets, session
from app.session import LINK
from app.widgets import combine, overview
from app.widgets import nets as nets_widgets

P = "nw"
st.title("Inside a network")
if not session.presenting():  # the lesson bar names the page; the overview needs the room
    st.caption(
        "Each column is a layer of a real network, each picture one of its maps. Click any unit to see how it is "
        "computed from the layer before it."
    )
c1, c2 = st.columns([3, 11])  # the input row gets the room: class names such as "horizontal stripes"
key = c1.selectbox("Network", list(nets.NETWORKS), format_func=nets.NETWORKS.get, key=f"{P}.net", bind=LINK)
problem = nets.pretrained_status() if key == "alexnet" else None
kind = nets.UNTRAINED if problem else nets.PRETRAINED
if key == "alexnet" and not problem:
    kind = c2.radio(
        "Model", [nets.PRETRAINED, nets.UNTRAINED], key=f"{P}.alexnet.model", horizontal=True, bind=LINK
    )
layers, by_hand = st.tabs(
    ["Every layer", "Combine maps by hand"], key=f"{P}.tab", on_change="rerun", bind=LINK
)
with layers:
    with c2 if key != "alexnet" else st.container():
        net_input = overview.choose_input(P, key, kind)
    if key == "alexnet" and problem:
        nets_widgets.untrained_notice()
    if net_input is not None:  # (else choose_input has said why: nothing drawn yet, or no digit found)
        net = nets.network_model(key, kind)
        model_key = key if key != "alexnet" else f"alexnet:{kind}"
        acts = nets.activations(model_key, net_input.key, net, net_input.x)
        layer, position = overview.chosen_unit(P, key, acts)
        unit = nets.unit(model_key, net_input.key, net, net_input.x, layer, position)
        if layers.open:
            overview.overview(P, key, net_input, acts, layer, unit)
            overview.summary(acts, unit)
            overview.unit_controls(P, key, acts)
            overview.explain_view(acts, unit)
            st.subheader("What this unit has learned")
            if key == "alexnet":
                st.caption("The held-out examples that excite a unit most are shown for the two offline networks, "
                           "which come with a held-out set.")  # fmt: skip
            else:
                overview.learned_view(P, key, acts, layer, position[0])
            with st.expander(f"{acts.network.title}: every layer's output shape and parameters"):
                overview.network_table(acts.network)
with by_hand:
    if by_hand.open:
        combine.show(P)
if key == "alexnet" and problem:
    nets_widgets.weights_panel(P, problem)

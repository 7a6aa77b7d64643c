"""Train a CNN: watch the first layer's filters emerge from noise, then test the network on a digit."""

import numpy as np
import streamlit as st
from streamlit_drawable_canvas import st_canvas

from app import nets, registry, server, session, training
from app.draw import encode, mosaic
from app.session import LINK, internal
from app.widgets import nets as nets_widgets
from convcore.nets import digits, lenet

P = "train"
JOB = internal(P, "job")
st.title("Train a CNN")
st.caption(
    "Filters are not designed, they are learned. This small network (in LeNet-5's style: conv, ReLU, pool, twice, "
    "then dense layers) starts from random numbers and learns to read digits drawn with 8 fonts, rotated, scaled, "
    "shifted and made noisy."
)

# The settings on the left, the filters on the right: the picture is on the first screen, also presenting.
settings, now = st.columns([2, 3], gap="large")
start = lenet.TRAIN_PAGE_CONFIG  # defaults under which the filters visibly emerge from noise
with settings:
    filters = st.slider("Filters in layer 1", 2, 16, start.filters, key=f"{P}.filters", bind=LINK)
    kernel = st.select_slider("Kernel size", [3, 5, 7], start.kernel, key=f"{P}.kernel", bind=LINK)
    rate = st.select_slider("Learning rate", training.LEARNING_RATES, start.learning_rate, key=f"{P}.lr",
                            help="How big each correction is. Too small: nothing happens; too large: it blows up.", bind=LINK)  # fmt: skip
    decay = st.select_slider("Weight decay on layer 1", training.DECAYS, start.decay, key=f"{P}.decay", bind=LINK,
                             help=training.DECAY_HELP)  # fmt: skip
    epochs = st.slider(
        "Epochs", 1, 5, start.epochs, key=f"{P}.epochs", help="Passes over the training digits.", bind=LINK
    )
    size = st.select_slider(
        "Training digits", [3000, 6000, 12000], start.train_size, key=f"{P}.size", bind=LINK
    )
    try:
        config = lenet.LeNetConfig(
            filters=filters,
            kernel=kernel,
            learning_rate=rate,
            epochs=epochs,
            train_size=size,
            decay=decay,
            batch_size=start.batch_size,
        )
    except ValueError:  # the only combination the widgets can make wrong: lr x decay >= 1
        config = None
        st.warning(training.decay_problem(rate, decay))
    job: training.Job | None = st.session_state.get(JOB)
    buttons = st.container(horizontal=True, gap="small")  # each button as wide as its label: never cut
    if buttons.button("Train from scratch", type="primary", icon=":material/play_arrow:", key=internal(P, "start"),
                      disabled=bool(job and job.running) or config is None):  # fmt: skip
        job = st.session_state[JOB] = training.request(config)  # shared with identical requests
    if buttons.button(
        "Stop", icon=":material/stop:", key=internal(P, "stop"), disabled=not (job and job.running)
    ):
        if training.leave(job):
            job.thread.join(timeout=5)
        else:  # others watch the same run: it goes on for them
            job = st.session_state[JOB] = None
            st.toast("Stopped watching: the run goes on for the other students who started the same one.")
    can_resume = bool(job and not job.running and job.result and job.result.status == "stopped")
    if buttons.button("Resume", icon=":material/resume:", key=internal(P, "resume"), disabled=not can_resume):
        job.start()
# The live parts redraw while it trains: the filters twice a second, the charts and the filmstrip once
# (ten students watching a shared run made 40 reruns a second: 7 % of the server's Python time in a
# minute of the load test).
every = 0.5 if job is not None and job.running else None
every_chart = 1.0 if every else None


@server.fragment(run_every=every)
def live_filters() -> None:
    job = st.session_state.get(JOB)
    nets_widgets.training_now(job, config or start)
    if (
        job is not None
        and job.result is not None
        and not job.running  # the thread is done too (it still frees its slot after setting the result)
        and st.session_state.get(internal(P, "seen_end")) is not job.result
    ):
        st.session_state[internal(P, "seen_end")] = job.result
        st.rerun()  # the whole page: stop polling, enable the buttons


@server.fragment(run_every=every_chart)
def live_history() -> None:
    job = st.session_state.get(JOB)
    if job is not None:
        nets_widgets.training_history(job)
        nets_widgets.training_replay(job)
        if not job.running and job.history:
            st.download_button("Filmstrip (GIF)", training.filmstrip_gif(job), file_name="filters.gif", mime="image/gif",
                               on_click="ignore", icon=":material/animation:", key=internal(P, "gif"))  # fmt: skip


with now:
    live_filters()
live_history()

st.divider()
st.subheader("Test it on a digit")
job = st.session_state.get(JOB)
if job is not None and job.result is not None and job.result.status == "done":
    net, label = job.model, f"your network ({job.result.accuracy:.1%} held-out)"
else:
    net, meta = nets.digit_model()
    label = f"the network that ships with the app ({meta['accuracy']:.1%} held-out)"
st.caption(f"Using {label}.")
source = st.radio(
    "Digit", ["Draw it", "Use the current image"], key=f"{P}.source", horizontal=True, bind=LINK
)
d1, d2 = st.columns(2, gap="medium")  # a column holds the whole canvas (240 px; 320 presenting) at 1024 px
with d1:
    if source == "Draw it":
        st.caption("Draw one digit, large, in the middle. The bin icon clears it.")
        side = 320 if session.presenting() else 240
        drawing = st_canvas(stroke_width=side // 13, stroke_color="#FFFFFF", background_color="#000000", height=side,
                            width=side, drawing_mode="freedraw", key=f"{P}.canvas", return_image_data=True).image_data  # fmt: skip
    else:
        drawing = session.current_image().pixels
        encode.show(
            st, drawing, caption="The current image (sidebar)", width="stretch", alt="the current image"
        )
try:
    digit = None if drawing is None else digits.prepare_drawing(drawing)
except ValueError as exc:
    digit = None
    d2.info(str(exc))
if digit is not None:
    probs = lenet.predict_probabilities(net, digit)
    nets_widgets.digit_answer(d2, digit, probs)
    st.markdown("**Inside the network**: each layer's feature maps for this digit")
    for col, (name, values) in zip(st.columns(4), lenet.layer_outputs(net, digit).items()):
        encode.show(col, mosaic.map_mosaic(values, np.arange(values.shape[0]), signed=name.startswith("conv"), size=48,
                                           cols=4, palette=session.palette()),
                    caption=f"{name}: {values.shape[0]} maps of {values.shape[1]} x {values.shape[2]}", width="stretch",
                    alt=f"feature maps of {name} for the digit, {values.shape[0]} maps")  # fmt: skip
    registry.page_link(
        st, "network", label="Every layer of the shipped network, down to softmax, unit by unit"
    )

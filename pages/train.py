"""Train a CNN: watch the first layer's filters emerge from noise, then test the network on a digit."""

import numpy as np
import pandas as pd
import streamlit as st
from streamlit_drawable_canvas import st_canvas

from app import nets, server, session, training
from app.draw import encode, mosaic
from app.session import LINK, internal
from convcore.nets import digits, lenet

P = "train"
JOB = internal(P, "job")
st.title("Train a CNN")
st.caption(
    "Filters are not designed, they are learned. This small network (conv - ReLU - pool, twice, then dense "
    "layers: LeNet-5's layout) starts from random numbers and learns to read digits drawn with 8 fonts, "
    "rotated, scaled, shifted and made noisy. Watch its first-layer filters change."
)

c1, c2, c3, c4, c5 = st.columns(5)
filters = c1.slider("Filters in layer 1", 2, 16, 6, key=f"{P}.filters", bind=LINK)
kernel = c2.select_slider("Kernel size", [3, 5, 7], 5, key=f"{P}.kernel", bind=LINK)
rate = c3.select_slider("Learning rate", [0.0001, 0.0003, 0.001, 0.002, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 10.0],
                        0.002, key=f"{P}.lr",
                        help="How big each correction is. Too small: nothing happens; too large: it blows up.", bind=LINK)  # fmt: skip
epochs = c4.slider("Epochs", 1, 5, 2, key=f"{P}.epochs", help="Passes over the training digits.", bind=LINK)
size = c5.select_slider("Training digits", [3000, 6000, 12000], 12000, key=f"{P}.size", bind=LINK)
config = lenet.LeNetConfig(filters=filters, kernel=kernel, learning_rate=rate, epochs=epochs, train_size=size)

job: training.Job | None = st.session_state.get(JOB)
b1, b2, b3, _ = st.columns([1.6, 1, 1, 3])
if b1.button("Train from scratch", type="primary", icon=":material/play_arrow:", key=internal(P, "start"),
             disabled=bool(job and job.running)):  # fmt: skip
    job = st.session_state[JOB] = training.new_job(config)
    job.start()
if b2.button("Stop", icon=":material/stop:", key=internal(P, "stop"), disabled=not (job and job.running)):
    job.stop.set()
    job.thread.join(timeout=5)
can_resume = bool(job and not job.running and job.result and job.result.status == "stopped")
if b3.button("Resume", icon=":material/resume:", key=internal(P, "resume"), disabled=not can_resume):
    job.start()


@server.fragment(run_every=0.5 if job is not None and job.running else None)
def live() -> None:
    job = st.session_state.get(JOB)
    if job is None:
        st.info("Press **Train from scratch**. With the defaults it takes a few seconds.")
        return
    last = job.history[-1] if job.history else None
    total, done = (last.total_steps if last else 1), job.steps_done
    st.progress(
        min(1.0, done / max(1, total)),
        text=f"Step {done} of {total}, {last.seconds:.1f} s" if last else "Preparing the training digits...",
    )
    kind, message = training.status(job, server.load()["trainings"])
    if message:
        show = {"success": st.success, "info": st.info, "error": st.error}.get(kind, st.info)
        show(message, icon=":material/hourglass_top:" if kind == "wait" else None)
    left, right = st.columns([1, 1], gap="large")
    with left:
        st.markdown("**The first layer's filters, now**")
        encode.show(st, mosaic.filter_grid(last.filters if last else job.initial_filters), width="stretch",
                    caption=f"{job.config.filters} filters of {job.config.kernel} x {job.config.kernel}: "
                    "blue negative, red positive")  # fmt: skip
    with right:
        if job.history:
            st.markdown("**Loss** (how wrong it is; starts near 2.3)")
            loss = pd.DataFrame(
                {"step": [p.step for p in job.history], "loss": [p.loss for p in job.history]}
            )
            st.line_chart(loss, x="step", y="loss", height=180)
            accs = [(p.step, p.accuracy) for p in job.history if p.accuracy is not None]
            if accs:
                st.markdown("**Held-out accuracy** (2000 digits it never trains on)")
                st.line_chart(
                    pd.DataFrame(accs, columns=["step", "accuracy"]), x="step", y="accuracy", height=150
                )
    st.markdown("**Filmstrip**: from random noise to detectors")
    strip = training.filmstrip(job)
    for col, (label, w) in zip(st.columns(len(strip)), strip):
        encode.show(col, mosaic.filter_grid(w, size=36, cols=2), caption=label, width="stretch")
    if not job.running and job.history:
        st.download_button("Filmstrip (GIF)", training.filmstrip_gif(job), file_name="filters.gif", mime="image/gif",
                           on_click="ignore", icon=":material/animation:", key=internal(P, "gif"))  # fmt: skip
    if job.result is not None and st.session_state.get(internal(P, "seen_end")) is not job.result:
        st.session_state[internal(P, "seen_end")] = job.result
        st.rerun()  # the whole page: stop polling, enable the buttons


live()

st.divider()
st.subheader("Test it on a digit")
job = st.session_state.get(JOB)
if job is not None and job.result is not None and job.result.status == "done":
    net, label = job.model, f"your network ({job.result.accuracy:.1%} held-out)"
else:
    net, meta = nets.digit_model()
    label = f"the network that ships with the app ({meta['accuracy']:.1%} held-out)"
st.caption(f"Using {label}.")
d1, d2, d3 = st.columns([2, 2, 3], gap="large")
with d1:
    source = st.radio(
        "Digit", ["Draw it", "Use the current image"], key=f"{P}.source", horizontal=True, bind=LINK
    )
    if source == "Draw it":
        st.caption("Draw one digit, large, in the middle. The bin icon clears it.")
        drawing = st_canvas(stroke_width=18, stroke_color="#FFFFFF", background_color="#000000", height=240, width=240,
                            drawing_mode="freedraw", key=f"{P}.canvas", return_image_data=True).image_data  # fmt: skip
    else:
        drawing = session.current_image().pixels
        encode.show(st, drawing, caption="The current image (sidebar)", width="stretch")
try:
    digit = None if drawing is None else digits.prepare_drawing(drawing)
except ValueError as exc:
    digit = None
    d2.info(str(exc))
if digit is not None:
    probs = lenet.predict_probabilities(net, digit)
    with d2:
        seen = np.repeat((digit[..., None] * 255).astype(np.uint8), 3, axis=2)
        encode.show(
            st, mosaic.upscale(seen, 168), caption="What the network gets: 28 x 28, centred", width="stretch"
        )
        st.markdown(f"### It reads **{int(probs.argmax())}** ({probs.max():.0%})")
    with d3:
        chart = pd.DataFrame({"digit": [str(d) for d in range(10)], "probability": probs})
        st.bar_chart(chart, x="digit", y="probability", height=220)
    st.markdown("**Inside the network**: each layer's feature maps for this digit")
    for col, (name, values) in zip(st.columns(4), lenet.layer_outputs(net, digit).items()):
        encode.show(col, mosaic.map_mosaic(values, np.arange(values.shape[0]), signed=name.startswith("conv"), size=48,
                                           cols=4, palette=session.palette()),
                    caption=f"{name}: {values.shape[0]} maps of {values.shape[1]} x {values.shape[2]}", width="stretch")  # fmt: skip

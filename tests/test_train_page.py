"""AppTest of the "Train a CNN" page and the Filter Lab's offline learned filter."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from app.training import CHECK_DIGITS
from tests.apptest import ROOT, by_label, open_page, page_path

PAGE = page_path("train")


def _page() -> AppTest:
    return open_page("train")


def _finish(at: AppTest) -> None:
    job = at.session_state["train._job"]
    job.thread.join(timeout=120)
    assert not job.running
    at.run()
    assert not at.exception


def test_short_training_run_shows_result_curves_and_filmstrip():
    at = _page()
    assert "Press **Train from scratch**" in " ".join(i.value for i in at.info)
    by_label(at.select_slider, "Training digits").set_value(3000).run()
    by_label(at.slider, "Epochs").set_value(1).run()
    by_label(at.button, "Train from scratch").click().run()
    _finish(at)
    job = at.session_state["train._job"]
    assert job.result.status == "done" and job.result.accuracy > 0.3
    assert f"Done: {job.result.accuracy:.1%} correct" in " ".join(s.value for s in at.success)
    assert any(b.label == "Filmstrip (GIF)" for b in at.get("download_button"))
    assert job.history[-1].filters.shape == (6, 1, 7, 7)  # the page's recipe: 7 x 7 filters
    assert len(job.accuracy) > 2  # the accuracy chart is a curve, not two points
    captions = " ".join(c.value for c in at.caption)
    assert "Held-out accuracy: " in captions and "Loss " in captions  # each chart's numbers in words
    # the replay: any measured moment, its sentence, its filters, histogram and confusion matrix
    moment = by_label(at.select_slider, "Moment")
    assert moment.options[0] == "step 0 (start)" and moment.value == moment.options[-1] == "step 94 (epoch 1)"
    said = " ".join(m.value for m in at.markdown)
    assert f"**{job.result.accuracy:.1%}** of 2000 held-out digits right" in said
    assert len(at.get("vega_lite_chart")) == 4  # loss, accuracy, histogram, confusion matrix
    assert "Confusion matrix: each row is the true digit" in captions
    moment.set_value("step 0 (start)").run()
    said = " ".join(m.value for m in at.markdown)
    assert f"**{job.snapshots[0].accuracy:.1%}** of {CHECK_DIGITS} held-out digits right" in said
    pictures = [img for element in at.get("image") for img in element.proto.imgs]
    assert any(img.caption == "Layer 1's filters then" and "at step 0 (start)" in img.alt for img in pictures)
    made = job.gif
    assert made is not None and made[0] == len(job.history) and made[1][:6] == b"GIF89a"
    at.run()
    assert job.gif is made  # a rerun reuses the GIF instead of drawing it again


def test_the_end_is_drawn_once_the_thread_is_done_not_when_the_result_is_set():
    """A run's thread sets its result, then frees its training slot. A poll in between once
    marked the end as seen and reran the page while the thread still ran: the page kept its buttons
    disabled and polled for good (a fresh-clone CI saw "Train from scratch" disabled after "Done:")."""
    import threading

    at = _page()
    by_label(at.select_slider, "Training digits").set_value(3000).run()
    by_label(at.slider, "Epochs").set_value(1).run()
    by_label(at.button, "Train from scratch").click().run()
    job = at.session_state["train._job"]
    job.thread.join(timeout=120)
    release = threading.Event()
    job.thread = threading.Thread(target=release.wait, daemon=True)  # the same run, its thread not yet done
    job.thread.start()
    at.session_state["train._seen_end"] = None  # (an identical earlier run may be shared, and seen)
    at.run()
    assert job.result.status == "done" and job.running
    assert at.session_state["train._seen_end"] is None  # not yet: a later poll will see the end
    assert by_label(at.button, "Train from scratch").disabled
    release.set()
    job.thread.join(timeout=5)
    at.run()
    assert at.session_state["train._seen_end"] is job.result
    assert not by_label(at.button, "Train from scratch").disabled
    assert not at.exception


def test_stop_and_resume_continue_the_same_run():
    at = _page()
    by_label(at.select_slider, "Training digits").set_value(12000).run()
    by_label(at.slider, "Epochs").set_value(5).run()
    by_label(at.button, "Train from scratch").click().run()
    by_label(at.button, "Stop").click().run()
    job = at.session_state["train._job"]
    assert job.result.status == "stopped"
    assert 0 <= job.result.steps < 1875  # 12000 digits / 32 per batch = 375 steps per epoch, x 5 epochs
    assert "Stopped after" in " ".join(i.value for i in at.info)
    stopped_at = job.result.steps
    by_label(at.button, "Resume").click().run()
    job.stop.set()  # stop again quickly so the test stays short
    _finish(at)
    assert job.result.status == "stopped" and job.result.steps >= stopped_at


def test_extreme_learning_rate_is_explained():
    at = _page()
    by_label(at.select_slider, "Weight decay on layer 1").set_value(0.0).run()
    by_label(at.select_slider, "Learning rate").set_value(10.0).run()
    by_label(at.select_slider, "Training digits").set_value(3000).run()
    by_label(at.button, "Train from scratch").click().run()
    _finish(at)
    errors = " ".join(e.value for e in at.error)
    assert "diverged" in errors and "learning rate (10) is too large" in errors


def test_a_learning_rate_and_decay_that_wipe_layer_one_are_refused_with_a_sentence():
    at = _page()
    by_label(at.select_slider, "Learning rate").set_value(1.0).run()
    assert not at.exception
    warning = " ".join(w.value for w in at.warning)
    assert "Learning rate 1 with weight decay 3: each step would multiply layer 1" in warning
    assert by_label(at.button, "Train from scratch").disabled
    by_label(at.select_slider, "Weight decay on layer 1").set_value(0.3).run()
    assert not at.warning and not by_label(at.button, "Train from scratch").disabled


def test_before_training_the_page_shows_the_random_filters_it_starts_from():
    at = _page()
    pictures = [img for element in at.get("image") for img in element.proto.imgs]
    assert any("random, before training" in img.caption for img in pictures)
    assert all(img.alt for img in pictures)
    by_label(at.slider, "Filters in layer 1").set_value(9).run()
    pictures = [img for element in at.get("image") for img in element.proto.imgs]
    assert any("9 filters of 7 x 7 (random, before training)" in img.caption for img in pictures)


def test_the_shipped_model_reads_the_sample_digit_seven():
    at = AppTest.from_file(str(ROOT / "app" / "main.py"), default_timeout=90)
    at.run()
    by_label(at.sidebar.selectbox, "Sample image").select("Digit 7").run()
    at.switch_page(PAGE).run()
    by_label(at.radio, "Digit").set_value("Use the current image").run()
    assert not at.exception
    assert any("It reads **7**" in m.value for m in at.markdown)
    assert any("ships with the app" in c.value for c in at.caption)
    assert any(c.value.startswith("Probabilities: 7: ") for c in at.caption)  # the bar chart in words


def test_a_photo_that_is_no_digit_still_gets_an_answer_without_crashing():
    at = _page()
    by_label(at.radio, "Digit").set_value("Use the current image").run()  # Grace Hopper
    assert not at.exception
    assert any("It reads" in m.value for m in at.markdown)


def test_filter_lab_offers_the_digit_cnn_filter_offline():
    at = AppTest.from_file(str(ROOT / "app" / "main.py"), default_timeout=90)
    at.run()
    at.switch_page(page_path("filter_lab")).run()
    by_label(at.selectbox, "Filter").select("learned_digits").run()
    by_label(at.slider, "Filter number").set_value(3).run()
    assert not at.exception
    assert any("5 x 5 = 25 weights" in c.value for c in at.caption)


def test_two_students_with_the_same_settings_watch_one_run_and_stop_only_for_themselves():
    """A class pressing Train together (issue 18): the second session gets the first one's run, live;
    its Stop leaves the run to the first."""
    from app import training

    training._SHARED.clear()
    one, two = _page(), _page()
    for at in (one, two):
        by_label(at.select_slider, "Training digits").set_value(3000).run()
        by_label(at.slider, "Epochs").set_value(1).run()
    by_label(one.button, "Train from scratch").click().run()
    by_label(two.button, "Train from scratch").click().run()
    job = one.session_state["train._job"]
    assert two.session_state["train._job"] is job and job.watchers == 2
    if job.running:  # (on a fast machine it may already be done: then there is nothing to stop)
        said = " ".join(i.value for i in two.info)
        assert "2 students asked for these same settings" in said or "In the queue" in said
        by_label(two.button, "Stop").click().run()
        assert two.session_state["train._job"] is None and not job.stop.is_set()
    _finish(one)
    assert job.result.status == "done"

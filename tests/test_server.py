"""Server hygiene for a classroom: safe settings, bounded heavy work, nothing global mutated."""

from __future__ import annotations

import ast
import io
import os
import subprocess
import sys
import threading
import time
import tomllib
import warnings

import numpy as np
import pytest
import torch
from PIL import Image

import convcore
from app import caches, server
from convcore.nets import alexnet as ax
from convcore.nets import lenet
from tests.apptest import ROOT

CORPUS = ROOT / "tests" / "corpus"


# ------------------------------------------------------------------------------ settings


def test_server_settings_are_safe_for_a_classroom():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    server = config["server"]
    assert server["maxUploadSize"] == 25  # MB: photos, not archives
    assert server["enableXsrfProtection"] is True
    assert server["enableCORS"] is True
    assert config["browser"]["gatherUsageStats"] is False
    assert config["client"]["toolbarMode"] == "minimal"
    assert config["client"]["showErrorDetails"] == "none"
    assert config["runner"]["postScriptGC"] is False  # a full GC per rerun cost 13 % of the server


def test_unsafe_html_only_ever_carries_constants():
    """No user content (file names, typed text) can reach the page as raw HTML."""
    offenders = []
    for path in list((ROOT / "app").rglob("*.py")) + list((ROOT / "pages").glob("*.py")):
        tree = ast.parse(path.read_text())
        constants = {
            t.id
            for node in tree.body
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
            for t in node.targets
            if isinstance(t, ast.Name)
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            unsafe = any(
                k.arg == "unsafe_allow_html" and not (isinstance(k.value, ast.Constant) and not k.value.value)
                for k in node.keywords
            )
            if unsafe:
                arg = node.args[0] if node.args else None
                if not (isinstance(arg, ast.Constant) or (isinstance(arg, ast.Name) and arg.id in constants)):
                    offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []


# ------------------------------------------------------------------------------ nothing global mutated


def test_untrained_models_do_not_touch_torchs_global_random_state():
    torch.manual_seed(1234)
    before = torch.get_rng_state()
    a = ax.untrained_alexnet(seed=5)
    b = lenet.new_model(lenet.LeNetConfig(seed=5))
    assert torch.equal(torch.get_rng_state(), before)
    assert torch.equal(a.features[0].weight, ax.untrained_alexnet(seed=5).features[0].weight)
    assert torch.equal(b.conv1.weight, lenet.new_model(lenet.LeNetConfig(seed=5)).conv1.weight)


def test_seeded_init_follows_pytorchs_default_rule():
    net = ax.untrained_alexnet(seed=0)
    for module in list(net.features) + list(net.classifier):
        if isinstance(module, (torch.nn.Conv2d, torch.nn.Linear)):
            fan_in = module.weight[0].numel()
            bound = 1 / np.sqrt(fan_in)  # kaiming_uniform(a=sqrt(5)) and the bias rule both give this
            w, b = module.weight, module.bias
            assert float(w.abs().max()) <= bound + 1e-7 and float(b.abs().max()) <= bound + 1e-7
            assert float(w.std()) == pytest.approx(bound / np.sqrt(3), rel=0.05)  # uniform's std


def test_concurrent_model_creation_gives_each_its_own_seed():
    results = {}

    def make(seed):
        results[seed] = [
            lenet.new_model(lenet.LeNetConfig(seed=seed)).conv1.weight.clone() for _ in range(20)
        ]

    threads = [threading.Thread(target=make, args=(s,)) for s in (1, 2, 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for seed, weights in results.items():
        alone = lenet.new_model(lenet.LeNetConfig(seed=seed)).conv1.weight
        assert all(torch.equal(w, alone) for w in weights), seed


def test_image_loading_leaves_the_warnings_filters_alone():
    before = list(warnings.filters)
    for path in sorted(CORPUS.glob("*")):
        if path.suffix == ".py":
            continue
        try:
            convcore.open_image(path.read_bytes())
        except convcore.ImageError:
            pass
    assert list(warnings.filters) == before


def test_a_file_claiming_more_pixels_than_pillows_limit_is_refused_as_a_bomb():
    with pytest.raises(convcore.ImageError, match="decompression bomb"):
        convcore.open_image((CORPUS / "bad_bomb_header.png").read_bytes())


# ------------------------------------------------------------------------------ bounded heavy work


def test_heavy_work_runs_at_most_slots_at_once_and_nested_work_takes_no_second_slot():
    running, peak, lock = 0, 0, threading.Lock()

    def job():
        nonlocal running, peak
        with server.heavy():
            with server.heavy():  # nested (a cached function calling another): no deadlock
                with lock:
                    running += 1
                    peak = max(peak, running)
                time.sleep(0.05)
                with lock:
                    running -= 1

    threads = [threading.Thread(target=job) for _ in range(server.HEAVY_SLOTS + 4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak == server.HEAVY_SLOTS
    assert server.load() == {"running": 0, "waiting": 0, "trainings": 0}


def test_a_full_server_says_so_in_a_sentence(monkeypatch):
    monkeypatch.setattr(server, "WAIT_SECONDS", 0.2)
    release = threading.Event()
    taken = []

    def hold():
        with server.heavy():
            taken.append(1)
            release.wait(5)

    holders = [threading.Thread(target=hold) for _ in range(server.HEAVY_SLOTS)]
    for t in holders:
        t.start()
    while len(taken) < server.HEAVY_SLOTS:
        time.sleep(0.01)
    with pytest.raises(server.Busy, match="very busy"):
        with server.heavy():
            pass
    release.set()
    for t in holders:
        t.join()


def test_training_slots_queue_and_a_stop_while_queued_ends_the_wait():
    stop = threading.Event()
    held = [server.training.acquire(timeout=1) for _ in range(server.TRAINING_SLOTS)]
    assert all(held)
    outcome = []
    t = threading.Thread(target=lambda: outcome.append(server.training_slot(stop).__enter__()))
    t.start()
    time.sleep(0.3)
    assert t.is_alive(), "it waits while every slot is taken"
    stop.set()
    t.join(2)
    assert outcome == [False]
    for _ in held:
        server.training.release()


def test_bad_limit_settings_are_refused_with_the_name(monkeypatch):
    monkeypatch.setenv("CONVCORE_HEAVY_SLOTS", "zero")
    with pytest.raises(ValueError, match="CONVCORE_HEAVY_SLOTS"):
        server._setting("CONVCORE_HEAVY_SLOTS", 2)
    monkeypatch.setenv("CONVCORE_HEAVY_SLOTS", "0")
    with pytest.raises(ValueError, match=">= 1"):
        server._setting("CONVCORE_HEAVY_SLOTS", 2)


@pytest.mark.parametrize("bad", ["abc", "nan", "inf", "-1", ""])
def test_bad_seconds_settings_are_refused_with_the_name(monkeypatch, bad):
    monkeypatch.setenv("CONVCORE_TRIM_SECONDS", bad)
    with pytest.raises(ValueError, match="CONVCORE_TRIM_SECONDS must be a number >= 0"):
        server._setting("CONVCORE_TRIM_SECONDS", 2.0, minimum=0, kind=float)


def test_seconds_settings_take_fractions_and_zero(monkeypatch):
    for raw, value in (("0", 0.0), ("0.5", 0.5), ("3", 3.0)):
        monkeypatch.setenv("CONVCORE_TRIM_SECONDS", raw)
        assert server._setting("CONVCORE_TRIM_SECONDS", 2.0, minimum=0, kind=float) == value


def test_a_server_with_an_unusable_setting_says_so_on_the_page():
    """A setting is read when the first page loads the app: the page says which and why, instead of
    Streamlit's redacted error (and its "Ask Google" buttons, of no use offline)."""
    script = (
        "from streamlit.testing.v1 import AppTest\n"
        "at = AppTest.from_file('app/main.py', default_timeout=60).run()\n"
        "print(len(at.exception), '|'.join(e.value for e in at.error))\n"
    )
    env = {**os.environ, "CONVCORE_TRIM_SECONDS": "soon"}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    exceptions, said = done.stdout.strip().split(" ", 1)
    assert exceptions == "0"
    assert said == (
        "The app cannot start on this server: CONVCORE_TRIM_SECONDS must be a number >= 0, got 'soon'. "
        "Whoever runs it must correct that setting and start it again."
    )


# ------------------------------------------------------------------------------ the decode memory budget


def _hold_budget(nbytes, entered, release, order=None, name=None):
    """A thread that holds ``nbytes`` of the decode budget until ``release`` is set."""

    def run():
        with server.decode_budget(nbytes):
            if order is not None:
                order.append(name)
            entered.set()
            release.wait(5)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _wait_for_queue(length):
    for _ in range(500):
        with server._budget:
            if len(server._budget_queue) == length:
                return
        time.sleep(0.01)
    raise AssertionError("the request never queued")


def test_decodes_that_together_exceed_the_budget_run_one_after_the_other(monkeypatch):
    monkeypatch.setattr(server, "DECODE_MB", 10)
    order = []
    a_in, a_go, b_in, b_go = (threading.Event() for _ in range(4))
    a = _hold_budget(6 * 2**20, a_in, a_go, order, "a")
    assert a_in.wait(5)
    assert server.budget_used() == 6 * 2**20
    b = _hold_budget(6 * 2**20, b_in, b_go, order, "b")
    _wait_for_queue(1)  # b waits: 6 + 6 MB do not fit in 10
    assert not b_in.is_set()
    a_go.set()
    assert b_in.wait(5)
    assert order == ["a", "b"]
    b_go.set()
    a.join()
    b.join()
    assert server.budget_used() == 0


def test_decodes_that_fit_together_run_together(monkeypatch):
    monkeypatch.setattr(server, "DECODE_MB", 10)
    go = threading.Event()
    entered = [threading.Event() for _ in range(3)]
    threads = [_hold_budget(3 * 2**20, e, go) for e in entered]
    assert all(e.wait(5) for e in entered)
    assert server.budget_used() == 9 * 2**20
    go.set()
    for t in threads:
        t.join()
    assert server.budget_used() == 0


def test_a_decode_larger_than_the_whole_budget_runs_alone(monkeypatch):
    monkeypatch.setattr(server, "DECODE_MB", 10)
    with server.decode_budget(100 * 2**20):  # nothing else running: it is never refused
        assert server.budget_used() == 10 * 2**20  # it takes the whole budget, so it runs alone
    small_in, small_go, big_in, big_go = (threading.Event() for _ in range(4))
    small = _hold_budget(2**20, small_in, small_go)
    assert small_in.wait(5)
    big = _hold_budget(100 * 2**20, big_in, big_go)
    _wait_for_queue(1)  # it waits for the small one to finish
    assert not big_in.is_set()
    small_go.set()
    assert big_in.wait(5)
    big_go.set()
    small.join()
    big.join()
    assert server.budget_used() == 0


def test_a_full_decode_budget_says_so_in_a_sentence(monkeypatch):
    monkeypatch.setattr(server, "DECODE_MB", 10)
    monkeypatch.setattr(server, "WAIT_SECONDS", 0.2)
    entered, release = threading.Event(), threading.Event()
    holder = _hold_budget(10 * 2**20, entered, release)
    assert entered.wait(5)
    with pytest.raises(server.Busy, match="very busy") as info:
        with server.decode_budget(1):
            pass
    assert str(info.value) == server._BUSY
    release.set()
    holder.join()
    assert server.budget_used() == 0 and not server._budget_queue


def test_the_decode_budget_setting_is_checked(monkeypatch):
    monkeypatch.setenv("CONVCORE_DECODE_MB", "lots")
    with pytest.raises(ValueError, match="CONVCORE_DECODE_MB must be a whole number >= 1"):
        server._setting("CONVCORE_DECODE_MB", 1024)
    assert server.DECODE_MB >= 1


def test_uploads_are_shrunk_to_the_servers_side_and_the_setting_is_checked(monkeypatch):
    # A phone-sized photo keeps its shape, at MAX_SIDE on the long side (768 unless set).
    buf = io.BytesIO()
    Image.new("RGB", (2000, 1500), (200, 40, 10)).save(buf, "JPEG")
    loaded = caches.decode("big-key", "big.jpg", buf.getvalue())
    assert server.MAX_SIDE == int(os.environ.get("CONVCORE_MAX_SIDE", 768))
    assert loaded.pixels.shape == (server.MAX_SIDE * 3 // 4, server.MAX_SIDE, 3)
    assert server.budget_used() == 0
    monkeypatch.setattr(server, "MAX_SIDE", 100)
    assert caches.decode("big-key-100", "big.jpg", buf.getvalue()).pixels.shape == (75, 100, 3)
    for bad in ("8", "big", "-1"):
        monkeypatch.setenv("CONVCORE_MAX_SIDE", bad)
        with pytest.raises(ValueError, match="CONVCORE_MAX_SIDE must be a whole number >= 16"):
            server._setting("CONVCORE_MAX_SIDE", 768, minimum=16)


def test_decoding_an_upload_refuses_a_non_image_with_the_sentence_and_frees_everything():
    with pytest.raises(convcore.ImageError, match="not an image this tool can read"):
        caches.decode("garbage-key", "x.png", b"this is not a picture at all")
    loaded = caches.decode("ok-key", "ok.png", (CORPUS / "ok_rgb.png").read_bytes())
    assert loaded.pixels.shape[2] == 3
    assert server.budget_used() == 0
    assert server.load() == {"running": 0, "waiting": 0, "trainings": 0}


# ------------------------------------------------------------------------------ housekeeping


class _Uploads:
    """Streamlit's memory uploaded-file manager, as far as the sweep uses it."""

    def __init__(self, storage):
        self.file_storage = storage
        self._lock = threading.Lock()

    def remove_session_files(self, session_id):
        self.file_storage.pop(session_id, None)

    def remove_file(self, session_id, file_id):
        self.file_storage.get(session_id, {}).pop(file_id, None)


def test_uploads_no_widget_took_are_dropped_after_the_grace_and_all_of_an_ended_session(monkeypatch):
    monkeypatch.setattr(server, "UPLOAD_SECONDS", 30)
    manager = _Uploads({"alive": {"a": b"x", "b": b"y"}, "gone": {"c": b"z"}, "emptied": {}})
    seen = {}
    active = {"alive", "emptied"}.__contains__  # a session whose files were all released stays listed
    assert server.sweep_uploads(manager, active, seen, now=100.0) == 2  # gone's c, and b
    assert "gone" not in manager.file_storage
    assert set(manager.file_storage["alive"]) == {"a"}  # a session holds one unclaimed file at most
    manager.file_storage["alive"]["d"] = b"new"
    assert server.sweep_uploads(manager, active, seen, now=101.0) == 1  # a: older than d
    assert server.sweep_uploads(manager, active, seen, now=130.0) == 0
    assert server.sweep_uploads(manager, active, seen, now=131.0) == 1  # d: 30 s old
    assert manager.file_storage["alive"] == {} and seen == {}
    assert server.sweep_uploads(object(), lambda s: True, seen, now=200.0) == 0  # no such storage: nothing


def test_work_of_a_session_that_has_gone_is_stopped_after_the_grace(monkeypatch):
    monkeypatch.setattr(server, "ORPHAN_SECONDS", 10)
    mine, other = threading.Event(), threading.Event()
    shared = threading.Event()  # a run two sessions watch: it goes on while one of them is here
    monkeypatch.setattr(server, "_bound", {mine: {"left"}, other: {"here"}, shared: {"left", "here"}})
    gone = {}
    assert server.stop_orphans(lambda s: s == "here", gone, now=50.0) == 0
    assert server.stop_orphans(lambda s: s == "here", gone, now=59.9) == 0
    assert server.stop_orphans(lambda s: s == "here", gone, now=60.0) == 1
    assert mine.is_set() and not other.is_set() and not shared.is_set()
    assert server.stop_orphans(lambda s: False, gone, now=65.0) == 0  # "here" just left: its grace runs
    assert server.stop_orphans(lambda s: False, gone, now=75.0) == 2  # both gone: the shared run stops too
    assert shared.is_set() and server._bound == {}


def test_trainings_wait_in_the_order_they_came_and_know_their_place(monkeypatch):
    monkeypatch.setattr(server, "training", threading.BoundedSemaphore(1))
    stops = [threading.Event() for _ in range(3)]
    order, places = [], {}
    release = threading.Event()

    def run(i):
        with server.training_slot(stops[i]) as got:
            order.append(i)
            if i == 0:
                release.wait(5)
        return got

    first = threading.Thread(target=run, args=(0,))
    first.start()
    while server.queue_place(stops[0]) is not None or not order:
        time.sleep(0.01)
    later = []
    for i in (1, 2):
        later.append(threading.Thread(target=run, args=(i,)))
        later[-1].start()
        while server.queue_place(stops[i]) is None:
            time.sleep(0.01)
    places = {i: server.queue_place(stops[i]) for i in (1, 2)}
    release.set()
    for t in [first, *later]:
        t.join(5)
    assert places == {1: 1, 2: 2} and order == [0, 1, 2]
    assert server.queue_place(stops[2]) is None


def test_a_busy_server_or_refused_settings_in_a_fragment_are_a_sentence():
    from streamlit.testing.v1 import AppTest

    def page():
        import streamlit as st

        from app import server

        @server.fragment
        def busy():
            raise server.Busy("The server is very busy right now.")

        @server.fragment(run_every=None)
        def refused():
            raise ValueError("stride must be >= 1, got 0")

        busy()
        refused()
        st.write("the rest of the page")

    at = AppTest.from_function(page, default_timeout=30).run()
    assert not at.exception
    assert [w.value for w in at.warning] == [
        "The server is very busy right now.",
        "These settings cannot be used: stride must be >= 1, got 0",
    ]
    assert at.markdown[-1].value == "the rest of the page"


def test_crafted_uploads_no_widget_asked_for_are_released(tmp_path):
    import asyncio
    import re
    import urllib.request

    from cluster import free_port, server_env, start_server
    from stclient import Session

    port = free_port()
    env = server_env({"CONVCORE_UPLOAD_SECONDS": "8"})
    proc = start_server(port, env, tmp_path / "streamlit.log")
    base = f"http://127.0.0.1:{port}"

    def held() -> int:
        text = urllib.request.urlopen(base + "/_stcore/metrics", timeout=10).read().decode()
        found = re.findall(r'cache_memory_bytes\{cache_type="UploadedFileManager"[^}]*\} (\d+)', text)
        return sum(int(n) for n in found)

    async def craft(n: int) -> None:
        session = Session(base)
        await session.open("")
        for k in range(n):
            await session.put_file(f"junk{k}.jpg", bytes(1 << 20))
        deadline, seen = time.monotonic() + 8, []  # Streamlit's metrics are up to 5 s old
        while time.monotonic() < deadline and (not seen or seen[-1] != 1 << 20):
            seen.append(held())
            await asyncio.sleep(0.5)
        assert seen[-1] == 1 << 20, seen  # the newest is held a while; the others were dropped at once
        deadline = time.monotonic() + 30
        while held() and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
        await session.close()

    try:
        started = time.monotonic()
        _in_a_thread(craft(3))
        assert held() == 0, "unclaimed uploads are dropped after CONVCORE_UPLOAD_SECONDS"
        assert time.monotonic() - started > 8  # not before the grace (a real upload is claimed in it)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _in_a_thread(coroutine):
    """Run a coroutine on its own loop in another thread (Playwright's tests keep a loop running in
    this one)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _cpu_seconds(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_a_training_is_stopped_when_its_student_leaves(tmp_path):

    from cluster import free_port, server_env, start_server
    from stclient import Session

    port = free_port()
    proc = start_server(port, server_env({"CONVCORE_ORPHAN_SECONDS": "2"}), tmp_path / "streamlit.log")

    def busy_for(seconds: float) -> float:
        before = _cpu_seconds(proc.pid)
        time.sleep(seconds)
        return (_cpu_seconds(proc.pid) - before) / seconds

    async def start_and_leave() -> float:
        session = Session(f"http://127.0.0.1:{port}")
        await session.open("train")
        await session.set("train.epochs", 5)
        await session.set("train._start", True)
        training = busy_for(2.0)
        await session.close()  # the student closes the tab
        return training

    try:
        training = _in_a_thread(start_and_leave())
        assert training > 0.6, f"the training ran ({training:.2f} cores)"
        time.sleep(2 + 2 * 2.0 + 1)  # ORPHAN_SECONDS + two housekeeping rounds + a margin
        after = busy_for(2.0)
        assert after < 0.25, f"the training went on after its student left ({after:.2f} cores)"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_the_server_loads_what_network_pages_need_a_little_after_its_first_page(tmp_path):
    """Torch, pandas and scipy's filters (with the models, app.nets.warm_up) are loaded in the
    background CONVCORE_WARM_SECONDS after the first page: not while Home is first drawn, and not
    by the first student who opens AlexNet while the others' sliders slow down (issue 18)."""
    if not os.path.exists("/proc/self/maps"):
        pytest.skip("reads the server's memory map from /proc (Linux)")
    from cluster import free_port, server_env, start_server
    from stclient import Session

    port = free_port()
    proc = start_server(port, server_env({"CONVCORE_WARM_SECONDS": "5"}), tmp_path / "streamlit.log")
    libraries = {"torch": "libtorch_cpu", "pandas": "pandas/_libs", "scipy.ndimage": "_nd_image"}

    def loaded() -> set[str]:
        maps = open(f"/proc/{proc.pid}/maps").read()
        return {name for name, library in libraries.items() if library in maps}

    async def first_page() -> None:
        session = Session(f"http://127.0.0.1:{port}")
        await session.open("")
        await session.close()

    try:
        assert loaded() == set()
        _in_a_thread(first_page())
        assert loaded() == set(), "Home's first run waited for the warm-up"
        deadline = time.monotonic() + 60
        while loaded() != set(libraries) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert loaded() == set(libraries)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    log = (tmp_path / "streamlit.log").read_text()
    assert "warm-up failed" not in log and "missing ScriptRunContext" not in log, log


def test_the_server_runs_on_uvloop_where_requirements_install_it():
    """requirements.txt installs uvloop (not on Windows) and Streamlit then runs its server on it:
    a page's thread wakes the loop without letting go of the interpreter's lock (issue 18)."""
    if sys.platform == "win32":
        pytest.skip("uvloop is not for Windows; requirements.txt leaves it out there")
    from streamlit.web import bootstrap

    factory = bootstrap._get_uvloop_loop_factory()  # what Streamlit's server start uses
    assert factory is not None
    loop = factory()
    try:
        assert type(loop).__module__.startswith("uvloop")
    finally:
        loop.close()

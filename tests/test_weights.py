"""convcore.nets.weights: loading (never from the internet), downloading, checking, refusing."""

from __future__ import annotations

import http.server
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import torch

from convcore.nets import alexnet as ax
from convcore.nets import files, weights

ROOT = Path(__file__).resolve().parent.parent


def test_generated_file_loads_through_torch_hub_with_hash_check(weights_file, tmp_path):
    # the real torch.hub path, offline: file:// URL, check_hash and weights_only
    state = torch.hub.load_state_dict_from_url(
        weights_file.as_uri(), model_dir=str(tmp_path), check_hash=True, weights_only=True, map_location="cpu"
    )
    model = ax.alexnet(state)
    assert (tmp_path / weights_file.name).is_file()
    assert torch.equal(model.features[0].weight, ax.untrained_alexnet(seed=123).features[0].weight)


def test_download_weights_reports_progress_and_loads(weights_file, tmp_path):
    seen = []
    path = weights.download_weights(
        url=weights_file.as_uri(), model_dir=tmp_path, on_progress=lambda d, t: seen.append((d, t))
    )
    assert path == tmp_path / weights_file.name
    assert seen and seen[-1][0] == weights_file.stat().st_size
    assert all(b >= a for (a, _), (b, _) in zip(seen, seen[1:]))
    assert list(tmp_path.iterdir()) == [path]  # no partial file left
    model = weights.load_pretrained(url=weights_file.as_uri(), model_dir=tmp_path)
    assert not model.training and not any(p.requires_grad for p in model.parameters())


def test_wrong_hash_fails_clearly_and_leaves_nothing(weights_file, tmp_path):
    liar = weights_file.parent / "alexnet-owt-deadbeef.pth"
    shutil.copy(weights_file, liar)
    cache = tmp_path / "cache"
    with pytest.raises(weights.WeightsError, match="checksum does not match the 'deadbeef'"):
        weights.download_weights(url=liar.as_uri(), model_dir=cache)
    assert list(cache.iterdir()) == []
    with pytest.raises(RuntimeError, match="invalid hash"):  # torch.hub refuses it too
        torch.hub.load_state_dict_from_url(
            liar.as_uri(), model_dir=str(cache), check_hash=True, weights_only=True
        )
    assert list(cache.iterdir()) == []


class _Truncating(http.server.BaseHTTPRequestHandler):
    payload = b""

    def do_GET(self):  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.payload)))
        self.end_headers()
        self.wfile.write(self.payload[: len(self.payload) // 2])  # then the connection drops

    def log_message(self, *args):
        pass


def test_truncated_download_fails_and_leaves_nothing(weights_file, tmp_path):
    _Truncating.payload = weights_file.read_bytes()[:3_000_000]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Truncating)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/{weights_file.name}"
        with pytest.raises(weights.WeightsError, match="download"):
            weights.download_weights(url=url, model_dir=tmp_path, timeout=5)
    finally:
        server.shutdown()
    assert list(tmp_path.iterdir()) == []


def test_no_network_gives_offline_instructions(tmp_path):
    with socket_closed_port() as port:
        with pytest.raises(weights.WeightsError, match="CONVCORE_ALEXNET_WEIGHTS"):
            weights.download_weights(
                url=f"http://127.0.0.1:{port}/alexnet-owt-7be5be79.pth", model_dir=tmp_path, timeout=2
            )
    assert list(tmp_path.iterdir()) == []


class socket_closed_port:  # noqa: N801
    """A port with nothing listening (bound, then closed)."""

    def __enter__(self) -> int:
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    def __exit__(self, *exc) -> None:
        return None


def test_damaged_cached_file_is_removed_and_explained(tmp_path):
    bad = tmp_path / "alexnet-owt-7be5be79.pth"
    bad.write_bytes(b"not a pytorch file" * 100)
    with pytest.raises(weights.WeightsError, match="checksum"):
        weights.load_pretrained(model_dir=tmp_path)
    assert not bad.exists()
    with pytest.raises(weights.WeightsError, match="not on this computer"):
        weights.load_pretrained(model_dir=tmp_path)


def test_env_variable_file_is_used_and_never_deleted(weights_file, tmp_path, monkeypatch):
    monkeypatch.setenv(weights.WEIGHTS_ENV, str(weights_file))
    assert weights.find_weights(model_dir=tmp_path) == weights_file
    weights.load_pretrained(model_dir=tmp_path)
    broken = tmp_path / "mine.pth"
    broken.write_bytes(b"\x80\x02garbage")
    monkeypatch.setenv(weights.WEIGHTS_ENV, str(broken))
    with pytest.raises(weights.WeightsError, match="cannot be read as PyTorch weights"):
        weights.load_pretrained(model_dir=tmp_path)
    assert broken.exists()


def test_keys_and_shapes_must_match_exactly(weights_file):
    state = weights.load_weights(weights_file)
    missing = dict(state)
    del missing["classifier.6.bias"]
    with pytest.raises(weights.WeightsError, match="missing classifier.6.bias"):
        ax.alexnet(missing)
    wrong = dict(state)
    wrong["features.0.weight"] = torch.zeros(64, 3, 7, 7)
    with pytest.raises(weights.WeightsError, match=r"features.0.weight have shape \(64, 3, 7, 7\)"):
        ax.alexnet(wrong)
    nan = dict(state)
    nan["features.3.bias"] = torch.full((192,), float("nan"))
    with pytest.raises(weights.WeightsError, match="NaN"):
        ax.alexnet(nan)
    # The check sums each tensor first: one infinity, or two that cancel into NaN, are still found,
    # and finite numbers whose sum overflows float32 are still accepted.
    for bad in ([float("inf")], [float("inf"), float("-inf")]):
        spoiled = dict(state)
        spoiled["features.0.weight"] = state["features.0.weight"].clone()
        spoiled["features.0.weight"].view(-1)[5 : 5 + len(bad)] = torch.tensor(bad)
        with pytest.raises(weights.WeightsError, match="features.0.weight contain NaN or infinite"):
            ax.alexnet(spoiled)
    huge = dict(state)
    huge["classifier.6.bias"] = torch.full((1000,), 3e38)
    assert not torch.isfinite(huge["classifier.6.bias"].sum())
    assert float(ax.alexnet(huge).classifier[6].bias[0]) == pytest.approx(3e38)
    with pytest.raises(weights.WeightsError, match="holds a list"):
        ax.alexnet([1, 2])


#: torchvision's AlexNet state_dict keys and shapes (torchvision.models.alexnet().state_dict()).
TORCHVISION_SHAPES = {
    "features.0.weight": (64, 3, 11, 11), "features.0.bias": (64,),
    "features.3.weight": (192, 64, 5, 5), "features.3.bias": (192,),
    "features.6.weight": (384, 192, 3, 3), "features.6.bias": (384,),
    "features.8.weight": (256, 384, 3, 3), "features.8.bias": (256,),
    "features.10.weight": (256, 256, 3, 3), "features.10.bias": (256,),
    "classifier.1.weight": (4096, 9216), "classifier.1.bias": (4096,),
    "classifier.4.weight": (4096, 4096), "classifier.4.bias": (4096,),
    "classifier.6.weight": (1000, 4096), "classifier.6.bias": (1000,),
}  # fmt: skip


def test_a_torchvision_keyed_state_dict_loads_strictly_into_the_model_built_from_the_layers():
    g = torch.Generator().manual_seed(7)
    state = {k: torch.rand(shape, generator=g) for k, shape in TORCHVISION_SHAPES.items()}
    model = ax.alexnet(state)
    assert {k: tuple(v.shape) for k, v in model.state_dict().items()} == TORCHVISION_SHAPES
    assert all(torch.equal(model.state_dict()[k], v) for k, v in state.items())
    fresh = ax.AlexNet()
    assert str(fresh.load_state_dict(state, strict=True)) == "<All keys matched successfully>"


def _age(path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_stale_partial_downloads_are_removed_fresh_ones_and_other_files_kept(tmp_path):
    stale = tmp_path / "alexnet-owt-7be5be79.pth.k2j4h1.partial"  # as download_weights names them
    stale.write_bytes(b"\0" * 1000)
    _age(stale, 3600)
    stale2 = tmp_path / "x.partial"
    stale2.write_bytes(b"")
    _age(stale2, 61)
    fresh = tmp_path / "alexnet-owt-7be5be79.pth.zz91aa.partial"  # a download running elsewhere
    fresh.write_bytes(b"\0" * 10)
    _age(fresh, 30)
    weights_ = tmp_path / "alexnet-owt-7be5be79.pth"
    old_other = [weights_, tmp_path / "notes.partial.txt", tmp_path / "partial"]
    for f in old_other:
        f.write_bytes(b"keep")
        _age(f, 3600)
    folder = tmp_path / "old.partial"  # not a file
    folder.mkdir()
    _age(folder, 3600)
    assert sorted(weights.remove_partial_downloads(tmp_path)) == sorted([stale, stale2])
    assert not stale.exists() and not stale2.exists()
    assert fresh.exists() and folder.is_dir()
    assert all(f.read_bytes() == b"keep" for f in old_other)
    assert weights.remove_partial_downloads(tmp_path) == []  # again: nothing left to do
    assert weights.remove_partial_downloads(tmp_path / "missing") == []  # no folder yet: fine


def test_partial_cleanup_uses_the_download_folder_and_needs_no_torch(tmp_path, monkeypatch):
    # the default folder is the one download_weights writes into (torch.hub's checkpoints)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "th"))
    assert files.hub_checkpoints_dir() == weights._hub_dir(None) == tmp_path / "th" / "hub" / "checkpoints"
    code = (
        "import sys; from convcore.nets.files import hub_checkpoints_dir, remove_partial_downloads; "
        "assert 'torch' not in sys.modules; print(hub_checkpoints_dir()); print(len(remove_partial_downloads()))"
    )
    killed = tmp_path / "th" / "hub" / "checkpoints" / "alexnet-owt-7be5be79.pth.a1b2c3.partial"
    killed.parent.mkdir(parents=True)
    killed.write_bytes(b"\0" * 100)
    _age(killed, 120)
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert out.split("\n")[:2] == [str(killed.parent), "1"]
    assert not killed.exists()


class _Slow(http.server.BaseHTTPRequestHandler):
    """A download that sends its first megabyte, then nothing (until the client is killed)."""

    def do_GET(self):  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Length", str(weights.WEIGHTS_BYTES))
        self.end_headers()
        self.wfile.write(b"\0" * (1 << 20))
        self.wfile.flush()
        time.sleep(20)

    def log_message(self, *args):
        pass


def test_a_killed_download_leaves_a_partial_file_that_the_next_start_removes(tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/alexnet-owt-7be5be79.pth"
    code = f"from convcore.nets import weights; weights.download_weights(url={url!r}, model_dir={str(tmp_path)!r})"
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while not [p for p in tmp_path.glob("*.partial") if p.stat().st_size >= 1 << 20]:
            assert proc.poll() is None and time.monotonic() < deadline, "the download did not start"
            time.sleep(0.1)
        # in progress in another process: kept
        assert weights.remove_partial_downloads(tmp_path) == []
        proc.kill()  # SIGKILL: no `finally` runs, the partial file stays
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
        server.shutdown()
    (partial,) = tmp_path.glob("*.partial")
    assert partial.name.startswith("alexnet-owt-7be5be79.pth.")
    assert weights.remove_partial_downloads(tmp_path) == []  # still within the minute
    _age(partial, 61)
    assert weights.remove_partial_downloads(tmp_path) == [partial]  # the next server start
    assert list(tmp_path.iterdir()) == []

"""convcore.alexnet: loading (never from the internet), shapes, preprocessing, Grad-CAM, receptive fields."""

from __future__ import annotations

import http.server
import shutil
import threading

import numpy as np
import pytest
import torch

from convcore import alexnet as ax


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
    path = ax.download_weights(
        url=weights_file.as_uri(), model_dir=tmp_path, on_progress=lambda d, t: seen.append((d, t))
    )
    assert path == tmp_path / weights_file.name
    assert seen and seen[-1][0] == weights_file.stat().st_size
    assert all(b >= a for (a, _), (b, _) in zip(seen, seen[1:]))
    assert list(tmp_path.iterdir()) == [path]  # no partial file left
    model = ax.load_pretrained(url=weights_file.as_uri(), model_dir=tmp_path)
    assert not model.training and not any(p.requires_grad for p in model.parameters())


def test_wrong_hash_fails_clearly_and_leaves_nothing(weights_file, tmp_path):
    liar = weights_file.parent / "alexnet-owt-deadbeef.pth"
    shutil.copy(weights_file, liar)
    cache = tmp_path / "cache"
    with pytest.raises(ax.WeightsError, match="checksum does not match the 'deadbeef'"):
        ax.download_weights(url=liar.as_uri(), model_dir=cache)
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
        with pytest.raises(ax.WeightsError, match="download"):
            ax.download_weights(url=url, model_dir=tmp_path, timeout=5)
    finally:
        server.shutdown()
    assert list(tmp_path.iterdir()) == []


def test_no_network_gives_offline_instructions(tmp_path):
    with socket_closed_port() as port:
        with pytest.raises(ax.WeightsError, match="CONVCORE_ALEXNET_WEIGHTS"):
            ax.download_weights(
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
    with pytest.raises(ax.WeightsError, match="checksum"):
        ax.load_pretrained(model_dir=tmp_path)
    assert not bad.exists()
    with pytest.raises(ax.WeightsError, match="not on this computer"):
        ax.load_pretrained(model_dir=tmp_path)


def test_env_variable_file_is_used_and_never_deleted(weights_file, tmp_path, monkeypatch):
    monkeypatch.setenv(ax.WEIGHTS_ENV, str(weights_file))
    assert ax.find_weights(model_dir=tmp_path) == weights_file
    ax.load_pretrained(model_dir=tmp_path)
    broken = tmp_path / "mine.pth"
    broken.write_bytes(b"\x80\x02garbage")
    monkeypatch.setenv(ax.WEIGHTS_ENV, str(broken))
    with pytest.raises(ax.WeightsError, match="cannot be read as PyTorch weights"):
        ax.load_pretrained(model_dir=tmp_path)
    assert broken.exists()


def test_keys_and_shapes_must_match_exactly(weights_file):
    state = ax.load_weights(weights_file)
    missing = dict(state)
    del missing["classifier.6.bias"]
    with pytest.raises(ax.WeightsError, match="missing classifier.6.bias"):
        ax.alexnet(missing)
    wrong = dict(state)
    wrong["features.0.weight"] = torch.zeros(64, 3, 7, 7)
    with pytest.raises(ax.WeightsError, match=r"features.0.weight have shape \(64, 3, 7, 7\)"):
        ax.alexnet(wrong)
    nan = dict(state)
    nan["features.3.bias"] = torch.full((192,), float("nan"))
    with pytest.raises(ax.WeightsError, match="NaN"):
        ax.alexnet(nan)
    with pytest.raises(ax.WeightsError, match="holds a list"):
        ax.alexnet([1, 2])


def test_parameter_counts_match_torchvision():
    model = ax.untrained_alexnet()
    conv = sum(p.numel() for p in model.features.parameters())
    dense = sum(p.numel() for p in model.classifier.parameters())
    assert (conv, dense, conv + dense) == (2_469_696, 58_631_144, 61_100_840)
    assert dense / (conv + dense) == pytest.approx(0.96, abs=0.005)
    keys = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    assert keys["features.0.weight"] == (64, 3, 11, 11) and keys["classifier.6.weight"] == (1000, 4096)


def test_layer_output_shapes_at_224_and_no_mutation():
    model = ax.untrained_alexnet()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    outs = ax.layer_outputs(model, torch.randn(1, 3, 224, 224))
    shapes = {o.layer.name: o.values.shape for o in outs}
    assert shapes == {
        "conv1": (64, 55, 55), "relu1": (64, 55, 55), "pool1": (64, 27, 27),
        "conv2": (192, 27, 27), "relu2": (192, 27, 27), "pool2": (192, 13, 13),
        "conv3": (384, 13, 13), "relu3": (384, 13, 13), "conv4": (256, 13, 13), "relu4": (256, 13, 13),
        "conv5": (256, 13, 13), "relu5": (256, 13, 13), "pool5": (256, 6, 6),
    }  # fmt: skip
    assert (outs[0].values < 0).any() and (outs[1].values >= 0).all()  # conv output kept before its ReLU
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_untrained_model_is_reproducible_and_leaves_the_global_rng_alone():
    torch.manual_seed(42)
    expected_next = torch.rand(3)
    torch.manual_seed(42)
    a = ax.untrained_alexnet(seed=0)
    assert torch.equal(torch.rand(3), expected_next)
    b = ax.untrained_alexnet(seed=0)
    assert torch.equal(a.features[0].weight, b.features[0].weight)
    assert not torch.equal(a.features[0].weight, ax.untrained_alexnet(seed=1).features[0].weight)


def test_preprocess_without_resize_is_a_plain_crop_and_normalisation():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (256, 300, 3), dtype=np.uint8)  # short side already 256
    x = ax.preprocess(img)
    assert x.shape == (1, 3, 224, 224) and x.dtype == torch.float32
    top, left = 16, 38  # round((256 - 224) / 2), round((300 - 224) / 2)
    for c in range(3):
        hand = (img[top : top + 224, left : left + 224, c] / 255.0 - ax.IMAGENET_MEAN[c]) / ax.IMAGENET_STD[c]
        np.testing.assert_allclose(x[0, c].numpy(), hand, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(ax.crop_shown(img), img[top : top + 224, left : left + 224])


def test_preprocess_resizes_the_short_side_to_256():
    img = np.full((600, 512, 3), 200, dtype=np.uint8)
    img[:, :256] = 10  # left half dark
    shown = ax.crop_shown(img)
    assert shown.shape == (224, 224, 3)
    # 512 x 600 -> 256 x 300 (int(256 * 600 / 512) = 300): the dark half ends at column 128 of 256,
    # which is column 128 - 16 = 112 of the centre crop
    assert (shown[:, :110] == 10).all() and (shown[:, 114:] == 200).all()
    with pytest.raises(ValueError, match="image must be an"):
        ax.preprocess(np.zeros((10, 10)))


@pytest.mark.parametrize("layer,size", [
    ("conv1", 11), ("pool1", 19), ("conv2", 51), ("pool2", 67), ("conv3", 99), ("conv4", 131), ("conv5", 163),
    ("pool5", 195),
])  # fmt: skip
def test_receptive_field_sizes(layer, size):
    assert ax.receptive_field(layer)[0] == size


@pytest.mark.parametrize(
    "layer,row,col", [("conv1", 0, 0), ("conv1", 20, 33), ("conv2", 10, 5), ("conv3", 6, 6)]
)
def test_receptive_field_box_contains_every_input_pixel_that_matters(layer, row, col):
    # autograd oracle: the input pixels with a non-zero gradient lie inside the box
    model = ax.untrained_alexnet()
    x = torch.randn(1, 3, 224, 224, requires_grad=True)
    a = x
    for info, module in zip(ax.LAYERS, model.features):
        a = module(a)
        if info.name == layer:
            break
    (grad,) = torch.autograd.grad(a[0, 0, row, col], x)
    rows, cols = np.nonzero(grad[0].abs().sum(0).numpy())
    top, left, bottom, right = ax.receptive_field(layer, row, col)[1]
    assert rows.min() >= top and rows.max() < bottom and cols.min() >= left and cols.max() < right
    if layer == "conv1":  # no ReLU in between: the box is exactly the support
        assert (rows.min(), cols.min(), rows.max() + 1, cols.max() + 1) == (top, left, bottom, right)


def test_grad_cam_shape_range_class_dependence_and_no_side_effects():
    model = ax.untrained_alexnet(seed=3)
    x = ax.preprocess(np.random.default_rng(1).integers(0, 256, (256, 256, 3), dtype=np.uint8))
    a = ax.grad_cam(model, x, 1)
    b = ax.grad_cam(model, x, 2)
    assert a.shape == (224, 224) and 0 <= a.min() and a.max() <= 1
    assert not np.allclose(a, b)
    assert all(p.grad is None for p in model.parameters())
    with pytest.raises(ValueError, match="class_index must be from 0 to 999"):
        ax.grad_cam(model, x, 1000)


def test_predictions_and_categories():
    names = ax.categories()
    assert len(names) == len(set(names)) == 1000 and names[0] == "tench" and "crane bird" in names
    preds = ax.predict(ax.untrained_alexnet(), torch.zeros(1, 3, 224, 224), k=5)
    assert len(preds) == 5 and preds[0].probability >= preds[-1].probability
    assert all(p.name == names[p.index] for p in preds)


@pytest.mark.parametrize("shape", [(1, 1, 3), (2, 1024, 3), (1024, 2, 3), (300, 1200, 3), (50, 40, 3)])
def test_tiny_and_extreme_images_are_handled_with_bounded_memory(shape):
    img = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    x = ax.preprocess(img)
    assert x.shape == (1, 3, 224, 224) and torch.isfinite(x).all()
    assert ax.predict(ax.untrained_alexnet(), x, k=1)[0].probability > 0


def test_four_to_one_images_are_still_exactly_torchvision_s_path():
    # 256 x 1024 (4:1): no pre-crop, so no resize and a plain centre crop
    img = np.random.default_rng(1).integers(0, 256, (256, 1024, 3), dtype=np.uint8)
    np.testing.assert_array_equal(ax.crop_shown(img), img[16:240, 400:624])

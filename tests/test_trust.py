"""convcore.nets.trust (issue 16's API): occlusion against a naive loop, the gradient against
torch.autograd, FGSM's sign and clipping, guided backpropagation against a hooked copy, Grad-CAM's
range, and randomize never touching the shared model."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_allclose

from convcore.nets import lenet, trust


@pytest.fixture(scope="module")
def net():
    return lenet.load_model()[0]


@pytest.fixture(scope="module")
def x():
    return torch.rand(1, 28, 28, generator=torch.Generator().manual_seed(5))


def test_occlusion_equals_a_naive_loop(net, x):
    drops = trust.occlusion(net, x, 3, window=7, stride=5, fill=0.25, batch=4)
    with torch.inference_mode():
        base = torch.softmax(net(x[None]), 1)[0, 3].item()
        expected = np.zeros(((28 - 7) // 5 + 1,) * 2)
        for i in range(expected.shape[0]):
            for j in range(expected.shape[1]):
                y = x.clone()
                y[:, 5 * i : 5 * i + 7, 5 * j : 5 * j + 7] = 0.25
                expected[i, j] = base - torch.softmax(net(y[None]), 1)[0, 3].item()
    assert drops.shape == (5, 5)
    assert_allclose(drops, expected, atol=1e-5)


def test_the_gradient_is_torch_autograds_on_the_logit(net, x):
    v = x[None].clone().requires_grad_(True)
    net(v)[0, 7].backward()
    assert_allclose(
        trust.saliency(net, x, 7, method="gradient"), v.grad[0].abs().amax(0).numpy(), rtol=1e-5, atol=1e-8
    )


def test_guided_backprop_equals_a_hooked_copy(net, x):
    """The reference: a private copy whose ReLU backward is clamped by hooks (never the shared one)."""
    ref = copy.deepcopy(net)
    v = x[None].clone().requires_grad_(True)

    def guided(t):
        t = t.clamp(min=0)
        t.register_hook(lambda g, t=t: g.clamp(min=0) * (t > 0))
        return t

    import torch.nn.functional as F

    out = guided(F.conv2d(v, ref.conv1.weight, ref.conv1.bias, padding=ref.conv1.padding))
    out = F.max_pool2d(out, 2, 2)
    out = guided(F.conv2d(out, ref.conv2.weight, ref.conv2.bias))
    out = F.max_pool2d(out, 2, 2).flatten(1)
    out = guided(F.linear(out, ref.fc1.weight, ref.fc1.bias))
    out = guided(F.linear(out, ref.fc2.weight, ref.fc2.bias))
    out = F.linear(out, ref.fc3.weight, ref.fc3.bias)
    (g,) = torch.autograd.grad(out[0, 2], v)
    assert_allclose(
        trust.saliency(net, x, 2, method="guided"), g[0].abs().amax(0).numpy(), rtol=1e-5, atol=1e-8
    )


def test_smoothgrad_is_seeded_and_gradcam_is_a_0_to_1_map(net, x):
    a = trust.saliency(net, x, 1, method="smoothgrad", samples=8, seed=3)
    b = trust.saliency(net, x, 1, method="smoothgrad", samples=8, seed=3)
    assert_allclose(a, b) and a.shape == (28, 28)
    cam = trust.saliency(net, x, 1, method="gradcam")
    assert cam.shape == (28, 28) and cam.min() >= 0 and cam.max() <= 1


def test_gradcam_from_its_layers_output_already_computed_is_the_same_map(net, x):
    """saliency(maps=...): only the layers after Grad-CAM's layer run; the map is bit for bit the same."""
    from convcore.networks import network_layers

    layer = trust.grad_cam_layer(net)
    names = [row.name for row in network_layers(trust._network(net))]
    _, kept = trust._logits(net, x[None].clone(), keep=layer)
    maps = kept.detach()[0]
    full = trust.saliency(net, x, 1, method="gradcam")
    np.testing.assert_array_equal(trust.saliency(net, x, 1, method="gradcam", maps=maps), full)
    np.testing.assert_array_equal(trust.saliency(net, x, 1, method="gradcam", maps=maps.numpy()), full)
    assert layer in names
    with pytest.raises(ValueError, match=f"maps must be {layer}'s output"):
        trust.saliency(net, x, 1, method="gradcam", maps=maps[:1])
    with pytest.raises(ValueError, match="maps is for method='gradcam' only"):
        trust.saliency(net, x, 1, method="gradient", maps=maps)


def test_fgsm_moves_by_eps_along_the_sign_and_stays_in_range(net, x):
    adv = trust.fgsm(net, x, 4, 0.1)
    v = x[None].clone().requires_grad_(True)
    torch.nn.functional.cross_entropy(net(v), torch.tensor([4])).backward()
    expected = (x + 0.1 * v.grad[0].sign()).clamp(0, 1)
    assert_allclose(adv.numpy(), expected.numpy(), atol=1e-7)
    assert adv.min() >= 0 and adv.max() <= 1
    towards = trust.fgsm(net, x, 4, 0.1, targeted=True)
    assert_allclose(towards.numpy(), (x - 0.1 * v.grad[0].sign()).clamp(0, 1).numpy(), atol=1e-7)


def test_randomize_leaves_the_shared_model_unchanged(net):
    before = {k: v.clone() for k, v in net.state_dict().items()}
    other = trust.randomize(net, "conv2", seed=1)
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())
    after = other.state_dict()
    for key in before:  # conv1 kept; conv2 and every layer above it re-drawn
        assert torch.equal(before[key], after[key]) == key.startswith("conv1")


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda n, x: trust.occlusion(n, x, 10, window=4, stride=2), "target must be from 0 to 9"),
        (lambda n, x: trust.occlusion(n, x, 1, window=40, stride=2), "window must be at most"),
        (lambda n, x: trust.occlusion(n, x, 1, window=4, stride=2, fill="grey"), "fill must be one of"),
        (lambda n, x: trust.saliency(n, x, 1, method="lrp"), "method must be one of"),
        (lambda n, x: trust.fgsm(n, x, 1, -1), "eps must be a number"),
        (lambda n, x: trust.randomize(n, "pool1"), "upto_layer must be one of"),
    ],
)
def test_bad_arguments_are_named(net, x, call, match):
    with pytest.raises(ValueError, match=match):
        call(net, x)


def test_gradcam_equals_a_hand_written_reference_on_alexnet():
    """Grad-CAM (Selvaraju et al.) written out on torchvision's module list: relu5's maps weighted by
    their mean gradient, summed, ReLU'd, resized and scaled to 0..1. The AlexNet page's
    convcore.nets.alexnet.grad_cam is this same function."""
    from convcore.nets import alexnet

    model = alexnet.untrained_alexnet(seed=0)
    x = torch.randn(1, 3, 224, 224, generator=torch.Generator().manual_seed(2))
    a = model.features[:12](x).detach().requires_grad_(True)  # up to and including relu5
    logits = model.classifier(torch.flatten(model.avgpool(model.features[12:](a)), 1))
    (grad,) = torch.autograd.grad(logits[0, 281], a)
    cam = torch.relu((grad.mean(dim=(2, 3), keepdim=True) * a.detach()).sum(dim=1, keepdim=True))
    cam = torch.nn.functional.interpolate(cam, size=(224, 224), mode="bilinear", align_corners=False)[0, 0]
    expected = (cam / cam.max()).numpy()
    assert_allclose(trust.saliency(model, x, 281, method="gradcam"), expected, atol=1e-5)
    assert_allclose(alexnet.grad_cam(model, x, 281), expected, atol=1e-5)
    # relu5 already computed (the AlexNet page's analysis): only the layers after it run
    relu5 = model.features[:12](x)[0].detach().numpy()
    assert_allclose(alexnet.grad_cam(model, x, 281, relu5=relu5), expected, atol=1e-5)


def test_occlusion_grid_and_progress(net, x):
    assert trust.occlusion_grid((1, 28, 28), 7, 5) == (5, 5)
    assert trust.occlusion_grid((3, 224, 224), 32, 16) == (13, 13)
    seen = []
    trust.occlusion(net, x, 3, window=7, stride=5, batch=10, on_progress=lambda d, t: seen.append((d, t)))
    assert seen == [(10, 25), (20, 25), (25, 25)]


def test_fgsm_on_alexnet_moves_each_channel_by_eps_over_std_and_stays_a_picture():
    from convcore.nets import alexnet

    model = alexnet.untrained_alexnet(seed=0)
    x = alexnet.preprocess(np.random.default_rng(4).integers(0, 256, (224, 224, 3), dtype=np.uint8))[0]
    adv = trust.fgsm(model, x, 7, 4 / 255)
    pixels = adv * torch.tensor(alexnet.IMAGENET_STD).view(3, 1, 1) + torch.tensor(
        alexnet.IMAGENET_MEAN
    ).view(3, 1, 1)
    assert pixels.min() >= -1e-6 and pixels.max() <= 1 + 1e-6
    before = x * torch.tensor(alexnet.IMAGENET_STD).view(3, 1, 1) + torch.tensor(alexnet.IMAGENET_MEAN).view(
        3, 1, 1
    )
    moved = (pixels - before).abs()
    inside = (before > 4 / 255) & (before < 1 - 4 / 255)  # not clipped there
    assert_allclose(moved[inside].numpy(), 4 / 255, atol=1e-5)


def test_fgsm_sweep_equals_fgsm_one_strength_at_a_time(net, x):
    eps = [0.0, 0.05, 0.2, 0.5]
    for targeted in (False, True):
        probs = trust.fgsm_sweep(net, x, 6, eps, targeted=targeted)
        with torch.inference_mode():
            expected = [
                torch.softmax(net(trust.fgsm(net, x, 6, e, targeted=targeted)[None]), 1)[0].numpy()
                for e in eps
            ]
        assert_allclose(probs, np.array(expected), atol=1e-6)


def test_smallest_flip_is_the_first_strength_that_changes_the_answer():
    images, labels = lenet.make_digits(20, seed=lenet.HELD_OUT_SEED)
    model = lenet.load_model()[0]
    grid = [i / 100 for i in range(0, 51)]
    for img, label in zip(images[:5], labels[:5]):
        k = int(label)
        eps = trust.smallest_flip(model, img, k, grid)
        probs = trust.fgsm_sweep(model, img, k, grid)
        answers = probs.argmax(1)
        if eps is None:
            assert (answers == k).all()
        else:
            i = grid.index(eps)
            assert answers[i] != k and (answers[:i] == k).all()
    towards = trust.smallest_flip(model, images[0], 3, grid, targeted=True)
    assert towards is None or trust.fgsm_sweep(model, images[0], 3, [towards], targeted=True)[0].argmax() == 3


def test_cascade_steps_equal_randomize_and_leave_the_model_alone(net):
    before = {k: v.clone() for k, v in net.state_dict().items()}
    names = []
    for name, m in trust.cascade(net, seed=4):
        names.append(name)
        ref = trust.randomize(net, name, seed=4).state_dict()
        assert all(torch.equal(ref[k], v) for k, v in m.state_dict().items())
    assert names == ["fc3", "fc2", "fc1", "conv2", "conv1"]
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())


def test_randomize_draws_the_same_numbers_on_an_untrained_alexnet_that_keeps_no_dense_weights():
    """The untrained AlexNet's dense layers are drawn again at each use (SeededLinear): a randomised
    copy of it computes exactly what a randomised copy of the same network with kept weights does."""
    from convcore.nets import alexnet as ax
    from convcore.nets._init import seeded

    full, compact = seeded(ax.AlexNet, 0).eval(), ax.untrained_alexnet(seed=0)
    x = torch.randn(1, 3, 224, 224, generator=torch.Generator().manual_seed(2))
    with torch.inference_mode():
        for layer in ("fc7", "conv5"):
            a, b = trust.randomize(full, layer, seed=5), trust.randomize(compact, layer, seed=5)
            assert torch.equal(a(x), b(x))
            assert torch.equal(a.classifier[4].weight, b.classifier[4].weight)
        assert torch.equal(compact(x), full(x))  # the shared model is unchanged


def test_rank_correlation_is_spearmans():
    from scipy.stats import spearmanr

    rng = np.random.default_rng(0)
    a, b = rng.random((8, 8)), rng.random((8, 8))
    b[0, :3] = b[0, 0]  # ties
    assert trust.rank_correlation(a, b) == pytest.approx(spearmanr(a.ravel(), b.ravel()).statistic)
    assert trust.rank_correlation(a, 2 * a + 1) == pytest.approx(1.0)
    assert np.isnan(trust.rank_correlation(a, np.zeros((8, 8))))
    with pytest.raises(ValueError, match="same shape"):
        trust.rank_correlation(a, b[:4])
    a[2, 2] = np.nan  # as scipy's rankdata: a NaN makes the order undefined
    assert np.isnan(trust.rank_correlation(a, b))


@given(arrays(np.float64, st.integers(1, 40), elements=st.integers(-3, 3).map(float) | st.floats(-1e6, 1e6)))
def test_ranks_are_scipys_rankdata_with_ties_averaged(v):
    """trust's numpy ranks replace scipy.stats (whose import costs a server about 44 MB)."""
    from scipy.stats import rankdata

    assert_allclose(trust._ranks(v), rankdata(v), rtol=0, atol=0)


def test_sanity_check_starts_at_one_and_uses_the_cascade(net, x):
    steps = list(trust.sanity_check(net, x, 2, ("gradient", "gradcam"), samples=4))
    assert [s.layer for s in steps] == ["", "fc3", "fc2", "fc1", "conv2", "conv1"]
    assert steps[0].similarity == {"gradient": 1.0, "gradcam": 1.0}
    last = dict(trust.cascade(net, 0))["conv1"]  # (the last step's copy is the fully random one)
    assert_allclose(steps[-1].maps["gradient"], trust.saliency(last, x, 2, method="gradient"), rtol=1e-6)
    with pytest.raises(ValueError, match="methods must be one of"):
        next(trust.sanity_check(net, x, 2, ("lime",)))


def test_two_threads_guided_backprop_and_a_plain_forward_share_one_model(net):
    """Guided backprop changes the ReLU's backward through its own autograd function: a plain
    forward on the same model at the same time sees ordinary ReLUs, and no hook is left behind."""
    import threading

    images, _ = lenet.make_digits(16, seed=3)
    guided_ref = [trust.saliency(net, im, 1, method="guided") for im in images]
    with torch.inference_mode():
        plain_ref = net(images).numpy()
    errors, out = [], {}
    start = threading.Barrier(2)

    def guided():
        start.wait()
        out["guided"] = [trust.saliency(net, im, 1, method="guided") for im in images for _ in range(3)]

    def plain():
        start.wait()
        with torch.inference_mode():
            out["plain"] = [net(images).numpy() for _ in range(30)]

    threads = [threading.Thread(target=f) for f in (guided, plain)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for i, m in enumerate(out["guided"]):
        assert_allclose(m, guided_ref[i // 3], rtol=1e-6)
    for p in out["plain"]:
        assert_allclose(p, plain_ref, rtol=1e-6)
    hooks = [m._forward_hooks or m._backward_hooks or m._forward_pre_hooks for m in net.modules()]
    assert not any(hooks) and all(p.grad is None for p in net.parameters())


def test_figures_fgsm_flips_most_digits_and_guided_backprop_survives_randomisation(capsys):
    """Issue 16's figures on the shipped digit CNN, over held-out digits it gets right:
    FGSM at eps 0.25 flips at least 80 % of 200; and after randomising every layer (cascading),
    guided backprop's rank correlation with the original drops less than the gradient's (Adebayo
    et al.'s finding). Printed, and written on the page."""
    model = lenet.load_model()[0]
    images, labels = lenet.make_digits(2000, seed=lenet.HELD_OUT_SEED)
    with torch.inference_mode():
        right = (model(images).argmax(1) == labels).nonzero()[:, 0][:200]
    flipped = sum(
        int(trust.fgsm_sweep(model, images[i], int(labels[i]), [0.25])[0].argmax() != int(labels[i]))
        for i in right
    )
    corr = {"gradient": [], "guided": []}
    for i in right[:40]:
        steps = list(trust.sanity_check(model, images[i], int(labels[i]), ("gradient", "guided")))
        for m in corr:
            corr[m].append(steps[-1].similarity[m])
    g, gb = (float(np.nanmean(corr[m])) for m in ("gradient", "guided"))
    with capsys.disabled():
        print(
            f"\nFGSM eps 0.25 flips {flipped}/{len(right)} held-out digits; after randomising every layer the "
            f"rank correlation with the original is {g:.3f} for the gradient, {gb:.3f} for guided backprop"
        )
    assert flipped >= 0.8 * len(right)
    assert 1 - gb < 1 - g
    from app.widgets import trust as page  # the page quotes these two numbers

    assert (round(g, 2), round(gb, 2)) == (
        page.DIGIT_SANITY_FIGURE["gradient"],
        page.DIGIT_SANITY_FIGURE["guided"],
    )


def test_gradients_work_inside_inference_mode(net, x):
    """A notebook often wraps everything in torch.inference_mode: the gradient methods still work."""
    expected = {m: trust.saliency(net, x, 5, method=m, samples=4) for m in sorted(trust.SALIENCY_METHODS)}
    with torch.inference_mode():
        for m, want in expected.items():
            assert_allclose(trust.saliency(net, x, 5, method=m, samples=4), want, rtol=1e-6)
        assert_allclose(trust.fgsm(net, x, 5, 0.1).numpy(), trust.fgsm(net, x, 5, 0.1).numpy())


def test_occlusion_per_pixel_is_the_mean_of_the_covering_patches():
    drops = np.arange(9.0).reshape(3, 3)  # 8 x 8 input, window 4, stride 2: places at 0, 2, 4
    pixels = trust.occlusion_per_pixel(drops, (8, 8), 4, 2)
    assert pixels[0, 0] == 0  # only the first patch
    assert pixels[2, 2] == pytest.approx(np.mean([0, 1, 3, 4]))  # four patches cover it
    assert pixels[7, 7] == 8
    sparse = trust.occlusion_per_pixel(np.ones((2, 2)), (10, 10), 3, 5)  # stride > window: gaps
    assert sparse[3, 3] == 0 and sparse[0, 0] == 1
    with pytest.raises(ValueError, match="drops must be occlusion's map"):
        trust.occlusion_per_pixel(drops, (8, 8), 4, 3)

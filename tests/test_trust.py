"""convcore.nets.trust (issue 16's API): occlusion against a naive loop, the gradient against
torch.autograd, FGSM's sign and clipping, guided backpropagation against a hooked copy, Grad-CAM's
range, and randomize never touching the shared model."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
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


def test_gradcam_equals_the_alexnet_pages():
    """One Grad-CAM: convcore.nets.trust's equals convcore.nets.alexnet.grad_cam on AlexNet."""
    from convcore.nets import alexnet

    model = alexnet.untrained_alexnet(seed=0)
    x = torch.randn(1, 3, 224, 224, generator=torch.Generator().manual_seed(2))
    assert_allclose(
        trust.saliency(model, x, 281, method="gradcam"), alexnet.grad_cam(model, x, 281), atol=1e-5
    )

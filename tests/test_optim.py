"""convcore.nets.optim.Adam against torch.optim.Adam, bit for bit, and what it saves a server (issue 18)."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from convcore.nets import lenet, optim, shapes, tinyvgg
from tests.imports import imported_by

SHAPES = [(3, 4), (5,), (2, 1, 3, 3), (1,)]


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    lr=st.floats(1e-5, 0.5),
    decay=st.sampled_from([0.0, 1e-3, 0.5, 3.0]),
    beta1=st.sampled_from([0.0, 0.5, 0.9]),
    beta2=st.sampled_from([0.9, 0.99, 0.999]),
    eps=st.sampled_from([0.0, 1e-8, 1e-3]),
    steps=st.integers(1, 25),
    channels_last=st.booleans(),
)
def test_adam_is_torch_adam_bit_for_bit(seed, lr, decay, beta1, beta2, eps, steps, channels_last):
    """Two groups (one with decoupled decay), gradients over six orders of magnitude, a parameter
    without a gradient on some steps, a learning rate changed between steps (a schedule)."""
    g = torch.Generator().manual_seed(seed)
    ours = [torch.randn(s, generator=g) for s in SHAPES]
    if channels_last:
        ours[2] = ours[2].contiguous(memory_format=torch.channels_last)
    ours = [p.requires_grad_() for p in ours]
    theirs = [p.detach().clone().requires_grad_() for p in ours]

    def groups(ps):
        return [{"params": ps[:2], "weight_decay": decay}, {"params": ps[2:], "weight_decay": 0.0}]

    a = optim.Adam(groups(ours), lr=lr, betas=(beta1, beta2), eps=eps)
    b = torch.optim.Adam(groups(theirs), lr=lr, betas=(beta1, beta2), eps=eps, decoupled_weight_decay=True)
    for k in range(steps):
        for opt in (a, b):
            opt.zero_grad()
        for i, shape in enumerate(SHAPES):
            if i == 3 and k % 3 == 1:
                continue  # no gradient this step: Adam leaves the parameter and its moments alone
            grad = torch.randn(shape, generator=g) * 10.0 ** int(torch.randint(-4, 3, (1,), generator=g))
            ours[i].grad, theirs[i].grad = grad.clone(), grad.clone()
        if k == steps // 2:
            for opt in (a, b):
                opt.param_groups[1]["lr"] = lr / 3
        a.step()
        b.step()
        for p, q in zip(ours, theirs, strict=True):
            assert torch.equal(p, q)
    assert any(p.grad is not None for p in ours)  # the last step's gradients are still there
    a.zero_grad()
    assert all(p.grad is None for p in ours)


def test_a_plain_list_of_parameters_is_one_group():
    p = torch.ones(3, requires_grad=True)
    q = p.detach().clone().requires_grad_()
    a, b = optim.Adam([p], lr=0.1), torch.optim.Adam([q], lr=0.1)
    for _ in range(3):
        p.grad, q.grad = torch.tensor([1.0, -2.0, 0.0]), torch.tensor([1.0, -2.0, 0.0])
        a.step()
        b.step()
    assert torch.equal(p, q)
    # hand-computed first step of Adam: each moving weight moves by lr against its gradient's sign
    r = torch.zeros(2, requires_grad=True)
    r.grad = torch.tensor([4.0, -0.5])
    optim.Adam([r], lr=0.1, eps=0.0).step()
    assert torch.allclose(r.detach(), torch.tensor([-0.1, 0.1]))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"lr": -1.0}, "lr"),
        ({"lr": float("nan")}, "lr"),
        ({"lr": True}, "lr"),
        ({"betas": (1.0, 0.9)}, r"betas\[0\]"),
        ({"betas": (0.9, -0.1)}, r"betas\[1\]"),
        ({"betas": 0.9}, "betas"),
        ({"eps": float("inf")}, "eps"),
        ({"weight_decay": -0.5}, "weight_decay"),
        ({"weight_decay": "0.1"}, "weight_decay"),
    ],
)
def test_bad_settings_name_the_parameter(kwargs, match):
    with pytest.raises(ValueError, match=match):
        optim.Adam([torch.zeros(2, requires_grad=True)], **kwargs)


def test_bad_parameters_are_refused():
    with pytest.raises(ValueError, match="params"):
        optim.Adam([])
    with pytest.raises(TypeError, match="params"):
        optim.Adam([torch.zeros(2, dtype=torch.int64)])
    with pytest.raises(TypeError, match="params"):
        optim.Adam([{"lr": 0.1}])
    with pytest.raises(TypeError, match="leaf"):
        optim.Adam([torch.zeros(2, requires_grad=True) * 2])
    p = torch.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="more than one group"):
        optim.Adam([{"params": [p]}, {"params": [p]}])
    with pytest.raises(ValueError, match="weight_decay"):
        optim.Adam([{"params": [p], "weight_decay": -1}])


def test_lenet_training_is_torch_adams_with_decoupled_decay(monkeypatch):
    """The Train page's loop, 40 steps with decay on the first layer: the same weights as with
    torch.optim.Adam(..., decoupled_weight_decay=True), which it used before."""
    config = lenet.LeNetConfig(train_size=640, epochs=2, batch_size=32, decay=2.0, learning_rate=0.003)
    ours = lenet.new_model(config)
    lenet.train(ours, config)
    monkeypatch.setattr(
        lenet, "Adam", lambda groups, lr: torch.optim.Adam(groups, lr=lr, decoupled_weight_decay=True)
    )
    reference = lenet.new_model(config)
    lenet.train(reference, config)
    for (name, a), b in zip(ours.state_dict().items(), reference.state_dict().values(), strict=True):
        assert torch.equal(a, b), name


def test_tiny_vgg_training_is_torch_adams_with_its_lambda_schedule(monkeypatch):
    """Tiny VGG's loop sets each step's learning rate itself; torch's Adam given the same rates, and
    LambdaLR with the same cosine, give the same numbers."""
    config = tinyvgg.TinyVGGConfig(train_size=96, epochs=2, batch_size=16, seed=3)  # 12 steps
    data, held = shapes.make_shapes(96, seed=3), shapes.make_shapes(20, seed=9)
    ours = tinyvgg.new_model(1)
    tinyvgg.train(ours, config, data=data, held_out=held)
    monkeypatch.setattr(tinyvgg, "Adam", lambda params, lr: torch.optim.Adam(params, lr=lr))
    reference = tinyvgg.new_model(1)
    tinyvgg.train(reference, config, data=data, held_out=held)
    for (name, a), b in zip(ours.state_dict().items(), reference.state_dict().values(), strict=True):
        assert torch.equal(a, b), name
    total = 12
    opt = torch.optim.Adam([torch.zeros(1, requires_grad=True)], lr=config.learning_rate)
    schedule = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: tinyvgg.cosine_factor(s, total))
    rates = []
    for _ in range(total):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        schedule.step()
    assert rates == [config.learning_rate * tinyvgg.cosine_factor(k, total) for k in range(total)]
    assert rates[0] == config.learning_rate and rates[-1] > 0.02 * config.learning_rate


def test_making_and_training_networks_imports_neither_torch_dynamo_nor_sympy():
    """Creating a torch.optim optimiser imports torch._dynamo, and ``Module.to_empty`` from the meta
    device imports sympy: together about 1 s of the server's interpreter lock (every student waits)
    and 70-140 MB that stay, the first time anyone trains (issue 18)."""
    code = (
        "from convcore.nets import alexnet, lenet, shapes, tinyvgg\n"
        "c = lenet.LeNetConfig(train_size=128, epochs=1)\n"
        "assert lenet.train(lenet.new_model(c), c).status == 'done'\n"
        "alexnet.untrained_alexnet(seed=1)\n"
        "t = tinyvgg.TinyVGGConfig(train_size=32, epochs=1, batch_size=16)\n"
        "tinyvgg.train(tinyvgg.new_model(1), t, data=shapes.make_shapes(32, seed=1), held_out=shapes.make_shapes(8, seed=2))\n"
    )
    assert imported_by(code, ("torch._dynamo", "sympy")) == []


def test_materialise_gives_meta_parameters_and_buffers_cpu_memory_as_to_empty_does():
    """What ``Module.to_empty(device="cpu")`` made, without its import of sympy: the same names,
    shapes, dtypes and requires_grad, on the CPU; buffers (batch norm's running statistics) too."""
    from torch import nn

    from convcore.nets._init import empty, materialise

    def build():
        net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Linear(4, 2))
        net[2].bias.requires_grad_(False)
        return net

    ours = materialise(empty(build))
    theirs = empty(build).to_empty(device="cpu")
    for (name, a), (other, b) in zip(
        [*ours.named_parameters(), *ours.named_buffers()],
        [*theirs.named_parameters(), *theirs.named_buffers()],
        strict=True,
    ):
        assert name == other and a.device.type == "cpu" and not a.is_meta
        assert a.shape == b.shape and a.dtype == b.dtype and a.requires_grad == b.requires_grad, name
    assert isinstance(ours[0].weight, nn.Parameter) and ours[1].num_batches_tracked.dtype == torch.int64

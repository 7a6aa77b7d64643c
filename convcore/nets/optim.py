"""Adam for the networks that train in the server, bit for bit ``torch.optim.Adam`` on the CPU.

Why not ``torch.optim.Adam`` itself: creating any ``torch.optim`` optimiser imports
``torch._dynamo`` (PyTorch's compiler, through ``Optimizer.add_param_group``'s
``@torch._disable_dynamo``), and with it sympy: measured on this project's machine, about 1 s with
the interpreter's lock held and 70-140 MB of memory that stays. In a server, the first student of a
class to press Train stopped every other student for that second, and the process kept memory
it never used. The arithmetic here is ``torch.optim.adam._single_tensor_adam``'s (the path a CPU
tensor takes: no foreach, no fused kernel, no AMSGrad), operation for operation, so the weights
after any number of steps are those of ``torch.optim.Adam(groups, lr, decoupled_weight_decay=True)``
(tests compare them bit for bit).

Decay is decoupled (AdamW's): each step multiplies the weights by ``1 - lr x weight_decay`` before
the Adam update, rather than adding the decay to the gradient.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch

__all__ = ["Adam"]


def _real(value: object, name: str, low: float, high: float, *, high_open: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    value = float(value)
    if value < low or value > high or (high_open and value == high):
        bracket = ")" if high_open else "]"
        raise ValueError(f"{name} must be in [{low:g}, {high:g}{bracket}, got {value!r}")
    return value


class Adam:
    """Adam over parameter groups, each a dict with "params" and optionally "lr" and "weight_decay"
    (the defaults are the arguments). Change a group's "lr" between steps for a schedule.

    Only what the training loops use: ``zero_grad()`` (gradients set to None) and ``step()``.
    """

    def __init__(
        self,
        params: Iterable[torch.Tensor] | Iterable[dict],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        _real(lr, "lr", 0.0, math.inf)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair of numbers, got {betas!r}")
        self.betas = (_real(betas[0], "betas[0]", 0.0, 1.0, high_open=True),
                      _real(betas[1], "betas[1]", 0.0, 1.0, high_open=True))  # fmt: skip
        self.eps = _real(eps, "eps", 0.0, math.inf)
        groups = list(params)
        if not groups:
            raise ValueError("params must not be empty")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        self.param_groups: list[dict] = []
        seen: set[int] = set()
        for group in groups:
            if not isinstance(group, dict) or "params" not in group:
                raise TypeError("params must be tensors or dicts with a 'params' list")
            tensors = (
                [group["params"]] if isinstance(group["params"], torch.Tensor) else list(group["params"])
            )
            for p in tensors:
                if not isinstance(p, torch.Tensor) or not p.is_leaf or not p.is_floating_point():
                    raise TypeError("params must be floating-point leaf tensors")
                if p.device.type != "cpu" or p.is_complex():
                    raise ValueError("params must be real CPU tensors")
                if id(p) in seen:
                    raise ValueError("a parameter appears in more than one group")
                seen.add(id(p))
            self.param_groups.append({
                "params": tensors,
                "lr": _real(group.get("lr", lr), "lr", 0.0, math.inf),
                "weight_decay": _real(group.get("weight_decay", weight_decay), "weight_decay", 0.0, math.inf),
            })  # fmt: skip
        # per parameter: the step count (torch keeps it in a float32 tensor and reads it back as a float:
        # the same numbers below 2**24 steps), the first and second moments
        self.state: dict[torch.Tensor, dict] = {}

    def zero_grad(self) -> None:
        for group in self.param_groups:
            for p in group["params"]:
                p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        beta1, beta2 = self.betas
        for group in self.param_groups:
            lr, decay = group["lr"], group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad
                state = self.state.get(p)
                if state is None:
                    state = self.state[p] = {
                        "step": 0.0,
                        "exp_avg": torch.zeros_like(p, memory_format=torch.preserve_format),
                        "exp_avg_sq": torch.zeros_like(p, memory_format=torch.preserve_format),
                    }
                state["step"] += 1.0
                step, exp_avg, exp_avg_sq = state["step"], state["exp_avg"], state["exp_avg_sq"]
                if decay != 0:
                    p.mul_(1 - lr * decay)
                exp_avg.lerp_(grad, 1 - beta1)
                exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                step_size = lr / (1 - beta1**step)
                denom = (exp_avg_sq.sqrt() / (1 - beta2**step) ** 0.5).add_(self.eps)
                p.addcdiv_(exp_avg, denom, value=-step_size)

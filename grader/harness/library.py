"""Helpers a spec can ``use`` in a probe: builders of objects and generic routines.

Specs are data, so anything a probe needs beyond calling the student's code (a seeded
generator, a small model with given weights, an optimizer trajectory) is a named helper
here, written once and shared by every lesson.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor, nn

HELPERS: dict[str, Callable[..., Any]] = {}


def helper(fn: Callable[..., Any]) -> Callable[..., Any]:
    HELPERS[fn.__name__] = fn
    return fn


@helper
def generator(seed: Any) -> torch.Generator:
    """A CPU generator seeded with ``seed`` (an int or a 0-d integer tensor)."""
    return torch.Generator().manual_seed(int(seed))


@helper
def clone(value: Any) -> Any:
    return value.clone() if isinstance(value, Tensor) else value


@helper
def linear_model(weight: Tensor, bias: Tensor) -> nn.Module:
    """``nn.Linear`` whose parameters are copies of ``weight`` (out, in) and ``bias``."""
    model = nn.Linear(weight.shape[1], weight.shape[0], dtype=weight.dtype)
    with torch.no_grad():
        model.weight.copy_(weight)
        model.bias.copy_(bias)
    return model


@helper
def mlp_model(weights: list[Tensor], biases: list[Tensor]) -> nn.Module:
    """Linear layers with ReLU between them, parameters copied from the inputs."""
    layers: list[nn.Module] = []
    for i, (w, b) in enumerate(zip(weights, biases, strict=True)):
        layers.append(linear_model(w, b))
        if i < len(weights) - 1:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


@helper
def loss_function(name: str) -> nn.Module:
    return {"mse": nn.MSELoss(), "cross_entropy": nn.CrossEntropyLoss()}[name]


@helper
def torch_optimizer(name: str, model: nn.Module, **hyper: Any) -> torch.optim.Optimizer:
    """One of torch.optim's optimizers over ``model``'s parameters (a trusted tool)."""
    return getattr(torch.optim, name)(model.parameters(), **hyper)


@helper
def batches(X: Tensor, y: Tensor, batch_size: int) -> list[tuple[Tensor, Tensor]]:
    return [(X[i:i + batch_size], y[i:i + batch_size]) for i in range(0, len(X), batch_size)]


@helper
def state_dict(model: nn.Module) -> dict[str, Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


@helper
def optimizer_trajectory(cls: type, params: list[Tensor], grads: list[Tensor],
                         hyper: dict[str, Any], state_keys: list[str]) -> dict[str, Any]:
    """Run ``cls`` for ``len(grads[0])`` steps with the given gradients.

    ``params`` are the initial values; ``grads[i][t]`` is the gradient of parameter i at
    step t. Half of the parameters go in a second group with half the learning rate, to
    exercise param groups. Returns each parameter's trajectory (steps, *shape) and the
    requested state entries after the last step.
    """
    ps = [nn.Parameter(p.detach().clone()) for p in params]
    split = max(1, len(ps) // 2)
    lr = float(hyper["lr"])
    groups = [{"params": ps[:split]}]
    if ps[split:]:
        groups.append({"params": ps[split:], "lr": lr / 2})
    opt = cls(groups, **hyper)
    steps = grads[0].shape[0]
    traj: list[list[Tensor]] = [[] for _ in ps]
    for t in range(steps):
        for p, g in zip(ps, grads, strict=True):
            p.grad = g[t].clone()
        opt.step()
        for i, p in enumerate(ps):
            traj[i].append(p.detach().clone())
    state: dict[str, Any] = {}
    for i, p in enumerate(ps):
        entry = opt.state.get(p, {}) if hasattr(opt, "state") else {}
        for k in state_keys:
            v = entry.get(k) if isinstance(entry, dict) else None
            if isinstance(v, Tensor) and v.dim() == 0 and k == "step":
                v = float(v.item())
            elif isinstance(v, int) and not isinstance(v, bool):
                v = float(v)
            state[f"p{i}.{k}"] = v
    return {"params": [torch.stack(t) for t in traj], "state": state}


TEST_FUNCTIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "sin_times_square": lambda x: (torch.sin(x) * x**2).sum(),
    "logsumexp": lambda x: torch.logsumexp(x.flatten(), dim=0),
    "quartic": lambda x: (x**4 - 3 * x**2 + x).sum(),
    "softplus_norm": lambda x: torch.nn.functional.softplus(x).pow(2).sum().sqrt(),
    "cos_product": lambda x: torch.cos(x.flatten()[:-1] * x.flatten()[1:]).sum() + x.sum(),
}


@helper
def test_function(name: str) -> Callable[[Tensor], Tensor]:
    """A smooth scalar function of a tensor, by name."""
    return TEST_FUNCTIONS[name]


@helper
def autograd_grad(name: str, x: Tensor) -> Tensor:
    """The gradient of a named test function at ``x`` by autograd (an oracle)."""
    x = x.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(TEST_FUNCTIONS[name](x), x)
    return g


@helper
def sqrt(x: float) -> float:
    return math.sqrt(x)

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
def parameter_count(module: nn.Module) -> int:
    """How many numbers ``module`` learns: the total ``numel`` of its parameters."""
    return sum(p.numel() for p in module.parameters())


@helper
def grad_through(fn: Callable[[Tensor], Tensor], x: Tensor) -> Tensor:
    """The gradient of ``fn(x).sum()`` with respect to ``x`` by autograd: for an elementwise
    ``fn`` (an activation), its derivative at every entry, as backpropagation through it in
    a network would compute it."""
    leaf = x.detach().clone().requires_grad_(True)
    out = fn(leaf)
    if not isinstance(out, Tensor) or not out.requires_grad:
        name = getattr(fn, "__name__", "the function")
        raise TypeError(f"autograd cannot follow `{name}` from its input to its result: "
                        "build the result with tensor operations (no .item(), .detach(), "
                        "torch.tensor(...) of computed values, or torch.no_grad())")
    (g,) = torch.autograd.grad(out.sum(), leaf)
    return g


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


@helper
def python_floats(values: Any) -> Any:
    """``values`` (a list, tuple or 1-d tensor) as a list of Python floats, so a check can
    compare the numbers apart from their type: a Python number or a one-element tensor
    (detached) becomes a float, anything else is kept as it is for the check to report.
    Any other ``values`` (None, a dict, a 0-d tensor, ...) is returned unchanged."""
    if isinstance(values, Tensor):
        if values.dim() != 1:
            return values
        values = list(values)
    if not isinstance(values, (list, tuple)):
        return values
    out: list[Any] = []
    for v in values:
        if isinstance(v, Tensor) and v.numel() == 1:
            out.append(float(v.detach().reshape(())))
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            out.append(float(v))
        else:
            out.append(v)
    return out


class _ScaleGradient(torch.autograd.Function):
    """Identity forward; backward multiplies the incoming gradient by a constant."""

    generate_vmap_rule = True  # so that f also works under torch.vmap / torch.func

    @staticmethod
    def forward(x: Tensor, scale: float) -> Tensor:
        return x.clone()

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Tensor) -> None:
        ctx.scale = inputs[1]  # this form also works under torch.func transforms

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple[Tensor, None]:
        return grad * ctx.scale, None


@helper
def test_function_wrong_grad(name: str, scale: float) -> Callable[[Tensor], Tensor]:
    """A named test function with a deliberately wrong backward: its values are exact, but
    autograd returns ``scale`` times the true gradient (for exercises that must catch a bad
    analytic gradient, such as a gradient checker)."""
    fn = TEST_FUNCTIONS[name]
    return lambda x: fn(_ScaleGradient.apply(x, float(scale)))


@helper
def optimizer_protocol(cls: type, hyper: dict[str, Any]) -> dict[str, Any]:
    """How an optimizer class keeps torch.optim's calling conventions, as plain data.

    Builds ``cls([x, frozen], **hyper)`` and takes three steps ``opt.step(closure)`` on
    ``||x - target||^2`` (the closure zeroes the grads and calls backward; ``frozen`` never
    gets a gradient), then one ``opt.step()`` without a closure. Returns, in this order:
    ``"error"`` (None, or which call raised what: "step(closure) raised Type: message"),
    ``"step_returns_closure_loss"`` (every ``step(closure)`` returned the closure's loss),
    ``"step_without_closure_returns_none"`` and ``"param_without_grad_unchanged"``.
    Exceptions are reported as data, so a failing class yields a dict, not an error.
    """
    out: dict[str, Any] = {"error": None, "step_returns_closure_loss": False,
                           "step_without_closure_returns_none": False,
                           "param_without_grad_unchanged": False}
    x = nn.Parameter(torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64))
    frozen = nn.Parameter(torch.tensor([1.0, -2.0], dtype=torch.float64))
    target = torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64)
    stage = f"{getattr(cls, '__name__', 'the optimizer')}(params, **hyperparameters)"
    try:
        opt = cls([x, frozen], **hyper)
        losses: list[Tensor] = []

        def closure() -> Tensor:
            opt.zero_grad()
            loss = ((x - target) ** 2).sum()
            loss.backward()
            losses.append(loss.detach().clone())
            return loss

        stage = "step(closure)"
        returned = [opt.step(closure) for _ in range(3)]
        out["step_returns_closure_loss"] = len(losses) == 3 and all(
            r is not None and not isinstance(r, bool) and isinstance(r, (Tensor, int, float))
            and float(r.detach() if isinstance(r, Tensor) else r) == float(loss)
            for r, loss in zip(returned, losses, strict=True))
        stage = "step()"
        out["step_without_closure_returns_none"] = opt.step() is None
        out["param_without_grad_unchanged"] = bool(
            frozen.grad is None
            and torch.equal(frozen.detach(), torch.tensor([1.0, -2.0], dtype=torch.float64)))
    except Exception as exc:  # noqa: BLE001 - reported to the check as data
        out["error"] = f"{stage} raised {type(exc).__name__}: {exc}"[:300].rstrip(": ")
    return out

"""Helpers a spec can ``use`` in a probe: builders of objects and generic routines.

Specs are data, so anything a probe needs beyond calling the student's code (a seeded
generator, a small model with given weights, an optimizer trajectory) is a named helper
here, written once and shared by every lesson.
"""

from __future__ import annotations

import math
import os
import pickle
import secrets
import tempfile
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor, nn

from .values import MAX_SAVED_BYTES, SavedFile

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


ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {"relu": nn.ReLU, "tanh": nn.Tanh}


@helper
def mlp_model(weights: list[Tensor], biases: list[Tensor], dropout: float = 0.0,
              activation: str = "relu") -> nn.Module:
    """Linear layers with an activation (``"relu"`` or ``"tanh"``) between them, parameters
    copied from the inputs; with ``dropout > 0`` an ``nn.Dropout(dropout)`` follows every
    activation. (Tanh has no kink: where a probe compares a low-precision step with a float32
    one, a ReLU unit near 0 can flip sides and move one entry a lot.)"""
    layers: list[nn.Module] = []
    for i, (w, b) in enumerate(zip(weights, biases, strict=True)):
        layers.append(linear_model(w, b))
        if i < len(weights) - 1:
            layers.append(ACTIVATIONS[activation]())
            if dropout > 0:
                layers.append(nn.Dropout(float(dropout)))
    return nn.Sequential(*layers)


@helper
def parameter_count(module: nn.Module) -> int:
    """How many numbers ``module`` learns: the total ``numel`` of its parameters."""
    return sum(p.numel() for p in module.parameters())


@helper
def grad_through(fn: Callable[..., Tensor], x: Tensor, *rest: Any) -> Tensor:
    """The gradient of ``fn(x, *rest).sum()`` with respect to ``x`` by autograd: for an
    elementwise ``fn`` (an activation), its derivative at every entry, as backpropagation
    through it in a network would compute it; for a loss ``fn(logits, target, ...)``, the
    gradient of the loss with respect to the logits."""
    leaf = x.detach().clone().requires_grad_(True)
    out = fn(leaf, *rest)
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
def pairs(a: Tensor, b: Tensor) -> list[tuple[Tensor, Tensor]]:
    """``[(a[0], b[0]), (a[1], b[1]), ...]``: micro-batches ``(x, y)`` from tensors that
    stack them along dim 0."""
    if len(a) != len(b):
        raise ValueError(f"pairs: {len(a)} rows and {len(b)} rows")
    return list(zip(a.unbind(0), b.unbind(0), strict=True))


@helper
def tensor_dataset(*tensors: Tensor) -> torch.utils.data.Dataset:
    """torch's own ``TensorDataset`` over the given tensors (item i is their i-th rows)."""
    return torch.utils.data.TensorDataset(*tensors)


@helper
def dataloader_batches(dataset: Any, batch_size: int, generator: torch.Generator,
                       shuffle: bool = True, drop_last: bool = False) -> list[tuple[Any, ...]]:
    """One pass of torch's ``DataLoader`` over ``dataset`` (no worker processes, the default
    collate), each batch as a tuple: the order a batch iterator is compared with. Note that
    every pass draws a base seed for workers from ``generator`` before shuffling."""
    loader = torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=shuffle,
                                         generator=generator, drop_last=drop_last)
    return [tuple(b) if isinstance(b, list) else b for b in loader]


@helper
def as_list(iterable: Any, limit: int = 100_000) -> list[Any]:
    """The items of an iterable (a generator, a list, ...) in order, at most ``limit``."""
    out: list[Any] = []
    for item in iterable:
        if len(out) == limit:
            raise ValueError(f"more than {limit} items: is the iterator endless?")
        out.append(item)
    return out


@helper
def parameter_grads(model: nn.Module, value: Any) -> dict[str, Tensor]:
    """The gradient of a scalar ``value`` with respect to each named parameter of ``model``
    (zeros for a parameter it does not depend on), by autograd."""
    if not isinstance(value, Tensor) or value.numel() != 1 or value.grad_fn is None:
        raise ValueError("the value is not a one-element tensor computed from the model's "
                         "parameters (a Python float, .item() or .detach() cuts the graph, "
                         "and then nothing can be learned from it)")
    named = list(model.named_parameters())
    grads = torch.autograd.grad(value.reshape(()), [p for _, p in named], allow_unused=True)
    return {name: torch.zeros_like(p) if g is None else g.detach().clone()
            for (name, p), g in zip(named, grads, strict=True)}


@helper
def state_dict(model: nn.Module) -> dict[str, Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _under(name: str, prefix: str) -> bool:
    """A dotted name lies under a module prefix: equal to it or below it ("" is the root)."""
    return prefix == "" or name == prefix or name.startswith(prefix + ".")


@helper
def module_state(model: nn.Module, prefixes: list[str], part: str = "state") -> dict[str, Tensor]:
    """Copies of ``model``'s parameters (``part = "parameters"``), buffers (``"buffers"``) or
    both (``"state"``: the state_dict's entries) whose names lie under one of ``prefixes``
    (``"block1"`` covers ``block1.0.weight``, not ``block10.weight``; ``""`` covers all)."""
    entries = {"parameters": model.named_parameters, "buffers": model.named_buffers,
               "state": lambda: model.state_dict().items()}[part]()
    return {k: v.detach().clone() for k, v in entries
            if any(_under(k, str(p)) for p in prefixes)}


@helper
def requires_grad_flags(model: nn.Module) -> dict[str, bool]:
    """Each named parameter of ``model``: whether it requires grad (is trainable)."""
    return {name: bool(p.requires_grad) for name, p in model.named_parameters()}


@helper
def training_flags(model: nn.Module) -> dict[str, bool]:
    """Each named submodule of ``model`` (the root aside): whether it is in training mode."""
    return {name: bool(m.training) for name, m in model.named_modules() if name}


@helper
def param_group_summary(model: nn.Module, groups: Any) -> dict[str, list[Any]]:
    """What an optimizer's parameter groups hold, by name: ``params`` lists each group's
    parameter names (``"?"`` for a tensor that is not a parameter of ``model``) and ``lr``
    each group's learning rate (None where the group sets none). ``groups`` is what goes
    into an optimizer (a list of dicts with ``"params"``) or an optimizer itself."""
    groups = getattr(groups, "param_groups", groups)
    if isinstance(groups, dict) or not isinstance(groups, (list, tuple)):
        raise TypeError(f"expected a list of parameter groups (dicts), got {type(groups).__name__}")
    names = {id(p): name for name, p in model.named_parameters()}
    params: list[Any] = []
    lrs: list[Any] = []
    for group in groups:
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError("every parameter group must be a dict with a 'params' entry")
        members = group["params"]
        members = [members] if isinstance(members, Tensor) else list(members)
        params.append([names.get(id(p), "?") for p in members])
        lr = group.get("lr")
        lrs.append(None if lr is None else float(lr))
    return {"params": params, "lr": lrs}


@helper
def class_subset(X: Tensor, y: Tensor, classes: list[int]) -> tuple[Tensor, Tensor]:
    """The rows of ``(X, y)`` labelled one of ``classes``, in their order, each label
    replaced by its position in ``classes`` (a task on some of the classes: ``[5, ..., 9]``
    gives labels 0-4)."""
    wanted = torch.tensor([int(c) for c in classes], dtype=y.dtype)
    keep = torch.isin(y, wanted)
    return X[keep].clone(), (y[keep, None] == wanted).to(torch.int64).argmax(dim=1)


@helper
def optimizer_trajectory(cls: type, params: list[Tensor], grads: list[Tensor],
                         hyper: dict[str, Any], state_keys: list[str],
                         idle: int = -1) -> dict[str, Any]:
    """Run ``cls`` for ``len(grads[0])`` steps with the given gradients.

    ``params`` are the initial values; ``grads[i][t]`` is the gradient of parameter i at
    step t. Half of the parameters go in a second group with half the learning rate, to
    exercise param groups. Parameter ``idle`` (if any) has a gradient only at every other
    step (``.grad`` is None at steps 1, 3, ...), as a layer a batch does not reach: its
    state must count only its own steps. Returns each parameter's trajectory (steps,
    *shape), the requested state entries after the last step, and (``"state_steps"``, for
    feedback that says whether the state or the update went wrong first) each tensor or
    number state entry after every step, stacked (steps, *shape); None where it is
    missing or changes shape.
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
    seen: dict[str, list[Tensor | None]] = {f"p{i}.{k}": [] for i in range(len(ps))
                                             for k in state_keys}
    for t in range(steps):
        for i, (p, g) in enumerate(zip(ps, grads, strict=True)):
            p.grad = None if i == idle and t % 2 == 1 else g[t].clone()
        opt.step()
        for i, p in enumerate(ps):
            traj[i].append(p.detach().clone())
            entry = opt.state.get(p, {}) if hasattr(opt, "state") else {}
            for k in state_keys:
                seen[f"p{i}.{k}"].append(_snapshot(entry.get(k) if isinstance(entry, dict)
                                                   else None))
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
    return {"params": [torch.stack(t) for t in traj], "state": state,
            "state_steps": {k: _stacked(v) for k, v in seen.items()}}


def _snapshot(v: Any) -> Tensor | None:
    """A copy of one state entry as a float64 tensor (a number becomes 0-d), else None."""
    if type(v) is Tensor or type(v) is nn.Parameter:
        return v.detach().to(torch.float64).clone()
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return torch.tensor(float(v), dtype=torch.float64)
    return None


def _stacked(snapshots: list[Tensor | None]) -> Tensor | None:
    """The snapshots of one entry stacked along a new dim 0, or None when any is missing or
    they differ in shape."""
    if not snapshots or any(s is None for s in snapshots):
        return None
    shapes = {tuple(s.shape) for s in snapshots if s is not None}
    return torch.stack([s for s in snapshots if s is not None]) if len(shapes) == 1 else None


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


# ---- curves, gradients through a function, parameters with given gradients ----

@helper
def add(*values: int | float) -> int | float:
    """The sum of some numbers (ints stay ints): a dim minus one, such as the last step."""
    return sum(values)


@helper
def over_steps(fn: Callable[..., Any], steps: int, *args: Any, **kwargs: Any) -> list[Any]:
    """``[fn(i, *args, **kwargs) for i in range(steps)]``: a whole curve, such as a learning
    rate schedule at every step. Each value is kept as ``fn`` returned it, so a check can say
    when it is not a Python number."""
    return [fn(i, *args, **kwargs) for i in range(int(steps))]


@helper
def sequence_function(values: Any, after: float | None = None) -> Callable[[int], float]:
    """A function of a step index that returns ``values[i]`` as a Python float (a 1-d tensor
    or a list) and ``after`` beyond the end (by default the last value): an arbitrary
    schedule to hand to code that takes one. A distinct ``after`` makes any use of a step
    past the end visible."""
    table = [float(v) for v in values]
    beyond = table[-1] if after is None else float(after)

    def value_at(i: int) -> float:
        i = int(i)
        return table[i] if 0 <= i < len(table) else beyond
    return value_at


@helper
def grads_through(fn: Callable[..., Any], args: list[Any], upstream: Tensor, wrt: list[int],
                  kwargs: dict[str, Any] | None = None) -> list[Tensor]:
    """The gradients of ``(fn(*args, **kwargs) * upstream).sum()`` with respect to the
    tensors ``args[i]`` for ``i`` in ``wrt``, by autograd: what backpropagation through
    ``fn`` hands back to those inputs when ``upstream`` arrives at its output. An input the
    result does not depend on gets zeros. The other arguments are passed as they are."""
    args = list(args)
    leaves = []
    for i in wrt:
        leaf = args[i].detach().clone().requires_grad_(True)
        args[i] = leaf
        leaves.append(leaf)
    out = fn(*args, **(kwargs or {}))
    name = getattr(fn, "__name__", "the function")
    if not isinstance(out, Tensor) or not out.requires_grad:
        raise TypeError(f"autograd cannot follow `{name}` from its inputs to its result: "
                        "build the result with tensor operations (no .item(), .detach(), "
                        "torch.tensor(...) of computed values, or torch.no_grad())")
    if out.shape != upstream.shape:
        raise ValueError(f"`{name}` returned shape {tuple(out.shape)}, expected "
                         f"{tuple(upstream.shape)}")
    grads = torch.autograd.grad((out * upstream).sum(), leaves, allow_unused=True)
    return [torch.zeros_like(leaf) if g is None else g.detach()
            for leaf, g in zip(leaves, grads, strict=True)]


@helper
def module_grads(model: nn.Module, x: Tensor, upstream: Tensor) -> dict[str, Tensor]:
    """The gradients of ``(model(x) * upstream).sum()`` by autograd: ``"input"`` for ``x``
    and one entry per named parameter of ``model`` (zeros where it does not matter). The
    parameters' ``.grad`` are left as they were."""
    leaf = x.detach().clone().requires_grad_(True)
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    out = model(leaf)
    if not isinstance(out, Tensor) or not out.requires_grad:
        raise TypeError("autograd cannot follow the model from its input to its output")
    if out.shape != upstream.shape:
        raise ValueError(f"the model returned shape {tuple(out.shape)}, expected "
                         f"{tuple(upstream.shape)}")
    grads = torch.autograd.grad((out * upstream).sum(), [leaf] + [p for _, p in named],
                                allow_unused=True)
    names = ["input"] + [n for n, _ in named]
    targets = [leaf] + [p for _, p in named]
    return {n: torch.zeros_like(t) if g is None else g.detach()
            for n, t, g in zip(names, targets, grads, strict=True)}


@helper
def load_weights(model: nn.Module, weights: dict[str, Tensor]) -> nn.Module:
    """``model`` with its parameters and buffers copied from ``weights`` (strict: the names
    must be exactly the model's), returned for the next step."""
    model.load_state_dict(weights, strict=True)
    return model


@helper
def params_with_grads(values: list[Tensor], grads: list[Tensor]) -> list[nn.Parameter]:
    """Parameters holding copies of ``values``, each with ``.grad`` a copy of its gradient."""
    params = []
    for v, g in zip(values, grads, strict=True):
        p = nn.Parameter(v.detach().clone())
        p.grad = g.detach().clone()
        params.append(p)
    return params


@helper
def with_grads(model: nn.Module, grads: dict[str, Tensor]) -> nn.Module:
    """``model`` with ``.grad`` set to a copy of ``grads[name]`` for each named parameter in
    ``grads`` and None for the others (a frozen layer), returned for the next step."""
    unknown = set(grads) - {n for n, _ in model.named_parameters()}
    if unknown:
        raise KeyError(f"the model has no parameters named {sorted(unknown)}")
    for name, p in model.named_parameters():
        p.grad = grads[name].detach().clone() if name in grads else None
    return model


@helper
def grads_of(params: Any) -> list[Tensor | None]:
    """The ``.grad`` of each parameter of an iterable (copies; None where there is none)."""
    return [None if p.grad is None else p.grad.detach().clone() for p in params]


@helper
def same_object(a: Any, b: Any) -> bool:
    """Whether ``a`` and ``b`` are one and the same object (``a is b``): an in-place function
    such as ``torch.nn.init.normal_`` returns the tensor it was given, not a new one."""
    return a is b


@helper
def tensor_moments(t: Tensor) -> dict[str, float]:
    """Summary statistics of a tensor's entries, computed in float64 as Python floats: ``mean``,
    ``mean_square`` (the second moment about 0, i.e. the variance of entries drawn with mean 0)
    and ``abs_max`` (the largest absolute value)."""
    x = t.detach().to(torch.float64).flatten()
    return {"mean": float(x.mean()), "mean_square": float((x * x).mean()),
            "abs_max": float(x.abs().max())}


@helper
def relu_net_log2_gain(init: Callable[[Tensor], Any], width: int, depth: int,
                       x: Tensor) -> float:
    """How a deep ReLU network initialised by ``init`` scales its input: log2(|h|^2 / |x|^2)
    for h = relu(W_depth ... relu(W_1 x)), each W_l an empty (width, width) float32 tensor
    filled by ``init(W_l)`` in place (its return value is ignored, as when a layer's weight is
    initialised), no biases. ``x`` is a (width,) vector. 0 means the variance is kept."""
    h = x.detach().to(torch.float32).reshape(-1)
    start = float((h.double() ** 2).sum())
    for _ in range(int(depth)):
        w = torch.zeros(int(width), int(width))
        with torch.no_grad():
            init(w)
        h = torch.relu(w @ h)
    end = float((h.double() ** 2).sum())
    return math.log2(end / start) if end > 0 else -math.inf


@helper
def attribute(obj: Any, name: str) -> Any:
    """The attribute ``name`` of ``obj`` (a recorded history, a counter), read, not called."""
    return getattr(obj, name)


@helper
def rows(t: Tensor, start: int, stop: int | None = None) -> Tensor:
    """Rows ``start:stop`` of ``t`` (a validation split cut from a training split)."""
    return t[int(start):None if stop is None else int(stop)]


@helper
def map_call(fn: Callable[[Any], Any], items: list[Any]) -> list[Any]:
    """``[fn(item) for item in items]``: a student's function applied to many inputs."""
    return [fn(item) for item in items]


@helper
def contains(lists: list[Any], word: str) -> list[bool]:
    """For each entry of ``lists``: whether it is a list or tuple holding ``word``."""
    return [isinstance(x, (list, tuple)) and word in x for x in lists]


@helper
def train_with_hooks(model: nn.Module, optimizer: torch.optim.Optimizer, loss_fn: nn.Module,
                     batches: list[tuple[Tensor, Tensor]], lrs: Tensor, hooks: Any,
                     before: str = "before_step", after: str = "after_step") -> list[float]:
    """A fixed training loop that reports to an observer (a monitor, a logger).

    For each batch t: set every group's lr to ``lrs[t]``, zero the grads, forward, backward,
    then ``hooks.<before>(model, optimizer, loss)``, ``optimizer.step()``,
    ``hooks.<after>(model)``. Returns the loop's own losses as Python floats.
    """
    losses: list[float] = []
    for t, (xb, yb) in enumerate(batches):
        for group in optimizer.param_groups:
            group["lr"] = float(lrs[t])
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        getattr(hooks, before)(model, optimizer, loss)
        optimizer.step()
        getattr(hooks, after)(model)
        losses.append(float(loss.detach()))
    return losses


def _uniform(g: torch.Generator, low: float, high: float) -> float:
    return low + (high - low) * float(torch.rand((), generator=g, dtype=torch.float64))


def _randint(g: torch.Generator, low: int, high: int) -> int:
    """An integer in ``[low, high]`` (inclusive)."""
    return int(torch.randint(low, high + 1, (), generator=g))


def _noisy(g: torch.Generator, values: list[float], rel: float) -> list[float]:
    """Each value times ``1 + rel * u`` with ``u`` uniform in [-1, 1] (bounded noise)."""
    return [v * (1 + rel * _uniform(g, -1, 1)) for v in values]


def _decay(length: int, scale: float, tau: float, floor: float) -> list[float]:
    return [scale * (floor + math.exp(-t / tau)) for t in range(length)]


def _curve(kind: str, scale: float, g: torch.Generator) -> dict[str, list[float]]:
    """One synthetic history of ``kind`` (see ``loss_curves``)."""
    nan, inf = float("nan"), float("inf")
    if kind == "empty":
        return {"train_loss": [], "val_loss": []}
    if kind == "single":
        return {"train_loss": [scale * _uniform(g, 1, 2)], "val_loss": [scale * _uniform(g, 1, 2)]}
    if kind == "nan_first":
        n = _randint(g, 1, 5)
        return {"train_loss": [nan] * n, "val_loss": [nan] * n}
    if kind in ("flat_10", "flat_11"):  # flat (0.2% noise) from the first epoch on
        length = 10 if kind == "flat_10" else 11
        gap = _uniform(g, 1.05, 1.3)
        return {"train_loss": _noisy(g, [scale] * length, 0.002),
                "val_loss": _noisy(g, [gap * scale] * length, 0.002)}
    if kind in ("plateau_edge", "plateau_exact"):  # a drop, then flat for 10 or 11 epochs
        length = _randint(g, 20, 40)
        flat = 10 if kind == "plateau_edge" else 11
        gap = _uniform(g, 1.05, 1.3)
        clean = _decay(length, scale, _uniform(g, 0.4, 0.7) * length, _uniform(g, 0.05, 0.2))
        level = clean[length - flat - 1] * (1 - _uniform(g, 0.03, 0.1))
        clean = clean[:length - flat] + [level] * flat
        return {"train_loss": _noisy(g, clean, 0.002),
                "val_loss": _noisy(g, [gap * v for v in clean], 0.002)}
    length = _randint(g, 2, 10) if kind == "short" else _randint(g, 20, 40)
    gap = _uniform(g, 1.05, 1.3)  # validation above training
    if kind == "overfitting":  # fast decay, then validation turns up
        clean = _decay(length, scale, _uniform(g, 0.15, 0.25) * length, _uniform(g, 0.02, 0.1))
        best = _randint(g, length // 3, length // 2)
        rise = _uniform(g, 0.3, 0.6)
        val = [gap * clean[min(t, best)] * (1 + rise * max(0, t - best) / (length - 1 - best))
               for t in range(length)]
        return {"train_loss": _noisy(g, clean, 0.005), "val_loss": _noisy(g, val, 0.005)}
    clean = _decay(length, scale, _uniform(g, 0.4, 0.7) * length, _uniform(g, 0.05, 0.2))
    if kind == "plateau":  # flat (0.2% noise) over at least the last 12 steps
        flat_from = length - _randint(g, 12, 16)
        clean = [clean[min(t, flat_from)] for t in range(length)]
        train = _noisy(g, clean, 0.002)
        return {"train_loss": train, "val_loss": _noisy(g, [gap * v for v in clean], 0.002)}
    train = _noisy(g, clean, 0.005)
    val = _noisy(g, [gap * v for v in clean], 0.005)
    if kind in ("explosion", "explosion_nan"):  # geometric growth to 30-300x the first loss
        tail = _randint(g, 1, 4) if kind == "explosion_nan" else 0
        start = _randint(g, 3, length - 8 - tail)
        top = length - 1 - tail
        ratio = _uniform(g, 30, 300) * train[0] / train[start]
        for t in range(start + 1, top + 1):
            train[t] = train[start] * ratio ** ((t - start) / (top - start))
            val[t] = gap * train[t]
        for t in range(top + 1, length):
            train[t] = val[t] = nan if t % 2 else inf
    elif kind in ("nan", "inf"):
        bad = nan if kind == "nan" else inf
        for t in range(_randint(g, 1, length - 1), length):
            train[t] = val[t] = bad
    elif kind == "val_nan":
        val[_randint(g, 0, length - 1)] = nan
    elif kind not in ("healthy", "short"):
        raise ValueError(f"unknown curve kind {kind!r}")
    return {"train_loss": train, "val_loss": val}


@helper
def loss_curves(seed: Any, kinds: list[str], repeat: int = 1) -> list[dict[str, list[float]]]:
    """Synthetic training histories ``{"train_loss": [...], "val_loss": [...]}`` (Python
    floats, one entry per epoch), ``repeat`` rounds of one history per kind, drawn from
    ``seed``. Round r uses a loss scale of 1e-3..1e-2 (even r) or 10..1000 (odd r).

    Kinds: "healthy" (smooth decay, 20-40 epochs), "short" (the same, 2-10 epochs),
    "plateau" (flat within 0.2% noise over the last 12-16 epochs), "overfitting"
    (validation turns up by 30-60% after its best epoch while training keeps falling),
    "explosion" (growth to 30-300 times the first loss), "explosion_nan" (the same, then
    NaN/inf), "nan" and "inf" (from some epoch on), "val_nan" (one NaN validation loss),
    and the boundary cases "empty", "single" (one epoch) and "nan_first" (NaN throughout).
    Boundary cases of a window over the last epochs (a plateau judged on L[-1] against
    L[-11]): "flat_10" and "flat_11" (flat within 0.2% noise from the first epoch, exactly
    10 or 11 epochs long), "plateau_edge" and "plateau_exact" (20-40 epochs: a decay, a drop
    of 3-10% in one epoch, as a step of the learning rate gives, then flat within 0.2% noise
    for exactly the last 10 or 11 epochs; so L[-11] is the last value before the drop, or
    the first after it).
    """
    g = torch.Generator().manual_seed(int(seed))
    out: list[dict[str, list[float]]] = []
    for r in range(int(repeat)):
        for kind in kinds:
            scale = 10 ** (_uniform(g, -3, -2) if r % 2 == 0 else _uniform(g, 1, 3))
            out.append(_curve(kind, scale, g))
    return out


@helper
def validation_curves(seed: Any, count: int, min_delta: float, tail: int) -> list[list[float]]:
    """Validation losses for early stopping, drawn from ``seed`` relative to ``min_delta``.

    Every epoch after the first is, against the best loss so far, an improvement by
    1.5-4 min_delta, a tie (better by at most 0.6 min_delta) or worse by up to 5
    min_delta, so no value lies near the boundary ``best - min_delta``. The first two
    curves are fixed shapes: one that improves every epoch (its best epoch is the last),
    and one that creeps down by less than min_delta in all (6-14 epochs). Curves 2-6 hold
    1-5 bad epochs in a row, then an improvement (a patience just too short stops before
    it); the others take 3-9 random moves. All but the first two end with ``tail`` worse
    epochs (so a patience below ``tail`` always stops them).
    """
    g = torch.Generator().manual_seed(int(seed))
    md = float(min_delta)
    curves: list[list[float]] = []
    for c in range(int(count)):
        best = _uniform(g, 1.0, 3.0)
        curve = [best]
        if c < 2:
            length = _randint(g, 6, 14)
            for t in range(1, length):
                if c == 0:
                    best -= md * _uniform(g, 1.5, 4.0)
                    curve.append(best)
                else:
                    curve.append(curve[0] - md * 0.6 * t / length)
            curves.append(curve)
            continue
        if c < 7:  # c - 1 bad epochs in a row, then an improvement: stop right before it?
            curve.extend(best + md * _uniform(g, 0.5, 5.0) for _ in range(c - 1))
            best -= md * _uniform(g, 1.5, 4.0)
            curve.append(best)
        for _ in range(_randint(g, 3, 9) if c >= 7 else 0):
            u = _uniform(g, 0, 1)
            if u < 0.35:
                best -= md * _uniform(g, 1.5, 4.0)
                curve.append(best)
            elif u < 0.6:
                curve.append(best - md * _uniform(g, 0.0, 0.6))
            else:
                curve.append(best + md * _uniform(g, 0.0, 5.0))
        curve.extend(best + md * _uniform(g, 0.5, 5.0) for _ in range(int(tail)))
        curves.append(curve)
    return curves


@helper
def early_stopping_run(cls: type, curves: list[list[float]], patiences: list[int],
                       min_delta: float, weight: Tensor, bias: Tensor) -> dict[str, Any]:
    """Drive an early-stopping class over validation curves, as a training loop would.

    For each patience and each curve: a fresh ``nn.Linear`` and ``cls(patience, min_delta)``;
    at epoch e the model's parameters are overwritten in place with ``weight + e`` and
    ``bias - e`` (so weights tell their epoch), then ``stop = es.step(curve[e], model)``;
    the loop ends at the first true ``stop``. Returns ``"stops"`` (per patience, per curve:
    the epoch that stopped, or -1) and ``"weights"`` (the model's state after the loop).
    """
    stops: list[list[int]] = []
    weights: list[list[dict[str, Tensor]]] = []
    for patience in patiences:
        stops.append([])
        weights.append([])
        for curve in curves:
            model = linear_model(weight, bias)
            es = cls(int(patience), float(min_delta))
            stopped = -1
            for e, value in enumerate(curve):
                with torch.no_grad():
                    model.weight.copy_(weight + e)
                    model.bias.copy_(bias - e)
                if es.step(float(value), model):
                    stopped = e
                    break
            stops[-1].append(stopped)
            weights[-1].append(state_dict(model))
    return {"stops": stops, "weights": weights}


# ---- devices, mixed precision, one plain training step, ranks and shards ----

@helper
def to_device(value: Any, device: str) -> Any:
    """``value`` (a tensor, a module, or a list, tuple or dict of them) on ``device``
    (``"$device"`` of a probe that names devices); a module is moved in place and returned."""
    if isinstance(value, (Tensor, nn.Module)):
        return value.to(device)
    if isinstance(value, (list, tuple)):
        return type(value)(to_device(v, device) for v in value)
    if isinstance(value, dict):
        return {k: to_device(v, device) for k, v in value.items()}
    return value


FLOAT_DTYPES = {"float16": torch.float16, "bfloat16": torch.bfloat16,
                "float32": torch.float32, "float64": torch.float64}


@helper
def torch_dtype(name: str) -> torch.dtype:
    """The floating dtype called ``name`` (``"bfloat16"``, ``"float16"``, ...)."""
    return FLOAT_DTYPES[name]


@helper
def grad_scaler(device: str, init_scale: float = 2.0**16,
                growth_interval: int = 2000) -> torch.amp.GradScaler:
    """torch's own ``torch.amp.GradScaler`` for ``device`` (``"cuda"``, or ``"cpu"``, which
    this torch supports), starting at ``init_scale``; ``growth_interval = 1`` doubles the
    scale after every step without an overflow, so ``get_scale()`` tells whether
    ``scaler.update()`` ran."""
    return torch.amp.GradScaler(device, init_scale=float(init_scale),
                                growth_interval=int(growth_interval))


@helper
def record_output_dtypes(model: nn.Module) -> dict[str, str]:
    """A dict that hooks fill from now on with the dtype of each submodule's output
    (``"0": "bfloat16"``, ...), the last one seen: whether a forward ran under autocast."""
    seen: dict[str, str] = {}
    for name, module in model.named_modules():
        if name and not list(module.children()):
            def hook(_m: nn.Module, _args: Any, out: Any, name: str = name) -> None:
                if isinstance(out, Tensor):
                    seen[name] = str(out.dtype).removeprefix("torch.")
            module.register_forward_hook(hook)
    return seen


@helper
def parameter_changes(before: dict[str, Tensor], model: nn.Module) -> dict[str, Tensor]:
    """How far each parameter of ``model`` moved since ``before`` (a ``state_dict``):
    ``after - before``, name by name. A step's update, compared apart from the weights
    themselves (so a tolerance can be relative to the update, not to the weights)."""
    return {name: (p.detach() - before[name].to(p.device)).clone()
            for name, p in model.named_parameters()}


@helper
def plain_step(model: nn.Module, optimizer: torch.optim.Optimizer, loss_fn: Any, x: Tensor,
               y: Tensor, max_norm: float | None = None) -> Tensor:
    """One ordinary full-batch training step (an oracle): zero the grads, ``loss_fn(model(x),
    y)`` in the model's dtype, backward, torch's ``clip_grad_norm_`` to ``max_norm`` if
    given, ``optimizer.step()``. Returns the loss, detached."""
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    if max_norm is not None:
        torch.nn.utils.clip_grad_norm_(model.parameters(), float(max_norm))
    optimizer.step()
    return loss.detach()


@helper
def for_each_index(fn: Callable[..., Any], count: int, *args: Any) -> list[Any]:
    """``[fn(*args, i) for i in range(count)]``: a function whose last argument is an index,
    called for every index (every rank's shard of a batch)."""
    return [fn(*args, i) for i in range(int(count))]


@helper
def sorted_cat(tensors: list[Tensor]) -> Tensor:
    """The 1-d tensors of a list put together and sorted: the same for any split of the same
    values, so it shows values missing or repeated apart from their order."""
    return torch.sort(torch.cat([t.reshape(-1) for t in tensors])).values


@helper
def slices_by_index(tensors: list[Tensor]) -> list[list[Tensor]]:
    """``[[t[0] for t in tensors], [t[1] for t in tensors], ...]`` (copies): tensors stacked
    along dim 0 regrouped by index, such as every rank's list of gradients."""
    count = len(tensors[0])
    return [[t[i].clone() for t in tensors] for i in range(count)]


# ---- schedulers, checkpoints ----

@helper
def lambda_lr(optimizer: torch.optim.Optimizer,
              fn: Callable[[int], float]) -> torch.optim.lr_scheduler.LambdaLR:
    """torch's ``LambdaLR`` over ``optimizer``: each group's lr is its initial lr times
    ``fn(step)`` (a trusted scheduler to hand to code that steps one)."""
    return torch.optim.lr_scheduler.LambdaLR(optimizer, fn)


class NoFileWritten:
    """What a run that was to write a file (a checkpoint) left where the file should be."""


def _saved(path: str) -> SavedFile | NoFileWritten:
    """The file at ``path`` as a ``SavedFile`` (loaded by the trusted side, weights only)."""
    if not os.path.isfile(path):
        return NoFileWritten()
    if os.path.getsize(path) > MAX_SAVED_BYTES:
        raise ValueError(f"the file written at {path} is over {MAX_SAVED_BYTES >> 20} MB")
    with open(path, "rb") as f:
        return SavedFile(f.read())


@helper
def checkpointed_runs(train: Callable[..., Any], args: list[Any], stop_after: int,
                      kwargs: dict[str, Any] | None = None,
                      file_name: str = "checkpoint.pt") -> dict[str, Any]:
    """Three runs of a training function that saves checkpoints, each in a fresh temporary
    folder, to see whether an interrupted run resumes exactly. ``train`` is called as

    - ``"full"``: ``train(*args, checkpoint_path=p, **kwargs)``, the uninterrupted run;
    - ``"interrupted"``: ``train(*args, checkpoint_path=q, stop_after=stop_after, **kwargs)``,
      which stops after ``stop_after`` steps as if the machine had gone down;
    - ``"resumed"``: as a new process would start it: the module-level names of ``train``'s
      module put back as they were before the first run (what the runs left in globals, a
      notebook kernel would still hold, but a restarted job would not: ``_module_state``),
      torch's global RNG reseeded with a number drawn from it, then
      ``train(*args, checkpoint_path=q, resume=True, **kwargs)``.

    Returns, for each run, the file at its ``checkpoint_path`` when it returned (the
    interrupted run's: the last checkpoint before the interruption), as a ``SavedFile``:
    the trusted side loads it itself, with ``torch.load(weights_only=True)``. A run that
    left no file gives a ``NoFileWritten``."""
    extra = dict(kwargs or {})
    out: dict[str, Any] = {}
    module = getattr(train, "__globals__", None)
    before = _module_state(module) if isinstance(module, dict) else None
    with tempfile.TemporaryDirectory() as folder:
        for name, more in (("full", {}), ("interrupted", {"stop_after": int(stop_after)})):
            path = os.path.join(folder, name, file_name)
            os.makedirs(os.path.dirname(path))
            train(*args, checkpoint_path=path, **more, **extra)
            out[name] = _saved(path)
        if isinstance(module, dict) and before is not None:
            for key in [k for k in module if k not in before and not k.startswith("__")]:
                del module[key]
            module.update(before)
        torch.random.default_generator.manual_seed(int(torch.randint(2**62, ())))
        train(*args, checkpoint_path=path, resume=True, **extra)
        out["resumed"] = _saved(path)
    return out


def _module_state(module: dict[str, Any]) -> dict[str, Any]:
    """A copy of a module's own names (dunders aside): each value deep-copied where it can
    be (a dict, a list, a tensor, a model: what a run could change in place), else kept as
    it is (functions, classes and modules are kept by ``deepcopy`` itself)."""
    import copy  # noqa: PLC0415

    state = {}
    for key, value in list(module.items()):
        if key.startswith("__"):
            continue
        try:
            state[key] = copy.deepcopy(value)
        except Exception:  # noqa: BLE001 - what cannot be copied stays as it is
            state[key] = value
    return state


_TRAPS_SPRUNG: set[str] = set()


def _spring(token: str) -> dict[str, Any]:
    """What unpickling a trapped checkpoint calls (a stand-in for any code a malicious file
    could run): it only notes that it ran."""
    _TRAPS_SPRUNG.add(token)
    return {}


class _Trap:
    """An object whose unpickling calls ``_spring``."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __reduce__(self) -> tuple[Any, ...]:
        return (_spring, (self.token,))


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    """Whether ``exc`` is a ``kind``, or was raised while handling one (or from one)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


@helper
def load_trapped_checkpoint(load: Callable[..., Any], *args: Any) -> dict[str, bool]:
    """Call ``load(path, *args)`` on a checkpoint that runs code when it is unpickled: a
    file written by ``torch.save`` whose ``"model"`` entry, unpickled in full, calls a
    function (harmless here: it notes that it ran). ``torch.load(path, weights_only=True)``
    refuses such a file (``pickle.UnpicklingError``); ``weights_only=False`` or ``pickle``
    runs the function, as it would run whatever a stranger's checkpoint asked for.

    Returns ``"code_ran"`` and ``"refused"`` (``load`` raised an ``UnpicklingError``, or an
    error while handling one: the safe outcome, not passed on). Once the code has run, what
    ``load`` does next does not matter; any other error is passed on (a loader that is not
    written yet refuses nothing)."""
    token = secrets.token_hex(8)
    refused = False
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "checkpoint.pt")
        torch.save({"model": _Trap(token), "step": 1}, path)
        try:
            load(path, *args)
        except Exception as exc:
            if token not in _TRAPS_SPRUNG:
                if not _caused_by(exc, pickle.UnpicklingError):
                    raise
                refused = True
    return {"code_ran": token in _TRAPS_SPRUNG, "refused": refused}

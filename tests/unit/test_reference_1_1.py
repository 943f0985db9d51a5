"""Lesson 1.1 reference: the training loop matches a functional oracle, and each mistake differs."""

from __future__ import annotations

import copy
import math
import types
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from torch import Tensor, nn
from torch.func import functional_call

from grader.course.lessons import get_lesson
from tests.conftest import ROOT

LESSON = Path(__file__).resolve().parents[2] / "reference" / "1.1"
MISTAKES = ("no_zero_grad", "zero_grad_between_backward_and_step", "step_before_backward",
            "last_batch_loss", "keeps_loss_tensor")
# measured worst error vs the oracle over 80 runs: 3e-6 in float32, 1e-14 in float64
TOL: dict[torch.dtype, dict[str, float]] = {
    torch.float32: {"rtol": 1e-4, "atol": 1e-5},
    torch.float64: {"rtol": 1e-10, "atol": 1e-12},
}
Batches = list[tuple[Tensor, Tensor]]


def load_reference() -> types.ModuleType:
    return get_lesson("1.1", ROOT).reference_module()


def build_variant(mistake: str) -> types.ModuleType:
    """solution.py + two newlines + the mistake file, exactly as the grader builds it."""
    return get_lesson("1.1", ROOT).mistake_module(mistake)


@pytest.fixture(scope="module")
def ref() -> types.ModuleType:
    return load_reference()


def make_problem(seed: int, dtype: torch.dtype, deep: bool, n_batches: int = 4,
                 batch: int = 8) -> tuple[nn.Module, Batches]:
    """A small model with seeded weights and regression batches (2 outputs)."""
    gen = torch.Generator().manual_seed(seed)
    d_in = 3 + seed % 3
    model: nn.Module
    if deep:
        model = nn.Sequential(nn.Linear(d_in, 5, dtype=dtype), nn.Tanh(),
                              nn.Linear(5, 2, dtype=dtype))
    else:
        model = nn.Linear(d_in, 2, dtype=dtype)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(0.5 * torch.randn(p.shape, generator=gen, dtype=dtype))
    batches = [(torch.randn(batch, d_in, generator=gen, dtype=dtype),
                torch.randn(batch, 2, generator=gen, dtype=dtype)) for _ in range(n_batches)]
    return model, batches


def make_optimizer(name: str, model: nn.Module) -> torch.optim.Optimizer:
    if name == "SGD":
        return torch.optim.SGD(model.parameters(), lr=0.05)
    return torch.optim.Adam(model.parameters(), lr=0.01)


def oracle(model: nn.Module, batches: Batches, epochs: int,
           opt: str) -> tuple[list[float], dict[str, Tensor]]:
    """The same training written functionally: autograd.grad and the update rule by hand."""
    params = {k: v.detach().clone() for k, v in model.named_parameters()}
    m = {k: torch.zeros_like(v) for k, v in params.items()}
    v2 = {k: torch.zeros_like(v) for k, v in params.items()}
    beta1, beta2, eps, t = 0.9, 0.999, 1e-8, 0
    history: list[float] = []
    for _ in range(epochs):
        losses: list[float] = []
        for xb, yb in batches:
            leaves = {k: p.requires_grad_(True) for k, p in params.items()}
            loss = ((functional_call(model, leaves, (xb,)) - yb) ** 2).mean()
            grads = dict(zip(leaves, torch.autograd.grad(loss, list(leaves.values())),
                             strict=True))
            losses.append(loss.item())
            t += 1
            with torch.no_grad():
                for k, g in grads.items():
                    if opt == "SGD":
                        params[k] = params[k] - 0.05 * g
                    else:
                        m[k] = beta1 * m[k] + (1 - beta1) * g
                        v2[k] = beta2 * v2[k] + (1 - beta2) * g * g
                        m_hat, v_hat = m[k] / (1 - beta1**t), v2[k] / (1 - beta2**t)
                        params[k] = params[k] - 0.01 * m_hat / (v_hat.sqrt() + eps)
        history.append(sum(losses) / len(losses))
    return history, {k: p.detach() for k, p in params.items()}


def train(fn: Callable[..., list[float]], model: nn.Module, batches: Batches, epochs: int,
          opt: str) -> tuple[list[float], dict[str, Tensor]]:
    """Run a train_loop on a deep copy of `model`; return its history and final weights."""
    model = copy.deepcopy(model)
    history = fn(model, nn.MSELoss(), make_optimizer(opt, model), batches, epochs)
    return history, {k: v.detach().clone() for k, v in model.named_parameters()}


def as_floats(history: list[float] | list[Tensor]) -> Tensor:
    """The history as a float64 tensor, whatever its entries are (floats or 0-d tensors)."""
    return torch.tensor([float(torch.as_tensor(h).detach()) for h in history],
                        dtype=torch.float64)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("opt", ["SGD", "Adam"])
@pytest.mark.parametrize("deep", [False, True])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_reference_matches_oracle(ref: types.ModuleType, seed: int, deep: bool, opt: str,
                                  dtype: torch.dtype) -> None:
    model, batches = make_problem(seed, dtype, deep, n_batches=2 + seed)
    epochs = 3 + seed
    history, weights = train(ref.train_loop, model, batches, epochs, opt)
    want_history, want_weights = oracle(model, batches, epochs, opt)
    assert len(history) == epochs and all(type(h) is float for h in history)
    torch.testing.assert_close(as_floats(history), as_floats(want_history), **TOL[dtype])
    for k, w in want_weights.items():
        assert weights[k].dtype == dtype
        torch.testing.assert_close(weights[k], w, **TOL[dtype])


def test_reference_loss_decreases(ref: types.ModuleType) -> None:
    model, batches = make_problem(3, torch.float64, deep=False)
    history, _ = train(ref.train_loop, model, batches, 30, "SGD")
    assert history[-1] < 0.7 * history[0]


def test_history_is_mean_of_batch_losses(ref: types.ModuleType) -> None:
    """With lr = 0 nothing moves, so each entry is the plain mean of the batch losses."""
    model, batches = make_problem(4, torch.float64, deep=True)
    history = ref.train_loop(model, nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=0.0),
                             batches, 2)
    with torch.no_grad():
        mean = sum(nn.functional.mse_loss(model(xb), yb).item() for xb, yb in batches) / 4
    assert history == pytest.approx([mean, mean], rel=1e-12)


@pytest.mark.parametrize("opt", ["SGD", "Adam"])
@pytest.mark.parametrize("mistake", MISTAKES)
def test_mistake_differs(ref: types.ModuleType, mistake: str, opt: str) -> None:
    """Each variant changes exactly the outputs the report says, on several seeds."""
    variant = build_variant(mistake)
    for seed in range(3):
        deep = seed % 2 == 1
        model, batches = make_problem(seed, torch.float32, deep=deep)
        if mistake == "step_before_backward" and deep:
            # step() changes weights in place that the pending backward() still needs
            with pytest.raises(RuntimeError, match="modified by an inplace operation"):
                train(variant.train_loop, model, batches, 3, opt)
            continue
        want_history, want_weights = train(ref.train_loop, model, batches, 3, opt)
        history, weights = train(variant.train_loop, model, batches, 3, opt)
        types_ok = all(type(h) is float for h in history)
        values_same = torch.allclose(as_floats(history), as_floats(want_history),
                                     rtol=1e-4, atol=1e-5)
        weights_same = all(torch.allclose(weights[k], w, rtol=1e-4, atol=1e-5)
                           for k, w in want_weights.items())
        if mistake == "keeps_loss_tensor":
            assert not types_ok and values_same and weights_same
            assert all(isinstance(h, Tensor) and h.requires_grad for h in history)
        elif mistake == "last_batch_loss":
            assert types_ok and not values_same and weights_same
        else:
            assert types_ok and not values_same and not weights_same
        if mistake == "zero_grad_between_backward_and_step":
            initial = dict(model.named_parameters())
            assert all(torch.equal(weights[k], initial[k].detach()) for k in weights)
            assert all(math.isclose(h, history[0], rel_tol=1e-6) for h in history)


def test_step_before_backward_uses_a_stale_gradient(ref: types.ModuleType) -> None:
    """On nn.Linear the first step is a no-op and each later step applies the previous
    forward's gradient (taken at the previous weights)."""
    variant = build_variant("step_before_backward")
    model, batches = make_problem(5, torch.float64, deep=False, n_batches=1)
    # one batch, one epoch: same recorded loss, but only the reference has moved the weights
    want_history, want_weights = train(ref.train_loop, model, batches, 1, "SGD")
    history, weights = train(variant.train_loop, model, batches, 1, "SGD")
    assert history == want_history
    initial = dict(model.named_parameters())
    assert all(torch.equal(weights[k], initial[k].detach()) for k in weights)
    assert not all(torch.equal(weights[k], want_weights[k]) for k in weights)
    # one fixed batch, SGD: theta_{t+1} = theta_t - lr * g(theta_{t-1}), theta_1 = theta_0
    history, _ = train(variant.train_loop, model, batches, 4, "SGD")
    xb, yb = batches[0]
    thetas = [dict(model.named_parameters())] * 2
    for _ in range(2):
        lagged = {k: v.detach().clone().requires_grad_(True) for k, v in thetas[-2].items()}
        loss = ((functional_call(model, lagged, (xb,)) - yb) ** 2).mean()
        grads = torch.autograd.grad(loss, list(lagged.values()))
        thetas.append({k: thetas[-1][k].detach() - 0.05 * g
                       for k, g in zip(lagged, grads, strict=True)})
    with torch.no_grad():
        want = [((functional_call(model, th, (xb,)) - yb) ** 2).mean().item() for th in thetas]
    assert history == pytest.approx(want, rel=1e-12)

"""Lesson 3.1 reference: hand-written optimizers match torch.optim, and each mistake differs."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import math
import types
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import Tensor, nn

from grader.course.lessons import get_lesson
from tests.conftest import ROOT

LESSON = Path(__file__).resolve().parents[2] / "reference" / "3.1"
NAMES = ("SGD", "Adagrad", "RMSprop", "Adam", "AdamW")
STEPS = 100
# float64 agrees to ~1e-12 over 100 steps; float32 to ~2e-6 with atol 1e-6 (see the report)
TOL: dict[torch.dtype, dict[str, float]] = {
    torch.float32: {"rtol": 1e-5, "atol": 1e-6},
    torch.float64: {"rtol": 1e-10, "atol": 1e-12},
}
STATE_KEYS: dict[str, tuple[str, ...]] = {
    "SGD": ("momentum_buffer",),
    "Adagrad": ("step", "sum"),
    "RMSprop": ("step", "square_avg", "momentum_buffer", "grad_avg"),
    "Adam": ("step", "exp_avg", "exp_avg_sq"),
    "AdamW": ("step", "exp_avg", "exp_avg_sq"),
}
SHAPES: tuple[tuple[tuple[int, ...], ...], ...] = (((3, 4), (5,)), ((2, 3, 2), (), (7,)))


def load_reference() -> types.ModuleType:
    return get_lesson("3.1", ROOT).reference_module()


def build_variant(mistake: str) -> types.ModuleType:
    """solution.py + two newlines + the mistake file, exactly as the grader builds it."""
    return get_lesson("3.1", ROOT).mistake_module(mistake)


@pytest.fixture(scope="module")
def ref() -> types.ModuleType:
    return load_reference()


def log_uniform(gen: torch.Generator, lo: float, hi: float) -> float:
    u = torch.rand((), generator=gen, dtype=torch.float64).item()
    return math.exp(math.log(lo) + u * (math.log(hi) - math.log(lo)))


def uniform(gen: torch.Generator, lo: float, hi: float) -> float:
    return lo + (hi - lo) * torch.rand((), generator=gen, dtype=torch.float64).item()


def draw_hyper(name: str, gen: torch.Generator) -> dict[str, Any]:
    """Random hyperparameters, every one away from its default; flags are set by the cases."""
    wd = log_uniform(gen, 1e-4, 1e-1)
    if name == "SGD":
        return {"lr": log_uniform(gen, 1e-3, 1e-1), "momentum": uniform(gen, 0.1, 0.99),
                "dampening": uniform(gen, 0.0, 0.5), "weight_decay": wd}
    if name == "Adagrad":
        return {"lr": log_uniform(gen, 1e-3, 1e-1), "lr_decay": log_uniform(gen, 1e-4, 1e-1),
                "weight_decay": wd, "initial_accumulator_value": uniform(gen, 0.0, 0.5),
                "eps": log_uniform(gen, 1e-10, 1e-3)}
    if name == "RMSprop":
        return {"lr": log_uniform(gen, 1e-4, 1e-2), "alpha": uniform(gen, 0.8, 0.999),
                "eps": log_uniform(gen, 1e-8, 1e-3), "weight_decay": wd,
                "momentum": uniform(gen, 0.1, 0.95)}
    return {"lr": log_uniform(gen, 1e-4, 1e-1),
            "betas": (uniform(gen, 0.5, 0.99), uniform(gen, 0.9, 0.9999)),
            "eps": log_uniform(gen, 1e-8, 1e-3), "weight_decay": wd}


def draw_problem(seed: int, dtype: torch.dtype, scale: float | None = None,
                 steps: int = STEPS) -> tuple[list[Tensor], list[Tensor]]:
    """Initial parameters and grads[i][t], the gradient of parameter i at step t."""
    gen = torch.Generator().manual_seed(10_000 + seed)
    if scale is None:
        # below ~1e-2, centered RMSprop's v - avg^2 cancels in float32 when L2 dominates g
        scale = log_uniform(gen, 1e-2, 10.0)
    shapes = SHAPES[seed % len(SHAPES)]
    params = [torch.randn(s, generator=gen, dtype=dtype) for s in shapes]
    grads = [scale * torch.randn((steps, *s), generator=gen, dtype=dtype) for s in shapes]
    return params, grads


def run(cls: type, params: list[Tensor], grads: list[Tensor], hyper: dict[str, Any]
        ) -> tuple[Tensor, torch.optim.Optimizer, list[nn.Parameter]]:
    """Step ``cls`` on the given gradients; returns the flattened trajectory (steps, n).

    The first parameter is alone in a group at the default lr, the rest share a group at
    half the lr, and one extra parameter never gets a gradient.
    """
    ps = [nn.Parameter(p.clone()) for p in params]
    frozen = nn.Parameter(torch.ones(2, dtype=params[0].dtype))
    groups = [{"params": ps[:1]}, {"params": [*ps[1:], frozen], "lr": hyper["lr"] / 2}]
    extra = {"foreach": False} if cls.__module__.startswith("torch.optim") else {}
    opt = cls(groups, **hyper, **extra)
    rows = []
    for t in range(grads[0].shape[0]):
        for p, g in zip(ps, grads, strict=True):
            p.grad = g[t].clone()
        opt.step()
        rows.append(torch.cat([p.detach().flatten() for p in ps]))
    assert torch.equal(frozen.detach(), torch.ones(2, dtype=params[0].dtype))
    return torch.stack(rows), opt, ps


# ---- the reference against torch.optim ----

CASES: list[tuple[str, dict[str, Any]]] = [
    ("SGD", {"momentum": 0.0}),
    ("SGD", {"nesterov": False}),
    ("SGD", {"nesterov": True, "dampening": 0.0}),
    ("Adagrad", {}),
    ("RMSprop", {"centered": False, "momentum": 0.0}),
    ("RMSprop", {"centered": True, "momentum": 0.0}),
    ("RMSprop", {"centered": False}),
    ("RMSprop", {"centered": True}),
    ("Adam", {}),
    ("AdamW", {}),
]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=str)
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-{c[1]}")
def test_trajectory_and_state_match_torch(ref: types.ModuleType, case: tuple[str, dict[str, Any]],
                                          dtype: torch.dtype) -> None:
    name, flags = case
    # one seed per (case, dtype), all different: 20 draws of hyperparameters, shapes and grads
    seed = 2 * CASES.index(case) + (dtype == torch.float64)
    hyper = {**draw_hyper(name, torch.Generator().manual_seed(seed)), **flags}
    params, grads = draw_problem(seed, dtype)
    ours, opt, ps = run(getattr(ref, name), params, grads, hyper)
    theirs, topt, tps = run(getattr(torch.optim, name), params, grads, hyper)
    torch.testing.assert_close(ours, theirs, **TOL[dtype])
    for p, tp in zip(ps, tps, strict=True):
        state, tstate = opt.state[p], topt.state[tp]
        for key in STATE_KEYS[name]:
            assert (key in state) == (key in tstate), f"{name} state key {key!r}"
            if key == "step":
                assert float(state[key]) == float(tstate[key]) == STEPS
            elif key in tstate:
                torch.testing.assert_close(state[key], tstate[key], **TOL[dtype])


@pytest.mark.parametrize("name", NAMES)
def test_defaults_and_argument_names_match_torch(ref: types.ModuleType, name: str) -> None:
    ours = list(inspect.signature(getattr(ref, name).__init__).parameters.values())[1:]
    theirs = list(inspect.signature(getattr(torch.optim, name).__init__).parameters.values())[1:]
    assert [p.name for p in ours] == [p.name for p in theirs[: len(ours)]]
    assert [p.default for p in ours] == [p.default for p in theirs[: len(ours)]]
    # default hyperparameters give the same trajectory
    params, grads = draw_problem(3, torch.float64, steps=20)
    lr = {"lr": inspect.signature(getattr(ref, name).__init__).parameters["lr"].default}
    ours_traj, _, _ = run(getattr(ref, name), params, grads, lr)
    theirs_traj, _, _ = run(getattr(torch.optim, name), params, grads, lr)
    torch.testing.assert_close(ours_traj, theirs_traj, **TOL[torch.float64])


@pytest.mark.parametrize("name", NAMES)
def test_closure_is_evaluated_with_grad_and_its_loss_returned(ref: types.ModuleType,
                                                              name: str) -> None:
    target = torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64)
    results = []
    for cls in (getattr(ref, name), getattr(torch.optim, name)):
        x = nn.Parameter(torch.zeros(3, dtype=torch.float64))
        opt = cls([x], lr=0.05)
        losses = []

        def closure(x: nn.Parameter = x, opt: Any = opt) -> Tensor:
            opt.zero_grad()
            loss = ((x - target) ** 2).sum()
            loss.backward()
            return loss

        for _ in range(5):
            losses.append(float(opt.step(closure).detach()))
        assert opt.step() is None
        results.append((torch.tensor(losses), x.detach().clone()))
    torch.testing.assert_close(results[0], results[1], **TOL[torch.float64])


def test_reference_uses_no_builtin_algorithm(ref: types.ModuleType,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    allowed = {"Optimizer"}
    for path in [LESSON / "solution.py", *sorted((LESSON / "mistakes").glob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("torch.optim"):
                assert {a.name for a in node.names} <= allowed, path
            if isinstance(node, ast.Attribute):
                assert not node.attr.startswith("_foreach"), path
                if isinstance(node.value, ast.Attribute) and node.value.attr == "optim":
                    assert node.attr in allowed, path

    def forbidden(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("called torch.optim's own algorithm")

    for name in NAMES:
        monkeypatch.setattr(getattr(torch.optim, name), "step", forbidden)
        module = importlib.import_module(f"torch.optim.{name.lower()}")
        if hasattr(module, name.lower()):  # the functional form, e.g. torch.optim.adam.adam
            monkeypatch.setattr(module, name.lower(), forbidden)
        hyper = {**draw_hyper(name, torch.Generator().manual_seed(0))}
        params, grads = draw_problem(0, torch.float64, steps=3)
        run(getattr(ref, name), params, grads, hyper)


# ---- the known mistakes ----

# mistake -> (optimizers whose trajectory it changes, hyperparameters that show it,
#             hyperparameters under which it is exactly the reference, gradient scale)
MISTAKES: dict[str, tuple[tuple[str, ...], dict[str, Any], dict[str, Any] | None, float]] = {
    "adam_no_bias_correction": (("Adam", "AdamW"), {}, {"betas": (0.0, 0.0)}, 1.0),
    "adam_eps_inside_sqrt": (("Adam", "AdamW"), {"eps": 1e-3}, {"eps": 0.0}, 1e-2),
    "adagrad_eps_inside_sqrt": (("Adagrad",), {"eps": 1e-2, "initial_accumulator_value": 0.0},
                                {"eps": 0.0}, 1e-2),
    "adam_bias_correction_t_from_zero": (("Adam", "AdamW"), {}, {"betas": (0.0, 0.0)}, 1.0),
    "adam_l2_instead_of_decoupled": (("AdamW",), {"lr": 1e-2, "weight_decay": 0.1},
                                     {"weight_decay": 0.0}, 1.0),
    "adamw_decoupled_in_adam": (("Adam",), {"lr": 1e-2, "weight_decay": 0.1},
                                {"weight_decay": 0.0}, 1.0),
    "adamw_decay_not_scaled_by_lr": (("AdamW",), {"weight_decay": 0.05},
                                     {"weight_decay": 0.0}, 1.0),
    "sgd_momentum_with_dampening": (("SGD",), {"momentum": 0.9}, {"momentum": 0.0}, 1.0),
    "sgd_nesterov_as_plain_momentum": (("SGD",), {"lr": 0.05, "momentum": 0.9, "dampening": 0.0,
                                                  "nesterov": True},
                                       {"nesterov": False}, 1.0),
    "adagrad_lr_decay_off_by_one": (("Adagrad",), {"lr_decay": 0.1}, {"lr_decay": 0.0}, 1.0),
    "rmsprop_eps_inside_sqrt": (("RMSprop",), {"eps": 1e-3}, {"eps": 0.0}, 1e-2),
    "sgd_momentum_buffer_from_zero": (("SGD",), {"momentum": 0.9, "dampening": 0.3},
                                      {"dampening": 0.0}, 1.0),
    "sgd_nesterov_swapped_terms": (("SGD",), {"momentum": 0.9, "dampening": 0.0,
                                              "nesterov": True}, {"nesterov": False}, 1.0),
    "sgd_weight_decay_outside_momentum": (("SGD",), {"momentum": 0.9, "weight_decay": 0.1},
                                          {"weight_decay": 0.0}, 1.0),
    "adagrad_shared_step_counter": (("Adagrad",), {"lr_decay": 0.1}, {"lr_decay": 0.0}, 1.0),
    "adam_betas_swapped": (("Adam", "AdamW"), {}, {"betas": (0.5, 0.5)}, 1.0),
    # t = 0 at the first step divides by zero whatever the betas: no neutral setting
    "adam_step_counted_after_update": (("Adam", "AdamW"), {}, None, 1.0),
    "adamw_decay_after_step": (("AdamW",), {"lr": 0.05, "weight_decay": 0.1},
                               {"weight_decay": 0.0}, 1.0),
}


# mistakes no hyperparameter shows: only a parameter that misses steps (the spec's boundary
# case for Adam and AdamW) does, tested below
IDLE_MISTAKES = {"adam_one_step_counter": ("Adam", "AdamW")}
# shows only on a parameter without a gradient (the calling-convention probes have one),
# which the trajectories here never have: the lesson's mistake tests hold it to its checks
GRADLESS_MISTAKES = {"none_grad_as_zeros"}


def test_every_mistake_file_is_listed() -> None:
    assert {p.stem for p in (LESSON / "mistakes").glob("*.py")} == set(MISTAKES) | set(
        IDLE_MISTAKES) | GRADLESS_MISTAKES


@pytest.mark.parametrize("mistake", sorted(IDLE_MISTAKES))
def test_a_step_counter_mistake_shows_only_when_a_parameter_misses_steps(
        ref: types.ModuleType, mistake: str) -> None:
    from grader.harness.library import optimizer_trajectory  # noqa: PLC0415

    variant = build_variant(mistake)
    params, grads = draw_problem(3, torch.float64, scale=1.0, steps=30)
    for name in IDLE_MISTAKES[mistake]:
        hyper = draw_hyper(name, torch.Generator().manual_seed(3))
        keys = list(STATE_KEYS[name])
        every = [optimizer_trajectory(getattr(m, name), params, grads, hyper, keys)
                 for m in (ref, variant)]
        for a, b in zip(every[0]["params"], every[1]["params"], strict=True):
            assert torch.allclose(a, b, rtol=1e-12, atol=1e-14), name
        idle = [optimizer_trajectory(getattr(m, name), params, grads, hyper, keys, idle=1)
                for m in (ref, variant)]
        ours, wrong = idle[0]["params"][1], idle[1]["params"][1]
        loose = TOL[torch.float32]
        excess = ((wrong - ours).abs() / (loose["atol"] + loose["rtol"] * ours.abs())).max()
        assert excess > 10, f"{mistake} on {name}: only {excess:.3g}x the tolerance"


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_mistake_changes_its_optimizers_beyond_tolerance(ref: types.ModuleType,
                                                         mistake: str) -> None:
    affected, shows, _, scale = MISTAKES[mistake]
    variant = build_variant(mistake)
    loose = TOL[torch.float32]
    for name in affected:
        for seed in range(3):
            hyper = {**draw_hyper(name, torch.Generator().manual_seed(seed)), **shows}
            params, grads = draw_problem(seed, torch.float64, scale=scale, steps=30)
            ours, _, _ = run(getattr(ref, name), params, grads, hyper)
            wrong, _, _ = run(getattr(variant, name), params, grads, hyper)
            # ten times the float32 tolerance, so a check in either dtype catches it
            excess = torch.nan_to_num((wrong - ours).abs() / (loose["atol"] + loose["rtol"]
                                                               * ours.abs()), nan=torch.inf).max()
            assert excess > 10, f"{mistake} on {name} (seed {seed}): only {excess:.3g}x the tol"


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_mistake_leaves_the_rest_exactly_alone(ref: types.ModuleType, mistake: str) -> None:
    affected, shows, neutral, scale = MISTAKES[mistake]
    variant = build_variant(mistake)
    params, grads = draw_problem(5, torch.float64, scale=scale, steps=10)
    for name in NAMES:
        if name in affected and neutral is None:
            continue
        hyper = draw_hyper(name, torch.Generator().manual_seed(5))
        hyper.update(neutral if name in affected else {k: v for k, v in shows.items()
                                                         if k in hyper})
        ours, _, _ = run(getattr(ref, name), params, grads, hyper)
        wrong, _, _ = run(getattr(variant, name), params, grads, hyper)
        assert torch.equal(ours, wrong), f"{mistake} changed {name} under {hyper}"

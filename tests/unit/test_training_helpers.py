"""Harness helpers for training-loop lessons (synthetic loss curves, validation curves for
early stopping, a fixed loop that reports to hooks) and the oracle's trusted runs, which
must not race on torch's global RNG when submissions are graded in parallel threads."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import torch
from torch import nn
from torch.nn import functional as F

from grader.course.inputs import draw_inputs
from grader.course.lessons import get_lesson
from grader.grading.oracle import Oracle
from grader.harness.library import (
    HELPERS,
    contains,
    early_stopping_run,
    grad_through,
    loss_curves,
    map_call,
    mlp_model,
    rows,
    train_with_hooks,
    validation_curves,
)

KINDS = ["healthy", "short", "plateau", "overfitting", "explosion", "explosion_nan", "nan",
         "inf", "val_nan"]


def _finite(values: list[float]) -> bool:
    return all(math.isfinite(v) for v in values)


def test_new_helpers_are_registered():
    for name in ("loss_curves", "validation_curves", "early_stopping_run", "train_with_hooks",
                 "map_call", "contains", "rows", "attribute"):
        assert name in HELPERS


def test_loss_curves_are_reproducible_and_far_from_the_thresholds():
    for seed in range(20):
        curves = loss_curves(seed, KINDS, 2)
        assert repr(curves) == repr(loss_curves(seed, KINDS, 2))  # NaN != NaN, its repr is
        assert len(curves) == 2 * len(KINDS)
        for r in range(2):
            for kind, c in zip(KINDS, curves[r * len(KINDS):], strict=False):
                tr, va = c["train_loss"], c["val_loss"]
                assert len(tr) == len(va)
                assert all(type(v) is float for v in tr + va)
                scale = tr[0]
                assert (scale < 0.05) if r == 0 else (scale > 5)
                if kind in ("healthy", "short", "plateau", "overfitting"):
                    assert _finite(tr + va)
                    assert max(tr) < 1.1 * tr[0]  # far from an explosion
                if kind == "plateau":
                    assert abs(tr[-1] - tr[-11]) < 0.005 * tr[-11]
                if kind in ("healthy", "overfitting"):
                    assert abs(tr[-1] - tr[-11]) > 0.03 * tr[-11]
                if kind == "overfitting":
                    assert va[-1] > 1.25 * min(va) and va[-1] < va[0]
                if kind in ("healthy", "plateau"):
                    assert va[-1] < 1.05 * min(va)
                if kind == "explosion":
                    assert _finite(tr + va) and max(tr) > 30 * tr[0]
                if kind in ("nan", "inf", "explosion_nan", "val_nan"):
                    assert not _finite(tr + va)
    empty, single, nan_first = loss_curves(0, ["empty", "single", "nan_first"])
    assert empty == {"train_loss": [], "val_loss": []}
    assert len(single["train_loss"]) == 1 and _finite(single["train_loss"])
    assert math.isnan(nan_first["train_loss"][0])


EDGES = ["flat_10", "flat_11", "plateau_edge", "plateau_exact"]


def _rel(a: float, b: float) -> float:
    return abs(a - b) / abs(b)


def test_plateau_window_edges_are_far_from_the_threshold_on_both_sides():
    """The window's boundary kinds: a window of L[-1] against L[-11] (10 epochs of change,
    at least 11 epochs) sees each as its kind says, one epoch less or more sees the
    opposite, and every comparison is at least 2.5 times away from the 1% threshold; none
    of them is near an explosion or an overfitting."""
    for seed in range(300):
        curves = loss_curves(seed, EDGES, 2)
        assert repr(curves) == repr(loss_curves(seed, EDGES, 2))
        for r in range(2):
            flat10, flat11, edge, exact = (c["train_loss"] for c in curves[4 * r:4 * r + 4])
            for c in curves[4 * r:4 * r + 4]:
                tr, va = c["train_loss"], c["val_loss"]
                assert len(tr) == len(va) and _finite(tr + va)
                assert all(type(v) is float for v in tr + va)
                assert (tr[0] < 0.05) if r == 0 else (tr[0] > 5)
                assert max(tr) < 1.1 * tr[0] and va[-1] < 1.05 * min(va)
            assert len(flat10) == 10 and len(flat11) == 11
            for flat in (flat10, flat11):
                assert max(_rel(v, flat[0]) for v in flat) < 0.004  # any window: flat
            assert 20 <= len(edge) <= 40 and 20 <= len(exact) <= 40
            assert _rel(edge[-1], edge[-11]) > 0.025 and _rel(edge[-1], edge[-10]) < 0.004
            assert _rel(exact[-1], exact[-11]) < 0.004 and _rel(exact[-1], exact[-12]) > 0.025


def test_validation_curves_stay_away_from_the_min_delta_boundary():
    md = 0.01
    for seed in range(20):
        curves = validation_curves(seed, 12, md, 6)
        assert curves == validation_curves(seed, 12, md, 6)
        for curve in curves:
            best = curve[0]
            for v in curve[1:]:
                assert not (best - 1.5 * md < v < best - 0.6 * md)
                best = min(best, v) if v < best - md else best
        assert all(b < a - md for a, b in zip(curves[0], curves[0][1:], strict=False))
        assert curves[1][0] - curves[1][-1] < md and curves[1] == sorted(curves[1], reverse=True)
        assert all(len(c) >= 6 + 1 for c in curves[2:])


class _Patient:
    """A plain early-stopping rule (stop when bad epochs exceed patience, restore best)."""

    def __init__(self, patience: int, min_delta: float) -> None:
        self.patience, self.min_delta, self.best, self.bad = patience, min_delta, math.inf, 0
        self.state: dict[str, torch.Tensor] = {}

    def step(self, val: float, model: nn.Module) -> bool:
        if val < self.best - self.min_delta:
            self.best, self.bad = val, 0
            self.state = {k: v.clone() for k, v in model.state_dict().items()}
            return False
        self.bad += 1
        if self.bad > self.patience:
            model.load_state_dict(self.state)
            return True
        return False


def test_early_stopping_run_reports_the_stop_and_the_kept_epoch():
    w, b = torch.zeros(2, 3), torch.zeros(2)
    curves = [[3.0, 2.0, 2.5, 2.6, 1.0], [3.0, 2.0, 1.0]]
    run = early_stopping_run(_Patient, curves, [0, 1], 0.1, w, b)
    assert run["stops"] == [[2, -1], [3, -1]]
    assert float(run["weights"][0][0]["weight"][0, 0]) == 1.0  # epoch 1 restored
    assert float(run["weights"][1][1]["bias"][0]) == -2.0  # never stopped: the last epoch


def test_train_with_hooks_calls_the_hooks_around_each_step_with_the_scheduled_lr():
    torch.manual_seed(0)
    model = nn.Linear(3, 2)
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    data = [(torch.randn(4, 3), torch.randint(0, 2, (4,))) for _ in range(3)]
    seen: list[tuple[str, float]] = []

    class Hooks:
        def before_step(self, m: nn.Module, o: torch.optim.Optimizer, loss: torch.Tensor) -> None:
            assert all(p.grad is not None for p in m.parameters())
            seen.append(("before", o.param_groups[0]["lr"]))

        def after_step(self, m: nn.Module) -> None:
            seen.append(("after", 0.0))

    losses = train_with_hooks(model, opt, nn.CrossEntropyLoss(), data,
                              torch.tensor([0.1, 0.2, 0.3]), Hooks())
    assert [s[0] for s in seen] == ["before", "after"] * 3
    assert [round(s[1], 6) for s in seen[::2]] == [0.1, 0.2, 0.3]
    assert len(losses) == 3 and all(type(v) is float for v in losses)


def test_small_generic_helpers():
    assert map_call(len, [[1], [1, 2]]) == [1, 2]
    assert contains([["nan"], [], "nan", ("nan", "plateau")], "nan") == [True, False, False, True]
    assert rows(torch.arange(5), 1, 3).tolist() == [1, 2]
    assert rows(torch.arange(5), 3).tolist() == [3, 4]
    model = mlp_model([torch.randn(4, 2), torch.randn(3, 4)], [torch.zeros(4), torch.zeros(3)],
                      dropout=0.5)
    assert any(isinstance(m, nn.Dropout) for m in model)


def test_grad_through_passes_the_extra_arguments():
    logits, target = torch.randn(5, 4), torch.tensor([0, 1, 2, 3, 0])
    g = grad_through(F.cross_entropy, logits, target)
    expected = (torch.softmax(logits, 1) - F.one_hot(target, 4)) / 5
    torch.testing.assert_close(g, expected)


def test_trusted_runs_in_parallel_threads_do_not_share_the_global_rng():
    lesson = get_lesson("3.6")  # its fixed loop trains with dropout (the global RNG)
    probe = lesson.spec.probe("fixed_loop")

    def run(seed: int) -> torch.Tensor:
        inputs, dims = draw_inputs(lesson.spec, seed)
        out = Oracle(lesson, {**inputs, **dims}, seed).outputs(probe)
        return out["weights"]["0.weight"]

    alone = [run(s) for s in (1, 2, 3, 4)]
    before = torch.random.get_rng_state()
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(run, (1, 2, 3, 4)))
    for a, b in zip(alone, together, strict=True):
        assert torch.equal(a, b)
    assert torch.equal(before, torch.random.get_rng_state())  # put back after each run

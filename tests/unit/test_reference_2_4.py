"""Lesson 2.4 reference: activations and derivatives match torch, the dead-unit check is exact
(false-failure rate 0), and each dead-unit mistake is caught on at least 99% of seeds."""

from __future__ import annotations

import types
from collections.abc import Iterator

import pytest
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from grader.course.inputs import draw_inputs
from grader.course.lessons import get_lesson
from grader.harness.library import mlp_model
from tests.conftest import ROOT

LESSON = get_lesson("2.4", ROOT)
SEEDS = range(1000)
EDGES = [0.0, -0.0, 1e-3, -1e-3, 10.0, -10.0, 50.0, -50.0, 1e4, -1e4]
TOL = {torch.float32: {"rtol": 1e-5, "atol": 1e-5}, torch.float64: {"rtol": 1e-10, "atol": 1e-12}}


@pytest.fixture(scope="module")
def ref() -> types.ModuleType:
    return LESSON.reference_module()


@pytest.fixture(scope="module")
def models() -> Iterator[list[tuple[int, list[tuple[nn.Module, Tensor]]]]]:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny tensors: threads only add overhead
    yield [(seed, _models(seed)) for seed in SEEDS]
    torch.set_num_threads(threads)


def _autograd(f, x: Tensor) -> Tensor:
    leaf = x.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(f(leaf).sum(), leaf)
    return g


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_activations_and_derivatives_match_torch_on_values_and_edges(ref, dtype):
    g = torch.Generator().manual_seed(0)
    x = torch.cat([torch.randn(2000, generator=g, dtype=dtype) * 3,
                   torch.tensor(EDGES, dtype=dtype)])
    for slope in (0.01, 0.2):
        y = ref.leaky_relu(x, slope)
        assert y.dtype == dtype
        torch.testing.assert_close(y, F.leaky_relu(x, slope), **TOL[dtype])
        d = ref.leaky_relu_grad(x, slope)
        assert d.dtype == dtype
        torch.testing.assert_close(d, _autograd(lambda t, s=slope: F.leaky_relu(t, s), x),
                                   **TOL[dtype])
    for form in ("none", "tanh"):
        y = ref.gelu(x, form)
        assert y.dtype == dtype
        torch.testing.assert_close(y, F.gelu(x, approximate=form), **TOL[dtype])
        d = ref.gelu_grad(x, form)
        assert d.dtype == dtype and torch.isfinite(d).all()
        torch.testing.assert_close(d, _autograd(lambda t, f=form: F.gelu(t, approximate=f), x),
                                   **TOL[dtype])


def test_derivative_conventions_at_zero(ref):
    zero = torch.tensor([0.0, -0.0], dtype=torch.float64)
    assert ref.leaky_relu_grad(zero, 0.3).tolist() == [0.3, 0.3]  # PyTorch: slope at the kink
    assert ref.gelu_grad(zero, "none").tolist() == [0.5, 0.5]
    assert ref.gelu_grad(zero, "tanh").tolist() == [0.5, 0.5]


def _models(seed: int) -> list[tuple[nn.Module, Tensor]]:
    """The two networks and batches the spec builds for this seed (as the probes do)."""
    inputs, _ = draw_inputs(LESSON.spec, seed)
    one = mlp_model([inputs["Wa1"], inputs["Wa2"]], [inputs["ba1"], inputs["ba2"]])
    two = mlp_model([inputs["Wb1"], inputs["Wb2"], inputs["Wb3"]],
                    [inputs["bb1"], inputs["bb2"], inputs["bb3"]])
    return [(one, inputs["Xa"]), (two, inputs["Xb"])]


def _pre_activations(model: nn.Module, X: Tensor) -> list[Tensor]:
    """The input of every ReLU, times 4, computed exactly in int64: weights and X are
    integers and biases integers plus 1/2 or 1/4, so 4 * (h @ W.T + b) = (4h) @ W.T + 4b."""
    assert torch.equal(X, X.round())
    pres, h4 = [], (X * 4).long()
    for layer in model:
        if isinstance(layer, nn.Linear):
            w, b4 = layer.weight.detach(), layer.bias.detach() * 4
            assert torch.equal(w, w.round()) and torch.equal(b4, b4.round())
            h4 = h4 @ w.long().T + b4.long()
        else:
            pres.append(h4)
            h4 = h4.clamp(min=0)
    return pres


def _fraction_reordered(model: nn.Module, X: Tensor, dtype: torch.dtype) -> float:
    """Dead fraction with products summed in reverse order, in ``dtype``."""
    dead, total, h = 0, 0, X.to(dtype)
    for layer in model:
        if isinstance(layer, nn.Linear):
            w, b = layer.weight.detach().to(dtype), layer.bias.detach().to(dtype)
            h = (h[:, :, None] * w.T[None]).flip(1).cumsum(1)[:, -1] + b
        else:
            h = h.clamp(min=0)
            dead += int((h == 0).all(dim=0).sum())
            total += h.shape[1]
    return dead / total


def test_spec_ranges_keep_every_pre_activation_exact():
    """Worst case from the spec's own ranges: pre-activations need 2 bits after the point
    and stay far below 2^22 in magnitude, inside float32's 24-bit significand, so every
    correct implementation computes them exactly, in any order, in either dtype."""
    spec = LESSON.spec

    def bound(name: str) -> float:
        s = spec.inputs[name]
        assert s.dist == "randint" and s.low is not None and s.high is not None
        return max(abs(s.low), abs(s.high))

    for X, W1, B1, W2, B2 in (("Xa", "Wa1", "Ba1", None, None),
                              ("Xb", "Wb1", "Bb1", "Wb2", "Bb2")):
        pre = spec.dims["d"][1] * bound(X) * bound(W1) + bound(B1) + 0.5
        if W2 and B2:
            pre = spec.dims["h1"][1] * pre * bound(W2) + bound(B2) + 0.25
        assert 4 * pre < 2**24, (X, pre)


def test_dead_fraction_is_exact_and_never_on_a_tie(ref, models):
    """False-failure rate 0: on every seed the pre-activations are never 0 (the biases'
    1/2 and 1/4 offsets), and the reference's fraction equals the one computed exactly in
    integers, and in float32 and float64 with another summation order."""
    for seed, pairs in models:
        for model, X in pairs:
            pres = _pre_activations(model, X)
            assert all((p != 0).all() for p in pres), f"seed {seed}: a pre-activation is 0"
            assert max(int(p.abs().max()) for p in pres) < 2**24
            exact = (sum(int((p < 0).all(dim=0).sum()) for p in pres)
                     / sum(p.shape[1] for p in pres))
            assert ref.dead_relu_fraction(model, X) == exact, f"seed {seed}"
            for dtype in (torch.float32, torch.float64):
                assert _fraction_reordered(model, X, dtype) == exact, f"seed {seed}, {dtype}"


@pytest.mark.parametrize("mistake", ["dead_counted_per_sample", "dead_if_inactive_once"])
def test_dead_unit_mistakes_are_caught_on_at_least_99_percent_of_seeds(ref, models, mistake):
    variant = LESSON.mistake_module(mistake)
    caught = [0, 0]
    for _seed, pairs in models:
        for i, (model, X) in enumerate(pairs):
            caught[i] += abs(variant.dead_relu_fraction(model, X)
                             - ref.dead_relu_fraction(model, X)) > 1e-6
    assert min(caught) >= 0.99 * len(SEEDS), caught


def test_a_good_share_of_units_is_dead_and_some_alive(ref, models):
    fractions = [ref.dead_relu_fraction(m, X) for _seed, pairs in models for m, X in pairs]
    assert 0.2 < sum(fractions) / len(fractions) < 0.7
    assert sum(0 < f < 1 for f in fractions) >= 0.99 * len(fractions)

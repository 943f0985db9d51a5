"""Lesson 1.3 reference: index orders and GD trajectories match torch oracles; mistakes differ."""

from __future__ import annotations

import math
import types
from pathlib import Path

import pytest
import torch
from torch import Tensor
from torch.utils.data import BatchSampler, RandomSampler, SequentialSampler

from grader.course.lessons import get_lesson
from tests.conftest import ROOT

LESSON = Path(__file__).resolve().parents[2] / "reference" / "1.3"
# measured vs autograd + torch.optim.SGD (150 runs): float32 uses 3% of this budget, float64 1e-13
TOL: dict[torch.dtype, dict[str, float]] = {
    torch.float32: {"rtol": 1e-4, "atol": 1e-5},
    torch.float64: {"rtol": 1e-10, "atol": 1e-12},
}
Run = tuple[Tensor, list[float]]


def load_reference() -> types.ModuleType:
    return get_lesson("1.3", ROOT).reference_module()


def build_variant(mistake: str) -> types.ModuleType:
    """solution.py + two newlines + the mistake file, exactly as the grader builds it."""
    return get_lesson("1.3", ROOT).mistake_module(mistake)


@pytest.fixture(scope="module")
def ref() -> types.ModuleType:
    return load_reference()


def gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def make_data(seed: int, n: int, d: int, dtype: torch.dtype) -> tuple[Tensor, Tensor, Tensor]:
    g = gen(1000 + seed)
    X = torch.randn(n, d, generator=g, dtype=dtype)
    y = X @ torch.randn(d, generator=g, dtype=dtype) + 0.1 * torch.randn(n, generator=g,
                                                                          dtype=dtype)
    return X, y, torch.randn(d, generator=g, dtype=dtype)


def oracle_order(n: int, batch_size: int, seed: int, epochs: int) -> list[list[Tensor]]:
    """Per epoch, the batches of one torch.randperm draw from a shared generator."""
    g = gen(seed)
    return [list(torch.split(torch.randperm(n, generator=g), batch_size)) for _ in range(epochs)]


def oracle_descent(X: Tensor, y: Tensor, w0: Tensor, lr: float,
                   order: list[list[Tensor]]) -> Run:
    """The same descent by autograd and torch.optim.SGD over the given batches."""
    w = torch.nn.Parameter(w0.clone())
    opt = torch.optim.SGD([w], lr=lr)
    history: list[float] = []
    for epoch in order:
        for idx in epoch:
            opt.zero_grad()
            loss = torch.nn.functional.mse_loss(X[idx] @ w, y[idx])
            loss.backward()
            opt.step()
            history.append(loss.item())
    return w.detach(), history


def assert_run_close(got: Run, want: Run, dtype: torch.dtype) -> None:
    w, history = got
    assert w.dtype == dtype and all(type(h) is float for h in history)
    assert len(history) == len(want[1])
    torch.testing.assert_close(torch.tensor(history, dtype=torch.float64),
                               torch.tensor(want[1], dtype=torch.float64), **TOL[dtype])
    torch.testing.assert_close(w, want[0], **TOL[dtype])


def same_run(a: Run, b: Run) -> bool:
    return a[0].shape == b[0].shape and torch.equal(a[0], b[0]) and a[1] == b[1]


def same_batches(a: list[Tensor], b: list[Tensor]) -> bool:
    return len(a) == len(b) and all(torch.equal(x, z) for x, z in zip(a, b, strict=True))


# ---- the reference against oracles ----

@pytest.mark.parametrize(("n", "batch_size"), [(10, 3), (12, 4), (7, 1), (5, 8), (33, 32)])
@pytest.mark.parametrize("drop_last", [False, True])
def test_minibatches_match_dataloader_samplers(ref: types.ModuleType, n: int, batch_size: int,
                                               drop_last: bool) -> None:
    for seed in range(3):
        got = ref.minibatches(n, batch_size, gen(seed), drop_last=drop_last)
        sampler = RandomSampler(range(n), generator=gen(seed))
        want = list(BatchSampler(sampler, batch_size, drop_last))
        assert all(b.dtype == torch.int64 and b.dim() == 1 for b in got)
        assert [b.tolist() for b in got] == want
        plain = ref.minibatches(n, batch_size, gen(seed), shuffle=False, drop_last=drop_last)
        assert [b.tolist() for b in plain] == list(
            BatchSampler(SequentialSampler(range(n)), batch_size, drop_last))
    expected_count = n // batch_size if drop_last else math.ceil(n / batch_size)
    assert len(got) == expected_count


def test_minibatches_reproducible_and_advance_the_generator(ref: types.ModuleType) -> None:
    torch.manual_seed(0)
    a = ref.minibatches(20, 6, gen(5))
    torch.manual_seed(1)  # the global RNG must not matter
    b = ref.minibatches(20, 6, gen(5))
    assert same_batches(a, b)
    g = gen(5)
    first, second = ref.minibatches(20, 6, g), ref.minibatches(20, 6, g)
    assert same_batches(first, a) and not same_batches(first, second)
    g = gen(5)
    state = g.get_state()
    ref.minibatches(20, 6, g, shuffle=False)
    assert torch.equal(g.get_state(), state)  # no shuffle, no draw


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize(("n", "d", "batch_size"), [(20, 3, 6), (16, 2, 4), (9, 5, 9)])
def test_trajectories_match_autograd_sgd(ref: types.ModuleType, dtype: torch.dtype, n: int,
                                         d: int, batch_size: int) -> None:
    for seed in range(2):
        X, y, w0 = make_data(seed, n, d, dtype)
        w0_before = w0.clone()
        epochs, lr = 3, 0.03
        assert_run_close(ref.batch_gd(X, y, w0, lr, 10),
                         oracle_descent(X, y, w0, lr, [[torch.arange(n)]] * 10), dtype)
        assert_run_close(ref.minibatch_gd(X, y, w0, lr, epochs, batch_size, gen(seed)),
                         oracle_descent(X, y, w0, lr,
                                        oracle_order(n, batch_size, seed, epochs)), dtype)
        assert_run_close(ref.sgd(X, y, w0, lr, epochs, gen(seed)),
                         oracle_descent(X, y, w0, lr, oracle_order(n, 1, seed, epochs)), dtype)
        assert torch.equal(w0, w0_before)


def test_update_counts(ref: types.ModuleType) -> None:
    X, y, w0 = make_data(0, 10, 2, torch.float64)
    assert len(ref.batch_gd(X, y, w0, 0.01, 4)[1]) == 4
    assert len(ref.sgd(X, y, w0, 0.01, 4, gen(0))[1]) == 40
    assert len(ref.minibatch_gd(X, y, w0, 0.01, 4, 3, gen(0))[1]) == 4 * 4


def test_batch_gd_reaches_least_squares(ref: types.ModuleType) -> None:
    X, y, w0 = make_data(3, 50, 3, torch.float64)
    w, history = ref.batch_gd(X, y, w0, 0.1, 400)
    w_star = torch.linalg.lstsq(X, y.unsqueeze(1)).solution.squeeze(1)
    torch.testing.assert_close(w, w_star, rtol=1e-8, atol=1e-8)
    assert all(b <= a * (1 + 1e-12) for a, b in zip(history, history[1:], strict=False))


# ---- each known mistake differs where the report says, and only there ----

def outputs(module: types.ModuleType, seed: int, n: int, batch_size: int,
            epochs: int = 3) -> dict[str, object]:
    """Every exercise function's output on one drawn problem (same seeds for every module)."""
    X, y, w0 = make_data(seed, n, 3, torch.float64)
    return {
        "minibatches": module.minibatches(n, batch_size, gen(seed)),
        "minibatches_plain": module.minibatches(n, batch_size, gen(seed), shuffle=False),
        "minibatches_drop": module.minibatches(n, batch_size, gen(seed), drop_last=True),
        "batch_gd": module.batch_gd(X, y, w0, 0.05, epochs),
        "minibatch_gd": module.minibatch_gd(X, y, w0, 0.05, epochs, batch_size, gen(seed)),
        "sgd": module.sgd(X, y, w0, 0.05, epochs, gen(seed)),
    }


def changed(ref: types.ModuleType, variant: types.ModuleType, seed: int, n: int,
            batch_size: int, epochs: int = 3) -> set[str]:
    torch.manual_seed(10_000 + seed)  # the global RNG differs from every generator seed
    want = outputs(ref, seed, n, batch_size, epochs)
    got = outputs(variant, seed, n, batch_size, epochs)
    return {k for k in want if not (same_batches(got[k], want[k]) if k.startswith("minibatches")
                                    else same_run(got[k], want[k]))}  # type: ignore[arg-type]


ALL_SHUFFLED = {"minibatches", "minibatches_drop", "minibatch_gd", "sgd"}


@pytest.mark.parametrize("seed", range(4))
def test_no_shuffle(ref: types.ModuleType, seed: int) -> None:
    variant = build_variant("no_shuffle")
    assert changed(ref, variant, seed, 10, 3) == ALL_SHUFFLED
    assert [b.tolist() for b in variant.minibatches(5, 2, gen(seed))] == [[0, 1], [2, 3], [4]]


@pytest.mark.parametrize("seed", range(4))
def test_unseeded_generator(ref: types.ModuleType, seed: int) -> None:
    variant = build_variant("unseeded_generator")
    assert changed(ref, variant, seed, 10, 3) == ALL_SHUFFLED
    # how a check catches it: equally seeded generators give different orders ...
    a, b = variant.minibatches(20, 4, gen(seed)), variant.minibatches(20, 4, gen(seed))
    assert not same_batches(a, b)
    # ... and the generator is never advanced
    g = gen(seed)
    state = g.get_state()
    variant.minibatches(20, 4, g)
    assert torch.equal(g.get_state(), state)
    # the blind spot: global seed == generator seed reproduces the reference's first draw
    torch.manual_seed(seed)
    assert same_batches(variant.minibatches(20, 4, gen(0)), ref.minibatches(20, 4, gen(seed)))


@pytest.mark.parametrize("seed", range(4))
def test_drops_last_batch(ref: types.ModuleType, seed: int) -> None:
    variant = build_variant("drops_last_batch")
    # only when batch_size does not divide n; SGD (batch size 1) is never affected
    assert changed(ref, variant, seed, 10, 3) == {"minibatches", "minibatches_plain",
                                                  "minibatch_gd"}
    assert changed(ref, variant, seed, 12, 3) == set()
    assert len(variant.minibatch_gd(*make_data(seed, 10, 3, torch.float64), 0.05, 2, 3,
                                    gen(seed))[1]) == 2 * 3


@pytest.mark.parametrize("seed", range(4))
def test_same_batch_every_step(ref: types.ModuleType, seed: int) -> None:
    variant = build_variant("same_batch_every_step")
    # the reference's sgd calls minibatch_gd, so the variant's sgd repeats one example
    assert changed(ref, variant, seed, 10, 3) == {"minibatch_gd", "sgd"}
    assert changed(ref, variant, seed, 10, 10) == {"sgd"}  # one batch per epoch: no change
    w, history = variant.minibatch_gd(*make_data(seed, 10, 3, torch.float64), 0.05, 2, 3,
                                      gen(seed))
    assert len(history) == 2 * 4


@pytest.mark.parametrize("seed", range(4))
def test_shuffles_once(ref: types.ModuleType, seed: int) -> None:
    variant = build_variant("shuffles_once")
    assert changed(ref, variant, seed, 10, 3) == {"minibatch_gd", "sgd"}
    assert changed(ref, variant, seed, 10, 3, epochs=1) == set()
    # the first epoch is identical, the second is not
    data = make_data(seed, 10, 3, torch.float64)
    got = variant.minibatch_gd(*data, 0.05, 2, 3, gen(seed))[1]
    want = ref.minibatch_gd(*data, 0.05, 2, 3, gen(seed))[1]
    assert got[:4] == want[:4] and got[4:] != want[4:]


@pytest.mark.parametrize("seed", range(4))
def test_fresh_generator(ref: types.ModuleType, seed: int) -> None:
    variant = build_variant("fresh_generator")
    assert changed(ref, variant, seed, 10, 3) == ALL_SHUFFLED
    # reproducible (so a `same` check passes), but blind to the seed and to the epoch
    assert same_batches(variant.minibatches(20, 4, gen(seed)), variant.minibatches(20, 4, gen(0)))
    g = gen(seed)
    assert same_batches(variant.minibatches(20, 4, g), variant.minibatches(20, 4, g))


def test_torch_random_sampler_draws_twice_per_pass() -> None:
    """Why the exercise text warns against RandomSampler: a second draw after each pass."""
    g = gen(0)
    list(RandomSampler(range(10), generator=g))
    want = gen(0)
    torch.randperm(10, generator=want)
    torch.randperm(10, generator=want)
    assert torch.equal(g.get_state(), want.get_state())

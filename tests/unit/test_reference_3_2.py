"""Lesson 3.2 reference: schedules equal torch's schedulers, the conventions hold at the
boundaries, the loop uses exactly the scheduled rates, and each mistake is far from it."""

from __future__ import annotations

import math
import types

import pytest
import torch
from torch import nn

from grader.course.lessons import get_lesson
from tests.conftest import ROOT
from tests.unit.mistake_margins import mistake_margins, solution_ratios

LESSON = get_lesson("3.2", ROOT)


@pytest.fixture(scope="module")
def ref() -> types.ModuleType:
    return LESSON.reference_module()


def _torch_curve(make: type, steps: int, lr0: float, **kwargs: float) -> list[float]:
    opt = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=lr0)
    scheduler = make(opt, **kwargs)
    lrs = []
    for _ in range(steps):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        scheduler.step()
    return lrs


@pytest.mark.parametrize("seed", range(20))
def test_step_and_exponential_decay_equal_torch(ref, seed):
    g = torch.Generator().manual_seed(seed)
    lr0 = 0.05 + torch.rand((), generator=g).item()
    size = int(torch.randint(1, 12, (), generator=g))
    gamma = 0.2 + 0.79 * torch.rand((), generator=g).item()
    steps = 90
    step_lr = _torch_curve(torch.optim.lr_scheduler.StepLR, steps, lr0, step_size=size,
                           gamma=gamma)
    exp_lr = _torch_curve(torch.optim.lr_scheduler.ExponentialLR, steps, lr0, gamma=gamma)
    assert [ref.step_decay(s, lr0, size, gamma) for s in range(steps)] == \
        pytest.approx(step_lr, rel=1e-12)
    assert [ref.exponential_decay(s, lr0, gamma) for s in range(steps)] == \
        pytest.approx(exp_lr, rel=1e-12)


@pytest.mark.parametrize("total,warmup", [(30, 3), (90, 20), (10, 0), (10, 10), (5, 4)])
def test_warmup_cosine_conventions(ref, total, warmup):
    lr_max, lr_min = 0.7, 0.01
    curve = [ref.warmup_cosine(s, total, warmup, lr_max, lr_min) for s in range(total)]
    assert all(type(v) is float for v in curve)
    if warmup:
        assert curve[0] == pytest.approx(lr_max / warmup)
        assert curve[warmup - 1] == pytest.approx(lr_max)
        assert curve[:warmup] == sorted(curve[:warmup])
    if warmup < total:
        assert curve[warmup] == pytest.approx(lr_max)
        after = curve[warmup:]
        assert after == sorted(after, reverse=True)
        assert lr_min < after[-1] < lr_min + (lr_max - lr_min) * (math.pi / (total - warmup))**2
    else:
        assert curve[-1] == pytest.approx(lr_max)


def test_loop_uses_the_scheduled_rate_at_each_step(ref):
    """The rates it reports are the ones SGD applied: replaying SGD with those rates by hand
    (a fresh optimizer per step, same momentum buffer) gives the same weights."""
    torch.manual_seed(0)
    X, y = torch.randn(20, 3, dtype=torch.float64), torch.randn(20, 2, dtype=torch.float64)
    table = [0.01 * (1 + (s % 5)) for s in range(12)]
    model = nn.Linear(3, 2, dtype=torch.float64)
    twin = nn.Linear(3, 2, dtype=torch.float64)
    twin.load_state_dict(model.state_dict())
    opt = torch.optim.SGD(model.parameters(), lr=0.37, momentum=0.8)
    lrs = ref.train_with_schedule(model, opt, X, y, lambda s: table[min(s, 11)], 12)
    assert lrs == pytest.approx(table, rel=1e-12)
    bufs: dict[int, torch.Tensor] = {}
    for s in range(12):
        twin.zero_grad()
        nn.functional.mse_loss(twin(X), y).backward()
        with torch.no_grad():
            for i, p in enumerate(twin.parameters()):
                bufs[i] = p.grad.clone() if s == 0 else 0.8 * bufs[i] + p.grad
                p -= table[s] * bufs[i]
    for a, b in zip(model.parameters(), twin.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)


# A cosine that reaches lr_min one step early differs at the last step by about
# (lr_max - lr_min) * pi^2 / (4 (total - warmup)^2): on the longest schedules only some 80
# times the boundary check's tolerance (still far outside it, on every seed).
NARROW = {("cosine_ends_at_last_step", "warmup_cosine: step 0, the end of warmup, the last step")}


@pytest.mark.filterwarnings(r"ignore:Detected call of `lr_scheduler.step\(\)`:UserWarning")
@pytest.mark.slow  # every mistake on several seeds: seconds, with no sandbox
def test_every_mistake_is_far_from_the_reference_where_it_loses():
    margins = mistake_margins(LESSON, range(100, 160), margin=50.0)
    assert not margins.surprises, margins.surprises[:5]
    close = {k: r for k, r in margins.smallest.items() if r < 100.0 and k not in NARROW}
    assert not close, close


def test_reference_and_alternatives_stay_well_inside_the_tolerances():
    files = [LESSON.reference_dir / "solution.py",
             *sorted((ROOT / "tests" / "solutions" / "3.2").glob("*.py"))]
    worst = solution_ratios(LESSON, files, range(100, 140))
    assert len({name for name, _ in worst}) == len(files) >= 3
    assert max(worst.values()) < 0.5, max(worst.items(), key=lambda kv: kv[1])

"""Lesson 3.4 reference: the norms, clipping and the block agree with PyTorch (values and
gradients) well inside the spec's tolerances, as do the alternative solutions, and each
known mistake is far outside them wherever the spec says it loses points."""

from __future__ import annotations

import types

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from grader.course.lessons import get_lesson
from tests.conftest import ROOT
from tests.unit.mistake_margins import mistake_margins, solution_ratios

LESSON = get_lesson("3.4", ROOT)


@pytest.fixture(scope="module")
def ref() -> types.ModuleType:
    return LESSON.reference_module()


def test_batch_norm_module_in_train_then_eval_mode(ref):
    """The reference follows nn.BatchNorm1d through training steps and then eval."""
    torch.manual_seed(0)
    bn = nn.BatchNorm1d(5, momentum=0.3, eps=1e-4, dtype=torch.float64)
    with torch.no_grad():
        bn.weight.normal_()
        bn.bias.normal_()
    rm, rv = bn.running_mean.clone(), bn.running_var.clone()
    for _ in range(4):
        x = torch.randn(9, 5, 3, dtype=torch.float64) * 2 + 1
        y = ref.batch_norm(x, rm, rv, bn.weight, bn.bias, True, 0.3, 1e-4)
        torch.testing.assert_close(y, bn.train()(x))
    torch.testing.assert_close((rm, rv), (bn.running_mean, bn.running_var))
    x = torch.randn(1, 5, 3, dtype=torch.float64)  # eval works on a batch of one
    torch.testing.assert_close(ref.batch_norm(x, rm, rv, bn.weight, bn.bias, False, 0.3, 1e-4),
                               bn.eval()(x))


def test_rms_norm_default_eps_is_the_dtypes(ref):
    x = torch.full((2, 3), 1e-4, dtype=torch.float64)
    torch.testing.assert_close(ref.rms_norm(x, (3,)), F.rms_norm(x, (3,)), rtol=1e-12,
                               atol=0)


def test_clip_grad_norm_returns_torchs_norm_and_skips_missing_grads(ref):
    ps = [nn.Parameter(torch.randn(3, 2)) for _ in range(3)]
    qs = [nn.Parameter(p.detach().clone()) for p in ps]
    for p, q in zip(ps[:2], qs[:2], strict=True):
        p.grad = torch.randn_like(p) * 5
        q.grad = p.grad.clone()
    total = ref.clip_grad_norm_(iter(ps), 0.5)
    torch.testing.assert_close(total, torch.nn.utils.clip_grad_norm_(iter(qs), 0.5))
    for p, q in zip(ps, qs, strict=True):
        assert (p.grad is None) == (q.grad is None)
        if p.grad is not None:
            torch.testing.assert_close(p.grad, q.grad)


@pytest.mark.slow  # every mistake on several seeds: seconds, with no sandbox
def test_every_mistake_is_far_from_the_reference_where_it_loses():
    margins = mistake_margins(LESSON, range(100, 130), margin=10.0)
    assert not margins.surprises, margins.surprises[:5]


def test_reference_and_alternatives_stay_well_inside_the_tolerances():
    files = [LESSON.reference_dir / "solution.py",
             *sorted((ROOT / "tests" / "solutions" / "3.4").glob("*.py"))]
    worst = solution_ratios(LESSON, files, range(100, 120))
    assert len({name for name, _ in worst}) == len(files) >= 3
    assert max(worst.values()) < 0.5, max(worst.items(), key=lambda kv: kv[1])

"""The `proportion` check kind: an exact binomial acceptance interval with a stated
false-failure rate, its two-sample sameness for naming mistakes, its spec fields, and the
`nonzero_only` comparison that goes with it (values of the entries a random mask kept)."""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import pytest
import torch

from grader.course.lessons import Lesson
from grader.course.spec import (
    CloseCheck,
    LessonSpec,
    Mistake,
    ProportionCheck,
    SpecError,
    load_spec,
)
from grader.errors import GraderFault
from grader.grading.checks.base import MISSING, CheckContext, at_path
from grader.grading.checks.proportion import (
    binomial_acceptance,
    check_proportion,
    proportions_agree,
    successes,
)
from grader.grading.compare import compare
from grader.grading.mistakes import match_mistake, same_proportion, same_within


def exact_tails(n: int, p: Fraction) -> tuple[list[Fraction], list[Fraction]]:
    """P(K <= k) and P(K >= k) for K ~ Binomial(n, p), in exact rational arithmetic."""
    pmf = [math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n + 1)]
    at_most = [sum(pmf[:k + 1], Fraction(0)) for k in range(n + 1)]
    at_least = [sum(pmf[k:], Fraction(0)) for k in range(n + 1)]
    return at_most, at_least


@pytest.mark.parametrize("n", [1, 2, 5, 17, 40, 63])
@pytest.mark.parametrize("p", ["1/10", "1/3", "1/2", "7/10", "97/100"])
@pytest.mark.parametrize("alpha", ["1/10", "1/100", "1/1000"])
def test_interval_is_the_exact_central_binomial_interval(n, p, alpha):
    p, alpha = Fraction(p), Fraction(alpha)
    lo, hi = binomial_acceptance(n, float(p), float(alpha))
    at_most, at_least = exact_tails(n, p)
    # a correct output falls outside with probability at most alpha / 2 on each side ...
    assert lo == 0 or at_most[lo - 1] <= alpha / 2
    assert hi == n or at_least[hi + 1] <= alpha / 2
    # ... and the interval is no wider than it must be (the exact one, not a loose bound)
    assert at_most[lo] > alpha / 2 and at_least[hi] > alpha / 2


def test_certain_and_impossible_trials_accept_only_the_certain_count():
    assert binomial_acceptance(500, 1.0, 1e-7) == (500, 500)
    assert binomial_acceptance(500, 0.0, 1e-7) == (0, 0)
    assert binomial_acceptance(0, 0.3, 1e-7) == (0, 0)
    with pytest.raises(ValueError):
        binomial_acceptance(10, 1.5, 1e-7)
    with pytest.raises(ValueError):
        binomial_acceptance(10, 0.5, 0.0)


def test_large_n_agrees_with_the_normal_approximation():
    # far from the edges the exact interval is mean +- z * sd with z = 5.33 at alpha = 1e-7
    n, p = 40_000, 0.3
    lo, hi = binomial_acceptance(n, p, 1e-7)
    sd = math.sqrt(n * p * (1 - p))
    assert abs((n * p - lo) / sd - 5.33) < 0.1 and abs((hi - n * p) / sd - 5.33) < 0.1


def test_false_failure_rate_holds_over_many_simulated_outputs():
    # at a loose alpha, so failures are common enough to count: the exact interval rejects at
    # most alpha of correct outputs (and, the sizes being large, not much less)
    g = torch.Generator().manual_seed(0)
    trials, n, p, alpha = 20_000, 2_000, 0.37, 0.01
    counts = torch.binomial(torch.full((trials,), float(n)), torch.full((trials,), p),
                            generator=g).long()
    lo, hi = binomial_acceptance(n, p, alpha)
    rate = float(((counts < lo) | (counts > hi)).float().mean())
    sd = math.sqrt(alpha * (1 - alpha) / trials)
    assert rate <= alpha + 4 * sd, rate
    assert rate >= alpha / 3, rate


def test_two_samples_of_one_probability_agree_and_of_distant_ones_do_not():
    g = torch.Generator().manual_seed(1)
    n = 20_000
    same = [proportions_agree(int((torch.rand(n, generator=g) < 0.3).sum()), n,
                              int((torch.rand(n, generator=g) < 0.3).sum()), n, 1e-3)
            for _ in range(200)]
    assert all(same)
    assert not proportions_agree(int(0.3 * n), n, int(0.33 * n), n, 1e-7)
    assert not proportions_agree(5, 0, 5, 10, 1e-7)


def test_successes_count_nonzero_or_zero_entries_and_refuse_what_is_not_countable():
    y = torch.tensor([0.0, 1.5, -0.0, 2.0])
    assert successes(y, "nonzero") == (2, 4) and successes(y, "zero") == (2, 4)
    assert "NaN" in successes(torch.tensor([1.0, float("nan")]), "nonzero")
    assert "empty" in successes(torch.zeros(0), "nonzero")
    assert "tensor" in successes([1.0, 0.0], "nonzero")


# ---------------------------------------------------------------- the check kind

def _ctx(student: dict, expected: dict) -> CheckContext:
    def get(tree: dict, path: str):
        return at_path(tree, path.split("."))

    return CheckContext(Lesson("9.9", Path(".")), lambda path: get(student, path),
                        lambda ref: get(expected, ref), lambda: None)


def _check(**kw) -> ProportionCheck:
    base = dict(name="kept", points=1, probe="p", output="y", false_failure_rate=1e-7)
    return ProportionCheck(**{**base, **kw})


def test_check_passes_a_correct_mask_and_fails_the_complement_with_a_clear_message():
    g = torch.Generator().manual_seed(2)
    x = torch.rand(20_000, generator=g) + 0.5
    keep = 0.7
    good = x * (torch.rand(x.shape, generator=g) < keep) / keep
    bad = x * (torch.rand(x.shape, generator=g) < 1 - keep) / keep
    check = _check(expected="e.keep", shape_of="e.x")
    expected = {"e": {"keep": keep, "x": x}}
    assert check_proportion(check, _ctx({"y": good}, expected)).passed
    verdict = check_proportion(check, _ctx({"y": bad}, expected))
    assert not verdict.passed and verdict.comparable
    assert "of 20000 entries are nonzero" in verdict.message and "1e-07" in verdict.message
    assert verdict.error is not None and verdict.tolerance is not None
    assert verdict.error > verdict.tolerance


def test_check_fails_what_cannot_be_counted_without_matching_mistakes():
    check = _check(probability=0.5, shape_of="e.x")
    expected = {"e": {"x": torch.ones(100)}}
    for student, words in (({}, "no output"), ({"y": torch.ones(10)}, "shape"),
                           ({"y": torch.full((100,), float("nan"))}, "NaN"),
                           ({"y": "ones"}, "tensor")):
        verdict = check_proportion(check, _ctx(student, expected))
        assert not verdict.passed and not verdict.comparable and words in verdict.message


def test_probability_one_accepts_only_every_entry():
    check = _check(probability=1.0)
    assert check_proportion(check, _ctx({"y": torch.ones(1000)}, {})).passed
    one_dropped = torch.ones(1000)
    one_dropped[17] = 0.0
    assert not check_proportion(check, _ctx({"y": one_dropped}, {})).passed


def test_an_expected_value_that_is_not_a_probability_is_a_grader_error():
    check = _check(expected="e.keep")
    with pytest.raises(GraderFault, match="not a probability"):
        check_proportion(check, _ctx({"y": torch.ones(10)}, {"e": {"keep": 1.5}}))


def test_a_mistake_is_named_when_its_fraction_matches_and_differs_from_the_expected_one():
    g = torch.Generator().manual_seed(3)
    n, p = 20_000, 0.25

    def mask(prob: float) -> torch.Tensor:
        return (torch.rand(n, generator=g) < prob).float()

    check = _check(probability=p)
    swapped = Mistake(id="swapped", title="t", message="m", loses=["kept"])
    exact = Mistake(id="exact", title="t", message="m", loses=["kept"])
    variants = {"swapped": mask(1 - p), "exact": mask(p)}
    same = same_proportion(check)
    found = match_mistake("kept", mask(1 - p), p, [exact, swapped], variants.__getitem__,
                          MISSING, same)
    assert found is swapped  # "exact" gives the expected fraction, so it is never named
    assert match_mistake("kept", mask(0.5), p, [exact, swapped], variants.__getitem__,
                         MISSING, same) is None


# ---------------------------------------------------------------- spec fields

def _spec(checks: list[dict]) -> dict:
    return {"lesson": {"id": "9.9", "title": "t", "stem": "s", "module": 1},
            "probes": [{"id": "p", "steps": [{"call": "f", "out": "y"}], "outputs": ["y"]}],
            "checks": checks}


def test_spec_needs_one_probability_a_stated_rate_and_a_total_within_one_in_a_million():
    kept = {"kind": "proportion", "name": "a", "points": 1, "probe": "p", "output": "y",
            "probability": 0.5, "false_failure_rate": 5e-7}
    assert isinstance(LessonSpec.model_validate(_spec([kept])).checks[0], ProportionCheck)
    with pytest.raises(ValueError, match="exactly one of"):
        LessonSpec.model_validate(_spec([{**kept, "expected": "p.y"}]))
    with pytest.raises(ValueError, match="false_failure_rate"):
        LessonSpec.model_validate(_spec([{k: v for k, v in kept.items()
                                          if k != "false_failure_rate"}]))
    with pytest.raises(ValueError, match="less than or equal to 0.000001"):
        LessonSpec.model_validate(_spec([{**kept, "false_failure_rate": 1e-5}]))
    with pytest.raises(ValueError, match="add up to 1.5e-06"):
        LessonSpec.model_validate(_spec([kept, {**kept, "name": "b"}, {**kept, "name": "c"}]))
    with pytest.raises(ValueError, match="shape_of 'q.y' names no probe"):
        LessonSpec.model_validate(_spec([{**kept, "shape_of": "q.y"}]))


def test_spec_file_errors_name_the_proportion_field(tmp_path):
    text = (Path(__file__).resolve().parents[2] / "reference" / "2.6" / "spec.toml").read_text()
    bad = tmp_path / "spec.toml"
    bad.write_text(text.replace("false_failure_rate = 1e-7", "false_failure_rate = 0.01", 1))
    with pytest.raises(SpecError, match=r"checks\[2\] \('dropout: about 1 - p.*"
                                        r"false_failure_rate"):
        load_spec(bad)


# ---------------------------------------------------------------- nonzero_only comparison

def test_nonzero_only_compares_the_entries_both_kept():
    x = torch.tensor([1.0, 2.0, 3.0, 4.0])
    expected = x / 0.5
    assert compare(torch.tensor([2.0, 0.0, 6.0, 0.0]), expected, nonzero_only=True).ok
    c = compare(torch.tensor([1.0, 0.0, 3.0, 0.0]), expected, nonzero_only=True)
    assert not c.ok and "at index (2,)" in c.message
    assert not compare(torch.tensor([2.0, 0.0, 6.0, 0.0]), expected).ok  # the plain check
    nothing = compare(torch.zeros(4), expected, nonzero_only=True)
    assert not nothing.ok and "nothing to compare" in nothing.message
    nan = compare(torch.tensor([2.0, float("nan"), 0.0, 0.0]), expected, nonzero_only=True)
    assert not nan.ok and "NaN" in nan.message
    assert not compare(torch.zeros(3), expected, nonzero_only=True).ok  # shapes still count


def test_nonzero_only_sameness_names_a_variant_with_another_mask():
    check = CloseCheck(name="c", points=1, probe="p", output="y", nonzero_only=True)
    unscaled = Mistake(id="unscaled", title="t", message="m", loses=["c"])
    x = torch.arange(1.0, 9.0)
    variant = x * torch.tensor([1, 1, 0, 0, 1, 0, 1, 1.0])  # survivors not scaled
    student = x * torch.tensor([0, 1, 1, 0, 1, 1, 0, 1.0])  # the same mistake, another mask
    found = match_mistake("c", student, x / 0.6, [unscaled], {"unscaled": variant}.__getitem__,
                          MISSING, same_within(check))
    assert found is unscaled

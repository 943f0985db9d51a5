"""Lesson 2.6's dropout checks are statistical: how often they fail a correct dropout, and how
often they catch (and name) a wrong one, measured over many seeds on the trusted side.

(a) False failures. Each `proportion` check accepts the exact central binomial interval, so a
    correct mask (entries kept independently with probability 1 - p) fails it with probability
    at most its false_failure_rate; a grading has three of them, 3e-7 in all (union bound), and
    every other dropout check is deterministic for a correct dropout. Here: no dropout check
    fails the reference or either alternative solution (masks drawn by torch.rand < 1 - p,
    torch.bernoulli, torch.rand >= p) on any of many seeds, and with the rate loosened to 1e-2
    the proportion checks fail about as often as the exact interval promises, and no more.
(b) Power. Each statistical mistake loses exactly its listed dropout checks, and is named, on at
    least 99% of seeds, even when the student's mask is not the variant's (the student's code
    runs from a different generator seed than the variant it is matched against).
"""

from __future__ import annotations

import functools
import math
import types
from pathlib import Path
from typing import Any

import pytest
import torch

from grader.course.inputs import draw_inputs
from grader.course.lessons import _module_from_source, get_lesson
from grader.course.spec import MAX_FALSE_FAILURE_RATE, ProportionCheck
from grader.grading.checks import EVALUATORS, CheckContext
from grader.grading.checks.base import at_path
from grader.grading.checks.proportion import (
    binomial_acceptance,
    expected_probability,
    successes,
)
from grader.grading.mistakes import recognise
from grader.grading.oracle import Oracle
from grader.harness.runner import run_probe
from grader.harness.values import decode, encode
from grader.sandbox.run import probe_seed
from tests.conftest import ROOT

pytestmark = pytest.mark.slow

LESSON = get_lesson("2.6", ROOT)
SPEC = LESSON.spec
CHECKS = [c for c in SPEC.checks if c.name.startswith("dropout:")]
PROPORTIONS = [c for c in CHECKS if isinstance(c, ProportionCheck)]
STATISTICAL_MISTAKES = ["no_scaling", "active_in_eval", "keeps_with_p"]
SEEDS = range(20_000, 20_500)
MISTAKE_SEEDS = range(30_000, 30_200)


def _module(path: Path) -> types.ModuleType:
    return _module_from_source(path.read_text(encoding="utf-8"), f"alt_{path.stem}", str(path))


def _outputs(module: Any, probe_id: str, inputs: dict[str, Any], seed: int) -> dict[str, Any]:
    """A probe's outputs from ``module`` as the grader sees them (encoded, then decoded)."""
    probe = SPEC.probe(probe_id)
    result = run_probe(module, probe.model_dump(mode="json"), inputs, probe_seed(seed, probe_id))
    assert result["status"] == "ok", result["error"]
    return {k: decode(*encode(v, f"{probe_id}/{k}")) for k, v in result["outputs"].items()}


def grade_dropout(student: Any, seed: int, *, other_mask: bool = False,
                  counts: list[tuple[int, int, float]] | None = None,
                  ) -> tuple[set[str], set[str]]:
    """The dropout checks ``student`` fails on ``seed`` and the mistakes named, as the engine
    decides them. With ``other_mask`` the student's generators are seeded differently from the
    reference's and the variants' (same x and p): a mask that is not theirs. ``counts``
    collects (kept, entries, probability) of the proportion checks whose p is drawn."""
    inputs, dims = draw_inputs(SPEC, seed)
    namespace = {**inputs, **dims}
    oracle = Oracle(LESSON, namespace, seed)
    mine = dict(namespace)
    if other_mask:
        mine["seed"] = (inputs["seed"] + 1) % (2**31)
    cache: dict[str, dict[str, Any]] = {}

    def student_output(probe_id: str, path: str) -> Any:
        if probe_id not in cache:
            cache[probe_id] = _outputs(student, probe_id, mine, seed + other_mask)
        return at_path(cache[probe_id], path.split("."))

    def expected(ref: str) -> Any:
        probe_id, *path = ref.split(".")
        outs = oracle.outputs(SPEC.probe(probe_id))
        assert outs is not None
        return at_path(outs, path)

    lost: set[str] = set()
    named: set[str] = set()
    for check in CHECKS:
        ctx = CheckContext(LESSON, lambda path, c=check: student_output(c.probe, path), expected,
                           lambda: oracle.module("reference"))
        verdict = EVALUATORS[check.kind](check, ctx)
        if counts is not None and isinstance(check, ProportionCheck) and check.expected:
            kept, entries = successes(ctx.student(check.output), check.count)
            counts.append((kept, entries, expected_probability(check, ctx)))
        if verdict.passed:
            continue
        lost.add(check.name)
        if verdict.comparable:
            exp = expected_probability(check, ctx) if isinstance(check, ProportionCheck) \
                else expected(check.expected or f"{check.probe}.{check.output}")
            found = recognise(check, oracle, LESSON, ctx.student(check.output), exp)
            if found:
                named.add(found.id)
    return lost, named


def test_the_stated_rates_add_up_to_at_most_one_in_a_million_per_grading():
    assert len(PROPORTIONS) == 3
    total = sum(c.false_failure_rate for c in PROPORTIONS)
    assert total <= MAX_FALSE_FAILURE_RATE and total == pytest.approx(3e-7)


CORRECT = [("reference", None)] + [(p.stem, p) for p in
                                   sorted((ROOT / "tests" / "solutions" / "2.6").glob("*.py"))]


@functools.cache
def reference_runs() -> list[tuple[int, set[str], list[tuple[int, int, float]]]]:
    """The reference graded on every seed of SEEDS: (seed, checks lost, proportion counts)."""
    reference = LESSON.reference_module()
    runs = []
    for seed in SEEDS:
        counts: list[tuple[int, int, float]] = []
        lost, _ = grade_dropout(reference, seed, counts=counts)
        runs.append((seed, lost, counts))
    return runs


@pytest.mark.parametrize("name,path", CORRECT, ids=[n for n, _ in CORRECT])
def test_correct_dropouts_never_fail_a_dropout_check(name, path):
    if path is None:
        failures = {seed: lost for seed, lost, _ in reference_runs() if lost}
        tried = len(SEEDS)
    else:
        module, tried = _module(path), 150
        failures = {seed: lost for seed in SEEDS[:tried]
                    if (lost := grade_dropout(module, seed)[0])}
    assert not failures, f"{name}: {len(failures)}/{tried} seeds failed: " \
                         f"{list(failures.items())[:3]}"


def test_with_a_loose_rate_the_proportion_checks_fail_as_often_as_the_interval_says():
    # The same correct masks, judged at a false-failure rate of 1e-2 instead of 1e-7: the
    # failure frequency must stay within what 1e-2 allows (the exact interval is honest) and
    # not be far below it either (the masks really are Bernoulli(1 - p), the interval is not
    # loose).
    alpha = 1e-2
    counts = [c for _, _, cs in reference_runs() for c in cs]
    assert len(counts) == 2 * len(SEEDS)
    failures = 0
    for kept, entries, p in counts:
        lo, hi = binomial_acceptance(entries, p, alpha)
        failures += not lo <= kept <= hi
    sd = math.sqrt(len(counts) * alpha * (1 - alpha))
    assert failures <= len(counts) * alpha + 4 * sd, failures
    assert failures >= len(counts) * alpha / 4, failures


@pytest.mark.parametrize("mistake_id", STATISTICAL_MISTAKES)
def test_each_statistical_mistake_is_caught_and_named_on_99_percent_of_seeds(mistake_id):
    mistake = next(m for m in SPEC.mistakes if m.id == mistake_id)
    listed = set(mistake.loses) & {c.name for c in CHECKS}
    assert listed, mistake_id
    variant = LESSON.mistake_module(mistake_id)
    caught = 0
    for seed in MISTAKE_SEEDS:
        lost, named = grade_dropout(variant, seed, other_mask=True)
        caught += lost == listed and mistake_id in named
    assert caught >= 0.99 * len(MISTAKE_SEEDS), f"{mistake_id}: {caught}/{len(MISTAKE_SEEDS)}"


def test_keeping_with_p_is_far_outside_the_interval():
    # the power in numbers: with p at least 0.1 away from 1/2 and 10,000+ entries, a mask kept
    # with probability p sits at least 0.2 from 1 - p, while the interval's half-width is
    # below 0.03: the chance of a miss is astronomically small, not merely under 1%
    n, worst_p = 100 * 100, 0.4
    lo, hi = binomial_acceptance(n, 1 - worst_p, 1e-7)
    assert hi / n - (1 - worst_p) < 0.03 and (1 - worst_p) - lo / n < 0.03
    assert (1 - worst_p) - worst_p >= 0.2 - 1e-12


def test_masks_drawn_differently_really_differ():
    # the premise of (b) and of the alternatives: these are other masks, not copies
    inputs, dims = draw_inputs(SPEC, 5)
    ns = {**inputs, **dims}
    ref = _outputs(LESSON.reference_module(), "drop_low", ns, 5)["y"]
    other = _outputs(LESSON.reference_module(), "drop_low",
                     {**ns, "seed": (inputs["seed"] + 1) % (2**31)}, 6)["y"]
    alternatives = [_outputs(_module(path), "drop_low", ns, 5)["y"] for _, path in CORRECT[1:]]
    assert len(alternatives) >= 2
    for y in (other, *alternatives):
        assert y.shape == ref.shape and not torch.equal((y != 0), (ref != 0))

"""Input drawing (``grader/course/inputs.py``): fresh per seed, replayable, within the spec."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from grader.course.inputs import DTYPES, derive_seed, draw_inputs
from grader.course.lessons import all_lessons
from grader.course.spec import LessonSpec
from tests.conftest import ROOT

LESSONS = all_lessons(ROOT)


def _spec(**extra: Any) -> LessonSpec:
    return LessonSpec.model_validate({
        "lesson": {"id": "9.1", "title": "t", "stem": "t", "module": 9},
        "probes": [{"id": "p", "steps": [{"call": "f"}], "outputs": []}],
        "checks": [], **extra})


@pytest.mark.parametrize("lesson", LESSONS, ids=[f"lesson {les.id}" for les in LESSONS])
def test_every_lesson_draws_the_same_inputs_for_a_seed_and_others_for_another(lesson):
    a, dims_a = draw_inputs(lesson.spec, 11)
    b, dims_b = draw_inputs(lesson.spec, 11)
    # the random draw's inputs, and those drawn again for boundary cases ("<scope>/<name>")
    assert dims_a == dims_b and a.keys() == b.keys()
    assert {k for k in a if "/" not in k} == lesson.spec.inputs.keys()
    scopes = {scope for p in lesson.spec.probes for scope, _ in lesson.spec.case_scopes(p.id)}
    assert {k.split("/")[0] for k in a if "/" in k} <= scopes
    for name in a:
        assert torch.equal(a[name], b[name]), name
    for name, (lo, hi) in lesson.spec.dims.items():
        assert lo <= dims_a[name] <= hi
    for name, s in lesson.spec.inputs.items():
        if s.dist not in ("seed", "dataset"):
            assert a[name].dtype == DTYPES[s.dtype], name
    for lo_hi_name, (lo, hi) in lesson.spec.dims.items():
        assert lo <= dims_a[lo_hi_name] <= hi
    drawn = [n for n, s in lesson.spec.inputs.items()
             if s.dist in ("randn", "normal", "rand", "uniform", "linear_targets")]
    if drawn:
        c, _ = draw_inputs(lesson.spec, 12)
        assert any(c[n].shape != a[n].shape or not torch.equal(c[n], a[n]) for n in drawn)


def test_shapes_follow_the_dims_and_distributions_their_parameters():
    spec = _spec(dims={"n": [3, 9]}, inputs={
        "x": {"dist": "randn", "shape": ["n", 2], "mean": 5.0, "std": 0.001,
              "dtype": "float64"},
        "u": {"dist": "uniform", "shape": [1000], "low": 2.0, "high": 3.0},
        "k": {"dist": "randint", "shape": [50], "low": 1, "high": 4, "dtype": "int64"},
        "c": {"dist": "const", "values": [1.5, 2.5], "shape": [2]},
        "s": {"dist": "seed"}})
    inputs, dims = draw_inputs(spec, 3)
    assert inputs["x"].shape == (dims["n"], 2) and inputs["x"].dtype == torch.float64
    assert (inputs["x"] - 5.0).abs().max() < 0.01
    assert 2.0 <= inputs["u"].min() and inputs["u"].max() <= 3.0
    assert set(inputs["k"].tolist()) <= {1, 2, 3, 4}
    assert inputs["c"].tolist() == [1.5, 2.5]
    assert inputs["s"].dtype == torch.int64 and inputs["s"].shape == ()


def test_linear_targets_follow_the_model_they_name():
    spec = _spec(inputs={
        "X": {"dist": "randn", "shape": [200, 3]},
        "w": {"dist": "randn", "shape": [3]},
        "b": {"dist": "const", "values": [0.5]},
        "y": {"dist": "linear_targets", "X": "X", "w": "w", "b": "b", "noise": 0.0}})
    inputs, _ = draw_inputs(spec, 4)
    torch.testing.assert_close(inputs["y"], inputs["X"] @ inputs["w"] + 0.5)


def test_adding_an_input_does_not_shift_the_others():
    one = _spec(inputs={"a": {"dist": "randn", "shape": [4]}})
    two = _spec(inputs={"z": {"dist": "randn", "shape": [4]}, "a": {"dist": "randn",
                                                                   "shape": [4]}})
    assert torch.equal(draw_inputs(one, 5)[0]["a"], draw_inputs(two, 5)[0]["a"])


def test_derived_seeds_differ_by_name_and_seed_and_fit_62_bits():
    seeds = {derive_seed(s, kind, name) for s in (0, 1) for kind in ("input", "dim")
             for name in ("a", "b")}
    assert len(seeds) == 8 and all(0 <= s < 2**62 for s in seeds)

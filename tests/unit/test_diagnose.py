"""Each generic diagnoser both ways: it names its own mistake, and it stays silent on a
correct output (within tolerance) and on the outputs of every other mistake."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from grader.course import expr
from grader.course.lessons import get_lesson
from grader.course.spec import (
    AliasedDiagnoser,
    CloseCheck,
    EqualCheck,
    FirstDivergenceDiagnoser,
    FrozenDiagnoser,
    LessonSpec,
    NondeterministicDiagnoser,
    NonfiniteDiagnoser,
    OtherAnswerDiagnoser,
    PermutationDiagnoser,
    QuizCheck,
    RepresentationDiagnoser,
    RerunDiagnoser,
    SameCheck,
    ScaledDiagnoser,
    ShiftedDiagnoser,
    TransposedDiagnoser,
)
from grader.grading.checks.base import MISSING
from grader.grading.diagnose import DIAGNOSERS, Finding, diagnose, to_match
from grader.grading.diagnose.base import DiagnoseContext
from grader.grading.diagnose.trajectory import first_divergence

QUIZ = get_lesson("1.6")
CHECK = CloseCheck(name="c", points=1, probe="p", output="x", rtol=1e-5, atol=1e-6)
EXACT = CloseCheck(name="c", points=1, probe="p", output="x", rtol=1e-5, atol=1e-6,
                   exact_dtype=True)
N = 7


def _expected() -> torch.Tensor:
    """A trajectory (steps, 3): every step and every entry different."""
    g = torch.Generator().manual_seed(3)
    return torch.cumsum(torch.rand(8, 3, generator=g) + 0.5, dim=0) * torch.tensor([1., -2., 3.])


E = _expected()
EXTRA = torch.tensor([[9.5, -9.5, 9.5]])
LR = 0.05


def _rerun(replace: dict[str, str]) -> Any:
    """A stand-in for the reference re-run: the 'trajectory' of a learning rate."""
    lr = expr.evaluate(replace["lr"], {"lr": LR})
    return E * lr / LR


# the diagnosers under test, each with the name it gives
ENTRIES: dict[str, Any] = {
    "scaled_by_2": ScaledDiagnoser(kind="scaled", by="2"),
    "halved": ScaledDiagnoser(kind="scaled", by="0.5"),
    "sign_flipped": ScaledDiagnoser(kind="scaled", by="-1"),
    "scaled_by_n": ScaledDiagnoser(kind="scaled", by="n"),
    "transposed": TransposedDiagnoser(kind="transposed"),
    "representation": RepresentationDiagnoser(kind="representation"),
    "shifted": ShiftedDiagnoser(kind="shifted"),
    "rows_aliased": AliasedDiagnoser(kind="aliased"),
    "never_updated": FrozenDiagnoser(kind="frozen"),
    "not_finite": NonfiniteDiagnoser(kind="nonfinite"),
    "lr_tripled": RerunDiagnoser(kind="rerun", replace={"lr": "3 * lr"}, id="lr_tripled",
                                 title="t", message="m"),
}

# mistake -> (its output, the check, the id it must be named by)
MISTAKES: dict[str, tuple[Any, CloseCheck, str]] = {
    "twice": (2 * E, CHECK, "scaled_by_2"),
    "half": (E / 2, CHECK, "halved"),
    "negated": (-E, CHECK, "sign_flipped"),
    "times_n": (N * E, CHECK, "scaled_by_n"),
    "transposed": (E.T.contiguous(), CHECK, "transposed"),
    "float64": (E.double(), EXACT, "wrong_dtype"),
    "flattened": (E.flatten(), CHECK, "wrong_shape"),
    "missing_last": (E[:-1], CHECK, "one_step_short"),
    "missing_first": (E[1:], CHECK, "missing_first_step"),
    "extra_last": (torch.cat([E, EXTRA]), CHECK, "one_step_too_many"),
    "extra_first": (torch.cat([EXTRA, E]), CHECK, "extra_first_step"),
    "ahead": (torch.cat([E[1:], EXTRA]), CHECK, "shifted_one_step_ahead"),
    "behind": (torch.cat([EXTRA, E[:-1]]), CHECK, "shifted_one_step_behind"),
    "aliased": (E[-1:].expand_as(E).clone(), CHECK, "rows_aliased"),
    "frozen": ((E[0] - 1).expand_as(E).clone(), CHECK, "never_updated"),
    "lr_tripled": (3 * E, CHECK, "lr_tripled"),
    "overflowed": (torch.where(E.abs() > 5, torch.nan, E), CHECK, "not_finite"),
    "unrelated": (E + torch.linspace(0, 1, 24).reshape(8, 3), CHECK, ""),
}


def _ctx(actual: Any, check: Any = CHECK, expected: Any = E, **kw: Any) -> DiagnoseContext:
    return DiagnoseContext(check, actual, expected, {"n": N, "lr": torch.tensor(LR)}, QUIZ,
                           rerun=kw.pop("rerun", _rerun), **kw)


def _names(actual: Any, check: Any = CHECK, expected: Any = E) -> set[str]:
    found = set()
    for key, d in ENTRIES.items():
        hits = DIAGNOSERS[d.kind](d, _ctx(actual, check, expected))
        for hit in hits if isinstance(hits, list) else [hits] if hits else []:
            found.add(key if d.kind in ("rerun",) else hit.id)
    return found


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_each_mistake_is_named_by_its_diagnoser_alone(mistake: str) -> None:
    actual, check, name = MISTAKES[mistake]
    assert _names(actual, check) == ({name} if name else set())


def test_correct_outputs_within_tolerance_name_nothing() -> None:
    noise = torch.randn(E.shape, generator=torch.Generator().manual_seed(0)) * 1e-7
    assert _names(E + noise * E.abs()) == set()
    assert _names(E.clone()) == set()
    assert _names(E.double(), CHECK) == set()  # float64 where dtype kind is all that counts


def test_nonfinite_needs_the_finite_entries_right_and_an_overflow_where_finite() -> None:
    d = ENTRIES["not_finite"]
    inf_at_ends = torch.where(E.abs() > 5, torch.inf, E)
    hit = DIAGNOSERS["nonfinite"](d, _ctx(inf_at_ends))
    assert hit is not None and "entries are NaN or inf" in hit.detail
    wrong_elsewhere = torch.where(E.abs() > 5, torch.nan, 2 * E)
    everything_inf = torch.full_like(E, torch.inf)
    expected_nan = torch.where(E.abs() > 5, torch.nan, E)  # the answer itself is NaN there
    for actual, expected in ((wrong_elsewhere, E), (everything_inf, E), (E.clone(), E),
                             (expected_nan, expected_nan)):
        assert DIAGNOSERS["nonfinite"](d, _ctx(actual, expected=expected)) is None
    # numbers and structures, like tensors
    assert DIAGNOSERS["nonfinite"](d, _ctx([float("nan"), 2.0], expected=[1.0, 2.0]))
    assert DIAGNOSERS["nonfinite"](d, _ctx({"a": E.T.contiguous()}, expected={"a": E})) is None


def test_a_narrower_dtype_is_named_when_right_at_its_own_precision() -> None:
    e64 = torch.exp(-E.double() ** 2 / 4)  # values down to ~1e-30: float32 keeps ~7 digits
    tight = CloseCheck(name="c", points=1, probe="p", output="x", rtol=1e-12, atol=1e-300,
                       exact_dtype=True)
    loose = CloseCheck(name="c", points=1, probe="p", output="x", rtol=1e-12, atol=1e-300)
    for check in (tight, loose):  # float32 fails either way (it keeps less precision)
        hit = DIAGNOSERS["representation"](ENTRIES["representation"],
                                           _ctx(e64.float(), check, expected=e64))
        assert hit is not None and hit.id == "wrong_dtype"
    # wrong values in float32, or right ones in the right dtype: not a dtype problem
    for actual in (1.01 * e64.float(), e64.clone()):
        assert DIAGNOSERS["representation"](ENTRIES["representation"],
                                            _ctx(actual, tight, expected=e64)) is None


def test_a_configured_factor_takes_the_place_of_a_default_of_the_same_value() -> None:
    by_k = ScaledDiagnoser(kind="scaled", by="k", id="per_k", title="t", message="m")

    class _Spec:
        mistakes: list[Any] = []

        def diagnosers(self, _name: str) -> list[Any]:
            return [by_k]

    class _Lesson:
        spec = _Spec()

    def ids(actual: Any, k: int) -> list[str]:
        return [f.id for f in diagnose(DiagnoseContext(CHECK, actual, E, {"k": k}, _Lesson()))]

    assert ids(2 * E, 2) == ["per_k"]  # k = 2: the spec's reading, not "twice"
    assert ids(2 * E, 3) == ["scaled_by_2"]  # k = 3: the default still speaks
    assert ids(3 * E, 3) == ["per_k"]
    assert ids(E / 2, 2) == ["halved"]


def test_a_factor_equal_to_one_or_zero_expected_names_nothing() -> None:
    d = ScaledDiagnoser(kind="scaled", by="n / 7")
    assert DIAGNOSERS["scaled"](d, _ctx(E)) is None
    zero = torch.zeros(4)
    assert DIAGNOSERS["scaled"](ENTRIES["scaled_by_2"], _ctx(zero, expected=zero)) is None


def test_a_sequence_at_a_standstill_does_not_tell_its_shift() -> None:
    flat = torch.ones(6, 2)
    assert _names(flat.clone(), CHECK, flat) == set()
    # one entry missing from a constant sequence: either end fits, so both are reported
    hits = DIAGNOSERS["shifted"](ENTRIES["shifted"], _ctx(flat[:-1], expected=flat))
    assert {h.id for h in hits} == {"one_step_short", "missing_first_step"}


def test_lists_of_numbers_shift_and_scale_like_tensors() -> None:
    e = [4.0, 3.0, 2.5, 2.0, 1.9]
    hits = DIAGNOSERS["shifted"](ENTRIES["shifted"], _ctx(e[1:] + [1.7], expected=e))
    assert [h.id for h in hits] == ["shifted_one_step_ahead"]
    assert DIAGNOSERS["scaled"](ENTRIES["scaled_by_n"], _ctx([N * x for x in e], expected=e))
    tensors = [torch.tensor(x) for x in e]
    hit = DIAGNOSERS["representation"](ENTRIES["representation"], _ctx(tensors, expected=e))
    assert hit is not None and hit.id == "tensor_instead_of_number"


def test_shifted_along_a_list_of_batches() -> None:
    batches = [torch.tensor([3, 0]), torch.tensor([4, 1]), torch.tensor([5, 7]),
               torch.tensor([6, 8]), torch.tensor([2])]
    d = ShiftedDiagnoser(kind="shifted", along="list", directions=["extra_last"])
    check = EqualCheck(name="c", points=1, probe="p", output="x")
    full = batches[:-1]
    hits = DIAGNOSERS["shifted"](d, _ctx(batches, check, expected=full))
    assert [h.id for h in hits] == ["one_step_too_many"]
    assert DIAGNOSERS["shifted"](d, _ctx(full, check, expected=full)) == []
    other = [*full[:-1], torch.tensor([8, 6]), torch.tensor([2])]
    assert DIAGNOSERS["shifted"](d, _ctx(other, check, expected=full)) == []


def test_permutation_names_a_valid_other_shuffle_only() -> None:
    check = EqualCheck(name="c", points=1, probe="p", output="x")
    d = PermutationDiagnoser(kind="permutation")
    expected = [torch.tensor([4, 0, 6]), torch.tensor([2, 5, 1]), torch.tensor([3])]
    other = [torch.tensor([1, 3, 5]), torch.tensor([0, 6, 2]), torch.tensor([4])]
    hit = DIAGNOSERS["permutation"](d, _ctx(other, check, expected=expected))
    assert hit is not None and hit.id == "wrong_random_source"
    silent = [
        expected,  # the right order
        [torch.tensor([0, 1, 2]), torch.tensor([3, 4, 5]), torch.tensor([6])],  # no shuffle
        [torch.tensor([1, 3, 5]), torch.tensor([0, 6, 2])],  # a batch dropped
        [torch.tensor([1, 3]), torch.tensor([5, 0, 6]), torch.tensor([2, 4])],  # other sizes
        [torch.tensor([1, 1, 5]), torch.tensor([0, 6, 2]), torch.tensor([4])],  # a repeat
    ]
    for actual in silent:
        assert DIAGNOSERS["permutation"](d, _ctx(actual, check, expected=expected)) is None


def test_nondeterministic_names_only_differing_runs() -> None:
    check = SameCheck(name="c", points=1, probe="p", output="a", other="b")
    d = NondeterministicDiagnoser(kind="nondeterministic")
    outputs = {"a": [1.0, 2.0], "b": [1.0, 2.5], "c": [1.0, 2.0]}
    differ = _ctx(outputs["a"], check, expected=None, student=outputs.__getitem__)
    assert DIAGNOSERS["nondeterministic"](d, differ) is not None
    check_same = SameCheck(name="c", points=1, probe="p", output="a", other="c")
    same = _ctx(outputs["a"], check_same, expected=None, student=outputs.__getitem__)
    assert DIAGNOSERS["nondeterministic"](d, same) is None


def _quiz(question: str) -> QuizCheck:
    return QuizCheck(name=question, points=1, probe="quiz", output="answers", question=question)


def test_quiz_answers_another_questions_value_and_scaled_answers() -> None:
    d = OtherAnswerDiagnoser(kind="other_answer")
    key = QUIZ.quiz_key()
    q4, q5 = key["q4"]["answer"], key["q5"]["answer"]
    hit = DIAGNOSERS["other_answer"](d, _ctx({"q5": q4}, _quiz("q5"), expected=None))
    assert hit is not None and "q4" in hit.message
    for answer in (q5, q5 + 3, "b"):  # right, unrelated, not a number
        assert DIAGNOSERS["other_answer"](d, _ctx({"q5": answer}, _quiz("q5"),
                                                  expected=None)) is None
    flip = ScaledDiagnoser(kind="scaled", by="-1")
    q7 = key["q7"]["answer"]
    assert DIAGNOSERS["scaled"](flip, _ctx({"q7": -q7}, _quiz("q7"), expected=None))
    assert DIAGNOSERS["scaled"](flip, _ctx({"q7": q7 / 2}, _quiz("q7"), expected=None)) is None


def test_rerun_needs_the_reference_and_a_different_candidate() -> None:
    d = ENTRIES["lr_tripled"]
    assert DIAGNOSERS["rerun"](d, _ctx(3 * E, rerun=None)) is None  # a student release
    assert DIAGNOSERS["rerun"](d, _ctx(3 * E, rerun=lambda _r: E.clone())) is None
    assert DIAGNOSERS["rerun"](d, _ctx(3 * E, rerun=lambda _r: MISSING)) is None


def test_first_divergence_says_step_parameter_element_and_what_went_first() -> None:
    d = FirstDivergenceDiagnoser(kind="first_divergence", state="run.state_steps",
                                 groups=[[0], [1, 2]])
    params = [E.clone(), E[:, :2].clone(), E[:, 0].clone()]
    mine = [p.clone() for p in params]
    mine[1][5:, 1] += 1.0  # parameter 1, from step 6 on
    mine[2][7] += 1.0  # parameter 2, later
    state = {"p1.exp_avg": E[:, :2].clone()}
    state_late = {"p1.exp_avg": E[:, :2].clone()}
    state_late["p1.exp_avg"][2:, 0] += 1.0  # the state went wrong at step 3

    def ctx(student_state: dict[str, Any]) -> DiagnoseContext:
        return _ctx(mine, expected=params, student=lambda _p: student_state,
                    expected_at=lambda _p: state)

    text = first_divergence(d, ctx(state))
    assert text is not None and "after step 6" in text and "parameter 1 (group 2)" in text
    assert "element (1,)" in text and "update rule went wrong first" in text
    assert "'p1.exp_avg' already differed after step 3" in first_divergence(d, ctx(state_late))
    assert first_divergence(d, _ctx(params, expected=params)) is None


def test_several_findings_are_reported_together() -> None:
    a = Finding("a", "A", "about a")
    b = Finding("b", "B", "about b", detail="measured b")
    match = to_match([a, b])
    assert match is not None and match.id == "a" and match.alternatives == ["b"]
    assert "A" in match.title and "B" in match.title and "measured b" in match.message
    assert to_match([]) is None


def _spec(**diagnose: Any) -> dict[str, Any]:
    return {
        "lesson": {"id": "9.9", "title": "t", "stem": "s", "module": 1},
        "inputs": {"x": {"dist": "randn"}, "lr": {"dist": "randn"}},
        "probes": [{"id": "p", "steps": [{"call": "f", "args": ["$x"], "out": "y"}],
                    "outputs": ["y"]}],
        "checks": [{"name": "c", "points": 1, "probe": "p", "output": "y",
                    "diagnose": [diagnose]}],
        "mistakes": [{"id": "m", "title": "t", "message": "m", "loses": []}],
    }


@pytest.mark.parametrize("diagnose,error", [
    ({"kind": "scaled", "by": "import os"}, "not an expression"),
    ({"kind": "scaled", "by": "nope * 2"}, "unknown inputs"),
    ({"kind": "scaled", "by": "__import__('os')"}, "not allowed"),
    ({"kind": "rerun", "replace": {"zz": "1"}, "id": "a", "title": "t", "message": "m"},
     "unknown inputs"),
    ({"kind": "rerun", "replace": {"lr": "-lr"}}, "needs a name"),
    ({"kind": "scaled", "by": "2", "mistake": "m"}, "does not lose"),
    ({"kind": "scaled", "by": "2", "mistake": "zz"}, "unknown mistake"),
    ({"kind": "scaled", "by": "2", "id": "a"}, "needs a `title`"),
    ({"kind": "nondeterministic"}, "cannot read"),
])
def test_spec_validation_of_diagnosers(diagnose: dict[str, Any], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        LessonSpec.model_validate(_spec(**diagnose))


def test_expressions_are_data_not_code() -> None:
    assert expr.evaluate("ceil(n / b) * 2", {"n": 7, "b": 2}) == 8
    assert expr.evaluate("x[:(n - 1) // 2 * 2]", {"x": torch.arange(7), "n": 7}).tolist() == \
        [0, 1, 2, 3, 4, 5]
    assert expr.names("1 - alpha + sqrt(beta)") == {"alpha", "beta"}
    for bad in ("x.__class__", "(lambda: 1)()", "'a'", "[1, 2]", "open('f')", "x if y else z"):
        with pytest.raises(expr.ExpressionError):
            expr.parse(bad)


def test_a_finding_must_hold_on_every_instance_of_the_check() -> None:
    from grader.grading.evaluate import _Evaluated, _holds_everywhere
    from grader.results import CheckResult

    twice = ScaledDiagnoser(kind="scaled", by="2")
    finding = Finding("scaled_by_2", "t", "m", entry=twice)

    def instance(actual: Any, expected: Any, status: str) -> _Evaluated:
        result = CheckResult(name="c", points=0, max_points=1, status=status)
        return _Evaluated(result, ctx=_ctx(actual, expected=expected),
                          failed_value=status == "failed", judged=True)

    other = torch.tensor([3.0, -1.0])
    assert _holds_everywhere(finding, {"case": instance(2 * other, other, "failed")})
    # passing where the explanation predicts a failure, or failing another way: no name
    assert not _holds_everywhere(finding, {"case": instance(other, other, "passed")})
    assert not _holds_everywhere(finding, {"case": instance(3 * other, other, "failed")})
    # a case where twice the expected output is the expected output (zeros) says nothing
    zero = torch.zeros(2)
    assert _holds_everywhere(finding, {"case": instance(zero, zero, "passed")})
    errored = _Evaluated(CheckResult(name="c", points=0, max_points=1, status="error"))
    assert not _holds_everywhere(finding, {"case": errored})

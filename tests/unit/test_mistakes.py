"""Recognising a known mistake: the student's wrong output equals the variant's, where the
variant differs from the reference."""

from __future__ import annotations

import torch

from grader.course.spec import CloseCheck, Mistake
from grader.grading.checks.quiz import same_answer
from grader.grading.mistakes import match_mistake, same_within

MISSING = object()
M1 = Mistake(id="halved", title="Halved", message="m", loses=["c"])
M2 = Mistake(id="doubled", title="Doubled", message="m", loses=["c"])
CHECK = CloseCheck(name="c", points=1, probe="p", output="x", rtol=1e-5, atol=1e-6)


def _match(actual, variants):
    expected = torch.ones(3)
    return match_mistake("c", actual, expected, [M1, M2], variants.__getitem__, MISSING,
                         same_within(CHECK))


def test_names_the_variant_that_reproduces_the_output():
    variants = {"halved": torch.full((3,), 0.5), "doubled": torch.full((3,), 2.0)}
    assert _match(torch.full((3,), 2.0), variants) is M2
    assert _match(torch.full((3,), 3.0), variants) is None


def test_a_variant_equal_to_the_reference_here_is_never_named():
    variants = {"halved": torch.ones(3), "doubled": MISSING}
    assert _match(torch.ones(3), variants) is None


def test_quiz_answers_compare_by_letter_and_within_tolerance():
    choice = {"kind": "choice", "answer": "b"}
    numeric = {"kind": "numeric", "answer": 4, "tolerance": 0.01}
    assert same_answer(choice, " B", "b") and not same_answer(choice, "a", "b")
    assert same_answer(numeric, 4, 4.005) and not same_answer(numeric, 4, 4.5)
    assert not same_answer(numeric, True, 1) and not same_answer(choice, None, "b")


def test_coinciding_variants_are_all_named_and_a_nan_blow_up_is_weak():
    from grader.grading.mistakes import match_mistakes

    expected = torch.ones(3)
    same = same_within(CHECK)
    both = {"halved": torch.full((3,), 0.5), "doubled": torch.full((3,), 0.5)}
    found = match_mistakes("c", torch.full((3,), 0.5), expected, [M1, M2], both.__getitem__,
                           MISSING, same)
    assert [(m.id, weak) for m, weak in found] == [("halved", False), ("doubled", False)]
    nan = {"halved": torch.full((3,), float("nan")), "doubled": torch.full((3,), 2.0)}
    found = match_mistakes("c", torch.full((3,), float("nan")), expected, [M1, M2],
                           nan.__getitem__, MISSING, same)
    assert [(m.id, weak) for m, weak in found] == [("halved", True)]


def test_a_mistake_with_several_variant_files_matches_any_of_them():
    from grader.grading.mistakes import match_mistakes

    m = Mistake(id="halved", title="t", message="m", loses=["c"],
                variants=[{"file": "halved_other", "loses": ["c"]}])
    outputs = {"halved": torch.full((3,), 0.5), "halved_other": torch.full((3,), 0.25)}
    found = match_mistakes("c", torch.full((3,), 0.25), torch.ones(3), [m], outputs.__getitem__,
                           MISSING, same_within(CHECK))
    assert [x.id for x, _ in found] == ["halved"] and m.files == ["halved", "halved_other"]

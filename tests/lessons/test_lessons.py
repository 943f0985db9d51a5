"""The proofs every lesson owes, run over every lesson that has a spec.

- the reference scores full marks on many fresh seeds (the false-failure rate);
- the stub scores zero;
- each known-mistake variant loses exactly the points its spec lists, and is named;
- correct solutions written differently (tests/solutions/<id>/, examples/<id>/) get full marks.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from grader.course.lessons import all_lessons
from tests.conftest import ROOT, grade_many, grade_source

LESSONS = all_lessons(ROOT)
MANY_SEEDS = int(os.environ.get("GRADER_TEST_SEEDS", "50"))
MISTAKE_SEEDS = [11, 3333]  # fresh inputs twice; the margin tests try more seeds


def _ids(lesson_ids: list[str]) -> list[str]:
    return [f"lesson {i}" for i in lesson_ids]


@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS, ids=_ids([x.id for x in LESSONS]))
def test_reference_full_marks_on_many_seeds(lesson):
    source = lesson.reference_source()
    seeds = list(range(1000, 1000 + MANY_SEEDS))
    results = grade_many(lambda s: grade_source(lesson.id, source, s), seeds)
    failures = [(r.seed, [(c.name, c.message) for c in r.checks if c.status != "passed"])
                for r in results if r.score != r.max_score]
    assert not failures, \
        f"reference lost points on {len(failures)}/{len(seeds)} seeds: {failures[:3]}"


@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS, ids=_ids([x.id for x in LESSONS]))
def test_stub_scores_zero(lesson):
    result = grade_source(lesson.id, lesson.stub_path.read_text(), seed=7)
    assert result.max_score > 0
    assert result.score == 0, [c.name for c in result.checks if c.points]


MISTAKES = [(les, m, stem) for les in LESSONS for m in les.spec.mistakes for stem in m.files]


def _named(result) -> dict[str, set[str]]:
    """Check name -> the mistake ids it names (the candidates reported beside one included)."""
    return {c.name: {c.mistake.id, *c.mistake.alternatives} for c in result.checks
            if c.mistake is not None}


@pytest.mark.slow
@pytest.mark.parametrize("lesson,mistake,stem", MISTAKES,
                         ids=[f"{les.id}:{stem}" for les, m, stem in MISTAKES])
def test_mistake_loses_exactly_its_points_and_is_named(lesson, mistake, stem):
    source = lesson.mistake_source(stem)
    loses = set(mistake.loses_of(stem))
    results = grade_many(lambda s: grade_source(lesson.id, source, s), MISTAKE_SEEDS)
    for r in results:
        lost = {c.name for c in r.checks if c.status != "passed"}
        assert lost == loses, f"seed {r.seed}: lost {sorted(lost)}, spec says {sorted(loses)}"
        expected = r.max_score - sum(c.points for c in lesson.spec.checks if c.name in loses)
        assert r.score == expected
        named = _named(r)
        assert mistake.id in {i for ids in named.values() for i in ids}, \
            f"seed {r.seed}: mistake not named"
        # and never under another name alone: a check it loses names it (alone or with
        # equally fitting candidates) or nothing
        for name, ids in named.items():
            assert mistake.id in ids, f"seed {r.seed}: {name!r} names {sorted(ids)}"


def _alternatives() -> list[tuple[str, Path]]:
    out = []
    for les in LESSONS:
        for folder in (ROOT / "tests" / "solutions" / les.id, ROOT / "examples" / les.id):
            for p in sorted(folder.glob("*.py")) + sorted(folder.glob("*.ipynb")):
                out.append((les.id, p))
    return out


ALTERNATIVES = _alternatives()


@pytest.mark.slow
@pytest.mark.parametrize("lesson_id,path", ALTERNATIVES,
                         ids=[f"{i}:{p.parent.parent.name}/{p.name}" for i, p in ALTERNATIVES])
def test_differently_written_correct_solutions_get_full_marks(lesson_id, path):
    results = grade_many(lambda s: grade_source(lesson_id, path.read_text(), s, path.suffix),
                         [5, 55])
    for r in results:
        assert r.score == r.max_score, [(c.name, c.message) for c in r.checks
                                        if c.status != "passed"]


def test_every_lesson_has_alternatives_and_enough_mistakes():
    for les in LESSONS:
        assert any(i == les.id for i, _ in ALTERNATIVES), f"lesson {les.id}: no alternative"
        has_code = any(c.kind != "quiz" for c in les.spec.checks)
        assert len(les.spec.mistakes) >= (4 if has_code else 2), f"lesson {les.id}"

"""The pieces of ``grade release``, without a sandbox: lesson selection, public data tables,
fixed seeds, and one lesson's stored public checks graded against a fabricated run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from grader.course.datasets import TableInfo, dataset_info, dataset_names, public_files
from grader.course.inputs import draw_inputs
from grader.course.lessons import Lesson, all_lessons, get_lesson
from grader.course.public import load_public
from grader.delivery.release import release_seed, select_lessons, write_public
from grader.grading.evaluate import evaluate_checks, named_mistakes
from grader.grading.oracle import Oracle
from tests.conftest import ROOT, fabricated_run

LESSON = get_lesson("1.2", ROOT)


def test_lessons_are_chosen_by_id_or_module_and_unknown_ones_are_named():
    lessons = all_lessons(ROOT)
    assert select_lessons(lessons, ()) == lessons
    assert [les.id for les in select_lessons(lessons, ("1.2",))] == ["1.2"]
    assert {les.id for les in select_lessons(lessons, ("1",))} == \
        {les.id for les in lessons if les.id.startswith("1.")}
    with pytest.raises(ValueError, match="no lesson or module 7.7"):
        select_lessons(lessons, ("1.2", "7.7"))


TABLES = [n for n in dataset_names(ROOT) if isinstance(dataset_info(ROOT, n), TableInfo)]


@pytest.mark.parametrize("name", TABLES)
def test_held_out_rows_never_reach_a_released_dataset(name: str):
    info = dataset_info(ROOT, name)
    assert isinstance(info, TableInfo)
    released = public_files(ROOT, name)[info.file].decode().splitlines()
    original = (ROOT / "datasets" / name / info.file).read_text().splitlines()
    col = original[0].split(",").index(info.split)
    kept = [ln for ln in original[1:] if ln.split(",")[col] not in info.held_out]
    assert released == [original[0], *kept]
    assert len(kept) < len(original) - 1 or not info.held_out


@pytest.mark.parametrize("name", sorted(set(dataset_names(ROOT)) - set(TABLES)))
def test_a_dataset_of_named_tensors_is_released_as_it_is(name: str):
    folder = ROOT / "datasets" / name
    files = public_files(ROOT, name)
    assert files == {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def test_release_seeds_are_fixed_per_term_and_differ_per_lesson():
    assert release_seed("1.2") == release_seed("1.2")
    assert release_seed("1.2") != release_seed("1.3")
    assert release_seed("1.2", base=1) != release_seed("1.2")


@pytest.fixture(scope="module")
def public(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("release") / "public" / LESSON.id
    write_public(LESSON, out, release_seed(LESSON.id))
    return out


def test_stored_public_data_is_the_references_on_the_fixed_inputs(public: Path):
    stored = load_public(public)
    seed = release_seed(LESSON.id)
    inputs, dims = draw_inputs(LESSON.spec, seed)
    assert stored.seed == seed and stored.dims == dims
    for name, value in stored.inputs.items():
        assert torch.equal(value, inputs[name])
    oracle = Oracle(LESSON, {**inputs, **dims}, seed)
    index = json.loads((public / "index.json").read_text())
    for probe_id in index["expected"]:
        probe = LESSON.spec.probe(probe_id)
        fresh, kept = oracle.outputs(probe), stored.oracle.outputs(probe)
        assert fresh is not None and kept is not None and fresh.keys() == kept.keys()
        for name in fresh:
            torch.testing.assert_close(kept[name], fresh[name], rtol=0, atol=0)
    hidden = [c for c in LESSON.spec.checks if c.visibility != "visible"]
    assert stored.hidden_checks == len(hidden)
    text = "".join(p.read_text(errors="replace") for p in public.iterdir())
    body = [ln.strip() for ln in LESSON.reference_source().splitlines()
            if len(ln.strip()) > 25 and not ln.strip().startswith(("#", "def ", '"""'))]
    assert not [ln for ln in body if ln in text]  # no line of the reference's code


def test_the_release_grades_public_checks_from_stored_outputs(public: Path):
    release = Lesson(LESSON.id, public.parent.parent)  # a course folder with public/ only
    assert release.is_public
    stored = load_public(public)
    values = {**stored.inputs, **stored.dims}
    good = fabricated_run(release, LESSON.reference_module(), values, stored.seed)
    results = evaluate_checks(release, good, stored.oracle, {}, can_time=False)
    assert results and all(r.status == "passed" for r in results)
    mistake = release.spec.mistakes[0]
    bad = fabricated_run(release, LESSON.mistake_module(mistake.id), values, stored.seed)
    results = evaluate_checks(release, bad, stored.oracle, {}, can_time=False)
    assert {r.name for r in results if r.status != "passed"} == set(mistake.loses)
    assert mistake.id in {m.id for m in named_mistakes(results)}

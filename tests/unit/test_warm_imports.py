"""Each lesson's ``warm_imports`` covers what running its reference imports lazily: a warm
worker of a lane imports that list once; anything else the lesson's code imports the first
time it runs, every job would import again (torch._dynamo: ~1.5 s a job).

The lessons that declare the same list are checked in one fresh interpreter: it imports
the list, then runs each lesson's reference in turn and records what each one adds. (A
lesson that imports more than its list is caught there, whatever ran before it: what the
others imported was within the same list, or made them fail first.) The lessons that keep
the default, ``torch._dynamo``, are not run here: it pulls in most of what torch imports
lazily, and their references train models (about 45 s on two cores, for a list that can
only be too long)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from grader.course.lessons import all_lessons
from grader.course.spec import WARM_IMPORTS_DEFAULT

ROOT = Path(__file__).resolve().parents[2]
# what a fresh job has imported before the student's code runs: the worker's own imports
SCRIPT = """
import json, sys, importlib
sys.path.insert(0, {root!r})
import grader.harness.entry, grader.harness.runner, grader.harness.library
from grader.course.lessons import get_lesson
from grader.course.inputs import draw_inputs
from grader.harness.runner import run_probe
lessons = [get_lesson(i) for i in {lessons!r}]
for name in lessons[0].spec.lesson.warm_imports:
    importlib.import_module(name)
added = {{}}
for lesson in lessons:
    spec = lesson.spec
    inputs, dims = draw_inputs(spec, 1, lesson.root)
    module = lesson.reference_module()
    before = set(sys.modules)
    for probe in spec.sandbox_probes():
        run_probe(module, probe.model_dump(mode="json"), {{**inputs, **dims}}, 1)
    added[lesson.id] = sorted(set(sys.modules) - before)
print(json.dumps(added))
"""
MAX_LAZY = 20  # a few small modules a probe imports on first use cost nothing that matters


def _groups() -> dict[tuple[str, ...], list[str]]:
    groups: dict[tuple[str, ...], list[str]] = {}
    for lesson in all_lessons():
        if tuple(lesson.spec.lesson.warm_imports) == WARM_IMPORTS_DEFAULT:
            continue
        groups.setdefault(tuple(lesson.spec.lesson.warm_imports), []).append(lesson.id)
    return groups


@pytest.mark.slow
@pytest.mark.parametrize("warm_imports", list(_groups()), ids=lambda w: ",".join(w) or "none")
def test_warm_imports_cover_what_the_reference_imports(warm_imports: tuple[str, ...]) -> None:
    lessons = _groups()[warm_imports]
    out = subprocess.run([sys.executable, "-c", SCRIPT.format(root=str(ROOT), lessons=lessons)],
                         capture_output=True, text=True, timeout=600, cwd=ROOT, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    added = json.loads(out.stdout.strip().splitlines()[-1])
    assert set(added) == set(lessons)
    over = {lid: new for lid, new in added.items() if len(new) > MAX_LAZY}
    assert not over, "; ".join(
        f"running lesson {lid}'s reference imports {len(new)} modules its warm_imports "
        f"{list(warm_imports)} do not ({', '.join(new[:6])}, ...): add the package that pulls "
        "them in to `warm_imports` in its spec's [lesson]" for lid, new in over.items())

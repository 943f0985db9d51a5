"""Each lesson's ``warm_imports`` covers what running its reference imports lazily: a warm
worker of a lane imports that list once; anything else the lesson's code imports the first
time it runs, every job would import again (torch._dynamo: ~1.5 s a job)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from grader.course.lessons import all_lessons

ROOT = Path(__file__).resolve().parents[2]
# what a fresh job has imported before the student's code runs: the worker's own imports
SCRIPT = """
import json, sys, importlib
sys.path.insert(0, {root!r})
import grader.harness.entry, grader.harness.runner, grader.harness.library
from grader.course.lessons import get_lesson
from grader.course.inputs import draw_inputs
from grader.harness.runner import run_probe
lesson = get_lesson({lesson!r})
spec = lesson.spec
inputs, dims = draw_inputs(spec, 1, lesson.root)
module = lesson.reference_module()
for name in spec.lesson.warm_imports:
    importlib.import_module(name)
before = set(sys.modules)
for probe in spec.sandbox_probes():
    run_probe(module, probe.model_dump(mode="json"), {{**inputs, **dims}}, 1)
print(json.dumps(sorted(set(sys.modules) - before)))
"""
MAX_LAZY = 20  # a few small modules a probe imports on first use cost nothing that matters


@pytest.mark.slow
@pytest.mark.parametrize("lesson_id", [les.id for les in all_lessons()])
def test_warm_imports_cover_what_the_reference_imports(lesson_id: str) -> None:
    out = subprocess.run([sys.executable, "-c", SCRIPT.format(root=str(ROOT), lesson=lesson_id)],
                         capture_output=True, text=True, timeout=300, cwd=ROOT, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    new = json.loads(out.stdout.strip().splitlines()[-1])
    assert len(new) <= MAX_LAZY, (
        f"running lesson {lesson_id}'s reference imports {len(new)} modules its "
        f"warm_imports ({', '.join(new[:8])}, ...) do not: add the package that pulls them in "
        "to `warm_imports` in its spec's [lesson]")

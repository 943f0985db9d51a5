"""Known-mistake margins on the trusted side, over many seeds and without a sandbox.

For every value check of a lesson and every known mistake, the mistake variant's output is
compared with the reference's under the check's own tolerance, on inputs drawn exactly as a
grading draws them: where the spec says the mistake loses the check, it must fail by a wide
margin (its error at least ``margin`` times the allowed one, or no comparable output at all);
everywhere else it must pass. The lesson tests prove the same through the sandbox on a few
seeds; this proves it on many.
"""

from __future__ import annotations

import types
from dataclasses import dataclass, field
from pathlib import Path

from grader.course.inputs import draw_inputs
from grader.course.lessons import Lesson
from grader.course.spec import SCOPE_SEP, CloseCheck, EqualCheck, scope_of
from grader.grading.checks.base import MISSING, at_path
from grader.grading.compare import compare
from grader.grading.oracle import Oracle


@dataclass
class Margins:
    """The smallest error/tolerance ratio of each (mistake, lost check), and any surprise."""

    smallest: dict[tuple[str, str], float] = field(default_factory=dict)
    surprises: list[str] = field(default_factory=list)


def mistake_margins(lesson: Lesson, seeds: range, margin: float,
                    cases: bool = False) -> Margins:
    """``cases``: judge each check on its probe's boundary cases too, as grading does (a
    mistake loses a check when some instance fails it, by its largest margin there, and
    passes it only when every instance passes); by default the random draw alone."""
    spec = lesson.spec
    out = Margins()
    for seed in seeds:
        inputs, dims = draw_inputs(spec, seed, lesson.root)
        oracle = Oracle(lesson, {**inputs, **dims}, seed)
        for check in spec.checks:
            if not isinstance(check, (CloseCheck, EqualCheck)):
                continue
            rtol, atol = (0.0, 0.0) if isinstance(check, EqualCheck) else (check.rtol, check.atol)
            per_step = getattr(check, "atol_per_step", 0.0)
            instances = spec.instances(check.probe) if cases else [spec.probe(check.probe)]
            for mistake in spec.mistakes:
                loses = check.name in mistake.loses
                key = (mistake.id, check.name)
                ok, ratio = True, 0.0
                for probe in instances:
                    scope = scope_of(probe.id)
                    path = (check.expected or f"{check.probe}.{check.output}").split(".")
                    ref_id = f"{path[0]}{SCOPE_SEP}{scope}" if scope else path[0]
                    expected = at_path(oracle.outputs(spec.probe(ref_id)), path[1:])
                    outs = oracle.outputs(probe, variant=mistake.id)
                    actual = MISSING if outs is None else at_path(outs, check.output.split("."))
                    if actual is MISSING:
                        ok, ratio = False, float("inf")
                        continue
                    c = compare(actual, expected, rtol, atol, atol_per_step=per_step)
                    if not c.ok:
                        ok = False
                        ratio = max(ratio, float("inf") if c.structural or not c.error
                                    or not c.tolerance else c.error / c.tolerance)
                if loses and (ok or ratio < margin):
                    shown = "passes it" if ok else f"fails it by only {ratio:.3g} x the tolerance"
                    out.surprises.append(f"seed {seed}: {mistake.id} {shown}: {check.name!r}")
                if not loses and not ok:
                    out.surprises.append(f"seed {seed}: {mistake.id} also fails {check.name!r}")
                if loses:
                    out.smallest[key] = min(out.smallest.get(key, float("inf")),
                                            0.0 if ok else ratio)
    return out


def solution_ratios(lesson: Lesson, solutions: list[Path],
                    seeds: range) -> dict[tuple[str, str], float]:
    """The largest error/tolerance ratio of each correct solution (a file) on each value
    check over all seeds, against what the check compares with (its ``expected``, by default
    the reference's output): below 1 means full marks; the smaller, the safer the tolerance."""
    spec = lesson.spec
    worst: dict[tuple[str, str], float] = {}
    modules = {p.name: _module(p) for p in solutions}
    for seed in seeds:
        inputs, dims = draw_inputs(spec, seed, lesson.root)
        oracle = Oracle(lesson, {**inputs, **dims}, seed)
        for name, module in modules.items():
            oracle._modules[f"mistake:{name}"] = module  # run it as a variant is run
        for check in spec.checks:
            if not isinstance(check, (CloseCheck, EqualCheck)):
                continue
            probe = spec.probe(check.probe)
            path = (check.expected or f"{check.probe}.{check.output}").split(".")
            expected = at_path(oracle.outputs(spec.probe(path[0])), path[1:])
            rtol, atol = (0.0, 0.0) if isinstance(check, EqualCheck) else (check.rtol, check.atol)
            for name in modules:
                outs = oracle.outputs(probe, variant=name)
                actual = MISSING if outs is None else at_path(outs, check.output.split("."))
                c = compare(actual, expected, rtol, atol,
                            atol_per_step=getattr(check, "atol_per_step", 0.0))
                ratio = (0.0 if c.ok and not c.error else float("inf") if c.structural
                         or not c.tolerance or c.error is None else c.error / c.tolerance)
                key = (name, check.name)
                worst[key] = max(worst.get(key, 0.0), ratio)
    return worst


def _module(path: Path) -> types.ModuleType:
    module = types.ModuleType(f"solution_{path.stem}")
    module.__file__ = str(path)
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), module.__dict__)
    return module

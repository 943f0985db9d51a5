"""Diagnosis: feedback that names the mistake when no known-mistake variant reproduces it.

Each module is one family of generic diagnosers, written once and configured by specs
(``diagnose`` on a check, or lesson-level ``[[diagnose]]`` entries listing their checks):
``scale`` (a constant factor), ``layout`` (transposed; right values in the wrong dtype,
shape or type), ``sequence`` (off by one step, aliased snapshots, nothing updated),
``rerun`` (the reference re-run with inputs replaced: hyperparameters swapped or
complemented, the learning rate doubled), ``numeric`` (right where finite, NaN or inf
where the answer is finite: an overflow), ``randomness`` (a valid shuffle that is not the
generator's, identically seeded runs that differ), ``quiz`` (another question's answer)
and ``trajectory`` (where a trajectory first diverges; a locator, not a name).

Precision over recall: a diagnoser names a mistake only when its evidence holds on the
whole output of the check, within the check's own tolerance; when several diagnosers
fit, all of them are reported (``MistakeMatch.alternatives``), then settled by the rest
of the submission (``grader.grading.evaluate``). The representation and transpose
diagnosers and the factors 2, 1/2 and -1 are on for every value check; the others only
where a spec says.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from grader.course.spec import (
    Mistake,
    RepresentationDiagnoser,
    ScaledDiagnoser,
    TransposedDiagnoser,
)
from grader.grading.checks.base import MISSING
from grader.grading.diagnose.base import DiagnoseContext, Hit, all_nan, map_leaves
from grader.grading.diagnose.layout import representation, transposed
from grader.grading.diagnose.numeric import nonfinite
from grader.grading.diagnose.quiz import other_answer
from grader.grading.diagnose.randomness import nondeterministic, permutation
from grader.grading.diagnose.rerun import rerun
from grader.grading.diagnose.scale import factor, scaled
from grader.grading.diagnose.sequence import aliased, frozen, shifted
from grader.grading.diagnose.trajectory import first_divergence
from grader.results import MistakeMatch

__all__ = ["DiagnoseContext", "Finding", "diagnose", "entries", "findings_of", "locate",
           "predicts_failure", "to_match"]

DIAGNOSERS: dict[str, Callable[[Any, DiagnoseContext], Hit | list[Hit] | None]] = {
    "scaled": scaled, "transposed": transposed, "representation": representation,
    "shifted": shifted, "aliased": aliased, "frozen": frozen, "rerun": rerun,
    "permutation": permutation, "nondeterministic": nondeterministic,
    "other_answer": other_answer, "nonfinite": nonfinite,
}
# on for every value check (and the scaled ones for numeric quiz answers): the evidence is
# exact, so they cost nothing in precision
DEFAULTS = [RepresentationDiagnoser(kind="representation"), TransposedDiagnoser(kind="transposed"),
            ScaledDiagnoser(kind="scaled", by="2"), ScaledDiagnoser(kind="scaled", by="0.5"),
            ScaledDiagnoser(kind="scaled", by="-1")]


@dataclass
class Finding:
    """A named mistake: its id, title and teaching message, and the measured evidence."""

    id: str
    title: str
    message: str
    detail: str = ""
    weak: bool = False  # evidence any blow-up would give (an all-NaN output): needs support
    entry: Any = None  # the diagnoser entry that found it (None: a known-mistake variant)

    @classmethod
    def of(cls, mistake: Mistake, detail: str = "", weak: bool = False) -> Finding:
        return cls(mistake.id, mistake.title, mistake.message, detail, weak)


def _named(d: Any, hit: Hit, mistakes: dict[str, Mistake]) -> Finding:
    """The finding under the name the spec gives it (a known mistake, or its own id)."""
    if d.mistake is not None:
        m = mistakes[d.mistake]
        return Finding(m.id, m.title, m.message, hit.detail, entry=d)
    if d.id is not None:
        return Finding(d.id, d.title, d.message, hit.detail, entry=d)
    return Finding(hit.id, hit.title, hit.message, hit.detail, entry=d)


def _defaults(check_kind: str, configured: list[Any]) -> list[Any]:
    """The default diagnosers a check gets beside its configured ones (no repeats)."""
    have = {(d.kind, getattr(d, "by", None)) for d in configured}
    if check_kind in ("close", "equal"):
        pool = DEFAULTS
    elif check_kind == "quiz":
        pool = [d for d in DEFAULTS if d.kind == "scaled"]
    else:
        return []
    kinds = {d.kind for d in configured}
    return [d for d in pool if (d.kind, getattr(d, "by", None)) not in have
            and (d.kind == "scaled" or d.kind not in kinds)]


def entries(ctx: DiagnoseContext) -> list[Any]:
    """The diagnosers tried on ``ctx``'s check: its configured ones, then the defaults."""
    configured = ctx.lesson.spec.diagnosers(ctx.check.name)
    return configured + _defaults(ctx.check.kind, configured)


def findings_of(d: Any, ctx: DiagnoseContext) -> list[Finding]:
    """What one diagnoser entry finds in ``ctx``'s failed check, named as the spec says."""
    fn = DIAGNOSERS.get(d.kind)
    if fn is None or all_nan(ctx.actual):
        return []  # (a blow-up: no value relation to test)
    hits = fn(d, ctx)
    mistakes = {m.id: m for m in ctx.lesson.spec.mistakes}
    return [_named(d, hit, mistakes) for hit in
            (hits if isinstance(hits, list) else [hits] if hits else [])]


def diagnose(ctx: DiagnoseContext) -> list[Finding]:
    """Every mistake the configured (and default) diagnosers find in ``ctx``'s failed
    check, without repeats, in the order they are configured. A default factor (2, 1/2,
    -1) gives way to a configured one that names the same value on this instance."""
    found: dict[str, Finding] = {}
    configured = ctx.lesson.spec.diagnosers(ctx.check.name)
    factors: set[float] = set()  # the factors configured entries named
    for d in entries(ctx):
        default = not any(d is c for c in configured)
        if default and d.kind == "scaled" and factor(d, ctx) in factors:
            continue  # the spec's own reading of this factor (k = 2 here) takes its place
        hits = findings_of(d, ctx)
        if hits and not default and d.kind == "scaled":
            factors.add(factor(d, ctx))
        for finding in hits:
            found.setdefault(finding.id, finding)
    return list(found.values())


def predicts_failure(d: Any, ctx: DiagnoseContext) -> bool:
    """Whether entry ``d``'s explanation, if it were the student's mistake, would make
    ``ctx``'s check fail too (its candidate output differs from the expected one). A
    submission that passes such a check contradicts the explanation there."""
    if d.kind == "scaled":
        c = factor(d, ctx)
        return c is not None and c != 1.0 and ctx.check.kind != "quiz" and not ctx.same(
            map_leaves(ctx.expected, lambda t: t * c), ctx.expected, scale=c)
    if d.kind == "rerun" and ctx.rerun is not None:
        candidate = ctx.rerun(d.replace)
        return candidate is not MISSING and not ctx.same(candidate, ctx.expected)
    return False


def locate(ctx: DiagnoseContext) -> str | None:
    """Where the check's trajectory first diverges, if a ``first_divergence`` entry is set."""
    for d in ctx.lesson.spec.diagnosers(ctx.check.name):
        if d.kind == "first_divergence":
            return first_divergence(d, ctx)
    return None


def to_match(findings: list[Finding]) -> MistakeMatch | None:
    """One ``MistakeMatch`` for the findings: the first, with the others as alternatives."""
    if not findings:
        return None

    def text(f: Finding) -> str:
        return f"{f.message} (Measured: {f.detail}.)" if f.detail else f.message

    first, rest = findings[0], findings[1:]
    if not rest:
        return MistakeMatch(id=first.id, title=first.title, message=text(first))
    title = " — or — ".join(f.title for f in findings)
    message = ("Your output fits more than one mistake equally well. "
               + " ".join(f"({i + 1}) {f.title}: {text(f)}" for i, f in enumerate(findings)))
    return MistakeMatch(id=first.id, title=title, message=message,
                        alternatives=[f.id for f in rest])

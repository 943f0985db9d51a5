"""How often the grader names the mistake in realistic wrong solutions it has never seen.

The corpus (``benchmarks/wrong/<lesson>/*.py``) holds wrong solutions written from each
lesson's exercise text as students would write them, kept apart from the known-mistake
variants the grader recognises (``reference/<lesson>/mistakes/``). Each file's first line is
a docstring that starts with the mistake id it should be diagnosed as, or ``none`` when no
honest name exists: ``\"\"\"missing_factor_two: drops the 2 of the square.\"\"\"``.

Every file is graded on a few seeds (warm workers). Per lesson it prints the share of runs
of wrong solutions that lose points, that name a mistake, and that name the intended one
(a name counts when it is the named mistake or one of the candidates reported beside it);
the runs that name something else (wrong names), and those that name the intended mistake
and something else besides (+other); and, on the correct solutions
(``reference/``, ``tests/solutions/``, ``examples/``), every name given: it must be none.

    python benchmarks/bench_diagnosis.py [--seeds 101,202,303] [--lessons 1.2,3.1] [-v]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.course.lessons import Lesson, all_lessons  # noqa: E402
from grader.grading.engine import grade_file  # noqa: E402
from grader.sandbox import get_backend  # noqa: E402

CORPUS = ROOT / "benchmarks" / "wrong"
INTENDED = re.compile(r'^\s*(?:[rRuU]?)"""\s*([a-z][a-z0-9_]*)')


def intended_id(path: Path) -> str:
    """The mistake id a corpus file's first-line docstring names (``none``: no honest name)."""
    first = path.read_text(encoding="utf-8").splitlines()[0]
    m = INTENDED.match(first)
    if not m:
        raise SystemExit(f"{path}: the first line must be a docstring starting with a mistake id")
    return m.group(1)


def names_of(result: Any) -> set[str]:
    """Every mistake id a result names, the candidates reported beside a name included."""
    out: set[str] = set()
    for m in result.mistakes:
        out.add(m.id)
        out.update(getattr(m, "alternatives", []) or [])
    return out


@dataclass
class Tally:
    runs: int = 0
    lose: int = 0
    named: int = 0
    correct: int = 0
    wrong: int = 0
    extra: int = 0  # runs named correctly that also name something else elsewhere
    seconds: float = 0.0  # grading time of the wrong solutions, all runs
    none_runs: int = 0  # runs of files whose intended id is `none`
    none_named: int = 0
    misses: list[str] = field(default_factory=list)


def grade(lesson: Lesson, source: str, seed: int, backend: Any) -> Any:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"{lesson.spec.lesson.stem}.py"
        path.write_text(source, encoding="utf-8")
        return grade_file(lesson, path, seed=seed, sandbox=backend)


def correct_solutions(lesson: Lesson) -> list[tuple[str, str]]:
    out = [("reference", lesson.reference_source())]
    for folder in (ROOT / "tests" / "solutions" / lesson.id, ROOT / "examples" / lesson.id):
        out += [(f"{folder.parent.name}/{p.name}", p.read_text(encoding="utf-8"))
                for p in sorted(folder.glob("*.py"))]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", default="101,202,303")
    ap.add_argument("--lessons", default="")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--only", default="*", help="corpus files matching this glob (e.g. 'r2_*')")
    ap.add_argument("-v", "--verbose", action="store_true", help="list every miss")
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    wanted = set(filter(None, args.lessons.split(",")))
    backend = get_backend("auto", warm=True, workers=args.workers)
    lessons = [les for les in all_lessons(ROOT) if (CORPUS / les.id).is_dir()
               and (not wanted or les.id in wanted)]

    jobs: list[tuple[Lesson, str, str, str, int]] = []  # lesson, label, intended, source, seed
    for les in lessons:
        for path in sorted((CORPUS / les.id).glob(f"{args.only}.py")):
            src = path.read_text(encoding="utf-8")
            jobs += [(les, path.stem, intended_id(path), src, s) for s in seeds]
        jobs += [(les, label, "correct", src, s) for label, src in correct_solutions(les)
                 for s in seeds[:1]]

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.workers) as pool:
        results = list(pool.map(lambda j: grade(j[0], j[3], j[4], backend), jobs))
    elapsed = time.perf_counter() - started

    tallies: dict[str, Tally] = defaultdict(Tally)
    correct_named: list[str] = []
    for (les, label, intended, _src, seed), r in zip(jobs, results, strict=True):
        names = names_of(r)
        if intended == "correct":
            if names or r.score != r.max_score:
                correct_named.append(f"{les.id} {label} seed {seed}: {r.score}/{r.max_score} "
                                     f"{sorted(names)}")
            continue
        t = tallies[les.id]
        t.seconds += r.duration_s
        if intended == "none":
            t.none_runs += 1
            t.none_named += bool(names)
            if names:
                t.misses.append(f"{label} (none) seed {seed}: named {sorted(names)}")
            continue
        t.runs += 1
        t.lose += r.score < r.max_score
        t.named += bool(names)
        t.correct += intended in names
        t.wrong += bool(names) and intended not in names
        t.extra += intended in names and len(names) > 1
        if intended in names and len(names) > 1:
            t.misses.append(f"{label} ({intended}) seed {seed}: also named "
                            f"{sorted(names - {intended})}")
        if intended not in names:
            t.misses.append(f"{label} ({intended}) seed {seed}: "
                            + (f"named {sorted(names)}" if names else "unnamed")
                            + ("" if r.score < r.max_score else ", full marks"))

    def pct(a: int, b: int) -> str:
        return f"{100 * a / b:5.1f}%" if b else "    -"

    print(f"{len(jobs)} gradings in {elapsed:.0f} s on seeds {seeds}\n")
    print(f"{'lesson':<7}{'files':>6}{'runs':>6}{'lose pts':>10}{'named':>8}{'correct':>9}"
          f"{'wrong':>7}{'+other':>8}{'none: named':>13}{'s/grading':>11}")
    total = Tally()
    for les in lessons:
        t = tallies[les.id]
        files = len(list((CORPUS / les.id).glob(f"{args.only}.py")))
        print(f"{les.id:<7}{files:>6}{t.runs:>6}{pct(t.lose, t.runs):>10}{pct(t.named, t.runs):>8}"
              f"{pct(t.correct, t.runs):>9}{t.wrong:>7}{t.extra:>8}{t.none_named:>7} of "
              f"{t.none_runs:<3}{t.seconds / max(1, t.runs + t.none_runs):>11.2f}")
        for k in ("runs", "lose", "named", "correct", "wrong", "extra", "none_runs",
                  "none_named"):
            setattr(total, k, getattr(total, k) + getattr(t, k))
    print(f"{'all':<7}{'':>6}{total.runs:>6}{pct(total.lose, total.runs):>10}"
          f"{pct(total.named, total.runs):>8}{pct(total.correct, total.runs):>9}{total.wrong:>7}"
          f"{total.extra:>8}{total.none_named:>7} of {total.none_runs:<3}")
    print(f"\nnames (or lost points) on correct solutions: {len(correct_named)}")
    for line in correct_named:
        print("  " + line)
    if args.verbose:
        for les in lessons:
            for line in tallies[les.id].misses:
                print(f"  {les.id} {line}")


if __name__ == "__main__":
    main()

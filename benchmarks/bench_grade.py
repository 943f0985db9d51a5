"""Print how long grading takes and how much memory it uses, per lesson.

For each lesson: the wall time of a cold `grade` CLI run on the reference (whole process,
median of --repeat runs, fresh seed each run) and the peak resident memory of any process
involved (the grader or its sandbox). Then, for notebooks: running the cells with nbclient
(a Jupyter kernel) against running the extracted cells as the grader does.

    python benchmarks/bench_grade.py [--repeat 3] [--lessons 1.2,2.3]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.course.lessons import all_lessons  # noqa: E402
from grader.course.notebooks import notebook_json  # noqa: E402


def grade_cmd() -> list[str]:
    exe = shutil.which("grade")
    return [exe] if exe else [sys.executable, "-m", "grader"]


def peak_of(cmd: list[str], cwd: Path) -> tuple[float, float, dict]:
    """(wall seconds, peak RSS MB of the child tree, parsed JSON) of one command, in a
    wrapper process so that RUSAGE_CHILDREN covers this command alone."""
    code = ("import json, resource, subprocess, sys, time\n"
            "t = time.perf_counter()\n"
            f"p = subprocess.run({cmd!r}, capture_output=True, text=True)\n"
            "w = time.perf_counter() - t\n"
            "m = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
            "print(json.dumps({'wall': w, 'mb': m, 'rc': p.returncode, 'out': p.stdout,"
            " 'err': p.stderr[-2000:]}))\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # also works without an install
    r = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                  cwd=cwd, check=True, env=env).stdout)
    if r["rc"] != 0:
        raise SystemExit(f"grade failed: {r['err']}")
    return r["wall"], r["mb"], json.loads(r["out"])


def bench_lessons(ids: list[str] | None, repeat: int) -> None:
    print(f"{'lesson':<7} {'score':>7} {'cold CLI s (median)':>20} {'min':>6} {'max':>6} "
          f"{'peak RSS MB':>12}")
    for les in all_lessons(ROOT):
        if ids and les.id not in ids:
            continue
        with tempfile.TemporaryDirectory() as d:
            sub = Path(d) / f"{les.spec.lesson.stem}.py"
            sub.write_text(les.reference_source())
            walls, mbs, scores = [], [], []
            for _ in range(repeat):
                wall, mb, res = peak_of(grade_cmd() + [les.id, str(sub), "--format", "json"],
                                        Path(d))
                walls.append(wall)
                mbs.append(mb)
                scores.append(f"{res['score']}/{res['max_score']}")
        print(f"{les.id:<7} {scores[-1]:>7} {statistics.median(walls):>20.2f} {min(walls):>6.2f} "
              f"{max(walls):>6.2f} {max(mbs):>12.0f}")


def bench_notebook(repeat: int) -> None:
    """nbclient (kernel per notebook) vs the grader's extracted cells, on lesson 1.2."""
    try:
        import nbclient
        import nbformat
    except ImportError:
        print("nbclient not installed; skipping the notebook comparison")
        return
    les = next(x for x in all_lessons(ROOT) if x.id == "1.2")
    text = (ROOT / "examples" / "1.2" / "linear_regression.py").read_text()
    nb_text = notebook_json("# %%\n" + text + "\n# %%\nw, b, losses = fit(torch.randn(200, 3), "
                            "torch.randn(200), 0.1, 100)\nprint(losses[-1])\n")
    nbclient_times, extracted_times, plain_times = [], [], []
    for _ in range(repeat):
        nb = nbformat.reads(nb_text, as_version=4)
        t = time.perf_counter()
        try:
            logging.getLogger("traitlets").setLevel(logging.ERROR)
            nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute()
        except Exception as e:  # noqa: BLE001 - report and go on
            print(f"nbclient failed: {type(e).__name__}: {e}")
            return
        nbclient_times.append(time.perf_counter() - t)
        from grader.grading.submission import load_program

        with tempfile.TemporaryDirectory() as d:
            p = Path(d) / "linear_regression.ipynb"
            p.write_text(nb_text)
            cells = [c.source for c in load_program(p, les.spec.lesson.stem).cells]
            runner = ("import sys\nfor i, src in enumerate(sys.argv[1:]):\n"
                      "    exec(compile(src, f'<cell {i + 1}>', 'exec'), globals())\n")
            t = time.perf_counter()
            subprocess.run([sys.executable, "-c", runner, *cells], check=True,
                           capture_output=True)
            plain_times.append(time.perf_counter() - t)
            p.write_text(nb_text)
            wall, _, _ = peak_of(grade_cmd() + [les.id, str(p), "--format", "json"], Path(d))
            extracted_times.append(wall)
    print(f"\nnotebook, lesson 1.2 (median of {repeat}):")
    print(f"  nbclient: execute cells in a Jupyter kernel (no grading): "
          f"{statistics.median(nbclient_times):.2f} s")
    print(f"  extracted cells in a fresh Python process (no grading): "
          f"{statistics.median(plain_times):.2f} s")
    print(f"  grader:   extracted cells in the sandbox, whole grading, cold CLI: "
          f"{statistics.median(extracted_times):.2f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--lessons", default="", help="comma-separated lesson ids (default all)")
    ap.add_argument("--no-notebook", action="store_true")
    args = ap.parse_args()
    ids = [x for x in args.lessons.split(",") if x] or None
    print(f"python {sys.version.split()[0]}, {resource.getpagesize()} B pages, "
          f"cores: {len(os.sched_getaffinity(0))}")
    bench_lessons(ids, args.repeat)
    if not args.no_notebook:
        bench_notebook(args.repeat)


if __name__ == "__main__":
    main()

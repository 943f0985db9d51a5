"""Print per-submission latency and throughput of each sandbox backend, cold and warm.

Every figure is measured in this one run on lesson 1.2's reference, and shown as a ratio
against a fresh `python` per submission (a bare `python -c "import torch"`: the cost every
cold sandbox pays before any student code runs).

    python benchmarks/bench_sandboxes.py [--lesson 1.2] [--latency-runs 5] [--batch 8] [--jobs 2]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.course.lessons import get_lesson  # noqa: E402
from grader.grading.engine import grade_file  # noqa: E402
from grader.sandbox import SandboxError, get_backend  # noqa: E402


def fresh_python_s(runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import torch, safetensors.torch"], check=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def measure(lesson_id: str, backend_name: str, warm: bool, runs: int, batch: int,
            jobs: int) -> tuple[float, float, str] | str:
    """(median latency s, throughput per s, backend name), or why it could not run."""
    try:
        backend = get_backend(backend_name, warm=warm, workers=jobs)
    except SandboxError as e:
        return str(e)
    les = get_lesson(lesson_id)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"{les.spec.lesson.stem}.py"
        path.write_text(les.reference_source())
        r = grade_file(les, path, seed=0, sandbox=backend)  # starts warm workers
        if r.score != r.max_score:
            return f"the reference scored {r.score}/{r.max_score}"
        lat = []
        for i in range(runs):
            t = time.perf_counter()
            grade_file(les, path, seed=i + 1, sandbox=backend)
            lat.append(time.perf_counter() - t)
        t = time.perf_counter()
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            list(pool.map(lambda s: grade_file(les, path, seed=s, sandbox=backend),
                          range(100, 100 + batch)))
        throughput = batch / (time.perf_counter() - t)
    return statistics.median(lat), throughput, backend.name


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lesson", default="1.2")
    ap.add_argument("--latency-runs", type=int, default=5)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--backends", default="process,bwrap,docker")
    args = ap.parse_args()
    base = fresh_python_s(args.latency_runs)
    base_tp = 1 / base * args.jobs  # fresh pythons, `jobs` at a time, doing nothing else
    print(f"lesson {args.lesson}; fresh `python -c 'import torch'`: {base:.2f} s "
          f"(throughput with {args.jobs} at a time: {base_tp:.2f}/s)")
    print(f"{'backend':<15} {'latency s':>10} {'x fresh py':>11} {'subm/s':>8} "
          f"{'x fresh py':>11}")
    for name in args.backends.split(","):
        for warm in (False, True):
            got = measure(args.lesson, name, warm, args.latency_runs, args.batch, args.jobs)
            label = f"{name}{'+warm' if warm else ''}"
            if isinstance(got, str):
                print(f"{label:<15} unavailable: {got}")
                continue
            lat, tp, _ = got
            print(f"{label:<15} {lat:>10.2f} {lat / base:>11.2f} {tp:>8.2f} {tp / base_tp:>11.2f}")


if __name__ == "__main__":
    main()

"""Print what grading costs on each sandbox backend, cold and warm, and the speed targets.

Every figure is measured in this one run on lesson 1.2 and printed with the machine's load
average beside it (a shared machine makes every timing noisy: compare figures of one run).

1. A fresh `python -c "import torch"`: what every cold sandbox pays before student code.
2. Per backend, cold and warm: the latency of one grading (median) and the throughput of
   a batch graded `--jobs` at a time, as ratios against fresh pythons.
3. The targets:
   - cold `grade 1.2` (the real CLI, a new process) <= 1.3x one `import torch`;
   - one more submission on warm bwrap (and docker) <= 1.5x one on warm process;
   - warm overhead per submission (its wall time minus the student's own compute, as the
     sandbox measured it: loading the code and running the probes) <= 30 ms;
   - `grade batch` of 300 submissions (half correct, half a known mistake) with bwrap warm
     workers, 2 at a time, <= 30 s.
   Each verdict is on a median (of gradings, of cold runs, of ``--batch-runs`` whole
   batches), printed with its spread where one run is long: on a shared machine one
   30-second batch moves by several seconds from one minute to the next.
   A ratio's two sides are measured in turns (a fresh `import torch`, then a cold grade,
   and again; a grading on warm process, then on warm bwrap, then on warm docker, and
   again), so that a machine whose speed drifts during the run moves both sides alike.
   The machine's own speed is printed beside the absolute targets (`import torch` timed
   right after each whole batch): on this kind of shared machine it has varied ~1.8x from
   one hour to the next, and an absolute figure moves with it.

    python benchmarks/bench_sandboxes.py [--runs 30] [--batch 8] [--jobs 2]
        [--backends process,bwrap,docker] [--class-size 300] [--batch-runs 3]
        [--skip-table]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.course.lessons import Lesson, get_lesson  # noqa: E402
from grader.grading.engine import grade_file  # noqa: E402
from grader.sandbox import Backend, SandboxError, get_backend  # noqa: E402
from grader.sandbox.base import SandboxJob, SandboxOutcome  # noqa: E402

LESSON = "1.2"


def load() -> str:
    """The 1-minute load average and the number of cores, e.g. "load 3.2/2"."""
    return f"load {os.getloadavg()[0]:.1f}/{len(os.sched_getaffinity(0))}"


def grade_cmd() -> list[str]:
    return [sys.executable, "-m", "grader"]


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def median_s(fn: Callable[[], Any], runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def fresh_python_s(runs: int) -> float:
    return median_s(lambda: subprocess.run(
        [sys.executable, "-c", "import torch, safetensors.torch"], check=True), runs)


class Measured:
    """A backend wrapper that keeps, per run, the student's own compute as the sandbox
    measured it (the ``elapsed_s`` of loading and of each probe, from the events)."""

    def __init__(self, inner: Backend) -> None:
        self.inner = inner
        self.name = inner.name
        self.hides_files = inner.hides_files
        self.isolates_network = inner.isolates_network
        self.supports_gpu = inner.supports_gpu
        self.has_own_python = inner.has_own_python
        self.supports_warm = inner.supports_warm
        self.is_warm_pool = inner.is_warm_pool
        self.isolation = inner.isolation
        self.compute_s: list[float] = []

    def check_available(self) -> None:
        self.inner.check_available()

    def site_paths(self) -> list[str]:
        return self.inner.site_paths()

    def can_read(self, folder: Path) -> bool:
        return self.inner.can_read(folder)

    def run(self, job: SandboxJob) -> SandboxOutcome:
        outcome = self.inner.run(job)
        events = (job.workdir / "out" / "events.jsonl").read_text().splitlines()
        self.compute_s.append(sum(json.loads(e).get("elapsed_s", 0.0) for e in events
                                  if json.loads(e)["event"] in ("loaded", "done")))
        return outcome


def reference_file(les: Lesson, folder: Path) -> Path:
    path = folder / f"{les.spec.lesson.stem}.py"
    path.write_text(les.reference_source())
    return path


def measure(les: Lesson, backend_name: str, warm: bool, runs: int, batch: int,
            jobs: int) -> tuple[float, float, float, str] | str:
    """(median latency s, median overhead s, throughput per s, load), or why it cannot
    run. Latency and overhead are measured one at a time on one warm worker."""
    try:
        # a warm pool as grading this one lesson has it (a lane, a batch): its workers
        # preload the lesson's warm_imports
        backend = Measured(get_backend(backend_name, warm=warm, workers=jobs,
                                       preload=tuple(les.spec.lesson.warm_imports)))
    except SandboxError as e:
        return str(e)
    with tempfile.TemporaryDirectory() as d:
        path = reference_file(les, Path(d))
        for seed in (0, 1):  # starts the warm workers; the second run is already warm
            r = grade_file(les, path, seed=seed, sandbox=backend)
            if r.score != r.max_score:
                return f"the reference scored {r.score}/{r.max_score}"
        backend.compute_s.clear()
        lat = []
        for i in range(runs):
            t = time.perf_counter()
            grade_file(les, path, seed=10 + i, sandbox=backend)
            lat.append(time.perf_counter() - t)
        overhead = statistics.median(w - c for w, c in zip(lat, backend.compute_s, strict=True))
        at = load()
        t = time.perf_counter()
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            list(pool.map(lambda s: grade_file(les, path, seed=s, sandbox=backend),
                          range(100, 100 + batch)))
        throughput = batch / (time.perf_counter() - t)
    return statistics.median(lat), overhead, throughput, at


def cold_cli_s(les: Lesson, runs: int) -> tuple[float, float]:
    """(median cold `grade`, median fresh `import torch`), timed in turns."""
    with tempfile.TemporaryDirectory() as d:
        path = reference_file(les, Path(d))

        def once() -> None:
            out = subprocess.run(grade_cmd() + [les.id, str(path), "--format", "json"],
                                 capture_output=True, text=True, env=env(), cwd=d)
            if out.returncode != 0 or json.loads(out.stdout)["score"] != les.spec.max_score:
                raise SystemExit(f"cold grade failed: {out.stderr[-1000:]}")
        cold, base = [], []
        for _ in range(runs):
            base.append(fresh_python_s(1))
            cold.append(median_s(once, 1))
        return statistics.median(cold), statistics.median(base)


def warm_latencies(les: Lesson, names: list[str], runs: int) -> dict[str, float | str]:
    """Median latency of one grading on a warm worker of each backend (or why it cannot
    run), the backends taking turns: one grading on each, and again."""
    pools: dict[str, Backend] = {}
    lat: dict[str, list[float]] = {}
    out: dict[str, float | str] = {}
    with tempfile.TemporaryDirectory() as d:
        path = reference_file(les, Path(d))
        for name in names:
            try:
                pools[name] = get_backend(name, warm=True, workers=1,
                                          preload=tuple(les.spec.lesson.warm_imports))
                for seed in (0, 1):
                    r = grade_file(les, path, seed=seed, sandbox=pools[name])
                    if r.score != r.max_score:
                        raise SandboxError(f"the reference scored {r.score}/{r.max_score}")
                lat[name] = []
            except SandboxError as e:
                out[name] = str(e)
        for seed in range(10, 10 + runs):
            for name in lat:
                t = time.perf_counter()
                grade_file(les, path, seed=seed, sandbox=pools[name])
                lat[name].append(time.perf_counter() - t)
    for pool in pools.values():
        pool.close()
    out.update({name: statistics.median(v) for name, v in lat.items()})
    return out


def batch_cli_s(les: Lesson, size: int, jobs: int, sandbox: str) -> float:
    """Wall time of `grade batch` on a class of ``size``: half of it correct (the
    reference), half with one known mistake each, in turn (a mistake costs more: the
    variants run on the trusted side to name it)."""
    mistakes = [les.mistake_source(m.id) for m in les.spec.mistakes]
    with tempfile.TemporaryDirectory() as d:
        cls = Path(d) / "class"
        for i in range(size):
            folder = cls / f"student{i:04d}"
            folder.mkdir(parents=True)
            source = les.reference_source() if i % 2 == 0 else mistakes[i // 2 % len(mistakes)]
            (folder / f"{les.spec.lesson.stem}.py").write_text(source)
        t = time.perf_counter()
        out = subprocess.run(grade_cmd() + ["batch", les.id, str(cls), "-j", str(jobs),
                                            "--sandbox", sandbox],
                             capture_output=True, text=True, env=env())
        wall = time.perf_counter() - t
        if out.returncode != 0:
            raise SystemExit(f"grade batch failed: {out.stderr[-1000:]}")
        rows = (cls / f"grades-{les.id}.jsonl").read_text().splitlines()
        if len(rows) != size or any("error" in json.loads(r) for r in rows):
            raise SystemExit("grade batch did not grade every submission")
    return wall


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=30,
                    help="runs per median (a drifting machine: more runs, a steadier median)")
    ap.add_argument("--batch", type=int, default=8, help="submissions per throughput figure")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--backends", default="process,bwrap,docker")
    ap.add_argument("--class-size", type=int, default=300, help="for the `grade batch` target")
    ap.add_argument("--batch-runs", type=int, default=3,
                    help="whole `grade batch` runs for its median (each takes ~30 s)")
    ap.add_argument("--skip-table", action="store_true", help="only the targets")
    args = ap.parse_args()
    les = get_lesson(LESSON)
    print(f"lesson {LESSON}; python {sys.prefix}"
          f"{' (under /tmp)' if sys.prefix.startswith('/tmp/') else ''}; {load()}")
    base = fresh_python_s(args.runs)
    print(f"fresh `python -c 'import torch'`: {base:.2f} s ({load()})")

    warm: dict[str, tuple[float, float, float, str]] = {}
    if not args.skip_table:
        base_tp = args.jobs / base
        print(f"\n{'backend':<14} {'latency s':>9} {'x fresh py':>10} {'overhead ms':>11} "
              f"{'subm/s':>7} {'x fresh py':>10}  load")
    for name in args.backends.split(","):
        for is_warm in ((False, True) if not args.skip_table else (True,)):
            got = measure(les, name, is_warm, args.runs, args.batch, args.jobs)
            label = f"{name}{'+warm' if is_warm else ''}"
            if isinstance(got, str):
                print(f"{label:<14} unavailable: {got}")
                continue
            lat, over, tp, at = got
            if is_warm:
                warm[name] = got
            if not args.skip_table:
                print(f"{label:<14} {lat:>9.3f} {lat / base:>10.2f} {over * 1000:>11.0f} "
                      f"{tp:>7.2f} {tp / base_tp:>10.2f}  {at}")

    print("\ntargets")
    cold, cold_base = cold_cli_s(les, max(3, args.runs // 2))
    print(f"  cold `grade {LESSON}` (CLI): {cold:.2f} s = {cold / cold_base:.2f}x import torch "
          f"({cold_base:.2f} s, timed in turns with it) "
          f"(<= 1.3x: {verdict(cold <= 1.3 * cold_base)}; {load()})")
    turns = warm_latencies(les, [n for n in args.backends.split(",") if n in warm], args.runs)
    ref = turns.get("process")
    for name in ("bwrap", "docker"):
        lat = turns.get(name)
        if isinstance(ref, float) and isinstance(lat, float):
            print(f"  one more submission, warm {name}: {lat * 1000:.0f} ms = "
                  f"{lat / ref:.2f}x warm process ({ref * 1000:.0f} ms, in turns with it) "
                  f"(<= 1.5x: {verdict(lat <= 1.5 * ref)}; {load()})")
        elif lat is not None:
            print(f"  one more submission, warm {name}: unavailable: {lat}")
    for name, (_lat, over, _tp, at) in warm.items():
        print(f"  warm overhead beyond the student's compute, {name}: {over * 1000:.0f} ms "
              f"(<= 30 ms: {verdict(over <= 0.030)}; {at})")
    if "bwrap" in args.backends.split(",") and shutil.which("bwrap"):
        walls, speed = [], []
        for _ in range(max(1, args.batch_runs)):
            walls.append(batch_cli_s(les, args.class_size, 2, "bwrap"))
            speed.append(fresh_python_s(3))
        wall = statistics.median(walls)
        print(f"  `grade batch` of {args.class_size} submissions, bwrap warm workers, -j 2: "
              f"{wall:.1f} s, median of {len(walls)} ({min(walls):.1f}-{max(walls):.1f}) "
              f"(<= 30 s for 300: {verdict(wall * 300 / args.class_size <= 30)}; {load()}; "
              f"the machine meanwhile: import torch {min(speed):.2f}-{max(speed):.2f} s)")


if __name__ == "__main__":
    main()

"""Throughput of `grade slurm` (a job array on the local one-node cluster) against a local
`grade batch` on the same class, as a ratio. Needs Slurm (`bash .ci/slurm` as root).

    python benchmarks/bench_slurm.py [--students 40] [--shards 4]

Prints submissions per second for each and the ratio; the array pays a warm pool start
per task and Slurm's scheduling, the local batch one pool for the class.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.test_slurm import LESSON, _wait_for  # noqa: E402


def make(folder: Path, n: int) -> None:
    for i in range(n):
        (folder / f"s{i:03d}").mkdir(parents=True)
        (folder / f"s{i:03d}" / "linear_regression.py").write_text(LESSON.reference_source())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--students", type=int, default=40)
    ap.add_argument("--shards", type=int, default=4)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        local, cluster = Path(d) / "local", Path(d) / "cluster"
        make(local, args.students)
        make(cluster, args.students)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "grader", "batch", "1.2", str(local), "-j", "2",
                        "--seed", "1"], check=True, capture_output=True)
        t_local = time.perf_counter() - t0
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "grader", "slurm", "1.2", str(cluster),
                              "--shards", str(args.shards), "--cpus-per-task", "1",
                              "--seed", "1"], check=True, capture_output=True, text=True).stdout
        words = out.split()
        _wait_for([words[words.index("job") + 1], words[words.index("merge") + 2]])
        t_array = time.perf_counter() - t0
    load = Path("/proc/loadavg").read_text().split()[0]
    print(f"class of {args.students} (lesson 1.2 reference), load {load}")
    print(f"local grade batch -j 2:      {t_local:6.1f} s  {args.students / t_local:5.2f} /s")
    print(f"grade slurm, {args.shards} shards x 1 cpu: {t_array:6.1f} s  "
          f"{args.students / t_array:5.2f} /s")
    print(f"throughput ratio array/local: {t_local / t_array:.2f}")


if __name__ == "__main__":
    main()

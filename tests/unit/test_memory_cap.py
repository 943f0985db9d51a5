"""The trusted process's own memory cap: an allocation past it fails in the grading that
made it, and the process goes on (``grader.grading.memory``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_an_allocation_past_the_cap_fails_alone_and_the_process_goes_on():
    code = """
import resource, threading, torch
from grader.grading.memory import capped_memory, data_in_use, out_of_memory
before = resource.getrlimit(resource.RLIMIT_DATA)
with capped_memory(256, threads=40) as cap:
    assert cap is not None and abs(cap - data_in_use() - 576 * 2**20) < 64 * 2**20
    for make in (lambda: torch.empty(10**9), lambda: bytearray(10**9),
                 lambda: torch.zeros(4000, 1, 64) + torch.zeros(800, 1, 1, 64)):
        try:
            make()
            raise SystemExit("allocated past the cap")
        except (MemoryError, RuntimeError) as e:
            assert out_of_memory(e), e
    threads = [threading.Thread(target=lambda: torch.ones(10**5).sum()) for _ in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert float(torch.ones(10**6).sum()) == 10**6
assert resource.getrlimit(resource.RLIMIT_DATA) == before
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, env={"PYTHONPATH": str(ROOT)}, timeout=120)
    assert done.stdout.strip() == "ok", done.stderr[-2000:]

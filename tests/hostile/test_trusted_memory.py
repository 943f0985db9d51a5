"""The grader's own memory stays bounded whatever a submission sends back.

Each case of the hostile corpus that aims at the trusted side (results small on disk but
huge once decoded, parameters shaped to make the reference's forward huge, floods) is
graded in a fresh process, which reports its own peak resident memory (``ru_maxrss``);
so is a correct submission of the same lesson. The hostile one may cost no more than a
little over the correct one. (Before the channel's budget and the structure checks, the
first two cases took the grader from about 0.25 GB to 1.2 and 1.8 GB.)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.hostile.test_hostile import read_case

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
CORRECT = {"1.2": HERE / "clean" / "linear_regression.py",
           "2.3": ROOT / "tests" / "solutions" / "2.3" / "explicit_loops.py"}
CASES = ["forge_numlist", "broadcast_params", "many_layers", "forge_wide", "events_flood",
         "huge_results", "forge_int_inf"]
SLACK_MB = 128  # decoded results are budgeted at 32 MB; loading them doubles that

GRADE = """
import resource, sys
from pathlib import Path
from grader.course.lessons import get_lesson
from grader.grading.engine import grade_file
result = grade_file(get_lesson(sys.argv[1]), Path(sys.argv[2]), seed=7, sandbox="auto")
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


def peak_mb(lesson: str, path: Path) -> int:
    """The peak resident memory, in MB, of a fresh process that grades ``path``."""
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", GRADE, lesson, str(path)], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return int(done.stdout.split()[-1])


_BASELINES: dict[str, int] = {}


def baseline_mb(lesson: str) -> int:
    if lesson not in _BASELINES:
        _BASELINES[lesson] = peak_mb(lesson, CORRECT[lesson])
    return _BASELINES[lesson]


@pytest.mark.parametrize("name", CASES)
def test_the_grader_memory_stays_bounded(name: str) -> None:
    case = read_case(name)
    peak = peak_mb(case.lesson, case.path)
    base = baseline_mb(case.lesson)
    assert peak <= base + SLACK_MB, (f"grading {name} peaked at {peak} MB; a correct "
                                     f"submission at {base} MB")

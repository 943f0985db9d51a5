"""``grader.quick_exit``: once torch is loaded, the ``grade`` command ends without the
interpreter's teardown, yet everything registered for exit still runs, what was printed
still comes out, and the exit code is the one ``sys.exit`` would give."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT

PROGRAM = """
import atexit, sys, types
if {torch}:
    sys.modules["torch"] = types.ModuleType("torch")  # loaded, as far as the exit can tell
from grader.quick_exit import exit_now
atexit.register(lambda: print("cleaned up", file=sys.stderr))
print("result", end="")  # still buffered: stdout is a pipe
exit_now({code})
"""


@pytest.mark.parametrize("torch", [True, False])
@pytest.mark.parametrize(("code", "rc", "err"), [
    ("0", 0, ""), ("None", 0, ""), ("3", 3, ""), ("'bad spec'", 1, "bad spec\n")])
def test_exit_runs_what_was_registered_flushes_and_keeps_the_code(torch, code, rc, err):
    out = subprocess.run([sys.executable, "-c", PROGRAM.format(torch=torch, code=code)],
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert (out.returncode, out.stdout, out.stderr) == (rc, "result", err + "cleaned up\n")

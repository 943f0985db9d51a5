"""An exit that skips the interpreter's teardown once torch is loaded.

Python's own exit frees every module one by one; with torch loaded that takes ~0.5 s on a
2-core machine (measured: ``import torch`` then a normal exit, against ``os._exit``), paid
after the work is done by every cold grading, every lane of a batch and every command a
script or a test runs. Everything that must happen at exit is registered with ``atexit``
(a warm pool stops its workers and removes its folders; temporary folders are removed) and
still runs here; then the output streams are flushed and the process ends. Without torch
loaded, this is a plain ``sys.exit``.
"""

from __future__ import annotations

import atexit
import os
import sys
from typing import NoReturn


def exit_now(code: object = 0) -> NoReturn:
    """End the process with ``code`` as ``sys.exit(code)`` would (a string is printed and
    exits 1), skipping the teardown of modules when torch is loaded. Call it once the
    work is done: threads still running are ended with the process."""
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    if "torch" not in sys.modules:
        sys.exit(code)
    atexit._run_exitfuncs()  # what a normal exit runs
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: reported as Python's own exit does
            code = code or 120
    os._exit(code or 0)

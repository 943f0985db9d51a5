"""Sandbox entry point: load the submission, run the planned probes, write plain outputs.

Run as ``python -I -S -B <lib>/harness/main.py <workdir>``. Reads ``plan.json`` and
``inputs.safetensors`` from the work folder; writes ``out/events.jsonl`` (one JSON object
per line) and ``out/<probe>.safetensors``. Nothing here decides a score.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any


def _bootstrap(workdir: Path) -> dict[str, Any]:
    plan = json.loads((workdir / "plan.json").read_text())
    isolate_imports(plan["site_paths"])
    return plan


def isolate_imports(site_paths: list[str]) -> None:
    """Only the harness's parent folder, the stdlib and the listed site folders: no project
    root, no current folder, no user site, so nothing local can shadow torch or us."""
    here = Path(__file__).resolve().parent
    sys.path[:] = [str(here.parent)] + [p for p in sys.path[1:] if p] + list(site_paths)
    sys.meta_path.insert(0, _Blocked())


class _Blocked:
    """Refuse imports of the grader's trusted package and of the reference, by name.

    They are not on the path anyway; this makes the refusal explicit (and survives a
    site-packages install of the grader)."""

    BLOCKED = ("grader", "reference")

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name.split(".")[0] in self.BLOCKED:
            raise ImportError(f"{name!r} cannot be imported while grading")
        return None


def main() -> int:
    workdir = Path(sys.argv[1]).resolve()
    plan = _bootstrap(workdir)
    # before torch, while this process has one thread: nothing System V the job makes
    # outlives it
    from harness.limits import isolate_ipc  # noqa: PLC0415 - the standard library only

    isolate_ipc()
    from harness.entry import run  # noqa: PLC0415 - after sys.path is set

    return run(workdir, plan)


if __name__ == "__main__":
    os.umask(0o077)
    try:
        status = main()
    except SystemExit as exc:  # sys.exit() in the submission, in the middle of a probe
        status = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001 - shown as the submission's output
        import traceback

        traceback.print_exc()
        status = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)  # now: threads the submission left running cannot hold the exit

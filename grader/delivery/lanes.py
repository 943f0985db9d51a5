"""Grading lanes: `grade batch -j N` grades in N processes of its own, one warm worker each.

Threads of one process take turns at Python, and most of the trusted side's work on a
submission is Python (running the reference and the known mistakes' variants on its
inputs, comparing): with N threads, a batch used little more than one core for it while
the sandboxes waited. A lane is a process (``python -m grader.delivery.lanes``) that loads
the lesson once, starts its own warm worker, and grades the submissions it is handed one
at a time. It is our own code, not a student's: requests and rows are JSON lines (its
stdin, and a pipe of its own for the answers, so nothing a library prints can corrupt
them). A lane dies with the batch; a lane that dies in the middle of a grading costs that
grading (a grader error, graded again by the next run) and is replaced.

Ctrl-C at a terminal (SIGINT to the whole process group) and a cluster's SIGTERM to the
job's processes are the batch's to handle, not a lane's: a lane ignores both (they reach
it blocked from its start, before it can set that up) and finishes the grading under
way; the batch then closes it.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

from grader.errors import GraderFault
from grader.quick_exit import exit_now


class LaneDied(GraderFault):
    """The lane process ended in the middle of a grading."""


class Lane:
    """One lane process, driven from one thread at a time."""

    def __init__(self, root: Path, lesson_id: str, sandbox: str, warm: bool,
                 headroom_mb: int | None, threads: int) -> None:
        read, write = os.pipe()
        config = {"root": str(root), "lesson": lesson_id, "sandbox": sandbox, "warm": warm,
                  "headroom_mb": headroom_mb, "threads": threads, "answers_fd": write}
        try:
            self.proc = subprocess.Popen(  # noqa: S603 - our own module, fixed argv
                [sys.executable, "-m", "grader.delivery.lanes", json.dumps(config)],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, cwd="/",
                pass_fds=(write,))
        finally:
            os.close(write)
        self._answers: IO[str] = os.fdopen(read, "r", encoding="utf-8")
        self._dead = False

    def grade(self, student: str, path: Path, seed: int | None) -> dict[str, Any]:
        """The row of ``student``'s submission ``path`` (``rows.grade_row``)."""
        assert self.proc.stdin is not None
        try:
            # the lane runs in "/": a path relative to the batch's folder is made absolute
            self.proc.stdin.write(json.dumps({"student": student,
                                              "path": os.path.abspath(path),
                                              "seed": seed}) + "\n")
            self.proc.stdin.flush()
            line = self._answers.readline()
        except (BrokenPipeError, OSError, ValueError):
            line = ""
        if not line:
            self._dead = True  # (it may not be reaped yet)
            try:
                code: int | None = self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                code = None
            raise LaneDied("a grading process of the batch ended in the middle of a grading"
                           + (f" (exit code {code})" if code is not None else ""))
        row: dict[str, Any] = json.loads(line)
        return row

    @property
    def alive(self) -> bool:
        return not self._dead and self.proc.poll() is None

    def close(self) -> None:
        """End the lane: it closes its warm worker on its way out."""
        if self.proc.stdin is not None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._answers.close()


class Lanes:
    """``size`` lanes; ``grade`` takes a free one (starting lanes as they are needed) and
    gives it back, or replaces it when it died."""

    def __init__(self, root: Path, lesson_id: str, sandbox: str, warm: bool,
                 headroom_mb: int | None, size: int, threads: int) -> None:
        self._start: Callable[[], Lane] = lambda: Lane(root, lesson_id, sandbox, warm,
                                                       headroom_mb, threads)
        # A lane ends when the thread that started it does (PR_SET_PDEATHSIG follows the
        # thread, not the process): lanes are started by one thread that lives as long as
        # they may, never by the grading threads that ask for them (those end with the
        # batch's pool, before the lanes are closed and clean up after themselves).
        # (a lane starts with the stop signals blocked: ``_block_stop_signals``)
        self._starter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lane-starter",
                                           initializer=_block_stop_signals)
        self._free: queue.Queue[Lane] = queue.Queue()
        self._lock = threading.Lock()
        self._all: list[Lane] = []
        self._started = 0
        self.size = max(1, size)

    def grade(self, student: str, path: Path, seed: int | None) -> dict[str, Any]:
        lane = self._take()
        try:
            return lane.grade(student, path, seed)
        finally:
            self._give_back(lane)

    def _take(self) -> Lane:
        with self._lock:
            start = self._free.empty() and self._started < self.size
            if start:
                self._started += 1
        if not start:
            return self._free.get()
        try:
            lane = self._starter.submit(self._start).result()
        except BaseException:
            with self._lock:
                self._started -= 1
            raise
        with self._lock:
            self._all.append(lane)
        return lane

    def _give_back(self, lane: Lane) -> None:
        if lane.alive:
            self._free.put(lane)
            return
        with self._lock:
            self._started -= 1
            self._all.remove(lane)
        lane.close()

    def close(self) -> None:
        with self._lock:
            lanes, self._all = self._all, []
        for lane in lanes:
            lane.close()
        self._starter.shutdown()


STOP_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM})


def _block_stop_signals() -> None:
    """In the thread that starts the lanes: SIGINT and SIGTERM blocked. A process started
    from it inherits the mask, so a Ctrl-C while a lane is still starting (importing
    torch) waits, pending, until ``ignore_stop_signals`` drops it. (The batch's own
    handling is not changed: the kernel hands those signals to its other threads.)"""
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)


def _ignore(_signum: int, _frame: Any) -> None:
    return None


def ignore_stop_signals() -> None:
    """The lane's side: SIGINT and SIGTERM do nothing (the grading under way goes on; the
    batch closes the lane), then unblocked. A handler that does nothing, not SIG_IGN: the
    processes the lane starts (its warm worker) get the usual defaults back at exec."""
    for sig in STOP_SIGNALS:
        signal.signal(sig, _ignore)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)


def serve(config: dict[str, Any], requests: IO[str], answers: IO[str]) -> None:
    """The lane's side: grade each request, answer its row."""
    from grader.course.lessons import Lesson  # noqa: PLC0415 - no torch
    from grader.sandbox import get_backend  # noqa: PLC0415
    from grader.sandbox.warm import WarmBackend  # noqa: PLC0415

    lesson = Lesson(config["lesson"], Path(config["root"]))
    # the worker imports only what this lesson's code needs (its spec says), and starts now,
    # importing torch in its sandbox while this process imports its own
    backend = get_backend(config["sandbox"], warm=bool(config["warm"]), workers=1,
                          preload=tuple(lesson.spec.lesson.warm_imports))
    if isinstance(backend, WarmBackend):
        backend.start()
    from grader.delivery.rows import grade_row  # noqa: PLC0415
    from grader.grading.engine import grade_file  # noqa: PLC0415 - imports torch
    from grader.grading.memory import cap_trusted_memory  # noqa: PLC0415

    cap = None
    if config.get("headroom_mb") is not None:
        cap = cap_trusted_memory(int(config["headroom_mb"]), int(config["threads"]))
    for line in requests:
        request = json.loads(line)
        row = grade_row(lesson, str(request["student"]), Path(request["path"]),
                        grade_file, backend, request.get("seed"), cap)
        answers.write(json.dumps(row) + "\n")
        answers.flush()


def main() -> None:
    # our own process: the folder it was started from (a student's, maybe) is no place to
    # import from (``python -m`` puts it first)
    here = os.getcwd()
    sys.path[:] = [p for p in sys.path if p not in ("", ".", here)]
    ignore_stop_signals()  # the batch's to handle: it drains the lanes, then closes them
    from grader.harness.launch import PR_SET_PDEATHSIG, prctl  # noqa: PLC0415

    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # the lane ends with its batch
    if os.getppid() == 1:
        sys.exit(1)  # the batch was already gone
    config = json.loads(sys.argv[1])
    answers = os.fdopen(int(config["answers_fd"]), "w", encoding="utf-8")
    sys.stdout = sys.stderr  # whatever prints, prints there
    serve(config, sys.stdin, answers)
    exit_now(0)  # the batch waits for its lanes to end: no teardown of torch (~0.5 s)


if __name__ == "__main__":
    main()

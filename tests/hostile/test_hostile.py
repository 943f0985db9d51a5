"""Hostile submissions, graded on every sandbox backend: they finish, score what they earned,
and change nothing outside the sandbox.

``corpus/<case>/<stem>.py`` is one submission, for the lesson whose student file is
``<stem>.py`` (``linear_regression.py``: lesson 1.2, most cases; the rules, dtypes, timing
and boundary cases of other lessons have cases of their own), written as a student trying
an attack would; its docstring names the threat, what the student hopes and the safe
outcome, and its module-level ``EARNED`` lists the checks it honestly earns (optional
``TIME_LIMIT_S`` and ``EXPECT``, a regex the affected checks' messages match).
The test reads these with ``ast``: the test process never imports a hostile file.

Each case is graded on each backend (``process``, ``bwrap`` and, where it runs, ``docker``,
each cold and through its warm pool; the cases decided inside the submission's process and
on the trusted side alone, ``SAME_ON_EVERY_BACKEND``, skip the cold backends,
and those aimed at the job folder and the output channel, ``READ_THE_SAME_WAY``, skip cold
``docker``, unless ``GRADER_HOSTILE_ALL=1``) against a copy of the course whose reference carries a
canary, from that copy's folder, with a secret in the grader's environment. Then: the
score is exactly EARNED; every lost check says why; the canary, the secret and any
``HOSTILE-LEAK`` line (which the bait files in /tmp/corpus-bait hold too: a case that gets
the grader to read a host file shows it) appear nowhere in the result; no control
characters survive in it; sentinel files (in /tmp and in a temp folder), the bait files
and the course copy are unchanged; nothing named ``hostile*`` is left in the host's /tmp,
/dev/shm, /var/tmp or /dev/mqueue, and no new System V object on the host; no process is
left running; and a clean submission graded right after on the same backend (the same warm
pool: after every case; on a cold backend, after the cases aimed at what outlives a run),
which looks for anything left behind, still gets full marks.

The ``process`` backend of an unprivileged grader does not hide files or the network and
runs as the grader's user: the cases it cannot hold are strict xfails, and the ones that
would harm this machine or the test run (killing the grader, writing into site-packages)
are skipped. Run by root, it runs each job as a user of its own, in namespaces where the
kernel allows them, and holds all but the few listed below; README's "What the process
sandbox does not hold" says the same.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from grader.course.lessons import Lesson, all_lessons
from grader.grading.engine import grade_file
from grader.sandbox import SandboxError, get_backend
from tests.conftest import ROOT

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
CLEAN = HERE / "clean" / "linear_regression.py"
LESSON_OF = {les.spec.lesson.stem: les.id for les in all_lessons(ROOT)}
CASES = sorted({p.parent.name for p in CORPUS.glob("*/*.py") if p.stem in LESSON_OF})
BAIT = Path("/tmp/corpus-bait")  # host files a case may try to get the grader to read
BACKENDS = ["process", "bwrap", "process+warm", "bwrap+warm", "docker", "docker+warm"]
MARKER = b"hostile-marker"
LEAK = "HOSTILE-LEAK"
# A cold sandbox imports torch before the first probe (and docker starts a container):
# added to a case's time limit on that backend
COLD_START_S = {"process": 2.5, "bwrap": 2.5, "docker": 6.0}
# A cold sandbox is new for each run, so the clean submission graded after a case on a cold
# backend only needs to follow the cases that aim at what outlives a run (on warm pools it
# follows every case): the host checks of every case cover the rest.
OUTLIVES_A_RUN = {"daemon", "fill_disk", "fork_bomb", "hydra_daemon", "kill_everything",
                  "kill_parent", "rewrite_after_run",
                  "many_files", "many_threads", "pickle_beside", "prewrite_fifo",
                  "ptrace_parent", "shadow_modules", "shared_memory", "stash_state",
                  "swap_workdir", "write_site", "sysv_shm", "posix_mqueue", "memfd_flood",
                  "fork_memory", "userns_ramfs"}
SCRATCH = ["/tmp", "/dev/shm", "/var/tmp", "/dev/mqueue"]
# C0 and C1 controls (but tab and newline), lone surrogates, bidi overrides
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


def _host_has_a_route() -> bool:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("1.1.1.1", 53))
        return True
    except OSError:
        return False


# What the `process` backends cannot hold (README: "What the process sandbox does not hold").
# Run by root, the process sandbox runs each job as a user of its own (harness/launch.py),
# in PID, mount, IPC, network and UTS namespaces where the kernel allows them, and kills
# every process of that user and sweeps what it left before any output is read: it holds
# most of the corpus then. Run by an unprivileged user, it runs as that user, beside the
# grader.
ROOT_GRADER = os.geteuid() == 0
_SAME_MACHINE = "the process sandbox shares the machine's /tmp and /dev/shm"


def _process_namespaces() -> list[str]:
    try:
        return list(getattr(get_backend("process"), "namespaces", []))
    except SandboxError:
        return []


def _others_can_read_the_checkout() -> bool:
    from grader.sandbox.users import others_can_read

    return others_can_read(ROOT / "reference" / "1.2")


PROCESS_CANNOT_HOLD: dict[str, str] = {}
COLD_PROCESS_CANNOT_HOLD: dict[str, str] = {}
PROCESS_NOT_RUN: dict[str, str] = {}
COLD_PROCESS_NOT_RUN: dict[str, str] = {}
if ROOT_GRADER:
    if _others_can_read_the_checkout():
        PROCESS_CANNOT_HOLD["find_reference_glob"] = (
            "the sandbox's user may read what every user may: this checkout's reference too")
    if "net" not in _process_namespaces() and _host_has_a_route():
        PROCESS_CANNOT_HOLD["network"] = "no network namespace can be made here"
    if not {"pid", "mount"} <= set(_process_namespaces()):  # no /dev/shm of the job's own
        PROCESS_CANNOT_HOLD["shared_memory"] = (
            _SAME_MACHINE + " where no mount namespace can be made (what it leaves is removed, "
            "but it is not capped)")
else:  # the grader's own user; in a user namespace's PID, mount... namespaces if allowed
    _NS = _process_namespaces()
    PROCESS_CANNOT_HOLD.update({
        "find_reference_glob": "the process sandbox leaves the machine's files readable",
        "stash_state": _SAME_MACHINE,
        "shared_memory": _SAME_MACHINE + " (what it leaves is removed, but it is not capped)",
    })
    if not {"pid", "mount"} <= set(_NS):
        PROCESS_CANNOT_HOLD.update({
            "proc_parent": "the process sandbox runs beside the grader: /proc/<ppid> is the "
                           "grader",
            "proc_scan": "the process sandbox runs as the grader's user: /proc shows the grader",
        })
    if "net" not in _NS and _host_has_a_route():
        PROCESS_CANNOT_HOLD["network"] = "the process sandbox leaves the network open"
    if "pid" not in _NS:
        COLD_PROCESS_CANNOT_HOLD.update({
            "daemon": "a daemon that calls setsid leaves the process sandbox's process group",
            "hydra_daemon": "a daemon that calls setsid leaves the process sandbox's group",
            "rewrite_after_run": "a daemon that calls setsid outlives the process sandbox's run",
        })
        PROCESS_NOT_RUN.update({
            "kill_everything": "kill(-1) from the process sandbox reaches every process of "
                               "the grader's user (the case acts only inside a PID namespace)",
            "ptrace_parent": "the process sandbox can ptrace the grader or its worker as the "
                             "same user (the case acts only inside a PID namespace)",
        })
        COLD_PROCESS_NOT_RUN["kill_parent"] = (
            "the process sandbox's parent is the grader itself: it would end this run")
    PROCESS_NOT_RUN.update({
        "write_site": "the process sandbox can write into this machine's site-packages",
        "grader_terminal": "the process sandbox runs as the owner of the grader's terminal",
        "regain_root": "an unprivileged grader's sandbox has its user's sudo, if any",
    })


@dataclass(frozen=True)
class Case:
    name: str
    path: Path
    earned: list[str]
    time_limit_s: float | None
    expect: str | None
    lesson: str


def case_path(name: str) -> Path:
    """The submission of a case: its file named like a lesson's (others beside it are
    props, such as modules it hopes will shadow real ones)."""
    (path,) = [p for p in (CORPUS / name).glob("*.py") if p.stem in LESSON_OF]
    return path


def read_case(name: str) -> Case:
    """The case's declarations, read from its source without running it."""
    path = case_path(name)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert ast.get_docstring(tree), f"{name}: the docstring names the threat"
    found: dict[str, Any] = {}
    for node in tree.body:
        target = node.targets[0] if isinstance(node, ast.Assign) else \
            node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(target, ast.Name) and node.value is not None:
            if target.id in ("EARNED", "TIME_LIMIT_S", "EXPECT"):
                found[target.id] = ast.literal_eval(node.value)
    assert "EARNED" in found, f"{name}: EARNED is missing"
    return Case(name, path, list(found["EARNED"]), found.get("TIME_LIMIT_S"),
                found.get("EXPECT"), LESSON_OF[path.stem])


# ------------------------------------------------------------------ the course and the host

@dataclass
class Course:
    root: Path
    lessons: dict[str, Lesson]
    canary: str
    files: dict[str, str]  # relative path -> sha256, as copied

    @property
    def lesson(self) -> Lesson:
        return self.lessons["1.2"]


COURSE_LESSONS = sorted({"1.2"} | {read_case(name).lesson for name in CASES})


def _copy_course(root: Path, canary: str) -> None:
    """The corpus's lessons and the course's datasets (held-out splits included: the sandbox
    must hide them), each reference carrying ``canary``."""
    shutil.copy2(ROOT / "course.toml", root / "course.toml")
    shutil.copytree(ROOT / "datasets", root / "datasets")
    for lesson_id in COURSE_LESSONS:
        for part in ("reference", "assignments"):
            shutil.copytree(ROOT / part / lesson_id, root / part / lesson_id)
        solution = root / "reference" / lesson_id / "solution.py"
        solution.write_text(solution.read_text() + f"\n# {canary}\n")


def _hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()}


@pytest.fixture(scope="module")
def course() -> Iterator[Course]:
    """A copy of the course (the lessons the corpus grades) whose references carry a canary
    comment."""
    root = Path(tempfile.mkdtemp(prefix="corpus-course-"))
    canary = f"CANARY-{uuid.uuid4().hex}"
    _copy_course(root, canary)
    yield Course(root, {i: Lesson(i, root=root) for i in COURSE_LESSONS}, canary, _hashes(root))
    shutil.rmtree(root, ignore_errors=True)


@dataclass
class Sentinels:
    files: dict[Path, bytes]


def _bait_events() -> bytes:
    """Events that, read as a job's, would show the leak marker in every message."""
    lines: list[dict[str, Any]] = [
        {"event": "loaded", "ok": True, "errors": [], "elapsed_s": 0.0}]
    for probe in ("predict", "loss", "grad", "step", "fit"):
        lines += [{"event": "start", "probe": probe},
                  {"event": "done", "probe": probe, "status": "error",
                   "error": f"{LEAK}: the host's events file was read", "outputs": {},
                   "violations": [], "elapsed_s": 0.0, "step_times": []}]
    lines.append({"event": "finished"})
    return "".join(json.dumps(line) + "\n" for line in lines).encode()


@pytest.fixture(scope="module")
def sentinels() -> Iterator[Sentinels]:
    """Files a submission must not change: one in /tmp, one in a temp folder of its own,
    and the bait files (host files that would show the leak marker if they were read)."""
    folder = Path(tempfile.mkdtemp(prefix="corpus-run-"))
    files = {Path(f"/tmp/corpus-sentinel-{uuid.uuid4().hex}.txt"): b"sentinel in /tmp\n",
             folder / "corpus-sentinel.txt": b"sentinel in a temp folder\n",
             BAIT / "stdout": f"{LEAK}: the host's stdout file was read\n".encode(),
             BAIT / "stderr": f"{LEAK}: the host's stderr file was read\n".encode(),
             BAIT / "events.jsonl": _bait_events()}
    BAIT.mkdir(exist_ok=True)
    for path, data in files.items():
        path.write_bytes(data)
    yield Sentinels(files)
    for path in files:
        if not path.is_relative_to(BAIT):  # the bait stays: a run beside this one reads it
            path.unlink(missing_ok=True)
    shutil.rmtree(folder, ignore_errors=True)


_BACKENDS: dict[str, Any] = {}


def backend_for(name: str) -> Any:
    """The backend called ``name`` (``<base>+warm``: that base's shared warm pool)."""
    if name not in _BACKENDS:
        base, _, warm = name.partition("+")
        try:
            _BACKENDS[name] = get_backend(base, warm=bool(warm))
        except SandboxError as e:
            _BACKENDS[name] = e
    found = _BACKENDS[name]
    if isinstance(found, SandboxError):
        pytest.skip(f"the {name} sandbox is not available here: {found}")
    return found


def _processes() -> dict[int, tuple[int, bytes, int]]:
    """pid -> (parent pid, command line, session) of every live (non-zombie) process."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read()
        except (OSError, IndexError):
            continue
        if fields[0] != b"Z":
            table[int(entry)] = (int(fields[1]), cmdline, int(fields[3]))
    return table


def stray_processes() -> dict[int, bytes]:
    """Processes a grading left behind: any carrying the corpus's marker, and any of this
    test process's descendants other than warm workers (``zygote.py``, and the bwrap around
    it) and the one spare child each worker forks ahead for its next job (in the worker's
    own session: a job's first act is a session of its own); any other child of a worker
    is a job that outlived its grading."""
    def worker(cmd: bytes) -> bool:  # the fork server itself, not the bwrap (or the process
        # sandbox's launcher and init) around it
        return b"harness/zygote.py" in cmd and not cmd.split(b"\0")[0].endswith(b"bwrap") \
            and b"harness/launch.py" not in cmd

    stray: dict[int, bytes] = {}
    for _ in range(20):  # a killed process may need a moment to be reaped
        table = _processes()
        children: dict[int, list[int]] = {}
        for pid, (ppid, _, _) in table.items():
            children.setdefault(ppid, []).append(pid)
        stray = {pid: cmd for pid, (_, cmd, _) in table.items() if MARKER in cmd}
        todo = list(children.get(os.getpid(), []))
        while todo:
            pid = todo.pop()
            ppid, cmd, session = table[pid]
            parent = table.get(ppid, (0, b"", 0))
            if b"harness/zygote.py" not in cmd or worker(parent[1]):
                spares = [k for k in children.get(ppid, []) if table[k][2] == parent[2]]
                if not (worker(parent[1]) and session == parent[2] and spares == [pid]):
                    stray[pid] = cmd
            todo.extend(children.get(pid, []))
        if not stray:
            return {}
        time.sleep(0.05)
    return stray


def system_v_objects() -> set[str]:
    """The System V objects of the host's IPC namespace (this process's) that a sandbox
    could have made: those made by this user or by nobody (a PostgreSQL server on the
    same machine makes its own)."""
    found = set()
    for kind in ("shm", "msg", "sem"):
        try:
            with open(f"/proc/sysvipc/{kind}", encoding="ascii") as f:
                header, *rows = f.read().splitlines()
        except OSError:
            continue
        creator = header.split().index("cuid")
        found |= {f"{kind} {row.split()[1]}" for row in rows
                  if int(row.split()[creator]) in (os.geteuid(), 65534)}
    return found


def _remove_system_v(objects: set[str]) -> None:
    for obj in objects:
        kind, ident = obj.split()
        flag = {"shm": "-m", "msg": "-q", "sem": "-s"}[kind]
        subprocess.run(["ipcrm", flag, ident], capture_output=True, check=False)


def hostile_leftovers() -> list[str]:
    found = []
    for folder in SCRATCH:
        try:
            found += [os.path.join(folder, n) for n in os.listdir(folder)
                      if n.startswith("hostile")]
        except OSError:
            continue
    return found


def _clean_host(stray: dict[int, bytes], course: Course, sentinels: Sentinels) -> None:
    """Undo what a case that got through did, so the next case starts clean."""
    for pid in stray:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    for path in hostile_leftovers():
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            Path(path).unlink(missing_ok=True)
    BAIT.mkdir(exist_ok=True)
    for extra in set(BAIT.iterdir()) - set(sentinels.files):
        shutil.rmtree(extra) if extra.is_dir() else extra.unlink()
    for path, data in sentinels.files.items():
        path.write_bytes(data)
    if _hashes(course.root) != course.files:
        for extra in course.root.iterdir():
            shutil.rmtree(extra) if extra.is_dir() and not extra.is_symlink() else extra.unlink()
        _copy_course(course.root, course.canary)


# ------------------------------------------------------------------ the result

def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def check_result(result: Any, case: Case, course: Course, backend: str) -> None:
    dump = result.model_dump_json()  # must serialise: no lone surrogates left in it
    shown = f"{case.name} on {backend}:\n" + "\n".join(
        f"  {c.status:8} {c.name}: {c.message[:300]}" for c in result.checks) + \
        f"\n  notes: {result.notes}\n  output: {result.output[-600:]!r}"
    assert course.canary not in dump, f"the reference's canary leaked\n{shown}"
    assert LEAK not in dump, f"the submission reported a leak\n{shown}"
    for text in _strings(result.model_dump(mode="json")):
        bad = _UNSAFE.search(text)
        assert bad is None, f"unsafe character {bad.group()!r} in {text[:200]!r}\n{shown}"
    assert len(result.output) <= 4000 + len("\n… (truncated)")
    points = {c.name: c.max_points for c in result.checks}
    passed = sorted(c.name for c in result.checks if c.status == "passed")
    # a file that reaches code the rule scan cannot follow (exec, os.execv, ...) loses the
    # rule-bound checks by design (flagged for review): honest points it no longer earns
    flagged = {c.name for c in result.checks if "Flagged for review" in c.message}
    earned = sorted(n for n in case.earned if n not in flagged)
    assert passed == earned, f"earned {passed}, expected {earned}\n{shown}"
    assert result.score == sum(points[n] for n in earned), shown
    lost = [c for c in result.checks if c.status != "passed"]
    for c in lost:
        assert c.points == 0 and len(c.message.strip()) > 10, f"unclear: {c.name}\n{shown}"
    if case.expect:
        said = [c.message for c in lost] + list(result.notes)
        assert any(re.search(case.expect, s, re.I) for s in said), \
            f"no message matches {case.expect!r}\n{shown}"


# The groups of the threat list, and the cases for each.
GROUPS = {
    "resource exhaustion": [
        "cpu_loop", "sleep_forever", "stdin_read", "gil_hold", "ignore_signals", "huge_alloc",
        "fork_bomb", "many_threads", "num_threads_512", "shared_memory", "flood_output",
        "fill_disk", "unlinked_files", "many_files", "sparse_file", "daemon", "hydra_daemon"],
    "escape and visibility": [
        "find_reference_relative", "find_reference_glob", "proc_parent", "environment",
        "network", "kill_parent", "kill_everything", "ptrace_parent", "write_site",
        "stash_state", "proc_scan", "regain_root", "grader_terminal"],
    "score tampering": [
        "exit_midrun", "always_equal", "tensor_subclass", "monkeypatch_torch",
        "patch_harness", "shadow_modules", "autograd_hidden", "background_thread"],
    "forging the output channel": [
        "print_score", "forge_events", "deep_json_events", "json_tricks_events",
        "prewrite_fifo", "lock_delete_results", "swap_workdir", "nul_escapes",
        "rewrite_after_run"],
    "deserialisation": [
        "pickle_beside", "pickle_as_output", "pickle_in_checkpoint", "st_overlap", "st_huge",
        "st_many_entries",
        "st_deep_header"],
    "rules a student can switch off": [
        "rules_bound_by_assignment", "rules_autograd_by_strings", "rules_globals_helper",
        "rules_optim_alias_unwatched", "rules_optim_importlib", "tolerance_bfloat16",
        "dtype_int32_indices", "dtype_always_float32", "boundary_drop_last",
        "boundary_single_feature", "timing_clock_patched", "timing_precomputed",
        "timing_forged_record", "timing_kill_supervisor"],
    "warm workers and the host": [
        "link_log_folder", "link_out_folder", "hardlink_results", "fifo_log",
        "forge_numlist", "forge_int_inf", "forge_wide", "events_flood", "huge_results",
        "broadcast_params", "many_layers", "sysv_shm", "posix_mqueue", "memfd_flood",
        "fork_memory", "userns_ramfs"],
}
# Cases decided inside the submission's own process and on the trusted side alone (what the
# harness runs, what the grader reads back and checks), the same whichever sandbox holds
# the process: graded through every warm pool (the paths grade, batch, Gradescope and the
# service take), not again on the cold backends (``--gpu``, ``batch --cold``), where they
# would only add minutes. GRADER_HOSTILE_ALL=1 grades every case on every backend.
SAME_ON_EVERY_BACKEND = set(GROUPS["score tampering"] + GROUPS["deserialisation"]
                            + GROUPS["rules a student can switch off"]) - OUTLIVES_A_RUN
# Cases aimed at the job folder and the output channel, which the trusted side reads the same
# way whatever the backend (no link followed, headers checked, budgets spent first): not
# again on cold docker, whose container boundaries the other groups test.
READ_THE_SAME_WAY = set(GROUPS["forging the output channel"]
                        + GROUPS["warm workers and the host"]) - OUTLIVES_A_RUN
EVERY_CASE_EVERYWHERE = os.environ.get("GRADER_HOSTILE_ALL") == "1"


def _graded_on(backend: str, name: str) -> bool:
    """Whether the case is graded on the backend (every case everywhere with
    GRADER_HOSTILE_ALL=1)."""
    if EVERY_CASE_EVERYWHERE:
        return True
    if "+warm" not in backend and name in SAME_ON_EVERY_BACKEND:
        return False
    return not (backend == "docker" and name in READ_THE_SAME_WAY)


def _params() -> list[Any]:
    params = []
    for backend in BACKENDS:
        for name in CASES:
            if not _graded_on(backend, name):
                continue
            marks = []
            if backend.startswith("process"):
                cold = backend == "process"
                skip = PROCESS_NOT_RUN.get(name) or (cold and COLD_PROCESS_NOT_RUN.get(name))
                xfail = PROCESS_CANNOT_HOLD.get(name) or (
                    cold and COLD_PROCESS_CANNOT_HOLD.get(name))
                if skip:
                    marks.append(pytest.mark.skip(reason=skip))
                elif xfail:
                    marks.append(pytest.mark.xfail(strict=True, reason=xfail))
            params.append(pytest.param(backend, name, marks=marks, id=f"{backend}-{name}"))
    return params


@pytest.mark.parametrize(("backend_name", "name"), _params())
def test_hostile_submission(backend_name: str, name: str, course: Course,
                            sentinels: Sentinels, monkeypatch: pytest.MonkeyPatch) -> None:
    backend = backend_for(backend_name)
    case = read_case(name)
    monkeypatch.chdir(course.root)  # graded from the course folder, as an instructor would
    monkeypatch.setenv("GRADER_SECRET_TOKEN", course.canary)
    assert not hostile_leftovers() and not stray_processes(), "not clean before the case"
    system_v = system_v_objects()
    limit = case.time_limit_s
    if limit is not None and "+warm" not in backend_name:
        limit += COLD_START_S[backend_name]
    seed = zlib.crc32(name.encode()) % 10_000
    stray: dict[int, bytes] = {}
    try:
        started = time.monotonic()
        result = grade_file(course.lessons[case.lesson], case.path, seed=seed, sandbox=backend,
                            time_limit_s=limit)
        elapsed = time.monotonic() - started
        stray = stray_processes()
        left = hostile_leftovers()
        new_system_v = system_v_objects() - system_v
        check_result(result, case, course, backend_name)
        bound = 45.0 if limit is None else 4 * limit + 15
        assert elapsed < bound, f"grading took {elapsed:.1f} s (bound {bound:.0f} s)"
        assert not stray, f"processes left running: {stray}"
        assert not left, f"left in the host's scratch folders: {left}"
        assert not new_system_v, f"System V objects left on the host: {new_system_v}"
        for path, data in sentinels.files.items():
            assert path.exists() and path.read_bytes() == data, f"sentinel {path} changed"
        assert _hashes(course.root) == course.files, "the course folder changed"
        if "+warm" in backend_name or name in OUTLIVES_A_RUN:
            clean = grade_file(course.lesson, CLEAN, seed=seed + 1, sandbox=backend)
            assert course.canary not in clean.model_dump_json()
            assert clean.score == clean.max_score, (
                f"the clean submission graded next lost points: "
                f"{[(c.name, c.message[:200]) for c in clean.checks if c.status != 'passed']}"
                f"\noutput: {clean.output[-800:]}")
    finally:
        _remove_system_v(system_v_objects() - system_v)
        _clean_host(stray or stray_processes(), course, sentinels)




def test_the_corpus_covers_every_threat_group() -> None:
    """At least 30 cases, each in one group, with a docstring (threat, hope, safe outcome)
    and EARNED."""
    grouped = [name for names in GROUPS.values() for name in names]
    assert sorted(grouped) == CASES and len(CASES) >= 30
    for name in CASES:
        doc = ast.get_docstring(ast.parse(case_path(name).read_text()))
        assert doc and doc.startswith("Threat:") and "Hope:" in doc and "Safe outcome:" in doc
        read_case(name)

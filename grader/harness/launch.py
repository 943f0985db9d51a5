"""Start student code as an unprivileged user, inside namespaces where they can be made.

The ``process`` sandbox runs this as root (a root grader: Gradescope, a container, a
server), never as the student:

    python -I -S -B launch.py CONFIG -- COMMAND...

CONFIG is a JSON object: ``uid`` and ``gid`` (the job's own user, which owns nothing but
the job's ``home/`` and ``out/``; ``null`` to stay root, for the warm worker, which drops
to each job's user itself), ``namespaces`` (names from ``NAMESPACES``; they are made or
the launch fails: never a silent fallback), ``max_processes`` (RLIMIT_NPROC once the user
is not root), ``shm_mb`` (with a mount namespace: the size of the job's own /dev/shm) and
``report_fd`` (where the launcher writes one JSON line for the trusted side: what it made,
and how the command ended).

As root, the launcher becomes a subreaper, unshares the namespaces and forks; the child
(pid 1 of a new PID namespace, if one was made) mounts a fresh ``/proc`` (with a mount
namespace: the grader's processes are then invisible, and a /dev/shm of its own, a tmpfs
of ``shm_mb``: POSIX shared memory no process maps is held there, not in the machine's
RAM without a limit), forks the command's process,
reaps every orphan, and exits when the command ends, which ends everything left in the
namespace. The command's process drops to the job's user (no supplementary groups,
``no_new_privs``: a setuid binary cannot raise it back) and execs COMMAND. When the command
has ended, every process of the job's user is killed (``kill_user``: ``kill(-1)`` as that
user, which reaches exactly its processes, until none is alive), so a daemon that
double-forked and called setsid is gone before the trusted side reads a single output.

Also ``launch.py --probe UID GID`` (what can be made here: a JSON line) and ``launch.py
--kill UID GID`` (``kill_user``; exit status 0 when none is left). The warm worker
(``zygote.py``) imports ``drop_privileges``, ``kill_user`` and ``sweep_user``.
Standard library only: it runs beside student code.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import stat
import sys
import time
from typing import Any

CLONE_NEWUSER = 0x10000000
CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
NAMESPACES = {"pid": CLONE_NEWPID, "mount": CLONE_NEWNS, "ipc": CLONE_NEWIPC,
              "net": CLONE_NEWNET, "uts": CLONE_NEWUTS}
PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND = 1, 2, 4, 8, 32, 4096
MS_REC, MS_PRIVATE = 16384, 1 << 18
IPC_RMID = 0
# Folders any user may write to, where a job's files would outlive it (``sweep_user``).
SHARED_SCRATCH = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock", "/dev/mqueue")
KILL_ROUNDS = 2000  # of kill(-1), about 2 ms apart: a job that will not die in 4 s is reported


_LIBC: list[Any] = []


def _libc() -> Any:
    """One handle for the process: each is a class of its own, garbage once dropped, and a
    warm worker collects no garbage (``zygote.main``)."""
    if not _LIBC:
        _LIBC.append(ctypes.CDLL(None, use_errno=True))
    return _LIBC[0]


def prctl(option: int, value: int) -> None:
    if _libc().prctl(option, value, 0, 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"prctl({option}): {os.strerror(err)}")


def unshare(names: list[str]) -> None:
    """New namespaces (``NAMESPACES`` names) for this process's next children."""
    flags = 0
    for name in names:
        flags |= NAMESPACES[name]
    if flags and _libc().unshare(flags) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"unshare({'+'.join(names)}): {os.strerror(err)}")


def enter_user_namespace() -> None:
    """An unprivileged grader's way in: a new user namespace in which this process keeps its
    own user and group (mapped to themselves, no supplementary groups) and holds, until it
    execs, the capabilities to make the other namespaces. Student code, exec'd as a user
    that is not root there, holds none; it is the grader's own user all the same."""
    uid, gid = os.getuid(), os.getgid()
    if _libc().unshare(CLONE_NEWUSER) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"unshare(user): {os.strerror(err)}")
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"),
                       ("gid_map", f"{gid} {gid} 1")):
        fd = os.open(f"/proc/self/{name}", os.O_WRONLY)
        try:
            os.write(fd, text.encode())
        finally:
            os.close(fd)


def _mount_proc() -> None:
    """In a new mount and PID namespace: a private root, and a /proc of this namespace only."""
    libc = _libc()
    if libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"making / private: {os.strerror(err)}")
    if libc.mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mounting /proc: {os.strerror(err)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int,
           data: str | None = None) -> None:
    enc = (lambda x: x.encode() if x is not None else None)  # noqa: E731
    if _libc().mount(enc(source), enc(target), enc(fstype), flags, enc(data)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {target}: {os.strerror(err)}")


def reveal(cover: list[str], paths: list[list[Any]]) -> None:
    """Make ``paths`` (``[path, read_only]``) reachable by the sandbox's user though a
    folder above them is closed to other users (a Python installed under /root, mode
    0700): each folder in ``cover`` becomes, in this mount namespace only, an empty tmpfs
    holding just those paths, bind-mounted from the originals (read-only where asked).
    Needs a mount namespace and this namespace's /proc (``/proc/self/fd`` reaches the
    originals once they are covered)."""
    held = [(os.open(path, os.O_PATH | os.O_CLOEXEC), path, bool(ro)) for path, ro in paths]
    old = os.umask(0o066)  # passable, not listable: 0711 folders on the way
    try:
        for folder in cover:
            _mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0711,size=64k")
        for fd, path, ro in held:
            os.makedirs(path, exist_ok=True)
            _mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC)
            if ro:
                _mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY)
            os.close(fd)
    finally:
        os.umask(old)


def drop_privileges(uid: int, gid: int) -> None:
    """Become ``uid``:``gid`` for good: no supplementary groups, real, effective and saved
    ids all the job's, no way back to root, and no new privileges from setuid files."""
    if uid == 0 or gid == 0:
        raise PermissionError("refusing to run student code as root")
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    if os.getresuid() != (uid, uid, uid) or os.getresgid() != (gid, gid, gid) \
            or os.getgroups():
        raise PermissionError("the switch to the sandbox's user did not hold")
    try:
        os.setuid(0)
    except PermissionError:
        return
    raise PermissionError("the sandbox's user could become root again")


PF_EXITING = 0x4  # a task's flag (``/proc/PID/task/TID/stat``, field 9) once it is dying


def dying(pid: int) -> bool:
    """Whether every thread of ``pid`` is dying or gone: past that point a task runs no
    user code and starts no system call again (its memory may still be being freed, which
    takes a process forked from torch ~10 ms)."""
    try:
        tids = os.listdir(b"/proc/%d/task" % pid)
    except OSError:
        return True
    for tid in tids:
        try:
            with open(b"/proc/%d/task/%s/stat" % (pid, tid), "rb") as f:
                flags = int(f.read().rsplit(b")", 1)[-1].split()[6])
        except (OSError, IndexError, ValueError):
            continue  # gone
        if not flags & PF_EXITING:
            return False
    return True


def user_processes(uid: int, exclude: int = 0) -> list[int]:
    """Live processes with ``uid`` as their real, effective or saved user: not zombies,
    and not dying (``dying``). (Bytes only: it also runs after the switch, when the stdlib
    may be out of reach.)"""
    found = []
    want = str(uid).encode()
    for entry in os.listdir(b"/proc"):
        if not entry.isdigit() or int(entry) == exclude:
            continue
        try:
            with open(b"/proc/" + entry + b"/status", "rb") as f:
                status = f.read()
        except OSError:
            continue
        uids: list[bytes] = []
        state = b""
        for line in status.split(b"\n"):
            if line.startswith(b"Uid:"):
                uids = line.split()[1:4]
            elif line.startswith(b"State:"):
                state = line[6:].strip()[:1]
        if want in uids and state not in (b"Z", b"X") and not dying(int(entry)):
            found.append(int(entry))
    return found


def kill_user(uid: int, gid: int, settle: bool = True) -> bool:
    """Kill every process of ``uid``; True when none is left alive (without ``settle``:
    one pass, after which none can do anything, though some may still be dying).

    A forked helper becomes ``uid`` and calls ``kill(-1, SIGKILL)``, which the kernel sends
    to every process that user may signal (its own, and nothing else) in one pass that
    new forks cannot slip through; it repeats until no live process of ``uid`` remains.
    Call it from a single-threaded process (the launcher, the warm worker); the trusted
    side runs ``launch.py --kill``.

    Where ``setpriv`` is installed (util-linux), the helper is spawned, not forked: a fork
    of a warm worker that holds torch copies its page tables (~10 ms) and its exit frees
    them again, twice per job. ``setpriv`` sets the real, effective and saved ids (so no
    capability is kept) and runs ``/bin/sh -c "kill -9 -1"``: the same single
    ``kill(-1, SIGKILL)`` as ``uid``; this process then looks for what is left."""
    spawn = _spawned_killer(uid, gid)
    if spawn is not None:
        for _ in range(KILL_ROUNDS):
            try:
                os.waitpid(os.posix_spawn(spawn[0], spawn, {"PATH": "/usr/bin:/bin"}), 0)
            except OSError:
                break  # it could not be run after all: the forked helper, below
            if not settle or not user_processes(uid):
                return True
            time.sleep(0.002)
        else:
            return False
    helper = os.fork()
    if helper == 0:
        code = 2
        try:
            drop_privileges(uid, gid)
            code = 1
            for _ in range(KILL_ROUNDS):
                try:
                    os.kill(-1, signal.SIGKILL)
                except ProcessLookupError:
                    code = 0
                    break
                if not settle or not user_processes(uid, exclude=os.getpid()):
                    code = 0
                    break
                time.sleep(0.002)
        finally:
            os._exit(code)
    _, status = os.waitpid(helper, 0)
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def _spawned_killer(uid: int, gid: int) -> list[str] | None:
    """The command that sends ``kill(-1, SIGKILL)`` as ``uid`` (``kill_user``), or None."""
    if uid == 0 or gid == 0:
        raise PermissionError("refusing to kill as root")
    setpriv = next((p for p in ("/usr/bin/setpriv", "/bin/setpriv") if os.access(p, os.X_OK)),
                   None)
    if setpriv is None or not os.access("/bin/sh", os.X_OK):
        return None
    return [setpriv, f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--no-new-privs",
            "/bin/sh", "-c", "kill -9 -1"]


def _remove(path: str) -> None:
    try:
        info = os.lstat(path)
    except OSError:
        return
    if stat.S_ISDIR(info.st_mode):
        stack = [path]
        while stack:  # a job can lock its folders (mode 000): unlock them first
            folder = stack.pop()
            try:
                os.chmod(folder, 0o700)
                with os.scandir(folder) as entries:
                    stack.extend(e.path for e in entries if e.is_dir(follow_symlinks=False))
            except OSError:
                continue
        import shutil  # noqa: PLC0415 - only when a job left a folder

        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            os.unlink(path)
        except OSError:
            pass


def _sysv_ids(kind: str, uid: int) -> list[int]:
    """Ids of the System V IPC objects (``shm``, ``sem``, ``msg``) owned or made by ``uid``."""
    try:
        with open(f"/proc/sysvipc/{kind}", encoding="ascii") as f:
            header, *rows = f.read().splitlines()
    except (OSError, ValueError):
        return []
    names = header.split()
    found = []
    for row in rows:
        values = dict(zip(names, row.split(), strict=False))
        if str(uid) in (values.get("uid"), values.get("cuid")):
            key = {"shm": "shmid", "sem": "semid", "msg": "msqid"}[kind]
            if values.get(key, "").isdigit():
                found.append(int(values[key]))
    return found


def sweep_user(uid: int, places: tuple[str, ...] = SHARED_SCRATCH) -> list[str]:
    """Remove what ``uid`` left where any user may write (``places``, and the shared
    folders directly inside them), and its System V IPC objects; the paths removed.
    Only once none of its processes is alive (``kill_user``): nothing can race it then."""
    removed = []
    for place in places:
        folders = [place]
        while folders:
            folder = folders.pop()
            try:
                if stat.S_ISLNK(os.lstat(folder).st_mode):
                    continue
                entries = list(os.scandir(folder))
            except OSError:
                continue
            for entry in entries:
                try:
                    info = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                if info.st_uid == uid:
                    _remove(entry.path)
                    removed.append(entry.path)
                elif folder == place and stat.S_ISDIR(info.st_mode) \
                        and info.st_mode & stat.S_IWOTH:
                    folders.append(entry.path)  # e.g. /tmp/.X11-unix: shared in turn
    libc = _libc()
    for kind, rm in (("shm", lambda i: libc.shmctl(i, IPC_RMID, None)),
                     ("sem", lambda i: libc.semctl(i, 0, IPC_RMID)),
                     ("msg", lambda i: libc.msgctl(i, IPC_RMID, None))):
        for ident in _sysv_ids(kind, uid):
            if rm(ident) == 0:
                removed.append(f"System V {kind} {ident}")
    return removed


# ---------------------------------------------------------------------------- launching


def _report(fd: int | None, **fields: Any) -> None:
    if fd is None:
        if "error" in fields:
            os.write(2, f"launch: {fields['error']}\n".encode())
        return
    try:
        os.write(fd, (json.dumps(fields) + "\n").encode())
    except OSError:
        pass


def _quiet_stdio() -> None:
    """The launcher and the init use no stdio: hand the command its pipes alone (so the
    reader sees their end when the command ends)."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1):
        os.dup2(null, fd)
    os.close(null)


def _become(command: list[str], config: dict[str, Any]) -> None:
    """In the command's process: drop to the job's user and exec. Never returns."""
    try:
        if config.get("report_fd") is not None:  # the trusted side's channel: not the job's
            try:
                os.close(int(config["report_fd"]))
            except OSError:
                pass
        uid, gid = config.get("uid"), config.get("gid")
        if uid is not None:
            drop_privileges(int(uid), int(gid if gid is not None else uid))
            prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # a change of user clears it
            n = config.get("max_processes")
            if n:
                import resource  # noqa: PLC0415

                resource.setrlimit(resource.RLIMIT_NPROC, (int(n), int(n)))
        elif os.getuid() == 0 and not config.get("stay_root"):
            raise PermissionError("refusing to run student code as root")
        prctl(PR_SET_NO_NEW_PRIVS, 1)
        os.closerange(3, 65536)  # the command gets its stdio and nothing of ours
        os.execv(command[0], command)
    except BaseException as e:  # noqa: BLE001 - report it, never run the command as root
        try:
            os.write(2, f"launch: cannot start the sandboxed process: {e}\n".encode())
        finally:
            os._exit(126)


def _init(command: list[str], config: dict[str, Any], report: int | None) -> None:
    """pid 1 of the new PID namespace: start the command, reap every orphan, end with the
    command (which ends everything else in the namespace). Never returns."""
    worker = os.fork()
    if worker == 0:
        if report is not None:
            os.close(report)
        _become(command, config)
    _quiet_stdio()
    status = 0
    while True:
        try:
            pid, st = os.waitpid(-1, 0)
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        if pid == worker:
            status = st
            break
    _report(report, status=status)
    os._exit(0)


def _wait_for(child: int) -> int:
    """Reap orphans (we are their subreaper) until ``child`` ends; its wait status."""
    while True:
        try:
            pid, st = os.waitpid(-1, 0)
        except InterruptedError:
            continue
        if pid == child:
            return st


def _reap_all(deadline_s: float = 5.0) -> None:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.005)


def launch(config: dict[str, Any], command: list[str]) -> int:
    """The launcher: see the module's docstring. Returns an exit status (or dies of the
    signal that ended the command)."""
    report = config.get("report_fd")
    names = list(config.get("namespaces") or [])
    me = os.getpid()
    prctl(PR_SET_CHILD_SUBREAPER, 1)
    uid = config.get("uid")
    if uid is not None and 0 in (int(uid), int(config.get("gid") if config.get("gid")
                                                   is not None else uid)):
        os.write(2, b"launch: refusing to run student code as root\n")
        return 126
    if uid is not None and not config.get("clean"):  # a crashed grader may have left
        gid = config.get("gid")  # processes of this user: none may meet the job (and before
        # unshare: no fork after it); a clean lease's last job left none (``users.Lease``)
        if not kill_user(int(uid), int(gid if gid is not None else uid), settle=False):
            _report(report, error=f"processes of the sandbox's user {uid} would not die")
            return 125
    try:
        if config.get("userns"):
            enter_user_namespace()
        unshare(names)
    except OSError as e:
        _report(report, error=f"cannot make the namespaces {names}: {e.strerror or e}")
        return 125
    inner_r, inner_w = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(inner_r)
        try:
            prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
            if os.getppid() not in (me, 0):  # 0: the parent is outside the new PID namespace
                os._exit(125)
            if "mount" in names and "pid" in names:
                _mount_proc()
                if config.get("shm_mb"):
                    _mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV,
                           f"mode=1777,size={int(config['shm_mb'])}m")
                if config.get("cover"):
                    reveal(config["cover"], config.get("reveal") or [])
            elif config.get("cover"):
                raise OSError(0, "a closed folder to cover needs a mount and a PID namespace")
            if "uts" in names:
                _libc().sethostname(b"sandbox", 7)
        except OSError as e:
            _report(inner_w, error=f"cannot set up the namespaces: {e}")
            os._exit(125)
        if "pid" in names:
            _init(command, config, inner_w)
        os.close(inner_w)
        _become(command, config)
    os.close(inner_w)
    _quiet_stdio()
    st = _wait_for(child)
    inner = b""
    while chunk := os.read(inner_r, 4096):
        inner += chunk
    os.close(inner_r)
    said: dict[str, Any] = json.loads(inner) if inner.strip() else {}
    if "error" in said:
        _report(report, error=said["error"])
        return 125
    if "status" in said:  # what the init saw of the command
        st = int(said["status"])
    cleared = True
    # (in a PID namespace the init's end has ended everything in it already, and this
    # process can fork no more; the trusted side also kills the user's processes after)
    if uid is not None and "pid" not in names:
        gid = config.get("gid")
        cleared = kill_user(int(uid), int(gid if gid is not None else uid))
    _reap_all()
    _report(report, uid=uid, namespaces=names, cleared=cleared, status=st)
    if os.WIFSIGNALED(st):
        sig = os.WTERMSIG(st)
        if sig not in (signal.SIGKILL, signal.SIGSTOP):
            signal.signal(sig, signal.SIG_DFL)
        os.kill(os.getpid(), sig)
        time.sleep(1)
        return 128 + sig
    return os.WEXITSTATUS(st) if os.WIFEXITED(st) else 1


def probe(uid: int | None, gid: int | None, sets: list[list[str]],
          userns: bool = False) -> dict[str, Any]:
    """What can be made here, tried in a child: the first of ``sets`` of namespaces that
    unshare accepts (inside a new user namespace with ``userns``; with a fresh /proc where
    a mount and a PID namespace are asked), and whether the switch to ``uid`` holds."""
    result: dict[str, Any] = {"namespaces": [], "drop": None}
    for names in sets:
        r, w = os.pipe()
        child = os.fork()
        if child == 0:
            os.close(r)
            ok = False
            try:
                if userns:
                    enter_user_namespace()
                unshare(names)
                grandchild = os.fork()
                if grandchild == 0:
                    code = 1
                    try:
                        if "mount" in names and "pid" in names:
                            _mount_proc()
                        code = 0
                    finally:
                        os._exit(code)
                _, st = os.waitpid(grandchild, 0)
                ok = os.WIFEXITED(st) and os.WEXITSTATUS(st) == 0
            except BaseException:  # noqa: BLE001, S110 - not possible here
                pass
            os.write(w, b"1" if ok else b"0")
            os._exit(0)
        os.close(w)
        ok = os.read(r, 1) == b"1"
        os.close(r)
        os.waitpid(child, 0)
        if ok:
            result["namespaces"] = names
            break
    if uid is None or gid is None:
        return result
    r, w = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(r)
        message = "ok"
        try:
            drop_privileges(uid, gid)
        except BaseException as e:  # noqa: BLE001
            message = f"{type(e).__name__}: {e}"
        os.write(w, message.encode()[:4000])
        os._exit(0)
    os.close(w)
    said = os.read(r, 4096).decode(errors="replace")
    os.close(r)
    os.waitpid(child, 0)
    result["drop"] = said
    return result


def main(argv: list[str]) -> int:
    if len(argv) >= 3 and argv[1] == "--probe-userns":  # an unprivileged grader's
        print(json.dumps(probe(None, None, json.loads(argv[2]), userns=True)))
        return 0
    if len(argv) >= 4 and argv[1] in ("--kill", "--probe"):
        uid, gid = int(argv[2]), int(argv[3])
        if argv[1] == "--kill":
            left = kill_user(uid, gid)
            return 0 if left else 1
        sets = json.loads(argv[4]) if len(argv) > 4 else [list(NAMESPACES), ["pid"]]
        print(json.dumps(probe(uid, gid, sets)))
        return 0
    if len(argv) < 4 or argv[2] != "--":
        print("usage: launch.py CONFIG -- COMMAND...", file=sys.stderr)
        return 2
    return launch(json.loads(argv[1]), argv[3:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""A TMPDIR under /dev/shm cannot hold the process sandbox's folders where its jobs get a
/dev/shm of their own: said up front, naming the setting, instead of a worker that never
starts."""

from __future__ import annotations

from grader.sandbox.process import shm_hides


def test_a_tmpdir_under_dev_shm_is_refused_where_jobs_get_their_own() -> None:
    for tmp in ("/dev/shm", "/dev/shm/", "/dev/shm/grader"):
        why = shm_hides(["pid", "mount", "ipc", "net", "uts"], tmp)
        assert why is not None and "TMPDIR" in why and tmp in why


def test_other_folders_or_no_mount_namespace_are_fine() -> None:
    assert shm_hides(["pid", "mount", "ipc"], "/tmp") is None
    assert shm_hides(["pid", "mount"], "/dev/shmem") is None  # only the folder itself
    assert shm_hides([], "/dev/shm") is None  # no namespaces: the machine's /dev/shm
    assert shm_hides(["ipc", "net"], "/dev/shm/x") is None

"""The sandbox watch's measures: files on disk (sparse files, links), deleted-but-open files."""

from __future__ import annotations

import os

from grader.sandbox.watch import deleted_bytes, folder_usage, tasks_under


def test_folder_usage_counts_blocks_and_entries_without_following_links(tmp_path):
    (tmp_path / "data").write_bytes(b"x" * 100_000)
    with open(tmp_path / "sparse", "wb") as f:
        f.truncate(10**9)  # a gigabyte that takes no blocks
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "more").write_bytes(b"y")
    (tmp_path / "link").symlink_to("/usr")
    used, count = folder_usage([tmp_path], max_entries=100)
    assert count == 5
    assert 100_000 <= used < 10**6


def test_files_deleted_but_kept_open_still_count(tmp_path):
    with open(tmp_path / "hidden", "w+b") as f:
        f.write(b"z" * 2**20)
        f.flush()
        os.unlink(f.name)
        assert deleted_bytes([os.getpid()]) >= 2**20


def test_tasks_under_counts_this_process_threads():
    assert tasks_under(os.getpid()) >= 1


def test_memory_used_counts_what_processes_hold_and_shared_memory_too():
    import mmap

    from grader.sandbox.watch import memory_used

    before = memory_used([os.getpid()])
    block = bytearray(64 * 2**20)
    for i in range(0, len(block), 4096):
        block[i] = 1
    shared = mmap.mmap(-1, 32 * 2**20)  # shared anonymous memory: shmem
    for i in range(0, len(shared), 4096):
        shared[i] = 1
    quick, precise = memory_used([os.getpid()]), memory_used([os.getpid()], precise=True)
    assert quick - before >= 90 * 2**20
    assert precise >= 90 * 2**20 or precise == 0  # 0 where smaps_rollup cannot be read
    shared.close()
    del block

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

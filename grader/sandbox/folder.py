"""A job's folder read from the trusted side without trusting it: one descriptor, no links.

The first layer of the channel (``channel.py`` checks what the files say): the folder is
opened once and every file below it is reached one component at a time from that
descriptor, size-capped before it is read. Standard library only: a warm pool reads a
job's output through it without loading the channel's models.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


class ChannelError(Exception):
    """The sandbox's output is malformed, oversized or not a regular file."""


class JobFolder:
    """A job's folder, opened once; every file below it is reached one component at a time
    from that descriptor (``openat`` with ``O_NOFOLLOW``), so a link anywhere in the path (a
    job that renamed its ``out/`` or ``log/`` and left a link to a host folder in its place)
    is refused, never followed. Files must be regular, with no other name (a hard link), and
    are size-capped before being read; a FIFO is opened without blocking and refused."""

    def __init__(self, path: Path) -> None:
        try:
            self.fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError as e:
            raise ChannelError(f"{path.name}: the job folder cannot be opened safely "
                               f"({e.strerror})") from None

    def __enter__(self) -> JobFolder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def _open(self, relative: str) -> int | None:
        """A descriptor of the regular file at ``relative`` (None if absent)."""
        parts = relative.split("/")
        if any(part in ("", ".", "..") for part in parts):
            raise ValueError(f"not a plain relative path: {relative!r}")
        folder = self.fd
        try:
            for part in parts[:-1]:
                try:
                    inner = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
                                    | os.O_CLOEXEC, dir_fd=folder)
                except FileNotFoundError:
                    return None
                except OSError as e:
                    raise ChannelError(f"{relative}: cannot be opened safely ({part}: "
                                       f"{e.strerror})") from None
                if folder != self.fd:
                    os.close(folder)
                folder = inner
            try:
                fd = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK
                             | os.O_CLOEXEC, dir_fd=folder)
            except FileNotFoundError:
                return None
            except OSError as e:
                raise ChannelError(f"{relative}: cannot be opened safely ({e.strerror})"
                                   ) from None
        finally:
            if folder != self.fd:
                os.close(folder)
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
            os.close(fd)
            raise ChannelError(f"{relative}: not a regular file"
                               + (" (a hard link)" if stat.S_ISREG(info.st_mode) else ""))
        return fd

    def read(self, relative: str, limit: int) -> bytes | None:
        """The whole file at ``relative``; None if absent; an error if over ``limit`` bytes."""
        fd = self._open(relative)
        if fd is None:
            return None
        try:
            if os.fstat(fd).st_size > limit:
                raise ChannelError(f"{relative}: {os.fstat(fd).st_size} bytes, over the "
                                   f"{limit}-byte limit")
            data = read_upto(fd, limit + 1)
        finally:
            os.close(fd)
        if len(data) > limit:
            raise ChannelError(f"{relative}: over the {limit}-byte limit")
        return data

    def head(self, relative: str, limit: int) -> tuple[bytes, bool]:
        """The first ``limit`` bytes of the file at ``relative`` (nothing if absent), and
        whether there was more; an error if it cannot be read safely."""
        fd = self._open(relative)
        if fd is None:
            return b"", False
        try:
            data = read_upto(fd, limit + 1)
        finally:
            os.close(fd)
        return data[:limit], len(data) > limit


def read_upto(fd: int, count: int) -> bytes:
    chunks = []
    while count > 0:
        chunk = os.read(fd, min(count, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        count -= len(chunk)
    return b"".join(chunks)

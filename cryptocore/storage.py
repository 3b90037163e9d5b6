"""Crash-safe file writes: a file is either the old version or the new one, never half.

``atomic_write`` writes a temporary file in the same directory, fsyncs it, renames it over the
target (``os.replace`` is atomic on POSIX) and fsyncs the directory so the rename itself is
durable. A crash at any point leaves the previous file intact.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from cryptocore.errors import ParameterError, StorageError

__all__ = ["atomic_write", "read_file"]


def atomic_write(path: str | os.PathLike[str], data: bytes, mode: int = 0o600) -> None:
    """Durably replace ``path`` with ``data`` (permissions ``mode``, default owner-only).

    StorageError for any file-system failure (missing directory, permissions, full disk...);
    ParameterError when ``data`` is not bytes.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ParameterError(f"data: expected bytes, got {type(data).__name__}")
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise StorageError(f"could not write {target.name}: {exc.strerror}") from None
    try:
        try:
            os.fchmod(fd, mode)
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise StorageError(f"could not write {target.name}: {exc.strerror}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError as exc:
        msg = f"could not sync the directory of {target.name}: {exc.strerror}"
        raise StorageError(msg) from None


def read_file(path: str | os.PathLike[str]) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise StorageError(f"could not read {Path(path).name}: {exc.strerror}") from None

"""Persistent replay protection: the nonces of accepted attestations, per committee epoch.

SQLite (stdlib) in WAL mode with ``synchronous=FULL``: an accepted nonce is on disk before
:meth:`NonceRegistry.accept` returns, and a second acceptance of the same (epoch, nonce) fails
atomically on the primary key, also across processes sharing the file.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from cryptocore.errors import ParameterError, ReplayError, StorageError

__all__ = ["NonceRegistry"]


class NonceRegistry:
    """Seen (epoch, nonce) pairs. ``path=":memory:"`` for an in-memory registry."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS used_nonces ("
                " epoch INTEGER NOT NULL, nonce BLOB NOT NULL, request_id BLOB NOT NULL,"
                " PRIMARY KEY (epoch, nonce))"
            )
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open the nonce registry: {exc}") from None

    def accept(self, epoch: int, nonce: bytes, request_id: bytes) -> None:
        """Record the nonce; ReplayError if this epoch already saw it."""
        if len(nonce) != 32 or len(request_id) != 32:
            raise ParameterError("nonce and request id must be 32 bytes")
        with self._lock:
            try:
                self._db.execute(
                    "INSERT INTO used_nonces (epoch, nonce, request_id) VALUES (?, ?, ?)",
                    (epoch, nonce, request_id),
                )
            except sqlite3.IntegrityError:
                raise ReplayError("attestation nonce already used in this epoch") from None
            except sqlite3.Error as exc:
                raise StorageError(f"nonce registry write failed: {exc}") from None

    def seen(self, epoch: int, nonce: bytes) -> bool:
        with self._lock:
            row = self._db.execute(
                "SELECT 1 FROM used_nonces WHERE epoch = ? AND nonce = ?", (epoch, nonce)
            ).fetchone()
        return row is not None

    def prune_before(self, epoch: int) -> int:
        """Forget epochs older than ``epoch`` (their attestations are refused anyway)."""
        with self._lock:
            cur = self._db.execute("DELETE FROM used_nonces WHERE epoch < ?", (epoch,))
        return cur.rowcount

    def close(self) -> None:
        with self._lock:
            self._db.close()

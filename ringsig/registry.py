"""A persistent registry of seen key images: the double-spend check (CryptoNote v2.0 section 4.4).

Embedded SQLite (stdlib ``sqlite3``), one table whose PRIMARY KEY is the key image's canonical
33-byte compressed encoding. Accepting an image is one ``INSERT`` inside one
``BEGIN IMMEDIATE`` transaction: the uniqueness constraint, not a read-then-write, decides,
so two processes racing to spend one image cannot both succeed (the loser gets
:class:`~cryptocore.errors.DoubleSpendError`). The database runs in WAL mode with
``synchronous=FULL``: when :meth:`KeyImageRegistry.accept` returns, the commit has been
fsynced and survives a crash of the process or the machine.

Only canonical compressed encodings are accepted (EncodingError otherwise): the uncompressed
(0x04) or hybrid (0x06/0x07) encoding of an accepted image cannot pose as a fresh image, and
a CHECK constraint in the schema refuses anything else even from other writers.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import Final

from cryptocore.errors import DoubleSpendError, EncodingError, ParameterError, StorageError
from ringsig.clsag import RingSignature, verify
from ringsig.key_image import KeyImage
from ringsig.keys import DEFAULT_MAX_RING_SIZE

__all__ = ["SCHEMA_VERSION", "KeyImageRegistry"]

SCHEMA_VERSION: Final = 1

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS registry_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS key_images (
    image BLOB PRIMARY KEY
        CHECK (length(image) = 33 AND substr(image, 1, 1) IN (x'02', x'03')),
    reference BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS key_images_by_reference ON key_images (reference);
"""


def _canonical(image: KeyImage | bytes) -> bytes:
    if isinstance(image, KeyImage):
        return image.value
    if not isinstance(image, bytes | bytearray | memoryview):
        raise EncodingError("key image: expected bytes or KeyImage")
    return KeyImage.from_bytes(bytes(image)).value


def _reference(reference: bytes) -> bytes:
    if not isinstance(reference, bytes | bytearray | memoryview):
        raise ParameterError("reference must be bytes")
    return bytes(reference)


class KeyImageRegistry:
    """Seen key images, persisted in an embedded SQLite database.

    ``path`` is a file path (``":memory:"`` gives a non-persistent registry for tests).
    Safe to share between threads; several processes may open the same file.
    """

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 30.0) -> None:
        self._path = os.fspath(path)
        self._lock = threading.Lock()
        try:
            conn = sqlite3.connect(
                self._path, timeout=timeout, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open key-image registry: {exc}") from None
        self._conn: sqlite3.Connection | None = conn
        try:
            if self._path != ":memory:":
                mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
                if str(mode).lower() != "wal":
                    raise StorageError("key-image registry: cannot enable WAL journaling")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("BEGIN IMMEDIATE")
            for stmt in _SCHEMA.split(";"):
                if stmt.strip():
                    conn.execute(stmt)
            row = conn.execute(
                "SELECT value FROM registry_meta WHERE key = 'schema_version'"
            ).fetchone()
            if row is None:
                conn.execute(
                    "INSERT INTO registry_meta (key, value) VALUES ('schema_version', ?)",
                    (str(SCHEMA_VERSION),),
                )
            elif row[0] != str(SCHEMA_VERSION):
                conn.execute("ROLLBACK")
                raise StorageError("key-image registry: unsupported schema version")
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            conn.close()
            self._conn = None
            raise StorageError(f"cannot initialise key-image registry: {exc}") from None
        except StorageError:
            conn.close()
            self._conn = None
            raise

    # ------------------------------------------------------------------ lifecycle
    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> KeyImageRegistry:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StorageError("key-image registry is closed")
        return self._conn

    # ------------------------------------------------------------------ queries
    def is_spent(self, image: KeyImage | bytes) -> bool:
        """True when the (canonical) key image has been accepted."""
        key = _canonical(image)
        with self._lock:
            try:
                row = (
                    self._connection()
                    .execute("SELECT 1 FROM key_images WHERE image = ?", (key,))
                    .fetchone()
                )
            except sqlite3.Error as exc:
                raise StorageError(f"key-image registry read failed: {exc}") from None
        return row is not None

    def __contains__(self, image: object) -> bool:
        if isinstance(image, KeyImage):
            return self.is_spent(image)
        if not isinstance(image, bytes | bytearray | memoryview):
            return False
        return self.is_spent(bytes(image))

    def __len__(self) -> int:
        with self._lock:
            try:
                row = self._connection().execute("SELECT count(*) FROM key_images").fetchone()
            except sqlite3.Error as exc:
                raise StorageError(f"key-image registry read failed: {exc}") from None
        return int(row[0])

    # ------------------------------------------------------------------ writes
    def accept(self, image: KeyImage | bytes, *, reference: bytes = b"") -> None:
        """Record a key image; DoubleSpendError if it was already recorded.

        ``reference`` (e.g. a transaction id) is stored beside the image for audits.
        Durable on return (WAL, synchronous=FULL).
        """
        self.accept_all((image,), reference=reference)

    def accept_all(self, images: Iterable[KeyImage | bytes], *, reference: bytes = b"") -> None:
        """Record several images atomically (all inputs of one transaction) or none.

        DoubleSpendError when any image was already recorded or appears twice in ``images``;
        then nothing is recorded.
        """
        keys = [_canonical(i) for i in images]
        ref = _reference(reference)
        with self._lock:
            conn = self._connection()
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise StorageError(f"key-image registry write failed: {exc}") from None
            try:
                conn.executemany(
                    "INSERT INTO key_images (image, reference) VALUES (?, ?)",
                    [(k, ref) for k in keys],
                )
            except sqlite3.IntegrityError:
                conn.execute("ROLLBACK")
                raise DoubleSpendError("key image already spent") from None
            except sqlite3.Error as exc:
                _rollback(conn)
                raise StorageError(f"key-image registry write failed: {exc}") from None
            try:
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                _rollback(conn)
                raise StorageError(f"key-image registry commit failed: {exc}") from None

    def revert(self, reference: bytes) -> int:
        """Forget every image recorded under ``reference`` (a chain reorganisation orphaned the
        block or transaction that spent them). Atomic; returns how many were removed.
        """
        ref = _reference(reference)
        with self._lock:
            conn = self._connection()
            try:
                conn.execute("BEGIN IMMEDIATE")
                cur = conn.execute("DELETE FROM key_images WHERE reference = ?", (ref,))
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                _rollback(conn)
                raise StorageError(f"key-image registry write failed: {exc}") from None
        return int(cur.rowcount)

    def verify_and_accept(
        self,
        message: bytes,
        ring: Sequence[bytes],
        signature: RingSignature | bytes,
        *,
        commitments: Sequence[bytes] | None = None,
        commitment_offset: bytes | None = None,
        reference: bytes = b"",
        max_ring_size: int = DEFAULT_MAX_RING_SIZE,
    ) -> RingSignature:
        """Verify a ring signature, then record its key image (a spend). Returns the signature.

        InvalidSignature if it does not verify (nothing recorded); DoubleSpendError if its key
        image was already recorded.
        """
        sig = (
            signature
            if isinstance(signature, RingSignature)
            else RingSignature.from_bytes(signature)
        )
        verify(
            message,
            ring,
            sig,
            commitments=commitments,
            commitment_offset=commitment_offset,
            max_ring_size=max_ring_size,
        )
        self.accept(sig.key_image, reference=reference)
        return sig


def _rollback(conn: sqlite3.Connection) -> None:
    try:
        conn.execute("ROLLBACK")
    except sqlite3.Error:  # pragma: no cover - nothing was written if there is no transaction
        pass

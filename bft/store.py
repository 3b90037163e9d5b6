"""Persistence: blocks, certificates, the committed log and the safety state.

:class:`SqliteStore` is the default: blocks and the committed log live in SQLite (stdlib
:mod:`sqlite3`, WAL journal, ``synchronous=NORMAL``); they survive a process crash (SIGKILL)
because they are in the operating system's cache, and after a power loss a node refetches the
tail from its peers. The safety state (last voted view, locked QC, high QC, current epoch and
view) is a small record of its own (``<db>.safety``) written with one ``pwrite`` + one
``fdatasync`` before a vote or timeout share leaves the node, so a restarted node never signs
two different blocks in one view. The record has two slots used alternately, each with a
sequence number and a SHA-256 checksum: a write torn by a power loss leaves the other slot (the
previous state) valid, and loading picks the valid slot with the highest sequence number
(the classic double-buffered superblock). The write of a vote's safety state runs on a writer
thread while the replica computes its signature share (:meth:`SqliteStore.begin_save_safety`);
the replica waits for it before sending.

:class:`MemoryStore` keeps everything in dictionaries; the simulator uses it to model a disk
that survives a crash of the replica object.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import struct
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

from cryptocore.errors import EncodingError, StorageError

from .types import Block, QuorumCert, Reader, Writer

__all__ = ["CommitRecord", "MemoryStore", "SafetyState", "SqliteStore", "Store"]


@dataclass(frozen=True, slots=True, kw_only=True)
class SafetyState:
    """What a replica must remember across a crash to stay safe."""

    epoch: int
    view: int
    last_voted_view: int
    locked_qc: QuorumCert
    high_qc: QuorumCert

    def to_bytes(self) -> bytes:
        w = Writer().u8(1).u32(self.epoch).u64(self.view).u64(self.last_voted_view)
        return w.raw(self.locked_qc.to_bytes()).raw(self.high_qc.to_bytes()).getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> SafetyState:
        r = Reader(data, "safety state")
        if r.u8() != 1:
            raise EncodingError("safety state: bad version")
        epoch, view, lvv = r.u32(), r.u64(), r.u64()
        locked, high = QuorumCert.read(r), QuorumCert.read(r)
        r.done()
        return cls(epoch=epoch, view=view, last_voted_view=lvv, locked_qc=locked, high_qc=high)


@dataclass(frozen=True, slots=True, kw_only=True)
class CommitRecord:
    """One committed block: its height, hash and the position of its first transaction."""

    height: int
    block_hash: bytes
    tx_start: int
    tx_count: int


class Store(Protocol):
    def load_safety(self) -> SafetyState | None: ...
    def save_safety(self, state: SafetyState) -> None: ...
    def put_block(self, block: Block) -> None: ...
    def get_block(self, block_hash: bytes) -> Block | None: ...
    def commit(self, records: list[CommitRecord]) -> None: ...
    def committed_tip(self) -> CommitRecord | None: ...
    def committed(self, start: int = 1, end: int | None = None) -> list[CommitRecord]: ...
    def blocks_above(self, height: int) -> list[Block]: ...
    def committed_by_position(self, start: int, end: int) -> list[CommitRecord]: ...
    def close(self) -> None: ...


class MemoryStore:
    """In-memory store (the simulator's disk)."""

    def __init__(self) -> None:
        self.safety: SafetyState | None = None
        self.blocks: dict[bytes, Block] = {}
        self.log: list[CommitRecord] = []
        self.safety_writes = 0

    def load_safety(self) -> SafetyState | None:
        return self.safety

    def save_safety(self, state: SafetyState) -> None:
        self.safety = state
        self.safety_writes += 1

    def put_block(self, block: Block) -> None:
        self.blocks[block.hash] = block

    def get_block(self, block_hash: bytes) -> Block | None:
        return self.blocks.get(block_hash)

    def commit(self, records: list[CommitRecord]) -> None:
        for rec in records:
            if rec.height != len(self.log) + 1:
                raise StorageError("committed log must grow by one height at a time")
            self.log.append(rec)

    def committed_tip(self) -> CommitRecord | None:
        return self.log[-1] if self.log else None

    def committed(self, start: int = 1, end: int | None = None) -> list[CommitRecord]:
        return self.log[start - 1 : end]

    def committed_by_position(self, start: int, end: int) -> list[CommitRecord]:
        """Records whose transactions overlap positions [start, end)."""
        return [r for r in self.log if r.tx_start + r.tx_count > start and r.tx_start < end]

    def blocks_above(self, height: int) -> list[Block]:
        return sorted(
            (b for b in self.blocks.values() if b.height > height), key=lambda b: b.height
        )

    def close(self) -> None:
        pass


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS blocks (hash BLOB PRIMARY KEY, height INTEGER NOT NULL,
                                   data BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS blocks_height ON blocks(height);
CREATE TABLE IF NOT EXISTS committed (height INTEGER PRIMARY KEY, hash BLOB NOT NULL,
                                      tx_start INTEGER NOT NULL, tx_count INTEGER NOT NULL);
"""


_SLOT = 1024  # bytes per safety slot (a SafetyState is 303 bytes)
_SLOT_MAGIC = b"BFTS"
_SLOT_HEAD = struct.Struct(">4sQI")  # magic, sequence number, payload length


class _SafetyFile:
    """Two alternating checksummed slots holding the latest :class:`SafetyState`."""

    def __init__(self, path: str, *, fsync: bool) -> None:
        self._fsync = fsync
        existed = os.path.exists(path)
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        if not existed and fsync:
            # make the new directory entry durable once
            dfd = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
        self.seq, self.state = 0, None
        for slot in range(2):
            got = self._read(slot)
            if got is not None and got[0] > self.seq:
                self.seq, self.state = got

    def _read(self, slot: int) -> tuple[int, SafetyState] | None:
        raw = os.pread(self._fd, _SLOT, slot * _SLOT)
        if len(raw) < _SLOT_HEAD.size + 32:
            return None
        magic, seq, n = _SLOT_HEAD.unpack_from(raw)
        end = _SLOT_HEAD.size + n
        if magic != _SLOT_MAGIC or end + 32 > len(raw):
            return None
        if hashlib.sha256(raw[:end]).digest() != raw[end : end + 32]:
            return None  # torn or never written
        try:
            return seq, SafetyState.from_bytes(raw[_SLOT_HEAD.size : end])
        except EncodingError:
            return None

    def write(self, state: SafetyState) -> None:
        """One pwrite into the older slot, then one fdatasync: durable on return."""
        payload = state.to_bytes()
        seq = self.seq + 1
        body = _SLOT_HEAD.pack(_SLOT_MAGIC, seq, len(payload)) + payload
        rec = body + hashlib.sha256(body).digest()
        if len(rec) > _SLOT:
            raise StorageError("safety state too large")
        try:
            os.pwrite(self._fd, rec, (seq % 2) * _SLOT)
            if self._fsync:
                os.fdatasync(self._fd)
        except OSError as exc:
            raise StorageError(f"safety write failed: {exc.strerror}") from None
        self.seq, self.state = seq, state

    def close(self) -> None:
        os.close(self._fd)


class SqliteStore:
    """SQLite (WAL, ``synchronous=NORMAL``) store with a separate fdatasync'ed safety record.

    ``fsync=False`` turns the safety record's fdatasync off (benchmarks only).
    """

    def __init__(self, path: str | os.PathLike[str], *, fsync: bool = True) -> None:
        try:
            self._db = sqlite3.connect(
                os.fspath(path), isolation_level=None, check_same_thread=False
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            self._safety = _SafetyFile(os.fspath(path) + ".safety", fsync=fsync)
        except (sqlite3.Error, OSError) as exc:
            raise StorageError(f"cannot open store: {exc}") from None
        self._fsync = fsync
        self._lock = threading.Lock()
        self._safety_lock = threading.Lock()
        self._writer: ThreadPoolExecutor | None = None

    def _tx(self, stmts: list[tuple[str, tuple[object, ...]]]) -> None:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    for sql, args in stmts:
                        self._db.execute(sql, args)
                    self._db.execute("COMMIT")
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                raise StorageError(f"store write failed: {exc}") from None

    def load_safety(self) -> SafetyState | None:
        if self._safety.state is not None:
            return self._safety.state
        # stores written before the safety record had its own file kept it in SQLite
        row = self._db.execute("SELECT value FROM meta WHERE key='safety'").fetchone()
        return None if row is None else SafetyState.from_bytes(bytes(row[0]))

    def save_safety(self, state: SafetyState) -> None:
        """Durably record the safety state (one pwrite + one fdatasync) before returning."""
        with self._safety_lock:
            self._safety.write(state)

    def begin_save_safety(self, state: SafetyState) -> Callable[[], None]:
        """Start :meth:`save_safety` on a writer thread; the returned function waits for it.

        The write is two system calls that release the GIL (pwrite, fdatasync), so the caller
        computes its signature share meanwhile. The state is durable only once the function
        has returned (it re-raises :class:`StorageError`).
        """
        if self._writer is None:
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bft-safety")
        fut = self._writer.submit(self.save_safety, state)

        def wait() -> None:
            fut.result()

        return wait

    def put_block(self, block: Block) -> None:
        self._tx(
            [
                (
                    "INSERT OR IGNORE INTO blocks VALUES (?, ?, ?)",
                    (block.hash, block.height, block.to_bytes()),
                )
            ]
        )

    def get_block(self, block_hash: bytes) -> Block | None:
        with self._lock:
            row = self._db.execute("SELECT data FROM blocks WHERE hash=?", (block_hash,)).fetchone()
        return None if row is None else Block.from_bytes(bytes(row[0]))

    def commit(self, records: list[CommitRecord]) -> None:
        self._tx(
            [
                (
                    "INSERT INTO committed VALUES (?, ?, ?, ?)",
                    (r.height, r.block_hash, r.tx_start, r.tx_count),
                )
                for r in records
            ]
        )

    def committed_tip(self) -> CommitRecord | None:
        with self._lock:
            row = self._db.execute(
                "SELECT height, hash, tx_start, tx_count FROM committed "
                "ORDER BY height DESC LIMIT 1"
            ).fetchone()
        return None if row is None else _rec(row)

    def committed(self, start: int = 1, end: int | None = None) -> list[CommitRecord]:
        hi = end if end is not None else 1 << 62
        with self._lock:
            rows = self._db.execute(
                "SELECT height, hash, tx_start, tx_count FROM committed "
                "WHERE height >= ? AND height <= ? ORDER BY height",
                (start, hi),
            ).fetchall()
        return [_rec(r) for r in rows]

    def committed_by_position(self, start: int, end: int) -> list[CommitRecord]:
        """Records whose transactions overlap positions [start, end)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT height, hash, tx_start, tx_count FROM committed "
                "WHERE tx_start + tx_count > ? AND tx_start < ? AND tx_count > 0 ORDER BY height",
                (start, end),
            ).fetchall()
        return [_rec(r) for r in rows]

    def blocks_above(self, height: int) -> list[Block]:
        with self._lock:
            rows = self._db.execute(
                "SELECT data FROM blocks WHERE height > ? ORDER BY height", (height,)
            ).fetchall()
        return [Block.from_bytes(bytes(r[0])) for r in rows]

    def close(self) -> None:
        if self._writer is not None:
            self._writer.shutdown(wait=True)
        with self._lock:
            self._db.close()
        with self._safety_lock:
            self._safety.close()


def _rec(row: tuple[int, bytes, int, int]) -> CommitRecord:
    return CommitRecord(height=row[0], block_hash=bytes(row[1]), tx_start=row[2], tx_count=row[3])

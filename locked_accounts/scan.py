"""Scanning announcements for one's own one-time outputs (view key only), on one or many cores.

For each announcement the scanner does one constant-time ECDH d = SHA-256(ser_P(v·R)) in
libsecp256k1 (the hash runs in C), one SHA-256 for the view tag, and -- only on a tag match,
1 in 256 for foreign outputs -- recomputes P = H_s(d, i)·G + S. It needs the view secret and the
spend *public* key only.

The result is explicit about everything unusual:

* ``duplicates``: one-time keys that occur more than once among the found outputs (an ephemeral
  key reused with the same output index). Only one of them can ever be spent; they are reported
  instead of silently counted twice.
* ``false_positives``: outputs whose view tag matched but whose key did not.
* ``malformed``: positions of records that do not decode (bad version, R off the curve ...).

Input is either a sequence of :class:`~locked_accounts.one_time.Announcement` or the
concatenation of their 72-byte encodings (the fast path: no Python object per record).

Multi-process scanning (``workers > 1``) splits the records into chunks for a process pool. The
view secret is passed to the worker processes (it never leaves the machine, but it is copied
into their memory).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from coincurve._libsecp256k1 import ffi, lib
from coincurve.context import GLOBAL_CONTEXT

from cryptocore.errors import ParameterError
from cryptocore.secp256k1 import N, Point
from locked_accounts.one_time import (
    ANNOUNCEMENT_LEN,
    ANNOUNCEMENT_VERSION,
    TAG_DERIVE,
    TAG_VIEW,
    Announcement,
    ViewKey,
)

__all__ = ["DuplicateOneTimeKey", "FoundOutput", "ScanResult", "encode_batch", "scan"]

_CTX = GLOBAL_CONTEXT.ctx
_REC = ANNOUNCEMENT_LEN


@dataclass(frozen=True, slots=True, kw_only=True)
class FoundOutput:
    """An output addressed to the scanning account: its position in the input and its record."""

    position: int
    announcement: Announcement


@dataclass(frozen=True, slots=True, kw_only=True)
class DuplicateOneTimeKey:
    """A one-time key found at several positions (ephemeral key and index reused)."""

    one_time_public: Point
    positions: tuple[int, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanResult:
    """Outcome of a scan. ``found`` is in input order."""

    scanned: int
    found: tuple[FoundOutput, ...] = ()
    duplicates: tuple[DuplicateOneTimeKey, ...] = ()
    tag_matches: int = 0
    false_positives: int = 0
    malformed: tuple[int, ...] = field(default=())


def encode_batch(announcements: Sequence[Announcement]) -> bytes:
    """The concatenated 72-byte encodings (the scanner's fast input form)."""
    return b"".join(a.to_bytes() for a in announcements)


def _prefix_state(tag: bytes) -> hashlib._Hash:
    t = hashlib.sha256(tag).digest()
    return hashlib.sha256(t + t)  # one 64-byte block: the BIP340 tagged-hash midstate


def _scan_chunk(
    view_secret: bytes, spend_public: bytes, blob: bytes, first_position: int
) -> tuple[list[int], int, list[int]]:
    """Scan concatenated records; returns (found positions, tag matches, malformed positions).

    The hot loop keeps Python work per record to a slice, two C calls and one hash.
    """
    ctx = _CTX
    parse = lib.secp256k1_ec_pubkey_parse
    ecdh = lib.secp256k1_ecdh
    null = ffi.NULL
    pk = ffi.new("secp256k1_pubkey *")
    out = ffi.new("unsigned char[32]")
    outbuf = ffi.buffer(out, 32)
    tag_state = _prefix_state(TAG_VIEW)
    derive_state = _prefix_state(TAG_DERIVE)
    spend = Point.from_bytes(spend_public)
    version = ANNOUNCEMENT_VERSION
    found: list[int] = []
    malformed: list[int] = []
    tag_matches = 0
    count = len(blob) // _REC
    for k in range(count):
        rec = blob[k * _REC : (k + 1) * _REC]
        if rec[0] != version or not parse(ctx, pk, rec[1:34], 33):
            malformed.append(first_position + k)
            continue
        ecdh(ctx, out, pk, view_secret, null, null)
        h = tag_state.copy()
        d_i = outbuf[:] + rec[34:38]
        h.update(d_i)
        if h.digest()[0] != rec[38]:
            continue
        tag_matches += 1
        h = derive_state.copy()
        h.update(d_i)
        s = int.from_bytes(h.digest(), "big") % N
        if s and (Point.base_mul(s) + spend).to_bytes() == rec[39:72]:
            found.append(first_position + k)
    return found, tag_matches, malformed


def scan(
    announcements: Sequence[Announcement] | bytes,
    view_key: ViewKey,
    spend_public: Point,
    *,
    workers: int = 1,
    chunk_size: int = 8192,
) -> ScanResult:
    """Find the outputs addressed to (view_key, spend_public) among ``announcements``.

    ``workers``: number of processes (1 = in this process; 0 = one per CPU).
    """
    if not isinstance(view_key, ViewKey):
        raise ParameterError("scan: expected a ViewKey (the spend secret is never needed)")
    if not isinstance(spend_public, Point) or spend_public.is_identity:
        raise ParameterError("scan: spend_public must be a non-identity Point")
    if isinstance(announcements, bytes | bytearray | memoryview):
        blob = bytes(announcements)
        if len(blob) % _REC:
            raise ParameterError(f"scan: input length is not a multiple of {_REC} bytes")
        objects: Sequence[Announcement] | None = None
    else:
        objects = announcements
        blob = encode_batch(objects)
    if chunk_size < 1:
        raise ParameterError("scan: chunk_size must be positive")
    if workers == 0:
        workers = os.cpu_count() or 1
    if workers < 1:
        raise ParameterError("scan: workers must be >= 0")
    count = len(blob) // _REC
    v = view_key.to_bytes()
    s = spend_public.to_bytes()
    found: list[int] = []
    malformed: list[int] = []
    tag_matches = 0
    if workers == 1 or count <= chunk_size:
        found, tag_matches, malformed = _scan_chunk(v, s, blob, 0)
    else:
        starts = range(0, count, chunk_size)
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [
                pool.submit(_scan_chunk, v, s, blob[a * _REC : (a + chunk_size) * _REC], a)
                for a in starts
            ]
            for fut in futures:  # in submission order: results stay in input order
                f, t, m = fut.result()
                found.extend(f)
                tag_matches += t
                malformed.extend(m)
    records = [
        objects[p]
        if objects is not None
        else Announcement.from_bytes(blob[p * _REC : (p + 1) * _REC])
        for p in found
    ]
    by_key: dict[Point, list[int]] = {}
    for p, a in zip(found, records, strict=True):
        by_key.setdefault(a.one_time_public, []).append(p)
    duplicates = tuple(
        DuplicateOneTimeKey(one_time_public=k, positions=tuple(ps))
        for k, ps in by_key.items()
        if len(ps) > 1
    )
    return ScanResult(
        scanned=count,
        found=tuple(
            FoundOutput(position=p, announcement=a) for p, a in zip(found, records, strict=True)
        ),
        duplicates=duplicates,
        tag_matches=tag_matches,
        false_positives=tag_matches - len(found),
        malformed=tuple(malformed),
    )

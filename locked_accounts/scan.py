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

Input is a sequence of :class:`~locked_accounts.one_time.Announcement`, the concatenation of
their 72-byte encodings (no Python object per record), or a :class:`PreparedBatch` from
:func:`prepare`: the same records with R stored uncompressed (``0x02 || 65-byte R || ser_32(i)
|| tag || ser_P(P)``, 104 bytes), which spares the scanner the square root of decompressing R.
Preparing is public work an indexer does once for every wallet.

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
from typing import Final

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

__all__ = [
    "PREPARED_VERSION",
    "DuplicateOneTimeKey",
    "FoundOutput",
    "PreparedBatch",
    "ScanResult",
    "encode_batch",
    "prepare",
    "scan",
]

_CTX = GLOBAL_CONTEXT.ctx
_REC = ANNOUNCEMENT_LEN
_PREP = ANNOUNCEMENT_LEN + 32
PREPARED_VERSION: Final = 2


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
    view_secret: bytes, spend_public: bytes, blob: bytes, first_position: int, r_len: int = 33
) -> tuple[list[int], int, list[int]]:
    """Scan concatenated records; returns (found positions, tag matches, malformed positions).

    Records are ``version || R || ser_32(i) || tag || ser_P(P)`` with R compressed (``r_len``
    33, version 1, the announcement encoding) or uncompressed (``r_len`` 65, version 2, the
    prepared form). The hot loop keeps Python work per record to a few slices, two C calls
    (parse R, ECDH with its SHA-256 in C) and one SHA-256 midstate copy for the view tag.
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
    prepared = r_len == 65
    version = PREPARED_VERSION if prepared else ANNOUNCEMENT_VERSION
    rec_len = r_len + 39
    r_end = 1 + r_len
    i_end = r_end + 4
    tag_copy = tag_state.copy
    found: list[int] = []
    malformed: list[int] = []
    tag_matches = 0
    count = len(blob) // rec_len
    for k in range(count):
        o = k * rec_len
        if (
            blob[o] != version
            or (prepared and blob[o + 1] != 4)  # libsecp256k1 would also take hybrid 0x06/0x07
            or not parse(ctx, pk, blob[o + 1 : o + r_end], r_len)
        ):
            malformed.append(first_position + k)
            continue
        ecdh(ctx, out, pk, view_secret, null, null)
        h = tag_copy()
        h.update(outbuf)
        index = blob[o + r_end : o + i_end]
        h.update(index)
        if h.digest()[0] != blob[o + i_end]:
            continue
        tag_matches += 1
        h = derive_state.copy()
        h.update(outbuf)
        h.update(index)
        s = int.from_bytes(h.digest(), "big") % N
        if s and (Point.base_mul(s) + spend).to_bytes() == blob[o + i_end + 1 : o + rec_len]:
            found.append(first_position + k)
    return found, tag_matches, malformed


def _announcement_from_prepared(rec: bytes) -> Announcement:
    r = Point.from_bytes_uncompressed(rec[1:66])
    return Announcement.from_bytes(bytes([ANNOUNCEMENT_VERSION]) + r.to_bytes() + rec[66:])


def prepare(announcements: Sequence[Announcement] | bytes) -> PreparedBatch:
    """Convert announcements to the prepared form (R uncompressed): an indexer's one-time step.

    Decompressing R costs a field square root (about 4 µs, an eighth of a scan step). The
    prepared data is public; an indexer can prepare it once and serve it to every wallet.
    Records whose R does not decode are kept (with an invalid version) so that positions stay
    the same and the scanner reports them as malformed.
    """
    if isinstance(announcements, bytes | bytearray | memoryview):
        blob = bytes(announcements)
        if len(blob) % _REC:
            raise ParameterError(f"prepare: input length is not a multiple of {_REC} bytes")
    else:
        blob = encode_batch(announcements)
    ctx = _CTX
    parse = lib.secp256k1_ec_pubkey_parse
    serialize = lib.secp256k1_ec_pubkey_serialize
    pk = ffi.new("secp256k1_pubkey *")
    out = ffi.new("unsigned char[65]")
    outlen = ffi.new("size_t *")
    outbuf = ffi.buffer(out, 65)
    flag = lib.SECP256K1_EC_UNCOMPRESSED
    bad = b"\x00" * _PREP
    version = bytes([PREPARED_VERSION])
    parts = []
    for k in range(0, len(blob), _REC):
        rec = blob[k : k + _REC]
        # libsecp256k1's 33-byte parse is strict SEC1: prefix 02/03, x < p, on the curve.
        if rec[0] != ANNOUNCEMENT_VERSION or not parse(ctx, pk, rec[1:34], 33):
            parts.append(bad)
            continue
        outlen[0] = 65
        serialize(ctx, out, outlen, pk, flag)
        parts.append(version + outbuf[:] + rec[34:])
    return PreparedBatch(data=b"".join(parts))


@dataclass(frozen=True, slots=True)
class PreparedBatch:
    """Announcements in the prepared form: ``0x02 || R uncompressed || ser_32(i) || tag || P``."""

    data: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.data, bytes) or len(self.data) % _PREP:
            raise ParameterError(f"prepared batch: length must be a multiple of {_PREP} bytes")

    def __len__(self) -> int:
        return len(self.data) // _PREP


def scan(
    announcements: Sequence[Announcement] | bytes | PreparedBatch,
    view_key: ViewKey,
    spend_public: Point,
    *,
    workers: int = 1,
    chunk_size: int = 8192,
) -> ScanResult:
    """Find the outputs addressed to (view_key, spend_public) among ``announcements``.

    ``announcements``: Announcement objects, their concatenated 72-byte encodings, or a
    :class:`PreparedBatch` (fastest). ``workers``: number of processes (1 = in this process;
    0 = one per CPU); records are split into chunks of ``chunk_size``.
    """
    if not isinstance(view_key, ViewKey):
        raise ParameterError("scan: expected a ViewKey (the spend secret is never needed)")
    if not isinstance(spend_public, Point) or spend_public.is_identity:
        raise ParameterError("scan: spend_public must be a non-identity Point")
    objects: Sequence[Announcement] | None = None
    if isinstance(announcements, PreparedBatch):
        blob, rec_len, r_len = announcements.data, _PREP, 65
    elif isinstance(announcements, bytes | bytearray | memoryview):
        blob, rec_len, r_len = bytes(announcements), _REC, 33
        if len(blob) % _REC:
            raise ParameterError(f"scan: input length is not a multiple of {_REC} bytes")
    else:
        objects = announcements
        blob, rec_len, r_len = encode_batch(objects), _REC, 33
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise ParameterError("scan: chunk_size must be a positive integer")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 0:
        raise ParameterError("scan: workers must be an integer >= 0")
    if workers == 0:
        workers = os.cpu_count() or 1
    count = len(blob) // rec_len
    v = view_key.to_bytes()
    s = spend_public.to_bytes()
    found: list[int] = []
    malformed: list[int] = []
    tag_matches = 0
    if workers == 1 or count <= chunk_size:
        found, tag_matches, malformed = _scan_chunk(v, s, blob, 0, r_len)
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [
                pool.submit(
                    _scan_chunk, v, s, blob[a * rec_len : (a + chunk_size) * rec_len], a, r_len
                )
                for a in range(0, count, chunk_size)
            ]
            for fut in futures:  # in submission order: results stay in input order
                f, t, m = fut.result()
                found.extend(f)
                tag_matches += t
                malformed.extend(m)
    records: list[Announcement] = []
    for p in found:
        if objects is not None:
            records.append(objects[p])
        elif r_len == 65:
            records.append(_announcement_from_prepared(blob[p * rec_len : (p + 1) * rec_len]))
        else:
            records.append(Announcement.from_bytes(blob[p * rec_len : (p + 1) * rec_len]))
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

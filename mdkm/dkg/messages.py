"""Wire messages of the robust (GJKR) DKG: one frozen type, six kinds, canonical bytes.

Layout (all integers big-endian)::

    version (1) | group id (1) | kind (1) | session id (32) | sender id (scalar) | body

bodies:
    DEAL               u16 t | t group elements (Pedersen C_k) | u16 m | m ciphertexts (fixed size)
    COMPLAINT          u16 m | m dealer ids (strictly increasing)
    JUSTIFY            u16 m | m reveals (complainer id, s, s')
    EXTRACT            u16 t | t group elements (Feldman A_k)
    EXTRACT_COMPLAINT  u16 m | m reveals (dealer id, s, s')
    RECONSTRUCT        u16 m | m reveals (dealer id, s, s')

A message that does not decode to exactly this shape raises :class:`EncodingError`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, Final

from cryptocore.encoding import as_bytes, decode_scalar, read_exact
from cryptocore.errors import EncodingError, ParameterError
from cryptocore.group import Group, get_group

__all__ = ["DkgMessage", "Kind", "Reveal", "ciphertext_length", "decode_message"]

MESSAGE_VERSION: Final = 1
_GROUP_IDS: Final = {"secp256k1": 1, "bls12_381": 2}
_GROUP_NAMES: Final = {v: k for k, v in _GROUP_IDS.items()}
_TAG_LEN: Final = 16


class Kind(IntEnum):
    """Message kinds, numbered by the protocol phase in which they are sent."""

    DEAL = 1
    COMPLAINT = 2
    JUSTIFY = 3
    EXTRACT = 4
    EXTRACT_COMPLAINT = 5
    RECONSTRUCT = 6


def ciphertext_length(group: Group) -> int:
    """Sealed (s, s') pair: two scalars plus the Poly1305 tag."""
    return 2 * group.scalar_length + _TAG_LEN


@dataclass(frozen=True, slots=True, kw_only=True)
class Reveal:
    """A publicly revealed share pair ``(s, s')`` from dealer to participant; ``who`` is the
    complainer (JUSTIFY) or the dealer (EXTRACT_COMPLAINT, RECONSTRUCT)."""

    who: int
    share: int
    blinding: int


_POINT_KINDS = (Kind.DEAL, Kind.EXTRACT)
_REVEAL_KINDS = (Kind.JUSTIFY, Kind.EXTRACT_COMPLAINT, Kind.RECONSTRUCT)


@dataclass(frozen=True, slots=True, kw_only=True)
class DkgMessage:
    """One protocol message. Fields a kind does not use must stay empty."""

    group: str
    kind: Kind
    session_id: bytes
    sender: int
    points: tuple[Any, ...] = ()
    ciphertexts: tuple[bytes, ...] = ()
    accused: tuple[int, ...] = ()
    reveals: tuple[Reveal, ...] = ()

    def __post_init__(self) -> None:
        g = get_group(self.group)
        object.__setattr__(self, "kind", Kind(self.kind))
        for name in ("points", "ciphertexts", "accused", "reveals"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if len(self.session_id) != 32:
            raise ParameterError("session id must be 32 bytes")
        _check_id(self.sender, g)
        if self.kind in _POINT_KINDS:
            if not self.points:
                raise ParameterError("commitment must not be empty")
            if any(p.is_identity for p in self.points):
                raise ParameterError("commitment contains the identity")
        elif self.points:
            raise ParameterError("this kind carries no points")
        if self.kind is Kind.DEAL:
            clen = ciphertext_length(g)
            if any(len(c) != clen for c in self.ciphertexts):
                raise ParameterError("ciphertext of the wrong length")
        elif self.ciphertexts:
            raise ParameterError("this kind carries no ciphertexts")
        if self.kind is Kind.COMPLAINT:
            _check_increasing(self.accused, g)
        elif self.accused:
            raise ParameterError("this kind carries no accusations")
        if self.kind in _REVEAL_KINDS:
            _check_increasing(tuple(r.who for r in self.reveals), g)
            for r in self.reveals:
                if not (0 <= r.share < g.order and 0 <= r.blinding < g.order):
                    raise ParameterError("revealed share out of range")
        elif self.reveals:
            raise ParameterError("this kind carries no revealed shares")

    def to_bytes(self) -> bytes:
        g = get_group(self.group)
        sl = g.scalar_length
        out = bytearray([MESSAGE_VERSION, _GROUP_IDS[self.group], int(self.kind)])
        out += self.session_id + self.sender.to_bytes(sl, "big")
        if self.kind in _POINT_KINDS:
            out += len(self.points).to_bytes(2, "big")
            for p in self.points:
                out += p.to_bytes()
        if self.kind is Kind.DEAL:
            out += len(self.ciphertexts).to_bytes(2, "big")
            for c in self.ciphertexts:
                out += c
        if self.kind is Kind.COMPLAINT:
            out += len(self.accused).to_bytes(2, "big")
            for i in self.accused:
                out += i.to_bytes(sl, "big")
        if self.kind in _REVEAL_KINDS:
            out += len(self.reveals).to_bytes(2, "big")
            for r in self.reveals:
                out += r.who.to_bytes(sl, "big")
                out += r.share.to_bytes(sl, "big") + r.blinding.to_bytes(sl, "big")
        return bytes(out)

    @classmethod
    def from_bytes(cls, data: bytes) -> DkgMessage:
        return decode_message(data)


def _check_id(i: int, g: Group) -> None:
    if not isinstance(i, int) or isinstance(i, bool) or not 0 < i < g.order:
        raise ParameterError("identifier must be a nonzero scalar below the group order")


def _check_increasing(ids: tuple[int, ...], g: Group) -> None:
    for i in ids:
        _check_id(i, g)
    if any(a >= b for a, b in itertools.pairwise(ids)):
        raise ParameterError("identifiers must be strictly increasing (no duplicates)")


def _u16(data: bytes, off: int) -> tuple[int, int]:
    b, off = read_exact(data, off, 2, "dkg message")
    return int.from_bytes(b, "big"), off


def decode_message(data: bytes) -> DkgMessage:
    """Strictly decode a message (EncodingError on any deviation from the canonical layout)."""
    data = as_bytes(data, "dkg message")
    if len(data) < 3 or data[0] != MESSAGE_VERSION or data[1] not in _GROUP_NAMES:
        raise EncodingError("dkg message: bad version or group")
    try:
        kind = Kind(data[2])
    except ValueError:
        raise EncodingError("dkg message: unknown kind") from None
    g = get_group(_GROUP_NAMES[data[1]])
    sl, el = g.scalar_length, g.element_length
    sid, off = read_exact(data, 3, 32, "dkg message")
    sb, off = read_exact(data, off, sl, "dkg message")
    sender = decode_scalar(sb, g.order, sl, what="sender", nonzero=True)
    points: list[Any] = []
    cts: list[bytes] = []
    accused: list[int] = []
    reveals: list[Reveal] = []
    if kind in _POINT_KINDS:
        count, off = _u16(data, off)
        for _ in range(count):
            pb, off = read_exact(data, off, el, "dkg message")
            points.append(g.decode(pb))
    if kind is Kind.DEAL:
        count, off = _u16(data, off)
        clen = ciphertext_length(g)
        for _ in range(count):
            cb, off = read_exact(data, off, clen, "dkg message")
            cts.append(cb)
    if kind is Kind.COMPLAINT:
        count, off = _u16(data, off)
        for _ in range(count):
            ib, off = read_exact(data, off, sl, "dkg message")
            accused.append(decode_scalar(ib, g.order, sl, what="identifier", nonzero=True))
    if kind in _REVEAL_KINDS:
        count, off = _u16(data, off)
        for _ in range(count):
            ib, off = read_exact(data, off, sl, "dkg message")
            s1, off = read_exact(data, off, sl, "dkg message")
            s2, off = read_exact(data, off, sl, "dkg message")
            reveals.append(
                Reveal(
                    who=decode_scalar(ib, g.order, sl, what="identifier", nonzero=True),
                    share=decode_scalar(s1, g.order, sl, what="share"),
                    blinding=decode_scalar(s2, g.order, sl, what="share"),
                )
            )
    if off != len(data):
        raise EncodingError("dkg message: trailing bytes")
    try:
        return DkgMessage(
            group=g.name,
            kind=kind,
            session_id=sid,
            sender=sender,
            points=tuple(points),
            ciphertexts=tuple(cts),
            accused=tuple(accused),
            reveals=tuple(reveals),
        )
    except ParameterError as e:
        raise EncodingError(f"dkg message: {e}") from None

"""Wire envelope of the threshold-ECDSA sessions (:mod:`mdkm.ecdsa.session`): canonical bytes.

Layout (all integers big-endian)::

    version (1) | protocol id (1) | kind (1) | session id (32) | sender id (32) | body

bodies:
    DEAL       u32 n | PresignDealing (n bytes) | u16 m | m sealed share sets (240 bytes each,
               one per other signer, recipients in increasing order)
    COMPLAINT  transcript digest (32) | Complaint (possibly with no accused dealer)
    JUSTIFY    transcript digest (32) | u16 m | m Justification (recipients strictly increasing)
    PRODUCT    transcript digest (32) | ProductShare
    SIGN       message hash (32) | SignatureShare

The transcript digest is the sender's SHA-256 digest of every message of the previous round
(see :func:`transcript_digest`): echoing it lets every signer check that all of them saw the same
broadcasts ("broadcast with abort", Goldwasser and Lindell, J. Cryptology 18(3), 2005), so a
dealer that sends different dealings or complaints to different signers makes the session fail
instead of splitting the signers' views of QUAL (GJKR'96 section 4 assumes a reliable
broadcast). A sealed share set is the seven scalars of :class:`PrivateShares` encrypted with
:class:`mdkm.dkg.channel.PairwiseChannel` (ECDH + HKDF + ChaCha20-Poly1305, RFC 8439).

Anything that does not decode to exactly this shape raises :class:`EncodingError`.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Final

from cryptocore.encoding import decode_scalar, expect_length, read_exact
from cryptocore.errors import CryptoError, EncodingError, ParameterError
from cryptocore.secp256k1 import N
from mdkm.dkg.channel import CIPHERTEXT_OVERHEAD
from mdkm.ecdsa.protocol import (
    _JUSTIFICATION_LENGTH,
    _SHARE_FIELDS,
    Complaint,
    Justification,
    PresignDealing,
    ProductShare,
    SignatureShare,
)

__all__ = [
    "MESSAGE_VERSION",
    "PROTOCOL_ID",
    "SEALED_SHARES_LENGTH",
    "EcdsaMessage",
    "Kind",
    "decode_message",
    "transcript_digest",
]

MESSAGE_VERSION: Final = 1
PROTOCOL_ID: Final = 0xEC  # threshold ECDSA over secp256k1, GJKR'96 with product proofs
SEALED_SHARES_LENGTH: Final = 32 * len(_SHARE_FIELDS) + CIPHERTEXT_OVERHEAD
_SHARE_LENGTH: Final = 2 + 32 + 64 + 160  # ProductShare / SignatureShare encodings
_TRANSCRIPT_DST: Final = b"LITHO-CRYPTO-V01-ECDSA-TRANSCRIPT"


class Kind(IntEnum):
    """Message kinds, numbered in protocol order (presign rounds 1-4, then the online round)."""

    DEAL = 1
    COMPLAINT = 2
    JUSTIFY = 3
    PRODUCT = 4
    SIGN = 5


_DIGEST_KINDS: Final = (Kind.COMPLAINT, Kind.JUSTIFY, Kind.PRODUCT, Kind.SIGN)


@dataclass(frozen=True, slots=True, kw_only=True)
class EcdsaMessage:
    """One session message. Fields the kind does not use stay empty (``None`` or ``()``).

    ``digest`` is the transcript digest of the previous round (COMPLAINT, JUSTIFY, PRODUCT) or
    the 32-byte message hash being signed (SIGN). The inner protocol object must carry the same
    session id and sender as the envelope.
    """

    kind: Kind
    session_id: bytes
    sender: int
    digest: bytes = b""
    dealing: PresignDealing | None = None
    sealed: tuple[bytes, ...] = ()
    complaint: Complaint | None = None
    justifications: tuple[Justification, ...] = ()
    product: ProductShare | None = None
    signature_share: SignatureShare | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", Kind(self.kind))
        object.__setattr__(self, "sealed", tuple(self.sealed))
        object.__setattr__(self, "justifications", tuple(self.justifications))
        if not isinstance(self.session_id, bytes) or len(self.session_id) != 32:
            raise ParameterError("session id must be 32 bytes")
        _check_id(self.sender)
        kind, sid, s = self.kind, self.session_id, self.sender
        if kind in _DIGEST_KINDS:
            if not isinstance(self.digest, bytes) or len(self.digest) != 32:
                raise ParameterError("digest must be 32 bytes")
        elif self.digest:
            raise ParameterError("this kind carries no digest")
        _only(kind is Kind.DEAL, self.dealing is not None or bool(self.sealed), "dealing")
        _only(kind is Kind.COMPLAINT, self.complaint is not None, "complaint")
        _only(kind is Kind.JUSTIFY, bool(self.justifications), "justifications", optional=True)
        _only(kind is Kind.PRODUCT, self.product is not None, "product share")
        _only(kind is Kind.SIGN, self.signature_share is not None, "signature share")
        if kind is Kind.DEAL:
            d = self.dealing
            if not isinstance(d, PresignDealing) or d.session_id != sid or d.dealer != s:
                raise ParameterError("dealing does not match the envelope")
            if any(not isinstance(c, bytes) or len(c) != SEALED_SHARES_LENGTH for c in self.sealed):
                raise ParameterError("sealed share set of the wrong length")
        elif kind is Kind.COMPLAINT:
            c = self.complaint
            if not isinstance(c, Complaint) or c.session_id != sid or c.complainer != s:
                raise ParameterError("complaint does not match the envelope")
            accused = tuple(c.accused)
            for i in accused:
                _check_id(i)
            if s in accused or any(a >= b for a, b in itertools.pairwise(accused)):
                raise ParameterError("accused ids must be strictly increasing, never the sender")
        elif kind is Kind.JUSTIFY:
            recipients = []
            for j in self.justifications:
                if not isinstance(j, Justification) or j.session_id != sid or j.dealer != s:
                    raise ParameterError("justification does not match the envelope")
                if j.shares.dealer != s or j.shares.session_id != sid:
                    raise ParameterError("justified shares from another dealer or session")
                recipients.append(j.shares.recipient)
            if s in recipients or any(a >= b for a, b in itertools.pairwise(recipients)):
                raise ParameterError("justified recipients must be strictly increasing")
        elif kind is Kind.PRODUCT:
            p = self.product
            if not isinstance(p, ProductShare) or p.session_id != sid or p.signer != s:
                raise ParameterError("product share does not match the envelope")
        else:
            g = self.signature_share
            if not isinstance(g, SignatureShare) or g.session_id != sid or g.signer != s:
                raise ParameterError("signature share does not match the envelope")

    def to_bytes(self) -> bytes:
        out = bytearray([MESSAGE_VERSION, PROTOCOL_ID, int(self.kind)])
        out += self.session_id + self.sender.to_bytes(32, "big") + self.digest
        if self.kind is Kind.DEAL:
            assert self.dealing is not None
            body = self.dealing.to_bytes()
            out += len(body).to_bytes(4, "big") + body
            out += len(self.sealed).to_bytes(2, "big") + b"".join(self.sealed)
        elif self.kind is Kind.COMPLAINT:
            assert self.complaint is not None
            out += self.complaint.to_bytes()
        elif self.kind is Kind.JUSTIFY:
            out += len(self.justifications).to_bytes(2, "big")
            out += b"".join(j.to_bytes() for j in self.justifications)
        elif self.kind is Kind.PRODUCT:
            assert self.product is not None
            out += self.product.to_bytes()
        else:
            assert self.signature_share is not None
            out += self.signature_share.to_bytes()
        return bytes(out)

    @classmethod
    def from_bytes(cls, data: bytes) -> EcdsaMessage:
        return decode_message(data)


def _only(is_kind: bool, present: bool, what: str, optional: bool = False) -> None:
    if is_kind and not present and not optional:
        raise ParameterError(f"this kind needs a {what}")
    if not is_kind and present:
        raise ParameterError(f"this kind carries no {what}")


def _check_id(i: object) -> None:
    if not isinstance(i, int) or isinstance(i, bool) or not 0 < i < N:
        raise ParameterError("identifier must be a nonzero scalar below the group order")


def decode_message(data: bytes) -> EcdsaMessage:
    """Strictly decode a session message (EncodingError on any deviation from the layout)."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise EncodingError("ecdsa message: expected bytes")
    data = bytes(data)
    if len(data) < 3 or data[0] != MESSAGE_VERSION or data[1] != PROTOCOL_ID:
        raise EncodingError("ecdsa message: bad version or protocol id")
    try:
        kind = Kind(data[2])
    except ValueError:
        raise EncodingError("ecdsa message: unknown kind") from None
    sid, off = read_exact(data, 3, 32, "ecdsa message")
    sb, off = read_exact(data, off, 32, "ecdsa message")
    sender = decode_scalar(sb, N, what="sender", nonzero=True)
    digest = b""
    if kind in _DIGEST_KINDS:
        digest, off = read_exact(data, off, 32, "ecdsa message")
    try:
        return _decode_body(kind, sid, sender, digest, data, off)
    except EncodingError:
        raise
    except CryptoError as e:  # ParameterError from a constructor, InvalidProof from a proof
        raise EncodingError(f"ecdsa message: {e}") from None


def _decode_body(
    kind: Kind, sid: bytes, sender: int, digest: bytes, data: bytes, off: int
) -> EcdsaMessage:
    rest = data[off:]
    msg = functools.partial(EcdsaMessage, kind=kind, session_id=sid, sender=sender, digest=digest)
    if kind is Kind.DEAL:
        nb, off = read_exact(data, off, 4, "ecdsa message")
        body, off = read_exact(data, off, int.from_bytes(nb, "big"), "ecdsa message")
        dealing = PresignDealing.from_bytes(body)
        mb, off = read_exact(data, off, 2, "ecdsa message")
        sealed = []
        for _ in range(int.from_bytes(mb, "big")):
            cb, off = read_exact(data, off, SEALED_SHARES_LENGTH, "ecdsa message")
            sealed.append(cb)
        if off != len(data):
            raise EncodingError("ecdsa message: trailing bytes")
        return msg(dealing=dealing, sealed=tuple(sealed))
    if kind is Kind.COMPLAINT:
        return msg(complaint=Complaint.from_bytes(rest))
    if kind is Kind.JUSTIFY:
        mb, off = read_exact(data, off, 2, "ecdsa message")
        count = int.from_bytes(mb, "big")
        body = expect_length(data[off:], count * _JUSTIFICATION_LENGTH, "justify message")
        return msg(
            justifications=tuple(
                Justification.from_bytes(body[k : k + _JUSTIFICATION_LENGTH])
                for k in range(0, len(body), _JUSTIFICATION_LENGTH)
            )
        )
    if kind is Kind.PRODUCT:
        return msg(product=ProductShare.from_bytes(expect_length(rest, _SHARE_LENGTH, "product")))
    return msg(
        signature_share=SignatureShare.from_bytes(
            expect_length(rest, _SHARE_LENGTH, "signature share")
        )
    )


def transcript_digest(
    kind: Kind, session_id: bytes, signers: Sequence[int], raw: Mapping[int, bytes]
) -> bytes:
    """SHA-256 over every signer's raw message of one round, in increasing id order.

    ``raw`` must hold a message from every signer (the round barrier guarantees it).
    """
    h = hashlib.sha256(_TRANSCRIPT_DST + bytes([int(kind)]) + session_id)
    for i in signers:
        h.update(i.to_bytes(32, "big") + hashlib.sha256(raw[i]).digest())
    return h.digest()

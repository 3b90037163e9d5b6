"""The attestation: a canonical, versioned receipt of a validated DNN computation.

Layout (all integers big-endian):

    magic "LATT" | version (1) | request_id (32) | model_commitment (32) | input_hash (32)
    | output_hash (32) | check name (u8 length + ASCII) | check params (u16 length + bytes)
    | verdict (1: 1 valid, 0 invalid) | epoch (u64) | expiry (u64, unix seconds) | nonce (32)
    [ | signature (96, BLS12-381 G2 compressed) ]

The committee signs ``SIGNING_DST || body`` (domain separated from every other BLS message the
library signs), with the POP ciphersuite of :mod:`mdkm.bls`.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from attestations.properties import PropertyCheck, check_from_params
from cryptocore.encoding import as_bytes, expect_length, read_exact
from cryptocore.errors import EncodingError, ParameterError

__all__ = ["SIGNATURE_LENGTH", "SIGNING_DST", "Attestation"]

_MAGIC = b"LATT"
_VERSION = 1
SIGNING_DST = b"LITHO-CRYPTO-V01-DNN-ATTESTATION"
SIGNATURE_LENGTH = 96


@dataclass(frozen=True, slots=True, kw_only=True)
class Attestation:
    """A (possibly unsigned) attestation. ``signature`` is the committee's 96-byte BLS
    threshold signature over :meth:`signing_message`."""

    request_id: bytes
    model_commitment: bytes
    input_hash: bytes
    output_hash: bytes
    check: PropertyCheck
    verdict: bool
    epoch: int
    expiry: int
    nonce: bytes
    signature: bytes | None = None

    def __post_init__(self) -> None:
        for name in ("request_id", "model_commitment", "input_hash", "output_hash", "nonce"):
            v = getattr(self, name)
            if not isinstance(v, bytes) or len(v) != 32:
                raise ParameterError(f"{name} must be 32 bytes")
        for name in ("epoch", "expiry"):
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v < 1 << 64:
                raise ParameterError(f"{name} must be an unsigned 64-bit integer")
        if not isinstance(self.verdict, bool):
            raise ParameterError("verdict must be a bool")
        if self.signature is not None:
            expect_length(self.signature, SIGNATURE_LENGTH, "attestation signature")

    def body(self) -> bytes:
        name = self.check.name.encode("ascii")
        params = self.check.params()
        return (
            _MAGIC
            + bytes([_VERSION])
            + self.request_id
            + self.model_commitment
            + self.input_hash
            + self.output_hash
            + struct.pack(">B", len(name))
            + name
            + struct.pack(">H", len(params))
            + params
            + bytes([1 if self.verdict else 0])
            + struct.pack(">QQ", self.epoch, self.expiry)
            + self.nonce
        )

    def signing_message(self) -> bytes:
        return SIGNING_DST + self.body()

    def to_bytes(self) -> bytes:
        if self.signature is None:
            raise EncodingError("attestation is not signed")
        return self.body() + self.signature

    @classmethod
    def from_bytes(cls, data: bytes, *, signed: bool = True) -> Attestation:
        data = as_bytes(data, "attestation")
        if data[:4] != _MAGIC or len(data) < 5 or data[4] != _VERSION:
            raise EncodingError("attestation: bad magic or version")
        off = 5
        fields = []
        for what in ("request id", "model commitment", "input hash", "output hash"):
            b, off = read_exact(data, off, 32, what)
            fields.append(b)
        nl, off = read_exact(data, off, 1, "check name")
        name_b, off = read_exact(data, off, nl[0], "check name")
        pl, off = read_exact(data, off, 2, "check params")
        params, off = read_exact(data, off, struct.unpack(">H", pl)[0], "check params")
        verdict_b, off = read_exact(data, off, 1, "verdict")
        if verdict_b[0] not in (0, 1):
            raise EncodingError("attestation: verdict must be 0 or 1")
        ee, off = read_exact(data, off, 16, "epoch and expiry")
        nonce, off = read_exact(data, off, 32, "nonce")
        sig = None
        if signed:
            sig, off = read_exact(data, off, SIGNATURE_LENGTH, "signature")
        if off != len(data):
            raise EncodingError("attestation: trailing bytes")
        try:
            name = name_b.decode("ascii")
        except UnicodeDecodeError:
            raise EncodingError("attestation: check name is not ASCII") from None
        epoch, expiry = struct.unpack(">QQ", ee)
        return cls(
            request_id=fields[0],
            model_commitment=fields[1],
            input_hash=fields[2],
            output_hash=fields[3],
            check=check_from_params(name, params),
            verdict=verdict_b[0] == 1,
            epoch=epoch,
            expiry=expiry,
            nonce=nonce,
            signature=sig,
        )

"""The signing package (message + commitment list) and the values every party derives from it.

* :class:`SigningPackage` — what the coordinator sends to the signers in round two (RFC 9591
  section 5.2: ``msg`` and ``commitment_list``), sorted by identifier, no duplicates.
* :func:`encode_group_commitment_list` — section 4.3.
* :func:`compute_binding_factors` — section 4.4 (one H1 per signer over a shared prefix).
* :func:`compute_group_commitment` — section 4.5 (one weighted sum of 2·t points).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from cryptocore.encoding import read_exact
from cryptocore.errors import EncodingError, MisbehaviourError, ParameterError
from cryptocore.secp256k1 import Point
from mdkm.frost._fast import parse_points, weighted_sum_parsed
from mdkm.frost.ciphersuite import (
    FROST_SECP256K1_SHA256,
    Ciphersuite,
    ciphersuite_from_header,
    decode_identifier,
    encode_identifier,
)
from mdkm.frost.round1 import SigningCommitments, _decode_commitment_pair

__all__ = [
    "SigningPackage",
    "compute_binding_factors",
    "compute_group_commitment",
    "encode_group_commitment_list",
]

_MAX_MESSAGE = 1 << 32


@dataclass(frozen=True, slots=True, kw_only=True)
class SigningPackage:
    """Message and the commitments of exactly the signers taking part, sorted by identifier."""

    commitments: Mapping[int, SigningCommitments]
    message: bytes
    # None: the commitments' ciphersuite (FROST(secp256k1, SHA-256) when they carry none)
    ciphersuite: Ciphersuite = field(default=None, compare=False)  # type: ignore[assignment]
    _encoded_list: bytes = field(default=b"", init=False, repr=False, compare=False)
    # decompressed libsecp256k1 forms of (D_i), (E_i), computed on first use (public values)
    _parsed: list[Any] = field(default_factory=list, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.message, bytes | bytearray | memoryview):
            raise ParameterError("message must be bytes")
        object.__setattr__(self, "message", bytes(self.message))
        if len(self.message) >= _MAX_MESSAGE:
            raise ParameterError("message too long")
        if not isinstance(self.commitments, Mapping) or not self.commitments:
            raise ParameterError("signing package needs at least one commitment")
        for i in self.commitments:
            encode_identifier(i)  # ParameterError unless a nonzero scalar below n
        ids = sorted(self.commitments)
        if self.ciphersuite is None:
            first = self.commitments[ids[0]]
            suite = first.ciphersuite if isinstance(first, SigningCommitments) else None
            object.__setattr__(self, "ciphersuite", suite or FROST_SECP256K1_SHA256)
        if not isinstance(self.ciphersuite, Ciphersuite):
            raise ParameterError("unknown ciphersuite")
        parts = []
        for i in ids:
            c = self.commitments[i]
            if not isinstance(c, SigningCommitments):
                raise ParameterError("commitments must be SigningCommitments")
            if c.ciphersuite is not self.ciphersuite:
                raise ParameterError("commitment from another ciphersuite")
            # RFC 9591 section 4.3: SerializeScalar(id) || SerializeElement(D) || ...(E)
            parts.append(encode_identifier(i) + c.hiding.to_bytes() + c.binding.to_bytes())
        object.__setattr__(
            self, "commitments", MappingProxyType({i: self.commitments[i] for i in ids})
        )
        object.__setattr__(self, "_encoded_list", b"".join(parts))

    @property
    def signers(self) -> tuple[int, ...]:
        """participants_from_commitment_list (sorted identifiers)."""
        return tuple(self.commitments)

    def to_bytes(self) -> bytes:
        """header || u32 count || (id || D || E)* || u32 len(msg) || msg."""
        return b"".join(
            (
                self.ciphersuite.header(),
                len(self.commitments).to_bytes(4, "big"),
                self._encoded_list,
                len(self.message).to_bytes(4, "big"),
                self.message,
            )
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> SigningPackage:
        """Strict decoding: identifiers strictly ascending (no duplicates), no trailing bytes."""
        suite, off = ciphersuite_from_header(data, "signing package")
        data = bytes(data)
        n_b, off = read_exact(data, off, 4, "signing package")
        n = int.from_bytes(n_b, "big")
        if n == 0 or n * 98 > len(data):
            raise EncodingError("signing package: bad commitment count")
        comms: dict[int, SigningCommitments] = {}
        last = 0
        for _ in range(n):
            i_b, off = read_exact(data, off, 32, "signing package")
            pair, off = read_exact(data, off, 66, "signing package")
            i = decode_identifier(i_b)
            if i <= last:
                raise EncodingError("signing package: identifiers not strictly ascending")
            last = i
            comms[i] = _decode_commitment_pair(pair, suite)
        m_b, off = read_exact(data, off, 4, "signing package")
        msg, off = read_exact(data, off, int.from_bytes(m_b, "big"), "signing package")
        if off != len(data):
            raise EncodingError("signing package: trailing bytes")
        return cls(commitments=comms, message=msg, ciphersuite=suite)


def encode_group_commitment_list(signing_package: SigningPackage) -> bytes:
    """RFC 9591 section 4.3 encode_group_commitment_list."""
    return signing_package._encoded_list


def binding_factor_prefix(group_public_key: Point, signing_package: SigningPackage) -> bytes:
    """rho_input_prefix = SerializeElement(PK) || H4(msg) || H5(encoded commitment list)."""
    suite = signing_package.ciphersuite
    return (
        group_public_key.to_bytes()
        + suite.H4(signing_package.message)
        + suite.H5(signing_package._encoded_list)
    )


def compute_binding_factors(
    group_public_key: Point, signing_package: SigningPackage
) -> dict[int, int]:
    """RFC 9591 section 4.4: rho_i = H1(rho_input_prefix || SerializeScalar(i)) for every signer."""
    prefix = binding_factor_prefix(group_public_key, signing_package)
    ids = signing_package.signers
    values = signing_package.ciphersuite.H1_many(prefix, [i.to_bytes(32, "big") for i in ids])
    return dict(zip(ids, values, strict=True))


def compute_group_commitment(
    signing_package: SigningPackage, binding_factors: Mapping[int, int]
) -> Point:
    """RFC 9591 section 4.5: R = sum_i (D_i + rho_i·E_i), as one weighted sum of 2·t points.

    The identity is refused (it has no encoding, RFC 9591 section 6.5 SerializeElement): only
    colluding signers can cause it, and they cannot be singled out from the commitments alone.
    """
    comms = signing_package.commitments
    ids = signing_package.signers
    cache = signing_package._parsed
    if not cache:  # decompress every commitment once per package (a square root each)
        parsed = [
            parse_points([comms[i].hiding for i in ids]),
            parse_points([comms[i].binding for i in ids]),
        ]
        if not cache:
            cache.extend(parsed)
    R = weighted_sum_parsed(cache[0], cache[1], [binding_factors[i] for i in ids])
    if R.is_identity:
        raise MisbehaviourError("group commitment is the identity")
    return R


def group_commitment_share(commitments: SigningCommitments, binding_factor: int) -> Point:
    """D_i + rho_i·E_i (RFC 9591 section 5.4)."""
    return commitments.hiding + commitments.binding * binding_factor

"""Key material produced by a DKG (or a trusted dealer) and consumed by threshold signing.

* :class:`KeyPackage` is one participant's secret: its identifier, its signing share (secret),
  its own verifying share, the group public key and the threshold. It never leaves its owner.
* :class:`PublicKeyPackage` is public: the group public key and every participant's verifying
  share (``verifying_shares[i] = signing_share_i · G``).

Identifiers are nonzero scalars of the group's field (any value in [1, order), not only small
integers). ``min_signers`` is the threshold t: any t shares sign, fewer learn nothing.
Modelled on ZcashFoundation/frost ``keys``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from cryptocore.encoding import as_bytes, decode_scalar, read_exact
from cryptocore.errors import EncodingError, ParameterError
from cryptocore.group import Group, get_group
from cryptocore.secret import SecretValue

__all__ = ["KeyPackage", "PublicKeyPackage", "check_identifiers"]

_VERSION = 1
_GROUP_IDS = {"secp256k1": 1, "bls12_381": 2}
_GROUP_NAMES = {v: k for k, v in _GROUP_IDS.items()}


def check_identifiers(ids: Any, order: int) -> tuple[int, ...]:
    """Validate participant identifiers: ints in [1, order), no duplicates. Returns them sorted."""
    out = tuple(ids)
    for i in out:
        if not isinstance(i, int) or isinstance(i, bool):
            raise ParameterError("identifiers must be integers")
        if not 0 < i < order:
            raise ParameterError("identifier must be a nonzero scalar below the group order")
    if len(set(out)) != len(out):
        raise ParameterError("duplicate identifiers")
    return tuple(sorted(out))


_MAX_THRESHOLD = 2**32 - 1  # min_signers is encoded in 4 bytes


def _check_threshold(min_signers: int, n: int | None = None) -> None:
    if isinstance(min_signers, bool) or not isinstance(min_signers, int):
        raise ParameterError("threshold must be a positive integer")
    if not 1 <= min_signers <= _MAX_THRESHOLD:
        raise ParameterError("threshold must be a positive integer below 2^32")
    if n is not None and min_signers > n:
        raise ParameterError("threshold exceeds the number of participants")


def _check_element(g: Group, p: object, what: str) -> None:
    """A non-identity element of ``g`` (its generator's type), else ParameterError."""
    if not isinstance(p, type(g.generator)):
        raise ParameterError(f"{what} must be an element of {g.name}")
    if p.is_identity:
        raise ParameterError(f"{what} is the identity")


class _KeyMaterial:
    """What both package types derive from their ``group`` name and ``min_signers``."""

    __slots__ = ()
    group: str
    min_signers: int

    @property
    def group_obj(self) -> Group:
        return get_group(self.group)

    @property
    def threshold(self) -> int:
        return self.min_signers


@dataclass(frozen=True, slots=True, kw_only=True)
class PublicKeyPackage(_KeyMaterial):
    """Public output of key generation: group key and all verifying shares."""

    group: str
    min_signers: int
    group_public_key: Any
    verifying_shares: Mapping[int, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        g = get_group(self.group)
        if not isinstance(self.verifying_shares, Mapping):
            raise ParameterError("verifying shares must map identifiers to elements")
        ids = check_identifiers(self.verifying_shares.keys(), g.order)
        _check_threshold(self.min_signers, len(ids) if ids else None)
        _check_element(g, self.group_public_key, "group public key")
        for i in ids:
            _check_element(g, self.verifying_shares[i], "verifying share")
        object.__setattr__(
            self,
            "verifying_shares",
            MappingProxyType({i: self.verifying_shares[i] for i in ids}),
        )

    def to_bytes(self) -> bytes:
        g = self.group_obj
        out = bytearray([_VERSION, _GROUP_IDS[self.group]])
        out += self.min_signers.to_bytes(4, "big")
        out += self.group_public_key.to_bytes()
        out += len(self.verifying_shares).to_bytes(4, "big")
        for i, p in self.verifying_shares.items():
            out += i.to_bytes(g.scalar_length, "big") + p.to_bytes()
        return bytes(out)

    @classmethod
    def from_bytes(cls, data: bytes) -> PublicKeyPackage:
        data = as_bytes(data, "public key package")
        if len(data) < 2 or data[0] != _VERSION or data[1] not in _GROUP_NAMES:
            raise EncodingError("public key package: bad version or group")
        g = get_group(_GROUP_NAMES[data[1]])
        t_b, off = read_exact(data, 2, 4, "public key package")
        pk_b, off = read_exact(data, off, g.element_length, "public key package")
        n_b, off = read_exact(data, off, 4, "public key package")
        shares: dict[int, Any] = {}
        last = 0
        for _ in range(int.from_bytes(n_b, "big")):
            i_b, off = read_exact(data, off, g.scalar_length, "public key package")
            p_b, off = read_exact(data, off, g.element_length, "public key package")
            i = decode_scalar(i_b, g.order, g.scalar_length, what="identifier", nonzero=True)
            # canonical: to_bytes writes identifiers sorted, so only ascending order decodes
            if i <= last:
                raise EncodingError(
                    "public key package: identifiers not strictly ascending (or duplicated)"
                )
            last = i
            shares[i] = g.decode(p_b)
        if off != len(data):
            raise EncodingError("public key package: trailing bytes")
        return cls(
            group=g.name,
            min_signers=int.from_bytes(t_b, "big"),
            group_public_key=g.decode(pk_b),
            verifying_shares=shares,
        )


@dataclass(frozen=True, slots=True, kw_only=True, eq=False, repr=False)
class KeyPackage(_KeyMaterial, SecretValue):
    """One participant's key material. Holds a secret: repr is redacted, not hashable."""

    group: str
    identifier: int
    signing_share: int
    verifying_share: Any
    group_public_key: Any
    min_signers: int

    def __post_init__(self) -> None:
        g = get_group(self.group)
        check_identifiers((self.identifier,), g.order)
        _check_threshold(self.min_signers)
        s = self.signing_share
        if isinstance(s, bool) or not isinstance(s, int) or not 0 < s < g.order:
            raise ParameterError("signing share out of range")
        _check_element(g, self.verifying_share, "verifying share")
        _check_element(g, self.group_public_key, "group public key")

    def __repr__(self) -> str:
        return (
            f"KeyPackage(group={self.group!r}, identifier={self.identifier}, "
            "signing_share=<redacted>)"
        )

    def to_bytes(self) -> bytes:
        """Secret encoding (store it only encrypted: see :mod:`mdkm.keystore`)."""
        g = self.group_obj
        return bytes(
            bytes([_VERSION, _GROUP_IDS[self.group]])
            + self.min_signers.to_bytes(4, "big")
            + self.identifier.to_bytes(g.scalar_length, "big")
            + self.signing_share.to_bytes(g.scalar_length, "big")
            + self.verifying_share.to_bytes()
            + self.group_public_key.to_bytes()
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> KeyPackage:
        data = as_bytes(data, "key package")
        if len(data) < 2 or data[0] != _VERSION or data[1] not in _GROUP_NAMES:
            raise EncodingError("key package: bad version or group")
        g = get_group(_GROUP_NAMES[data[1]])
        expected = 2 + 4 + 2 * g.scalar_length + 2 * g.element_length
        if len(data) != expected:
            raise EncodingError("key package: wrong length")
        off = 6
        ident = decode_scalar(
            data[off : off + g.scalar_length],
            g.order,
            g.scalar_length,
            what="identifier",
            nonzero=True,
        )
        off += g.scalar_length
        share = decode_scalar(
            data[off : off + g.scalar_length],
            g.order,
            g.scalar_length,
            what="signing share",
            nonzero=True,
        )
        off += g.scalar_length
        vs = g.decode(data[off : off + g.element_length])
        off += g.element_length
        gpk = g.decode(data[off : off + g.element_length])
        kp = cls(
            group=g.name,
            identifier=ident,
            signing_share=share,
            verifying_share=vs,
            group_public_key=gpk,
            min_signers=int.from_bytes(data[2:6], "big"),
        )
        if g.base_mul(share) != vs:
            raise EncodingError("key package: verifying share does not match the signing share")
        return kp

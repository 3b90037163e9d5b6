"""Ring-signature keys and rings (the design's GeneratePublicKeySet).

* :class:`SigningKey` holds a secret scalar x (repr redacted, not hashable); its public key is
  P = x·G and its key image I = x·Hp(P) (:mod:`ringsig.key_image`).
* A *ring* is a tuple of distinct 33-byte compressed public keys in canonical order: sorted by
  encoding. Whoever signs sits wherever their key falls in that order, so neither the order
  nor a position in the signature says who signed.
* :func:`generate_public_key_set` builds a ring from the signer's key and decoys drawn
  uniformly (with the injected rng) from a candidate pool.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from cryptocore.errors import EncodingError, ParameterError
from cryptocore.rng import Rng, get_rng, random_scalar
from cryptocore.secp256k1 import N, Point

__all__ = [
    "DEFAULT_MAX_RING_SIZE",
    "SigningKey",
    "canonical_ring",
    "generate_public_key_set",
    "public_key",
]

DEFAULT_MAX_RING_SIZE: Final = 1024
"""Largest ring accepted unless the caller configures another bound (``max_ring_size``)."""

_PUBLIC_KEY_LENGTH: Final = 33


def _check_secret(secret_key: int) -> int:
    if not isinstance(secret_key, int) or isinstance(secret_key, bool):
        raise ParameterError("secret key must be an integer")
    if not 0 < secret_key < N:
        raise ParameterError("secret key must be in [1, n)")
    return secret_key


def public_key(secret_key: int | SigningKey) -> bytes:
    """P = x·G (constant-time base multiplication), 33-byte compressed."""
    x = secret_key.secret if isinstance(secret_key, SigningKey) else _check_secret(secret_key)
    return Point.base_mul(x).to_bytes()


@dataclass(frozen=True, slots=True, kw_only=True, eq=False, repr=False)
class SigningKey:
    """A ring-signing secret x in [1, n). Holds a secret: repr redacted, not hashable."""

    secret: int

    def __post_init__(self) -> None:
        _check_secret(self.secret)

    __hash__ = None  # type: ignore[assignment]

    @classmethod
    def generate(cls, rng: Rng | None = None) -> SigningKey:
        """A fresh uniform key from ``rng`` (the OS CSPRNG by default)."""
        return cls(secret=random_scalar(N, rng))

    @property
    def public_key(self) -> bytes:
        return Point.base_mul(self.secret).to_bytes()

    @property
    def key_image(self) -> bytes:
        from ringsig.key_image import key_image

        return key_image(self.secret)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SigningKey):
            return NotImplemented
        mine, theirs = self.secret.to_bytes(32, "big"), other.secret.to_bytes(32, "big")
        return hmac.compare_digest(mine, theirs)

    def __repr__(self) -> str:
        return "SigningKey(<redacted>)"


@lru_cache(maxsize=1 << 16)
def _valid_key(pk: bytes) -> bytes:
    # Strict SEC 1 compressed decoding (EncodingError is raised, and never cached).
    return Point.from_bytes(pk).to_bytes()


def _check_key(pk: object) -> bytes:
    if not isinstance(pk, bytes | bytearray | memoryview):
        raise EncodingError("ring member: expected 33-byte compressed public key")
    return _valid_key(bytes(pk))


def _check_size(n: int, max_ring_size: int) -> None:
    if not isinstance(max_ring_size, int) or max_ring_size < 2:
        raise ParameterError("max_ring_size must be an integer >= 2")
    if n < 2:
        raise ParameterError("a ring needs at least 2 members (a ring of 1 names the signer)")
    if n > max_ring_size:
        raise ParameterError(f"ring larger than the configured maximum ({max_ring_size})")


def canonical_ring(
    ring: Sequence[bytes], *, max_ring_size: int = DEFAULT_MAX_RING_SIZE
) -> tuple[bytes, ...]:
    """Validate a ring and return it in canonical order (sorted by compressed encoding).

    Raises EncodingError for a member that is not a canonical compressed point and
    ParameterError for duplicates or a size outside [2, max_ring_size].
    """
    if isinstance(ring, bytes | bytearray | str):
        raise ParameterError("ring must be a sequence of public keys")
    members = [_check_key(pk) for pk in ring]
    _check_size(len(members), max_ring_size)
    if len(set(members)) != len(members):
        raise ParameterError("duplicate ring members")
    return tuple(sorted(members))


def generate_public_key_set(
    own_public_key: bytes,
    candidates: Iterable[bytes],
    size: int,
    rng: Rng | None = None,
    *,
    max_ring_size: int = DEFAULT_MAX_RING_SIZE,
) -> tuple[bytes, ...]:
    """GeneratePublicKeySet: the signer's key plus ``size - 1`` decoys, in canonical order.

    Decoys are drawn uniformly without replacement from ``candidates`` (the signer's own key
    is skipped if present) with a Fisher-Yates shuffle driven by ``rng``. Raises
    ParameterError when the pool has duplicates or fewer than ``size - 1`` other keys.
    """
    own = _check_key(own_public_key)
    if not isinstance(size, int):
        raise ParameterError("ring size must be an integer")
    _check_size(size, max_ring_size)
    pool = [_check_key(pk) for pk in candidates]
    if len(set(pool)) != len(pool):
        raise ParameterError("duplicate keys in the decoy pool")
    pool = [pk for pk in pool if pk != own]
    if len(pool) < size - 1:
        raise ParameterError("not enough decoys for the requested ring size")
    r = get_rng(rng)
    # Partial Fisher-Yates: the first size-1 entries become a uniform sample.
    for i in range(size - 1):
        j = i + random_scalar(len(pool) - i, r, nonzero=False)
        pool[i], pool[j] = pool[j], pool[i]
    return canonical_ring([own, *pool[: size - 1]], max_ring_size=max_ring_size)

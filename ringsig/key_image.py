"""Key images: I = x·Hp(P), the linking tag of a ring signature.

``Hp`` is RFC 9380 ``hash_to_curve`` with suite ``secp256k1_XMD:SHA-256_SSWU_RO_`` (section 8.7)
applied to the 33-byte compressed public key, under our own versioned domain-separation tag
:data:`HP_DST` (RFC 9380 section 3.1). Nobody knows the discrete logarithm of Hp(P) to the
base G; that is what makes I unlinkable to P yet unique per key (CryptoNote v2.0 section 4.4,
"GenerateKeyImage"; Goodell, Noether, RandomRun 2019, section 2). The older construction
Keccak(P)·P is *not* a hash to the curve (its discrete log to base P is public) and is not used.

secp256k1 has cofactor 1, so every non-identity point is in the prime-order group: no torsion
component can make two images of one key differ (the reason Monero multiplies by 8).

Hp(P) costs about 80 µs in Python; results are kept in an LRU keyed on the canonical
encoding (:func:`hash_to_point`), shared with verification.
"""

from __future__ import annotations

import hmac
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from cryptocore.errors import EncodingError
from cryptocore.secp256k1 import Point, hash_to_curve, hash_to_curve_many
from ringsig.keys import _check_secret

__all__ = [
    "HP_DST",
    "KEY_IMAGE_LENGTH",
    "KeyImage",
    "clear_cache",
    "hash_to_point",
    "hash_to_points",
    "key_image",
    "precompute",
]

HP_DST: Final = b"LITHO-CRYPTO-V01-RINGSIG-HP_secp256k1_XMD:SHA-256_SSWU_RO_"
"""Versioned domain-separation tag of Hp (RFC 9380 section 3.1: application tag || suite id)."""

KEY_IMAGE_LENGTH: Final = 33
_CACHE_SIZE: Final = 1 << 16


class _LRU:
    """A small thread-safe LRU of Hp(P) keyed on the canonical encoding of P."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._data: OrderedDict[bytes, Point] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: bytes) -> Point | None:
        with self._lock:
            v = self._data.get(key)
            if v is not None:
                self._data.move_to_end(key)
            return v

    def put(self, key: bytes, value: Point) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self._size:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


_HP_CACHE: Final = _LRU(_CACHE_SIZE)


def _hp_canonical(public_key: bytes) -> Point:
    h = _HP_CACHE.get(public_key)
    if h is None:
        h = hash_to_curve(public_key, HP_DST)
        _HP_CACHE.put(public_key, h)
    return h


def hash_to_point(public_key: bytes) -> Point:
    """Hp(P) = hash_to_curve(compressed P, HP_DST) (RFC 9380 section 3). Cached by encoding.

    ``public_key`` must be a canonical 33-byte compressed point (EncodingError otherwise).
    """
    enc = Point.from_bytes(public_key).to_bytes()
    return _hp_canonical(enc)


def hash_to_points(public_keys: Sequence[bytes]) -> list[Point]:
    """Hp of many canonical encodings (validated by the caller), cached by encoding.

    The uncached ones go through ``hash_to_curve_many`` (same outputs as ``hash_to_curve``,
    one shared field inversion).
    """
    out: list[Point | None] = [_HP_CACHE.get(pk) for pk in public_keys]
    missing = list(dict.fromkeys(pk for pk, h in zip(public_keys, out, strict=True) if h is None))
    if missing:
        fresh = dict(zip(missing, hash_to_curve_many(missing, HP_DST), strict=True))
        for pk, h in fresh.items():
            _HP_CACHE.put(pk, h)
        out = [fresh[pk] if h is None else h for pk, h in zip(public_keys, out, strict=True)]
    return [h for h in out if h is not None]


def precompute(public_keys: Iterable[bytes]) -> int:
    """Fill the Hp(P) cache for keys a node expects to see in rings (e.g. as outputs arrive).

    Verification of a ring whose keys are all cached skips hash-to-curve entirely (about
    80 µs per member). Returns how many keys were validated. EncodingError for a key that is
    not a canonical compressed point.
    """
    keys = [Point.from_bytes(pk).to_bytes() for pk in public_keys]
    for start in range(0, len(keys), 1024):
        hash_to_points(keys[start : start + 1024])
    return len(keys)


def clear_cache() -> None:
    """Forget every cached Hp(P) (benchmarks measure cold verification with it)."""
    _HP_CACHE.clear()


def key_image(secret_key: int) -> bytes:
    """GenerateKeyImage: I = x·Hp(x·G), 33-byte compressed.

    Both multiplications by the secret use constant-time paths (``Point.base_mul`` and
    ``Point.mul_secret``, libsecp256k1's ecmult_gen and ECDH ladder).
    """
    x = _check_secret(secret_key)
    pub = Point.base_mul(x).to_bytes()
    return _hp_canonical(pub).mul_secret(x).to_bytes()


@dataclass(frozen=True, slots=True, kw_only=True)
class KeyImage:
    """A key image as a value: its canonical 33-byte compressed encoding, validated.

    Equality is on the canonical encoding, so two encodings of one point cannot be two images:
    :meth:`from_bytes` accepts only the compressed form (uncompressed 0x04 and hybrid 0x06/0x07
    encodings raise EncodingError), and the identity has no encoding at all.
    """

    value: bytes

    def __post_init__(self) -> None:
        Point.from_bytes(self.value)  # strict: 33 bytes, 0x02/0x03, x < p, on the curve
        object.__setattr__(self, "value", bytes(self.value))

    @classmethod
    def from_bytes(cls, data: bytes) -> KeyImage:
        if not isinstance(data, bytes | bytearray | memoryview):
            raise EncodingError("key image: expected bytes")
        return cls(value=bytes(data))

    def to_bytes(self) -> bytes:
        return self.value

    def point(self) -> Point:
        return Point.from_bytes(self.value)

    def matches(self, other: KeyImage | bytes) -> bool:
        """Constant-time comparison of canonical encodings."""
        other_b = other.value if isinstance(other, KeyImage) else bytes(other)
        return hmac.compare_digest(self.value, other_b)

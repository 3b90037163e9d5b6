"""Injected randomness.

Every function that needs randomness takes ``rng: Rng | None``: a callable that returns ``n``
random bytes. ``None`` means the operating system's CSPRNG (:func:`secrets.token_bytes`). Tests
pass :func:`deterministic_rng` so that every protocol run is reproducible.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable

from cryptocore.errors import ParameterError

__all__ = ["Rng", "deterministic_rng", "get_rng", "keyed_rng", "random_scalar", "system_rng"]

Rng = Callable[[int], bytes]

_MAX_DRAWS = 128


def system_rng(n: int) -> bytes:
    """``n`` bytes from the OS CSPRNG."""
    return secrets.token_bytes(n)


def get_rng(rng: Rng | None) -> Rng:
    """The given rng, or the OS CSPRNG when ``None``."""
    return system_rng if rng is None else rng


class _CounterRng:
    """SHA-256 in counter mode over a seed (deterministic; for tests and demos only)."""

    __slots__ = ("_buffer", "_counter", "_seed")

    def __init__(self, seed: bytes) -> None:
        self._seed = seed
        self._counter = 0
        self._buffer = b""

    def __call__(self, n: int) -> bytes:
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ParameterError("the number of bytes must be a non-negative integer")
        while len(self._buffer) < n:
            block = b"litho-crypto/test-rng/v1" + self._seed + self._counter.to_bytes(8, "big")
            self._buffer += hashlib.sha256(block).digest()
            self._counter += 1
        out, self._buffer = self._buffer[:n], self._buffer[n:]
        return out

    def __repr__(self) -> str:
        return "deterministic_rng(<seed redacted>)"


def deterministic_rng(seed: bytes | str | int) -> Rng:
    """A reproducible byte stream (SHA-256 in counter mode) for tests and demos only.

    Never use it for real keys: anyone who knows the seed knows every output.
    """
    if isinstance(seed, int):
        seed_bytes = str(seed).encode()
    elif isinstance(seed, str):
        seed_bytes = seed.encode()
    elif isinstance(seed, bytes | bytearray | memoryview):
        seed_bytes = bytes(seed)
    else:
        raise ParameterError("seed must be bytes, str or int")
    return _CounterRng(seed_bytes)


class _KeyedRng:
    """HMAC-SHA-256(key, label || counter) blocks: a PRF stream under a secret key."""

    __slots__ = ("_buffer", "_counter", "_key", "_label")

    def __init__(self, key: bytes, label: bytes) -> None:
        self._key = key
        self._label = label
        self._counter = 0
        self._buffer = b""

    def __call__(self, n: int) -> bytes:
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ParameterError("the number of bytes must be a non-negative integer")
        while len(self._buffer) < n:
            block = self._label + self._counter.to_bytes(8, "big")
            self._buffer += hmac.new(self._key, block, hashlib.sha256).digest()
            self._counter += 1
        out, self._buffer = self._buffer[:n], self._buffer[n:]
        return out

    def __repr__(self) -> str:
        return "keyed_rng(<key redacted>)"


def keyed_rng(key: bytes, label: bytes) -> Rng:
    """A deterministic stream keyed by a *secret* ``key`` (at least 32 bytes) and a public label.

    For protocol state that a participant must re-derive identically after a crash (as RFC 6979
    derives ECDSA nonces from the key and the message): the DKG of an epoch change
    (:mod:`bft.keygen`) recomputes its dealing byte for byte when it replays the chain, so that a
    restarted node never seals a *different* share under the same channel nonce. The outputs are
    pseudorandom to anyone who does not know ``key`` (HMAC-SHA-256 as a PRF).
    """
    if not isinstance(key, bytes | bytearray) or len(key) < 32:
        raise ParameterError("keyed_rng needs a secret key of at least 32 bytes")
    if not isinstance(label, bytes | bytearray):
        raise ParameterError("label must be bytes")
    return _KeyedRng(bytes(key), len(label).to_bytes(4, "big") + bytes(label))


def random_scalar(order: int, rng: Rng | None = None, *, nonzero: bool = True) -> int:
    """A uniform scalar in [1, order) (or [0, order) when ``nonzero`` is False).

    Draws 64 extra bits and reduces, so the bias is below 2^-64 (RFC 9380 section 5 style).
    Raises ParameterError for an order with no such scalar, and for an rng that does not return
    exactly the bytes asked for or keeps returning values that reduce to zero (a broken source).
    """
    if isinstance(order, bool) or not isinstance(order, int) or order < (2 if nonzero else 1):
        raise ParameterError("order must be an integer >= 2 (>= 1 when zero is allowed)")
    r = get_rng(rng)
    nbytes = (order.bit_length() + 7) // 8 + 8
    for _ in range(_MAX_DRAWS):
        out = r(nbytes)
        if not isinstance(out, bytes | bytearray) or len(out) != nbytes:
            raise ParameterError(f"rng returned something other than {nbytes} bytes")
        v = int.from_bytes(out, "big") % order
        if v != 0 or not nonzero:
            return v
    # P(zero) <= 1/2 + 2^-64 per draw for every order >= 2: 128 zeros in a row is a stuck rng
    raise ParameterError("rng keeps producing zero: refusing to draw a scalar")

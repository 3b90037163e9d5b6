"""Injected randomness.

Every function that needs randomness takes ``rng: Rng | None``: a callable that returns ``n``
random bytes. ``None`` means the operating system's CSPRNG (:func:`secrets.token_bytes`). Tests
pass :func:`deterministic_rng` so that every protocol run is reproducible.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable

from cryptocore.errors import ParameterError

__all__ = ["Rng", "deterministic_rng", "get_rng", "random_scalar", "system_rng"]

Rng = Callable[[int], bytes]


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
        if n < 0:
            raise ParameterError("cannot draw a negative number of bytes")
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
    else:
        seed_bytes = bytes(seed)
    return _CounterRng(seed_bytes)


def random_scalar(order: int, rng: Rng | None = None, *, nonzero: bool = True) -> int:
    """A uniform scalar in [1, order) (or [0, order) when ``nonzero`` is False).

    Draws 64 extra bits and reduces, so the bias is below 2^-64 (RFC 9380 section 5 style).
    """
    r = get_rng(rng)
    nbytes = (order.bit_length() + 7) // 8 + 8
    while True:
        v = int.from_bytes(r(nbytes), "big") % order
        if v != 0 or not nonzero:
            return v

"""Pedersen verifiable secret sharing (Pedersen, CRYPTO '91, section 4) over any registered group.

The dealer shares a secret ``a_0`` with a polynomial ``f(x) = a_0 + a_1 x + ... + a_{t-1} x^{t-1}``
and a random blinding polynomial ``f'(x) = b_0 + ... + b_{t-1} x^{t-1}``. It publishes the
commitments ``C_k = a_k·G + b_k·H``; participant ``i`` receives ``(f(i), f'(i))`` and checks

    f(i)·G + f'(i)·H == sum_k C_k · i^k                                    (GJKR 2007, Eq. (4))

Unlike Feldman's commitments, these reveal nothing about ``a_0`` (they are perfectly hiding); they
are binding as long as nobody knows ``log_G(H)``. The second generator ``H`` is therefore derived
by hashing to the curve (RFC 9380) from a versioned domain-separation tag, so that no one — not
even the library's authors — knows its discrete logarithm:

* secp256k1: suite ``secp256k1_XMD:SHA-256_SSWU_RO_``,
  DST ``LITHO-CRYPTO-V01-PEDERSEN-H-secp256k1``;
* BLS12-381 G1: suite ``BLS12381G1_XMD:SHA-256_SSWU_RO_``,
  DST ``LITHO-CRYPTO-V01-PEDERSEN-H-bls12_381``.

This is the "another base point T′" of the MDKM design notes.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from cryptocore.errors import InvalidShare, ParameterError
from cryptocore.group import Group, get_group

__all__ = [
    "PEDERSEN_DST_PREFIX",
    "PEDERSEN_MESSAGE",
    "commit",
    "expected",
    "pedersen_generator",
    "verify",
]

PEDERSEN_DST_PREFIX = b"LITHO-CRYPTO-V01-PEDERSEN-H-"
"""DST = prefix || group name (ASCII). Changing it changes H and breaks old commitments."""

PEDERSEN_MESSAGE = b"second generator H for Pedersen commitments"
"""The message hashed to the curve (the DST carries the version and the group)."""


def _as_group(group: Group | str) -> Group:
    return get_group(group) if isinstance(group, str) else group


@lru_cache(maxsize=8)
def _generator_for(name: str) -> Any:
    dst = PEDERSEN_DST_PREFIX + name.encode("ascii")
    if name == "secp256k1":
        mod = importlib.import_module("cryptocore.secp256k1")
        h2c = getattr(mod, "hash_to_curve", None)
        if h2c is None or not callable(h2c):  # pragma: no cover - depends on the package layout
            h2c = importlib.import_module("cryptocore.secp256k1.hash_to_curve").hash_to_curve
        point = h2c(PEDERSEN_MESSAGE, dst)
    elif name == "bls12_381":
        point = importlib.import_module("cryptocore.bls12_381").hash_to_g1(PEDERSEN_MESSAGE, dst)
    else:
        raise ParameterError(f"no Pedersen generator defined for group {name!r}")
    if point.is_identity:  # pragma: no cover - probability 2^-256
        raise ParameterError("hash to curve gave the identity")
    return point


def pedersen_generator(group: Group | str) -> Any:
    """The second generator ``H`` of ``group`` (hash-to-curve of a versioned DST; cached)."""
    return _generator_for(_as_group(group).name)


def commit(
    coefficients: Sequence[int],
    blinding_coefficients: Sequence[int],
    group: Group | str = "secp256k1",
) -> tuple[Any, ...]:
    """Pedersen commitments ``C_k = a_k·G + b_k·H`` (secret scalars on constant-time paths)."""
    g = _as_group(group)
    if len(coefficients) != len(blinding_coefficients) or not coefficients:
        raise ParameterError("need as many blinding coefficients as coefficients (at least one)")
    h = pedersen_generator(g)
    out = []
    for a, b in zip(coefficients, blinding_coefficients, strict=True):
        if not (0 <= a < g.order and 0 <= b < g.order):
            raise ParameterError("coefficient out of range")
        out.append(g.base_mul(a) + h.mul_secret(b))
    return tuple(out)


def expected(commitment: Sequence[Any], identifier: int, group: Group | str = "secp256k1") -> Any:
    """``sum_k C_k · i^k`` by Horner in the exponent (public scalars, variable time)."""
    g = _as_group(group)
    if not commitment:
        raise ParameterError("empty commitment")
    x = identifier % g.order
    acc = commitment[-1]
    for c in reversed(commitment[:-1]):
        acc = acc * x + c
    return acc


def verify(
    identifier: int,
    share: int,
    blinding_share: int,
    commitment: Sequence[Any],
    group: Group | str = "secp256k1",
) -> None:
    """Check ``share·G + blinding_share·H == sum_k C_k · i^k``; raise InvalidShare otherwise.

    The share is the verifier's own secret, so its multiplications use the constant-time paths.
    """
    g = _as_group(group)
    if not (0 <= share < g.order and 0 <= blinding_share < g.order):
        raise InvalidShare("share does not verify")
    if not 0 < identifier < g.order:
        raise ParameterError("identifier must be a nonzero scalar below the group order")
    lhs = g.base_mul(share) + pedersen_generator(g).mul_secret(blinding_share)
    if lhs != expected(commitment, identifier, g):
        raise InvalidShare("share does not verify")

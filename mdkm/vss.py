"""Shamir secret sharing and Feldman verifiable secret sharing over any registered group.

* Shamir (1979): a secret s is f(0) of a random polynomial f of degree t-1; participant i gets f(i).
  Any t shares determine s by Lagrange interpolation; t-1 shares are consistent with every s.
* Feldman (1987): the dealer publishes C_k = a_k·G for the coefficients a_k; participant i checks
  f(i)·G == sum_k C_k · i^k (Horner in the exponent).

Pedersen VSS (hiding commitments with a second generator H) lives in :mod:`mdkm.pedersen`.
``reconstruct`` is for recovery and tests only: in operation MDKM never assembles the key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from cryptocore.errors import InvalidShare, ParameterError
from cryptocore.group import Group
from cryptocore.rng import Rng, random_scalar

__all__ = [
    "evaluate",
    "feldman_commit",
    "feldman_expected",
    "feldman_verify",
    "lagrange_coefficient",
    "random_polynomial",
    "reconstruct",
    "split",
]


def random_polynomial(constant: int, degree: int, order: int, rng: Rng | None = None) -> list[int]:
    """Coefficients [constant, a_1, ..., a_degree] with uniform random a_k."""
    if degree < 0:
        raise ParameterError("degree must be >= 0")
    return [constant % order] + [random_scalar(order, rng, nonzero=False) for _ in range(degree)]


def evaluate(coefficients: Sequence[int], x: int, order: int) -> int:
    """f(x) mod order by Horner's rule."""
    acc = 0
    for c in reversed(coefficients):
        acc = (acc * x + c) % order
    return acc


def split(
    secret: int,
    n: int,
    t: int,
    order: int,
    rng: Rng | None = None,
    identifiers: Iterable[int] | None = None,
) -> tuple[list[int], dict[int, int]]:
    """Shamir-split ``secret`` into n shares with threshold t. Returns (coefficients, shares)."""
    if not (_is_int(n) and _is_int(t)) or not 1 <= t <= n:
        raise ParameterError("need 1 <= t <= n")
    ids = list(identifiers) if identifiers is not None else list(range(1, n + 1))
    if len(ids) != n:
        raise ParameterError("number of identifiers differs from n")
    from mdkm.keys import check_identifiers

    check_identifiers(ids, order)
    coeffs = random_polynomial(secret, t - 1, order, rng)
    return coeffs, {i: evaluate(coeffs, i, order) for i in ids}


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _check_id(i: object, order: int, *, allow_zero: bool = False) -> None:
    # Identifier 0 is where the secret lives (f(0)); ids >= order would alias smaller ones.
    lowest = 0 if allow_zero else 1
    if not isinstance(i, int) or isinstance(i, bool) or not lowest <= i < order:
        raise ParameterError("identifier must be a nonzero scalar below the group order")


def lagrange_coefficient(i: int, identifiers: Iterable[int], order: int, x: int = 0) -> int:
    """lambda_i(x) = prod_{j != i} (x - j) / (i - j) mod order, over the signer set.

    Identifiers must be distinct scalars below ``order`` (ParameterError otherwise; values that
    only differ by a multiple of the order would alias). 0 is accepted as an abscissa for general
    interpolation (a polynomial through a chosen f(0)); participant identifiers are never 0.
    """
    ids = list(identifiers)
    if i not in ids:
        raise ParameterError("identifier not in the set")
    for j in ids:
        _check_id(j, order, allow_zero=True)
    if len(set(ids)) != len(ids):
        raise ParameterError("duplicate identifiers")
    num, den = 1, 1
    for j in ids:
        if j == i:
            continue
        num = num * (x - j) % order
        den = den * (i - j) % order
    if den == 0:
        raise ParameterError("identifiers collide modulo the group order")
    return num * pow(den, -1, order) % order


def reconstruct(shares: Mapping[int, int], order: int, x: int = 0) -> int:
    """Interpolate f(x) from shares {i: f(i)} (recovery and tests only)."""
    if not shares:
        raise ParameterError("no shares")
    ids = list(shares)
    return sum(shares[i] * lagrange_coefficient(i, ids, order, x) for i in ids) % order


def feldman_commit(coefficients: Sequence[int], group: Group) -> tuple[Any, ...]:
    """Feldman commitments C_k = a_k·G (constant-time base multiplication)."""
    return tuple(group.base_mul(a) for a in coefficients)


def feldman_expected(commitment: Sequence[Any], identifier: int, group: Group) -> Any:
    """sum_k C_k · i^k, by Horner in the exponent: ((C_{t-1}·i + C_{t-2})·i + ...) + C_0.

    ``identifier`` must be a nonzero scalar below the order: at 0 this is the commitment to the
    secret itself, and larger values would alias smaller identifiers.
    """
    if not commitment:
        raise ParameterError("empty commitment")
    _check_id(identifier, group.order)
    acc = commitment[-1]
    for c in reversed(commitment[:-1]):
        acc = acc * identifier + c
    return acc


def feldman_verify(identifier: int, share: int, commitment: Sequence[Any], group: Group) -> None:
    """Check share·G == sum_k C_k · i^k; raise InvalidShare otherwise."""
    if not 0 <= share < group.order:
        raise InvalidShare("share does not verify")
    if group.base_mul(share) != feldman_expected(commitment, identifier, group):
        raise InvalidShare("share does not verify")

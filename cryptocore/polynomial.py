"""Polynomials over a prime field, coefficients as Python ints (lowest degree first).

Single evaluations use Horner's rule on Python ints; :meth:`Polynomial.evaluate_many` and
:func:`evaluate_matrix` go through the batch backend (:func:`cryptocore.field.get_backend`), which
is where a DKG's n dealers × n participants evaluations belong. Coefficients may be secret (a
dealer's polynomial): the ``repr`` is redacted and a polynomial is not hashable.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cryptocore.errors import ParameterError
from cryptocore.field import get_backend
from cryptocore.rng import Rng, random_scalar

__all__ = ["Polynomial", "evaluate_matrix", "interpolate"]


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class Polynomial:
    """f(x) = sum_k coefficients[k]·x^k mod ``modulus``; coefficients are reduced, in [0, p)."""

    coefficients: tuple[int, ...]
    modulus: int

    def __post_init__(self) -> None:
        p = self.modulus
        if not isinstance(p, int) or isinstance(p, bool) or p < 2:
            raise ParameterError("modulus must be an integer >= 2")
        if not isinstance(self.coefficients, tuple):
            raise ParameterError("coefficients must be a tuple")
        for c in self.coefficients:
            if not isinstance(c, int) or isinstance(c, bool) or not 0 <= c < p:
                raise ParameterError("coefficient out of range")

    __hash__ = None  # type: ignore[assignment]

    @classmethod
    def from_coefficients(cls, coefficients: Sequence[int], modulus: int) -> Polynomial:
        """Reduce the coefficients modulo ``modulus``."""
        return cls(coefficients=tuple(c % modulus for c in coefficients), modulus=modulus)

    @classmethod
    def random(cls, constant: int, degree: int, modulus: int, rng: Rng | None = None) -> Polynomial:
        """f(0) = ``constant``, the other ``degree`` coefficients uniform (Shamir 1979)."""
        if degree < 0:
            raise ParameterError("degree must be >= 0")
        rest = [random_scalar(modulus, rng, nonzero=False) for _ in range(degree)]
        return cls(coefficients=(constant % modulus, *rest), modulus=modulus)

    @property
    def degree(self) -> int:
        """Index of the highest nonzero coefficient (-1 for the zero polynomial)."""
        for k in range(len(self.coefficients) - 1, -1, -1):
            if self.coefficients[k]:
                return k
        return -1

    def __repr__(self) -> str:
        return f"Polynomial(<redacted>, terms={len(self.coefficients)}, modulus=0x{self.modulus:x})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Polynomial):
            return NotImplemented
        if other.modulus != self.modulus:
            return False
        n = max(len(self.coefficients), len(other.coefficients))
        a = self.coefficients + (0,) * (n - len(self.coefficients))
        b = other.coefficients + (0,) * (n - len(other.coefficients))
        width = max(32, (self.modulus.bit_length() + 7) // 8)
        enc_a = b"".join(c.to_bytes(width, "big") for c in a)
        enc_b = b"".join(c.to_bytes(width, "big") for c in b)
        return hmac.compare_digest(enc_a, enc_b)

    def __call__(self, x: int) -> int:
        return self.evaluate(x)

    def evaluate(self, x: int) -> int:
        """f(x) mod p by Horner's rule on Python ints."""
        acc = 0
        p = self.modulus
        for c in reversed(self.coefficients):
            acc = (acc * x + c) % p
        return acc

    def evaluate_many(self, xs: Sequence[int]) -> list[int]:
        """[f(x) for x in xs] through the batch backend."""
        return get_backend().poly_eval_many(self.coefficients, xs, self.modulus)

    def __add__(self, other: Polynomial) -> Polynomial:
        if not isinstance(other, Polynomial):
            return NotImplemented
        if other.modulus != self.modulus:
            raise ParameterError("polynomials over different moduli")
        n = max(len(self.coefficients), len(other.coefficients))
        a = self.coefficients + (0,) * (n - len(self.coefficients))
        b = other.coefficients + (0,) * (n - len(other.coefficients))
        return Polynomial(
            coefficients=tuple((x + y) % self.modulus for x, y in zip(a, b, strict=True)),
            modulus=self.modulus,
        )

    def scale(self, k: int) -> Polynomial:
        """k·f."""
        return Polynomial.from_coefficients([c * k for c in self.coefficients], self.modulus)


def evaluate_matrix(polys: Sequence[Polynomial], xs: Sequence[int]) -> list[list[int]]:
    """[[f(x) for x in xs] for f in polys] in one backend call (all over the same modulus)."""
    if not polys:
        return []
    p = polys[0].modulus
    if any(f.modulus != p for f in polys):
        raise ParameterError("polynomials over different moduli")
    return get_backend().poly_eval_matrix([f.coefficients for f in polys], xs, p)


def interpolate(points: Mapping[int, int], modulus: int, at: int = 0) -> int:
    """f(at) for the polynomial of degree < len(points) through {x: f(x)} (Lagrange)."""
    if not points:
        raise ParameterError("no points")
    xs = list(points)
    lam = get_backend().lagrange_coefficients(xs, modulus, at)
    return sum(points[x] * c for x, c in zip(xs, lam, strict=True)) % modulus

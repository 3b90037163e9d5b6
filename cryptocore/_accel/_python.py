"""The reference backend: batch field arithmetic on Python ints.

Every operation reduces its inputs modulo ``p`` first, so any Python ints are accepted, and every
output is in ``[0, p)``. The numba backend (:mod:`cryptocore._accel._numba`) must agree with this
module on every input; ``tests/cryptocore/test_accel_parity.py`` checks that it does.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptocore.errors import ParameterError

__all__ = ["PythonBackend", "check_modulus", "inverse_all"]


def check_modulus(p: int) -> None:
    """A modulus must be an int >= 2 (primality is the caller's contract)."""
    if not isinstance(p, int) or isinstance(p, bool) or p < 2:
        raise ParameterError("modulus must be an integer >= 2")


def inverse_all(values: list[int], p: int) -> list[int]:
    """Inverses of reduced values by Montgomery's trick (Montgomery 1987, section 10.3.1).

    One modular inversion and 3(n-1) multiplications instead of n inversions.
    """
    n = len(values)
    if n == 0:
        return []
    prefix = [0] * n
    acc = 1
    for i, v in enumerate(values):
        acc = acc * v % p
        prefix[i] = acc
    try:
        inv = pow(acc, -1, p)
    except ValueError:
        raise ParameterError("cannot invert zero (or a non-unit) modulo p") from None
    out = [0] * n
    for i in range(n - 1, 0, -1):
        out[i] = inv * prefix[i - 1] % p
        inv = inv * values[i] % p
    out[0] = inv
    return out


def _horner(coeffs: list[int], x: int, p: int) -> int:
    acc = 0
    for c in reversed(coeffs):
        acc = (acc * x + c) % p
    return acc


class PythonBackend:
    """Batch operations on Python ints (the reference for every other backend)."""

    name = "python"

    def warm_up(self) -> None:
        """Nothing to compile."""

    def batch_mul(self, a: Sequence[int], b: Sequence[int], p: int) -> list[int]:
        """[a_i · b_i mod p]."""
        check_modulus(p)
        if len(a) != len(b):
            raise ParameterError("batch_mul: sequences differ in length")
        return [x * y % p for x, y in zip(a, b, strict=True)]

    def batch_inverse(self, a: Sequence[int], p: int) -> list[int]:
        """[a_i^-1 mod p] by Montgomery's trick; ParameterError if some a_i is not invertible."""
        check_modulus(p)
        return inverse_all([x % p for x in a], p)

    def poly_eval_many(self, coeffs: Sequence[int], xs: Sequence[int], p: int) -> list[int]:
        """[f(x) mod p for x in xs] with f(x) = sum_k coeffs[k]·x^k (Horner's rule)."""
        check_modulus(p)
        cs = [c % p for c in coeffs]
        return [_horner(cs, x % p, p) for x in xs]

    def poly_eval_matrix(
        self, polys: Sequence[Sequence[int]], xs: Sequence[int], p: int
    ) -> list[list[int]]:
        """[[f_q(x) for x in xs] for f_q in polys]."""
        check_modulus(p)
        pts = [x % p for x in xs]
        out = []
        for f in polys:
            cs = [c % p for c in f]
            out.append([_horner(cs, x, p) for x in pts])
        return out

    def lagrange_coefficients(self, xs: Sequence[int], p: int, at: int = 0) -> list[int]:
        """lambda_i(at) = prod_{j != i} (at - x_j) / (x_i - x_j) mod p for the points xs.

        The points must be distinct modulo p (ParameterError otherwise); p must be prime.
        """
        check_modulus(p)
        pts = [x % p for x in xs]
        if len(set(pts)) != len(pts):
            raise ParameterError("interpolation points must be distinct modulo p")
        at %= p
        nums: list[int] = []
        dens: list[int] = []
        for i, xi in enumerate(pts):
            num, den = 1, 1
            for j, xj in enumerate(pts):
                if j != i:
                    num = num * (at - xj) % p
                    den = den * (xi - xj) % p
            nums.append(num)
            dens.append(den)
        return [n * d % p for n, d in zip(nums, inverse_all(dens, p), strict=True)]

    def inner_product(self, a: Sequence[int], b: Sequence[int], p: int) -> int:
        """sum_i a_i · b_i mod p (one reduction at the end)."""
        check_modulus(p)
        if len(a) != len(b):
            raise ParameterError("inner_product: sequences differ in length")
        return sum(x * y for x, y in zip(a, b, strict=True)) % p

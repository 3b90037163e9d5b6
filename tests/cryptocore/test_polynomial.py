"""Polynomial helper: Horner vs backend, Shamir interpolation, arithmetic, hygiene."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cryptocore.errors import ParameterError
from cryptocore.field import BLS12_381_R, SECP256K1_N
from cryptocore.polynomial import Polynomial, evaluate_matrix, interpolate
from cryptocore.rng import deterministic_rng

MODULI = [SECP256K1_N, BLS12_381_R]


@pytest.mark.parametrize("p", MODULI)
@given(
    coeffs=st.lists(st.integers(min_value=0, max_value=2**256), max_size=15),
    xs=st.lists(st.integers(min_value=0, max_value=2**256), max_size=12),
)
def test_evaluate_many_matches_horner(p: int, coeffs: list[int], xs: list[int]) -> None:
    f = Polynomial.from_coefficients(coeffs, p)
    direct = [sum(c * pow(x, k, p) for k, c in enumerate(coeffs)) % p for x in xs]
    assert [f.evaluate(x) for x in xs] == direct
    assert f.evaluate_many(xs) == direct


@pytest.mark.parametrize("p", MODULI)
@given(seed=st.integers(min_value=0, max_value=2**32), t=st.integers(min_value=1, max_value=8))
def test_threshold_interpolation(p: int, seed: int, t: int) -> None:
    rng = deterministic_rng(seed)
    f = Polynomial.random(12345, t - 1, p, rng)
    shares = {i: f(i) for i in range(1, t + 3)}
    subset = dict(list(shares.items())[-t:])
    assert interpolate(subset, p) == 12345
    assert interpolate(subset, p, at=t + 7) == f(t + 7)
    if t > 1:  # t-1 shares of a random polynomial do not give the secret (with overwhelming odds)
        assert interpolate(dict(list(shares.items())[: t - 1]), p) != 12345


def test_matrix_and_arithmetic() -> None:
    p = BLS12_381_R
    rng = deterministic_rng("poly")
    polys = [Polynomial.random(i, 5, p, rng) for i in range(4)]
    xs = list(range(1, 9))
    m = evaluate_matrix(polys, xs)
    assert m == [[f(x) for x in xs] for f in polys]
    s = polys[0] + polys[1]
    assert [s(x) for x in xs] == [(a + b) % p for a, b in zip(m[0], m[1])]
    assert polys[2].scale(3)(5) == 3 * polys[2](5) % p
    assert Polynomial.from_coefficients([1, 2, 0, 0], p) == Polynomial.from_coefficients([1, 2], p)
    assert Polynomial.from_coefficients([1, 2, 0, 0], p).degree == 1
    assert Polynomial.from_coefficients([], p).degree == -1
    assert evaluate_matrix([], xs) == []


def test_validation_and_hygiene() -> None:
    p = SECP256K1_N
    with pytest.raises(ParameterError):
        Polynomial(coefficients=(p,), modulus=p)
    with pytest.raises(ParameterError):
        Polynomial(coefficients=[1], modulus=p)  # type: ignore[arg-type]
    with pytest.raises(ParameterError):
        evaluate_matrix(
            [Polynomial.from_coefficients([1], p), Polynomial.from_coefficients([1], BLS12_381_R)],
            [1],
        )
    with pytest.raises(ParameterError):
        interpolate({}, p)
    with pytest.raises(ParameterError):
        interpolate({1: 5, 1 + p: 6}, p)
    f = Polynomial.from_coefficients([987654321], p)
    assert "987654321" not in repr(f)
    with pytest.raises(TypeError):
        hash(f)

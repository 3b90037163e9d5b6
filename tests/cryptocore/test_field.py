"""PrimeField / FieldElement: field laws, canonical encoding, secrets hygiene, batch routing."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from cryptocore.errors import EncodingError, ParameterError
from cryptocore.field import (
    BLS12_381_R,
    BLS12_381_SCALARS,
    SECP256K1_N,
    SECP256K1_SCALARS,
    FieldElement,
    PrimeField,
    get_backend,
)
from cryptocore.rng import deterministic_rng
from cryptocore.secp256k1 import N

FIELDS = [SECP256K1_SCALARS, BLS12_381_SCALARS]
anyint = st.integers(min_value=-(2**300), max_value=2**300)


def test_constants() -> None:
    assert SECP256K1_N == N
    assert (
        BLS12_381_R == 52435875175126190479447740508185965837690552500527637822603658699938581184513
    )
    assert SECP256K1_SCALARS.modulus == SECP256K1_N
    assert BLS12_381_SCALARS.byte_length == SECP256K1_SCALARS.byte_length == 32


@pytest.mark.parametrize("field", FIELDS)
@given(a=anyint, b=anyint, c=anyint)
@example(a=0, b=1, c=-1)
@example(a=2**256 - 1, b=SECP256K1_N - 1, c=BLS12_381_R - 1)
def test_field_laws(field: PrimeField, a: int, b: int, c: int) -> None:
    x, y, z = field(a), field(b), field(c)
    p = field.modulus
    assert (x + y).value == (a + b) % p
    assert (x * y).value == a * b % p
    assert (x - y).value == (a - b) % p
    assert (x + y) * z == x * z + y * z
    assert (x * y) * z == x * (y * z)
    assert x + (-x) == field.zero
    assert x * field.one == x
    assert 5 + x == x + 5 and 7 * x == x * 7 and (3 - x).value == (3 - a) % p
    if y:
        assert (x / y) * y == x
        assert y * y.inverse() == field.one
        assert y**-2 == (y * y).inverse()
        assert (1 / y) == y.inverse()
    assert x**0 == field.one and x**3 == x * x * x


@pytest.mark.parametrize("field", FIELDS)
@given(v=st.integers(min_value=0, max_value=2**256 - 1))
@example(v=0)
@example(v=1)
@example(v=SECP256K1_N - 1)
@example(v=BLS12_381_R - 1)
@example(v=BLS12_381_R)
@example(v=2**256 - 1)
def test_encoding_round_trip_and_canonical(field: PrimeField, v: int) -> None:
    data = v.to_bytes(32, "big")
    if v < field.modulus:
        e = field.from_bytes(data)
        assert e.value == v and e.to_bytes() == data
        assert FieldElement.from_bytes(data, field) == e
    else:
        with pytest.raises(EncodingError):
            field.from_bytes(data)


@pytest.mark.parametrize("bad", [b"", b"\x01" * 31, b"\x00" * 33, "00" * 32])
def test_encoding_rejects_wrong_length_or_type(bad: object) -> None:
    with pytest.raises(EncodingError):
        SECP256K1_SCALARS.from_bytes(bad)  # type: ignore[arg-type]


def test_zero_has_no_inverse() -> None:
    f = BLS12_381_SCALARS
    with pytest.raises(ParameterError):
        f.zero.inverse()
    with pytest.raises(ParameterError):
        f.one / f.zero
    with pytest.raises(ParameterError):
        f.zero**-1


def test_secret_hygiene() -> None:
    e = SECP256K1_SCALARS(123456789)
    assert "123456789" not in repr(e) and "75bcd15" not in repr(e)
    with pytest.raises(TypeError):
        hash(e)
    with pytest.raises(AttributeError):
        e.value = 5  # type: ignore[misc]


def test_fields_do_not_mix_and_values_are_validated() -> None:
    with pytest.raises(ParameterError):
        SECP256K1_SCALARS.one + BLS12_381_SCALARS.one
    assert SECP256K1_SCALARS.one != BLS12_381_SCALARS.one
    with pytest.raises(ParameterError):
        FieldElement(value=SECP256K1_N, field=SECP256K1_SCALARS)
    with pytest.raises(ParameterError):
        FieldElement(value=-1, field=SECP256K1_SCALARS)
    with pytest.raises(ParameterError):
        SECP256K1_SCALARS(1.5)  # type: ignore[arg-type]


@pytest.mark.parametrize("modulus", [0, 1, 2, 4, 15, 2**256, SECP256K1_N * BLS12_381_R, 561])
def test_prime_field_rejects_non_primes(modulus: int) -> None:
    with pytest.raises(ParameterError):
        PrimeField(modulus)


def test_random_elements() -> None:
    rng = deterministic_rng("field")
    xs = [SECP256K1_SCALARS.random(rng) for _ in range(20)]
    assert all(x for x in xs)
    assert len({x.value for x in xs}) == 20


@pytest.mark.parametrize("name", ["python", "numba"])
def test_batch_methods_agree_with_single_operations(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LITHO_FIELD_BACKEND", name)
    assert get_backend().name == name
    f = BLS12_381_SCALARS
    p = f.modulus
    vals = [(i * 0x1234567) ** 5 % p for i in range(1, 400)]
    assert f.batch_inverse(vals) == [f(v).inverse().value for v in vals]
    assert f.batch_mul(vals, vals[::-1]) == [(f(a) * b).value for a, b in zip(vals, vals[::-1])]
    coeffs = vals[:30]
    xs = list(range(1, 40))
    expected = [sum(c * pow(x, k, p) for k, c in enumerate(coeffs)) % p for x in xs]
    assert f.poly_eval_many(coeffs, xs) == expected
    assert f.poly_eval_matrix([coeffs, coeffs[:3]], xs)[0] == expected
    # interpolating at 0 from 30 points of a degree-29 polynomial gives its constant term
    lam = f.lagrange_coefficients(xs[:30])
    assert sum(c * y for c, y in zip(lam, expected[:30])) % p == coeffs[0]
    assert f.inner_product(vals, vals) == sum(v * v for v in vals) % p


@pytest.mark.parametrize("name", ["python", "numba"])
@pytest.mark.parametrize("size", [1, 23, 24, 25, 1023, 1024, 1030])
def test_batch_inverse_sizes_and_zero(
    name: str, size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Around the numba size cutoff (24) and its lane counts (8 below 1,024 elements, 64 from
    1,024): exact inverses through the public API, and a zero anywhere is a ParameterError."""
    monkeypatch.setenv("LITHO_FIELD_BACKEND", name)
    for f in FIELDS:
        p = f.modulus
        vals = [(i * 0x9E3779B97F4A7C15) ** 3 % p or 1 for i in range(1, size + 1)]
        inv = f.batch_inverse(vals)
        assert all(v * w % p == 1 for v, w in zip(vals, inv, strict=True))
        assert inv == [pow(v, -1, p) for v in vals]
        for pos in {0, size // 2, size - 1}:
            bad = list(vals)
            bad[pos] = p * 3  # zero modulo p
            with pytest.raises(ParameterError):
                f.batch_inverse(bad)

"""Multi-scalar multiplication: every path agrees with the naive sum, edge cases included."""

from __future__ import annotations

import sys

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from cryptocore.errors import ParameterError
from cryptocore.secp256k1 import FixedBaseTable, G, N, Point, msm, mul_add_g

mod = sys.modules["cryptocore.secp256k1.msm"]

scalars = st.integers(min_value=0, max_value=N - 1)
any_ints = st.integers(min_value=-(2**300), max_value=2**300)
points = st.integers(min_value=0, max_value=N - 1).map(Point.base_mul)  # 0 -> identity


def naive(ks: list[int], ps: list[Point]) -> Point:
    # A left fold with ``+``: independent of the MSM code and of Point.sum's many-point path.
    acc = Point.identity()
    for k, p in zip(ks, ps, strict=True):
        acc = acc + p * k
    return acc


terms = st.lists(st.tuples(any_ints, points), max_size=12)


@given(terms)
@example([])
@example([(0, G)])
@example([(5, Point.identity())])
@example([(1, G), (N - 1, G)])  # cancels to the identity
@example([(3, G), (3, -G)])  # opposite points cancel
@example([(2, G), (7, G), (N - 9, G)])  # duplicates summing to zero
def test_msm_matches_naive(ts: list[tuple[int, Point]]) -> None:
    ks = [k for k, _ in ts]
    ps = [p for _, p in ts]
    expected = naive(ks, ps)
    assert msm(ks, ps) == expected
    assert FixedBaseTable(ps, teeth=4).msm(ks) == expected


@pytest.mark.parametrize("window", [2, 3, 5, 8])
@given(st.lists(st.tuples(scalars, points), min_size=1, max_size=10))
def test_pippenger_and_fixed_base_every_window(window: int, ts: list[tuple[int, Point]]) -> None:
    ks = [k for k, _ in ts]
    ps = [p for _, p in ts]
    expected = naive(ks, ps)
    nk, encs, srcs = mod._normalise(ks, ps)
    got = mod._msm_pippenger(nk, encs, srcs, window) if nk else Point.identity()
    assert got == expected
    assert FixedBaseTable(ps, teeth=window).msm(ks) == expected


@given(st.lists(scalars, min_size=1, max_size=8))
def test_signed_digits_recode(ks: list[int]) -> None:
    for c in (2, 4, 7, 8):
        w = mod._windows_for(c)
        digits = mod._signed_digits(ks, c, w)
        for k, row in zip(ks, digits.tolist(), strict=True):
            assert sum(d << (c * i) for i, d in enumerate(row)) == k
            assert all(-(1 << (c - 1)) <= d < (1 << (c - 1)) for d in row)


def test_large_n_uses_pippenger_and_is_correct() -> None:
    n = mod._PIPPENGER_MIN + 3
    ps = [Point.base_mul(i * 7919 + 1) for i in range(n)]
    ks = [(i * 0x9E3779B97F4A7C15F39CC0605CEDC834 + 12345) % N for i in range(n)]
    ks[3] = 0
    ps[4] = Point.identity()
    expected = naive(ks, ps)
    assert msm(ks, ps) == expected
    table = FixedBaseTable(ps)
    assert table.msm(ks) == expected
    assert table.msm([0] * n) == Point.identity()
    ks2 = [(k * 3 + 1) % N for k in ks]
    assert table.msm(ks2) == naive(ks2, ps)  # the table is reusable


@given(scalars, scalars, st.integers(min_value=1, max_value=N - 1))
def test_generator_terms(s: int, c: int, x: int) -> None:
    pub = Point.base_mul(x)
    assert msm([s, c], [G, pub]) == Point.base_mul(s) + pub * c
    assert msm([s, c, 5], [G, -G, pub]) == G * (s - c) + pub * 5


# Points whose x is not below the group order: x = n (r = 0, the recovery trick cannot apply)
# and x = n + 2 (recovery id >= 2).
X_IS_N = Point.from_bytes(bytes.fromhex("02" + f"{N:064x}"))
X_ABOVE_N = Point.from_bytes(bytes.fromhex("02" + f"{N + 2:064x}"))


@pytest.mark.parametrize("special", [X_IS_N, -X_IS_N, X_ABOVE_N, -X_ABOVE_N])
@given(scalars, scalars)
def test_generator_pair_with_x_at_least_n(special: Point, a: int, b: int) -> None:
    assert msm([a, b], [G, special]) == naive([a, b], [G, special])
    assert msm([b, a, 3], [special, G, G * 5]) == naive([b, a, 3], [special, G, G * 5])


@given(st.integers(min_value=1, max_value=N - 1))
def test_generator_pair_summing_to_identity(c: int) -> None:
    assert msm([c, 1], [G, -(G * c)]) == Point.identity()
    assert msm([c, N - 1, 7], [G, G * c, G]) == G * 7


def test_extreme_scalars() -> None:
    ps = [G, G * 2, G * 3]
    for ks in ([N - 1, N - 1, N - 1], [1, 1, 1], [2**255, 2**256 - 1, N], [-1, -2, -3]):
        assert msm(ks, ps) == naive(ks, ps)
        assert FixedBaseTable(ps).msm(ks) == naive(ks, ps)


def test_errors() -> None:
    with pytest.raises(ParameterError):
        msm([1, 2], [G])
    with pytest.raises(ParameterError):
        msm([1.0], [G])  # type: ignore[list-item]
    with pytest.raises(ParameterError):
        msm([True], [G])
    with pytest.raises(ParameterError):
        msm([1], [G.to_bytes()])  # type: ignore[list-item]
    with pytest.raises(ParameterError):
        FixedBaseTable([G], teeth=1)
    with pytest.raises(ParameterError):
        FixedBaseTable([b"x"])  # type: ignore[list-item]
    with pytest.raises(ParameterError):
        FixedBaseTable([G]).msm([1, 2])
    assert len(FixedBaseTable([G, G])) == 2
    assert FixedBaseTable([]).msm([]) == Point.identity()


@pytest.mark.parametrize("window", [2, 4, 8])
def test_buckets_summing_to_identity(window: int) -> None:
    a, b = G * 11, G * 29
    c = -(a + b)  # a + b + c = O: the three share every bucket when the scalars are equal
    for ks in ([1, 1, 1], [5, 5, 5], [N - 3, N - 3, N - 3], [7, 7, 7 + 2**200]):
        ps = [a, b, c]
        expected = naive(ks, ps)
        nk, encs, srcs = mod._normalise(ks, ps)
        assert mod._msm_pippenger(nk, encs, srcs, window) == expected
        assert FixedBaseTable(ps, teeth=window).msm(ks) == expected
        assert msm(ks, ps) == expected


@given(any_ints, any_ints, points)
@example(a=0, b=0, p=G)
@example(a=5, b=0, p=G * 3)
@example(a=0, b=7, p=G * 3)
@example(a=3, b=5, p=Point.identity())
@example(a=1, b=1, p=-G)  # G + (-G) = identity
@example(a=N - 1, b=N - 1, p=G * (N - 1))
def test_mul_add_g(a: int, b: int, p: Point) -> None:
    assert mul_add_g(a, b, p) == Point.base_mul(a) + p * b


@pytest.mark.parametrize("special", [X_IS_N, -X_IS_N, X_ABOVE_N, -X_ABOVE_N])
@given(scalars, scalars)
def test_mul_add_g_with_x_at_least_n(special: Point, a: int, b: int) -> None:
    assert mul_add_g(a, b, special) == naive([a, b], [G, special])


@given(st.integers(min_value=1, max_value=N - 1), st.integers(min_value=1, max_value=N - 1))
def test_mul_add_g_identity_result(a: int, b: int) -> None:
    q = Point.base_mul(-a * pow(b, -1, N) % N)  # a*G + b*Q = identity
    assert mul_add_g(a, b, q) == Point.identity()
    assert mul_add_g(a, b + 1, q) == q


def test_mul_add_g_errors() -> None:
    with pytest.raises(ParameterError):
        mul_add_g(1.0, 2, G)  # type: ignore[arg-type]
    with pytest.raises(ParameterError):
        mul_add_g(1, True, G)
    with pytest.raises(ParameterError):
        mul_add_g(1, 2, G.to_bytes())  # type: ignore[arg-type]

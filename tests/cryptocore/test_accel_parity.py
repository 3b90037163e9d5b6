"""Parity: the numba kernels agree with the Python reference on every input.

The kernel entry points (``_mul``, ``_inverse``, ``_eval_matrix``, ``_lagrange``) are called
directly so that small hypothesis inputs reach the kernels despite the size cutoffs; the public
methods are checked too. numba compiles (or loads from NUMBA_CACHE_DIR) once, in the
session-scoped ``numba_backend`` fixture.
"""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from cryptocore._accel import ENV_VAR, Backend, available_backends, get_backend
from cryptocore._accel._python import PythonBackend
from cryptocore.errors import ParameterError
from cryptocore.field import BLS12_381_R, SECP256K1_N

pytestmark = pytest.mark.skipif("numba" not in available_backends(), reason="numba missing")

TOP = 2**256
P_NEAR_TOP = 2**256 - 189  # the largest prime below 2^256: exercises the carry out of 256 bits
MODULI = [SECP256K1_N, BLS12_381_R]
ALL_MODULI = [*MODULI, P_NEAR_TOP]
REF = PythonBackend()

u256 = st.integers(min_value=0, max_value=TOP - 1)
edges = st.sampled_from([0, 1, 2, SECP256K1_N - 1, SECP256K1_N, BLS12_381_R - 1, TOP - 1, TOP - 2])
values = st.one_of(u256, edges)


@pytest.fixture(scope="session")
def numba_backend() -> Backend:
    backend = get_backend("numba")
    backend.warm_up()
    return backend


@pytest.mark.parametrize("p", ALL_MODULI)
@given(a=st.lists(values, max_size=40), b=st.lists(values, max_size=40))
@example(a=[0, 1, TOP - 1], b=[TOP - 1, TOP - 1, TOP - 1])
@example(a=[SECP256K1_N - 1, BLS12_381_R - 1], b=[SECP256K1_N - 1, BLS12_381_R - 1])
def test_mul_parity(numba_backend: Backend, p: int, a: list[int], b: list[int]) -> None:
    n = min(len(a), len(b))
    a, b = a[:n], b[:n]
    assert numba_backend._mul(a, b, p) == REF.batch_mul(a, b, p)  # type: ignore[attr-defined]
    assert numba_backend.batch_mul(a, b, p) == REF.batch_mul(a, b, p)


@pytest.mark.parametrize("p", ALL_MODULI)
@given(a=st.lists(values, min_size=1, max_size=300))
@example(a=[1])
@example(a=[TOP - 1, SECP256K1_N - 1, BLS12_381_R - 1, 1, 2])
def test_inverse_parity(numba_backend: Backend, p: int, a: list[int]) -> None:
    a = [x if x % p else 1 for x in a]
    expected = REF.batch_inverse(a, p)
    assert numba_backend._inverse(a, p) == expected  # type: ignore[attr-defined]
    assert all(x * y % p == 1 for x, y in zip(a, expected, strict=True))


@pytest.mark.parametrize("p", MODULI)
def test_inverse_of_zero_is_rejected(numba_backend: Backend, p: int) -> None:
    a = list(range(1, 600))
    a[417] = p  # zero modulo p
    with pytest.raises(ParameterError):
        numba_backend._inverse(a, p)  # type: ignore[attr-defined]
    with pytest.raises(ParameterError):
        numba_backend.batch_inverse(a, p)
    with pytest.raises(ParameterError):
        REF.batch_inverse(a, p)


# Montgomery's trick runs on 8-64 interleaved chains (element i in chain i % lanes); sizes
# around every chain count: N < lanes, N = lanes +- 1, several steps with a partial last step.
LANE_SIZES = sorted(
    {1, 2, 7, 8, 9, 15, 16, 17, 63, 64, 65, 129, 1000, 1023, 1025, 3001, 4095, 4097, 5000}
)


@pytest.mark.parametrize("p", ALL_MODULI)
@pytest.mark.parametrize("size", LANE_SIZES)
def test_inverse_lane_edges(numba_backend: Backend, p: int, size: int) -> None:
    from cryptocore._accel._numba import _lanes_for

    lanes = _lanes_for(size)
    assert lanes in (8, 64)
    # values in [p, 2^256) stay unreduced in the kernel: include them, and 1 and p - 1
    a = [(TOP - 1 - 977 * i) if i % 3 == 0 else (i * 0x9E3779B97F4A7C15) ** 3 for i in range(size)]
    a[0] = 1
    a[-1] = p - 1
    a = [x if x % p else 2 for x in a]
    expected = REF.batch_inverse(a, p)
    got = numba_backend._inverse(a, p)  # type: ignore[attr-defined]
    assert got == expected
    assert all(x * y % p == 1 for x, y in zip(a, got, strict=True))


def _limbs8(v: int) -> tuple[object, ...]:
    import numpy as np

    return tuple(np.uint64((v >> (32 * i)) & 0xFFFFFFFF) for i in range(8))


@pytest.mark.parametrize("p", [*ALL_MODULI, 3 * (2**200 + 5), 2**255 - 19, 15, 3])
@given(a=st.one_of(u256, edges, st.integers(min_value=0, max_value=2**40)))
@example(a=0)
@example(a=1)
@example(a=2**255)
def test_almost_inverse(numba_backend: Backend, p: int, a: int) -> None:
    """Kaliski: a^-1 · 2^k mod p with bitlen(p) <= k <= 2·bitlen(p), or ok=False (no inverse)."""
    import math

    from cryptocore._accel._numba import _almost_inverse

    a %= p
    x, k, ok = _almost_inverse(_limbs8(a), _limbs8(p))
    assert ok == (math.gcd(a, p) == 1)
    if ok:
        value = sum(int(limb) << (32 * i) for i, limb in enumerate(x))
        assert value == pow(a, -1, p) * pow(2, k, p) % p
        assert p.bit_length() <= k <= 2 * p.bit_length()


@pytest.mark.parametrize("p", MODULI)
@pytest.mark.parametrize("size", [1, 8, 9, 17, 200, 1001])
def test_inverse_zero_in_every_position(numba_backend: Backend, p: int, size: int) -> None:
    """A zero anywhere (first/last step, first/last chain, any lane) raises ParameterError."""
    positions = sorted({0, size - 1, size // 2, min(7, size - 1), min(8, size - 1)})
    for pos in positions:
        a = list(range(1, size + 1))
        a[pos] = p * (pos + 1)  # zero modulo p, and not below 2^256 for every p: reduced first
        with pytest.raises(ParameterError):
            numba_backend._inverse(a, p)  # type: ignore[attr-defined]
        a[pos] = 0
        with pytest.raises(ParameterError):
            numba_backend._inverse(a, p)  # type: ignore[attr-defined]


@pytest.mark.parametrize("p", MODULI)
def test_inverse_out_of_range_and_non_unit(numba_backend: Backend, p: int) -> None:
    a = [-1, TOP, TOP * 5 + 3, -(TOP**2), p + 1, *range(2, 300)]
    assert numba_backend._inverse(a, p) == REF.batch_inverse(a, p)  # type: ignore[attr-defined]
    # an odd composite modulus: 3 shares a factor with it and has no inverse
    m = 3 * (2**200 + 5)
    b = [*range(1, 300, 3), 3]  # the others are units: m has no prime factor below 300 but 3
    with pytest.raises(ParameterError):
        numba_backend._inverse(b, m)  # type: ignore[attr-defined]
    with pytest.raises(ParameterError):
        REF.batch_inverse(b, m)
    assert numba_backend._inverse(b[:-1], m) == REF.batch_inverse(b[:-1], m)  # type: ignore[attr-defined]


@pytest.mark.parametrize("p", ALL_MODULI)
@given(
    polys=st.lists(st.lists(values, max_size=12), min_size=1, max_size=4),
    xs=st.lists(values, max_size=20),
)
@example(polys=[[TOP - 1, TOP - 1, TOP - 1]], xs=[0, 1, TOP - 1])
@example(polys=[[], [0], [1]], xs=[SECP256K1_N - 1, BLS12_381_R - 1])
def test_poly_eval_parity(
    numba_backend: Backend, p: int, polys: list[list[int]], xs: list[int]
) -> None:
    expected = REF.poly_eval_matrix(polys, xs, p)
    assert numba_backend._eval_matrix(polys, xs, p) == expected  # type: ignore[attr-defined]
    assert numba_backend.poly_eval_matrix(polys, xs, p) == expected
    assert numba_backend.poly_eval_many(polys[0], xs, p) == expected[0]


small = st.one_of(st.integers(min_value=0, max_value=2**32 - 1), st.sampled_from([0, 1, 2**32 - 1]))


@pytest.mark.parametrize("p", ALL_MODULI)
@given(
    polys=st.lists(st.lists(values, max_size=12), min_size=1, max_size=4),
    xs=st.lists(small, min_size=1, max_size=20),
)
@example(polys=[[TOP - 1] * 5], xs=[2**32 - 1, 0, 1])
@example(polys=[[SECP256K1_N - 1, BLS12_381_R - 1, 1]], xs=[2**32 - 1])
def test_poly_eval_small_points_parity(
    numba_backend: Backend, p: int, polys: list[list[int]], xs: list[int]
) -> None:
    """Points below 2^32 (participant ids) take the one-limb Horner kernel."""
    expected = REF.poly_eval_matrix(polys, xs, p)
    assert numba_backend._eval_matrix(polys, xs, p) == expected  # type: ignore[attr-defined]
    # one point at 2^32 sends the same batch through the general kernel
    assert numba_backend._eval_matrix(polys, [*xs, 2**32], p)[0][:-1] == expected[0]  # type: ignore[attr-defined]


@pytest.mark.parametrize("p", ALL_MODULI)
@given(xs=st.lists(values, max_size=24), at=values)
@example(xs=[1, 2, 3], at=0)
@example(xs=[0, 1, TOP - 1], at=TOP - 2)
@example(xs=[5, 7, 9], at=7)  # interpolating at a known point
def test_lagrange_parity(numba_backend: Backend, p: int, xs: list[int], at: int) -> None:
    reduced = [x % p for x in xs]
    if len(set(reduced)) != len(reduced):
        with pytest.raises(ParameterError):
            numba_backend._lagrange(xs, p, at)  # type: ignore[attr-defined]
        with pytest.raises(ParameterError):
            REF.lagrange_coefficients(xs, p, at)
        return
    expected = REF.lagrange_coefficients(xs, p, at)
    assert numba_backend._lagrange(xs, p, at) == expected  # type: ignore[attr-defined]
    assert numba_backend.lagrange_coefficients(xs, p, at) == expected
    if xs:  # the coefficients interpolate every polynomial of degree < len(xs) exactly
        assert sum(expected) % p == 1


@pytest.mark.parametrize("p", ALL_MODULI)
@given(xs=st.lists(small, max_size=40, unique=True), at=st.one_of(small, values))
@example(xs=[1, 2, 3], at=0)
@example(xs=[2**32 - 1, 0, 1, 2**31], at=5)
@example(xs=[3, 1, 2], at=2**32 - 1)
def test_lagrange_small_points_parity(
    numba_backend: Backend, p: int, xs: list[int], at: int
) -> None:
    """Distinct points below 2^32 (participant ids) take the one-limb kernel."""
    expected = REF.lagrange_coefficients(xs, p, at)
    assert numba_backend._lagrange(xs, p, at) == expected  # type: ignore[attr-defined]


@pytest.mark.parametrize("p", MODULI)
def test_large_inputs_through_public_api(numba_backend: Backend, p: int) -> None:
    """Sizes above every cutoff, so the public methods really take the kernel path."""
    xs = list(range(1, 301))
    polys = [[(i * 7919 + k * 104729) ** 3 for k in range(20)] for i in range(3)]
    assert numba_backend.poly_eval_matrix(polys, xs, p) == REF.poly_eval_matrix(polys, xs, p)
    assert numba_backend.lagrange_coefficients(xs[:40], p) == REF.lagrange_coefficients(xs[:40], p)
    vals = [(x * 0x9E3779B97F4A7C15) ** 4 for x in range(1, 1001)]
    assert numba_backend.batch_inverse(vals, p) == REF.batch_inverse(vals, p)
    assert numba_backend.inner_product(vals, vals, p) == REF.inner_product(vals, vals, p)


def test_out_of_range_inputs_are_reduced(numba_backend: Backend) -> None:
    p = BLS12_381_R
    a = [-1, TOP, TOP * 5 + 3, -(TOP**2)]
    assert numba_backend._mul(a, a, p) == REF.batch_mul(a, a, p)  # type: ignore[attr-defined]
    assert numba_backend._eval_matrix([a], a, p) == REF.poly_eval_matrix([a], a, p)  # type: ignore[attr-defined]


def test_unsupported_modulus_falls_back(numba_backend: Backend) -> None:
    # even and too-large moduli are not for the kernels; the reference answers instead
    for p in (2**255, 2**256 + 297):
        xs = list(range(3, 400, 2))
        assert numba_backend.poly_eval_many([1, 2, 3], xs, p) == REF.poly_eval_many(
            [1, 2, 3], xs, p
        )


def test_backend_selection(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, "python")
    assert get_backend().name == "python"
    monkeypatch.setenv(ENV_VAR, "numba")
    assert get_backend().name == "numba"
    monkeypatch.setenv(ENV_VAR, "cuda")
    with pytest.raises(ParameterError):
        get_backend()
    monkeypatch.delenv(ENV_VAR)
    assert get_backend().name == "numba"
    assert isinstance(get_backend("python"), Backend)


def test_generated_helpers_are_current() -> None:
    from pathlib import Path

    from cryptocore._accel import _codegen

    committed = (Path(_codegen.__file__).parent / "_montgomery.py").read_text()
    assert committed == _codegen.format_source(_codegen.render())


@pytest.mark.parametrize("size", [0, 1, 1023, 1024, 1025, 2500])
def test_limb_conversion_round_trip(size: int) -> None:
    """ints -> limbs -> ints, across the 1,024-value conversion chunks; out of range -> None."""
    from cryptocore._accel._numba import from_limbs, to_limbs

    vals = [(i * 0x9E3779B97F4A7C15) ** 4 % TOP for i in range(size)]
    if size:
        vals[-1] = 0
        vals[0] = TOP - 1
    arr = to_limbs(vals)
    assert arr is not None and arr.shape == (8, size)
    if size:  # limb-major, least significant limb first
        assert [int(arr[k, 0]) for k in range(8)] == [0xFFFFFFFF] * 8
        assert size == 1 or [int(arr[k, size - 1]) for k in range(8)] == [0] * 8
        if size > 2:
            assert sum(int(arr[k, 1]) << (32 * k) for k in range(8)) == vals[1]
    assert from_limbs(arr) == vals
    assert to_limbs([*vals, TOP]) is None
    assert to_limbs([*vals, -1]) is None


@pytest.mark.parametrize("p", MODULI)
def test_inverse_in_blocks(numba_backend: Backend, p: int) -> None:
    """Above 16,384 values batch inversion runs block by block: results in order, and a zero in
    a later block is still a ParameterError."""
    from cryptocore._accel._numba import _INVERSE_BLOCK

    size = 2 * _INVERSE_BLOCK + 5
    vals = [(i * 0x9E3779B97F4A7C15) ** 2 % p or 1 for i in range(1, size + 1)]
    assert numba_backend.batch_inverse(vals, p) == REF.batch_inverse(vals, p)
    vals[_INVERSE_BLOCK + 7] = 0
    with pytest.raises(ParameterError):
        numba_backend.batch_inverse(vals, p)

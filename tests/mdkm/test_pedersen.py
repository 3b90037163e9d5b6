"""Pedersen VSS: H from hash-to-curve, commitment/verification laws, tamper-must-fail."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cryptocore.errors import InvalidShare, ParameterError
from cryptocore.group import get_group
from cryptocore.secp256k1 import N, hash_to_curve
from mdkm.pedersen import (
    PEDERSEN_DST_PREFIX,
    PEDERSEN_MESSAGE,
    commit,
    expected,
    pedersen_generator,
    verify,
)
from mdkm.vss import evaluate

G = get_group("secp256k1")
scalars = st.integers(0, N - 1)


def test_generator_is_hash_to_curve_of_versioned_dst() -> None:
    h = pedersen_generator("secp256k1")
    assert h == hash_to_curve(PEDERSEN_MESSAGE, PEDERSEN_DST_PREFIX + b"secp256k1")
    assert h != G.generator and not h.is_identity
    assert pedersen_generator(G) is h


@given(
    coeffs=st.lists(scalars, min_size=1, max_size=5),
    data=st.data(),
    ident=st.integers(1, 2**64),
)
def test_honest_shares_verify_and_tampered_fail(coeffs, data, ident) -> None:
    blind = data.draw(st.lists(scalars, min_size=len(coeffs), max_size=len(coeffs)))
    c = commit(coeffs, blind, G)
    s, s2 = evaluate(coeffs, ident, N), evaluate(blind, ident, N)
    verify(ident, s, s2, c, G)
    assert expected(c, ident, G) == G.base_mul(s) + pedersen_generator(G) * s2
    delta = data.draw(st.integers(1, N - 1))
    with pytest.raises(InvalidShare):
        verify(ident, (s + delta) % N, s2, c, G)
    with pytest.raises(InvalidShare):
        verify(ident, s, (s2 + delta) % N, c, G)


@given(a=scalars, b=scalars, a2=scalars, b2=scalars)
def test_commitments_are_additively_homomorphic(a, b, a2, b2) -> None:
    (c1,) = commit([a], [b], G)
    (c2,) = commit([a2], [b2], G)
    (c3,) = commit([(a + a2) % N], [(b + b2) % N], G)
    assert c1 + c2 == c3


def test_hiding_same_secret_different_blinding_differs() -> None:
    assert commit([5], [1], G) != commit([5], [2], G)


def test_bad_inputs() -> None:
    c = commit([1, 2], [3, 4], G)
    with pytest.raises(ParameterError):
        commit([1, 2], [3], G)
    with pytest.raises(ParameterError):
        commit([], [], G)
    with pytest.raises(ParameterError):
        commit([N], [0], G)
    with pytest.raises(InvalidShare):
        verify(1, N, 0, c, G)
    with pytest.raises(ParameterError):
        verify(0, 1, 0, c, G)
    with pytest.raises(ParameterError):
        expected((), 1, G)


def test_bls12_381_generator_in_g1() -> None:
    bls = pytest.importorskip("cryptocore.bls12_381")
    g = get_group("bls12_381")
    h = pedersen_generator(g)
    assert h == bls.hash_to_g1(PEDERSEN_MESSAGE, PEDERSEN_DST_PREFIX + b"bls12_381")
    assert len(h.to_bytes()) == 48
    c = commit([3, 4], [5, 6], g)
    verify(2, 3 + 4 * 2, 5 + 6 * 2, c, g)
    with pytest.raises(InvalidShare):
        verify(2, 3 + 4 * 2 + 1, 5 + 6 * 2, c, g)

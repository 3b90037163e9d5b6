"""secp256k1 Point: group laws, strict decoding, constant-time and variable-time paths agree."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from cryptocore.errors import EncodingError
from cryptocore.secp256k1 import G, N, P, Point

scalars = st.integers(min_value=0, max_value=N - 1)
nonzero = st.integers(min_value=1, max_value=N - 1)


@given(scalars, scalars)
@example(0, 0)
@example(1, N - 1)
@example(N - 1, N - 1)
def test_scalar_mul_is_a_homomorphism(a: int, b: int) -> None:
    assert G * a + G * b == G * ((a + b) % N)
    assert Point.base_mul(a) == G * a


@given(nonzero, scalars)
@example(1, 0)
@example(2, N - 1)
def test_mul_secret_matches_public_mul(a: int, k: int) -> None:
    p = G * a
    assert p.mul_secret(k) == p * k


@given(nonzero)
def test_identity_and_negation(a: int) -> None:
    p = G * a
    ident = Point.identity()
    assert p + ident == p
    assert p - p == ident
    assert -(-p) == p
    assert Point.sum([p, -p, p]) == p
    assert (p * N).is_identity


@given(nonzero)
def test_encodings_round_trip(a: int) -> None:
    p = G * a
    assert Point.from_bytes(p.to_bytes()) == p
    assert Point.from_bytes_uncompressed(p.to_bytes_uncompressed()) == p
    x, y = p.affine()
    assert Point.from_affine(x, y) == p
    even = Point.from_xonly(p.xonly())
    assert even.has_even_y() and even.x == p.x


def test_strict_decoding() -> None:
    good = (G * 5).to_bytes()
    unc = (G * 5).to_bytes_uncompressed()
    with pytest.raises(EncodingError):
        Point.from_bytes(good[:-1])
    with pytest.raises(EncodingError):
        Point.from_bytes(good + b"\x00")
    with pytest.raises(EncodingError):
        Point.from_bytes(b"\x04" + good[1:])
    with pytest.raises(EncodingError):
        Point.from_bytes(unc)  # 65 bytes only through the explicit call
    hybrid = bytes([6 | (unc[-1] & 1)]) + unc[1:]
    with pytest.raises(EncodingError):
        Point.from_bytes_uncompressed(hybrid)
    with pytest.raises(EncodingError):
        Point.from_bytes(b"\x02" + P.to_bytes(32, "big"))  # x >= p
    # x = 5 has no point on y^2 = x^3 + 7 (125 + 7 = 132 is a non-residue mod p)
    with pytest.raises(EncodingError):
        Point.from_bytes(b"\x02" + (5).to_bytes(32, "big"))
    with pytest.raises(EncodingError):
        Point.from_affine(1, 1)
    with pytest.raises(EncodingError):
        Point.identity().to_bytes()


@given(nonzero, nonzero)
@example(11, 29)
def test_sum_reaching_identity_in_many_points(a: int, b: int) -> None:
    """Regression: the identity-sum fallback once pointed libsecp256k1 at freed structs."""
    pa, pb = G * a, G * b
    assert Point.sum([pa, pb, -(pa + pb)]).is_identity
    assert Point.sum([pa, pb, -(pa + pb), pa]) == pa


@given(nonzero)
def test_pickle_round_trip_revalidates(a: int) -> None:
    import pickle

    p = G * a
    q = pickle.loads(pickle.dumps(p))
    assert q == p and q.mul_secret(3) == p * 3 and -q == -p

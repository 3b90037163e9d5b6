"""The fast variable-time combinations agree with plain Point arithmetic (public scalars)."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from cryptocore.secp256k1 import N, Point
from ringsig import _ecops

scalar = st.integers(min_value=0, max_value=N - 1)
nonzero = st.integers(min_value=1, max_value=N - 1)


def _enc(p: Point) -> bytes:
    return _ecops.IDENTITY_ENC if p.is_identity else p.to_bytes()


@given(a=scalar, b=scalar, q=nonzero)
@example(a=0, b=0, q=1)
@example(a=0, b=5, q=7)
@example(a=5, b=0, q=7)
@example(a=N - 1, b=N - 1, q=N - 1)
@example(a=1, b=1, q=N - 1)  # G + (−G) = identity
def test_g_comb(a: int, b: int, q: int) -> None:
    qp = Point.base_mul(q)
    assert _ecops.g_comb(a, b, _ecops.prepare(qp.to_bytes())) == _enc(Point.base_mul(a) + qp * b)


def test_g_comb_identity_inputs_and_results() -> None:
    ident = _ecops.prepare(_ecops.IDENTITY_ENC)
    assert _ecops.g_comb(3, 9, ident) == Point.base_mul(3).to_bytes()
    # a·G + b·Q = identity when Q = −(a/b)·G.
    a, b = 12345, 678
    q = Point.base_mul(-a * pow(b, -1, N) % N)
    assert _ecops.g_comb(a, b, _ecops.prepare(q.to_bytes())) == _ecops.IDENTITY_ENC


def test_g_comb_both_y_parities() -> None:
    for k in range(1, 30):
        q = Point.base_mul(k)
        for p in (q, -q):
            assert (
                _ecops.g_comb(7, 11, _ecops.prepare(p.to_bytes()))
                == (Point.base_mul(7) + p * 11).to_bytes()
            )


@given(a=scalar, b=scalar, p=nonzero, q=nonzero)
@example(a=0, b=0, p=1, q=2)
@example(a=3, b=0, p=1, q=2)
@example(a=0, b=3, p=1, q=2)
@example(a=2, b=1, p=1, q=N - 2)  # 2·G + (−2G) = identity
def test_comb2(a: int, b: int, p: int, q: int) -> None:
    pp, qp = Point.base_mul(p), Point.base_mul(q)
    got = _ecops.comb2(a, _ecops.prepare(pp.to_bytes()), b, _ecops.prepare(qp.to_bytes()))
    assert got == _enc(pp * a + qp * b)


@given(k=scalar, p=nonzero, c=nonzero, t=scalar)
@example(k=0, p=1, c=2, t=0)
@example(k=1, p=1, c=N - 1, t=0)  # G − G = identity
@example(k=1, p=1, c=1, t=N - 2)
def test_add_scaled(k: int, p: int, c: int, t: int) -> None:
    pp, cp, tp = Point.base_mul(p), Point.base_mul(c), Point.base_mul(t)
    got = _ecops.add_scaled(
        _ecops.prepare(pp.to_bytes()), k, _ecops.prepare(cp.to_bytes()), _ecops.Prepared(_enc(tp))
    )
    assert got.enc == _enc(pp + cp * k + tp)
    if not got.enc == _ecops.IDENTITY_ENC:
        assert _ecops.g_comb(1, 1, got) == _enc(Point.generator() + pp + cp * k + tp)


def test_identity_prepared() -> None:
    ident = _ecops.Prepared(_ecops.IDENTITY_ENC)
    g = _ecops.prepare(Point.generator().to_bytes())
    assert _ecops.comb2(5, ident, 0, g) == _ecops.IDENTITY_ENC
    assert _ecops.comb2(5, ident, 2, g) == Point.base_mul(2).to_bytes()
    assert _ecops.add_scaled(ident, 0, g, ident).enc == _ecops.IDENTITY_ENC

"""Differential tests: the blst and arkworks backends and the py_ecc reference agree.

py_ecc is slow (G2 multiplication ~26 ms, pairing ~300 ms): the default run keeps the counts
small; the ``slow`` tests widen them.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptocore.bls12_381 import (
    BACKEND_ENV,
    G1Point,
    G2Point,
    R,
    encode_to_g1,
    encode_to_g2,
    get_backend,
    hash_to_g1,
    hash_to_g2,
    pairing_check,
)
from cryptocore.bls12_381.backend import (
    ArkworksBackend,
    Backend,
    BlstBackend,
    PyEccBackend,
    backend_names,
)
from cryptocore.errors import EncodingError, ParameterError
from tests.conftest import vectors_dir

ARK = get_backend("arkworks")
BLST = get_backend("blst")
REF = get_backend("py_ecc")
#: the native backends, each checked against the pure-Python reference
FAST = pytest.mark.parametrize("fast", [BLST, ARK], ids=["blst", "arkworks"])
scalars = st.integers(min_value=0, max_value=R - 1)
few = settings(max_examples=4)


def test_backend_selection(monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(ARK, ArkworksBackend) and isinstance(REF, PyEccBackend)
    assert isinstance(BLST, BlstBackend)
    assert set(backend_names()) == {"blst", "arkworks", "py_ecc"}
    monkeypatch.delenv(BACKEND_ENV, raising=False)
    assert get_backend() is BLST  # the default
    assert BLST.constant_time_mul and not ARK.constant_time_mul and not REF.constant_time_mul
    monkeypatch.setenv(BACKEND_ENV, "py_ecc")
    assert get_backend() is REF
    monkeypatch.setenv(BACKEND_ENV, "arkworks")
    assert get_backend() is ARK
    monkeypatch.setenv(BACKEND_ENV, "nope")
    with pytest.raises(ParameterError):
        get_backend()
    assert get_backend(REF) is REF
    assert G1Point.generator(backend=REF).backend is REF


@pytest.mark.parametrize("cls", [G1Point, G2Point])
@few
@given(a=scalars, b=scalars)
@FAST
def test_mul_add_and_encoding_agree(
    fast: Backend, cls: type[G1Point] | type[G2Point], a: int, b: int
) -> None:
    pa, pb = cls.generator(fast) * a, cls.generator(fast) * b
    qa, qb = cls.generator(REF) * a, cls.generator(REF) * b
    assert pa.to_bytes() == qa.to_bytes()
    assert (pa + pb).to_bytes() == (qa + qb).to_bytes()
    assert (pa - pb).to_bytes() == (qa - qb).to_bytes()
    assert pa == qa  # across backends: compared by encoding
    if not qa.is_identity:
        assert qa.affine() == pa.affine()
        assert cls.from_bytes(qa.to_bytes(), backend=REF) == qa
        assert cls.from_affine(qa.affine(), backend=REF) == qa


@pytest.mark.parametrize("cls", [G1Point, G2Point])
@FAST
def test_mul_secret_and_multiexp_agree(fast: Backend, cls: type[G1Point] | type[G2Point]) -> None:
    p = cls.generator(REF) * 5
    k = R - 3
    assert p.mul_secret(k).to_bytes() == (cls.generator(fast) * 5 * k).to_bytes()
    pts = [cls.generator(REF) * 2, cls.generator(REF) * 3]
    assert cls.multiexp(pts, [4, 5]) == cls.generator(fast) * 23
    assert cls.multiexp([], [], backend=REF).is_identity


@pytest.mark.parametrize("kind", ["G1", "G2"])
@FAST
def test_deserialization_vectors_agree(fast: Backend, kind: str) -> None:
    cls = G1Point if kind == "G1" else G2Point
    files = sorted((vectors_dir() / "bls_eth" / f"deserialization_{kind}").glob("*.json"))
    for f in files:
        v = json.loads(f.read_text())
        data = bytes.fromhex(next(iter(v["input"].values())).removeprefix("0x"))
        results = []
        for b in (fast, REF):
            try:
                results.append(cls.from_bytes(data, allow_identity=True, backend=b).to_bytes())
            except EncodingError:
                results.append(None)
        assert results[0] == results[1], f.name
        assert (results[0] is not None) == bool(v["output"]), f.name


@pytest.mark.parametrize("suite", ["G1", "G2"])
@pytest.mark.parametrize("kind", ["RO", "NU"])
def test_py_ecc_hash_to_curve_vectors(suite: str, kind: str) -> None:
    data = json.loads(
        (
            vectors_dir() / "hash_to_curve" / f"BLS12381{suite}_XMD-SHA-256_SSWU_{kind}_.json"
        ).read_text()
    )
    fn = {
        ("G1", "RO"): hash_to_g1,
        ("G2", "RO"): hash_to_g2,
        ("G1", "NU"): encode_to_g1,
        ("G2", "NU"): encode_to_g2,
    }[(suite, kind)]
    dst = data["dst"].encode()
    for v in data["vectors"]:
        expected = tuple(int(c, 16) for c in v["P"]["x"].split(",") + v["P"]["y"].split(","))
        assert fn(v["msg"].encode(), dst, backend=REF).affine() == expected  # type: ignore[operator]


@few
@given(st.binary(max_size=64))
@FAST
def test_hash_to_g2_agrees(fast: Backend, msg: bytes) -> None:
    dst = b"LITHO-TEST-V01-CS01-with-BLS12381G2_XMD:SHA-256_SSWU_RO_"
    assert (
        hash_to_g2(msg, dst, backend=fast).to_bytes()
        == hash_to_g2(msg, dst, backend=REF).to_bytes()
    )


@FAST
def test_pairing_check_agrees_once(fast: Backend) -> None:
    a, b = 0x1234567, R - 98765
    g1, g2 = G1Point.generator(REF), G2Point.generator(REF)
    pairs = [(g1 * a, g2 * b), (-(g1 * (a * b % R)), g2)]
    assert pairing_check(pairs, backend=REF)
    assert pairing_check(pairs, backend=fast)


@pytest.mark.slow
@settings(max_examples=6)
@given(a=st.integers(min_value=1, max_value=R - 1), b=st.integers(min_value=1, max_value=R - 1))
@FAST
def test_pairing_equalities_agree(fast: Backend, a: int, b: int) -> None:
    g1, g2 = G1Point.generator(REF), G2Point.generator(REF)
    good = [(g1 * a, g2 * b), (-(g1 * (a * b % R)), g2)]
    bad = [(g1 * a, g2 * b), (-(g1 * ((a * b + 1) % R)), g2)]
    for pairs, expected in ((good, True), (bad, False)):
        assert pairing_check(pairs, backend=REF) is expected
        assert pairing_check(pairs, backend=fast) is expected


@pytest.mark.slow
@pytest.mark.parametrize("cls", [G1Point, G2Point])
@settings(max_examples=25)
@given(a=scalars, b=scalars)
@FAST
def test_mul_add_agree_wide(
    fast: Backend, cls: type[G1Point] | type[G2Point], a: int, b: int
) -> None:
    assert (cls.generator(fast) * a + cls.generator(fast) * b).to_bytes() == (
        cls.generator(REF) * a + cls.generator(REF) * b
    ).to_bytes()


@pytest.mark.slow
@settings(max_examples=25)
@given(st.binary(max_size=200), st.binary(min_size=1, max_size=300))
@FAST
def test_hash_to_curve_agrees_wide(fast: Backend, msg: bytes, dst: bytes) -> None:
    for fn in (hash_to_g1, hash_to_g2, encode_to_g1, encode_to_g2):
        assert fn(msg, dst, backend=fast).to_bytes() == fn(msg, dst, backend=REF).to_bytes()  # type: ignore[operator]


@pytest.mark.parametrize("cls", [G1Point, G2Point])
@FAST
def test_with_backend_and_pickle(fast: Backend, cls: type[G1Point] | type[G2Point]) -> None:
    import pickle

    p = cls.generator(fast) * 77
    q = p.with_backend(REF)
    assert q.backend is REF and q.to_bytes() == p.to_bytes()
    assert q.with_backend(fast).backend is fast
    assert cls.identity(fast).with_backend(REF).is_identity
    for point in (p, q, cls.identity(fast)):
        again = pickle.loads(pickle.dumps(point))
        assert again == point and again.backend is point.backend
    # mixed-backend arithmetic converts through the encoding
    assert (p + q).to_bytes() == (cls.generator(fast) * 154).to_bytes()


@pytest.mark.parametrize("cls", [G1Point, G2Point])
@settings(max_examples=10)
@given(data=st.binary(min_size=96, max_size=96), flags=st.sampled_from([0x80, 0xA0]))
@FAST
def test_random_encodings_decode_alike(
    fast: Backend, cls: type[G1Point] | type[G2Point], data: bytes, flags: int
) -> None:
    raw = bytes([flags | (data[0] & 0x1F)]) + data[1 : cls._length]
    results = []
    for b in (fast, REF):
        try:
            results.append(cls.from_bytes(raw, backend=b).to_bytes())
        except EncodingError:
            results.append(None)
    assert results[0] == results[1]
    # a point with this x exists half of the time, but the curve's cofactor keeps it out of
    # the subgroup with overwhelming probability
    assert results[0] is None

"""BLS12-381 points on the default (blst) backend: vectors, strict decoding, group laws.

``tests/cryptocore/test_bls12_381_backends.py`` checks blst and arkworks against py_ecc."""

from __future__ import annotations

import json

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cryptocore.bls12_381 import (
    G1Point,
    G2Point,
    P,
    R,
    encode_to_g1,
    encode_to_g2,
    group,
    hash_to_g1,
    hash_to_g2,
    pairing_check,
)
from cryptocore.errors import EncodingError, ParameterError
from cryptocore.group import GroupElement, get_group
from cryptocore.hashing import hash_to_field
from cryptocore.rng import deterministic_rng
from tests.conftest import vectors_dir

scalars = st.integers(min_value=0, max_value=R - 1)
nonzero = st.integers(min_value=1, max_value=R - 1)


def _h2c_file(name: str) -> dict[str, object]:
    data: dict[str, object] = json.loads(
        (vectors_dir() / "hash_to_curve" / f"{name}.json").read_text()
    )
    return data


def _coords(point: dict[str, str]) -> tuple[int, ...]:
    """RFC 9380 vector coordinates "c0,c1" (x then y) as ints."""
    return tuple(int(c, 16) for c in point["x"].split(",") + point["y"].split(","))


def _compressed_from_affine(coords: tuple[int, ...]) -> bytes:
    """ZCash compressed encoding computed independently from affine coordinates."""
    if len(coords) == 2:
        x, y = coords
        s = 0x20 if y > (P - 1) // 2 else 0
        enc = bytearray(x.to_bytes(48, "big"))
    else:
        x0, x1, y0, y1 = coords
        # sign of y in F_p^2: lexicographic on (c1, c0)
        big = y1 > (P - 1) // 2 if y1 != 0 else y0 > (P - 1) // 2
        s = 0x20 if big else 0
        enc = bytearray(x1.to_bytes(48, "big") + x0.to_bytes(48, "big"))
    enc[0] |= 0x80 | s
    return bytes(enc)


# ------------------------------------------------------------------------------ RFC 9380
@pytest.mark.parametrize("suite", ["G1", "G2"])
def test_hash_to_curve_ro_vectors(suite: str) -> None:
    data = _h2c_file(f"BLS12381{suite}_XMD-SHA-256_SSWU_RO_")
    dst = str(data["dst"]).encode()
    fn = hash_to_g1 if suite == "G1" else hash_to_g2
    vectors = data["vectors"]
    assert isinstance(vectors, list) and len(vectors) == 5
    for v in vectors:
        expected = _coords(v["P"])
        got = fn(v["msg"].encode(), dst)
        assert got.affine() == expected
        assert got.to_bytes() == _compressed_from_affine(expected)


@pytest.mark.parametrize("suite", ["G1", "G2"])
def test_encode_to_curve_nu_vectors(suite: str) -> None:
    data = _h2c_file(f"BLS12381{suite}_XMD-SHA-256_SSWU_NU_")
    dst = str(data["dst"]).encode()
    fn = encode_to_g1 if suite == "G1" else encode_to_g2
    degree = 1 if suite == "G1" else 2
    vectors = data["vectors"]
    assert isinstance(vectors, list) and len(vectors) == 5
    for v in vectors:
        u = hash_to_field(v["msg"].encode(), dst, 1, P, degree=degree)[0]
        assert u == [int(c, 16) for c in v["u"][0].split(",")]
        got = fn(v["msg"].encode(), dst)
        assert got.affine() == _coords(v["P"])
        assert got.to_bytes() == _compressed_from_affine(_coords(v["P"]))


def test_eth_hash_to_g2_vectors() -> None:
    dst = b"QUUX-V01-CS02-with-BLS12381G2_XMD:SHA-256_SSWU_RO_"
    files = sorted((vectors_dir() / "bls_eth" / "hash_to_G2").glob("*.json"))
    assert len(files) == 4
    for f in files:
        v = json.loads(f.read_text())
        expected = _coords(v["output"])
        assert hash_to_g2(v["input"]["msg"].encode(), dst).affine() == expected


def test_hash_to_curve_rejects_bad_dst() -> None:
    with pytest.raises(ParameterError):
        hash_to_g2(b"m", b"")
    with pytest.raises(ParameterError):
        hash_to_g1("m", b"dst")  # type: ignore[arg-type]
    # an oversize DST is hashed first (RFC 9380 section 5.3.3), and is distinct from others
    long_dst = b"x" * 300
    assert hash_to_g2(b"m", long_dst) != hash_to_g2(b"m", long_dst[:255])


# ------------------------------------------------------------------------------ decoding
def _deser_cases(kind: str) -> list[tuple[str, bytes, bool]]:
    out = []
    for f in sorted((vectors_dir() / "bls_eth" / f"deserialization_{kind}").glob("*.json")):
        v = json.loads(f.read_text())
        hexstr = next(iter(v["input"].values()))
        out.append((f.name, bytes.fromhex(hexstr.removeprefix("0x")), bool(v["output"])))
    return out


@pytest.mark.parametrize("kind", ["G1", "G2"])
def test_deserialization_vectors(kind: str) -> None:
    cls = G1Point if kind == "G1" else G2Point
    cases = _deser_cases(kind)
    assert len(cases) == (16 if kind == "G1" else 18)
    for name, data, ok in cases:
        if ok:
            p = cls.from_bytes(data, allow_identity=True)
            assert p.to_bytes() == data, name
        else:
            with pytest.raises(EncodingError):
                cls.from_bytes(data, allow_identity=True)


@pytest.mark.parametrize("cls", [G1Point, G2Point])
def test_identity_rejected_by_default(cls: type[G1Point] | type[G2Point]) -> None:
    ident = cls.identity()
    enc = ident.to_bytes()
    assert enc == bytes([0xC0]) + bytes(cls._length - 1)
    with pytest.raises(EncodingError):
        cls.from_bytes(enc)
    assert cls.from_bytes(enc, allow_identity=True).is_identity


@pytest.mark.parametrize("cls", [G1Point, G2Point])
def test_decoding_rejects_every_flag_mutation(cls: type[G1Point] | type[G2Point]) -> None:
    good = (cls.generator() * 12345).to_bytes()
    assert cls.from_bytes(good) == cls.generator() * 12345
    for flags in range(8):
        mutated = bytes([(good[0] & 0x1F) | (flags << 5)]) + good[1:]
        if mutated == good:
            continue
        # flipping S gives the negated point, which is valid; all other flag changes are not
        if mutated[0] ^ good[0] == 0x20:
            assert cls.from_bytes(mutated) == -(cls.generator() * 12345)
            continue
        with pytest.raises(EncodingError):
            cls.from_bytes(mutated)
    with pytest.raises(EncodingError):
        cls.from_bytes(good + b"\x00")
    with pytest.raises(EncodingError):
        cls.from_bytes(good[:-1])
    with pytest.raises(EncodingError):
        cls.from_bytes("00" * cls._length)  # type: ignore[arg-type]


@given(st.binary(min_size=48, max_size=48))
def test_random_g1_bytes_decode_or_raise(data: bytes) -> None:
    try:
        p = G1Point.from_bytes(data, allow_identity=True)
    except EncodingError:
        return
    assert p.to_bytes() == data
    assert (p * R).is_identity


@given(st.binary(min_size=96, max_size=96))
def test_random_g2_bytes_decode_or_raise(data: bytes) -> None:
    try:
        p = G2Point.from_bytes(data, allow_identity=True)
    except EncodingError:
        return
    assert p.to_bytes() == data


def test_points_off_the_subgroup_are_rejected() -> None:
    # x = 0 is not on E: y^2 = 4 is, but (0, 2) has order 3, outside G1.
    with pytest.raises(EncodingError):
        G1Point.from_affine((0, 2))
    enc = bytearray(48)
    enc[0] = 0x80
    with pytest.raises(EncodingError):
        G1Point.from_bytes(bytes(enc))
    # x >= p
    big = bytearray(P.to_bytes(48, "big"))
    big[0] |= 0x80
    with pytest.raises(EncodingError):
        G1Point.from_bytes(bytes(big))


# ------------------------------------------------------------------------------ group laws
@pytest.mark.parametrize("cls", [G1Point, G2Point])
@given(a=scalars, b=scalars)
@example(a=0, b=0)
@example(a=1, b=R - 1)
@example(a=R - 1, b=R - 1)
def test_scalar_mul_is_a_homomorphism(cls: type[G1Point] | type[G2Point], a: int, b: int) -> None:
    g = cls.generator()
    assert g * a + g * b == g * ((a + b) % R)
    assert g * a - g * b == g * ((a - b) % R)
    assert a * g == g * a


@pytest.mark.parametrize("cls", [G1Point, G2Point])
@given(a=nonzero, k=scalars)
@example(a=1, k=0)
@example(a=2, k=R - 1)
def test_mul_secret_matches_public_mul(cls: type[G1Point] | type[G2Point], a: int, k: int) -> None:
    p = cls.generator() * a
    assert p.mul_secret(k) == p * k
    assert p.mul_secret(k, rng=deterministic_rng(k)) == p * k
    assert cls.base_mul(k) == cls.generator() * k


@pytest.mark.parametrize("cls", [G1Point, G2Point])
@given(a=nonzero)
def test_identity_negation_encoding(cls: type[G1Point] | type[G2Point], a: int) -> None:
    p = cls.generator() * a
    ident = cls.identity()
    assert p + ident == p
    assert (p - p).is_identity
    assert -(-p) == p
    assert cls.sum([p, -p, p]) == p
    assert cls.sum([]).is_identity
    assert (p * R).is_identity
    assert cls.from_bytes(p.to_bytes()) == p
    assert cls.from_affine(p.affine()) == p
    assert hash(cls.from_bytes(p.to_bytes())) == hash(p)
    assert isinstance(p, GroupElement)


@pytest.mark.parametrize("cls", [G1Point, G2Point])
@given(st.lists(st.tuples(nonzero, scalars), min_size=0, max_size=6))
def test_multiexp_matches_sum(
    cls: type[G1Point] | type[G2Point], items: list[tuple[int, int]]
) -> None:
    points = [cls.generator() * a for a, _ in items]
    ks = [k for _, k in items]
    expected = cls.sum([p * k for p, k in zip(points, ks, strict=True)])
    assert cls.multiexp(points, ks) == expected


def test_multiexp_length_mismatch() -> None:
    with pytest.raises(ParameterError):
        G1Point.multiexp([G1Point.generator()], [])


def test_points_are_immutable_and_typed() -> None:
    g = G1Point.generator()
    with pytest.raises(AttributeError):
        g._raw = None  # type: ignore[misc]
    with pytest.raises(TypeError):
        _ = g + G2Point.generator()  # type: ignore[operator]
    with pytest.raises(TypeError):
        _ = g * 1.5  # type: ignore[operator]
    with pytest.raises(ParameterError):
        g.mul_secret("3")  # type: ignore[arg-type]
    assert G1Point.generator() != G1Point.identity()
    assert g != G2Point.generator()


# ------------------------------------------------------------------------------ pairing
@given(a=nonzero, b=nonzero)
def test_pairing_bilinearity(a: int, b: int) -> None:
    g1, g2 = G1Point.generator(), G2Point.generator()
    assert pairing_check([(g1 * a, g2 * b), (-(g1 * (a * b % R)), g2)])
    assert pairing_check([(g1 * a, g2), (-g1, g2 * a)])
    assert not pairing_check([(g1 * a, g2 * b), (-(g1 * ((a * b + 1) % R)), g2)])


def test_pairing_check_edge_cases() -> None:
    g1, g2 = G1Point.generator(), G2Point.generator()
    assert pairing_check([])
    assert pairing_check([(G1Point.identity(), g2)])
    assert not pairing_check([(g1, g2)])
    with pytest.raises(ParameterError):
        pairing_check([(g2, g1)])  # type: ignore[list-item]


@settings(max_examples=10)
@given(a=nonzero, b=nonzero, c=nonzero)
def test_pairing_check_of_many_pairs(a: int, b: int, c: int) -> None:
    # e(aG1, bG2) e(cG1, G2) e(-(ab + c)G1, G2) = 1, with identities anywhere in the list
    g1, g2 = G1Point.generator(), G2Point.generator()
    pairs = [(g1 * a, g2 * b), (g1 * c, g2), (-(g1 * ((a * b + c) % R)), g2)]
    ident = [(G1Point.identity(), g2 * a), (g1 * b, G2Point.identity())]
    assert pairing_check(pairs)
    assert pairing_check(ident[:1] + pairs + ident[1:])
    assert pairing_check(pairs[:1] + ident + pairs[1:])
    assert not pairing_check(pairs[:2])
    assert not pairing_check([*pairs, (g1, g2)])


# ------------------------------------------------------------------------------ Group
def test_group_registration() -> None:
    g = get_group("bls12_381")
    assert g.name == "bls12_381" and g.order == R
    assert g.element_length == 48 and g.scalar_length == 32
    assert g.generator == G1Point.generator()
    assert g.identity.is_identity
    assert g.base_mul(7) == G1Point.generator() * 7
    assert g.decode((G1Point.generator() * 7).to_bytes()) == G1Point.generator() * 7
    with pytest.raises(EncodingError):
        g.decode(G1Point.identity().to_bytes())
    assert g.sum([g.generator, g.generator]) == g.generator * 2
    assert group().order == R

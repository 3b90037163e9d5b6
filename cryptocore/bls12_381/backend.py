"""Arithmetic backends for BLS12-381: one interface, three implementations.

* ``"blst"`` (default): supranational blst through pyblst (PyO3). About 0.16 ms for a G2 scalar
  multiplication, which blst performs in constant time, and 0.8 ms for a two-pairing check. The
  binding has no multi-scalar multiplication, affine coordinates or ``map_to_curve``: those few
  calls go through arkworks (converted through the compressed encoding); see
  ``docs/adr/0010-blst-default-backend.md``.
* ``"arkworks"``: py-arkworks-bls12381 (Rust arkworks through PyO3). About 0.3 ms for a G2
  scalar multiplication and 1.1 ms for a two-pairing check; see ``docs/adr/0003-bls-backend.md``.
* ``"py_ecc"`` (reference): the Ethereum Foundation's pure-Python ``py_ecc.optimized_bls12_381``.
  Several hundred times slower; used for differential tests.

Select the default with the environment variable ``LITHO_BLS_BACKEND`` (``blst``, ``arkworks``
or ``py_ecc``); tests may pass a backend object explicitly (:func:`get_backend`).

A backend works on *raw* points (the library's own objects). The public types in
:mod:`cryptocore.bls12_381.point` wrap them. Backends receive byte strings whose ZCash flag bits
have already been checked by :func:`cryptocore.bls12_381.encoding.check_compressed`; they still
check that the point is on the curve and in the prime-order subgroup.

A backend says whether its scalar multiplication runs in constant time
(``constant_time_mul``): blst's does (its multiplication has no secret-dependent branches or
memory accesses), arkworks' and py_ecc's do not, so for them the caller blinds secret scalars
(:meth:`cryptocore.bls12_381.point.G1Point.mul_secret`).
"""

from __future__ import annotations

import hashlib
import importlib
import os
from collections.abc import Callable, Sequence
from typing import Any, Final, Protocol

from cryptocore.errors import EncodingError, ParameterError

__all__ = [
    "BACKEND_ENV",
    "FIELD_MODULUS",
    "GROUP_ORDER",
    "ArkworksBackend",
    "Backend",
    "BlstBackend",
    "CurveOps",
    "PyEccBackend",
    "backend_names",
    "get_backend",
]

BACKEND_ENV: Final = "LITHO_BLS_BACKEND"
#: p, the base field prime of BLS12-381 (draft-irtf-cfrg-pairing-friendly-curves-11, 4.2.1).
FIELD_MODULUS: Final = int(
    "1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab",
    16,
)
#: r, the prime order of G1, G2 and GT.
GROUP_ORDER: Final = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001


class CurveOps(Protocol):
    """Operations on raw points of one group (G1 or G2) of one backend."""

    name: str  # "G1" or "G2"
    length: int  # bytes of the compressed encoding (48 or 96)

    def generator(self) -> Any: ...
    def identity(self) -> Any: ...
    def decode(self, data: bytes) -> Any:
        """Flags already checked, not the identity: on-curve and subgroup checks (EncodingError)."""
        ...

    def encode(self, p: Any) -> bytes: ...
    def add(self, p: Any, q: Any) -> Any: ...
    def neg(self, p: Any) -> Any: ...
    def mul(self, p: Any, k: int) -> Any:
        """k·p for 0 <= k < r. Variable time."""
        ...

    def multiexp(self, points: Sequence[Any], scalars: Sequence[int]) -> Any: ...
    def eq(self, p: Any, q: Any) -> bool: ...
    def is_identity(self, p: Any) -> bool: ...
    def affine(self, p: Any) -> tuple[int, ...]:
        """(x, y) for G1; (x.c0, x.c1, y.c0, y.c1) for G2. Not for the identity."""
        ...

    def from_affine(self, coords: Sequence[int]) -> Any:
        """The inverse of :meth:`affine`; EncodingError when off the curve or the subgroup."""
        ...

    def hash_to_curve(self, msg: bytes, dst: bytes) -> Any:
        """RFC 9380 section 3 hash_to_curve with the suite's SSWU map (random oracle)."""
        ...

    def encode_from_field(self, u: Sequence[int]) -> Any:
        """clear_cofactor(map_to_curve(u)): the tail of RFC 9380 encode_to_curve (NU)."""
        ...


class Backend(Protocol):
    name: str
    g1: CurveOps
    g2: CurveOps

    #: whether ``mul`` runs in time independent of the scalar (then secrets skip blinding)
    constant_time_mul: bool

    def pairing_check(self, pairs: Sequence[tuple[Any, Any]]) -> bool:
        """True when prod e(P_i, Q_i) == 1 in GT (raw G1 and G2 points)."""
        ...


# ------------------------------------------------------------------------------- arkworks
class _ArkCurve:
    def __init__(self, name: str, cls: Any, scalar_cls: Any) -> None:
        self.name = name
        self.length = 48 if name == "G1" else 96
        self._cls = cls
        self._scalar = scalar_cls
        self._gen = cls()
        self._id = cls.identity()

    def generator(self) -> Any:
        return self._gen

    def identity(self) -> Any:
        return self._id

    def decode(self, data: bytes) -> Any:
        try:
            p = self._cls.from_compressed_bytes_unchecked(data)  # on-curve check only
        except ValueError:
            raise EncodingError(f"{self.name}: not a point on the curve") from None
        if not p.is_in_subgroup():
            raise EncodingError(f"{self.name}: point not in the prime-order subgroup")
        return p

    def encode(self, p: Any) -> bytes:
        return bytes(p.to_compressed_bytes())

    def add(self, p: Any, q: Any) -> Any:
        return p + q

    def neg(self, p: Any) -> Any:
        return -p

    def mul(self, p: Any, k: int) -> Any:
        return p * self._scalar(k)

    def multiexp(self, points: Sequence[Any], scalars: Sequence[int]) -> Any:
        if not points:
            return self._id
        return self._cls.multiexp_unchecked(list(points), [self._scalar(k) for k in scalars])

    def eq(self, p: Any, q: Any) -> bool:
        return bool(p == q)

    def is_identity(self, p: Any) -> bool:
        return bool(p == self._id)

    def affine(self, p: Any) -> tuple[int, ...]:
        raw = bytes(p.to_xy_bytes_be())
        return tuple(int.from_bytes(raw[i : i + 48], "big") for i in range(0, len(raw), 48))

    def from_affine(self, coords: Sequence[int]) -> Any:
        if any(not 0 <= c < FIELD_MODULUS for c in coords):
            raise EncodingError(f"{self.name}: coordinate out of range")
        data = b"".join(c.to_bytes(48, "big") for c in coords)
        try:
            p = self._cls.from_xy_bytes_unchecked_be(data)
        except ValueError:
            raise EncodingError(f"{self.name}: not a point on the curve") from None
        if not p.is_in_subgroup():
            raise EncodingError(f"{self.name}: point not in the prime-order subgroup")
        return p

    def hash_to_curve(self, msg: bytes, dst: bytes) -> Any:
        # argument order (msg, dst), checked against the RFC 9380 appendix J vectors
        return self._cls.hash_to_curve(msg, dst)

    def encode_from_field(self, u: Sequence[int]) -> Any:
        # map_from_fp(2) is arkworks' map_to_curve followed by clear_cofactor (RFC 9380 3, NU)
        data = b"".join(c.to_bytes(48, "big") for c in u)
        if self.name == "G1":
            return self._cls.map_from_fp_be(data)
        return self._cls.map_from_fp2_be(data)


class ArkworksBackend:
    """py-arkworks-bls12381."""

    name = "arkworks"
    constant_time_mul = False

    def __init__(self) -> None:
        import py_arkworks_bls12381 as ark

        self._gt = ark.GT
        self.g1: CurveOps = _ArkCurve("G1", ark.G1Point, ark.Scalar)
        self.g2: CurveOps = _ArkCurve("G2", ark.G2Point, ark.Scalar)

    def pairing_check(self, pairs: Sequence[tuple[Any, Any]]) -> bool:
        if not pairs:
            return True
        return bool(self._gt.pairing_check([p for p, _ in pairs], [q for _, q in pairs]))

    def __repr__(self) -> str:
        return "ArkworksBackend()"


# ------------------------------------------------------------------------------- py_ecc
class _PyEccCurve:
    def __init__(self, name: str) -> None:
        # typed as Any: py_ecc's stubs do not re-export these names
        o: Any = importlib.import_module("py_ecc.optimized_bls12_381")
        h2c: Any = importlib.import_module("py_ecc.bls.hash_to_curve")
        pc: Any = importlib.import_module("py_ecc.bls.point_compression")

        self.name = name
        self.length = 48 if name == "G1" else 96
        self._o = o
        if name == "G1":
            self._gen, self._id, self._b = o.G1, o.Z1, o.b
            self._compress, self._decompress = pc.compress_G1, pc.decompress_G1
            self._h2c, self._map, self._clear = (
                h2c.hash_to_G1,
                h2c.map_to_curve_G1,
                (h2c.clear_cofactor_G1),
            )
            self._field: Any = o.FQ
        else:
            self._gen, self._id, self._b = o.G2, o.Z2, o.b2
            self._compress, self._decompress = pc.compress_G2, pc.decompress_G2
            self._h2c, self._map, self._clear = (
                h2c.hash_to_G2,
                h2c.map_to_curve_G2,
                (h2c.clear_cofactor_G2),
            )
            self._field = o.FQ2

    def generator(self) -> Any:
        return self._gen

    def identity(self) -> Any:
        return self._id

    def _subgroup(self, p: Any) -> bool:
        return bool(self._o.is_inf(self._o.multiply(p, GROUP_ORDER)))

    def decode(self, data: bytes) -> Any:
        try:
            if self.name == "G1":
                p = self._decompress(int.from_bytes(data, "big"))
            else:
                p = self._decompress(
                    (int.from_bytes(data[:48], "big"), int.from_bytes(data[48:], "big"))
                )
        except ValueError:
            raise EncodingError(f"{self.name}: not a point on the curve") from None
        if not self._subgroup(p):
            raise EncodingError(f"{self.name}: point not in the prime-order subgroup")
        return p

    def encode(self, p: Any) -> bytes:
        z = self._compress(p)
        if self.name == "G1":
            return int(z).to_bytes(48, "big")
        return int(z[0]).to_bytes(48, "big") + int(z[1]).to_bytes(48, "big")

    def add(self, p: Any, q: Any) -> Any:
        return self._o.add(p, q)

    def neg(self, p: Any) -> Any:
        return self._o.neg(p)

    def mul(self, p: Any, k: int) -> Any:
        return self._o.multiply(p, k)

    def multiexp(self, points: Sequence[Any], scalars: Sequence[int]) -> Any:
        acc = self._id
        for p, k in zip(points, scalars, strict=True):
            acc = self._o.add(acc, self._o.multiply(p, k))
        return acc

    def eq(self, p: Any, q: Any) -> bool:
        return bool(self._o.eq(p, q))

    def is_identity(self, p: Any) -> bool:
        return bool(self._o.is_inf(p))

    def affine(self, p: Any) -> tuple[int, ...]:
        x, y = self._o.normalize(p)
        if self.name == "G1":
            return (int(x.n), int(y.n))
        return (int(x.coeffs[0]), int(x.coeffs[1]), int(y.coeffs[0]), int(y.coeffs[1]))

    def from_affine(self, coords: Sequence[int]) -> Any:
        if any(not 0 <= c < FIELD_MODULUS for c in coords):
            raise EncodingError(f"{self.name}: coordinate out of range")
        f = self._field
        if self.name == "G1":
            p = (f(coords[0]), f(coords[1]), f.one())
        else:
            p = (f([coords[0], coords[1]]), f([coords[2], coords[3]]), f.one())
        if not self._o.is_on_curve(p, self._b):
            raise EncodingError(f"{self.name}: not a point on the curve")
        if not self._subgroup(p):
            raise EncodingError(f"{self.name}: point not in the prime-order subgroup")
        return p

    def hash_to_curve(self, msg: bytes, dst: bytes) -> Any:
        return self._h2c(msg, dst, hashlib.sha256)

    def encode_from_field(self, u: Sequence[int]) -> Any:
        f = self._field
        e = f(u[0]) if self.name == "G1" else f([u[0], u[1]])
        return self._clear(self._map(e))


class PyEccBackend:
    """py_ecc.optimized_bls12_381 (pure-Python reference)."""

    name = "py_ecc"
    constant_time_mul = False

    def __init__(self) -> None:
        self._o: Any = importlib.import_module("py_ecc.optimized_bls12_381")
        self.g1: CurveOps = _PyEccCurve("G1")
        self.g2: CurveOps = _PyEccCurve("G2")

    def pairing_check(self, pairs: Sequence[tuple[Any, Any]]) -> bool:
        # Product of Miller loops, one final exponentiation (py_ecc's pairing takes (Q, P)).
        o = self._o
        f = o.FQ12.one()
        for p, q in pairs:
            f = f * o.pairing(q, p, final_exponentiate=False)
        return bool(o.final_exponentiate(f) == o.FQ12.one())

    def __repr__(self) -> str:
        return "PyEccBackend()"


# ------------------------------------------------------------------------------- blst
class _BlstCurve:
    """One group on pyblst's ``BlstP1Element`` / ``BlstP2Element`` (blst ``blst_p1`` / ``p2``).

    blst calls used: ``blst_p?_uncompress`` followed by ``blst_p?_in_g?`` (decoding checks the
    curve equation and the subgroup), ``blst_p?_compress``, ``blst_p?_add_or_double``,
    ``blst_p?_cneg``, ``blst_p?_mult`` with a fixed 256-bit scalar length (constant time),
    ``blst_hash_to_g?`` (RFC 9380 RO suites). What the binding lacks (affine coordinates,
    ``map_to_curve`` for the NU suites) goes through arkworks via the compressed encoding.
    """

    def __init__(self, name: str, cls: Any, ark: CurveOps) -> None:
        self.name = name
        self.length = 48 if name == "G1" else 96
        self._cls = cls
        self._ark = ark
        self._id = cls()  # blst's all-zero projective point is the point at infinity
        self._gen = cls.uncompress(ark.encode(ark.generator()))

    def generator(self) -> Any:
        return self._gen

    def identity(self) -> Any:
        return self._id

    def decode(self, data: bytes) -> Any:
        # The caller has checked the flag bits, so blst only sees canonical encodings of
        # non-identity points; it rejects x not on the curve and points outside the subgroup.
        try:
            return self._cls.uncompress(data)
        except ValueError as exc:
            if "NOT_IN_GROUP" in str(exc):
                raise EncodingError(f"{self.name}: point not in the prime-order subgroup") from None
            raise EncodingError(f"{self.name}: not a point on the curve") from None

    def encode(self, p: Any) -> bytes:
        return bytes(p.compress())

    def add(self, p: Any, q: Any) -> Any:
        return p + q

    def neg(self, p: Any) -> Any:
        return -p

    def mul(self, p: Any, k: int) -> Any:
        return p.scalar_mul(k)

    def multiexp(self, points: Sequence[Any], scalars: Sequence[int]) -> Any:
        # The binding has no MSM: one constant-time multiplication per point. Slower than
        # arkworks' Pippenger for many points (combining t = 67 threshold shares: 13.7 ms against
        # 7.6 ms, benches/bench_bls.py); converting the points to arkworks would cost about as
        # much as it saves (G2 decompression). Pass backend="arkworks" for large MSMs.
        acc = self._id
        for p, k in zip(points, scalars, strict=True):
            acc = acc + p.scalar_mul(k)
        return acc

    def eq(self, p: Any, q: Any) -> bool:
        return bool(p == q)

    def is_identity(self, p: Any) -> bool:
        return bool(p == self._id)

    def _to_ark(self, p: Any) -> Any:
        return self._ark.decode(self.encode(p))

    def _from_ark(self, p: Any) -> Any:
        if self._ark.is_identity(p):
            return self._id
        return self._cls.uncompress(self._ark.encode(p))

    def affine(self, p: Any) -> tuple[int, ...]:
        return self._ark.affine(self._to_ark(p))

    def from_affine(self, coords: Sequence[int]) -> Any:
        return self._from_ark(self._ark.from_affine(coords))

    def hash_to_curve(self, msg: bytes, dst: bytes) -> Any:
        # pyblst's argument order is (msg, dst); it refuses a DST over 255 bytes, which the
        # caller has already reduced (RFC 9380 section 5.3.3).
        return self._cls.hash_to_group(msg, dst)

    def encode_from_field(self, u: Sequence[int]) -> Any:
        return self._from_ark(self._ark.encode_from_field(u))


class BlstBackend:
    """pyblst: supranational blst (default). Constant-time scalar multiplication."""

    name = "blst"
    constant_time_mul = True

    def __init__(self) -> None:
        import pyblst

        ark = ArkworksBackend()
        self._ml = pyblst.miller_loop
        self._fv = pyblst.final_verify
        self.g1: CurveOps = _BlstCurve("G1", pyblst.BlstP1Element, ark.g1)
        self.g2: CurveOps = _BlstCurve("G2", pyblst.BlstP2Element, ark.g2)

    def pairing_check(self, pairs: Sequence[tuple[Any, Any]]) -> bool:
        # e(P, Q) = 1 whenever P or Q is the identity: drop those pairs. Then
        # prod_i e(P_i, Q_i) == 1  <=>  prod_{i<k} e(P_i, Q_i) == e(-P_k, Q_k): products of Miller
        # loops on both sides, one final exponentiation (blst_fp12_finalverify).
        live = [(p, q) for p, q in pairs if not (self.g1.is_identity(p) or self.g2.is_identity(q))]
        if not live:
            return True
        if len(live) == 1:  # non-degenerate pairing on prime-order groups
            return False
        lhs = self._ml(*live[0])
        for p, q in live[1:-1]:
            lhs = lhs * self._ml(p, q)
        p_k, q_k = live[-1]
        return bool(self._fv(lhs, self._ml(-p_k, q_k)))

    def __repr__(self) -> str:
        return "BlstBackend()"


_FACTORIES: Final[dict[str, Callable[[], Backend]]] = {
    "blst": BlstBackend,
    "arkworks": ArkworksBackend,
    "py_ecc": PyEccBackend,
}
_CACHE: dict[str, Backend] = {}


def backend_names() -> tuple[str, ...]:
    return tuple(_FACTORIES)


def get_backend(name: str | Backend | None = None) -> Backend:
    """The backend called ``name``; ``None`` means ``$LITHO_BLS_BACKEND`` (default blst).

    A backend object is returned unchanged, so every public function can take ``backend=``.
    """
    if name is None:
        name = os.environ.get(BACKEND_ENV, "blst") or "blst"
    if not isinstance(name, str):
        return name
    try:
        return _CACHE[name]
    except KeyError:
        pass
    try:
        factory = _FACTORIES[name]
    except KeyError:
        raise ParameterError(
            f"unknown BLS12-381 backend {name!r} (expected one of {sorted(_FACTORIES)})"
        ) from None
    backend: Backend = factory()
    _CACHE[name] = backend
    return backend

"""The secp256k1 group (SEC 2, section 2.4.1) on top of libsecp256k1 through coincurve.

:class:`Point` adds what coincurve lacks: the point at infinity (identity), strict canonical
decoding, and a constant-time path for secret scalars.

Which operation uses which path (see README, "Security"):

* ``Point.base_mul(k)`` / ``mul_secret`` on the generator: libsecp256k1's constant-time
  ``secp256k1_ec_pubkey_create`` (ecmult_gen).
* ``P.mul_secret(k)`` for an arbitrary point: libsecp256k1's constant-time ECDH
  (``secp256k1_ecdh`` with a hash callback that returns the shared point itself).
* ``P * k`` (``__mul__``): variable-time ``secp256k1_ec_pubkey_tweak_mul``. Use it only for public
  scalars (challenges, Lagrange coefficients, verification).
* addition: ``secp256k1_ec_pubkey_combine`` (variable time; only public points are added).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final

from coincurve._libsecp256k1 import ffi, lib
from coincurve.context import GLOBAL_CONTEXT

from cryptocore.encoding import as_bytes
from cryptocore.errors import EncodingError, ParameterError

__all__ = ["B", "G", "N", "P", "Point"]

P: Final = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F
N: Final = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
B: Final = 7
_GX: Final = 0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798
_GY: Final = 0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8

_CTX = GLOBAL_CONTEXT.ctx
_COMPRESSED = lib.SECP256K1_EC_COMPRESSED
_UNCOMPRESSED = lib.SECP256K1_EC_UNCOMPRESSED


@ffi.callback("int(unsigned char *, const unsigned char *, const unsigned char *, void *)")
def _copy_xy(out, x32, y32, data):  # type: ignore[no-untyped-def]  # cffi callback
    ffi.memmove(out, x32, 32)
    ffi.memmove(out + 32, y32, 32)
    return 1


def _parse(data: bytes) -> object:
    """bytes (33 or 65, already shape-checked) -> secp256k1_pubkey*, or EncodingError."""
    pk = ffi.new("secp256k1_pubkey *")
    if not lib.secp256k1_ec_pubkey_parse(_CTX, pk, data, len(data)):
        raise EncodingError("not a point on secp256k1")
    return pk


def _serialize(pk: object, compressed: bool = True) -> bytes:
    size = 33 if compressed else 65
    out = ffi.new(f"unsigned char[{size}]")
    outlen = ffi.new("size_t *", size)
    lib.secp256k1_ec_pubkey_serialize(
        _CTX, out, outlen, pk, _COMPRESSED if compressed else _UNCOMPRESSED
    )
    return bytes(ffi.buffer(out, size))


class Point:
    """A point of the secp256k1 group, possibly the identity. Immutable and hashable.

    The canonical encoding is 33-byte SEC1 compressed; the identity has no encoding.
    """

    __slots__ = ("_enc", "_pk")
    _enc: bytes | None  # 33-byte compressed encoding; None for the identity
    _pk: object  # cached parsed secp256k1_pubkey (decompressing costs a square root)

    def __init__(self, _enc: bytes | None = None, _pk: object = None) -> None:
        # Internal: callers use the constructors below (which validate). ``_pk``, when given,
        # must be the libsecp256k1 struct of the same point.
        object.__setattr__(self, "_enc", _enc)
        object.__setattr__(self, "_pk", _pk)

    def _struct(self) -> object:
        """The parsed libsecp256k1 struct, decompressed once per Point (not for the identity)."""
        pk = self._pk
        if pk is None:
            if self._enc is None:
                raise ParameterError("the identity has no libsecp256k1 representation")
            pk = _parse(self._enc)
            object.__setattr__(self, "_pk", pk)
        return pk

    def __reduce__(self) -> tuple[object, tuple[bytes | None]]:
        return (_from_trusted_encoding, (self._enc,))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Point is immutable")

    # ---------------------------------------------------------------- constructors
    @classmethod
    def identity(cls) -> Point:
        return _IDENTITY

    @classmethod
    def generator(cls) -> Point:
        return G

    @classmethod
    def from_bytes(cls, data: bytes) -> Point:
        """Strict SEC1 compressed decoding (33 bytes, prefix 0x02/0x03, x < p, on the curve)."""
        if not isinstance(data, bytes | bytearray | memoryview):
            raise EncodingError("point: expected bytes")
        data = bytes(data)
        if len(data) != 33:
            raise EncodingError(f"point: expected 33 bytes, got {len(data)}")
        if data[0] not in (2, 3):
            raise EncodingError("point: bad prefix for compressed encoding")
        if int.from_bytes(data[1:], "big") >= P:
            raise EncodingError("point: x is not below the field prime")
        return cls(data, _parse(data))

    @classmethod
    def from_bytes_uncompressed(cls, data: bytes) -> Point:
        """Explicit 65-byte SEC1 uncompressed decoding (prefix 0x04 only; hybrid is rejected)."""
        data = as_bytes(data, "point")
        if len(data) != 65:
            raise EncodingError(f"point: expected 65 bytes, got {len(data)}")
        if data[0] != 4:
            raise EncodingError("point: bad prefix for uncompressed encoding")
        x = int.from_bytes(data[1:33], "big")
        y = int.from_bytes(data[33:], "big")
        return cls.from_affine(x, y)

    @classmethod
    def from_affine(cls, x: int, y: int) -> Point:
        """A point from affine coordinates; raises EncodingError when off the curve."""
        if not (_is_int(x) and _is_int(y)):
            raise EncodingError("point: coordinates must be integers")
        if not (0 <= x < P and 0 <= y < P):
            raise EncodingError("point: coordinate out of range")
        if (y * y - x * x * x - B) % P != 0:
            raise EncodingError("point: not on secp256k1")
        return cls(bytes([2 | (y & 1)]) + x.to_bytes(32, "big"))

    @classmethod
    def from_xonly(cls, data: bytes) -> Point:
        """BIP340 lift_x: the point with the given x and even y (32-byte x-only key)."""
        data = as_bytes(data, "x-only key")
        if len(data) != 32:
            raise EncodingError(f"x-only key: expected 32 bytes, got {len(data)}")
        if int.from_bytes(data, "big") >= P:
            raise EncodingError("x-only key: x is not below the field prime")
        enc = b"\x02" + data
        return cls(enc, _parse(enc))

    @classmethod
    def base_mul(cls, k: int) -> Point:
        """k·G through libsecp256k1's constant-time generator multiplication."""
        if not _is_int(k):
            raise ParameterError("scalar must be an integer")
        k %= N
        if k == 0:
            return _IDENTITY
        pk = ffi.new("secp256k1_pubkey *")
        if not lib.secp256k1_ec_pubkey_create(_CTX, pk, k.to_bytes(32, "big")):
            raise ParameterError("invalid scalar")  # pragma: no cover - k in [1, N) always works
        return cls(_serialize(pk), pk)

    # ---------------------------------------------------------------- encodings
    def to_bytes(self) -> bytes:
        """33-byte SEC1 compressed encoding. The identity has none (EncodingError)."""
        if self._enc is None:
            raise EncodingError("the identity point has no encoding")
        return self._enc

    def to_bytes_uncompressed(self) -> bytes:
        """65-byte SEC1 uncompressed encoding (0x04 || x || y)."""
        self.to_bytes()  # EncodingError for the identity
        return _serialize(self._struct(), compressed=False)

    def xonly(self) -> bytes:
        """BIP340 32-byte x-only encoding (bytes(P))."""
        return self.to_bytes()[1:]

    @property
    def is_identity(self) -> bool:
        return self._enc is None

    def has_even_y(self) -> bool:
        return self.to_bytes()[0] == 2

    @property
    def x(self) -> int:
        return int.from_bytes(self.to_bytes()[1:], "big")

    @property
    def y(self) -> int:
        return int.from_bytes(self.to_bytes_uncompressed()[33:], "big")

    def affine(self) -> tuple[int, int]:
        u = self.to_bytes_uncompressed()
        return int.from_bytes(u[1:33], "big"), int.from_bytes(u[33:], "big")

    # ---------------------------------------------------------------- group law
    def __add__(self, other: object) -> Point:
        if not isinstance(other, Point):
            return NotImplemented
        return Point.sum((self, other))

    def __neg__(self) -> Point:
        if self._enc is None:
            return self
        neg = ffi.new("secp256k1_pubkey *")
        ffi.memmove(neg, self._struct(), ffi.sizeof("secp256k1_pubkey"))
        lib.secp256k1_ec_pubkey_negate(_CTX, neg)
        return Point(bytes([self._enc[0] ^ 1]) + self._enc[1:], neg)

    def __sub__(self, other: object) -> Point:
        if not isinstance(other, Point):
            return NotImplemented
        return Point.sum((self, -other))

    def __mul__(self, k: object) -> Point:
        """Variable-time multiplication by a *public* scalar."""
        if not isinstance(k, int):
            return NotImplemented
        k %= N
        if k == 0 or self._enc is None:
            return _IDENTITY
        if self is G or self._enc == _G_ENC:
            return Point.base_mul(k)
        pk = ffi.new("secp256k1_pubkey *")
        ffi.memmove(pk, self._struct(), ffi.sizeof("secp256k1_pubkey"))
        if not lib.secp256k1_ec_pubkey_tweak_mul(_CTX, pk, k.to_bytes(32, "big")):
            raise ParameterError("invalid scalar")  # pragma: no cover
        return Point(_serialize(pk), pk)

    __rmul__ = __mul__

    def mul_secret(self, k: int) -> Point:
        """k·self for a *secret* scalar k, through libsecp256k1's constant-time paths."""
        if not _is_int(k):
            raise ParameterError("scalar must be an integer")
        k %= N
        if k == 0 or self._enc is None:
            return _IDENTITY
        if self._enc == _G_ENC:
            return Point.base_mul(k)
        out = ffi.new("unsigned char[64]")
        pk = self._struct()
        if not lib.secp256k1_ecdh(_CTX, out, pk, k.to_bytes(32, "big"), _copy_xy, ffi.NULL):
            raise ParameterError("invalid scalar")  # pragma: no cover
        xy = bytes(ffi.buffer(out, 64))
        return Point(bytes([2 | (xy[63] & 1)]) + xy[:32])

    @staticmethod
    def sum(points: Iterable[Point]) -> Point:
        """Sum of many points in one libsecp256k1 call (identity-safe)."""
        try:
            live = [p for p in points if p._enc is not None]
        except AttributeError:  # free on the happy path, unlike an isinstance per point
            raise ParameterError("Point.sum takes secp256k1 points only") from None
        if not live:
            return _IDENTITY
        if len(live) == 1:
            return live[0]
        pks = [p._struct() for p in live]  # the list keeps the structs alive for the call
        arr = ffi.new("secp256k1_pubkey *[]", pks)
        out = ffi.new("secp256k1_pubkey *")
        if lib.secp256k1_ec_pubkey_combine(_CTX, out, arr, len(pks)):
            return Point(_serialize(out), out)
        return _sum_slow([p._enc for p in live if p._enc is not None])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Point):
            return NotImplemented
        return self._enc == other._enc

    def __hash__(self) -> int:
        return hash(("secp256k1", self._enc))

    def __repr__(self) -> str:
        return "Point(identity)" if self._enc is None else f"Point({self._enc.hex()})"

    def __bool__(self) -> bool:
        return self._enc is not None


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _sum_slow(encs: Sequence[bytes]) -> Point:
    """Fallback when the sum is the identity: add pairwise, cancelling opposite points."""
    acc: bytes | None = None
    for e in encs:
        if acc is None:
            acc = e
            continue
        if acc[1:] == e[1:] and acc[0] != e[0]:
            acc = None
            continue
        pks = [_parse(acc), _parse(e)]  # keep the structs alive while the array points at them
        arr = ffi.new("secp256k1_pubkey *[]", pks)
        out = ffi.new("secp256k1_pubkey *")
        if lib.secp256k1_ec_pubkey_combine(_CTX, out, arr, 2):
            acc = _serialize(out)
        else:  # pragma: no cover - only the cancelling case fails, handled above
            acc = None
    return Point(acc)


def _from_trusted_encoding(enc: bytes | None) -> Point:
    """Unpickling: re-validate the encoding (pickles may come from anywhere)."""
    return _IDENTITY if enc is None else Point.from_bytes(enc)


_IDENTITY: Final = Point(None)
_G_ENC: Final = bytes([2 | (_GY & 1)]) + _GX.to_bytes(32, "big")
G: Final = Point(_G_ENC)

"""G1 and G2 points of BLS12-381 and the pairing check, over a swappable backend.

:class:`G1Point` and :class:`G2Point` implement :class:`cryptocore.group.GroupElement`:

* ``P + Q``, ``P - Q``, ``-P``; ``P * k`` / ``k * P`` for a *public* scalar (variable time);
* ``P.mul_secret(k)`` for a *secret* scalar: one constant-time multiplication on the blst
  backend; on arkworks and py_ecc, which promise no constant time, the scalar is blinded:
  ``k·P = (k - b)·P + b·P`` with a fresh uniform ``b`` (each multiplication sees a uniformly
  random scalar, independent of ``k``). Blinding reduces, but does not remove, timing leakage;
  see ``docs/bls.md``;
* ``to_bytes()``: the 48 / 96-byte ZCash compressed encoding (the identity encodes as
  ``c0 00 .. 00``); ``from_bytes`` is strict and rejects the identity unless
  ``allow_identity=True``;
* ``is_identity``; ``sum(points)``; ``multiexp(points, scalars)``.

Points remember their backend (:mod:`cryptocore.bls12_381.backend`); points of different
backends are converted through their encoding when combined.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar, Final, Self

from cryptocore.bls12_381.backend import (
    FIELD_MODULUS,
    GROUP_ORDER,
    Backend,
    CurveOps,
    get_backend,
)
from cryptocore.bls12_381.encoding import check_compressed, infinity_encoding
from cryptocore.errors import EncodingError, ParameterError
from cryptocore.rng import Rng, random_scalar

__all__ = ["G1Point", "G2Point", "P", "R", "pairing_check"]

#: the base field prime p
P: Final = FIELD_MODULUS
#: the prime order r of G1, G2 and GT
R: Final = GROUP_ORDER


class _Point:
    __slots__ = ("_backend", "_raw")
    _attr: ClassVar[str]  # "g1" or "g2"
    _length: ClassVar[int]
    _backend: Backend
    _raw: Any

    def __init__(self, backend: Backend, raw: Any) -> None:
        # Internal: callers use the constructors below (which validate).
        object.__setattr__(self, "_backend", backend)
        object.__setattr__(self, "_raw", raw)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    @classmethod
    def _ops_of(cls, backend: Backend) -> CurveOps:
        ops: CurveOps = getattr(backend, cls._attr)
        return ops

    @property
    def _ops(self) -> CurveOps:
        return self._ops_of(self._backend)

    @property
    def backend(self) -> Backend:
        return self._backend

    # ------------------------------------------------------------------ constructors
    @classmethod
    def generator(cls, backend: Backend | str | None = None) -> Self:
        b = get_backend(backend)
        return cls(b, cls._ops_of(b).generator())

    @classmethod
    def identity(cls, backend: Backend | str | None = None) -> Self:
        b = get_backend(backend)
        return cls(b, cls._ops_of(b).identity())

    @classmethod
    def from_bytes(
        cls, data: bytes, *, allow_identity: bool = False, backend: Backend | str | None = None
    ) -> Self:
        """Strict ZCash compressed decoding: flags, ranges, on-curve and subgroup checks.

        The identity is rejected (EncodingError) unless ``allow_identity`` is true.
        """
        what = cls.__name__
        raw, infinity = check_compressed(data, cls._length, what)
        b = get_backend(backend)
        ops = cls._ops_of(b)
        if infinity:
            if not allow_identity:
                raise EncodingError(f"{what}: the point at infinity is not allowed here")
            return cls(b, ops.identity())
        return cls(b, ops.decode(raw))

    @classmethod
    def from_affine(cls, coords: Sequence[int], *, backend: Backend | str | None = None) -> Self:
        """From affine coordinates ((x, y) for G1; (x.c0, x.c1, y.c0, y.c1) for G2)."""
        if not isinstance(coords, Sequence) or len(coords) != cls._length // 24:
            raise EncodingError(f"{cls.__name__}: wrong number of coordinates")
        b = get_backend(backend)
        return cls(b, cls._ops_of(b).from_affine(tuple(int(c) for c in coords)))

    @classmethod
    def base_mul(
        cls, k: int, *, rng: Rng | None = None, backend: Backend | str | None = None
    ) -> Self:
        """k·G for a secret k (blinded, see :meth:`mul_secret`)."""
        return cls.generator(backend).mul_secret(k, rng=rng)

    @classmethod
    def sum(cls, points: Iterable[Self], *, backend: Backend | str | None = None) -> Self:
        """The sum of many points (the identity for none)."""
        acc: Self | None = None
        for p in points:
            acc = p if acc is None else acc + p
        return cls.identity(backend) if acc is None else acc

    @classmethod
    def multiexp(
        cls,
        points: Sequence[Self],
        scalars: Sequence[int],
        *,
        backend: Backend | str | None = None,
    ) -> Self:
        """sum k_i·P_i for *public* scalars (the backend's multi-scalar multiplication)."""
        if len(points) != len(scalars):
            raise ParameterError("multiexp: as many scalars as points are needed")
        if not points:
            return cls.identity(backend)
        b = points[0]._backend if backend is None else get_backend(backend)
        raws = [p._raw_for(b) for p in points]
        return cls(b, cls._ops_of(b).multiexp(raws, [_scalar(k) for k in scalars]))

    # ------------------------------------------------------------------ encodings
    def to_bytes(self) -> bytes:
        """The ZCash compressed encoding (48 bytes for G1, 96 for G2)."""
        if self.is_identity:
            return infinity_encoding(self._length)
        return self._ops.encode(self._raw)

    def affine(self) -> tuple[int, ...]:
        """Affine coordinates ((x, y) for G1; (x.c0, x.c1, y.c0, y.c1) for G2)."""
        if self.is_identity:
            raise ParameterError("the identity has no affine coordinates")
        return self._ops.affine(self._raw)

    @property
    def is_identity(self) -> bool:
        return self._ops.is_identity(self._raw)

    def with_backend(self, backend: Backend | str | None) -> Self:
        """The same point on another backend."""
        b = get_backend(backend)
        if b is self._backend:
            return self
        return type(self)(b, self._raw_for(b))

    def _raw_for(self, backend: Backend) -> Any:
        if backend is self._backend:
            return self._raw
        ops = self._ops_of(backend)
        if self.is_identity:
            return ops.identity()
        return ops.decode(self.to_bytes())

    # ------------------------------------------------------------------ group law
    def __add__(self, other: object) -> Self:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, _Point)
        return type(self)(self._backend, self._ops.add(self._raw, other._raw_for(self._backend)))

    def __sub__(self, other: object) -> Self:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, _Point)
        neg = self._ops.neg(other._raw_for(self._backend))
        return type(self)(self._backend, self._ops.add(self._raw, neg))

    def __neg__(self) -> Self:
        return type(self)(self._backend, self._ops.neg(self._raw))

    def __mul__(self, k: object) -> Self:
        """Variable-time multiplication by a *public* scalar."""
        if not isinstance(k, int) or isinstance(k, bool):
            return NotImplemented
        return type(self)(self._backend, self._ops.mul(self._raw, _scalar(k)))

    __rmul__ = __mul__

    def mul_secret(self, k: int, *, rng: Rng | None = None) -> Self:
        """k·self for a *secret* scalar.

        On a backend whose multiplication runs in constant time (blst) this is one
        multiplication. Otherwise (arkworks, py_ecc) the scalar is blinded:
        (k - b)·self + b·self with a fresh uniform b, so that each backend call sees a scalar
        that is uniformly random and independent of ``k``.
        """
        if not isinstance(k, int) or isinstance(k, bool):
            raise ParameterError("scalar must be an integer")
        k %= R
        ops = self._ops
        if self._backend.constant_time_mul:
            return type(self)(self._backend, ops.mul(self._raw, k))
        blind = random_scalar(R, rng, nonzero=False)
        a = ops.mul(self._raw, (k - blind) % R)
        c = ops.mul(self._raw, blind)
        return type(self)(self._backend, ops.add(a, c))

    # ------------------------------------------------------------------ comparisons
    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, _Point)
        if other._backend is self._backend:
            return self._ops.eq(self._raw, other._raw)
        return self.to_bytes() == other.to_bytes()

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.to_bytes()))

    def __bool__(self) -> bool:
        return not self.is_identity

    def __repr__(self) -> str:
        if self.is_identity:
            return f"{type(self).__name__}(identity)"
        return f"{type(self).__name__}({self.to_bytes().hex()})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_unpickle, (type(self).__name__, self.to_bytes(), self._backend.name))


class G1Point(_Point):
    """A point of G1 (order-r subgroup of E(F_p)); 48-byte compressed encoding."""

    __slots__ = ()
    _attr = "g1"
    _length = 48


class G2Point(_Point):
    """A point of G2 (order-r subgroup of E'(F_p^2)); 96-byte compressed encoding."""

    __slots__ = ()
    _attr = "g2"
    _length = 96


def _scalar(k: int) -> int:
    if not isinstance(k, int) or isinstance(k, bool):
        raise ParameterError("scalar must be an integer")
    return k % R


def _unpickle(kind: str, data: bytes, backend: str) -> _Point:
    cls = G1Point if kind == "G1Point" else G2Point
    return cls.from_bytes(data, allow_identity=True, backend=backend)


def pairing_check(
    pairs: Iterable[tuple[G1Point, G2Point]], *, backend: Backend | str | None = None
) -> bool:
    """True when prod_i e(P_i, Q_i) is the identity of GT (one final exponentiation).

    ``e(A, B) == e(C, D)`` is ``pairing_check([(A, B), (-C, D)])``.
    """
    items = list(pairs)
    if backend is None:
        b = items[0][0].backend if items else get_backend(None)
    else:
        b = get_backend(backend)
    raw = []
    for p, q in items:
        if not isinstance(p, G1Point) or not isinstance(q, G2Point):
            raise ParameterError("pairing_check takes (G1Point, G2Point) pairs")
        raw.append((p._raw_for(b), q._raw_for(b)))
    return b.pairing_check(raw)

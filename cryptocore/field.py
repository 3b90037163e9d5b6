"""Prime fields: the scalar fields of secp256k1 and BLS12-381, single values and batches.

* :class:`PrimeField` — the field Z/pZ for a prime ``p``; makes :class:`FieldElement` values and
  runs batch operations (batch inversion, polynomial evaluation at many points, Lagrange
  coefficients, ...) through the batch backend.
* :class:`FieldElement` — one element: an immutable value with ``+ - * / **``, negation,
  :meth:`~FieldElement.inverse` and a canonical 32-byte big-endian encoding. Single operations run
  on Python ints.
* :func:`get_backend` — the batch backend: ``"numba"`` (fixed 32-bit limbs, Montgomery
  multiplication) when numba imports, else ``"python"``; ``LITHO_FIELD_BACKEND=python|numba``
  overrides the choice. Both give identical results (tests/cryptocore/test_accel_parity.py).

Field elements may be secret (key shares, polynomial coefficients): their ``repr`` is redacted,
they are not hashable and ``==`` compares encodings with :func:`hmac.compare_digest`. CPython
cannot promise constant-time big-integer arithmetic; see docs/field.md.
"""

from __future__ import annotations

import functools
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from cryptocore._accel import Backend, available_backends
from cryptocore._accel import get_backend as _get_backend
from cryptocore.errors import EncodingError, ParameterError
from cryptocore.rng import Rng, random_scalar
from cryptocore.secp256k1 import N as _SECP256K1_N

__all__ = [
    "BLS12_381_R",
    "BLS12_381_SCALARS",
    "SECP256K1_N",
    "SECP256K1_SCALARS",
    "Backend",
    "FieldElement",
    "PrimeField",
    "available_backends",
    "get_backend",
    "warm_up",
]

#: Order of the secp256k1 group (SEC 2 v2, section 2.4.1).
SECP256K1_N: Final[int] = _SECP256K1_N
#: Order r of the BLS12-381 groups G1, G2, GT (draft-irtf-cfrg-pairing-friendly-curves-11, 4.2.1).
BLS12_381_R: Final[int] = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001

_MR_BASES: Final = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71)


@functools.lru_cache(maxsize=64)
def _is_probable_prime(n: int) -> bool:
    """Miller-Rabin with the first 20 prime bases (FIPS 186-5 B.3.1 style; error < 4^-20)."""
    if n < 2:
        return False
    for q in _MR_BASES:
        if n % q == 0:
            return n == q
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for a in _MR_BASES:
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def get_backend(name: str | None = None) -> Backend:
    """The batch backend (``"numba"`` or ``"python"``; default: ``$LITHO_FIELD_BACKEND``, else
    numba when it imports)."""
    return _get_backend(name)


def warm_up(name: str | None = None) -> None:
    """Compile the batch kernels (or load them from numba's on-disk cache) ahead of use."""
    _get_backend(name).warm_up()


@dataclass(frozen=True, slots=True)
class PrimeField:
    """The prime field Z/pZ. Elements encode as ``byte_length`` big-endian bytes (32 for both
    curve scalar fields)."""

    modulus: int

    def __post_init__(self) -> None:
        p = self.modulus
        if not isinstance(p, int) or isinstance(p, bool) or p < 3:
            raise ParameterError("field modulus must be an odd prime")
        if not _is_probable_prime(p):
            raise ParameterError("field modulus must be an odd prime")

    @property
    def byte_length(self) -> int:
        """Length of the canonical encoding (32 bytes for moduli below 2^256)."""
        return max(32, (self.modulus.bit_length() + 7) // 8)

    # -- elements ----------------------------------------------------------------------------

    def __call__(self, value: int) -> FieldElement:
        """The element ``value mod p``."""
        if not isinstance(value, int) or isinstance(value, bool):
            raise ParameterError("field elements are made from ints")
        return FieldElement(value=value % self.modulus, field=self)

    @property
    def zero(self) -> FieldElement:
        return FieldElement(value=0, field=self)

    @property
    def one(self) -> FieldElement:
        return FieldElement(value=1, field=self)

    def random(self, rng: Rng | None = None, *, nonzero: bool = True) -> FieldElement:
        """A uniform element (nonzero by default); ``rng`` as in :mod:`cryptocore.rng`."""
        return FieldElement(value=random_scalar(self.modulus, rng, nonzero=nonzero), field=self)

    def from_bytes(self, data: bytes) -> FieldElement:
        """Decode the canonical big-endian encoding; EncodingError for wrong length or >= p."""
        if not isinstance(data, bytes | bytearray | memoryview):
            raise EncodingError("field element: expected bytes")
        raw = bytes(data)
        if len(raw) != self.byte_length:
            raise EncodingError(f"field element: expected {self.byte_length} bytes")
        v = int.from_bytes(raw, "big")
        if v >= self.modulus:
            raise EncodingError("field element: not below the modulus")
        return FieldElement(value=v, field=self)

    # -- batches (through the backend; ints in, reduced ints out) ----------------------------

    def batch_mul(self, a: Sequence[int], b: Sequence[int]) -> list[int]:
        """[a_i · b_i]."""
        return get_backend().batch_mul(a, b, self.modulus)

    def batch_inverse(self, values: Sequence[int]) -> list[int]:
        """[v^-1] by Montgomery's trick; ParameterError if a value is zero."""
        return get_backend().batch_inverse(values, self.modulus)

    def poly_eval_many(self, coefficients: Sequence[int], xs: Sequence[int]) -> list[int]:
        """[f(x) for x in xs] with f(x) = sum_k coefficients[k]·x^k."""
        return get_backend().poly_eval_many(coefficients, xs, self.modulus)

    def poly_eval_matrix(
        self, polys: Sequence[Sequence[int]], xs: Sequence[int]
    ) -> list[list[int]]:
        """[[f(x) for x in xs] for f in polys] — a DKG's n dealers at n points, in one call."""
        return get_backend().poly_eval_matrix(polys, xs, self.modulus)

    def lagrange_coefficients(self, xs: Sequence[int], at: int = 0) -> list[int]:
        """lambda_i(at) = prod_{j != i} (at - x_j) / (x_i - x_j) for distinct points xs."""
        return get_backend().lagrange_coefficients(xs, self.modulus, at)

    def inner_product(self, a: Sequence[int], b: Sequence[int]) -> int:
        """sum_i a_i · b_i."""
        return get_backend().inner_product(a, b, self.modulus)


SECP256K1_SCALARS: Final = PrimeField(SECP256K1_N)
BLS12_381_SCALARS: Final = PrimeField(BLS12_381_R)


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class FieldElement:
    """An element of a :class:`PrimeField`: ``value`` in [0, p). May be secret (see module doc)."""

    value: int
    field: PrimeField

    def __post_init__(self) -> None:
        if not isinstance(self.field, PrimeField):
            raise ParameterError("field must be a PrimeField")
        v = self.value
        if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v < self.field.modulus:
            raise ParameterError("field element out of range")

    __hash__ = None  # type: ignore[assignment]  # may hold a secret: never a dict key

    def __repr__(self) -> str:
        return f"FieldElement(<redacted>, modulus=0x{self.field.modulus:x})"

    # -- encoding ----------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """Canonical big-endian encoding (``field.byte_length`` bytes, 32 for both curves)."""
        return self.value.to_bytes(self.field.byte_length, "big")

    @classmethod
    def from_bytes(cls, data: bytes, field: PrimeField) -> FieldElement:
        """Decode with :meth:`PrimeField.from_bytes` (EncodingError on length or value >= p)."""
        return field.from_bytes(data)

    # -- arithmetic --------------------------------------------------------------------------

    def _coerce(self, other: Any) -> int | None:
        if isinstance(other, FieldElement):
            if other.field.modulus != self.field.modulus:
                raise ParameterError("elements of different fields")
            return other.value
        if isinstance(other, int) and not isinstance(other, bool):
            return other % self.field.modulus
        return None

    def _new(self, v: int) -> FieldElement:
        return FieldElement(value=v % self.field.modulus, field=self.field)

    def __add__(self, other: Any) -> FieldElement:
        o = self._coerce(other)
        return NotImplemented if o is None else self._new(self.value + o)

    __radd__ = __add__

    def __sub__(self, other: Any) -> FieldElement:
        o = self._coerce(other)
        return NotImplemented if o is None else self._new(self.value - o)

    def __rsub__(self, other: Any) -> FieldElement:
        o = self._coerce(other)
        return NotImplemented if o is None else self._new(o - self.value)

    def __mul__(self, other: Any) -> FieldElement:
        o = self._coerce(other)
        return NotImplemented if o is None else self._new(self.value * o)

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> FieldElement:
        o = self._coerce(other)
        if o is None:
            return NotImplemented
        return self * self._new(o).inverse()

    def __rtruediv__(self, other: Any) -> FieldElement:
        o = self._coerce(other)
        if o is None:
            return NotImplemented
        return self._new(o) * self.inverse()

    def __neg__(self) -> FieldElement:
        return self._new(-self.value)

    def __pow__(self, exponent: int) -> FieldElement:
        """``self ** e``; a negative exponent inverts first (ParameterError for zero)."""
        if not isinstance(exponent, int) or isinstance(exponent, bool):
            return NotImplemented
        if exponent < 0:
            return self.inverse() ** (-exponent)
        return self._new(pow(self.value, exponent, self.field.modulus))

    def inverse(self) -> FieldElement:
        """The multiplicative inverse; ParameterError for zero."""
        if self.value == 0:
            raise ParameterError("zero has no inverse")
        return self._new(pow(self.value, -1, self.field.modulus))

    def is_zero(self) -> bool:
        return self.value == 0

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FieldElement):
            return NotImplemented
        if other.field.modulus != self.field.modulus:
            return False
        return hmac.compare_digest(self.to_bytes(), other.to_bytes())

    def __bool__(self) -> bool:
        return self.value != 0

    def __int__(self) -> int:
        return self.value

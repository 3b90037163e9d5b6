"""Hot-path helpers for FROST with many signers (public values only).

* :func:`weighted_sum` — sum(P) + sum(k_j·Q_j) for public points and public scalars: multiplies
  in place on libsecp256k1 structures (variable-time ``ec_pubkey_tweak_mul``: the scalars are
  public binding factors) and adds every point in a single ``ec_pubkey_combine`` call, never
  re-encoding the intermediate points. (Not ``cryptocore.secp256k1.msm``: the plain points
  P would each cost a multiplication by 1 there, and the package caches its parsed points.)
* :func:`lagrange_at_zero` — Lagrange coefficient of one signer (RFC 9591 section 4.2).
* :func:`all_lagrange_at_zero` — coefficients of every signer: the field backend's
  ``lagrange_coefficients`` (``cryptocore.field.get_backend()``) when that module exists, else
  Python ints with one batch inversion (Montgomery's trick).
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

from coincurve._libsecp256k1 import ffi, lib
from coincurve.context import GLOBAL_CONTEXT

from cryptocore.errors import ParameterError
from cryptocore.secp256k1 import N, Point

__all__ = [
    "all_lagrange_at_zero",
    "lagrange_at_zero",
    "parse_points",
    "weighted_sum",
    "weighted_sum_parsed",
]

_CTX = GLOBAL_CONTEXT.ctx


def _parse(enc: bytes) -> Any:
    pk = ffi.new("secp256k1_pubkey *")
    if not lib.secp256k1_ec_pubkey_parse(_CTX, pk, enc, 33):  # pragma: no cover - Points are valid
        raise ParameterError("invalid point")
    return pk


def parse_points(points: Sequence[Point]) -> list[Any]:
    """libsecp256k1 structures for non-identity points (None for the identity)."""
    return [None if p.is_identity else _parse(p.to_bytes()) for p in points]


def weighted_sum(plain: Sequence[Point], points: Sequence[Point], scalars: Sequence[int]) -> Point:
    """sum(plain) + sum(scalars[j]·points[j]) for PUBLIC points and scalars (variable time)."""
    return weighted_sum_parsed(parse_points(plain), parse_points(points), scalars)


def weighted_sum_parsed(
    plain: Sequence[Any], points: Sequence[Any], scalars: Sequence[int]
) -> Point:
    """:func:`weighted_sum` on structures from :func:`parse_points` (they are not modified)."""
    if len(points) != len(scalars):
        raise ParameterError("points and scalars differ in length")
    pks: list[Any] = [p for p in plain if p is not None]
    new = ffi.new
    tweak_mul = lib.secp256k1_ec_pubkey_tweak_mul
    for p, k in zip(points, scalars, strict=True):
        k %= N
        if k == 0 or p is None:
            continue
        pk = new("secp256k1_pubkey *", p[0])  # copy: tweak_mul works in place
        if not tweak_mul(_CTX, pk, k.to_bytes(32, "big")):
            raise ParameterError("invalid scalar")  # pragma: no cover
        pks.append(pk)
    if not pks:
        return Point.identity()
    if len(pks) == 1:
        return Point.from_bytes(_serialize(pks[0]))
    arr = ffi.new("secp256k1_pubkey *[]", pks)
    out = ffi.new("secp256k1_pubkey *")
    if lib.secp256k1_ec_pubkey_combine(_CTX, out, arr, len(pks)):
        return Point.from_bytes(_serialize(out))
    # the sum is the identity (or hits it midway): fall back to the identity-safe Point.sum
    return Point.sum(Point.from_bytes(_serialize(pk)) for pk in pks)  # pragma: no cover


def _serialize(pk: Any) -> bytes:
    out = ffi.new("unsigned char[33]")
    outlen = ffi.new("size_t *", 33)
    lib.secp256k1_ec_pubkey_serialize(_CTX, out, outlen, pk, lib.SECP256K1_EC_COMPRESSED)
    return bytes(ffi.buffer(out, 33))


def _field_backend() -> Any:
    """``cryptocore.field.get_backend()`` when that public module exists, else None."""
    try:
        field = importlib.import_module("cryptocore.field")
    except ImportError:
        return None
    get = getattr(field, "get_backend", None)
    return get() if get is not None else None


def lagrange_at_zero(i: int, ids: Sequence[int]) -> int:
    """lambda_i = prod_{j != i} x_j / (x_j - x_i) mod n (RFC 9591 section 4.2)."""
    num, den = 1, 1
    found = False
    for j in ids:
        if j == i:
            if found:
                raise ParameterError("duplicate identifiers")
            found = True
            continue
        num = num * j % N
        den = den * (j - i) % N
    if not found:
        raise ParameterError("identifier not in the signer set")
    if den == 0:
        raise ParameterError("identifiers collide modulo the group order")
    return num * pow(den, -1, N) % N


def all_lagrange_at_zero(ids: Sequence[int]) -> dict[int, int]:
    """lambda_i for every i in ``ids`` (one modular inversion for the whole set)."""
    if len(set(ids)) != len(ids):
        raise ParameterError("duplicate identifiers")
    backend = _field_backend()
    if backend is not None:
        coeffs = backend.lagrange_coefficients(list(ids), N, 0)
        return {i: int(c) % N for i, c in zip(ids, coeffs, strict=True)}
    total = 1
    for j in ids:
        total = total * j % N
    dens: list[int] = []
    for i in ids:
        d = i
        for j in ids:
            if j != i:
                d = d * (j - i) % N
        dens.append(d)
    # batch inversion (Montgomery's trick)
    prefix = [1] * (len(dens) + 1)
    for k, d in enumerate(dens):
        prefix[k + 1] = prefix[k] * d % N
    if prefix[-1] == 0:
        raise ParameterError("identifiers collide modulo the group order")
    inv = pow(prefix[-1], -1, N)
    out = [0] * len(dens)
    for k in range(len(dens) - 1, -1, -1):
        out[k] = inv * prefix[k] % N
        inv = inv * dens[k] % N
    # lambda_i = prod_{j != i} x_j / prod_{j != i}(x_j - x_i) = total / (x_i * prod(...))
    return {i: total * out[k] % N for k, i in enumerate(ids)}

"""A prime-order group abstraction so that MDKM code runs on secp256k1 and on BLS12-381 G1.

A group is described by a :class:`Group` object; its elements implement :class:`GroupElement`
(``+``, ``-``, unary ``-``, ``* int`` for public scalars, ``mul_secret`` for secret scalars,
``to_bytes``/``is_identity``). Look groups up by name with :func:`get_group`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol, Self, runtime_checkable

from cryptocore.errors import ParameterError

__all__ = ["Group", "GroupElement", "get_group", "group_names", "register_group"]


@runtime_checkable
class GroupElement(Protocol):
    def __add__(self, other: Any) -> Self: ...
    def __sub__(self, other: Any) -> Self: ...
    def __neg__(self) -> Self: ...
    def __mul__(self, k: int) -> Self: ...
    def mul_secret(self, k: int) -> Self: ...
    def to_bytes(self) -> bytes: ...
    @property
    def is_identity(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class Group:
    """A prime-order group: its name, order, element encoding and operations."""

    name: str
    order: int
    element_length: int  # bytes of the canonical compressed encoding
    scalar_length: int
    _generator: Any
    _identity: Any
    _decode: Any  # Callable[[bytes], element]; strict; rejects the identity
    _base_mul: Any  # Callable[[int], element]; constant-time for secret scalars
    _sum: Any  # Callable[[Iterable[element]], element]

    @property
    def generator(self) -> Any:
        return self._generator

    @property
    def identity(self) -> Any:
        return self._identity

    def decode(self, data: bytes) -> Any:
        """Strictly decode a non-identity element (EncodingError otherwise)."""
        return self._decode(data)

    def base_mul(self, k: int) -> Any:
        """k·G on the constant-time path."""
        return self._base_mul(k)

    def sum(self, elements: Iterable[Any]) -> Any:
        return self._sum(elements)


_REGISTRY: dict[str, Group] = {}


def register_group(group: Group) -> None:
    _REGISTRY[group.name] = group


def group_names() -> tuple[str, ...]:
    _ensure_loaded()
    return tuple(sorted(_REGISTRY))


def _ensure_loaded() -> None:
    if "secp256k1" not in _REGISTRY:
        from cryptocore.secp256k1 import G, N, Point

        register_group(
            Group(
                name="secp256k1",
                order=N,
                element_length=33,
                scalar_length=32,
                _generator=G,
                _identity=Point.identity(),
                _decode=Point.from_bytes,
                _base_mul=Point.base_mul,
                _sum=Point.sum,
            )
        )
    if "bls12_381" not in _REGISTRY:
        import importlib

        try:
            bls = importlib.import_module("cryptocore.bls12_381")
        except ImportError:  # pragma: no cover - the BLS module is part of the package
            return
        register_group(bls.group())


def get_group(name: str) -> Group:
    """The group called ``name`` ("secp256k1" or "bls12_381" — G1 of BLS12-381)."""
    _ensure_loaded()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ParameterError(f"unknown group {name!r}") from None

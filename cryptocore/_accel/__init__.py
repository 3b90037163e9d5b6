"""Batch field arithmetic behind one :class:`Backend` protocol.

Two implementations:

* ``"python"`` — :class:`~cryptocore._accel._python.PythonBackend`, Python ints, the reference;
* ``"numba"`` — :class:`~cryptocore._accel._numba.NumbaBackend`, numba kernels on fixed 32-bit
  limbs with Montgomery multiplication, for any odd modulus below 2^256; small inputs (below a
  measured per-operation cutoff) still run on Python ints.

:func:`get_backend` picks numba when it imports, unless the environment variable
``LITHO_FIELD_BACKEND`` says ``python`` or ``numba``. The public API (:mod:`cryptocore.field`)
never mentions numba; this package is private.
"""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from cryptocore._accel._python import PythonBackend
from cryptocore.errors import ParameterError

__all__ = ["ENV_VAR", "Backend", "available_backends", "get_backend"]

ENV_VAR = "LITHO_FIELD_BACKEND"


@runtime_checkable
class Backend(Protocol):
    """Batch operations modulo ``p``: Python int sequences in, reduced Python ints out."""

    name: str

    def warm_up(self) -> None: ...
    def batch_mul(self, a: Sequence[int], b: Sequence[int], p: int) -> list[int]: ...
    def batch_inverse(self, a: Sequence[int], p: int) -> list[int]: ...
    def poly_eval_many(self, coeffs: Sequence[int], xs: Sequence[int], p: int) -> list[int]: ...
    def poly_eval_matrix(
        self, polys: Sequence[Sequence[int]], xs: Sequence[int], p: int
    ) -> list[list[int]]: ...
    def lagrange_coefficients(self, xs: Sequence[int], p: int, at: int = 0) -> list[int]: ...
    def inner_product(self, a: Sequence[int], b: Sequence[int], p: int) -> int: ...


_lock = threading.Lock()
_instances: dict[str, Backend] = {}


def _numba_importable() -> bool:
    try:
        importlib.import_module("numba")
    except ImportError:
        return False
    return True


def available_backends() -> tuple[str, ...]:
    """Names of the backends that can run here."""
    return ("numba", "python") if _numba_importable() else ("python",)


def _make(name: str) -> Backend:
    if name == "python":
        return PythonBackend()
    if name == "numba":
        try:
            mod = importlib.import_module("cryptocore._accel._numba")
        except ImportError as exc:
            raise ParameterError(
                "the numba backend is not available (numba not importable)"
            ) from exc
        backend: Backend = mod.NumbaBackend()
        return backend
    raise ParameterError(f"unknown field backend {name!r} (expected 'python' or 'numba')")


def get_backend(name: str | None = None) -> Backend:
    """The backend called ``name``; by default ``$LITHO_FIELD_BACKEND``, else numba if importable.

    Backends are created once and shared (they hold no per-call state).
    """
    if name is None:
        name = os.environ.get(ENV_VAR, "").strip().lower() or None
    if name is None:
        name = "numba" if _numba_importable() else "python"
    with _lock:
        if name not in _instances:
            _instances[name] = _make(name)
        return _instances[name]

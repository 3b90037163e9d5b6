"""One mixin for the value types that hold a secret (key shares, DKG packages, identity keys).

:class:`SecretValue` gives them what every such type needs and used to repeat:

* not hashable (``__hash__ = None``): a secret never becomes a dict key or a set member, whose
  hashing would run on the secret and keep it alive in the container;
* ``==`` compares the canonical encodings (``to_bytes()``) with :func:`hmac.compare_digest`, and
  only values of exactly the same type (a subclass is another kind of secret).

Subclasses define ``to_bytes()`` and a ``__repr__`` that redacts the secret fields. The mixin
has no instance state (``__slots__ = ()``), so it combines with slotted frozen dataclasses; those
must say ``eq=False`` so that the dataclass machinery neither replaces this ``__eq__`` nor adds a
``__hash__``.
"""

from __future__ import annotations

import hmac

__all__ = ["SecretValue"]


class SecretValue:
    """Mixin: unhashable, constant-time equality on the canonical encoding (module docstring)."""

    __slots__ = ()

    __hash__ = None  # type: ignore[assignment]

    def to_bytes(self) -> bytes:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, SecretValue)
        return hmac.compare_digest(self.to_bytes(), other.to_bytes())

"""FROST round one (RFC 9591 section 5.1): nonce generation and commitments.

``commit`` draws a hiding and a binding nonce with ``nonce_generate`` (section 4.1), which mixes
fresh randomness with the signer's secret share, and publishes their commitments
``D = d·G, E = e·G`` (constant-time base multiplication). The nonces are secret and single use:
:func:`mdkm.frost.round2.sign` consumes them, and a second use raises :class:`MisuseError`.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field

from cryptocore.encoding import expect_length
from cryptocore.errors import EncodingError, MisuseError, ParameterError
from cryptocore.rng import Rng, get_rng
from cryptocore.secp256k1 import N, Point
from mdkm.frost.ciphersuite import FROST_SECP256K1_SHA256, Ciphersuite, ciphersuite_from_header
from mdkm.keys import KeyPackage

__all__ = ["SigningCommitments", "SigningNonces", "commit", "nonce_generate"]


def nonce_generate(
    secret: int, random_bytes: bytes, ciphersuite: Ciphersuite = FROST_SECP256K1_SHA256
) -> int:
    """RFC 9591 section 4.1: H3(random_bytes || SerializeScalar(secret)).

    ``random_bytes`` must be 32 fresh random bytes; this deterministic form exists for vectors.
    """
    random_bytes = expect_length(random_bytes, 32, "nonce randomness")
    if not 0 <= secret < N:
        raise ParameterError("secret out of range")
    return ciphersuite.H3(random_bytes + secret.to_bytes(32, "big"))


@dataclass(frozen=True, slots=True, kw_only=True)
class SigningCommitments:
    """A signer's public round-one output: hiding and binding nonce commitments (D_i, E_i)."""

    hiding: Point
    binding: Point
    ciphersuite: Ciphersuite = field(default=FROST_SECP256K1_SHA256, compare=False)

    def __post_init__(self) -> None:
        for p in (self.hiding, self.binding):
            if not isinstance(p, Point):
                raise ParameterError("nonce commitments must be secp256k1 points")
            if p.is_identity:
                raise ParameterError("nonce commitment is the identity")
        if not isinstance(self.ciphersuite, Ciphersuite):
            raise ParameterError("unknown ciphersuite")

    def to_bytes(self) -> bytes:
        """header || SerializeElement(D) || SerializeElement(E) (71 bytes)."""
        return self.ciphersuite.header() + self.hiding.to_bytes() + self.binding.to_bytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> SigningCommitments:
        suite, off = ciphersuite_from_header(data, "signing commitments")
        data = expect_length(data, off + 66, "signing commitments")
        return cls(
            hiding=Point.from_bytes(data[off : off + 33]),
            binding=Point.from_bytes(data[off + 33 :]),
            ciphersuite=suite,
        )


class SigningNonces:
    """A signer's secret round-one state: (hiding, binding) nonces and their commitments.

    Single use by construction: :meth:`take` hands the nonces out once and forgets them; any
    later use raises :class:`MisuseError`. Never serialized (a stored copy could be replayed),
    repr redacted, not hashable, compared in constant time.
    """

    __slots__ = ("_binding", "_hiding", "_spent", "commitments")

    _hiding: int
    _binding: int
    _spent: bool
    commitments: SigningCommitments

    def __init__(self, hiding: int, binding: int, commitments: SigningCommitments) -> None:
        for k in (hiding, binding):
            if isinstance(k, bool) or not isinstance(k, int) or not 0 < k < N:
                raise ParameterError("nonce out of range")
        if not isinstance(commitments, SigningCommitments):
            raise ParameterError("commitments must be SigningCommitments")
        object.__setattr__(self, "_hiding", hiding)
        object.__setattr__(self, "_binding", binding)
        object.__setattr__(self, "_spent", False)
        object.__setattr__(self, "commitments", commitments)

    @classmethod
    def from_nonces(
        cls, hiding: int, binding: int, ciphersuite: Ciphersuite = FROST_SECP256K1_SHA256
    ) -> SigningNonces:
        """Nonces from scalars (tests, vectors); commitments by constant-time base_mul."""
        comm = SigningCommitments(
            hiding=Point.base_mul(hiding), binding=Point.base_mul(binding), ciphersuite=ciphersuite
        )
        return cls(hiding, binding, comm)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("SigningNonces is immutable")

    __hash__ = None  # type: ignore[assignment]

    @property
    def spent(self) -> bool:
        """True once the nonces have been used (or discarded)."""
        return self._spent

    @property
    def ciphersuite(self) -> Ciphersuite:
        return self.commitments.ciphersuite

    def take(self) -> tuple[int, int]:
        """Return (hiding, binding) exactly once; later calls raise MisuseError."""
        if self._spent:
            raise MisuseError("signing nonces were already used: never reuse FROST nonces")
        out = (self._hiding, self._binding)
        self.discard()
        return out

    def discard(self) -> None:
        """Forget the nonces without using them (e.g. after an aborted session)."""
        object.__setattr__(self, "_spent", True)
        object.__setattr__(self, "_hiding", 0)
        object.__setattr__(self, "_binding", 0)

    def __repr__(self) -> str:
        state = "spent" if self._spent else "unused"
        return f"SigningNonces(<redacted>, {state})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SigningNonces):
            return NotImplemented
        a = self._hiding.to_bytes(32, "big") + self._binding.to_bytes(32, "big")
        b = other._hiding.to_bytes(32, "big") + other._binding.to_bytes(32, "big")
        return hmac.compare_digest(a, b) and self._spent == other._spent

    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("SigningNonces cannot be pickled or copied (single use)")

    def __copy__(self) -> SigningNonces:
        raise TypeError("SigningNonces cannot be copied (single use)")

    def __deepcopy__(self, memo: object) -> SigningNonces:
        raise TypeError("SigningNonces cannot be copied (single use)")


def commit(
    secret: KeyPackage | int,
    rng: Rng | None = None,
    *,
    ciphersuite: Ciphersuite = FROST_SECP256K1_SHA256,
) -> tuple[SigningNonces, SigningCommitments]:
    """RFC 9591 section 5.1 commit(sk_i): two nonces from nonce_generate, their commitments.

    ``secret`` is the signer's :class:`KeyPackage` or its signing share. Draws 32 bytes for the
    hiding nonce, then 32 for the binding nonce (the order of the RFC's vectors).
    """
    if isinstance(secret, KeyPackage):
        if secret.group != "secp256k1":
            raise ParameterError("FROST(secp256k1) needs a secp256k1 key package")
        s = secret.signing_share
    elif isinstance(secret, int) and not isinstance(secret, bool):
        s = secret
    else:
        raise ParameterError("commit needs a KeyPackage or a signing share")
    if not 0 < s < N:
        raise ParameterError("signing share out of range")
    r = get_rng(rng)
    while True:
        hiding = nonce_generate(s, r(32), ciphersuite)
        binding = nonce_generate(s, r(32), ciphersuite)
        if hiding and binding:  # zero has probability 2^-256 per draw
            break
    comm = SigningCommitments(
        hiding=Point.base_mul(hiding), binding=Point.base_mul(binding), ciphersuite=ciphersuite
    )
    return SigningNonces(hiding, binding, comm), comm


def _decode_commitment_pair(data: bytes, suite: Ciphersuite) -> SigningCommitments:
    if len(data) != 66:
        raise EncodingError("commitment pair: expected 66 bytes")
    return SigningCommitments(
        hiding=Point.from_bytes(data[:33]), binding=Point.from_bytes(data[33:]), ciphersuite=suite
    )

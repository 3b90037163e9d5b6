"""FROST's distributed key generation (Komlo-Goldberg 2020, Figure 1; RFC 9591 section 5 defers
key generation to it; interoperable with ZcashFoundation/frost ``keys::dkg``).

Three local steps per participant, with two communication rounds between them:

* :func:`part1` — draw a polynomial ``f_i`` of degree ``t-1``; publish the Feldman commitment
  ``(a_i0·G, ..., a_i,t-1·G)`` and a Schnorr proof of knowledge of ``a_i0`` (Round1Package,
  broadcast); keep a :class:`Round1SecretPackage`.
* :func:`part2` — verify every other participant's proof of knowledge; send ``f_i(j)`` to each
  participant ``j`` privately (Round2Package, over an authenticated confidential channel).
* :func:`part3` — verify each received share against its dealer's commitment; the signing share
  is ``sum_j f_j(i)``, the group key ``sum_j a_j0·G``; verifying shares of everyone follow from the
  summed commitments.

Proof of knowledge (ZF frost ``compute_proof_of_knowledge``): ``R = k·G``,
``c = HDKG(id_i || a_i0·G || R)``, ``mu = k + a_i0·c``, with ``HDKG`` = hash_to_field (RFC 9380,
expand_message_xmd SHA-256) under DST ``contextString || "dkg"``.

Two ciphersuites: ``"secp256k1"`` (``FROST-secp256k1-SHA256-v1``, RFC 9591 section 6.5) and
``"secp256k1-tr"`` (``FROST-secp256k1-SHA256-TR-v1``, BIP340/BIP341): its proof nonces are
normalised to an even ``R`` (serialised x-only), and after the DKG the group key is made even-Y and
tweaked with an unspendable script path, ``Q = P + int(hashTapTweak(bytes(P)))·G`` (BIP341,
"If the spending conditions do not require a script path ..."), exactly as ZF's ``post_dkg``.

This protocol is *not* robust: one bad participant aborts it (the error names the culprit). The
robust protocol is :mod:`mdkm.dkg.gjkr`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from cryptocore.encoding import as_bytes, decode_scalar, read_exact
from cryptocore.errors import EncodingError, MisbehaviourError, MisuseError, ParameterError
from cryptocore.hashing import hash_to_scalar
from cryptocore.rng import Rng, random_scalar
from cryptocore.secp256k1 import N, Point, mul_add_g
from cryptocore.secp256k1.bip340 import taptweak
from cryptocore.secret import SecretValue
from mdkm.keys import KeyPackage, PublicKeyPackage, check_identifiers
from mdkm.vss import evaluate, feldman_expected, random_polynomial

__all__ = [
    "SUITES",
    "Round1Package",
    "Round1SecretPackage",
    "Round2Package",
    "Round2SecretPackage",
    "challenge",
    "part1",
    "part2",
    "part3",
    "verify_proof_of_knowledge",
]

_VERSION: Final = 1
SUITES: Final = {
    "secp256k1": (1, b"FROST-secp256k1-SHA256-v1"),
    "secp256k1-tr": (2, b"FROST-secp256k1-SHA256-TR-v1"),
}
_SUITE_BY_ID: Final = {v[0]: k for k, v in SUITES.items()}


def _suite(name: str) -> tuple[int, bytes]:
    try:
        return SUITES[name]
    except KeyError:
        raise ParameterError(f"unknown FROST ciphersuite {name!r}") from None


def _is_tr(suite: str) -> bool:
    return suite == "secp256k1-tr"


def _check_params(identifier: int, max_signers: int, min_signers: int) -> None:
    check_identifiers((identifier,), N)
    if not isinstance(min_signers, int) or not isinstance(max_signers, int):
        raise ParameterError("signer counts must be integers")
    if min_signers < 2:
        raise ParameterError("min_signers must be at least 2")
    if max_signers < min_signers:
        raise ParameterError("min_signers must not exceed max_signers")
    if max_signers >= 1 << 16:
        raise ParameterError("max_signers too large")


def challenge(identifier: int, verifying_key: Point, r: Point, suite: str = "secp256k1") -> int:
    """``HDKG(id || a_0·G || R)`` (ZF frost ``keys::dkg::challenge``), id as a 32-byte scalar."""
    _, context = _suite(suite)
    preimage = identifier.to_bytes(32, "big") + verifying_key.to_bytes() + r.to_bytes()
    return hash_to_scalar(preimage, context + b"dkg", N)


def verify_proof_of_knowledge(
    identifier: int, commitment: Sequence[Point], proof: tuple[Point, int], suite: str
) -> None:
    """Check ``mu·G == R + c·(a_0·G)``; raise MisbehaviourError naming ``identifier`` otherwise."""
    r, mu = proof
    c = challenge(identifier, commitment[0], r, suite)
    # mu and c are public: one two-scalar multiplication mu·G − c·C_0, compared with R
    if mul_add_g(mu, -c, commitment[0]) != r:
        raise MisbehaviourError("invalid proof of knowledge", culprits=(identifier,))


def _read_points(data: bytes, off: int, count: int, what: str) -> tuple[tuple[Point, ...], int]:
    pts = []
    for _ in range(count):
        b, off = read_exact(data, off, 33, what)
        pts.append(Point.from_bytes(b))
    return tuple(pts), off


# --------------------------------------------------------------------------------- packages
@dataclass(frozen=True, slots=True, kw_only=True)
class Round1Package:
    """Broadcast in round 1: the Feldman commitment and the proof of knowledge of ``a_0``."""

    suite: str
    commitment: tuple[Point, ...]
    proof_r: Point
    proof_mu: int

    def __post_init__(self) -> None:
        _suite(self.suite)
        object.__setattr__(self, "commitment", tuple(self.commitment))
        if not self.commitment:
            raise ParameterError("empty commitment")
        for c in self.commitment:
            if not isinstance(c, Point) or c.is_identity:
                raise ParameterError("commitment entries must be non-identity points")
        if not isinstance(self.proof_r, Point) or self.proof_r.is_identity:
            raise ParameterError("proof nonce commitment must be a non-identity point")
        if _is_tr(self.suite) and not self.proof_r.has_even_y():
            raise ParameterError("taproot proofs carry an even R")
        if not 0 <= self.proof_mu < N:
            raise ParameterError("proof scalar out of range")

    def proof_bytes(self) -> bytes:
        """ZF's ``Signature`` serialisation: R (33 bytes, or x-only for Taproot) || mu."""
        r = self.proof_r.xonly() if _is_tr(self.suite) else self.proof_r.to_bytes()
        return r + self.proof_mu.to_bytes(32, "big")

    @classmethod
    def decode_proof(cls, data: bytes, suite: str) -> tuple[Point, int]:
        data = as_bytes(data, "frost dkg package")
        rlen = 32 if _is_tr(suite) else 33
        if len(data) != rlen + 32:
            raise EncodingError("proof of knowledge: wrong length")
        r = Point.from_xonly(data[:32]) if _is_tr(suite) else Point.from_bytes(data[:33])
        return r, decode_scalar(data[rlen:], N, what="proof scalar")

    def to_bytes(self) -> bytes:
        sid, _ = _suite(self.suite)
        out = bytearray([_VERSION, sid])
        out += len(self.commitment).to_bytes(2, "big")
        for c in self.commitment:
            out += c.to_bytes()
        out += self.proof_bytes()
        return bytes(out)

    @classmethod
    def from_bytes(cls, data: bytes) -> Round1Package:
        data = as_bytes(data, "frost dkg package")
        if len(data) < 4 or data[0] != _VERSION or data[1] not in _SUITE_BY_ID:
            raise EncodingError("round 1 package: bad version or ciphersuite")
        suite = _SUITE_BY_ID[data[1]]
        count = int.from_bytes(data[2:4], "big")
        if count == 0:
            raise EncodingError("round 1 package: empty commitment")
        commitment, off = _read_points(data, 4, count, "round 1 package")
        r, mu = cls.decode_proof(data[off:], suite)
        return cls(suite=suite, commitment=commitment, proof_r=r, proof_mu=mu)


@dataclass(frozen=True, slots=True, kw_only=True, eq=False, repr=False)
class Round2Package(SecretValue):
    """Sent privately from dealer to one recipient in round 2: the share ``f_dealer(recipient)``."""

    suite: str
    signing_share: int

    def __post_init__(self) -> None:
        _suite(self.suite)
        if not 0 <= self.signing_share < N:
            raise ParameterError("share out of range")

    def __repr__(self) -> str:
        return f"Round2Package(suite={self.suite!r}, signing_share=<redacted>)"

    def to_bytes(self) -> bytes:
        """Secret encoding: send it only over an encrypted, authenticated channel."""
        return bytes([_VERSION, _suite(self.suite)[0]]) + self.signing_share.to_bytes(32, "big")

    @classmethod
    def from_bytes(cls, data: bytes) -> Round2Package:
        data = as_bytes(data, "frost dkg package")
        if len(data) != 34 or data[0] != _VERSION or data[1] not in _SUITE_BY_ID:
            raise EncodingError("round 2 package: bad length, version or ciphersuite")
        return cls(
            suite=_SUITE_BY_ID[data[1]],
            signing_share=decode_scalar(data[2:], N, what="share"),
        )


@dataclass(frozen=True, slots=True, kw_only=True, eq=False, repr=False)
class Round1SecretPackage(SecretValue):
    """Kept by the participant between part1 and part2 (holds the polynomial: secret)."""

    suite: str
    identifier: int
    coefficients: tuple[int, ...]
    commitment: tuple[Point, ...]
    min_signers: int
    max_signers: int

    def __post_init__(self) -> None:
        _suite(self.suite)
        _check_params(self.identifier, self.max_signers, self.min_signers)
        object.__setattr__(self, "coefficients", tuple(self.coefficients))
        object.__setattr__(self, "commitment", tuple(self.commitment))
        if len(self.coefficients) != self.min_signers or len(self.commitment) != self.min_signers:
            raise ParameterError("polynomial degree does not match min_signers")
        if any(not 0 <= a < N for a in self.coefficients) or self.coefficients[0] == 0:
            raise ParameterError("coefficient out of range")

    def __repr__(self) -> str:
        return f"Round1SecretPackage(identifier={self.identifier}, coefficients=<redacted>)"

    def to_bytes(self) -> bytes:
        """Secret encoding (store only encrypted)."""
        out = bytearray([_VERSION, _suite(self.suite)[0]])
        out += self.identifier.to_bytes(32, "big")
        out += self.min_signers.to_bytes(2, "big") + self.max_signers.to_bytes(2, "big")
        for a in self.coefficients:
            out += a.to_bytes(32, "big")
        return bytes(out)

    @classmethod
    def from_bytes(cls, data: bytes) -> Round1SecretPackage:
        data = as_bytes(data, "frost dkg package")
        if len(data) < 38 or data[0] != _VERSION or data[1] not in _SUITE_BY_ID:
            raise EncodingError("round 1 secret package: bad version or ciphersuite")
        ident = decode_scalar(data[2:34], N, what="identifier", nonzero=True)
        t = int.from_bytes(data[34:36], "big")
        n = int.from_bytes(data[36:38], "big")
        if len(data) != 38 + 32 * t:
            raise EncodingError("round 1 secret package: wrong length")
        coeffs = tuple(
            decode_scalar(data[38 + 32 * k : 70 + 32 * k], N, what="coefficient") for k in range(t)
        )
        return cls(
            suite=_SUITE_BY_ID[data[1]],
            identifier=ident,
            coefficients=coeffs,
            commitment=tuple(Point.base_mul(a) for a in coeffs),
            min_signers=t,
            max_signers=n,
        )


@dataclass(frozen=True, slots=True, kw_only=True, eq=False, repr=False)
class Round2SecretPackage(SecretValue):
    """Kept by the participant between part2 and part3: its own share ``f_i(i)`` (secret)."""

    suite: str
    identifier: int
    commitment: tuple[Point, ...]
    secret_share: int
    min_signers: int
    max_signers: int

    def __post_init__(self) -> None:
        _suite(self.suite)
        _check_params(self.identifier, self.max_signers, self.min_signers)
        object.__setattr__(self, "commitment", tuple(self.commitment))
        if len(self.commitment) != self.min_signers:
            raise ParameterError("commitment length does not match min_signers")
        if not 0 <= self.secret_share < N:
            raise ParameterError("share out of range")

    def __repr__(self) -> str:
        return f"Round2SecretPackage(identifier={self.identifier}, secret_share=<redacted>)"

    def to_bytes(self) -> bytes:
        """Secret encoding (store only encrypted)."""
        out = bytearray([_VERSION, _suite(self.suite)[0]])
        out += self.identifier.to_bytes(32, "big")
        out += self.min_signers.to_bytes(2, "big") + self.max_signers.to_bytes(2, "big")
        out += self.secret_share.to_bytes(32, "big")
        for c in self.commitment:
            out += c.to_bytes()
        return bytes(out)

    @classmethod
    def from_bytes(cls, data: bytes) -> Round2SecretPackage:
        data = as_bytes(data, "frost dkg package")
        if len(data) < 70 or data[0] != _VERSION or data[1] not in _SUITE_BY_ID:
            raise EncodingError("round 2 secret package: bad version or ciphersuite")
        ident = decode_scalar(data[2:34], N, what="identifier", nonzero=True)
        t = int.from_bytes(data[34:36], "big")
        n = int.from_bytes(data[36:38], "big")
        share = decode_scalar(data[38:70], N, what="share")
        commitment, off = _read_points(data, 70, t, "round 2 secret package")
        if off != len(data):
            raise EncodingError("round 2 secret package: trailing bytes")
        return cls(
            suite=_SUITE_BY_ID[data[1]],
            identifier=ident,
            commitment=commitment,
            secret_share=share,
            min_signers=t,
            max_signers=n,
        )


# --------------------------------------------------------------------------------- the steps
def part1(
    identifier: int,
    max_signers: int,
    min_signers: int,
    rng: Rng | None = None,
    *,
    suite: str = "secp256k1",
    coefficients: Sequence[int] | None = None,
) -> tuple[Round1SecretPackage, Round1Package]:
    """DKG part 1 (Komlo-Goldberg Fig. 1, round 1, steps 1-4).

    ``coefficients`` (``[a_0, ..., a_{t-1}]``) replaces the random polynomial; tests and the
    published vectors use it. The proof nonce is always drawn from ``rng``.
    """
    _suite(suite)
    _check_params(identifier, max_signers, min_signers)
    if coefficients is None:
        coeffs = random_polynomial(random_scalar(N, rng), min_signers - 1, N, rng)
    else:
        coeffs = list(coefficients)
        if len(coeffs) != min_signers:
            raise ParameterError("need exactly min_signers coefficients")
    secret = Round1SecretPackage(
        suite=suite,
        identifier=identifier,
        coefficients=tuple(coeffs),
        commitment=tuple(Point.base_mul(a) for a in coeffs),
        min_signers=min_signers,
        max_signers=max_signers,
    )
    k = random_scalar(N, rng)
    r = Point.base_mul(k)
    if _is_tr(suite) and not r.has_even_y():  # ZF frost-secp256k1-tr generate_nonce
        k, r = N - k, -r
    c = challenge(identifier, secret.commitment[0], r, suite)
    mu = (k + coeffs[0] * c) % N
    return secret, Round1Package(suite=suite, commitment=secret.commitment, proof_r=r, proof_mu=mu)


def _check_round1_set(
    own: int, max_signers: int, min_signers: int, suite: str, packages: Mapping[int, Round1Package]
) -> None:
    if len(packages) != max_signers - 1:
        raise ParameterError("need a round 1 package from each of the other participants")
    check_identifiers([*packages, own], N)
    for j, pkg in packages.items():
        if pkg.suite != suite:
            raise MisbehaviourError("round 1 package for another ciphersuite", culprits=(j,))
        if len(pkg.commitment) != min_signers:
            raise MisbehaviourError("commitment of the wrong length", culprits=(j,))


def part2(
    secret_package: Round1SecretPackage, round1_packages: Mapping[int, Round1Package]
) -> tuple[Round2SecretPackage, dict[int, Round2Package]]:
    """DKG part 2 (Fig. 1 round 1 step 5 and round 2 step 1): check proofs, make shares."""
    sp = secret_package
    if not isinstance(sp, Round1SecretPackage):
        raise MisuseError("part2 needs the Round1SecretPackage from part1")
    _check_round1_set(sp.identifier, sp.max_signers, sp.min_signers, sp.suite, round1_packages)
    bad = []
    for j, pkg in sorted(round1_packages.items()):
        try:
            verify_proof_of_knowledge(j, pkg.commitment, (pkg.proof_r, pkg.proof_mu), sp.suite)
        except MisbehaviourError:
            bad.append(j)
    if bad:
        raise MisbehaviourError("invalid proof of knowledge", culprits=bad)
    out = {
        j: Round2Package(suite=sp.suite, signing_share=evaluate(sp.coefficients, j, N))
        for j in sorted(round1_packages)
    }
    secret2 = Round2SecretPackage(
        suite=sp.suite,
        identifier=sp.identifier,
        commitment=sp.commitment,
        secret_share=evaluate(sp.coefficients, sp.identifier, N),
        min_signers=sp.min_signers,
        max_signers=sp.max_signers,
    )
    return secret2, out


def part3(
    secret_package: Round2SecretPackage,
    round1_packages: Mapping[int, Round1Package],
    round2_packages: Mapping[int, Round2Package],
) -> tuple[KeyPackage, PublicKeyPackage]:
    """DKG part 3 (Fig. 1 round 2 steps 2-4): verify shares, derive the key packages."""
    sp = secret_package
    if not isinstance(sp, Round2SecretPackage):
        raise MisuseError("part3 needs the Round2SecretPackage from part2")
    _check_round1_set(sp.identifier, sp.max_signers, sp.min_signers, sp.suite, round1_packages)
    if set(round2_packages) != set(round1_packages):
        raise ParameterError("round 2 packages must come from the round 1 participants")
    from cryptocore.group import get_group

    g = get_group("secp256k1")
    bad = []
    share = sp.secret_share
    for j in sorted(round1_packages):
        s = round2_packages[j].signing_share
        if Point.base_mul(s) != feldman_expected(round1_packages[j].commitment, sp.identifier, g):
            bad.append(j)
        share = (share + s) % N
    if bad:
        raise MisbehaviourError("share does not match its commitment", culprits=bad)
    commitments = [sp.commitment] + [round1_packages[j].commitment for j in sorted(round1_packages)]
    group_commitment = tuple(Point.sum(c[k] for c in commitments) for k in range(sp.min_signers))
    group_key = group_commitment[0]
    ids = sorted([*round1_packages, sp.identifier])
    verifying = {i: feldman_expected(group_commitment, i, g) for i in ids}
    if group_key.is_identity or share == 0:  # pragma: no cover - needs a DL break or 2^-256 luck
        raise MisbehaviourError("degenerate group key", culprits=ids)
    if _is_tr(sp.suite):
        # ZF frost-secp256k1-tr ``post_dkg``: make the key even-Y, then add the BIP341 tweak.
        t = taptweak(group_key.xonly(), None)
        tp = Point.base_mul(t)
        if not group_key.has_even_y():
            group_key, share = -group_key, N - share
            verifying = {i: -v for i, v in verifying.items()}
        group_key, share = group_key + tp, (share + t) % N
        verifying = {i: v + tp for i, v in verifying.items()}
    own_vs = Point.base_mul(share)
    if own_vs != verifying[sp.identifier]:  # pragma: no cover - implied by the checks above
        raise MisbehaviourError("own verifying share inconsistent", culprits=ids)
    kp = KeyPackage(
        group="secp256k1",
        identifier=sp.identifier,
        signing_share=share,
        verifying_share=own_vs,
        group_public_key=group_key,
        min_signers=sp.min_signers,
    )
    pub = PublicKeyPackage(
        group="secp256k1",
        min_signers=sp.min_signers,
        group_public_key=group_key,
        verifying_shares=verifying,
    )
    return kp, pub

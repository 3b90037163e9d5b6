"""Threshold ECDSA on secp256k1 for an honest majority, with presignatures.

Construction: Gennaro, Jarecki, Krawczyk, Rabin, "Robust Threshold DSS Signatures"
(EUROCRYPT 1996; Information and Computation 164, 2001), adapted from DSS to ECDSA, with
zero-knowledge proofs instead of error correction so that 2d+1 signers suffice and every cheater
is named.

Notation: the key x is Shamir-shared with degree d = min_signers − 1 (key share x_j, verifying
share X_j = x_j·G). Signing needs a set S of at least 2d+1 signers; d+1 colluders could
reconstruct x, so the assumption is an honest majority of S (at most d corrupted) and a static
adversary. No party ever learns x, k or k^-1.

Presign (message independent), every j in S deals (section 4 of GJKR, "Joint-RVSS" / "Joint-ZVSS"):
  u   random, degree d, Pedersen VSS (hiding)           -> u_j    shares of u  = k^-1
  a   random, degree d, Feldman VSS                     -> a_j,   A = a·G public
  z   degree 2d, constant term 0, Pedersen VSS          -> z_j    (re-randomises u·a)
  y   degree 2d, constant term 0, Pedersen VSS          -> y_j    (re-randomises the signature)
  Complaints are answered by publishing the disputed shares (justification); a dealer whose
  shares or justification do not verify is disqualified, everyone computes the same QUAL.
  Each j reveals v_j = u_j·a_j + z_j with a proof (mdkm.ecdsa.proofs) against its public
  commitments; μ = Σ λ_j v_j = u·a; R = μ^-1·A = u^-1·G, so the ECDSA nonce is k = u^-1 and
  the signers hold shares u_j of k^-1. r = R.x mod n.
Sign (one round, the message hash known):
  s_j = u_j·(m + r·x_j) + y_j with a proof against (U_j, Y_j, B_j = m·G + r·X_j);
  s = Σ λ_j s_j = k^-1 (m + r·x), normalised to low-S (BIP62/EIP-2) with recovery id v.
Public values revealed beyond the signature: A = μ·R and μ, simulatable from R.

A presignature is single use: :class:`Presignature` is consumed by :func:`sign_share`.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import ClassVar, Self

import coincurve

from cryptocore.encoding import as_bytes, decode_scalar, expect_length, read_exact
from cryptocore.errors import (
    EncodingError,
    InvalidProof,
    InvalidSignature,
    MisbehaviourError,
    MisuseError,
    ParameterError,
    ProtocolError,
)
from cryptocore.rng import Rng, random_scalar
from cryptocore.secp256k1 import G, N, Point, mul_add_g
from cryptocore.secret import SecretValue
from mdkm.ecdsa.proofs import ProductProof, prove_product, verify_product
from mdkm.keys import KeyPackage, PublicKeyPackage, check_identifiers
from mdkm.vss import evaluate, lagrange_coefficient, random_polynomial

__all__ = [
    "Complaint",
    "Justification",
    "PresignDealing",
    "PresignShare",
    "Presignature",
    "PrivateShares",
    "ProductShare",
    "SignatureShare",
    "combine_presign",
    "combine_signature",
    "pedersen_h",
    "presign_deal",
    "presign_justify",
    "presign_product",
    "presign_verify",
    "qualified_dealers",
    "required_signers",
    "sign_share",
    "verify_ecdsa",
]

_VERSION = 1
_H_DST = b"LITHO-CRYPTO-V01-ECDSA-PEDERSEN-H_secp256k1_XMD:SHA-256_SSWU_RO_"
_HALF_N = N // 2


@lru_cache(maxsize=1)
def pedersen_h() -> Point:
    """Second generator H = hash_to_curve(...) (RFC 9380): nobody knows log_G(H)."""
    from cryptocore.secp256k1 import hash_to_curve

    return hash_to_curve(b"pedersen second generator", _H_DST)


def required_signers(min_signers: int) -> int:
    """Signers needed by the honest-majority protocol for a key of threshold t = d+1: 2d+1."""
    return 2 * min_signers - 1


def _horner_points(commitment: Sequence[Point], x: int, skip_constant: bool = False) -> Point:
    """sum_k C_k x^k (or sum_k C_k x^(k+1) when the constant coefficient is omitted)."""
    acc = Point.identity()
    for c in reversed(commitment):
        acc = acc * x + c
    return acc * x if skip_constant else acc


def _points_bytes(points: Sequence[Point]) -> bytes:
    return len(points).to_bytes(2, "big") + b"".join(p.to_bytes() for p in points)


def _read_points(data: bytes, off: int, what: str) -> tuple[tuple[Point, ...], int]:
    nb, off = read_exact(data, off, 2, what)
    out = []
    for _ in range(int.from_bytes(nb, "big")):
        pb, off = read_exact(data, off, 33, what)
        out.append(Point.from_bytes(pb))
    return tuple(out), off


def _session_context(session_id: bytes, phase: bytes, signer: int) -> bytes:
    return b"ecdsa/" + phase + b"/" + session_id + signer.to_bytes(32, "big")


def _check_session(session_id: bytes) -> bytes:
    return expect_length(session_id, 32, "session id")


# ------------------------------------------------------------------ messages


@dataclass(frozen=True, slots=True, kw_only=True)
class PresignDealing:
    """Round 1 broadcast of dealer ``dealer``: its commitments (no secrets)."""

    session_id: bytes
    dealer: int
    u_commitment: tuple[Point, ...]  # Pedersen, d+1 coefficients
    a_commitment: tuple[Point, ...]  # Feldman, d+1 coefficients
    z_commitment: tuple[Point, ...]  # Pedersen, coefficients 1..2d (constant term is zero)
    y_commitment: tuple[Point, ...]  # Pedersen, coefficients 1..2d

    def __post_init__(self) -> None:
        _check_session(self.session_id)
        check_identifiers((self.dealer,), N)
        d1 = len(self.u_commitment)
        if d1 < 1 or len(self.a_commitment) != d1:
            raise EncodingError("dealing: commitment lengths disagree")
        if len(self.z_commitment) != 2 * (d1 - 1) or len(self.y_commitment) != 2 * (d1 - 1):
            raise EncodingError("dealing: zero-sharing commitment lengths disagree")
        for p in (*self.u_commitment, *self.a_commitment, *self.z_commitment, *self.y_commitment):
            if not isinstance(p, Point) or p.is_identity:
                raise EncodingError("dealing: identity or non-point commitment")

    @property
    def degree(self) -> int:
        return len(self.u_commitment) - 1

    def to_bytes(self) -> bytes:
        return (
            bytes([_VERSION, 1])
            + self.session_id
            + self.dealer.to_bytes(32, "big")
            + b"".join(
                _points_bytes(c)
                for c in (
                    self.u_commitment,
                    self.a_commitment,
                    self.z_commitment,
                    self.y_commitment,
                )
            )
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> PresignDealing:
        data = as_bytes(data, "dealing")
        if data[:2] != bytes([_VERSION, 1]):
            raise EncodingError("dealing: bad version or type")
        sid, off = read_exact(data, 2, 32, "dealing")
        db, off = read_exact(data, off, 32, "dealing")
        comms = []
        for _ in range(4):
            c, off = _read_points(data, off, "dealing")
            comms.append(c)
        if off != len(data):
            raise EncodingError("dealing: trailing bytes")
        return cls(
            session_id=sid,
            dealer=decode_scalar(db, N, what="dealer", nonzero=True),
            u_commitment=comms[0],
            a_commitment=comms[1],
            z_commitment=comms[2],
            y_commitment=comms[3],
        )


_SHARE_FIELDS = ("u", "u_blind", "a", "z", "z_blind", "y", "y_blind")


@dataclass(frozen=True, slots=True, kw_only=True, eq=False, repr=False)
class PrivateShares(SecretValue):
    """Shares from ``dealer`` to ``recipient`` (secret; sent over an encrypted channel, or
    published as a justification when the recipient complained)."""

    session_id: bytes
    dealer: int
    recipient: int
    u: int
    u_blind: int
    a: int
    z: int
    z_blind: int
    y: int
    y_blind: int

    def __post_init__(self) -> None:
        _check_session(self.session_id)
        check_identifiers({self.dealer, self.recipient}, N)
        for name in _SHARE_FIELDS:
            v = getattr(self, name)
            if not isinstance(v, int) or not 0 <= v < N:
                raise EncodingError("private shares: scalar out of range")

    def __repr__(self) -> str:
        return f"PrivateShares(dealer={self.dealer}, recipient={self.recipient}, <redacted>)"

    def to_bytes(self) -> bytes:
        return (
            bytes([_VERSION, 2])
            + self.session_id
            + self.dealer.to_bytes(32, "big")
            + self.recipient.to_bytes(32, "big")
            + b"".join(getattr(self, f).to_bytes(32, "big") for f in _SHARE_FIELDS)
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> PrivateShares:
        data = expect_length(data, 2 + 32 + 64 + 32 * len(_SHARE_FIELDS), "private shares")
        if data[:2] != bytes([_VERSION, 2]):
            raise EncodingError("private shares: bad version or type")
        vals = [decode_scalar(data[i : i + 32], N) for i in range(34, len(data), 32)]
        if vals[0] == 0 or vals[1] == 0:
            raise EncodingError("private shares: zero identifier")
        return cls(
            session_id=data[2:34],
            dealer=vals[0],
            recipient=vals[1],
            **dict(zip(_SHARE_FIELDS, vals[2:], strict=True)),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Complaint:
    """Round 2 broadcast: ``complainer`` says the shares it got from ``accused`` are bad."""

    session_id: bytes
    complainer: int
    accused: tuple[int, ...]

    def to_bytes(self) -> bytes:
        """version || 5 || session id || complainer || u16 count || accused ids (increasing)."""
        return (
            bytes([_VERSION, 5])
            + _check_session(self.session_id)
            + self.complainer.to_bytes(32, "big")
            + len(self.accused).to_bytes(2, "big")
            + b"".join(i.to_bytes(32, "big") for i in self.accused)
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> Complaint:
        """Strict decoding: ids nonzero below n, strictly increasing, never the complainer."""
        data = as_bytes(data, "complaint")
        if data[:2] != bytes([_VERSION, 5]):
            raise EncodingError("complaint: bad version or type")
        sid, off = read_exact(data, 2, 32, "complaint")
        cb, off = read_exact(data, off, 32, "complaint")
        complainer = decode_scalar(cb, N, what="complainer", nonzero=True)
        nb, off = read_exact(data, off, 2, "complaint")
        accused = []
        for _ in range(int.from_bytes(nb, "big")):
            ib, off = read_exact(data, off, 32, "complaint")
            accused.append(decode_scalar(ib, N, what="accused", nonzero=True))
        if off != len(data):
            raise EncodingError("complaint: trailing bytes")
        if any(a >= b for a, b in itertools.pairwise(accused)):
            raise EncodingError("complaint: accused ids not strictly increasing")
        if complainer in accused:
            raise EncodingError("complaint: a signer cannot accuse itself")
        return cls(session_id=sid, complainer=complainer, accused=tuple(accused))


@dataclass(frozen=True, slots=True, kw_only=True)
class Justification:
    """A dealer's answer to a complaint: the disputed shares, published."""

    session_id: bytes
    dealer: int
    shares: PrivateShares

    def to_bytes(self) -> bytes:
        """version || 6 || session id || dealer || PrivateShares encoding (fixed length)."""
        return (
            bytes([_VERSION, 6])
            + _check_session(self.session_id)
            + self.dealer.to_bytes(32, "big")
            + self.shares.to_bytes()
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> Justification:
        """Strict decoding: the published shares must come from ``dealer`` in this session."""
        data = expect_length(data, _JUSTIFICATION_LENGTH, "justification")
        if data[:2] != bytes([_VERSION, 6]):
            raise EncodingError("justification: bad version or type")
        dealer = decode_scalar(data[34:66], N, what="dealer", nonzero=True)
        shares = PrivateShares.from_bytes(data[66:])
        if shares.dealer != dealer or shares.session_id != data[2:34]:
            raise EncodingError("justification: shares from another dealer or session")
        return cls(session_id=data[2:34], dealer=dealer, shares=shares)


_PRIVATE_SHARES_LENGTH = 2 + 32 + 64 + 32 * len(_SHARE_FIELDS)
_JUSTIFICATION_LENGTH = 2 + 32 + 32 + _PRIVATE_SHARES_LENGTH


@dataclass(frozen=True, slots=True, kw_only=True)
class _ProvenShare:
    """A revealed share value with its product proof (common wire format of rounds 3 and 4):
    version || type || session id (32) || signer (32) || value (32) || proof (160)."""

    session_id: bytes
    signer: int
    value: int
    proof: ProductProof

    _TYPE: ClassVar[int] = 0
    _WHAT: ClassVar[str] = ""

    def __post_init__(self) -> None:
        _check_session(self.session_id)
        check_identifiers((self.signer,), N)
        if not isinstance(self.value, int) or not 0 <= self.value < N:
            raise EncodingError(f"{self._WHAT} out of range")

    def to_bytes(self) -> bytes:
        return (
            bytes([_VERSION, self._TYPE])
            + self.session_id
            + self.signer.to_bytes(32, "big")
            + self.value.to_bytes(32, "big")
            + self.proof.to_bytes()
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        data = expect_length(data, 2 + 32 + 64 + 160, cls._WHAT)
        if data[:2] != bytes([_VERSION, cls._TYPE]):
            raise EncodingError(f"{cls._WHAT}: bad version or type")
        return cls(
            session_id=data[2:34],
            signer=decode_scalar(data[34:66], N, what="signer", nonzero=True),
            value=decode_scalar(data[66:98], N),
            proof=ProductProof.from_bytes(data[98:]),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ProductShare(_ProvenShare):
    """Round 3 broadcast: v_j = u_j·a_j + z_j with its proof."""

    _TYPE: ClassVar[int] = 3
    _WHAT: ClassVar[str] = "product share"


@dataclass(frozen=True, slots=True, kw_only=True)
class SignatureShare(_ProvenShare):
    """Online round: s_j = u_j (m + r x_j) + y_j with its proof."""

    _TYPE: ClassVar[int] = 4
    _WHAT: ClassVar[str] = "signature share"


# ------------------------------------------------------------------ presign state


@dataclass(slots=True, eq=False, repr=False)
class _DealerSecret:
    u: list[int]
    u_blind: list[int]
    a: list[int]
    z: list[int]  # coefficients 1..2d
    z_blind: list[int]
    y: list[int]
    y_blind: list[int]


@dataclass(slots=True, eq=False, repr=False)
class PresignShare:
    """A signer's secret state between the presign rounds (not hashable, repr redacted)."""

    session_id: bytes
    identifier: int
    signers: tuple[int, ...]
    degree: int
    u: int = 0
    u_blind: int = 0
    a: int = 0
    z: int = 0
    z_blind: int = 0
    y: int = 0
    y_blind: int = 0
    received: dict[int, PrivateShares] = field(default_factory=dict)

    __hash__ = None  # type: ignore[assignment]  # holds secrets: never a dict key or set member

    def __repr__(self) -> str:
        return f"PresignShare(identifier={self.identifier}, <redacted>)"


@dataclass(slots=True, eq=False, repr=False)
class Presignature:
    """One signer's single-use presignature: public R and r, secret u_j and y_j."""

    session_id: bytes
    identifier: int
    signers: tuple[int, ...]
    R: Point
    r: int
    u_commitments: Mapping[int, Point]  # U_j for every signer (public)
    y_commitments: Mapping[int, Point]  # Y_j for every signer (public)
    _secret: tuple[int, int, int, int] | None  # (u_j, u'_j, y_j, y'_j); None once consumed

    __hash__ = None  # type: ignore[assignment]  # holds secrets: never a dict key or set member

    # Single use by construction (like frost.SigningNonces): a copy would be a second,
    # unconsumed presignature, and two messages signed with one nonce k reveal the key.
    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("Presignature cannot be pickled or copied (single use)")

    def __copy__(self) -> Presignature:
        raise TypeError("Presignature cannot be copied (single use)")

    def __deepcopy__(self, memo: object) -> Presignature:
        raise TypeError("Presignature cannot be copied (single use)")

    def __repr__(self) -> str:
        state = "consumed" if self._secret is None else "unused"
        return f"Presignature(identifier={self.identifier}, r={self.r:#x}, {state})"

    @property
    def consumed(self) -> bool:
        return self._secret is None


# ------------------------------------------------------------------ presign rounds


def presign_deal(
    key_package: KeyPackage, signers: Iterable[int], session_id: bytes, rng: Rng | None = None
) -> tuple[PresignDealing, dict[int, PrivateShares], _DealerSecret]:
    """Round 1 for dealer ``key_package.identifier``: commitments and one share set per signer."""
    sid = _check_session(session_id)
    ids = check_identifiers(signers, N)
    me = key_package.identifier
    if me not in ids:
        raise ParameterError("dealer is not in the signer set")
    d = key_package.min_signers - 1
    if len(ids) < 2 * d + 1:
        raise ParameterError("honest-majority ECDSA needs at least 2*min_signers - 1 signers")
    h = pedersen_h()
    sec = _DealerSecret(
        u=random_polynomial(random_scalar(N, rng), d, N, rng),
        u_blind=random_polynomial(random_scalar(N, rng), d, N, rng),
        a=random_polynomial(random_scalar(N, rng), d, N, rng),
        z=[random_scalar(N, rng) for _ in range(2 * d)],
        z_blind=[random_scalar(N, rng) for _ in range(2 * d)],
        y=[random_scalar(N, rng) for _ in range(2 * d)],
        y_blind=[random_scalar(N, rng) for _ in range(2 * d)],
    )

    def ped(vals: list[int], blinds: list[int]) -> tuple[Point, ...]:
        return tuple(Point.base_mul(v) + h.mul_secret(b) for v, b in zip(vals, blinds, strict=True))

    dealing = PresignDealing(
        session_id=sid,
        dealer=me,
        u_commitment=ped(sec.u, sec.u_blind),
        a_commitment=tuple(Point.base_mul(v) for v in sec.a),
        z_commitment=ped(sec.z, sec.z_blind),
        y_commitment=ped(sec.y, sec.y_blind),
    )

    def ev0(coeffs: list[int], j: int) -> int:  # polynomial with zero constant term
        return evaluate([0, *coeffs], j, N)

    shares = {
        j: PrivateShares(
            session_id=sid,
            dealer=me,
            recipient=j,
            u=evaluate(sec.u, j, N),
            u_blind=evaluate(sec.u_blind, j, N),
            a=evaluate(sec.a, j, N),
            z=ev0(sec.z, j),
            z_blind=ev0(sec.z_blind, j),
            y=ev0(sec.y, j),
            y_blind=ev0(sec.y_blind, j),
        )
        for j in ids
    }
    return dealing, shares, sec


def _shares_valid(dealing: PresignDealing, s: PrivateShares) -> bool:
    h = pedersen_h()
    j = s.recipient
    if s.dealer != dealing.dealer or s.session_id != dealing.session_id:
        return False
    checks = (
        (Point.base_mul(s.u) + h * s.u_blind, _horner_points(dealing.u_commitment, j)),
        (Point.base_mul(s.a), _horner_points(dealing.a_commitment, j)),
        (Point.base_mul(s.z) + h * s.z_blind, _horner_points(dealing.z_commitment, j, True)),
        (Point.base_mul(s.y) + h * s.y_blind, _horner_points(dealing.y_commitment, j, True)),
    )
    return all(lhs == rhs for lhs, rhs in checks)


def presign_verify(
    key_package: KeyPackage,
    signers: Iterable[int],
    session_id: bytes,
    dealings: Mapping[int, PresignDealing],
    shares: Mapping[int, PrivateShares],
) -> tuple[PresignShare, Complaint | None]:
    """Round 2: check every dealer's shares against its commitments; complain about bad ones."""
    sid = _check_session(session_id)
    ids = check_identifiers(signers, N)
    me = key_package.identifier
    d = key_package.min_signers - 1
    state = PresignShare(session_id=sid, identifier=me, signers=ids, degree=d)
    accused = []
    for i in ids:
        dealing = dealings.get(i)
        if (
            dealing is None
            or dealing.session_id != sid
            or dealing.dealer != i
            or dealing.degree != d
        ):
            accused.append(i)
            continue
        s = shares.get(i)
        if s is None or s.recipient != me or not _shares_valid(dealing, s):
            accused.append(i)
            continue
        state.received[i] = s
    complaint = (
        Complaint(session_id=sid, complainer=me, accused=tuple(accused)) if accused else None
    )
    return state, complaint


def presign_justify(
    dealer_shares: Mapping[int, PrivateShares], complaints: Iterable[Complaint], dealer: int
) -> list[Justification]:
    """A dealer publishes the shares of every signer who complained about it."""
    out = []
    for c in complaints:
        if dealer in c.accused and c.complainer in dealer_shares:
            s = dealer_shares[c.complainer]
            out.append(Justification(session_id=s.session_id, dealer=dealer, shares=s))
    return out


def qualified_dealers(
    signers: Iterable[int],
    dealings: Mapping[int, PresignDealing],
    complaints: Iterable[Complaint],
    justifications: Iterable[Justification],
) -> tuple[tuple[int, ...], dict[tuple[int, int], PrivateShares]]:
    """QUAL: dealers with a well-formed dealing and a valid justification for every complaint.

    Deterministic in public data, so every honest signer computes the same set. Also returns
    the justified shares {(dealer, complainer): shares} that complainers adopt.
    """
    ids = tuple(sorted(signers))
    just: dict[tuple[int, int], PrivateShares] = {}
    for jf in justifications:
        dealing = dealings.get(jf.dealer)
        if (
            dealing is not None
            and jf.shares.dealer == jf.dealer
            and _shares_valid(dealing, jf.shares)
        ):
            just[(jf.dealer, jf.shares.recipient)] = jf.shares
    qual = []
    for i in ids:
        if i not in dealings:
            continue
        ok = True
        for c in complaints:
            if i in c.accused and (i, c.complainer) not in just:
                ok = False
                break
        if ok:
            qual.append(i)
    return tuple(qual), just


def presign_product(
    state: PresignShare,
    qual: Sequence[int],
    dealings: Mapping[int, PresignDealing],
    justified: Mapping[tuple[int, int], PrivateShares],
    rng: Rng | None = None,
) -> ProductShare:
    """Round 3: sum the QUAL shares, reveal v_j = u_j a_j + z_j with its proof."""
    me = state.identifier
    if not qual:
        raise ProtocolError("no qualified dealer")
    acc = dict.fromkeys(_SHARE_FIELDS, 0)
    for i in qual:
        s = state.received.get(i) or justified.get((i, me))
        if s is None:
            raise ProtocolError("missing shares from a qualified dealer")
        for f in _SHARE_FIELDS:
            acc[f] = (acc[f] + getattr(s, f)) % N
    for f in _SHARE_FIELDS:
        setattr(state, f, acc[f])
    state.received.clear()
    u_pt, a_pt, z_pt, _y = _SummedCommitments.of(qual, dealings).at(me)
    v = (state.u * state.a + state.z) % N
    proof = prove_product(
        _session_context(state.session_id, b"presign", me),
        pedersen_h(),
        (u_pt, z_pt, a_pt, G * v),
        (state.u, state.u_blind, state.z, state.z_blind),
        rng,
    )
    return ProductShare(session_id=state.session_id, signer=me, value=v, proof=proof)


@dataclass(frozen=True, slots=True)
class _SummedCommitments:
    """The QUAL dealers' commitment vectors summed coefficient-wise (public; computed once)."""

    u: tuple[Point, ...]
    a: tuple[Point, ...]
    z: tuple[Point, ...]
    y: tuple[Point, ...]

    @classmethod
    def of(cls, qual: Sequence[int], dealings: Mapping[int, PresignDealing]) -> _SummedCommitments:
        def agg(attr: str) -> tuple[Point, ...]:
            length = len(getattr(dealings[qual[0]], attr))
            return tuple(
                Point.sum(getattr(dealings[i], attr)[k] for i in qual) for k in range(length)
            )

        return cls(
            agg("u_commitment"), agg("a_commitment"), agg("z_commitment"), agg("y_commitment")
        )

    def at(self, j: int) -> tuple[Point, Point, Point, Point]:
        """Public commitments to signer j's summed shares: (U_j, A_j, Z_j, Y_j)."""
        zero = Point.identity()
        return (
            _horner_points(self.u, j),
            _horner_points(self.a, j),
            _horner_points(self.z, j, True) if self.z else zero,
            _horner_points(self.y, j, True) if self.y else zero,
        )


def _check_proven_shares(
    ids: Sequence[int],
    shares: Mapping[int, _ProvenShare],
    session_id: bytes,
    context: Callable[[int], bytes],
    statement: Callable[[int, int], tuple[Point, Point, Point, Point]],
    what: str,
) -> None:
    """Verify every signer's revealed value and proof; name every missing or invalid one."""
    h = pedersen_h()
    bad = []
    for j in ids:
        sh = shares.get(j)
        if sh is None or sh.signer != j or sh.session_id != session_id:
            bad.append(j)
            continue
        try:
            verify_product(context(j), h, statement(j, sh.value), sh.proof)
        except InvalidProof:
            bad.append(j)
    if bad:
        raise MisbehaviourError(f"invalid or missing {what}", culprits=bad)


def combine_presign(
    states: Mapping[int, PresignShare] | None,
    signers: Iterable[int],
    qual: Sequence[int],
    dealings: Mapping[int, PresignDealing],
    products: Mapping[int, ProductShare],
) -> tuple[Point, int, dict[int, Point], dict[int, Point]]:
    """Verify every product share (naming cheaters), interpolate μ = u·a, and output
    (R, r, {U_j}, {Y_j}). ``states`` is unused (kept for symmetry of the in-process runner)."""
    ids = tuple(sorted(signers))
    if not qual:
        raise ProtocolError("no qualified dealer")
    summed = _SummedCommitments.of(qual, dealings)
    commitments = {j: summed.at(j) for j in ids}
    session_id = dealings[qual[0]].session_id

    def product_statement(j: int, v: int) -> tuple[Point, Point, Point, Point]:
        u_pt, a_pt, z_pt, _y = commitments[j]
        return (u_pt, z_pt, a_pt, G * v)

    _check_proven_shares(
        ids,
        products,
        session_id,
        lambda j: _session_context(session_id, b"presign", j),
        product_statement,
        "product shares",
    )
    mu = sum(products[j].value * lagrange_coefficient(j, ids, N) for j in ids) % N
    if mu == 0:
        raise ProtocolError("degenerate presignature (mu = 0); run presign again")
    a_total = Point.sum(dealings[i].a_commitment[0] for i in qual)
    big_r = a_total * pow(mu, -1, N)
    if big_r.is_identity or big_r.x % N == 0:
        raise ProtocolError("degenerate presignature (r = 0); run presign again")
    return (
        big_r,
        big_r.x % N,
        {j: c[0] for j, c in commitments.items()},
        {j: c[3] for j, c in commitments.items()},
    )


def finish_presign(
    state: PresignShare,
    big_r: Point,
    r: int,
    u_comms: Mapping[int, Point],
    y_comms: Mapping[int, Point],
) -> Presignature:
    """Turn a signer's round state into its single-use presignature."""
    return Presignature(
        session_id=state.session_id,
        identifier=state.identifier,
        signers=state.signers,
        R=big_r,
        r=r,
        u_commitments=dict(u_comms),
        y_commitments=dict(y_comms),
        _secret=(state.u, state.u_blind, state.y, state.y_blind),
    )


# ------------------------------------------------------------------ signing


def _message_scalar(message_hash: bytes) -> int:
    """SEC1 4.1.3 step 5 for a 32-byte hash: e = int(hash) mod n (bits2int with 256 bits)."""
    return int.from_bytes(expect_length(message_hash, 32, "message hash"), "big") % N


def sign_share(
    presignature: Presignature,
    key_package: KeyPackage,
    message_hash: bytes,
    rng: Rng | None = None,
) -> SignatureShare:
    """Online round: consume the presignature and produce s_j with its proof."""
    if presignature._secret is None:
        raise MisuseError("presignature already used")
    if key_package.identifier != presignature.identifier:
        raise ParameterError("key package and presignature belong to different signers")
    m = _message_scalar(message_hash)
    u, ub, y, yb = presignature._secret
    presignature._secret = None  # single use, before anything can fail later
    me = presignature.identifier
    r = presignature.r
    s = (u * ((m + r * key_package.signing_share) % N) + y) % N
    b = G * m + key_package.verifying_share * r
    proof = prove_product(
        _sign_context(presignature.session_id, me, message_hash),
        pedersen_h(),
        (presignature.u_commitments[me], presignature.y_commitments[me], b, G * s),
        (u, ub, y, yb),
        rng,
    )
    return SignatureShare(session_id=presignature.session_id, signer=me, value=s, proof=proof)


def _sign_context(session_id: bytes, signer: int, message_hash: bytes) -> bytes:
    return _session_context(session_id, b"sign", signer) + hashlib.sha256(message_hash).digest()


def combine_signature(
    public: PublicKeyPackage,
    presignature: Presignature,
    shares: Mapping[int, SignatureShare],
    message_hash: bytes,
) -> bytes:
    """Verify the shares (naming cheaters), interpolate s, normalise to low-S.

    Returns the 65-byte signature r || s || v with v in {0, 1} (recovery id of R.y parity).
    """
    m = _message_scalar(message_hash)
    ids = presignature.signers
    unknown = [i for i in shares if i not in ids]
    if unknown:
        raise MisbehaviourError("signature share from outside the signer set", culprits=unknown)
    sid = presignature.session_id

    def sign_statement(j: int, v: int) -> tuple[Point, Point, Point, Point]:
        b = mul_add_g(m, presignature.r, public.verifying_shares[j])  # m·G + r·X_j (public)
        return (presignature.u_commitments[j], presignature.y_commitments[j], b, G * v)

    _check_proven_shares(
        ids,
        shares,
        sid,
        lambda j: _sign_context(sid, j, message_hash),
        sign_statement,
        "signature shares",
    )
    s = sum(shares[j].value * lagrange_coefficient(j, ids, N) for j in ids) % N
    if s == 0:
        raise ProtocolError("degenerate signature (s = 0); use another presignature")
    r = presignature.r
    v = presignature.R.y & 1
    if presignature.R.x >= N:  # pragma: no cover - probability ~2^-128
        v |= 2
    if s > _HALF_N:  # low-S normalisation flips the recovery parity
        s = N - s
        v ^= 1
    sig = r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v])
    verify_ecdsa(public.group_public_key.to_bytes(), message_hash, sig)
    return sig


def verify_ecdsa(public_key: bytes, message_hash: bytes, signature: bytes) -> None:
    """Verify a 65-byte r||s||v (or 64-byte r||s) low-S signature with libsecp256k1.

    Raises InvalidSignature (also for high-S, as libsecp256k1 does), EncodingError for bad sizes.
    """
    expect_length(message_hash, 32, "message hash")
    if len(signature) not in (64, 65):
        raise EncodingError("ECDSA signature must be 64 or 65 bytes")
    pk = coincurve.PublicKey(Point.from_bytes(public_key).to_bytes())
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:64], "big")
    if not (0 < r < N and 0 < s < N):
        raise InvalidSignature("signature does not verify")
    try:
        ok = pk.verify(_compact_to_der(signature[:64]), message_hash, hasher=None)
    except Exception:
        ok = False
    if not ok:
        raise InvalidSignature("signature does not verify")
    if len(signature) == 65:
        try:
            rec = coincurve.PublicKey.from_signature_and_message(
                signature, message_hash, hasher=None
            )
        except Exception:
            raise InvalidSignature("signature does not verify") from None
        if rec.format() != pk.format():
            raise InvalidSignature("signature does not verify")


def _compact_to_der(rs: bytes) -> bytes:
    def enc_int(v: bytes) -> bytes:
        v = v.lstrip(b"\x00") or b"\x00"
        if v[0] & 0x80:
            v = b"\x00" + v
        return b"\x02" + bytes([len(v)]) + v

    body = enc_int(rs[:32]) + enc_int(rs[32:])
    return b"\x30" + bytes([len(body)]) + body

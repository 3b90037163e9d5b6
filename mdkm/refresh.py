"""Proactive share refresh and resharing to a new committee, both keeping the group key.

* Refresh (Herzberg, Jarecki, Krawczyk, Yung, "Proactive Secret Sharing", CRYPTO 1995, section 3):
  every holder deals a random polynomial with constant term 0 (degree t−1) under Feldman
  commitments; each new share is the old share plus the sum of the received zero-shares. The
  group key and threshold stay; old and new shares do not mix (a mixture interpolates to garbage).
* Resharing (Desmedt-Jajodia 1997; Wong, Wang, Wing, "Verifiable Secret Redistribution",
  2002): each old holder i of a qualified set deals its share x_i with a fresh polynomial
  g_i of degree t'−1 (g_i(0) = x_i) under Feldman commitments; new holder j takes
  x'_j = Σ λ_i g_i(j). The new committee checks: each dealer's constant commitment equals that
  dealer's old verifying share; the old verifying shares are consistent with the old threshold
  and the group key; every commitment vector has length t' exactly; Σ λ_i·C_i0 equals the old
  group key. So nobody can change the key or silently raise or lower a threshold.
* Weights: a participant of weight w holds w shares (w identifiers); thresholds count weight.

Shares travel over the DKG's encrypted channel in a deployment; the functions here are the
protocol steps and an in-process driver.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Self, TypeGuard

from cryptocore.encoding import as_bytes, decode_scalar, read_exact
from cryptocore.errors import EncodingError, InvalidShare, MisbehaviourError, ParameterError
from cryptocore.group import Group, get_group
from cryptocore.rng import Rng, random_scalar
from mdkm.keys import KeyPackage, PublicKeyPackage, check_identifiers
from mdkm.vss import evaluate, feldman_expected, lagrange_coefficient

__all__ = [
    "RefreshDealing",
    "ReshareDealing",
    "check_public_package",
    "refresh_apply",
    "refresh_deal",
    "refresh_in_process",
    "reshare_deal",
    "reshare_in_process",
    "reshare_receive",
    "weighted_identifiers",
    "weighted_threshold",
]


_VERSION = 1

# ------------------------------------------------------------------ refresh


class _Dealing:
    """Canonical encoding shared by both dealings (the group is given when decoding, as the
    receiving committee knows it): version || type || dealer (32) || count (2) || points."""

    __slots__ = ()
    _TYPE: ClassVar[int] = 0
    dealer: int
    commitment: tuple[Any, ...]

    def to_bytes(self) -> bytes:
        return (
            bytes([_VERSION, self._TYPE])
            + self.dealer.to_bytes(32, "big")
            + len(self.commitment).to_bytes(2, "big")
            + b"".join(c.to_bytes() for c in self.commitment)
        )

    @classmethod
    def from_bytes(cls, data: bytes, group: str) -> Self:
        g = get_group(group)
        data = as_bytes(data, "dealing")
        if data[:2] != bytes([_VERSION, cls._TYPE]):
            raise EncodingError("dealing: bad version or type")
        dealer_b, off = read_exact(data, 2, 32, "dealing")
        count_b, off = read_exact(data, off, 2, "dealing")
        points = []
        for _ in range(int.from_bytes(count_b, "big")):
            pb, off = read_exact(data, off, g.element_length, "dealing")
            points.append(g.decode(pb))
        if off != len(data):
            raise EncodingError("dealing: trailing bytes")
        dealer = decode_scalar(dealer_b, g.order, what="dealer", nonzero=True)
        return cls(dealer=dealer, commitment=tuple(points))  # type: ignore[call-arg]


@dataclass(frozen=True, slots=True, kw_only=True)
class RefreshDealing(_Dealing):
    """Public part of a refresh dealing: Feldman commitments to coefficients 1..t−1."""

    dealer: int
    commitment: tuple[Any, ...]
    _TYPE: ClassVar[int] = 1


def refresh_deal(
    key_package: KeyPackage, identifiers: Iterable[int], rng: Rng | None = None
) -> tuple[RefreshDealing, dict[int, int]]:
    """Deal a zero-sharing of degree t−1 to every current holder."""
    g = key_package.group_obj
    ids = check_identifiers(identifiers, g.order)
    coeffs = [0] + [random_scalar(g.order, rng) for _ in range(key_package.min_signers - 1)]
    commitment = tuple(g.base_mul(c) for c in coeffs[1:])
    return RefreshDealing(dealer=key_package.identifier, commitment=commitment), {
        j: evaluate(coeffs, j, g.order) for j in ids
    }


def _is_element(g: Group, p: object) -> bool:
    """A non-identity element of ``g`` (what every commitment entry must be)."""
    return isinstance(p, type(g.generator)) and not p.is_identity


def _is_scalar(s: object, g: Group) -> TypeGuard[int]:
    return isinstance(s, int) and not isinstance(s, bool) and 0 <= s < g.order


def _zero_expected(commitment: Sequence[Any], j: int, g: Group) -> Any:
    if not commitment:
        return g.identity
    return feldman_expected(commitment, j, g) * j  # Σ_k>=1 C_k j^k = j · Σ C_k j^(k-1)


def refresh_apply(
    key_package: KeyPackage,
    public: PublicKeyPackage,
    dealings: Mapping[int, RefreshDealing],
    shares: Mapping[int, int],
) -> tuple[KeyPackage, PublicKeyPackage]:
    """Verify every zero-share and return the refreshed key package and public package."""
    g = key_package.group_obj
    t = key_package.min_signers
    me = key_package.identifier
    bad = [
        i
        for i, d in dealings.items()
        if d.dealer != i
        or len(d.commitment) != t - 1
        or i not in public.verifying_shares
        or not all(_is_element(g, c) for c in d.commitment)
    ]
    if bad:
        raise MisbehaviourError("malformed refresh dealing", culprits=bad)
    if set(dealings) != set(public.verifying_shares):
        missing = set(public.verifying_shares) - set(dealings)
        raise MisbehaviourError("missing refresh dealings", culprits=missing)
    for i, d in dealings.items():
        s = shares.get(i)
        if not _is_scalar(s, g) or g.base_mul(s) != _zero_expected(d.commitment, me, g):
            raise MisbehaviourError("refresh share does not verify", culprits=[i])
    new_share = (key_package.signing_share + sum(shares.values())) % g.order
    if new_share == 0:
        raise ParameterError("refreshed share is zero; refresh again")
    new_vs = {
        j: x + g.sum(_zero_expected(d.commitment, j, g) for d in dealings.values())
        for j, x in public.verifying_shares.items()
    }
    new_public = PublicKeyPackage(
        group=public.group,
        min_signers=public.min_signers,
        group_public_key=public.group_public_key,
        verifying_shares=new_vs,
    )
    new_kp = KeyPackage(
        group=key_package.group,
        identifier=me,
        signing_share=new_share,
        verifying_share=new_vs[me],
        group_public_key=key_package.group_public_key,
        min_signers=t,
    )
    if g.base_mul(new_share) != new_vs[me]:  # pragma: no cover - implied by the checks above
        raise InvalidShare("refreshed share does not match its verifying share")
    return new_kp, new_public


def refresh_in_process(
    public: PublicKeyPackage, key_packages: Sequence[KeyPackage], rng: Rng | None = None
) -> tuple[PublicKeyPackage, list[KeyPackage]]:
    """Every holder refreshes; returns the new public package and key packages."""
    ids = [kp.identifier for kp in key_packages]
    if sorted(ids) != sorted(public.verifying_shares):
        raise ParameterError("refresh needs every current holder")
    dealt = {kp.identifier: refresh_deal(kp, ids, rng) for kp in key_packages}
    dealings = {i: d for i, (d, _s) in dealt.items()}
    out = []
    new_public = public
    for kp in key_packages:
        shares = {i: s[kp.identifier] for i, (_d, s) in dealt.items()}
        new_kp, new_public = refresh_apply(kp, public, dealings, shares)
        out.append(new_kp)
    return new_public, out


# ------------------------------------------------------------------ resharing


@dataclass(frozen=True, slots=True, kw_only=True)
class ReshareDealing(_Dealing):
    """Public part of a reshare dealing by old holder ``dealer``: commitments to g_i."""

    dealer: int
    commitment: tuple[Any, ...]
    _TYPE: ClassVar[int] = 2


def check_public_package(public: PublicKeyPackage) -> None:
    """Check that the verifying shares lie on one polynomial of degree t−1 (in the exponent)
    whose value at 0 is the group key: the old threshold is what the package claims."""
    g = public.group_obj
    ids = sorted(public.verifying_shares)
    t = public.min_signers
    if len(ids) < t:
        raise InvalidShare("fewer verifying shares than the threshold")
    base = ids[:t]

    def interp(x: int) -> Any:
        return g.sum(
            public.verifying_shares[i] * lagrange_coefficient(i, base, g.order, x) for i in base
        )

    if interp(0) != public.group_public_key:
        raise InvalidShare("verifying shares do not interpolate to the group key")
    for j in ids[t:]:
        if interp(j) != public.verifying_shares[j]:
            raise InvalidShare("verifying shares are not of the claimed threshold")


def reshare_deal(
    key_package: KeyPackage,
    new_identifiers: Iterable[int],
    new_threshold: int,
    rng: Rng | None = None,
) -> tuple[ReshareDealing, dict[int, int]]:
    """Old holder i: deal x_i with a fresh polynomial of degree t'−1 to the new committee."""
    g = key_package.group_obj
    ids = check_identifiers(new_identifiers, g.order)
    if not 1 <= new_threshold <= len(ids):
        raise ParameterError("new threshold out of range")
    coeffs = [key_package.signing_share] + [
        random_scalar(g.order, rng) for _ in range(new_threshold - 1)
    ]
    commitment = tuple(g.base_mul(c) for c in coeffs)
    return ReshareDealing(dealer=key_package.identifier, commitment=commitment), {
        j: evaluate(coeffs, j, g.order) for j in ids
    }


def reshare_receive(
    identifier: int,
    old_public: PublicKeyPackage,
    new_identifiers: Iterable[int],
    new_threshold: int,
    dealings: Mapping[int, ReshareDealing],
    shares: Mapping[int, int],
) -> tuple[KeyPackage, PublicKeyPackage]:
    """New holder j: verify everything against the OLD public package and build its package."""
    g = old_public.group_obj
    new_ids = check_identifiers(new_identifiers, g.order)
    if identifier not in new_ids:
        raise ParameterError("identifier not in the new committee")
    check_public_package(old_public)
    dealers = sorted(dealings)
    if len(dealers) < old_public.min_signers:
        raise ParameterError("fewer old holders than the old threshold took part")
    bad = [
        i
        for i in dealers
        if dealings[i].dealer != i
        or i not in old_public.verifying_shares
        or len(dealings[i].commitment) != new_threshold
        or not all(_is_element(g, c) for c in dealings[i].commitment)
        or dealings[i].commitment[0] != old_public.verifying_shares[i]
    ]
    if bad:
        raise MisbehaviourError("reshare dealing inconsistent with the old key", culprits=bad)
    for i in dealers:
        s = shares.get(i)
        if not _is_scalar(s, g) or g.base_mul(s) != feldman_expected(
            dealings[i].commitment, identifier, g
        ):
            raise MisbehaviourError("reshare share does not verify", culprits=[i])
    lam = {i: lagrange_coefficient(i, dealers, g.order) for i in dealers}
    new_share = sum(lam[i] * shares[i] for i in dealers) % g.order
    if new_share == 0:
        raise ParameterError("new share is zero; reshare again")
    # New public commitment: Σ λ_i C_i (coefficient-wise), its constant term must be the key.
    combined = [
        g.sum(dealings[i].commitment[k] * lam[i] for i in dealers) for k in range(new_threshold)
    ]
    if combined[0] != old_public.group_public_key:
        raise MisbehaviourError("resharing changes the group key", culprits=dealers)
    new_vs = {j: feldman_expected(combined, j, g) for j in new_ids}
    public = PublicKeyPackage(
        group=old_public.group,
        min_signers=new_threshold,
        group_public_key=old_public.group_public_key,
        verifying_shares=new_vs,
    )
    kp = KeyPackage(
        group=old_public.group,
        identifier=identifier,
        signing_share=new_share,
        verifying_share=new_vs[identifier],
        group_public_key=old_public.group_public_key,
        min_signers=new_threshold,
    )
    return kp, public


def reshare_in_process(
    old_public: PublicKeyPackage,
    old_key_packages: Sequence[KeyPackage],
    new_identifiers: Sequence[int],
    new_threshold: int,
    rng: Rng | None = None,
) -> tuple[PublicKeyPackage, list[KeyPackage]]:
    """Old holders (at least the old threshold of them) reshare to a new committee."""
    dealt = {
        kp.identifier: reshare_deal(kp, new_identifiers, new_threshold, rng)
        for kp in old_key_packages
    }
    dealings = {i: d for i, (d, _s) in dealt.items()}
    out = []
    public = old_public
    for j in sorted(new_identifiers):
        kp, public = reshare_receive(
            j,
            old_public,
            new_identifiers,
            new_threshold,
            dealings,
            {i: s[j] for i, (_d, s) in dealt.items()},
        )
        out.append(kp)
    return public, out


# ------------------------------------------------------------------ weights


def weighted_identifiers(weights: Mapping[str, int]) -> dict[str, tuple[int, ...]]:
    """Give each participant as many consecutive identifiers as its weight (stake units).

    Participants are ordered by name so every node computes the same assignment.
    """
    out: dict[str, tuple[int, ...]] = {}
    nxt = 1
    for name in sorted(weights):
        w = weights[name]
        if not isinstance(w, int) or w < 0:
            raise ParameterError("weights must be non-negative integers")
        out[name] = tuple(range(nxt, nxt + w))
        nxt += w
    if nxt == 1:
        raise ParameterError("total weight is zero")
    return out


def weighted_threshold(total_weight: int, fraction_num: int = 2, fraction_den: int = 3) -> int:
    """Smallest weight strictly above fraction·total (default: more than 2/3 of the weight)."""
    if total_weight <= 0:
        raise ParameterError("total weight must be positive")
    if not 0 <= fraction_num < fraction_den:
        raise ParameterError("fraction must be in [0, 1)")
    return total_weight * fraction_num // fraction_den + 1

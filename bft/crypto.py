"""Quorum cryptography behind one small interface.

:class:`QuorumCrypto` is what the replica needs from threshold signatures:

* ``sign_vote_share(message)`` — this node's (weighted) signature share;
* ``verify_share(signer, share, message)`` — check one node's share (only used when a
  combination fails, to find the culprit);
* ``combine(shares, message)`` — one threshold signature from shares of > 2/3 of the weight;
* ``verify_qc(message, signature)`` — one check of the combined signature.

:class:`ThresholdBLS` implements it with threshold BLS on BLS12-381 (:mod:`mdkm.bls`): the
certificate is a single 96-byte signature under the epoch's quorum key, whatever n is
(Boneh-Lynn-Shacham; threshold form as in Boldyreva, PKC 2003). Weighted voting: a node of
weight ``w`` holds ``w`` key packages of a Shamir sharing over ``W`` weight units with threshold
``t = floor(2W/3) + 1`` (:func:`bft.types.quorum_weight`), so any set of nodes holding more than
two thirds of the weight can sign and no smaller set can.

A fast, insecure test double with the same interface lives in :mod:`bft.testing.testcrypto`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from cryptocore.errors import (
    CryptoError,
    EncodingError,
    InvalidSignature,
    MisuseError,
    ParameterError,
)

from .types import SIG_LEN, Committee, Reader, Writer, quorum_weight

__all__ = ["QuorumCrypto", "ThresholdBLS", "assign_units", "weighted_keygen"]

_HASH_CACHE = 64  # statements whose hash to G2 is kept (a few views' votes and timeouts)


@runtime_checkable
class QuorumCrypto(Protocol):
    """Threshold signing for one epoch's committee (see module docstring)."""

    committee: Committee

    def sign_vote_share(self, message: bytes) -> bytes: ...

    def verify_share(self, signer: int, share: bytes, message: bytes) -> None: ...

    def combine(self, shares: Mapping[int, bytes], message: bytes) -> bytes: ...

    def verify_qc(self, message: bytes, signature: bytes) -> None: ...


def assign_units(committee: Committee) -> dict[int, tuple[int, ...]]:
    """Shamir identifiers (weight units 1..W) owned by each member, in member order."""
    out: dict[int, tuple[int, ...]] = {}
    nxt = 1
    for node, w in committee.weights.items():
        out[node] = tuple(range(nxt, nxt + w))
        nxt += w
    return out


def weighted_keygen(
    committee: Committee, *, use_dkg: bool = True, rng: Any = None
) -> tuple[Any, dict[int, list[Any]]]:
    """Key material for a committee: (PublicKeyPackage, {node: [KeyPackage per weight unit]}).

    Runs the MDKM DKG in-process (``mdkm.dkg.run_in_process``) over ``W`` weight units with
    threshold ``floor(2W/3) + 1``; falls back to the trusted dealer when the DKG module is not
    available or ``use_dkg`` is False. In-process means one process plays every participant:
    acceptable for the simulator and the local cluster, not for a deployment.
    """
    total = committee.total_weight
    t = quorum_weight(total)
    pkp: Any
    kps: Sequence[Any]
    result: Any = None
    if use_dkg:
        try:
            from mdkm import dkg as _dkg

            result = _dkg.run_in_process(total, t, group="bls12_381", rng=rng)
        except (ImportError, AttributeError):
            result = None
    if result is None:
        from mdkm.dealer import trusted_dealer_keygen

        result = trusted_dealer_keygen(total, t, group="bls12_381", rng=rng)
    pkp, kps = result
    by_id = {kp.identifier: kp for kp in kps}
    units = assign_units(committee)
    return pkp, {node: [by_id[u] for u in us] for node, us in units.items()}


class ThresholdBLS:
    """:class:`QuorumCrypto` with threshold BLS12-381 signatures from :mod:`mdkm.bls`.

    ``public`` is the epoch's PublicKeyPackage; ``key_packages`` are this node's (one per weight
    unit; empty for a verifier-only instance).
    """

    def __init__(self, committee: Committee, public: Any, key_packages: Sequence[Any] = ()) -> None:
        from mdkm.bls import threshold as _thr

        self._thr = _thr
        self.committee = committee
        self._public = public
        self._keys = tuple(key_packages)
        self._units = assign_units(committee)
        if public.min_signers != committee.quorum:
            raise ParameterError("quorum key threshold does not match the committee weight")
        self._group_key = public.group_public_key.to_bytes()
        self._hashed: dict[bytes, Any] = {}

    def _q(self, message: bytes) -> Any:
        """H(message) in G2, computed once per statement and reused.

        A replica signs its vote share on the statement of view v and checks the QC of view v
        (the same statement) one view later; a leader combines and checks the shares of the
        statement it may itself have signed. Hashing to the curve (RFC 9380) once instead of
        two or three times takes about 1.5 ms per statement off the critical path.
        """
        q = self._hashed.get(message)
        if q is None:
            from mdkm.bls import scheme

            q = scheme.hash_message(message)
            if len(self._hashed) >= _HASH_CACHE:
                del self._hashed[next(iter(self._hashed))]  # oldest first (insertion order)
            self._hashed[message] = q
        return q

    def __repr__(self) -> str:
        return f"ThresholdBLS(epoch={self.committee.epoch}, keys=<redacted>)"

    def sign_vote_share(self, message: bytes) -> bytes:
        if not self._keys:
            raise MisuseError("this node holds no key share in the epoch")
        w = Writer().u32(len(self._keys))
        q = self._q(message)
        for kp in self._keys:
            w.var(self._thr.sign_share_hashed(kp, q).to_bytes())
        return w.getvalue()

    def _decode(self, signer: int, share: bytes) -> list[Any]:
        units = self._units.get(signer)
        if units is None:
            raise ParameterError("share from a non-member")
        r = Reader(share, "vote share")
        n = r.u32()
        if n != len(units):
            raise EncodingError("vote share: wrong number of unit shares")
        out = [self._thr.SignatureShare.from_bytes(r.var(1024)) for _ in range(n)]
        r.done()
        if sorted(s.identifier for s in out) != list(units):
            raise EncodingError("vote share: unit shares do not belong to the signer")
        return out

    def verify_share(self, signer: int, share: bytes, message: bytes) -> None:
        from mdkm.bls import scheme

        q = self._q(message)
        for s in self._decode(signer, share):
            y = self._public.verifying_shares.get(s.identifier)
            if y is None:
                raise ParameterError("no verifying share for this unit")
            # e(Y_i, H(m)) == e(P1, sigma_i) (Boldyreva 2003, section 3)
            if not scheme.core_verify_hashed(y, q, s.signature, q.backend):
                raise InvalidSignature()

    def combine(self, shares: Mapping[int, bytes], message: bytes) -> bytes:
        unit_shares: list[Any] = []
        for signer in sorted(shares):
            unit_shares.extend(self._decode(signer, shares[signer]))
        t = self._public.min_signers
        if len(unit_shares) < t:
            raise ParameterError("not enough weight to combine")
        try:
            # shares are not checked one by one: the caller verifies the result once
            # (one pairing check) and checks shares only when that fails
            sig = self._thr.combine(
                self._public, unit_shares[:t], message, verify=False, hashed=self._q(message)
            )
        except CryptoError:
            raise InvalidSignature() from None
        return bytes(sig)

    def verify_qc(self, message: bytes, signature: bytes) -> None:
        if len(signature) != SIG_LEN:
            raise InvalidSignature()
        from mdkm.bls import scheme

        try:
            scheme.verify_hashed(self._group_key, self._q(message), signature)
        except CryptoError:
            raise InvalidSignature() from None

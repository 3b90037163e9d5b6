"""In-process driver for threshold ECDSA: every signer's rounds run in one process.

Messages between the rounds are passed through their canonical encodings, as they would travel
on a network (private shares would travel encrypted and authenticated, see ``mdkm.dkg``).
``faults`` lets tests and demos make signers misbehave, to show that cheaters are named.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

from cryptocore.errors import ParameterError
from cryptocore.rng import Rng, get_rng
from mdkm.ecdsa.protocol import (
    Complaint,
    Presignature,
    PresignDealing,
    PrivateShares,
    ProductShare,
    SignatureShare,
    combine_presign,
    combine_signature,
    finish_presign,
    presign_deal,
    presign_justify,
    presign_product,
    presign_verify,
    qualified_dealers,
    required_signers,
    sign_share,
)
from mdkm.keys import KeyPackage, PublicKeyPackage

__all__ = [
    "presign_in_process",
    "public_package_from",
    "sign_in_process",
    "sign_with_presignatures",
]


def public_package_from(key_packages: Sequence[KeyPackage]) -> PublicKeyPackage:
    """The public package implied by the given key packages (their verifying shares)."""
    first = key_packages[0]
    return PublicKeyPackage(
        group=first.group,
        min_signers=first.min_signers,
        group_public_key=first.group_public_key,
        verifying_shares={kp.identifier: kp.verifying_share for kp in key_packages},
    )


def _check_packages(key_packages: Sequence[KeyPackage]) -> tuple[int, ...]:
    if not key_packages:
        raise ParameterError("no key packages")
    first = key_packages[0]
    if first.group != "secp256k1":
        raise ParameterError("threshold ECDSA runs on secp256k1 key packages")
    for kp in key_packages:
        if kp.group_public_key != first.group_public_key or kp.min_signers != first.min_signers:
            raise ParameterError("key packages belong to different keys")
    ids = tuple(sorted(kp.identifier for kp in key_packages))
    if len(set(ids)) != len(ids):
        raise ParameterError("duplicate identifiers")
    if len(ids) < required_signers(first.min_signers):
        raise ParameterError(
            f"honest-majority ECDSA needs {required_signers(first.min_signers)} signers "
            f"for a key of threshold {first.min_signers}; got {len(ids)}"
        )
    return ids


def presign_in_process(
    key_packages: Sequence[KeyPackage],
    rng: Rng | None = None,
    faults: Mapping[int, str] | None = None,
) -> dict[int, Presignature]:
    """Run the three presign rounds for the given signers; return each one's presignature.

    ``faults`` maps a signer id to a behaviour: "bad_share" (sends a corrupted share to the
    next signer and does not justify it) or "bad_product" (reveals a wrong product share).
    Dealers named by a complaint they cannot justify are left out of QUAL; a bad product share
    raises MisbehaviourError naming the signer.
    """
    ids = _check_packages(key_packages)
    faults = dict(faults or {})
    r = get_rng(rng)
    gpk = key_packages[0].group_public_key.to_bytes()
    session_id = hashlib.sha256(
        b"LITHO-CRYPTO-V01-ECDSA-PRESIGN"
        + gpk
        + b"".join(i.to_bytes(32, "big") for i in ids)
        + r(32)
    ).digest()
    by_id = {kp.identifier: kp for kp in key_packages}

    dealings: dict[int, PresignDealing] = {}
    outgoing: dict[int, dict[int, PrivateShares]] = {}
    for i in ids:
        dealing, shares, _secret = presign_deal(by_id[i], ids, session_id, r)
        dealings[i] = PresignDealing.from_bytes(dealing.to_bytes())  # as received on the wire
        if faults.get(i) == "bad_share":
            victim = ids[(ids.index(i) + 1) % len(ids)]
            s = shares[victim]
            shares[victim] = PrivateShares.from_bytes(
                s.to_bytes()[:-32] + ((s.y_blind + 1) % (1 << 255)).to_bytes(32, "big")
            )
        outgoing[i] = shares

    states = {}
    complaints: list[Complaint] = []
    for j in ids:
        received = {i: outgoing[i][j] for i in ids}
        state, complaint = presign_verify(by_id[j], ids, session_id, dealings, received)
        states[j] = state
        if complaint is not None:
            complaints.append(complaint)

    justifications = []
    for i in ids:
        if faults.get(i) == "bad_share":
            continue  # a cheating dealer cannot justify
        justifications += presign_justify(outgoing[i], complaints, i)
    qual, justified = qualified_dealers(ids, dealings, complaints, justifications)

    products: dict[int, ProductShare] = {}
    for j in ids:
        ps = presign_product(states[j], qual, dealings, justified, r)
        if faults.get(j) == "bad_product":
            ps = ProductShare(
                session_id=ps.session_id, signer=j, value=(ps.value + 1), proof=ps.proof
            )
        products[j] = ProductShare.from_bytes(ps.to_bytes())

    big_r, rr, u_comms, y_comms = combine_presign(None, ids, qual, dealings, products)
    return {j: finish_presign(states[j], big_r, rr, u_comms, y_comms) for j in ids}


def sign_with_presignatures(
    key_packages: Sequence[KeyPackage],
    presignatures: Mapping[int, Presignature],
    message_hash: bytes,
    rng: Rng | None = None,
    faults: Mapping[int, str] | None = None,
) -> bytes:
    """The online round: every signer consumes its presignature; combine to r||s||v.

    ``faults`` may map a signer to "bad_signature_share" (a wrong s_j): it is named.
    """
    ids = _check_packages(key_packages)
    faults = dict(faults or {})
    public = public_package_from(key_packages)
    by_id = {kp.identifier: kp for kp in key_packages}
    shares: dict[int, SignatureShare] = {}
    for j in ids:
        sh = sign_share(presignatures[j], by_id[j], message_hash, rng)
        if faults.get(j) == "bad_signature_share":
            sh = SignatureShare(
                session_id=sh.session_id, signer=j, value=(sh.value + 1), proof=sh.proof
            )
        shares[j] = SignatureShare.from_bytes(sh.to_bytes())
    return combine_signature(public, presignatures[ids[0]], shares, message_hash)


def sign_in_process(
    key_packages: Sequence[KeyPackage], message_hash: bytes, rng: Rng | None = None
) -> bytes:
    """Presign and sign with all given packages taking part: 65-byte r || s || v (v in {0,1}).

    Needs at least 2·min_signers − 1 packages (honest majority; see module docs).
    """
    pres = presign_in_process(key_packages, rng)
    return sign_with_presignatures(key_packages, pres, message_hash, rng)

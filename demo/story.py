"""The cryptographic steps of the end-to-end demo, each verified; the BFT step orders them.

Every step returns the transactions it wants on chain; ``demo.__main__`` submits them to the
cluster. Each check raises on failure, so the demo exits non-zero unless everything verified.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

import coincurve
import numpy as np

import ringsig
from attestations import Claim, Reexecution, attest_in_process
from attestations import verify as verify_attestation
from attestations.examples import sample_images, tiny_classifier
from cryptocore.errors import DoubleSpendError
from cryptocore.hashing import keccak256
from cryptocore.rng import Rng
from locked_accounts import AccountKeys, LockedAccount, derive_spend_key, scan, send, send_many
from mdkm.dkg import run_in_process
from mdkm.keys import KeyPackage, PublicKeyPackage

__all__ = ["Story", "run_story"]


@dataclass
class Story:
    """What the steps produced: transactions for the chain and the committee's BLS key."""

    say: Callable[[str], None]
    rng: Rng | None = None
    transactions: list[tuple[str, bytes]] = field(default_factory=list)
    attestations: list[bytes] = field(default_factory=list)
    committee_public: PublicKeyPackage | None = None
    committee_keys: list[KeyPackage] = field(default_factory=list)

    def tx(self, kind: str, payload: bytes) -> None:
        self.transactions.append((kind, payload))


def step_committee(st: Story, n: int = 4, t: int = 3) -> None:
    st.say(f"[1] {n} validators run the robust MDKM DKG (GJKR) on BLS12-381 (threshold {t}) ...")
    pub, kps = run_in_process(n, t, group="bls12_381", rng=st.rng)
    st.committee_public, st.committee_keys = pub, kps
    st.say(
        f"    committee key {pub.group_public_key.to_bytes().hex()[:24]}...; "
        "no validator ever held the private key"
    )


def step_locked_account(st: Story) -> None:
    st.say("[2] Lock-in: 5 validators open a locked account by DKG on secp256k1 (threshold 2) ...")
    acc = LockedAccount.lock_in(5, 2, st.rng)
    st.say(f"    Ethereum address {acc.ethereum_address}")
    st.say(f"    Taproot address  {acc.taproot_address}")
    st.tx("lock-in", acc.record.to_json().encode())
    release = keccak256(b"release 1.5 ETH from " + acc.ethereum_address.encode())
    signers = acc.record.committee[:3]
    sig = acc.lock_out_ethereum(release, signers, st.rng)
    pub = coincurve.PublicKey.from_signature_and_message(sig, release, hasher=None)
    recovered = "0x" + keccak256(pub.format(compressed=False)[1:])[-20:].hex()
    if recovered != acc.ethereum_address.lower():
        raise RuntimeError("lock-out signature does not recover the account address")
    st.say(
        f"    Lock-out (Ethereum): validators {list(signers)} made one ordinary ECDSA "
        "signature; ecrecover gives the account address"
    )
    st.tx("lock-out-eth", release + sig)
    sighash = hashlib.sha256(b"taproot release").digest()
    tsig = acc.lock_out_taproot(sighash, acc.record.committee[3:], st.rng)
    if not coincurve.PublicKeyXOnly(acc.record.taproot_output_key).verify(tsig, sighash):
        raise RuntimeError("taproot lock-out does not verify")
    st.say(
        "    Lock-out (Taproot): 2 other validators made one BIP340 signature under the "
        "P2TR output key; libsecp256k1 verifies it"
    )
    st.tx("lock-out-tr", sighash + tsig)


def step_private_payment(st: Story) -> None:
    st.say("[3] A one-time account receives a payment and spends it with a ring signature ...")
    bob = AccountKeys.generate(st.rng)
    strangers = [AccountKeys.generate(st.rng) for _ in range(7)]
    outputs = [
        *send_many([s.meta_address() for s in strangers], rng=st.rng),
        send(bob.meta_address(), rng=st.rng),
    ]
    found = scan(outputs, bob.view_key, bob.meta_address().spend_public)
    if len(found.found) != 1:
        raise RuntimeError("the scanner did not find exactly Bob's output")
    mine = found.found[0].announcement
    st.say(f"    Bob's view key found his output among {len(outputs)} (view tag first)")
    x = derive_spend_key(mine, bob.view_key, bob.spend_key)
    own = mine.one_time_public.to_bytes()
    ring = ringsig.generate_public_key_set(
        own, [o.one_time_public.to_bytes() for o in outputs], 8, st.rng
    )
    msg = b"spend one-time output to a new one-time account"
    sig = ringsig.sign(msg, ring, x.scalar, st.rng)
    with ringsig.KeyImageRegistry(":memory:") as spent:
        spent.verify_and_accept(msg, ring, sig.to_bytes())
        st.say(
            f"    ring of {len(ring)} members verified; key image "
            f"{sig.key_image.hex()[:16]}... recorded"
        )
        again = ringsig.sign(b"second spend", ring[::-1], x.scalar, st.rng)
        try:
            spent.verify_and_accept(b"second spend", ring[::-1], again.to_bytes())
        except DoubleSpendError:
            st.say("    a second spend of the same output is caught by its key image")
        else:
            raise RuntimeError("double spend was not detected")
    st.tx("ring-spend", sig.to_bytes())


def step_attestation(st: Story, epoch: int = 1) -> None:
    st.say("[4] A DNN result computed elsewhere (float32) is validated within tolerances ...")
    if st.committee_public is None:
        raise RuntimeError("the committee step must run first")
    model, xs = tiny_classifier(), sample_images(3)
    claimed = np.stack([model.forward(x, np.float32, "reversed") for x in xs])
    claim = Claim(
        hashlib.sha256(b"request 42").digest(),
        model,
        xs,
        claimed,
        Reexecution(atol=1e-5, rtol=1e-4),
    )
    blob = attest_in_process(st.committee_keys[:3], claim, epoch=epoch, rng=st.rng)
    att = verify_attestation(
        blob, st.committee_public.group_public_key.to_bytes(), current_epoch=epoch
    )
    if not att.verdict:
        raise RuntimeError("an honest result failed validation")
    st.say(
        f"    3 of 4 validators re-ran the model (hash {att.model_commitment.hex()[:16]}...) "
        "and threshold-signed the attestation"
    )
    bad = claimed.copy()
    bad[0, 0] += 0.05
    bad_claim = Claim(
        hashlib.sha256(b"request 43").digest(), model, xs, bad, Reexecution(atol=1e-5, rtol=1e-4)
    )
    bad_att = verify_attestation(
        attest_in_process(st.committee_keys[1:], bad_claim, epoch=epoch, rng=st.rng),
        st.committee_public.group_public_key.to_bytes(),
    )
    if bad_att.verdict:
        raise RuntimeError("a tampered result passed validation")
    st.say("    a tampered result is attested as INVALID")
    st.attestations += [blob]
    st.tx("attestation", blob)


def run_story(say: Callable[[str], None], rng: Rng | None = None) -> Story:
    st = Story(say=say, rng=rng)
    step_committee(st)
    step_locked_account(st)
    step_private_payment(st)
    step_attestation(st)
    return st

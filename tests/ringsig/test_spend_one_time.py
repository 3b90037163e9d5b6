"""A one-time (stealth) account is received, found by the view key, and spent with a ring
signature among decoys; a second spend of it is caught by the key-image registry.

Uses locked_accounts.one_time (CryptoNote dual-key accounts, written by another part of the
library) exactly as a wallet would: send -> scan -> derive_spend_key -> ringsig.sign.
"""

from __future__ import annotations

import pathlib

import pytest

import ringsig
from cryptocore.errors import DoubleSpendError
from cryptocore.rng import deterministic_rng
from locked_accounts import AccountKeys, derive_spend_key, scan, send, send_many


def test_receive_and_spend_one_time_account_among_decoys(tmp_path: pathlib.Path) -> None:
    rng = deterministic_rng("one-time spend")
    alice = AccountKeys.generate(rng)  # the recipient
    others = [AccountKeys.generate(rng) for _ in range(6)]

    # The chain's outputs: decoys paid to other people, and one output paid to Alice.
    outputs = list(send_many([o.meta_address() for o in others], rng=rng))
    outputs.insert(3, send(alice.meta_address(), index=0, rng=rng))
    outputs += list(send_many([o.meta_address() for o in others[:4]], rng=rng))

    # Alice finds her output with the view key only.
    found = scan(outputs, alice.view_key, alice.meta_address().spend_public)
    assert [f.position for f in found.found] == [3]
    mine = found.found[0].announcement
    one_time = derive_spend_key(mine, alice.view_key, alice.spend_key)
    assert one_time.public_key() == mine.one_time_public

    # GeneratePublicKeySet: her one-time key among decoys drawn from the other outputs.
    pool = [o.one_time_public.to_bytes() for o in outputs]
    own = mine.one_time_public.to_bytes()
    ring = ringsig.generate_public_key_set(own, pool, 8, rng)
    assert own in ring

    msg = b"tx: move output 3 to a new address"
    sig = ringsig.sign(msg, ring, one_time.scalar, rng)
    ringsig.verify(msg, ring, sig)
    assert sig.key_image == ringsig.key_image(one_time.scalar)

    with ringsig.KeyImageRegistry(tmp_path / "spent.sqlite") as registry:
        registry.verify_and_accept(msg, ring, sig.to_bytes(), reference=b"tx-1")
        # Spending the same one-time account again, in another ring, is a double spend.
        ring2 = ringsig.generate_public_key_set(own, pool, 5, rng)
        msg2 = b"tx: spend output 3 again"
        sig2 = ringsig.sign(msg2, ring2, one_time.scalar, rng)
        ringsig.verify(msg2, ring2, sig2)
        assert ringsig.link(sig, sig2)
        with pytest.raises(DoubleSpendError):
            registry.verify_and_accept(msg2, ring2, sig2)

        # Another account spending its own output is not linked to Alice's spend.
        bob_out = outputs[0]
        bob = others[0]
        bob_secret = derive_spend_key(bob_out, bob.view_key, bob.spend_key)
        ring3 = ringsig.generate_public_key_set(bob_out.one_time_public.to_bytes(), pool, 6, rng)
        sig3 = ringsig.sign(b"bob", ring3, bob_secret.scalar, rng)
        assert not ringsig.link(sig, sig3)
        registry.verify_and_accept(b"bob", ring3, sig3)
        assert len(registry) == 2

"""Locked accounts: Lock-in addresses, Lock-out signatures the target chains accept, thresholds,
refresh and committee changes keeping the addresses, crash-safe records."""

from __future__ import annotations

import hashlib
import itertools
import os

import coincurve
import pytest

from cryptocore.errors import EncodingError, ParameterError, StorageError
from cryptocore.hashing import keccak256
from cryptocore.rng import deterministic_rng
from cryptocore.secp256k1 import Point
from cryptocore.storage import atomic_write
from locked_accounts import AccountRecord, LockedAccount
from locked_accounts.addresses import p2tr_output_key

ACC = LockedAccount.lock_in(5, 2, deterministic_rng("locked"))
TX_HASH = keccak256(b"release 5 ETH to 0xabc...")


def _eth_address_from_signature(sig: bytes, h: bytes) -> str:
    pub = coincurve.PublicKey.from_signature_and_message(sig, h, hasher=None)
    return "0x" + keccak256(pub.format(compressed=False)[1:])[-20:].hex()


def test_lock_in_addresses() -> None:
    y = Point.from_bytes(ACC.compressed_key)
    expected = "0x" + keccak256(y.to_bytes_uncompressed()[1:])[-20:].hex()
    assert ACC.ethereum_address.lower() == expected
    assert ACC.ethereum_address != ACC.ethereum_address.lower()  # EIP-55 mixed case
    assert ACC.taproot_address.startswith("bc1p")
    assert p2tr_output_key(ACC.taproot_address) == ACC.record.taproot_output_key
    assert ACC.record.ethereum_signers_required == 3 and ACC.record.collusion_threshold == 2


@pytest.mark.parametrize("signers", list(itertools.combinations(range(1, 6), 3))[:4])
def test_lock_out_ethereum_recovers_the_account_address(signers: tuple[int, ...]) -> None:
    ids = [ACC.record.committee[i - 1] for i in signers]
    sig = ACC.lock_out_ethereum(TX_HASH, ids, rng=deterministic_rng(str(signers)))
    assert len(sig) == 65 and sig[64] in (0, 1)
    assert _eth_address_from_signature(sig, TX_HASH) == ACC.ethereum_address.lower()


def test_lock_out_taproot_verifies_under_the_output_key() -> None:
    msg = hashlib.sha256(b"taproot sighash").digest()
    for ids in itertools.combinations(ACC.record.committee, 2):
        sig = ACC.lock_out_taproot(msg, ids, rng=deterministic_rng(str(ids)))
        assert coincurve.PublicKeyXOnly(ACC.record.taproot_output_key).verify(sig, msg)


def test_fewer_than_required_cannot_sign() -> None:
    c = ACC.record.committee
    with pytest.raises(ParameterError):
        ACC.lock_out_ethereum(TX_HASH, c[:2])
    with pytest.raises(ParameterError):
        ACC.lock_out_taproot(TX_HASH, c[:1])
    with pytest.raises(ParameterError):
        ACC.lock_out_taproot(TX_HASH, [c[0], c[0]])
    with pytest.raises(ParameterError):
        ACC.lock_out_taproot(TX_HASH, [c[0], 999])
    with pytest.raises(ParameterError):
        LockedAccount.lock_in(4, 3)  # ECDSA would need 5 validators


def test_refresh_and_committee_change_keep_addresses() -> None:
    refreshed = ACC.refresh(deterministic_rng("refresh"))
    assert refreshed.ethereum_address == ACC.ethereum_address
    assert refreshed.taproot_address == ACC.taproot_address
    assert refreshed.record.epoch == ACC.record.epoch + 1
    sig = refreshed.lock_out_ethereum(
        TX_HASH, refreshed.record.committee[:3], rng=deterministic_rng(1)
    )
    assert _eth_address_from_signature(sig, TX_HASH) == ACC.ethereum_address.lower()
    # validators 1 and 2 leave, 10..13 join; the new committee of 7 has threshold 3
    moved = refreshed.reshare(
        [3, 4, 5, 10, 11, 12, 13], 3, deterministic_rng("reshare"), old_signers=[3, 4]
    )
    assert moved.ethereum_address == ACC.ethereum_address
    assert moved.record.committee == (3, 4, 5, 10, 11, 12, 13)
    msg = hashlib.sha256(b"after reshare").digest()
    sig = moved.lock_out_taproot(msg, [5, 11, 13], rng=deterministic_rng(2))
    assert coincurve.PublicKeyXOnly(moved.record.taproot_output_key).verify(sig, msg)
    with pytest.raises(ParameterError):
        moved.lock_out_taproot(msg, [5, 11])


def test_record_persists_atomically(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "account.json"
    ACC.record.save(path)
    loaded = AccountRecord.load(path)
    assert loaded.ethereum_address == ACC.ethereum_address and loaded.epoch == 0
    text = path.read_text()
    with pytest.raises(EncodingError):
        AccountRecord.from_json(text.replace(ACC.ethereum_address, "0x" + "11" * 20))
    with pytest.raises(EncodingError):
        AccountRecord.from_json("{}")
    with pytest.raises(EncodingError):
        AccountRecord.from_json("not json")


def test_crash_during_write_leaves_the_old_record(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "account.json"
    ACC.record.save(path)
    before = path.read_bytes()

    def failing_fsync(fd: int) -> None:
        raise OSError(5, "I/O error")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(StorageError):
        atomic_write(path, b"half-written")
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["account.json"]  # no temp file left

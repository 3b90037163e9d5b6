"""Locked accounts: assets held by a key that k-of-n validators control and nobody holds.

Lock-in (design: "Locked accounts"): the validators run an MDKM DKG
(:func:`mdkm.dkg.run_in_process`, the robust GJKR protocol) and obtain a group key Y. Its
addresses on the target chains — Ethereum (EIP-55 checksummed Keccak address of Y), Bitcoin P2TR
(bech32m of the BIP341 key-path output key Q = Y + hashTapTweak(x(Y))·G) and the raw compressed
key — receive the user's asset.

Lock-out: validators threshold-sign the release on the original chain; "there is just one
signature on the final transaction": an ordinary ECDSA signature (Ethereum, :mod:`mdkm.ecdsa`)
or an ordinary BIP340 signature under Q (Taproot, :mod:`mdkm.frost_taproot`).

Thresholds. The key is a Shamir sharing of degree t − 1 (``threshold`` = t):
* Taproot lock-out (FROST): any t validators sign; fewer cannot; t colluders could learn the key.
* Ethereum lock-out (honest-majority threshold ECDSA): 2t − 1 validators sign; t colluders could
  learn the key. The record states both numbers (``ethereum_signers_required`` and
  ``collusion_threshold``); lock-in refuses a committee smaller than 2t − 1.

Refresh and committee changes (MDKM refresh / reshare) keep Y, so the addresses stay.
The public :class:`AccountRecord` persists atomically; key packages stay with their validators
(store them with :mod:`mdkm.keystore`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptocore.encoding import json_loads
from cryptocore.errors import EncodingError, ParameterError
from cryptocore.rng import Rng
from cryptocore.secp256k1 import Point
from cryptocore.storage import atomic_write, read_file
from locked_accounts.addresses import ethereum_address, p2tr_address
from mdkm import ecdsa, frost_taproot
from mdkm.keys import KeyPackage, PublicKeyPackage
from mdkm.refresh import check_public_package, refresh_in_process, reshare_in_process

__all__ = ["AccountRecord", "LockedAccount"]

_RECORD_VERSION = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountRecord:
    """The public, persisted description of a locked account."""

    public_key_package: PublicKeyPackage
    epoch: int
    network: str = "mainnet"

    def __post_init__(self) -> None:
        if self.public_key_package.group != "secp256k1":
            raise ParameterError("locked accounts use secp256k1 keys")
        if not isinstance(self.epoch, int) or self.epoch < 0:
            raise ParameterError("epoch must be a non-negative integer")
        if self.network not in ("mainnet", "testnet", "signet", "regtest"):
            raise ParameterError("unknown Bitcoin network")

    @property
    def group_public_key(self) -> Point:
        key: Point = self.public_key_package.group_public_key
        return key

    @property
    def committee(self) -> tuple[int, ...]:
        return tuple(self.public_key_package.verifying_shares)

    @property
    def threshold(self) -> int:
        """t: validators needed for a Taproot release, and colluders who could learn the key."""
        return self.public_key_package.min_signers

    @property
    def collusion_threshold(self) -> int:
        return self.threshold

    @property
    def taproot_signers_required(self) -> int:
        return self.threshold

    @property
    def ethereum_signers_required(self) -> int:
        return ecdsa.required_signers(self.threshold)

    @property
    def account_id(self) -> str:
        return hashlib.sha256(
            b"LITHO-LOCKED-ACCOUNT" + self.group_public_key.to_bytes()
        ).hexdigest()

    @property
    def compressed_key(self) -> bytes:
        return self.group_public_key.to_bytes()

    @property
    def ethereum_address(self) -> str:
        return ethereum_address(self.group_public_key)

    @property
    def taproot_output_key(self) -> bytes:
        return frost_taproot.tweaked_public_key(self.group_public_key, b"")

    @property
    def taproot_address(self) -> str:
        return p2tr_address(self.taproot_output_key, self.network)

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": _RECORD_VERSION,
                "account_id": self.account_id,
                "epoch": self.epoch,
                "network": self.network,
                "threshold": self.threshold,
                "ethereum_signers_required": self.ethereum_signers_required,
                "collusion_threshold": self.collusion_threshold,
                "committee": list(self.committee),
                "group_public_key": self.compressed_key.hex(),
                "ethereum_address": self.ethereum_address,
                "taproot_address": self.taproot_address,
                "public_key_package": self.public_key_package.to_bytes().hex(),
            },
            sort_keys=True,
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> AccountRecord:
        """Strict decoding: exactly the fields :meth:`to_json` writes, with the same JSON types
        and values (integers are integers, not floats or booleans; no unknown keys)."""
        d = json_loads(text, "account record")  # bounded depth and size; no NaN/Infinity
        try:
            if not isinstance(d, dict):
                raise EncodingError("account record: expected a JSON object")
            for name in ("version", "epoch"):
                if type(d.get(name)) is not int:  # rejects 3.0, true, "3", Infinity, NaN
                    raise EncodingError(f"account record: {name} must be an integer")
            if d["version"] != _RECORD_VERSION:
                raise EncodingError("account record: unknown version")
            if not isinstance(d.get("public_key_package"), str):
                raise EncodingError("account record: public key package must be hex")
            pkg = PublicKeyPackage.from_bytes(bytes.fromhex(d["public_key_package"]))
            rec = cls(public_key_package=pkg, epoch=d["epoch"], network=d["network"])
        except (KeyError, ValueError, TypeError) as exc:
            if isinstance(exc, EncodingError | ParameterError):
                raise
            raise EncodingError("account record: malformed") from None
        # Derived fields are stored for humans; they must agree with the key package.
        for name in ("account_id", "ethereum_address", "taproot_address"):
            if d.get(name) != getattr(rec, name):
                raise EncodingError(f"account record: {name} does not match the key")
        # Every other field too, type for type (json.dumps tells 2 from 2.0 and true from 1).
        if json.dumps(d, sort_keys=True) != json.dumps(json.loads(rec.to_json()), sort_keys=True):
            raise EncodingError("account record: fields do not match the key package")
        check_public_package(pkg)
        return rec

    def save(self, path: str | Path) -> None:
        """Atomic, durable write (temp file, fsync, rename, fsync directory)."""
        atomic_write(path, self.to_json().encode(), mode=0o644)

    @classmethod
    def load(cls, path: str | Path) -> AccountRecord:
        return cls.from_json(read_file(path))  # bytes: json_loads checks the UTF-8


class LockedAccount:
    """A locked account with an in-process committee (every key package in this process).

    In a deployment each validator holds only its own key package and runs the same protocols
    over the network; this class is the single-process form used by tests, demos and tools.
    """

    def __init__(self, record: AccountRecord, key_packages: Sequence[KeyPackage]) -> None:
        kps = {kp.identifier: kp for kp in key_packages}
        pub = record.public_key_package
        for i, kp in kps.items():
            if i not in pub.verifying_shares or kp.verifying_share != pub.verifying_shares[i]:
                raise ParameterError("key package does not belong to this account")
            if kp.group_public_key != pub.group_public_key:
                raise ParameterError("key package does not belong to this account")
        self.record = record
        self._kps = kps

    def __repr__(self) -> str:
        return (
            f"LockedAccount(ethereum={self.ethereum_address}, threshold={self.threshold}, "
            f"committee={len(self.record.committee)}, epoch={self.record.epoch})"
        )

    # -------------------------------------------------------------- lock-in
    @classmethod
    def lock_in(
        cls,
        committee_size: int,
        threshold: int,
        rng: Rng | None = None,
        *,
        network: str = "mainnet",
    ) -> LockedAccount:
        """Run the validators' DKG and open the account (epoch 0)."""
        from mdkm.dkg import run_in_process

        if not 1 <= threshold <= committee_size:
            raise ParameterError("need 1 <= threshold <= committee_size")
        if ecdsa.required_signers(threshold) > committee_size:
            raise ParameterError(
                f"an Ethereum lock-out needs {ecdsa.required_signers(threshold)} validators "
                f"(honest-majority ECDSA) for threshold {threshold}; the committee has "
                f"{committee_size}"
            )
        pub, kps = run_in_process(committee_size, threshold, "secp256k1", rng)
        return cls(AccountRecord(public_key_package=pub, epoch=0, network=network), kps)

    # -------------------------------------------------------------- addresses
    @property
    def threshold(self) -> int:
        return self.record.threshold

    @property
    def ethereum_address(self) -> str:
        return self.record.ethereum_address

    @property
    def taproot_address(self) -> str:
        return self.record.taproot_address

    @property
    def compressed_key(self) -> bytes:
        return self.record.compressed_key

    def key_packages(self, signers: Iterable[int] | None = None) -> list[KeyPackage]:
        ids = list(self._kps) if signers is None else list(signers)
        if len(set(ids)) != len(ids):
            raise ParameterError("duplicate signers")
        missing = [i for i in ids if i not in self._kps]
        if missing:
            raise ParameterError("signer is not a member of this committee")
        return [self._kps[i] for i in ids]

    # -------------------------------------------------------------- lock-out
    def lock_out_ethereum(
        self, message_hash: bytes, signers: Iterable[int], rng: Rng | None = None
    ) -> bytes:
        """65-byte r || s || v (v in {0, 1}) ECDSA signature by the given validators."""
        kps = self.key_packages(signers)
        need = self.record.ethereum_signers_required
        if len(kps) < need:
            raise ParameterError(f"an Ethereum lock-out needs {need} validators, got {len(kps)}")
        return ecdsa.sign_in_process(kps, message_hash, rng)

    def lock_out_taproot(
        self, message: bytes, signers: Iterable[int], rng: Rng | None = None
    ) -> bytes:
        """64-byte BIP340 signature under the account's P2TR output key (key-path spend)."""
        kps = self.key_packages(signers)
        if len(kps) < self.threshold:
            raise ParameterError(
                f"a Taproot lock-out needs {self.threshold} validators, got {len(kps)}"
            )
        return frost_taproot.sign_in_process(kps, message, tweak=b"", rng=rng)

    # -------------------------------------------------------------- key maintenance
    def refresh(self, rng: Rng | None = None) -> LockedAccount:
        """Proactive refresh: new shares, same key and addresses, next epoch."""
        pub, kps = refresh_in_process(self.record.public_key_package, self.key_packages(), rng)
        rec = AccountRecord(
            public_key_package=pub, epoch=self.record.epoch + 1, network=self.record.network
        )
        return LockedAccount(rec, kps)

    def reshare(
        self,
        new_committee: Sequence[int],
        new_threshold: int,
        rng: Rng | None = None,
        *,
        old_signers: Iterable[int] | None = None,
    ) -> LockedAccount:
        """Hand the key to a new committee (validators leaving and joining); same addresses."""
        if ecdsa.required_signers(new_threshold) > len(new_committee):
            raise ParameterError("the new committee is too small for an Ethereum lock-out")
        old = self.key_packages(old_signers)
        pub, kps = reshare_in_process(
            self.record.public_key_package, old, list(new_committee), new_threshold, rng
        )
        rec = AccountRecord(
            public_key_package=pub, epoch=self.record.epoch + 1, network=self.record.network
        )
        return LockedAccount(rec, kps)

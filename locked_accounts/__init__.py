"""locked_accounts: one-time (stealth) accounts, their standard profiles, and addresses.

* :mod:`locked_accounts.one_time`: the CryptoNote dual-key construction (view key, spend key,
  one-time keys with view tags) and :mod:`locked_accounts.scan`, the view-key-only scanner.
* :mod:`locked_accounts.erc5564`: ERC-5564 scheme 1 stealth addresses (Ethereum).
* :mod:`locked_accounts.bip352`: BIP352 silent payments (Bitcoin).
* :mod:`locked_accounts.locked`: Lock-in / Lock-out under k-of-n validators (LockedAccount).
* :mod:`locked_accounts.addresses`: Ethereum (EIP-55) and Bitcoin P2TR addresses of keys.
"""

from locked_accounts.addresses import ethereum_address, p2tr_address
from locked_accounts.locked import AccountRecord, LockedAccount
from locked_accounts.one_time import (
    AccountKeys,
    Announcement,
    MetaAddress,
    OneTimeSecret,
    SpendKey,
    ViewKey,
    derive_spend_key,
    is_mine,
    send,
    send_many,
)
from locked_accounts.scan import ScanResult, scan

__all__ = [
    "AccountKeys",
    "AccountRecord",
    "Announcement",
    "LockedAccount",
    "MetaAddress",
    "OneTimeSecret",
    "ScanResult",
    "SpendKey",
    "ViewKey",
    "derive_spend_key",
    "ethereum_address",
    "is_mine",
    "p2tr_address",
    "scan",
    "send",
    "send_many",
]

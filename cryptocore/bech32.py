"""Bech32 (BIP173) and Bech32m (BIP350) strings, and segwit addresses.

* :func:`bech32_encode` / :func:`bech32_decode`: the character-level format (BIP173 section
  "Bech32"; BIP350 section "Bech32m" changes only the checksum constant to ``0x2bc830a3``).
* :func:`convertbits`: the 8-to-5 / 5-to-8 regrouping with BIP173's padding rules.
* :func:`encode_segwit_address` / :func:`decode_segwit_address`: witness version + program
  (BIP173 section "Segwit address format"; BIP350 section "Addresses for segregated witness
  outputs": version 0 uses Bech32, versions 1-16 use Bech32m).

Every malformed input raises :class:`~cryptocore.errors.EncodingError`; nothing returns ``None``.
The length limit is a parameter: 90 characters for segwit addresses, 1023 for BIP352 silent
payment addresses.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from typing import Final

from cryptocore.errors import EncodingError

__all__ = [
    "CHARSET",
    "Encoding",
    "bech32_decode",
    "bech32_encode",
    "convertbits",
    "decode_segwit_address",
    "encode_segwit_address",
]

CHARSET: Final = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_CHARSET_REV: Final = {c: i for i, c in enumerate(CHARSET)}
_GEN: Final = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


class Encoding(enum.Enum):
    """Which checksum constant: BIP173 Bech32 (1) or BIP350 Bech32m (0x2bc830a3)."""

    BECH32 = 1
    BECH32M = 0x2BC830A3


def _polymod(values: Iterable[int]) -> int:
    """BIP173 ``bech32_polymod``: the BCH checksum over GF(32)."""
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            if (top >> i) & 1:
                chk ^= _GEN[i]
    return chk


def _hrp_expand(hrp: str) -> list[int]:
    """BIP173 ``bech32_hrp_expand``: high bits, a zero, then low bits of each HRP character."""
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def _create_checksum(hrp: str, data: Sequence[int], spec: Encoding) -> list[int]:
    polymod = _polymod([*_hrp_expand(hrp), *data, 0, 0, 0, 0, 0, 0]) ^ spec.value
    return [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]


def bech32_encode(hrp: str, data: Sequence[int], spec: Encoding, limit: int = 90) -> str:
    """Encode 5-bit ``data`` under ``hrp`` with a Bech32 or Bech32m checksum (lowercase)."""
    if not 1 <= len(hrp) <= 83 or any(not 33 <= ord(c) <= 126 for c in hrp):
        raise EncodingError("bech32: human-readable part must be 1-83 printable ASCII characters")
    if hrp.lower() != hrp and hrp.upper() != hrp:
        raise EncodingError("bech32: mixed-case human-readable part")
    if any(not 0 <= d < 32 for d in data):
        raise EncodingError("bech32: data values must be 5-bit")
    hrp = hrp.lower()
    out = hrp + "1" + "".join(CHARSET[d] for d in [*data, *_create_checksum(hrp, data, spec)])
    if len(out) > limit:
        raise EncodingError(f"bech32: encoding exceeds {limit} characters")
    return out


def bech32_decode(bech: str, limit: int = 90) -> tuple[str, list[int], Encoding]:
    """Decode a Bech32 or Bech32m string into (hrp, 5-bit data without checksum, encoding).

    Rules of BIP173 section "Bech32": printable ASCII only, no mixed case, the last '1' is the
    separator, HRP of 1-83 characters, at least 6 checksum characters, total length <= ``limit``.
    """
    if not isinstance(bech, str):
        raise EncodingError("bech32: expected a string")
    if any(not 33 <= ord(c) <= 126 for c in bech):
        raise EncodingError("bech32: character out of range")
    if bech.lower() != bech and bech.upper() != bech:
        raise EncodingError("bech32: mixed case")
    if len(bech) > limit:
        raise EncodingError(f"bech32: longer than {limit} characters")
    bech = bech.lower()
    pos = bech.rfind("1")
    if pos < 1:
        raise EncodingError("bech32: missing separator or empty human-readable part")
    if pos > 83:
        raise EncodingError("bech32: human-readable part longer than 83 characters")
    if pos + 7 > len(bech):
        raise EncodingError("bech32: checksum too short")
    try:
        data = [_CHARSET_REV[c] for c in bech[pos + 1 :]]
    except KeyError:
        raise EncodingError("bech32: invalid data character") from None
    hrp = bech[:pos]
    const = _polymod([*_hrp_expand(hrp), *data])
    if const == Encoding.BECH32.value:
        spec = Encoding.BECH32
    elif const == Encoding.BECH32M.value:
        spec = Encoding.BECH32M
    else:
        raise EncodingError("bech32: invalid checksum")
    return hrp, data[:-6], spec


def convertbits(data: Iterable[int], frombits: int, tobits: int, pad: bool) -> list[int]:
    """Regroup ``frombits``-bit values into ``tobits``-bit values (BIP173 reference rules).

    With ``pad`` (encoding) the last group is zero-padded. Without it (decoding) leftover bits
    must be fewer than ``frombits`` and all zero, otherwise EncodingError.
    """
    acc = 0
    bits = 0
    out: list[int] = []
    maxv = (1 << tobits) - 1
    max_acc = (1 << (frombits + tobits - 1)) - 1
    for value in data:
        if value < 0 or value >> frombits:
            raise EncodingError("convertbits: value out of range")
        acc = ((acc << frombits) | value) & max_acc
        bits += frombits
        while bits >= tobits:
            bits -= tobits
            out.append((acc >> bits) & maxv)
    if pad:
        if bits:
            out.append((acc << (tobits - bits)) & maxv)
    elif bits >= frombits:
        raise EncodingError("convertbits: more than 4 bits of padding")
    elif (acc << (tobits - bits)) & maxv:
        raise EncodingError("convertbits: non-zero padding")
    return out


def decode_segwit_address(hrp: str, addr: str) -> tuple[int, bytes]:
    """Decode a segwit address for network ``hrp`` into (witness version, witness program).

    Checks of BIP173/BIP350: expected HRP, version 0-16, program 2-40 bytes, 20 or 32 bytes for
    version 0, Bech32 for version 0 and Bech32m for versions 1-16.
    """
    hrpgot, data, spec = bech32_decode(addr)
    if hrpgot != hrp.lower():
        raise EncodingError("segwit address: wrong human-readable part")
    if not data:
        raise EncodingError("segwit address: empty data section")
    version = data[0]
    if version > 16:
        raise EncodingError("segwit address: invalid witness version")
    program = bytes(convertbits(data[1:], 5, 8, False))
    if not 2 <= len(program) <= 40:
        raise EncodingError("segwit address: invalid program length")
    if version == 0 and len(program) not in (20, 32):
        raise EncodingError("segwit address: invalid program length for witness version 0")
    expected = Encoding.BECH32 if version == 0 else Encoding.BECH32M
    if spec is not expected:
        raise EncodingError("segwit address: wrong checksum variant for this witness version")
    return version, program


def encode_segwit_address(hrp: str, version: int, program: bytes) -> str:
    """Encode a segwit address (Bech32 for version 0, Bech32m for versions 1-16)."""
    if not 0 <= version <= 16:
        raise EncodingError("segwit address: invalid witness version")
    program = bytes(program)
    if not 2 <= len(program) <= 40 or (version == 0 and len(program) not in (20, 32)):
        raise EncodingError("segwit address: invalid program length")
    spec = Encoding.BECH32 if version == 0 else Encoding.BECH32M
    addr = bech32_encode(hrp, [version, *convertbits(program, 8, 5, True)], spec)
    decode_segwit_address(hrp, addr)  # BIP173 reference: re-decode as a self-check
    return addr

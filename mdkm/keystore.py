"""Encrypted storage of key shares: EIP-2335 (BLS12-381 keystore, version 4) JSON keystores.

A keystore holds one 32-byte big-endian secret — a key share of either scalar field (secp256k1's
n or BLS12-381's r) — encrypted under a password (EIP-2335, "Specification"):

1. password → NFKD, C0 / C1 / Delete control codes stripped, UTF-8 ("Password requirements");
2. decryption key DK = scrypt (RFC 7914; n = 262144, r = 8, p = 1, dklen = 32) or
   PBKDF2-HMAC-SHA256 (RFC 8018; c = 262144, dklen = 32) over a random 32-byte salt;
3. cipher message = AES-128-CTR(key = DK[0:16], iv = random 16 bytes) of the secret (RFC 3686);
4. checksum = SHA-256(DK[16:32] || cipher message) ("Password verification").

:func:`encrypt` / :func:`decrypt` build and open the JSON object (as a ``dict``); :func:`save` /
:func:`load` write and read it atomically. A wrong password raises :class:`DecryptionError`; a
malformed keystore (missing fields, wrong lengths, unknown kdf/cipher/checksum, bad hex, KDF
parameters outside sane bounds) raises :class:`EncodingError`; file-system failures raise
:class:`StorageError` and leave any previous file intact.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import unicodedata
import uuid
from collections.abc import Mapping
from typing import Any, Final

from Crypto.Cipher import AES
from Crypto.Protocol.KDF import scrypt as _scrypt

from cryptocore.encoding import json_loads
from cryptocore.errors import (
    CryptoError,
    DecryptionError,
    EncodingError,
    ParameterError,
    StorageError,
)
from cryptocore.rng import Rng, get_rng

__all__ = [
    "PBKDF2_C",
    "SCRYPT_N",
    "SCRYPT_P",
    "SCRYPT_R",
    "decrypt",
    "encrypt",
    "load",
    "normalize_password",
    "save",
]

VERSION: Final = 4
SCRYPT_N: Final = 262144
SCRYPT_R: Final = 8
SCRYPT_P: Final = 1
PBKDF2_C: Final = 262144
DKLEN: Final = 32
SECRET_LENGTH: Final = 32

# Bounds on the KDF cost accepted from a keystore (a hostile file must not pin the CPU or
# exhaust memory); they admit the EIP's parameters with room to spare.
_MAX_SCRYPT_N: Final = 1 << 20
_MAX_SCRYPT_RP: Final = 64
_MAX_SCRYPT_MEMORY: Final = 1 << 30  # 4x EIP-2335's 256 MiB (n = 2^18, r = 8)
_MAX_SCRYPT_WORK: Final = 1 << 24  # p·r·n: 8x EIP-2335's 2^21
_MAX_PBKDF2_C: Final = 1 << 24


def normalize_password(password: str) -> bytes:
    """EIP-2335 "Password requirements": NFKD, strip C0 (0x00-0x1F), Delete (0x7F) and C1
    (0x80-0x9F) control codes, then UTF-8."""
    if not isinstance(password, str):
        raise ParameterError("password must be a str")
    nfkd = unicodedata.normalize("NFKD", password)
    kept = "".join(ch for ch in nfkd if not (ord(ch) <= 0x1F or 0x7F <= ord(ch) <= 0x9F))
    return kept.encode("utf-8")


# -- KDFs -----------------------------------------------------------------------------------------


def _kdf(function: str, params: Mapping[str, Any], password: bytes) -> bytes:
    """The decryption key from a validated ``kdf`` module."""
    salt = bytes.fromhex(params["salt"])
    if function == "scrypt":  # RFC 7914
        dk = _scrypt(password, salt, DKLEN, N=params["n"], r=params["r"], p=params["p"])
        assert isinstance(dk, bytes)
        return dk
    # PBKDF2 with HMAC-SHA256 (RFC 8018 section 5.2)
    return hashlib.pbkdf2_hmac("sha256", password, salt, params["c"], DKLEN)


def _aes_128_ctr(key: bytes, iv: bytes, data: bytes) -> bytes:
    """AES-128 in counter mode with the 16-byte IV as the initial 128-bit counter block."""
    cipher = AES.new(key, AES.MODE_CTR, nonce=b"", initial_value=iv)
    out = cipher.encrypt(data)
    assert isinstance(out, bytes)
    return out


def _checksum(dk: bytes, cipher_message: bytes) -> bytes:
    """EIP-2335 password verification: SHA-256(DK[16:32] || cipher message)."""
    return hashlib.sha256(dk[16:32] + cipher_message).digest()


# -- encrypt / decrypt ----------------------------------------------------------------------------


def encrypt(
    secret: int,
    password: str,
    kdf: str = "scrypt",
    *,
    path: str = "",
    description: str = "",
    pubkey: bytes = b"",
    rng: Rng | None = None,
    kdf_params: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """An EIP-2335 version-4 keystore (a JSON-ready ``dict``) holding ``secret``.

    ``secret`` is a scalar in [1, 2^256), stored as 32 bytes big-endian (a share of secp256k1's
    or BLS12-381's scalar field). ``kdf`` is ``"scrypt"`` (default) or ``"pbkdf2"`` with the
    EIP's parameters; ``kdf_params`` may lower the cost for tests (``{"n": 2**12}`` or
    ``{"c": 1000}``) — never do that for real keys. ``rng`` supplies the salt, IV and UUID.
    A ``pubkey`` of 48 bytes (BLS12-381 G1) or 33 bytes (secp256k1) must be the secret's public
    key; :func:`decrypt` then checks the decrypted secret against it (which EIP-2335's checksum,
    not covering the IV, cannot do alone).
    """
    if not isinstance(secret, int) or isinstance(secret, bool) or not 0 < secret < 1 << 256:
        raise ParameterError("secret must be an integer in [1, 2^256)")
    if not isinstance(path, str) or not isinstance(description, str):
        raise ParameterError("path and description must be str")
    if not isinstance(pubkey, bytes | bytearray):
        raise ParameterError("pubkey must be bytes")
    try:  # a named public key must be the secret's: decrypt checks the result against it
        _check_pubkey(secret, bytes(pubkey))
    except DecryptionError:
        raise ParameterError("pubkey is not the public key of this secret") from None
    r = get_rng(rng)
    salt, iv = r(32), r(16)
    overrides = dict(kdf_params or {})
    params: dict[str, Any]
    if kdf == "scrypt":
        params = {"dklen": DKLEN, "n": SCRYPT_N, "p": SCRYPT_P, "r": SCRYPT_R}
    elif kdf == "pbkdf2":
        params = {"dklen": DKLEN, "c": PBKDF2_C, "prf": "hmac-sha256"}
    else:
        raise ParameterError("kdf must be 'scrypt' or 'pbkdf2'")
    for key, value in overrides.items():
        if key not in params or key in ("dklen", "prf"):
            raise ParameterError(f"unknown {kdf} parameter {key!r}")
        params[key] = value
    params["salt"] = salt.hex()
    _check_kdf(kdf, params, error=ParameterError)

    dk = _kdf(kdf, params, normalize_password(password))
    cipher_message = _aes_128_ctr(dk[:16], iv, secret.to_bytes(SECRET_LENGTH, "big"))
    return {
        "crypto": {
            "kdf": {"function": kdf, "params": params, "message": ""},
            "checksum": {
                "function": "sha256",
                "params": {},
                "message": _checksum(dk, cipher_message).hex(),
            },
            "cipher": {
                "function": "aes-128-ctr",
                "params": {"iv": iv.hex()},
                "message": cipher_message.hex(),
            },
        },
        "description": description,
        "pubkey": bytes(pubkey).hex(),
        "path": path,
        "uuid": str(uuid.UUID(bytes=r(16), version=4)),
        "version": VERSION,
    }


def decrypt(keystore: Mapping[str, Any], password: str) -> int:
    """The secret in an EIP-2335 keystore.

    Raises :class:`EncodingError` for a malformed keystore and :class:`DecryptionError` when the
    checksum does not match (wrong password, or a tampered cipher message or parameters).
    """
    kdf_function, kdf_params, checksum, iv, cipher_message = _parse(keystore)
    dk = _kdf(kdf_function, kdf_params, normalize_password(password))
    if not hmac.compare_digest(_checksum(dk, cipher_message), checksum):
        raise DecryptionError("keystore checksum mismatch (wrong password?)")
    secret = int.from_bytes(_aes_128_ctr(dk[:16], iv, cipher_message), "big")
    _check_pubkey(secret, bytes.fromhex(keystore.get("pubkey", "") or ""))
    return secret


def _check_pubkey(secret: int, pubkey: bytes) -> None:
    """EIP-2335's checksum covers the cipher message but not the IV: a changed IV decrypts to
    another secret without error. When the keystore names its public key (48-byte BLS12-381 G1,
    as EIP-2335 does, or a 33-byte secp256k1 key), the decrypted secret must match it."""
    if len(pubkey) not in (33, 48):
        return  # no (or an unknown kind of) public key: nothing to check against
    try:
        if len(pubkey) == 48:
            from mdkm.bls.scheme import sk_to_pk

            derived = sk_to_pk(secret)
        else:
            from cryptocore.secp256k1 import N, Point

            if not 0 < secret < N:
                raise DecryptionError("decrypted secret does not match the keystore's pubkey")
            derived = Point.base_mul(secret).to_bytes()
    except CryptoError:
        raise DecryptionError("decrypted secret does not match the keystore's pubkey") from None
    if not hmac.compare_digest(derived, pubkey):
        raise DecryptionError("decrypted secret does not match the keystore's pubkey")


# -- validation -----------------------------------------------------------------------------------


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _check_kdf(
    function: str, params: Mapping[str, Any], *, error: type[Exception] = EncodingError
) -> None:
    if not isinstance(params, Mapping):
        raise error("kdf params must be an object")
    if params.get("dklen") != DKLEN or not _is_int(params.get("dklen")):
        raise error("kdf dklen must be 32")
    _hex(params.get("salt"), None, "kdf salt", error=error)
    if function == "scrypt":
        if set(params) != {"dklen", "n", "r", "p", "salt"}:
            raise error("scrypt params must be dklen, n, r, p, salt")
        n, r, p = params["n"], params["r"], params["p"]
        if not (_is_int(n) and _is_int(r) and _is_int(p)):
            raise error("scrypt n, r, p must be integers")
        if not (2 <= n <= _MAX_SCRYPT_N and n & (n - 1) == 0):
            raise error("scrypt n must be a power of two in [2, 2^20]")
        if not (1 <= r <= _MAX_SCRYPT_RP and 1 <= p <= _MAX_SCRYPT_RP):
            raise error("scrypt r and p out of range")
        # scrypt needs 128·r·n bytes (RFC 7914 section 2) and p sequential passes over them
        if 128 * r * n > _MAX_SCRYPT_MEMORY or p * r * n > _MAX_SCRYPT_WORK:
            raise error("scrypt cost (memory 128·r·n or work p·r·n) out of range")
    elif function == "pbkdf2":
        if set(params) != {"dklen", "c", "prf", "salt"}:
            raise error("pbkdf2 params must be dklen, c, prf, salt")
        if params["prf"] != "hmac-sha256":
            raise error("pbkdf2 prf must be hmac-sha256")
        c = params["c"]
        if not _is_int(c) or not 1 <= c <= _MAX_PBKDF2_C:
            raise error("pbkdf2 c out of range")
    else:
        raise error("unknown kdf function")


def _hex(
    value: Any, length: int | None, what: str, *, error: type[Exception] = EncodingError
) -> bytes:
    if not isinstance(value, str):
        raise error(f"{what}: expected a hex string")
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raise error(f"{what}: bad hex") from None
    if raw.hex() != value.lower() or (length is not None and len(raw) != length):
        raise error(f"{what}: wrong length or format")
    return raw


def _module(crypto: Mapping[str, Any], name: str) -> tuple[str, Mapping[str, Any], str]:
    m = crypto.get(name)
    if not isinstance(m, Mapping):
        raise EncodingError(f"keystore: missing crypto.{name}")
    function, params, message = m.get("function"), m.get("params"), m.get("message")
    if not isinstance(function, str) or not isinstance(params, Mapping):
        raise EncodingError(f"keystore: malformed crypto.{name}")
    if not isinstance(message, str):
        raise EncodingError(f"keystore: malformed crypto.{name}.message")
    return function, params, message


def _parse(
    keystore: Mapping[str, Any],
) -> tuple[str, Mapping[str, Any], bytes, bytes, bytes]:
    if not isinstance(keystore, Mapping):
        raise EncodingError("keystore: expected a JSON object")
    version = keystore.get("version")
    if not _is_int(version) or version != VERSION:
        raise EncodingError("keystore: version must be 4")
    for field in ("path", "uuid"):
        if not isinstance(keystore.get(field), str):
            raise EncodingError(f"keystore: missing {field}")
    try:
        uuid.UUID(keystore["uuid"])
    except ValueError:
        raise EncodingError("keystore: malformed uuid") from None
    if "pubkey" in keystore:
        _hex(keystore["pubkey"], None, "pubkey")
    if "description" in keystore and not isinstance(keystore["description"], str):
        raise EncodingError("keystore: description must be a string")
    crypto = keystore.get("crypto")
    if not isinstance(crypto, Mapping):
        raise EncodingError("keystore: missing crypto")

    kdf_function, kdf_params, kdf_message = _module(crypto, "kdf")
    _check_kdf(kdf_function, kdf_params)
    if kdf_message != "":
        raise EncodingError("keystore: kdf message must be empty")

    cs_function, cs_params, cs_message = _module(crypto, "checksum")
    if cs_function != "sha256" or dict(cs_params) != {}:
        raise EncodingError("keystore: unknown checksum function")
    checksum = _hex(cs_message, 32, "checksum message")

    c_function, c_params, c_message = _module(crypto, "cipher")
    if c_function != "aes-128-ctr" or set(c_params) != {"iv"}:
        raise EncodingError("keystore: unknown cipher function")
    iv = _hex(c_params["iv"], 16, "cipher iv")
    cipher_message = _hex(c_message, SECRET_LENGTH, "cipher message")
    return kdf_function, kdf_params, checksum, iv, cipher_message


# -- atomic files ---------------------------------------------------------------------------------


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def save(keystore: Mapping[str, Any], path: str | os.PathLike[str]) -> None:
    """Write ``keystore`` to ``path`` atomically (mode 0600).

    A temporary file in the same directory is written and fsync'ed, renamed over ``path``
    (``os.replace``, atomic on POSIX) and the directory fsync'ed, so after a crash ``path`` holds
    either the old or the new keystore, never a torn one. Raises :class:`StorageError`.
    """
    _parse(keystore)  # never store something that cannot be read back
    data = json.dumps(keystore, indent=2, ensure_ascii=False).encode("utf-8") + b"\n"
    target = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(target))
    tmp = os.path.join(directory, f".{os.path.basename(target)}.{uuid.uuid4().hex}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise StorageError(f"could not save keystore: {exc.strerror or exc}") from exc


def load(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a keystore written by :func:`save` (or any EIP-2335 JSON file) and validate its form.

    :class:`StorageError` if the file cannot be read; :class:`EncodingError` if it is not a
    well-formed EIP-2335 keystore.
    """
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        raise StorageError(f"could not read keystore: {exc.strerror or exc}") from exc
    # bounded depth: json.loads recurses per level (RecursionError, or a C stack overflow once
    # py_ecc has raised the recursion limit); also refuses NaN/Infinity
    obj = json_loads(raw, "keystore")
    if not isinstance(obj, dict):
        raise EncodingError("keystore: expected a JSON object")
    _parse(obj)
    return obj

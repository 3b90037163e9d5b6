"""BIP340 Schnorr signatures and BIP341 Taproot key tweaking on secp256k1.

* x-only public keys: 32 bytes, the point with that x and even y (BIP340 "lift_x").
* ``schnorr_sign(msg, secret, aux_rand)`` / ``schnorr_verify(msg, xonly_pubkey, sig)``: messages
  of any length (BIP340, "Messages of arbitrary size"), 32-byte ``aux_rand``.
* ``challenge(R_x, P_x, msg)``: e = int(hash_BIP0340/challenge(R_x || P_x || m)) mod n, for
  protocols that build BIP340 signatures from parts (FROST Taproot, adaptor signatures).
* ``taproot_tweak_pubkey`` / ``taproot_tweak_seckey``: BIP341 "Constructing and spending
  Taproot outputs" (t = hash_TapTweak(P_x || merkle_root)).

Fast path: libsecp256k1's schnorrsig module through coincurve's low-level binding
(``secp256k1_schnorrsig_sign_custom`` and ``secp256k1_schnorrsig_verify`` take a message length,
so every message size goes through C, constant time for the secret). coincurve's high-level
helpers accept 32-byte messages only, which is why the raw binding is used. A reference
implementation written from the BIP340 text on top of :class:`Point` (``_sign_reference`` /
``_verify_reference``) is kept for tests and as the executable specification.
"""

from __future__ import annotations

from typing import Final

from coincurve._libsecp256k1 import ffi, lib

from cryptocore.errors import EncodingError, InvalidSignature, ParameterError
from cryptocore.hashing import tagged_hash
from cryptocore.secp256k1.point import _CTX, G, N, P, Point

__all__ = [
    "challenge",
    "lift_x",
    "normalize_secret",
    "pubkey_gen",
    "schnorr_sign",
    "schnorr_verify",
    "taproot_tweak_pubkey",
    "taproot_tweak_seckey",
    "taptweak",
]

_EXTRAPARAMS_MAGIC: Final = bytes((0xDA, 0x6F, 0xB3, 0x8C))  # SECP256K1_SCHNORRSIG_EXTRAPARAMS


def _bytes(value: object, what: str, length: int | None = None) -> bytes:
    if not isinstance(value, bytes | bytearray | memoryview):
        raise ParameterError(f"{what}: expected bytes")
    out = bytes(value)
    if length is not None and len(out) != length:
        raise ParameterError(f"{what}: expected {length} bytes, got {len(out)}")
    return out


def _secret(secret: object) -> int:
    if not isinstance(secret, int) or isinstance(secret, bool):
        raise ParameterError("secret key: expected an int")
    if not 0 < secret < N:
        raise ParameterError("secret key: out of range [1, n)")  # no value in the message
    return secret


def lift_x(xonly_pubkey: bytes) -> Point:
    """BIP340 lift_x: the point with x-coordinate ``xonly_pubkey`` and even y (EncodingError)."""
    return Point.from_xonly(xonly_pubkey)


def normalize_secret(secret: int) -> tuple[int, Point]:
    """(d, P) with P = d*G of even y: d = secret or n - secret (BIP340 signing, step 2-3).

    Uses the constant-time base multiplication; the conditional negation is a Python integer
    operation (Python integers are not constant time).
    """
    d0 = _secret(secret)
    pub = Point.base_mul(d0)
    return (d0 if pub.has_even_y() else N - d0), pub if pub.has_even_y() else -pub


def pubkey_gen(secret: int) -> bytes:
    """BIP340 PubKey(sk): the 32-byte x-only public key of ``secret``."""
    return Point.base_mul(_secret(secret)).xonly()


def challenge(r_x: bytes, p_x: bytes, msg: bytes) -> int:
    """BIP340 challenge e = int(hash_BIP0340/challenge(bytes(R) || bytes(P) || m)) mod n."""
    r_x = _bytes(r_x, "R_x", 32)
    p_x = _bytes(p_x, "P_x", 32)
    msg = _bytes(msg, "msg")
    return int.from_bytes(tagged_hash(b"BIP0340/challenge", r_x + p_x + msg), "big") % N


# ---------------------------------------------------------------------------- fast path (C)
def _keypair(secret: int) -> object:
    kp = ffi.new("secp256k1_keypair *")
    if not lib.secp256k1_keypair_create(_CTX, kp, secret.to_bytes(32, "big")):
        raise ParameterError("secret key: out of range [1, n)")  # pragma: no cover - checked
    return kp


def _parse_xonly(xonly_pubkey: bytes) -> object:
    if not isinstance(xonly_pubkey, bytes | bytearray | memoryview):
        raise EncodingError("x-only public key: expected bytes")
    data = bytes(xonly_pubkey)
    if len(data) != 32:
        raise EncodingError(f"x-only public key: expected 32 bytes, got {len(data)}")
    pk = ffi.new("secp256k1_xonly_pubkey *")
    if not lib.secp256k1_xonly_pubkey_parse(_CTX, pk, data):
        raise EncodingError("x-only public key: not the x-coordinate of a curve point")
    return pk


def schnorr_sign(msg: bytes, secret: int, aux_rand: bytes) -> bytes:
    """BIP340 Sign(sk, m, a): a 64-byte signature (R_x || s) over a message of any length.

    ``aux_rand`` is 32 bytes of fresh randomness (BIP340 recommends it; all-zero bytes give a
    deterministic signature). The signature is verified before it is returned, as BIP340
    recommends against fault attacks.
    """
    msg = _bytes(msg, "msg")
    aux = _bytes(aux_rand, "aux_rand", 32)
    kp = _keypair(_secret(secret))
    params = ffi.new("secp256k1_schnorrsig_extraparams *")
    ffi.memmove(params.magic, _EXTRAPARAMS_MAGIC, 4)
    params.noncefp = ffi.NULL  # NULL selects secp256k1_nonce_function_bip340
    aux_buf = ffi.new("unsigned char[32]", aux)
    params.ndata = aux_buf
    sig = ffi.new("unsigned char[64]")
    if not lib.secp256k1_schnorrsig_sign_custom(_CTX, sig, msg, len(msg), kp, params):
        raise ParameterError("BIP340 signing failed")  # pragma: no cover
    out = bytes(ffi.buffer(sig, 64))
    xonly = ffi.new("secp256k1_xonly_pubkey *")
    lib.secp256k1_keypair_xonly_pub(_CTX, xonly, ffi.NULL, kp)
    if not lib.secp256k1_schnorrsig_verify(_CTX, out, msg, len(msg), xonly):
        raise ParameterError("BIP340 signature failed its own check")  # pragma: no cover
    return out


def schnorr_verify(msg: bytes, xonly_pubkey: bytes, sig: bytes) -> None:
    """BIP340 Verify(pk, m, sig): returns None or raises.

    EncodingError when the public key is not a valid x-only key (wrong length, x >= p, not on
    the curve); InvalidSignature for everything about the signature (length, r >= p, s >= n,
    the equation).
    """
    msg = _bytes(msg, "msg")
    pk = _parse_xonly(xonly_pubkey)
    if not isinstance(sig, bytes | bytearray | memoryview) or len(sig) != 64:
        raise InvalidSignature("invalid signature")
    if not lib.secp256k1_schnorrsig_verify(_CTX, bytes(sig), msg, len(msg), pk):
        raise InvalidSignature("invalid signature")


# ---------------------------------------------------------------------------- reference path
def _sign_reference(msg: bytes, secret: int, aux_rand: bytes) -> bytes:
    """BIP340 "Default Signing" step by step on Point (tests and executable specification)."""
    d, pub = normalize_secret(secret)
    aux = _bytes(aux_rand, "aux_rand", 32)
    t = d ^ int.from_bytes(tagged_hash(b"BIP0340/aux", aux), "big")
    rand = tagged_hash(b"BIP0340/nonce", t.to_bytes(32, "big") + pub.xonly() + msg)
    k0 = int.from_bytes(rand, "big") % N
    if k0 == 0:  # pragma: no cover - probability 2^-256
        raise ParameterError("BIP340: nonce is zero")
    r = Point.base_mul(k0)
    k = k0 if r.has_even_y() else N - k0
    e = challenge(r.xonly(), pub.xonly(), msg)
    sig = r.xonly() + ((k + e * d) % N).to_bytes(32, "big")
    _verify_reference(msg, pub.xonly(), sig)
    return sig


def _verify_reference(msg: bytes, xonly_pubkey: bytes, sig: bytes) -> None:
    """BIP340 "Verification" step by step on Point."""
    pub = lift_x(xonly_pubkey)
    if len(sig) != 64:
        raise InvalidSignature("invalid signature")
    r = int.from_bytes(sig[:32], "big")
    s = int.from_bytes(sig[32:], "big")
    if r >= P or s >= N:
        raise InvalidSignature("invalid signature")
    e = challenge(sig[:32], bytes(xonly_pubkey), msg)
    big_r = G * s - pub * e
    if big_r.is_identity or not big_r.has_even_y() or big_r.x != r:
        raise InvalidSignature("invalid signature")


# ---------------------------------------------------------------------------- BIP341
def taptweak(xonly_pubkey: bytes, merkle_root: bytes | None) -> int:
    """BIP341 t = int(hash_TapTweak(P_x || h)) with h = merkle_root or b"" (key path only).

    Raises ParameterError when t >= n (BIP341: the key is then unusable).
    """
    pub = _bytes(xonly_pubkey, "x-only public key", 32)
    h = b"" if merkle_root is None else _bytes(merkle_root, "merkle_root", 32)
    t = int.from_bytes(tagged_hash(b"TapTweak", pub + h), "big")
    if t >= N:  # pragma: no cover - probability 2^-128
        raise ParameterError("TapTweak: tweak is not below the group order")
    return t


def taproot_tweak_pubkey(xonly_pubkey: bytes, merkle_root: bytes | None) -> tuple[int, bytes]:
    """BIP341 taproot_tweak_pubkey: (parity of Q's y, Q_x) for Q = lift_x(P) + t*G."""
    t = taptweak(xonly_pubkey, merkle_root)
    internal = _parse_xonly(xonly_pubkey)
    full = ffi.new("secp256k1_pubkey *")
    if not lib.secp256k1_xonly_pubkey_tweak_add(_CTX, full, internal, t.to_bytes(32, "big")):
        raise ParameterError(
            "TapTweak: the output key is the point at infinity"
        )  # pragma: no cover
    out = ffi.new("secp256k1_xonly_pubkey *")
    parity = ffi.new("int *")
    lib.secp256k1_xonly_pubkey_from_pubkey(_CTX, out, parity, full)
    buf = ffi.new("unsigned char[32]")
    lib.secp256k1_xonly_pubkey_serialize(_CTX, buf, out)
    return int(parity[0]), bytes(ffi.buffer(buf, 32))


def taproot_tweak_seckey(secret: int, merkle_root: bytes | None) -> int:
    """BIP341 taproot_tweak_seckey: (d + t) mod n with d the even-y normalised secret.

    Runs in libsecp256k1 (``secp256k1_keypair_xonly_tweak_add``), so the secret is handled by
    constant-time code.
    """
    kp = _keypair(_secret(secret))
    xonly = ffi.new("secp256k1_xonly_pubkey *")
    lib.secp256k1_keypair_xonly_pub(_CTX, xonly, ffi.NULL, kp)
    buf = ffi.new("unsigned char[32]")
    lib.secp256k1_xonly_pubkey_serialize(_CTX, buf, xonly)
    t = taptweak(bytes(ffi.buffer(buf, 32)), merkle_root)
    if not lib.secp256k1_keypair_xonly_tweak_add(_CTX, kp, t.to_bytes(32, "big")):
        raise ParameterError("TapTweak: the tweaked secret is zero")  # pragma: no cover
    sec = ffi.new("unsigned char[32]")
    lib.secp256k1_keypair_sec(_CTX, sec, kp)
    out = int.from_bytes(ffi.buffer(sec, 32), "big")
    ffi.memmove(sec, bytes(32), 32)
    ffi.memmove(kp, bytes(ffi.sizeof("secp256k1_keypair")), ffi.sizeof("secp256k1_keypair"))
    return out

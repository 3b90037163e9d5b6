"""RFC 9591 Appendix E.5 (FROST(secp256k1, SHA-256)) and ZF frost-secp256k1-tr vectors.

Every intermediate value is reproduced: shares, verifying key, nonces from the given randomness,
commitments, binding factor inputs and factors, signature shares, final signature.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import coincurve
import pytest

import mdkm.frost as frost
import mdkm.frost_taproot as tr
from cryptocore.hashing import hash_to_scalar
from cryptocore.secp256k1 import N, Point
from mdkm.dealer import key_packages_from_shares
from mdkm.frost.package import binding_factor_prefix
from mdkm.vss import evaluate
from tests.conftest import vectors_dir

RFC = "rfc9591-frost-secp256k1-sha256.json"
ZF_TR = "zf-frost-secp256k1-tr-vectors.json"


def _load(name: str) -> dict[str, Any]:
    return json.loads((vectors_dir() / "frost" / name).read_text())


def _rng_from(chunks: list[bytes]) -> Callable[[int], bytes]:
    def rng(n: int) -> bytes:
        out = chunks.pop(0)
        assert len(out) == n
        return out

    return rng


def _replay(v: dict[str, Any], suite: frost.Ciphersuite) -> None:
    inp = v["inputs"]
    secret = int(inp["group_secret_key"], 16)
    coeffs = [secret] + [int(c, 16) for c in inp["share_polynomial_coefficients"]]
    shares = {p["identifier"]: int(p["participant_share"], 16) for p in inp["participant_shares"]}
    # participant shares = f(i) of the published polynomial (RFC 9591 Appendix C)
    for i, s in shares.items():
        assert evaluate(coeffs, i, N) == s
    t = int(v["config"]["MIN_PARTICIPANTS"])
    pub, kps = key_packages_from_shares("secp256k1", shares, t)
    gpk_hex = inp.get("group_public_key") or inp["verifying_key_key"]
    assert pub.group_public_key.to_bytes().hex() == gpk_hex
    assert Point.base_mul(secret) == pub.group_public_key
    kp = {k.identifier: k for k in kps}
    msg = bytes.fromhex(inp["message"])
    assert inp["participant_list"] == [o["identifier"] for o in v["round_one_outputs"]["outputs"]]

    nonces: dict[int, frost.SigningNonces] = {}
    comms: dict[int, frost.SigningCommitments] = {}
    for o in v["round_one_outputs"]["outputs"]:
        i = o["identifier"]
        hr = bytes.fromhex(o["hiding_nonce_randomness"])
        br = bytes.fromhex(o["binding_nonce_randomness"])
        # nonce_generate (section 4.1) on the published randomness
        assert frost.nonce_generate(shares[i], hr, suite) == int(o["hiding_nonce"], 16)
        assert frost.nonce_generate(shares[i], br, suite) == int(o["binding_nonce"], 16)
        n_i, c_i = frost.commit(kp[i], _rng_from([hr, br]), ciphersuite=suite)
        assert c_i.hiding.to_bytes().hex() == o["hiding_nonce_commitment"]
        assert c_i.binding.to_bytes().hex() == o["binding_nonce_commitment"]
        assert n_i == frost.SigningNonces.from_nonces(
            int(o["hiding_nonce"], 16), int(o["binding_nonce"], 16), suite
        )
        nonces[i], comms[i] = n_i, c_i

    pkg = frost.SigningPackage(commitments=comms, message=msg, ciphersuite=suite)
    # the Taproot key here has even Y, so its effective key is the group key itself
    gpk = suite.adjust_key(pub.group_public_key).group_public_key
    prefix = binding_factor_prefix(gpk, pkg)
    rho = frost.compute_binding_factors(gpk, pkg)
    for o in v["round_one_outputs"]["outputs"]:
        i = o["identifier"]
        assert (prefix + i.to_bytes(32, "big")).hex() == o["binding_factor_input"]
        assert rho[i] == int(o["binding_factor"], 16)
        assert suite.H1(bytes.fromhex(o["binding_factor_input"])) == rho[i]

    shares_out: dict[int, frost.SignatureShare] = {}
    for o in v["round_two_outputs"]["outputs"]:
        i = o["identifier"]
        shares_out[i] = frost.sign(pkg, nonces[i], kp[i])
        assert shares_out[i].share == int(o["sig_share"], 16)
        frost.verify_share(i, pub.verifying_shares[i], shares_out[i], pkg, pub.group_public_key)
    sig = frost.aggregate(pkg, shares_out, pub)
    assert sig.to_bytes().hex() == v["final_output"]["sig"]
    frost.verify(pub.group_public_key, msg, sig.to_bytes(), ciphersuite=suite)
    R = frost.compute_group_commitment(pkg, rho)
    assert suite.signature_point(R) == sig.R


def test_rfc9591_secp256k1_every_intermediate_value() -> None:
    _replay(_load(RFC), frost.FROST_SECP256K1_SHA256)


def test_zf_frost_secp256k1_tr_every_intermediate_value() -> None:
    v = _load(ZF_TR)
    _replay(v, tr.FROST_SECP256K1_TR)
    sig = bytes.fromhex(v["final_output"]["sig"])
    assert len(sig) == 64
    msg = bytes.fromhex(v["inputs"]["message"])
    xonly = bytes.fromhex(v["inputs"]["verifying_key_key"])[1:]
    tr.verify(xonly, msg, sig)  # (coincurve checks 32-byte messages only: see below)


def test_rfc9591_hashes_and_ciphersuite_constants() -> None:
    s = frost.FROST_SECP256K1_SHA256
    assert s.context == b"FROST-secp256k1-SHA256-v1"
    for m in (b"", b"abc", bytes(200)):
        assert s.H1(m) == hash_to_scalar(m, s.context + b"rho", N)
        assert s.H2(m) == hash_to_scalar(m, s.context + b"chal", N)
        assert s.H3(m) == hash_to_scalar(m, s.context + b"nonce", N)
    t = tr.FROST_SECP256K1_TR
    assert t.context == b"FROST-secp256k1-SHA256-TR-v1"
    assert t.H1(b"x") == hash_to_scalar(b"x", t.context + b"rho", N)


def test_bip86_key_path_tweak_matches_published_output_key() -> None:
    # BIP86 test vector m/86'/0'/0'/0/0: internal key -> output key (empty merkle root)
    internal = "cc8a4bc64d897bddc5fbc2f670f7a8ba0b386779106cf1223c6fc5d7cd6fc115"
    output = "a60869f0dbcf1dc659c9cecbaf8050135ea9e8cdc487053f1dc6880949dc684c"
    p = Point.from_xonly(bytes.fromhex(internal))
    assert tr.tweaked_public_key(p, b"").hex() == output
    assert tr.tweaked_public_key(-p, b"").hex() == output  # x-only: the sign of P is irrelevant
    assert tr.tweaked_public_key(p, None).hex() == internal


@pytest.mark.parametrize("tweak", [None, b"", bytes(range(32))])
def test_taproot_vector_key_signs_bip340_verifiable_by_libsecp256k1(tweak: bytes | None) -> None:
    v = _load(ZF_TR)
    shares = {
        p["identifier"]: int(p["participant_share"], 16) for p in v["inputs"]["participant_shares"]
    }
    pub, kps = key_packages_from_shares("secp256k1", shares, 2)
    msg = bytes(range(32))
    sig = tr.sign_in_process(kps[:2], msg, tweak=tweak)
    key = tr.tweaked_public_key(pub.group_public_key, tweak)
    assert coincurve.PublicKeyXOnly(key).verify(sig, msg)

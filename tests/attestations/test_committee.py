"""Committee attestations: threshold BLS signature, replay, expiry, epochs, tampering."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from attestations import (
    Attestation,
    Claim,
    NonceRegistry,
    Reexecution,
    attest_in_process,
    make_attestation,
    sign_attestation_share,
    verify,
)
from attestations.examples import sample_images, tiny_classifier
from cryptocore.errors import (
    EncodingError,
    ExpiredError,
    InvalidSignature,
    MisuseError,
    ParameterError,
    ReplayError,
)
from cryptocore.rng import deterministic_rng
from mdkm.bls import verify as bls_verify
from mdkm.dealer import trusted_dealer_keygen

PUB, KPS = trusted_dealer_keygen(5, 3, group="bls12_381", rng=deterministic_rng("committee"))
GPK = PUB.group_public_key.to_bytes()
MODEL = tiny_classifier()
XS = sample_images(3)
OUT = np.stack([MODEL.forward(x, np.float32) for x in XS])
CLAIM = Claim(bytes(32), MODEL, XS, OUT, Reexecution(atol=1e-5, rtol=1e-4))
NOW = 1_800_000_000


def _attest(kps=KPS[:3], claim=CLAIM, **kw) -> bytes:  # type: ignore[no-untyped-def]
    return attest_in_process(kps, claim, now=NOW, rng=deterministic_rng(kw.pop("seed", 1)), **kw)


def test_any_t_validators_attest_and_only_the_group_key_verifies() -> None:
    blob = _attest()
    att = verify(blob, GPK, now=NOW)
    assert att.verdict is True and att.model_commitment == MODEL.commitment()
    assert att.input_hash == CLAIM.input_hash and att.output_hash == CLAIM.output_hash
    # the same committee key, another subset of validators
    verify(_attest(KPS[2:], seed=2), GPK, now=NOW)
    # an ordinary BLS verifier accepts the signature over the domain-separated message
    assert att.signature is not None
    bls_verify(GPK, att.signing_message(), att.signature)
    other_pub, _ = trusted_dealer_keygen(3, 2, group="bls12_381", rng=deterministic_rng("other"))
    with pytest.raises(InvalidSignature):
        verify(blob, other_pub.group_public_key.to_bytes(), now=NOW)


def test_too_few_validators() -> None:
    with pytest.raises(ParameterError):
        _attest(KPS[:2])


def test_failing_claim_is_attested_as_invalid() -> None:
    bad = Claim(bytes(32), MODEL, XS, OUT + 0.1, Reexecution(atol=1e-5, rtol=1e-4))
    att = verify(_attest(claim=bad), GPK, now=NOW)
    assert att.verdict is False


def test_validator_refuses_a_wrong_verdict_or_another_claim() -> None:
    att = make_attestation(CLAIM, now=NOW, rng=deterministic_rng(3))
    lying = Attestation(**{**_fields(att), "verdict": False})
    with pytest.raises(MisuseError):
        sign_attestation_share(KPS[0], CLAIM, lying)
    other = Attestation(**{**_fields(att), "output_hash": bytes(32)})
    with pytest.raises(ParameterError):
        sign_attestation_share(KPS[0], CLAIM, other)


def _fields(att: Attestation) -> dict:  # type: ignore[type-arg]
    return {f: getattr(att, f) for f in Attestation.__dataclass_fields__}


def test_expiry_epoch_and_replay() -> None:
    blob = _attest(epoch=7, ttl=60)
    verify(blob, GPK, now=NOW + 59, current_epoch=7)
    with pytest.raises(ExpiredError):
        verify(blob, GPK, now=NOW + 60)
    with pytest.raises(ExpiredError):
        verify(blob, GPK, now=NOW, current_epoch=8)
    reg = NonceRegistry()
    verify(blob, GPK, now=NOW, registry=reg)
    with pytest.raises(ReplayError):
        verify(blob, GPK, now=NOW, registry=reg)
    assert reg.prune_before(8) == 1


def test_every_byte_mutation_is_rejected() -> None:
    blob = _attest(seed=4)
    for i in range(0, len(blob), 7):
        bad = bytearray(blob)
        bad[i] ^= 0x40
        with pytest.raises((InvalidSignature, EncodingError, ExpiredError)):
            verify(bytes(bad), GPK, now=NOW)
    for bad in (blob[:-1], blob + b"\x00", b"", b"LATT"):
        with pytest.raises(EncodingError):
            verify(bad, GPK, now=NOW)


def test_encoding_round_trip() -> None:
    blob = _attest(seed=5)
    att = Attestation.from_bytes(blob)
    assert att.to_bytes() == blob
    assert Attestation.from_bytes(att.body(), signed=False).body() == att.body()


def test_registry_survives_a_crash(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "nonces.sqlite3"
    code = textwrap.dedent(f"""
        import os
        from attestations.registry import NonceRegistry
        reg = NonceRegistry({str(path)!r})
        reg.accept(3, b"n" * 32, b"r" * 32)
        os._exit(0)  # no close, no cleanup: like a crash right after accepting
    """)
    subprocess.run([sys.executable, "-c", code], check=True)
    reg = NonceRegistry(path)
    assert reg.seen(3, b"n" * 32)
    with pytest.raises(ReplayError):
        reg.accept(3, b"n" * 32, b"r" * 32)
    reg.accept(4, b"n" * 32, b"r" * 32)  # the same nonce in another epoch is fine

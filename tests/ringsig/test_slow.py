"""Longer checks (run by CI's slow step): large rings, cross-process double-spend races."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

import ringsig
from cryptocore.errors import EncodingError, InvalidSignature
from cryptocore.rng import deterministic_rng
from cryptocore.secp256k1 import N
from ringsig import KeyImageRegistry
from ringsig.clsag import RingSignature

from ._helpers import commitment_setup, make_keys, ring_of

pytestmark = pytest.mark.slow

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("size", [64, 128])
def test_large_rings_all_forms(size: int) -> None:
    secrets = make_keys(size, ("large", size))
    ring = ring_of(secrets)
    for signer in (0, size // 2, size - 1):
        sig = ringsig.sign(b"large", ring, secrets[signer], deterministic_rng(signer))
        ringsig.verify(b"large", ring[::-1], sig)
        for idx in (0, signer, size - 1):  # a changed response anywhere breaks the chain
            resp = list(sig.responses)
            resp[idx] = (resp[idx] + 1) % N
            bad = RingSignature(
                challenge=sig.challenge, responses=tuple(resp), key_image=sig.key_image
            )
            with pytest.raises(InvalidSignature):
                ringsig.verify(b"large", ring, bad)
    comms, offset, z = commitment_setup(size, 7, seed=size)
    sig2 = ringsig.sign(
        b"large",
        ring,
        secrets[7],
        commitments=comms,
        commitment_offset=offset,
        commitment_secret=z,
    )
    ringsig.verify(b"large", ring, sig2, commitments=comms, commitment_offset=offset)
    same_key = ringsig.sign(b"other", ring, secrets[7])
    assert ringsig.link(same_key, sig2)  # one key, two forms: the same key image
    assert not ringsig.link(sig, sig2)


def test_exhaustive_bit_flips_ring_of_three() -> None:
    secrets = make_keys(3, "flips")
    ring = ring_of(secrets)
    raw = ringsig.sign(b"bits", ring, secrets[1], deterministic_rng(0)).to_bytes()
    for i in range(len(raw)):
        for bit in range(8):
            m = bytearray(raw)
            m[i] ^= 1 << bit
            with pytest.raises((InvalidSignature, EncodingError)):
                ringsig.verify(b"bits", ring, bytes(m))


_RACER = r"""
import sys
from cryptocore.errors import DoubleSpendError
from ringsig import KeyImageRegistry
with KeyImageRegistry(sys.argv[1]) as reg:
    sys.stdin.readline()  # start together
    try:
        reg.accept(bytes.fromhex(sys.argv[2]), reference=sys.argv[3].encode())
        print("ok", flush=True)
    except DoubleSpendError:
        print("double", flush=True)
"""


def test_processes_racing_to_spend_one_image(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "race.sqlite"
    KeyImageRegistry(path).close()
    image = ringsig.key_image(make_keys(1, "race")[0])
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _RACER, str(path), image.hex(), f"p{i}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            cwd=ROOT,
        )
        for i in range(4)
    ]
    for p in procs:
        assert p.stdin is not None
        p.stdin.write(b"go\n")
        p.stdin.flush()
    outs = sorted(p.communicate(timeout=120)[0].decode().strip() for p in procs)
    assert outs == ["double", "double", "double", "ok"]
    with KeyImageRegistry(path) as reg:
        assert len(reg) == 1 and reg.is_spent(image)

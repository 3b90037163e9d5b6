"""RFC 9380 expand_message_xmd vectors (SHA-256, SHA-512, long DST) and BIP340 tagged hashes."""

from __future__ import annotations

import hashlib
import json

import pytest

from cryptocore.hashing import expand_message_xmd, tagged_hash
from tests.conftest import vectors_dir

FILES = sorted((vectors_dir() / "hash_to_curve").glob("expand_message_xmd_*.json"))


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_expand_message_xmd_vectors(path) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(path.read_text())
    hash_name = data["hash"].lower()
    count = 0
    for v in data["tests"]:
        out = expand_message_xmd(
            v["msg"].encode(), data["DST"].encode(), int(v["len_in_bytes"], 16), hash_name
        )
        assert out.hex() == v["uniform_bytes"]
        count += 1
    assert count > 0


def test_tagged_hash_definition() -> None:
    t = hashlib.sha256(b"BIP0340/challenge").digest()
    assert tagged_hash("BIP0340/challenge", b"m") == hashlib.sha256(t + t + b"m").digest()

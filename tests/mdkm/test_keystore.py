"""EIP-2335 keystores: official vectors, round trips, tampering, malformed input, atomic files."""

# ruff: noqa: E501  (the EIP's JSON vectors are embedded unchanged)

from __future__ import annotations

import copy
import json
import os
import pathlib
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import mdkm.keystore as ks
from cryptocore.errors import DecryptionError, EncodingError, ParameterError, StorageError
from cryptocore.field import BLS12_381_R, SECP256K1_N
from cryptocore.rng import deterministic_rng

# EIP-2335 "Test Cases" (ethereum/ERCs, ERCS/erc-2335.md), unchanged.
PASSWORD = "𝔱𝔢𝔰𝔱𝔭𝔞𝔰𝔰𝔴𝔬𝔯𝔡🔑"
SECRET = 0x000000000019D6689C085AE165831E934FF763AE46A2A6C172B3F1B60A8CE26F
SCRYPT_VECTOR = json.loads(
    """
{
    "crypto": {
        "kdf": {
            "function": "scrypt",
            "params": {
                "dklen": 32,
                "n": 262144,
                "p": 1,
                "r": 8,
                "salt": "d4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3"
            },
            "message": ""
        },
        "checksum": {
            "function": "sha256",
            "params": {},
            "message": "d2217fe5f3e9a1e34581ef8a78f7c9928e436d36dacc5e846690a5581e8ea484"
        },
        "cipher": {
            "function": "aes-128-ctr",
            "params": {
                "iv": "264daa3f303d7259501c93d997d84fe6"
            },
            "message": "06ae90d55fe0a6e9c5c3bc5b170827b2e5cce3929ed3f116c2811e6366dfe20f"
        }
    },
    "description": "This is a test keystore that uses scrypt to secure the secret.",
    "pubkey": "9612d7a727c9d0a22e185a1c768478dfe919cada9266988cb32359c11f2b7b27f4ae4040902382ae2910c15e2b420d07",
    "path": "m/12381/60/3141592653/589793238",
    "uuid": "1d85ae20-35c5-4611-98e8-aa14a633906f",
    "version": 4
}
"""
)
PBKDF2_VECTOR = json.loads(
    """
{
    "crypto": {
        "kdf": {
            "function": "pbkdf2",
            "params": {
                "dklen": 32,
                "c": 262144,
                "prf": "hmac-sha256",
                "salt": "d4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3"
            },
            "message": ""
        },
        "checksum": {
            "function": "sha256",
            "params": {},
            "message": "8a9f5d9912ed7e75ea794bc5a89bca5f193721d30868ade6f73043c6ea6febf1"
        },
        "cipher": {
            "function": "aes-128-ctr",
            "params": {
                "iv": "264daa3f303d7259501c93d997d84fe6"
            },
            "message": "cee03fde2af33149775b7223e7845e4fb2c8ae1792e5f99fe9ecf474cc8c16ad"
        }
    },
    "description": "This is a test keystore that uses PBKDF2 to secure the secret.",
    "pubkey": "9612d7a727c9d0a22e185a1c768478dfe919cada9266988cb32359c11f2b7b27f4ae4040902382ae2910c15e2b420d07",
    "path": "m/12381/60/0/0",
    "uuid": "64625def-3331-4eea-ab6f-782f3ed16a83",
    "version": 4
}
"""
)

LIGHT = {"scrypt": {"n": 2**10}, "pbkdf2": {"c": 1000}}


def light(secret: int, password: str = "pw", kdf: str = "scrypt", **kw: Any) -> dict[str, Any]:
    return ks.encrypt(secret, password, kdf, kdf_params=LIGHT[kdf], **kw)


def test_password_normalisation_matches_the_eip() -> None:
    # EIP-2335: "Encoded Password: 0x7465737470617373776f7264f09f9491"
    assert ks.normalize_password(PASSWORD).hex() == "7465737470617373776f7264f09f9491"
    assert ks.normalize_password("a\x00b\x1fc\x7fd\x80e\x9ff g") == b"abcdef g"


@pytest.mark.parametrize("vector", [SCRYPT_VECTOR, PBKDF2_VECTOR], ids=["scrypt", "pbkdf2"])
def test_official_vectors_decrypt(vector: dict[str, Any], tmp_path: pathlib.Path) -> None:
    assert ks.decrypt(vector, PASSWORD) == SECRET
    # and survive a save / load cycle unchanged
    target = tmp_path / "vector.json"
    ks.save(vector, target)
    assert ks.load(target) == vector


def test_official_vector_rejects_wrong_password() -> None:
    with pytest.raises(DecryptionError):
        ks.decrypt(PBKDF2_VECTOR, "testpassword")  # the pre-normalisation form is different


@pytest.mark.parametrize("kdf", ["scrypt", "pbkdf2"])
@given(
    secret=st.one_of(
        st.integers(min_value=1, max_value=BLS12_381_R - 1),
        st.integers(min_value=1, max_value=SECP256K1_N - 1),
        st.sampled_from([1, BLS12_381_R - 1, SECP256K1_N - 1, 2**256 - 1]),
    ),
    password=st.text(max_size=20),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_round_trip(kdf: str, secret: int, password: str, seed: int) -> None:
    store = light(secret, password, kdf, rng=deterministic_rng(seed), path="m/12381/3600/0/0/0")
    assert ks.decrypt(store, password) == secret
    assert ks.decrypt(json.loads(json.dumps(store)), password) == secret
    assert store["version"] == 4 and store["path"] == "m/12381/3600/0/0/0"
    assert store["crypto"]["kdf"]["params"]["dklen"] == 32


def test_defaults_are_the_eips_parameters() -> None:
    # build with light parameters, then check what the defaults would be without running them
    assert (ks.SCRYPT_N, ks.SCRYPT_R, ks.SCRYPT_P, ks.PBKDF2_C) == (262144, 8, 1, 262144)


@pytest.mark.slow
@pytest.mark.parametrize("kdf", ["scrypt", "pbkdf2"])
def test_full_strength_round_trip(kdf: str) -> None:
    from mdkm.bls.scheme import sk_to_pk

    store = ks.encrypt(SECRET, PASSWORD, kdf, pubkey=sk_to_pk(SECRET), description="share 3")
    params = store["crypto"]["kdf"]["params"]
    if kdf == "scrypt":
        assert (params["n"], params["r"], params["p"]) == (262144, 8, 1)
    else:
        assert (params["c"], params["prf"]) == (262144, "hmac-sha256")
    assert ks.decrypt(store, PASSWORD) == SECRET


def test_deterministic_with_injected_rng() -> None:
    a = light(12345, rng=deterministic_rng("k"))
    b = light(12345, rng=deterministic_rng("k"))
    c = light(12345, rng=deterministic_rng("other"))
    assert a == b and a != c
    assert a["uuid"] != c["uuid"]


@given(
    field=st.sampled_from([("crypto", "cipher", "message"), ("crypto", "checksum", "message")]),
    index=st.integers(min_value=0, max_value=63),
    nibble=st.integers(min_value=1, max_value=15),
)
def test_tampering_is_detected(field: tuple[str, ...], index: int, nibble: int) -> None:
    store = light(987654321, rng=deterministic_rng("tamper"))
    bad = copy.deepcopy(store)
    node: Any = bad
    for key in field[:-1]:
        node = node[key]
    msg = node[field[-1]]
    node[field[-1]] = msg[:index] + format(int(msg[index], 16) ^ nibble, "x") + msg[index + 1 :]
    with pytest.raises(DecryptionError):
        ks.decrypt(bad, "pw")


def test_tampered_salt_or_iv() -> None:
    store = light(5, rng=deterministic_rng("salt"))
    bad = copy.deepcopy(store)
    bad["crypto"]["kdf"]["params"]["salt"] = "00" + bad["crypto"]["kdf"]["params"]["salt"][2:]
    with pytest.raises(DecryptionError):
        ks.decrypt(bad, "pw")
    # the IV is not covered by the checksum (EIP-2335): a changed IV gives a different secret
    bad = copy.deepcopy(store)
    iv = bad["crypto"]["cipher"]["params"]["iv"]
    bad["crypto"]["cipher"]["params"]["iv"] = ("ff" if iv[:2] != "ff" else "00") + iv[2:]
    assert ks.decrypt(bad, "pw") != 5


def _mutations() -> list[tuple[str, Any]]:
    def drop(*keys: str) -> Any:
        def f(d: dict[str, Any]) -> None:
            node = d
            for k in keys[:-1]:
                node = node[k]
            del node[keys[-1]]

        return f

    def put(value: Any, *keys: str) -> Any:
        def f(d: dict[str, Any]) -> None:
            node = d
            for k in keys[:-1]:
                node = node[k]
            node[keys[-1]] = value

        return f

    return [
        ("no crypto", drop("crypto")),
        ("no uuid", drop("uuid")),
        ("no path", drop("path")),
        ("no version", drop("version")),
        ("version 3", put(3, "version")),
        ("version str", put("4", "version")),
        ("bad uuid", put("not-a-uuid", "uuid")),
        ("pubkey bad hex", put("zz", "pubkey")),
        ("no kdf", drop("crypto", "kdf")),
        ("no checksum", drop("crypto", "checksum")),
        ("no cipher", drop("crypto", "cipher")),
        ("kdf unknown", put("argon2id", "crypto", "kdf", "function")),
        ("kdf message", put("00", "crypto", "kdf", "message")),
        ("dklen 16", put(16, "crypto", "kdf", "params", "dklen")),
        ("n not pow2", put(1000, "crypto", "kdf", "params", "n")),
        ("n huge", put(2**30, "crypto", "kdf", "params", "n")),
        ("r zero", put(0, "crypto", "kdf", "params", "r")),
        ("r bool", put(True, "crypto", "kdf", "params", "r")),
        ("salt bad hex", put("xyz", "crypto", "kdf", "params", "salt")),
        ("salt spaces", put("d4 e5", "crypto", "kdf", "params", "salt")),
        ("extra kdf param", put(1, "crypto", "kdf", "params", "extra")),
        ("checksum fn", put("sha512", "crypto", "checksum", "function")),
        ("checksum short", put("00" * 31, "crypto", "checksum", "message")),
        ("checksum params", put({"x": 1}, "crypto", "checksum", "params")),
        ("cipher fn", put("aes-128-gcm", "crypto", "cipher", "function")),
        ("iv short", put("00" * 15, "crypto", "cipher", "params", "iv")),
        ("iv missing", put({}, "crypto", "cipher", "params")),
        ("message short", put("00" * 31, "crypto", "cipher", "message")),
        ("message long", put("00" * 33, "crypto", "cipher", "message")),
        ("message odd hex", put("0" * 63, "crypto", "cipher", "message")),
        ("message not str", put(5, "crypto", "cipher", "message")),
        ("params not object", put([], "crypto", "kdf", "params")),
    ]


@pytest.mark.parametrize(("name", "mutate"), _mutations(), ids=[m[0] for m in _mutations()])
def test_malformed_keystores_raise_encoding_error(name: str, mutate: Any) -> None:
    store = light(77, rng=deterministic_rng("malformed"))
    ks.decrypt(store, "pw")  # the unmutated keystore is fine
    bad = copy.deepcopy(store)
    mutate(bad)
    with pytest.raises(EncodingError):
        ks.decrypt(bad, "pw")


def test_pbkdf2_specific_malformations() -> None:
    store = light(77, kdf="pbkdf2", rng=deterministic_rng("p"))
    for key, value in (("prf", "hmac-sha512"), ("c", 0), ("c", 2**40), ("c", "1000")):
        bad = copy.deepcopy(store)
        bad["crypto"]["kdf"]["params"][key] = value
        with pytest.raises(EncodingError):
            ks.decrypt(bad, "pw")
    with pytest.raises(EncodingError):
        ks.decrypt([], "pw")  # type: ignore[arg-type]


def test_bad_arguments() -> None:
    with pytest.raises(ParameterError):
        ks.encrypt(0, "pw", kdf_params={"n": 2**10})
    with pytest.raises(ParameterError):
        ks.encrypt(2**256, "pw", kdf_params={"n": 2**10})
    with pytest.raises(ParameterError):
        ks.encrypt(5, "pw", "argon2")
    with pytest.raises(ParameterError):
        ks.encrypt(5, "pw", kdf_params={"c": 5})
    with pytest.raises(ParameterError):
        ks.encrypt(5, "pw", kdf_params={"n": 1000})
    with pytest.raises(ParameterError):
        ks.encrypt(5, b"pw", kdf_params={"n": 2**10})  # type: ignore[arg-type]


# -- atomic files ---------------------------------------------------------------------------------


def test_save_load_round_trip(tmp_path: pathlib.Path) -> None:
    store = light(4242, rng=deterministic_rng("file"), description="share of node 3")
    target = tmp_path / "share.json"
    ks.save(store, target)
    assert (os.stat(target).st_mode & 0o777) == 0o600
    loaded = ks.load(target)
    assert loaded == store
    assert ks.decrypt(loaded, "pw") == 4242
    assert [p.name for p in tmp_path.iterdir()] == ["share.json"]


def test_crash_mid_write_keeps_the_previous_file(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "share.json"
    old = light(1111, rng=deterministic_rng("old"))
    ks.save(old, target)
    before = target.read_bytes()

    real_write = os.write

    def crashing_write(fd: int, data: Any) -> int:
        real_write(fd, bytes(data[: len(data) // 2]))  # half the bytes reach the temp file...
        raise OSError(28, "No space left on device")  # ...then the write fails

    monkeypatch.setattr(ks.os, "write", crashing_write)
    new = light(2222, rng=deterministic_rng("new"))
    with pytest.raises(StorageError):
        ks.save(new, target)
    monkeypatch.undo()

    assert target.read_bytes() == before
    assert ks.decrypt(ks.load(target), "pw") == 1111
    assert [p.name for p in tmp_path.iterdir()] == ["share.json"]  # no temp file left behind


def test_crash_before_rename_keeps_the_previous_file(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "share.json"
    ks.save(light(1111, rng=deterministic_rng("old")), target)
    before = target.read_bytes()

    def failing_fsync(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(ks.os, "fsync", failing_fsync)
    with pytest.raises(StorageError):
        ks.save(light(2222, rng=deterministic_rng("new")), target)
    monkeypatch.undo()
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["share.json"]


def test_load_errors(tmp_path: pathlib.Path) -> None:
    with pytest.raises(StorageError):
        ks.load(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"{not json")
    with pytest.raises(EncodingError):
        ks.load(bad)
    bad.write_bytes(b"[1, 2]")
    with pytest.raises(EncodingError):
        ks.load(bad)
    bad.write_text(json.dumps({"version": 4}))
    with pytest.raises(EncodingError):
        ks.load(bad)
    with pytest.raises(EncodingError):  # save refuses what load could not read back
        ks.save({"version": 4}, tmp_path / "x.json")


def test_encrypt_refuses_a_pubkey_of_another_secret() -> None:
    from mdkm.bls.scheme import sk_to_pk

    with pytest.raises(ParameterError):
        light(SECRET, pubkey=bytes(48))
    with pytest.raises(ParameterError):
        light(SECRET, pubkey=sk_to_pk(SECRET + 1))
    store = light(SECRET, pubkey=sk_to_pk(SECRET))
    assert ks.decrypt(store, "pw") == SECRET

"""The persistent key-image registry: atomic double-spend rejection, durability, canonical keys."""

from __future__ import annotations

import os
import pathlib
import signal
import sqlite3
import subprocess
import sys
import threading

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

import ringsig
from cryptocore.errors import (
    DoubleSpendError,
    EncodingError,
    InvalidSignature,
    ParameterError,
    StorageError,
)
from cryptocore.rng import deterministic_rng
from cryptocore.secp256k1 import Point
from ringsig import KeyImageRegistry

from ._helpers import make_keys, ring_of

SECRETS = make_keys(12, "registry")
RING = ring_of(SECRETS)
IMAGES = [ringsig.key_image(x) for x in SECRETS]
ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture
def reg(tmp_path: pathlib.Path) -> KeyImageRegistry:
    r = KeyImageRegistry(tmp_path / "images.sqlite")
    yield r
    r.close()


def test_accept_then_double_spend(reg: KeyImageRegistry) -> None:
    assert not reg.is_spent(IMAGES[0])
    reg.accept(IMAGES[0], reference=b"tx-1")
    assert reg.is_spent(IMAGES[0]) and IMAGES[0] in reg
    assert ringsig.KeyImage(value=IMAGES[0]) in reg
    with pytest.raises(DoubleSpendError):
        reg.accept(IMAGES[0], reference=b"tx-2")
    with pytest.raises(DoubleSpendError):
        reg.accept(ringsig.KeyImage(value=IMAGES[0]))
    assert len(reg) == 1
    assert 42 not in reg


def test_wal_and_full_sync(reg: KeyImageRegistry, tmp_path: pathlib.Path) -> None:
    conn = reg._connection()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_accept_all_is_atomic(reg: KeyImageRegistry) -> None:
    reg.accept(IMAGES[2])
    with pytest.raises(DoubleSpendError):
        reg.accept_all([IMAGES[0], IMAGES[1], IMAGES[2]])
    assert not reg.is_spent(IMAGES[0]) and not reg.is_spent(IMAGES[1])
    with pytest.raises(DoubleSpendError):  # the same image twice in one transaction
        reg.accept_all([IMAGES[3], IMAGES[3]])
    assert not reg.is_spent(IMAGES[3])
    reg.accept_all([IMAGES[0], IMAGES[1]])
    assert len(reg) == 3


def test_other_encodings_of_an_image_are_rejected(reg: KeyImageRegistry) -> None:
    reg.accept(IMAGES[0])
    u = Point.from_bytes(IMAGES[0]).to_bytes_uncompressed()
    hybrid = bytes([6 | (u[-1] & 1)]) + u[1:]
    for other in (u, hybrid, bytes(33), IMAGES[0][:-1], IMAGES[0] + b"\x00"):
        with pytest.raises(EncodingError):
            reg.accept(other)
        with pytest.raises(EncodingError):
            reg.is_spent(other)
    with pytest.raises(EncodingError):
        reg.accept("02" * 33)  # type: ignore[arg-type]
    with pytest.raises(ParameterError):
        reg.accept(IMAGES[1], reference="tx")  # type: ignore[arg-type]
    assert len(reg) == 1


def test_schema_refuses_noncanonical_rows_from_other_writers(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "r.sqlite"
    KeyImageRegistry(path).close()
    conn = sqlite3.connect(path)
    u = Point.from_bytes(IMAGES[0]).to_bytes_uncompressed()
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO key_images (image, reference) VALUES (?, ?)", (u, b""))
    conn.close()


def test_survives_reopen(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "r.sqlite"
    with KeyImageRegistry(path) as r:
        r.accept(IMAGES[4])
    with KeyImageRegistry(path) as r:
        assert r.is_spent(IMAGES[4])
        with pytest.raises(DoubleSpendError):
            r.accept(IMAGES[4])


def test_closed_registry_raises_storage_error(tmp_path: pathlib.Path) -> None:
    r = KeyImageRegistry(tmp_path / "r.sqlite")
    r.close()
    r.close()  # idempotent
    with pytest.raises(StorageError):
        r.accept(IMAGES[0])
    with pytest.raises(StorageError):
        r.is_spent(IMAGES[0])
    with pytest.raises(StorageError):
        len(r)


def test_unsupported_schema_version(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "r.sqlite"
    KeyImageRegistry(path).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE registry_meta SET value = '99' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    with pytest.raises(StorageError):
        KeyImageRegistry(path)


def test_unopenable_path(tmp_path: pathlib.Path) -> None:
    with pytest.raises(StorageError):
        KeyImageRegistry(tmp_path / "missing-dir" / "r.sqlite")


def test_in_memory_registry() -> None:
    with KeyImageRegistry(":memory:") as r:
        r.accept(IMAGES[0])
        with pytest.raises(DoubleSpendError):
            r.accept(IMAGES[0])


def test_concurrent_spends_of_one_image_exactly_one_wins(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "race.sqlite"
    KeyImageRegistry(path).close()
    results: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(6)

    def spend(i: int) -> None:
        with KeyImageRegistry(path) as r:
            barrier.wait()
            try:
                r.accept(IMAGES[5], reference=b"tx-%d" % i)
                outcome = "ok"
            except DoubleSpendError:
                outcome = "double"
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=spend, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["double"] * 5 + ["ok"]


_CHILD = r"""
import sys, time
from ringsig import KeyImageRegistry
reg = KeyImageRegistry(sys.argv[1])
reg.accept(bytes.fromhex(sys.argv[2]), reference=b"crash-test")
print("accepted", flush=True)
time.sleep(60)
"""


def test_accepted_image_survives_a_killed_process(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "crash.sqlite"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(path), IMAGES[6].hex()],
        stdout=subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == b"accepted"
        child.send_signal(signal.SIGKILL)  # no clean shutdown, no checkpoint
    finally:
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert (tmp_path / "crash.sqlite-wal").exists()  # the commit sits in the WAL
    with KeyImageRegistry(path) as r:
        assert r.is_spent(IMAGES[6])
        with pytest.raises(DoubleSpendError):
            r.accept(IMAGES[6])


def test_verify_and_accept(reg: KeyImageRegistry) -> None:
    ring = RING[:5]
    sig = ringsig.sign(b"spend", ring, SECRETS[3], deterministic_rng(1))
    assert reg.verify_and_accept(b"spend", ring, sig.to_bytes(), reference=b"tx") == sig
    again = ringsig.sign(b"spend again", RING[2:8], SECRETS[3], deterministic_rng(2))
    with pytest.raises(DoubleSpendError):  # same key, other ring, other message
        reg.verify_and_accept(b"spend again", RING[2:8], again)
    other = ringsig.sign(b"x", ring, SECRETS[0], deterministic_rng(3))
    with pytest.raises(InvalidSignature):
        reg.verify_and_accept(b"not x", ring, other)
    assert not reg.is_spent(other.key_image)  # nothing recorded for a bad signature


class RegistryMachine(RuleBasedStateMachine):
    """The registry behaves like a map image -> reference that survives reopening."""

    def __init__(self) -> None:
        super().__init__()
        self.model: dict[bytes, bytes] = {}
        self.path = ""
        self.reg: KeyImageRegistry | None = None

    @initialize()
    def open(self) -> None:
        import tempfile

        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "m.sqlite")
        self.reg = KeyImageRegistry(self.path)

    @rule(i=st.integers(0, len(IMAGES) - 1), ref=st.sampled_from([b"a", b"b", b""]))
    def accept(self, i: int, ref: bytes) -> None:
        assert self.reg is not None
        if IMAGES[i] in self.model:
            with pytest.raises(DoubleSpendError):
                self.reg.accept(IMAGES[i], reference=ref)
        else:
            self.reg.accept(IMAGES[i], reference=ref)
            self.model[IMAGES[i]] = ref

    @rule(
        idx=st.lists(st.integers(0, len(IMAGES) - 1), min_size=1, max_size=4),
        ref=st.sampled_from([b"a", b"b"]),
    )
    def accept_all(self, idx: list[int], ref: bytes) -> None:
        assert self.reg is not None
        imgs = [IMAGES[i] for i in idx]
        if len(set(imgs)) != len(imgs) or any(i in self.model for i in imgs):
            with pytest.raises(DoubleSpendError):
                self.reg.accept_all(imgs, reference=ref)
        else:
            self.reg.accept_all(imgs, reference=ref)
            self.model.update(dict.fromkeys(imgs, ref))

    @rule(ref=st.sampled_from([b"a", b"b", b"c"]))
    def revert(self, ref: bytes) -> None:
        assert self.reg is not None
        gone = [img for img, r in self.model.items() if r == ref]
        assert self.reg.revert(ref) == len(gone)
        for img in gone:
            del self.model[img]

    @precondition(lambda self: self.reg is not None)
    @rule()
    def reopen(self) -> None:
        assert self.reg is not None
        self.reg.close()
        self.reg = KeyImageRegistry(self.path)

    @invariant()
    def agrees_with_model(self) -> None:
        if self.reg is None:
            return
        assert len(self.reg) == len(self.model)
        for img in IMAGES:
            assert self.reg.is_spent(img) == (img in self.model)

    def teardown(self) -> None:
        if self.reg is not None:
            self.reg.close()
        if hasattr(self, "dir"):
            self.dir.cleanup()


RegistryMachine.TestCase.settings = settings(
    max_examples=settings.default.max_examples, stateful_step_count=12, deadline=None
)
test_registry_state_machine = RegistryMachine.TestCase


def test_revert_forgets_images_of_an_orphaned_block(reg: KeyImageRegistry) -> None:
    reg.accept_all(IMAGES[:3], reference=b"block-7")
    reg.accept(IMAGES[3], reference=b"block-8")
    assert reg.revert(b"block-8") == 1
    assert not reg.is_spent(IMAGES[3]) and reg.is_spent(IMAGES[0])
    reg.accept(IMAGES[3], reference=b"block-8b")  # spendable again after the reorg
    assert reg.revert(b"block-7") == 3
    assert reg.revert(b"unknown") == 0
    assert len(reg) == 1
    with pytest.raises(ParameterError):
        reg.revert("block")  # type: ignore[arg-type]

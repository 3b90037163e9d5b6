"""Step 5 of the demo: a 4-node BFT cluster orders the story's transactions, with the leader
killed (SIGKILL) and restarted on the way; committed attestations are then read back from the
chain and verified against the committee key with replay protection.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from attestations import Claim, NonceRegistry, Reexecution, attest_in_process
from attestations import verify as verify_attestation
from attestations.examples import sample_images, tiny_classifier
from bft.client import submit
from bft.cluster import SUMMARY_KEYS, ClusterInfo, run_cluster
from cryptocore.errors import CryptoError
from demo.story import Story

__all__ = ["TAG", "decode_tx", "encode_tx", "order_on_chain"]

TAG = b"LITHO-DEMO/1/"


def encode_tx(kind: str, payload: bytes) -> bytes:
    return TAG + kind.encode() + b"\x00" + payload


def decode_tx(tx: bytes) -> tuple[str, bytes] | None:
    if not tx.startswith(TAG) or b"\x00" not in tx[len(TAG) :]:
        return None
    kind, payload = tx[len(TAG) :].split(b"\x00", 1)
    return kind.decode(errors="replace"), payload


def _more_dnn_requests(st: Story, count: int, epoch: int) -> list[bytes]:
    """Further DNN validation requests: each validated and attested by the committee."""
    model = tiny_classifier()
    out = []
    for k in range(count):
        xs = sample_images(2, seed=100 + k)
        claimed = np.stack([model.forward(x, np.float32) for x in xs])
        claim = Claim(
            hashlib.sha256(b"request %d" % (100 + k)).digest(),
            model,
            xs,
            claimed,
            Reexecution(atol=1e-5, rtol=1e-4),
        )
        out.append(attest_in_process(st.committee_keys[k % 2 : k % 2 + 3], claim, epoch=epoch))
    return out


def _submit_with_failover(info: ClusterInfo, tx: bytes) -> int:
    """Send to a live node; a node killed mid-request makes the client try the next one."""
    last: Exception | None = None
    for _ in range(3):
        for node, (host, port) in sorted(info.client_endpoints.items(), reverse=True):
            if node in info.killed:
                continue
            try:
                return submit(host, port, tx, timeout=15.0)
            except (OSError, CryptoError) as exc:  # refused, reset, or closed mid-answer
                last = exc
        time.sleep(0.5)
    raise RuntimeError(f"no live node accepted the transaction: {last}")


def order_on_chain(st: Story, say: Callable[[str], None], epoch: int = 1) -> dict[str, Any]:
    if st.committee_public is None:
        raise RuntimeError("the committee step must run first")
    say(
        "[5] A 4-node BFT cluster (chained HotStuff, threshold-BLS certificates, keys from a DKG) "
        "orders everything; its leader is killed on the way ..."
    )
    extra = _more_dnn_requests(st, 3, epoch)
    txs = [encode_tx(kind, payload) for kind, payload in st.transactions]
    txs += [encode_tx("attestation", blob) for blob in extra]

    def workload(info: ClusterInfo) -> list[int]:
        positions = []
        for tx in txs:  # spread over the run, so some land before and some after the kill
            positions.append(_submit_with_failover(info, tx))
            time.sleep(0.4)
        return positions

    res = run_cluster(
        nodes=4,
        seconds=6.0,
        kill_leader_at=2.0,
        restart_after=2.0,
        clients_per_node=1,
        workload=workload,
        return_logs=True,
        progress=lambda line: say("    " + line),
    )
    positions: list[int] = res["workload_result"]
    logs: dict[int, list[bytes]] = res["logs"]
    if not res["agree"]:
        raise RuntimeError("the nodes' committed logs disagree")
    longest = max(logs.values(), key=len)
    for tx, pos in zip(txs, positions, strict=True):
        if pos >= len(longest) or longest[pos] != tx:
            raise RuntimeError("a transaction is not in the log at its acknowledged position")
    killed = res["killed_leader"]
    kill_to_commit = res.get("leader_kill_to_commit_ms", float("nan"))
    say(
        f"    killed leader: node {killed}, restarted from its database; it holds "
        f"{len(logs[killed])} of {len(longest)} committed transactions "
        f"(next commit {kill_to_commit:.0f} ms after the kill)"
    )
    say(
        f"    all {len(txs)} story transactions committed at positions {positions}; "
        "every node's log is a prefix of the longest"
    )

    # Read the attestations back from the chain, in committed order, and verify them.
    registry = NonceRegistry()
    committed, verified = 0, 0
    gpk = st.committee_public.group_public_key.to_bytes()
    for tx in longest:
        decoded = decode_tx(tx)
        if decoded is None or decoded[0] != "attestation":
            continue
        committed += 1
        try:
            verify_attestation(decoded[1], gpk, current_epoch=epoch, registry=registry)
            verified += 1
        except CryptoError as exc:
            say(f"    attestation refused: {type(exc).__name__}")
    say(
        f"    {verified} of {committed} committed attestations verified (signature, epoch, "
        "expiry, nonce not replayed)"
    )
    if verified != committed or committed != 1 + len(extra):
        raise RuntimeError("not every committed attestation verified")
    summary = {k: res[k] for k in SUMMARY_KEYS}
    summary["story_tx_committed"] = len(positions)
    summary["attestations_committed"] = committed
    summary["attestations_verified"] = verified
    return summary

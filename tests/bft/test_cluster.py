"""Real clusters of node processes on 127.0.0.1 (short runs; marked slow)."""

from __future__ import annotations

import pathlib

import pytest

from bft.client import committed_transactions, status, submit, submit_many
from bft.cluster import ClusterInfo, run_cluster

pytestmark = pytest.mark.slow


def _check(res: dict[str, object]) -> None:
    assert res["agree"] is True
    assert res["acks_ok"] is True
    assert int(res["committed_tx"]) > 0  # type: ignore[call-overload]


def test_workload_api_and_logs(tmp_path: pathlib.Path) -> None:
    def workload(info: ClusterInfo) -> dict[str, object]:
        host, port = info.client_endpoints[1]
        p0 = submit(host, port, b"demo-tx-0")
        ps = submit_many(host, port, [b"demo-tx-1", b"demo-tx-2"])
        st = status(host, port)
        back = committed_transactions(host, port, p0, 1)
        return {"positions": [p0, *ps], "status": st, "back": back}

    res = run_cluster(
        nodes=4,
        seconds=4,
        data_dir=str(tmp_path),
        workload=workload,
        return_logs=True,
        extra_transactions=[b"extra-a", b"extra-b"],
        clients_per_node=1,
        batch=50,
    )
    _check(res)
    out = res["workload_result"]
    positions = out["positions"]  # type: ignore[index]
    assert out["back"] == [b"demo-tx-0"]  # type: ignore[index]
    logs = res["logs"]
    for node_log in logs.values():  # type: ignore[attr-defined]
        for pos, tx in zip(positions, [b"demo-tx-0", b"demo-tx-1", b"demo-tx-2"], strict=True):
            assert node_log[pos] == tx
        for pos, tx in zip(res["extra_positions"], [b"extra-a", b"extra-b"], strict=True):  # type: ignore[call-overload]
            assert node_log[pos] == tx


def test_kill9_and_restart_random_nodes(tmp_path: pathlib.Path) -> None:
    res = run_cluster(
        nodes=4,
        seconds=7,
        data_dir=str(tmp_path),
        kill_plan=[(1.0, 1, 1.0), (3.5, 2, 0.5)],
        base_timeout=0.5,
        clients_per_node=1,
        batch=100,
    )
    _check(res)
    blocks = res["committed_blocks"]
    assert min(blocks.values()) >= max(blocks.values()) - 30  # type: ignore[attr-defined]


def test_leader_kill(tmp_path: pathlib.Path) -> None:
    res = run_cluster(
        nodes=4,
        seconds=6,
        data_dir=str(tmp_path),
        kill_leader_at=2.0,
        base_timeout=0.5,
        clients_per_node=1,
        batch=100,
    )
    _check(res)
    assert "leader_kill_to_commit_ms" in res
    assert res["view_changes"] >= 1  # type: ignore[operator]


def test_one_node_down_permanently(tmp_path: pathlib.Path) -> None:
    res = run_cluster(
        nodes=4,
        seconds=6,
        data_dir=str(tmp_path),
        kill_plan=[(1.0, 3, None)],
        base_timeout=0.5,
        clients_per_node=1,
        batch=100,
    )
    _check(res)
    blocks = res["committed_blocks"]
    assert blocks[0] > blocks[3] + 5  # type: ignore[index]


def test_epoch_changes_with_the_chain_dkg_and_a_kill9_restart(tmp_path: pathlib.Path) -> None:
    # every 250 blocks the nodes re-key through a DKG they run over the chain (bft.keygen);
    # node 2 is killed with SIGKILL mid-run and rebuilds its DKG state from its database
    res = run_cluster(
        nodes=4,
        seconds=9,
        data_dir=str(tmp_path),
        epoch_length=250,
        kill_plan=[(2.5, 2, 1.0)],
        base_timeout=0.5,
        clients_per_node=1,
        batch=50,
    )
    _check(res)
    assert res["epoch"] >= 2
    for node, epochs in res["dkg_epochs"].items():  # type: ignore[attr-defined]
        assert res["epoch"] in epochs, (node, epochs)  # each holds its share of the newest key
    blocks = res["committed_blocks"]
    assert min(blocks.values()) >= max(blocks.values()) - 30  # type: ignore[attr-defined]


def test_nodes_leave_and_join_the_committee_at_every_epoch_change(tmp_path: pathlib.Path) -> None:
    # 5 processes; each epoch's committee leaves one node out, so at every change a member
    # leaves (and follows as an observer) and another joins (it followed as an observer, took
    # part in the DKG through forwarded transactions, and votes from then on)
    res = run_cluster(
        nodes=5,
        seconds=8,
        data_dir=str(tmp_path),
        epoch_length=200,
        rotate=True,
        base_timeout=0.5,
        clients_per_node=1,
        batch=50,
    )
    _check(res)
    assert res["epoch"] >= 3  # every live node, members and observers alike
    dkg = res["dkg_epochs"]
    for e in range(1, int(res["epoch"]) + 1):  # type: ignore[call-overload]
        # the DKG of epoch e ran among its members only: the node left out has no share of it
        assert sorted(i for i, eps in dkg.items() if e in eps) == [  # type: ignore[attr-defined]
            i for i in range(5) if i != (e - 1) % 5
        ]
    blocks = res["committed_blocks"]
    assert min(blocks.values()) >= max(blocks.values()) - 30  # type: ignore[attr-defined]

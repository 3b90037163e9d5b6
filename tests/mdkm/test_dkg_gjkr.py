"""Robust GJKR DKG run in process: agreement, t-of-n reconstruction, faults, blame."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cryptocore.errors import MisbehaviourError, ParameterError
from cryptocore.group import get_group
from cryptocore.rng import deterministic_rng
from cryptocore.secp256k1 import N, Point
from mdkm.dkg import run_in_process, simulate
from mdkm.dkg.gjkr import (
    CommitmentEvaluator,
    _evaluate_python,
    derive_weights,
    evaluate_at_many,
    horner,
    interpolate,
    multi_scalar,
    weighted_commitment,
)
from mdkm.vss import evaluate, reconstruct


def _check_output(pub, kps, t: int, order: int, group_name: str = "secp256k1") -> None:
    g = get_group(group_name)
    for kp in kps:
        assert kp.group_public_key == pub.group_public_key
        assert kp.min_signers == t
        assert g.base_mul(kp.signing_share) == kp.verifying_share
        assert pub.verifying_shares[kp.identifier] == kp.verifying_share
    shares = {kp.identifier: kp.signing_share for kp in kps}
    ids = sorted(shares)
    for start in range(len(ids) - t + 1):
        subset = ids[start : start + t]
        secret = reconstruct({i: shares[i] for i in subset}, order)
        assert g.base_mul(secret) == pub.group_public_key


@given(n=st.integers(1, 7), data=st.data(), seed=st.integers(0, 2**32))
def test_every_participant_agrees_and_any_t_reconstruct(n, data, seed) -> None:
    t = data.draw(st.integers(1, n))
    run = simulate(n, t, rng=deterministic_rng(seed))
    pubs = {s.result()[1].to_bytes() for s in run.sessions.values()}
    assert len(pubs) == 1
    kps = list(run.key_packages.values())
    assert len(kps) == n
    _check_output(run.public_key_package, kps, t, N)
    subset = data.draw(
        st.lists(st.sampled_from(sorted(run.key_packages)), min_size=t, max_size=t, unique=True)
    )
    secret = reconstruct({i: run.key_packages[i].signing_share for i in subset}, N)
    assert Point.base_mul(secret) == run.public_key_package.group_public_key
    assert run.qual == tuple(range(1, n + 1)) and not run.disqualified and not run.exposed
    assert run.blamed == ()


@given(seed=st.integers(0, 2**32), candidate=st.integers(1, N - 1))
@settings(max_examples=10)
def test_t_minus_1_shares_are_consistent_with_every_secret(seed, candidate) -> None:
    n, t = 5, 3
    _, kps = run_in_process(n, t, rng=deterministic_rng(seed))
    shares = {kp.identifier: kp.signing_share for kp in kps}
    true_secret = reconstruct({i: shares[i] for i in (1, 2, 3)}, N)
    # (0, candidate) and any t-1 shares lie on exactly one polynomial of degree t-1 ...
    poly = interpolate({0 + N: candidate, 1: shares[1], 2: shares[2]}, N)
    assert len(poly) == t and evaluate(poly, 0, N) == candidate
    assert evaluate(poly, 1, N) == shares[1] and evaluate(poly, 2, N) == shares[2]
    # ... and only the true secret's polynomial also passes through a t-th share
    assert (evaluate(poly, 3, N) == shares[3]) == (candidate == true_secret)


def test_deterministic_with_injected_rng() -> None:
    a, _ = run_in_process(4, 3, rng=deterministic_rng("x"))
    b, _ = run_in_process(4, 3, rng=deterministic_rng("x"))
    c, _ = run_in_process(4, 3, rng=deterministic_rng("y"))
    assert a.to_bytes() == b.to_bytes() != c.to_bytes()


FAULT_CASES = [
    # behaviour, disqualified, exposed, blamed
    ("silent", (2,), (), (2,)),
    ("silent_after_deal", (), (2,), (2,)),
    ("bad_share", (), (), (2,)),
    ("bad_share_unjustified", (2,), (), (2,)),
    ("bad_commitment", (2,), (), (2,)),
    ("bad_extract", (), (2,), (2,)),
    ("false_complaint", (), (), ()),
]


@pytest.mark.parametrize(("fault", "disq", "exposed", "blamed"), FAULT_CASES)
def test_single_fault_is_tolerated_and_blamed(fault, disq, exposed, blamed) -> None:
    n, t = 5, 3
    run = simulate(n, t, rng=deterministic_rng(fault), faults={2: fault})
    assert sorted(run.key_packages) == [1, 3, 4, 5]
    _check_output(run.public_key_package, list(run.key_packages.values()), t, N)
    assert run.disqualified == disq
    assert run.exposed == exposed
    assert run.blamed == blamed
    assert run.qual == tuple(i for i in range(1, 6) if i not in disq)
    # every honest participant computed the same QUAL and key
    honest = [run.sessions[i] for i in run.key_packages]
    assert len({s.qual for s in honest}) == 1
    assert len({s.result()[0].group_public_key for s in honest}) == 1


def test_exposed_dealer_contribution_is_reconstructed_not_dropped() -> None:
    # the same dealing randomness with and without the fault gives the same group key: the
    # exposed dealer's secret is recovered from the others' shares, so it cannot bias the key
    clean = simulate(5, 3, rng=deterministic_rng("bias"))
    faulty = simulate(5, 3, rng=deterministic_rng("bias"), faults={4: "bad_extract"})
    assert faulty.exposed == (4,)
    assert clean.public_key_package.group_public_key == faulty.public_key_package.group_public_key


def test_two_faults_with_t_honest() -> None:
    run = simulate(
        7, 4, rng=deterministic_rng(3), faults={1: "bad_share:5", 6: ["silent_after_deal"]}
    )
    assert sorted(run.key_packages) == [2, 3, 4, 5, 7]
    _check_output(run.public_key_package, list(run.key_packages.values()), 4, N)
    assert run.exposed == (6,)
    assert set(run.blamed) == {1, 6}


def test_too_few_qualified_dealers_fails_naming_culprits() -> None:
    with pytest.raises(MisbehaviourError) as e:
        run_in_process(4, 3, rng=deterministic_rng(4), faults={1: "silent", 2: "silent"})
    assert e.value.culprits == (1, 2)


def test_runner_bad_arguments() -> None:
    with pytest.raises(ParameterError):
        run_in_process(3, 4)
    with pytest.raises(ParameterError):
        run_in_process(3, 0)
    with pytest.raises(ParameterError):
        run_in_process(0, 1)
    with pytest.raises(ParameterError):
        run_in_process(3, 2, faults={9: "silent"})
    with pytest.raises(ParameterError):
        run_in_process(3, 2, faults={1: "explode"})
    for target in ("9", "1", "x"):  # bad_share to a non-participant, to itself, not an id
        with pytest.raises(ParameterError):
            run_in_process(3, 2, faults={1: f"bad_share:{target}"})


def test_shared_cache_does_not_change_results() -> None:
    a = simulate(5, 3, rng=deterministic_rng(9), share_cache=True)
    b = simulate(5, 3, rng=deterministic_rng(9), share_cache=False)
    assert a.public_key_package.to_bytes() == b.public_key_package.to_bytes()
    assert a.cache_hits > 0


_CHECK_FAULTS = {2: "bad_share:5", 4: "bad_commitment", 6: "bad_extract", 7: "false_complaint"}


@pytest.mark.parametrize(
    "ids",
    [None, [2**20 + 3 * i for i in range(1, 9)]],  # small ids, and ids that always batch
)
def test_batch_and_per_dealer_checks_agree(ids) -> None:
    """Shared cache -> batch checks with one aggregate; private caches -> dealer-by-dealer
    checks (for small ids). Same QUAL, exposed dealers, blame and keys, faults included."""
    named = ids or list(range(1, 9))
    faults = {named[k - 1]: v for k, v in _CHECK_FAULTS.items()}
    faults[named[1]] = f"bad_share:{named[4]}"
    kw = {"faults": faults, "identifiers": ids}
    a = simulate(8, 5, rng=deterministic_rng(8), share_cache=True, **kw)
    b = simulate(8, 5, rng=deterministic_rng(8), share_cache=False, **kw)
    assert a.public_key_package.to_bytes() == b.public_key_package.to_bytes()
    assert (a.qual, a.disqualified, a.exposed) == (b.qual, b.disqualified, b.exposed)
    assert a.blamed == b.blamed
    assert a.disqualified == (named[3],) and a.exposed == (named[5],)
    assert {named[1], named[3], named[5]} <= set(a.blamed)
    s_a, s_b = a.sessions[named[0]], b.sessions[named[0]]
    assert s_a._batch_checks() and s_b._batch_checks() == (ids is not None)
    for i, kp in a.key_packages.items():
        assert kp.signing_share == b.key_packages[i].signing_share


def test_bls12_381_public_keys_in_g1() -> None:
    pytest.importorskip("cryptocore.bls12_381")
    g = get_group("bls12_381")
    pub, kps = run_in_process(4, 3, group="bls12_381", rng=deterministic_rng(5))
    assert len(pub.group_public_key.to_bytes()) == 48
    _check_output(pub, kps, 3, g.order, "bls12_381")
    run = simulate(4, 3, group="bls12_381", rng=deterministic_rng(6), faults={3: "bad_extract"})
    assert run.exposed == (3,)
    _check_output(run.public_key_package, list(run.key_packages.values()), 3, g.order, "bls12_381")


# ---------------------------------------------------------------------------- building blocks


def test_commitment_evaluator_table_matches_horner() -> None:
    g = get_group("secp256k1")
    pts = tuple(Point.base_mul(k) for k in range(3, 15))
    ev = CommitmentEvaluator(pts, g)
    # small x use Horner on raw structs; the table is built after a few large x (custom ids)
    for x in (1, 2, 3, 4, 5, 77, N - 1, 2**200, 2**100 + 7, N - 2, 2**255, 2**17):
        assert ev.at(x) == horner(pts, x, N)
        assert ev.at(x) == _naive_eval(pts, x)
    assert ev._table is not None  # the fixed-base path was exercised


def _naive_eval(points, x: int):
    """sum_k C_k·(x^k mod N) term by term through Point.__mul__ and Point.sum (the reference)."""
    return Point.sum(c * pow(x, k, N) for k, c in enumerate(points))


small_or_large = st.one_of(st.integers(0, 40), st.integers(0, 2**16), st.integers(0, 2 * N))


@given(
    scalars=st.lists(st.integers(0, 50), min_size=1, max_size=12),
    x=small_or_large,
    fill=st.booleans(),
)
def test_raw_horner_matches_point_arithmetic(scalars, x, fill) -> None:
    """Horner on raw libsecp256k1 structs (both step kinds: repeated combine for x <= 24,
    tweak_mul above) equals plain Point arithmetic, identities and cancellations included."""
    pts = [Point.base_mul(s) for s in scalars]  # small discrete logs: cancellations happen
    if fill:
        pts = [p if not p.is_identity else Point.base_mul(1) for p in pts]
    assert horner(pts, x, N) == _naive_eval(pts, x % N)


@pytest.mark.parametrize("x", [1, 2, 3, 24, 25, 1000])
def test_raw_horner_passes_through_the_identity(x: int) -> None:
    # C = (C0, C1, C2) with x·C2 + C1 = O: the accumulator is the identity in the middle
    c2 = Point.base_mul(5)
    c1 = -(c2 * x)
    c0 = Point.base_mul(9)
    assert horner([c0, c1, c2], x, N) == c0
    assert horner([c1, c2], x, N).is_identity  # and the whole evaluation may be the identity
    assert CommitmentEvaluator((c0, c1, c2), get_group("secp256k1")).at(x) == c0


@given(
    logs=st.lists(st.lists(st.integers(1, 30), min_size=3, max_size=3), min_size=1, max_size=6),
    ws=st.lists(st.integers(0, 2**130), min_size=6, max_size=6),
    negate=st.booleans(),
)
def test_weighted_commitment_raw_matches_msm(logs, ws, negate) -> None:
    """The raw-struct aggregate equals msm term by term (repeated, opposite points, zero and
    over-order weights, sums that are the identity)."""
    g = get_group("secp256k1")
    cs = [
        tuple(Point.base_mul(-v if negate and i % 2 else v) for v in row)
        for i, row in enumerate(logs)
    ]
    w = ws[: len(cs)]
    want = tuple(multi_scalar(g, w, [c[k] for c in cs]) for k in range(3))
    assert weighted_commitment(cs, w, g) == want
    # a weight vector that makes coefficient 0 sum to the identity
    if len(cs) >= 2:
        a, b = logs[0][0], logs[1][0]
        sign = -1 if negate else 1
        w2 = [b, (-a * sign) % N, *([1] * (len(cs) - 2))]
        expect0 = Point.sum(c[0] * wi for c, wi in zip(cs, w2, strict=True))
        assert weighted_commitment(cs, w2, g)[0] == expect0


@given(coeffs=st.lists(st.integers(0, N - 1), min_size=1, max_size=12), data=st.data())
def test_interpolate_recovers_the_polynomial(coeffs, data) -> None:
    xs = data.draw(
        st.lists(st.integers(1, N - 1), min_size=len(coeffs), max_size=len(coeffs), unique=True)
    )
    pts = {x: evaluate(coeffs, x, N) for x in xs}
    assert interpolate(pts, N) == [c % N for c in coeffs]


@given(
    polys=st.lists(
        st.lists(st.integers(0, N - 1), min_size=1, max_size=40), min_size=1, max_size=3
    ),
    xs=st.lists(st.one_of(st.integers(0, 2**16 + 5), st.integers(0, N - 1)), max_size=6),
)
def test_share_evaluation_matches_reference(polys, xs) -> None:
    want = [[evaluate(p, x, N) for x in xs] for p in polys]
    assert _evaluate_python(polys, xs, N) == want
    assert evaluate_at_many(polys, xs, N) == want


def test_weighted_commitment_is_the_weighted_sum() -> None:
    g = get_group("secp256k1")
    cs = [tuple(Point.base_mul(10 * i + k) for k in range(3)) for i in range(1, 5)]
    ws = list(derive_weights(bytes(32), b"x", bytes(32), [1, 2, 3, 4]).values())
    assert all(0 < w < 2**128 for w in ws)
    agg = weighted_commitment(cs, ws, g)
    for k in range(3):
        assert agg[k] == Point.base_mul(sum(w * (10 * i + k) for i, w in zip(range(1, 5), ws)) % N)
    assert multi_scalar(g, [2, 3], [cs[0][0], cs[1][0]]) == cs[0][0] * 2 + cs[1][0] * 3
    with pytest.raises(ParameterError):
        weighted_commitment([], [], g)
    with pytest.raises(ParameterError):
        weighted_commitment(cs, ws[:2], g)  # one weight per commitment


def test_n16_with_faults_uses_the_fast_paths() -> None:
    run = simulate(
        16, 11, rng=deterministic_rng(16), faults={3: "bad_extract", 9: "bad_share_unjustified"}
    )
    assert run.exposed == (3,) and run.disqualified == (9,)
    _check_output(run.public_key_package, list(run.key_packages.values()), 11, N)
    assert run.cache_hits > 0


@pytest.mark.slow
@pytest.mark.parametrize("group", ["secp256k1", "bls12_381"])
def test_n_minus_t_faults_of_every_kind(group: str) -> None:
    """n = 22, t = 15: seven faulty participants (the most robustness allows), one per kind."""
    if group == "bls12_381":
        pytest.importorskip("cryptocore.bls12_381")
    g = get_group(group)
    faults = {2: "silent", 5: "silent_after_deal", 7: "bad_share:8", 11: "bad_share_unjustified"}
    faults |= {13: "bad_commitment", 17: "bad_extract", 19: "false_complaint"}
    run = simulate(22, 15, group, rng=deterministic_rng(group), faults=faults)
    # 19 accuses everybody, so 5 (silent after dealing) fails to justify and is disqualified
    assert run.disqualified == (2, 5, 11, 13)
    assert run.exposed == (17,)
    assert set(run.blamed) == {2, 5, 7, 11, 13, 17}
    _check_output(run.public_key_package, list(run.key_packages.values()), 15, g.order, group)

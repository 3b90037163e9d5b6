"""BLS signatures: the blst and arkworks backends against the py_ecc reference, threshold BLS.

Run: ``.venv/bin/python -m benches.bench_bls`` (about a minute). Prints two markdown tables:

1. sign / verify / pairing / G2 scalar multiplication through the library's API on each backend;
   the ratios are py_ecc's time over each native backend's (target: verify at least 100x faster).
2. threshold BLS on each native backend: one signature share, combining t = 11 and t = 67 shares
   (with the default share verification and without), verification of the result; the ratio is
   to a plain single-signer BLS signature on the same backend, measured in the same run.

Medians of 3 runs. ``BENCH_BLS_QUICK=1`` halves the repetitions.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from collections.abc import Callable

from cryptocore.bls12_381 import G1Point, G2Point, R, get_backend, hash_to_g2, pairing_check
from cryptocore.rng import deterministic_rng
from mdkm.bls import scheme
from mdkm.bls.threshold import combine, sign_share, verify
from mdkm.dealer import trusted_dealer_keygen

QUICK = os.environ.get("BENCH_BLS_QUICK") == "1"
MSG = b"litho-crypto bench: release 10 ETH to 0xabc"


def _per_op_ms(fn: Callable[[], object], n: int) -> float:
    """Median over 3 runs of the mean time of ``n`` calls, in ms."""
    n = max(1, n // 2) if QUICK else n
    runs = []
    for _ in range(3):
        t = time.perf_counter()
        for _ in range(n):
            fn()
        runs.append((time.perf_counter() - t) / n * 1000)
    return statistics.median(runs)


def _backend_ops(name: str, n: int) -> dict[str, float]:
    b = get_backend(name)
    sk = scheme.keygen(b"\x42" * 32)
    pk = scheme.sk_to_pk(sk, backend=b)
    sig = scheme.sign(sk, MSG, backend=b)
    g1, g2 = G1Point.generator(b), G2Point.generator(b)
    a, k = g1 * 12345, R - 987654321
    return {
        "sign": _per_op_ms(lambda: scheme.sign(sk, MSG, backend=b), n),
        "verify": _per_op_ms(lambda: scheme.verify(pk, MSG, sig, backend=b), n),
        "pairing check e(aP, Q) = e(P, aQ)": _per_op_ms(
            lambda: pairing_check([(a, g2), (-g1, g2 * 12345)], backend=b), n
        ),
        "G2 scalar mult (public)": _per_op_ms(lambda: g2 * k, n),
        "G2 scalar mult (secret: constant time on blst, blinded elsewhere)": _per_op_ms(
            lambda: g2.mul_secret(k), n
        ),
        "hash to G2 (RFC 9380 RO)": _per_op_ms(
            lambda: hash_to_g2(
                MSG, b"BENCH-V01-CS01-with-BLS12381G2_XMD:SHA-256_SSWU_RO_", backend=b
            ),
            n,
        ),
    }


def main() -> None:
    fast: dict[str, dict[str, float]] = {}
    for name in ("blst", "arkworks"):
        print(f"measuring {name} ...", file=sys.stderr)
        fast[name] = _backend_ops(name, 200)
    print("measuring py_ecc (slow) ...", file=sys.stderr)
    ref = _backend_ops("py_ecc", 2)
    print(
        f"\nMachine: {platform.processor() or platform.machine()}, Python {sys.version.split()[0]}"
    )
    print("\n| operation | blst | arkworks | py_ecc | py_ecc / blst | py_ecc / arkworks |")
    print("|---|---|---|---|---|---|")
    for op in ref:
        b, a = fast["blst"][op], fast["arkworks"][op]
        print(
            f"| {op} | {b:.3f} ms | {a:.3f} ms | {ref[op]:.1f} ms | {ref[op] / b:.0f}x "
            f"| {ref[op] / a:.0f}x |"
        )

    for name in ("blst", "arkworks"):
        print(f"measuring threshold BLS on {name} ...", file=sys.stderr)
        bk = get_backend(name)
        rows: list[tuple[str, float]] = []
        base = fast[name]["sign"]
        for t in (11, 67):
            pub, kps = trusted_dealer_keygen(t + 2, t, group="bls12_381", rng=deterministic_rng(t))
            shares = [sign_share(kp, MSG, backend=bk) for kp in kps[:t]]
            sig = combine(pub, shares, MSG, backend=bk)
            gpk = pub.group_public_key.to_bytes()
            if t == 11:
                rows.append(
                    ("sign one share", _per_op_ms(lambda: sign_share(kps[0], MSG, backend=bk), 200))
                )
            rows.append(
                (
                    f"combine t = {t} (shares verified)",
                    _per_op_ms(lambda: combine(pub, shares, MSG, backend=bk), 20),
                )
            )
            rows.append(
                (
                    f"combine t = {t} (verify=False)",
                    _per_op_ms(lambda: combine(pub, shares, MSG, verify=False, backend=bk), 20),
                )
            )
            rows.append(
                (f"verify (t = {t})", _per_op_ms(lambda: verify(gpk, MSG, sig, backend=bk), 100))
            )
        print(f"\nThreshold BLS ({name}); baseline: plain BLS sign {base:.3f} ms\n")
        print("| operation | time | / plain sign |")
        print("|---|---|---|")
        for label, ms in rows:
            print(f"| {label} | {ms:.3f} ms | {ms / base:.1f}x |")


if __name__ == "__main__":
    main()

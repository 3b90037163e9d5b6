"""secp256k1 benchmarks: hash-to-curve, MSM vs n separate multiplications, BIP340 vs coincurve.

Run: ``.venv/bin/python -m benches.bench_secp256k1`` (about a minute). Prints markdown tables;
every ratio compares to a baseline measured in the same run.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Callable

from coincurve import PrivateKey, PublicKeyXOnly

from cryptocore.secp256k1 import (
    FixedBaseTable,
    G,
    N,
    Point,
    encode_to_curve,
    hash_to_curve,
    hash_to_curve_many,
    hash_to_field,
    msm,
    mul_add_g,
    schnorr_sign,
    schnorr_verify,
)

h2c = sys.modules["cryptocore.secp256k1.hash_to_curve"]
bip = sys.modules["cryptocore.secp256k1.bip340"]


def per_call_us(fn: Callable[[], object], budget: float = 0.3, repeats: int = 5) -> float:
    """Median over ``repeats`` runs of the mean CPU time per call, in microseconds.

    CPU time of this process (``time.process_time``), not wall time: the benchmark machine is
    shared by several jobs, and CPU time is far less disturbed by them.
    """
    clock = time.process_time
    fn()
    t0 = clock()
    fn()
    one = max(clock() - t0, 1e-6)
    loops = max(1, int(budget / repeats / one))
    samples = []
    for _ in range(repeats):
        t0 = clock()
        for _ in range(loops):
            fn()
        samples.append((clock() - t0) / loops)
    return statistics.median(samples) * 1e6


def fmt(us: float) -> str:
    return f"{us / 1000:.2f} ms" if us >= 1000 else f"{us:.1f} µs"


def bench_hash_to_curve() -> None:
    dst = b"QUUX-V01-CS02-with-secp256k1_XMD:SHA-256_SSWU_RO_"
    # The cost depends on the message (one or two decompressions per u), so every row is the
    # mean over the same 64 messages.
    msgs = [b"msg-%d" % i for i in range(64)]

    def each(fn: Callable[[bytes], object]) -> Callable[[], None]:
        def run() -> None:
            for m in msgs:
                fn(m)

        return run

    def reference(m: bytes) -> Point:
        u0, u1 = hash_to_field(m, dst, 2)
        return h2c._map_to_curve_reference(u0) + h2c._map_to_curve_reference(u1)

    assert all(reference(m) == hash_to_curve(m, dst) for m in msgs[:8])

    def without_gmpy2(fn: Callable[[], object]) -> Callable[[], object]:
        def run() -> object:
            saved = h2c._inv
            h2c._inv = h2c._inv_python
            try:
                return fn()
            finally:
                h2c._inv = saved

        return run

    per_msg = len(msgs)
    base = per_call_us(each(reference), 1.0) / per_msg
    rows = [
        ("RFC 9380 reference (affine, sqrt by exponentiation)", base),
        ("hash_to_curve (RO)", per_call_us(each(lambda m: hash_to_curve(m, dst))) / per_msg),
        (
            "hash_to_curve (RO), without gmpy2 (`pow(x, -1, p)`)",
            per_call_us(without_gmpy2(each(lambda m: hash_to_curve(m, dst)))) / per_msg,
        ),
        (
            "hash_to_curve_many (RO), without gmpy2, per message",
            per_call_us(without_gmpy2(lambda: hash_to_curve_many(msgs, dst))) / per_msg,
        ),
        ("encode_to_curve (NU)", per_call_us(each(lambda m: encode_to_curve(m, dst))) / per_msg),
        (
            "hash_to_field (2 elements)",
            per_call_us(each(lambda m: hash_to_field(m, dst, 2))) / per_msg,
        ),
    ]
    print("\n### hash_to_curve (secp256k1_XMD:SHA-256_SSWU_RO_), mean over 64 messages\n")
    print("| operation | time per message | speed-up vs reference |")
    print("|---|---|---|")
    for name, us in rows:
        print(f"| {name} | {fmt(us)} | {base / us:.1f}x |")


def bench_msm() -> None:
    rnd = random.Random(2026)
    print("\n### MSM: sum(k_i * P_i), random 256-bit public scalars\n")
    print(
        "Points are decompressed once, when decoded (`Point` caches libsecp256k1's struct), so "
        "both columns start from decoded points.\n"
    )
    print(
        "| n | naive (n × `P * k` + `Point.sum`) | `msm` | ratio | "
        "`FixedBaseTable.msm` | ratio | table build |"
    )
    print("|---|---|---|---|---|---|---|")
    for n in (16, 64, 256, 1000):
        ps = [Point.base_mul(rnd.randrange(1, N)) for _ in range(n)]
        ks = [rnd.randrange(N) for _ in range(n)]

        def naive(ks: list[int] = ks, ps: list[Point] = ps) -> Point:
            return Point.sum([p * k for k, p in zip(ks, ps, strict=True)])

        expected = naive()
        assert msm(ks, ps) == expected
        budget = 0.3 if n <= 256 else 1.0
        reps = 5 if n <= 256 else 3
        t_naive = per_call_us(naive, budget, reps)
        t_msm = per_call_us(lambda ks=ks, ps=ps: msm(ks, ps), budget, reps)
        t0 = time.process_time()
        table = FixedBaseTable(ps)
        t_build = (time.process_time() - t0) * 1e6
        assert table.msm(ks) == expected
        t_fixed = per_call_us(lambda ks=ks, table=table: table.msm(ks), budget, reps)
        print(
            f"| {n} | {fmt(t_naive)} | {fmt(t_msm)} | {t_naive / t_msm:.2f}x | "
            f"{fmt(t_fixed)} | {t_naive / t_fixed:.2f}x | {fmt(t_build)} |"
        )


def bench_g_pair() -> None:
    rnd = random.Random(7)
    pub = Point.base_mul(rnd.randrange(1, N))
    s, c = rnd.randrange(N), rnd.randrange(N)
    assert msm([s, c], [G, pub]) == Point.base_mul(s) + pub * c == mul_add_g(s, c, pub)
    t_naive = per_call_us(lambda: Point.base_mul(s) + pub * c)
    t_msm = per_call_us(lambda: msm([s, c], [G, pub]))
    t_mag = per_call_us(lambda: mul_add_g(s, c, pub))
    print("\n### s·G + c·P (Schnorr / ring-signature verification shape)\n")
    print(
        "| naive (`Point.base_mul(s) + P * c`) | `msm([s, c], [G, P])` | ratio"
        " | `mul_add_g(s, c, P)` | ratio |"
    )
    print("|---|---|---|---|---|")
    print(
        f"| {fmt(t_naive)} | {fmt(t_msm)} | {t_naive / t_msm:.2f}x"
        f" | {fmt(t_mag)} | {t_naive / t_mag:.2f}x |"
    )


def bench_bip340() -> None:
    rnd = random.Random(340)
    sk = rnd.randrange(1, N)
    aux = bytes(32)
    msg32 = bytes(range(32))
    msg100 = bytes(range(100))
    cc_key = PrivateKey(sk.to_bytes(32, "big"))
    pub = cc_key.public_key_xonly.format()
    sig32 = schnorr_sign(msg32, sk, aux)
    sig100 = schnorr_sign(msg100, sk, aux)
    assert cc_key.sign_schnorr(msg32, aux) == sig32

    def cc_verify() -> bool:
        return PublicKeyXOnly(pub).verify(sig32, msg32)

    t_cc_sign = per_call_us(lambda: cc_key.sign_schnorr(msg32, aux))
    t_cc_sign_fresh = per_call_us(
        lambda: PrivateKey(sk.to_bytes(32, "big")).sign_schnorr(msg32, aux)
    )
    t_cc_verify = per_call_us(cc_verify)
    rows = [
        ("sign, 32-byte msg", t_cc_sign_fresh, per_call_us(lambda: schnorr_sign(msg32, sk, aux))),
        ("sign, 100-byte msg", None, per_call_us(lambda: schnorr_sign(msg100, sk, aux))),
        (
            "sign, reference path (Point)",
            None,
            per_call_us(lambda: bip._sign_reference(msg32, sk, aux)),
        ),
        (
            "verify, 32-byte msg",
            t_cc_verify,
            per_call_us(lambda: schnorr_verify(msg32, pub, sig32)),
        ),
        (
            "verify, 100-byte msg",
            None,
            per_call_us(lambda: schnorr_verify(msg100, pub, sig100)),
        ),
        (
            "verify, reference path (Point)",
            None,
            per_call_us(lambda: bip._verify_reference(msg32, pub, sig32)),
        ),
    ]
    print("\n### BIP340 (both sides verify after signing)\n")
    print(f"coincurve `PrivateKey.sign_schnorr` on a cached key object: {fmt(t_cc_sign)}\n")
    print("| operation | coincurve 21 (new key object) | cryptocore | ratio coincurve / ours |")
    print("|---|---|---|---|")
    for name, cc, ours in rows:
        cc_s = fmt(cc) if cc is not None else "n/a (32-byte messages only)"
        ratio = f"{cc / ours:.2f}x" if cc is not None else "-"
        print(f"| {name} | {cc_s} | {fmt(ours)} | {ratio} |")


def main() -> None:
    print("## secp256k1 benchmarks")
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"\nPython {sys.version.split()[0]}, {when}")
    bench_hash_to_curve()
    bench_msm()
    bench_g_pair()
    bench_bip340()


if __name__ == "__main__":
    main()

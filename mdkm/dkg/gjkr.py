"""Robust distributed key generation in the style of Gennaro, Jarecki, Krawczyk and Rabin,
"Secure Distributed Key Generation for Discrete-Log Based Cryptosystems", J. Cryptology 20(1),
2007 (GJKR), section 4.2, Fig. 2 ("DKG").

This module holds the protocol's parameters and its stateless building blocks; the per-participant
state machine is :class:`mdkm.dkg.session.DkgSession`. Threshold convention: ``t`` shares
reconstruct (polynomials of degree ``t-1``; GJKR's ``t`` is our ``t-1``).

Phases (each a broadcast round; GJKR step numbers in brackets):

1. DEAL [1(a)]: dealer ``i`` picks ``f_i``, ``f'_i`` of degree ``t-1`` and broadcasts the Pedersen
   commitment ``C_ik = a_ik·G + b_ik·H`` together with, for every participant ``j``, the pair
   ``(s_ij, s'_ij) = (f_i(j), f'_i(j))`` sealed to ``j`` (:mod:`mdkm.dkg.channel`).
2. COMPLAINT [1(b)-(c)]: ``j`` checks every share against Eq. (4) and accuses the dealers whose
   share fails (or does not decrypt).
3. JUSTIFY [1(d)]: an accused dealer reveals the accuser's pair publicly; a dealer with ``>= t``
   accusations, a missing or a false justification is disqualified. QUAL is the set of dealers
   left [2]; it is a function of broadcast messages only, so every honest participant computes
   the same QUAL. Fewer than ``t`` dealers in QUAL aborts.
4. EXTRACT [4(a)]: each dealer in QUAL broadcasts ``A_ik = a_ik·G``.
5. EXTRACT_COMPLAINT [4(b)]: ``j`` checks ``s_ij·G == sum_k A_ik·j^k`` (Eq. (5)); on failure it
   reveals its pair ``(s_ij, s'_ij)``, which satisfies Eq. (4) but not Eq. (5) — a public proof.
6. RECONSTRUCT [4(c)]: for each dealer exposed by a valid complaint (or silent in phase 4) every
   participant reveals its pair; any ``t`` pairs that satisfy Eq. (4) determine ``f_i`` (Pedersen
   binding), hence ``A_ik`` publicly. The dealer's contribution still counts, so it can neither
   stop the protocol nor bias the key.

Output: ``y = sum_{i in QUAL} A_i0``, ``x_j = sum_{i in QUAL} s_ij``, verifying shares
``Y_l = sum_k (sum_i A_ik)·l^k``.

Share checks are batched (Bellare-Garay-Rabin, EUROCRYPT '98, "small exponents test"): with
128-bit weights ``rho_i`` derived by hashing the whole phase transcript (all broadcast DEAL
messages — the sealed shares are in them, so the weights are fixed only after every dealer has
committed to every share), participant ``j`` checks one equation

    (sum_i rho_i s_ij)·G + (sum_i rho_i s'_ij)·H == sum_k (sum_i rho_i C_ik)·j^k

and falls back to per-dealer checks only when it fails, to name the culprits. A false batch
equation passes with probability <= 2^-128 per weight draw. The aggregated commitment
``sum_i rho_i C_ik`` is a deterministic function of public broadcast data, identical for every
participant; :class:`PublicCache` lets an in-process runner compute it once (keyed by the SHA-256
of its exact inputs, so a participant with a different view computes its own).

Robustness needs at least ``t`` honest participants (at most ``n - t`` faulty); secrecy needs at
most ``t - 1`` corrupt ones. The protocol assumes GJKR's model: a reliable broadcast channel and
synchronous phases (messages of a phase arrive before its deadline at every honest participant).
"""

from __future__ import annotations

import hashlib
import importlib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final, TypeVar

from coincurve._libsecp256k1 import ffi, lib

from cryptocore.errors import ParameterError
from cryptocore.group import Group, get_group
from cryptocore.secp256k1 import N, Point
from cryptocore.secp256k1.point import _CTX, _serialize
from mdkm.keys import check_identifiers

__all__ = [
    "PROTOCOL_VERSION",
    "CommitmentEvaluator",
    "DkgParameters",
    "PublicCache",
    "derive_weights",
    "evaluate_at_many",
    "horner",
    "interpolate",
    "multi_scalar",
    "weighted_commitment",
]

PROTOCOL_VERSION: Final = b"LITHO-CRYPTO-V01-GJKR-DKG"
_WEIGHT_DST: Final = b"LITHO-CRYPTO-V01-GJKR-DKG-BATCH-WEIGHTS"
WEIGHT_BITS: Final = 128
_STRUCT: Final = 64  # sizeof(secp256k1_pubkey)

T = TypeVar("T")


@dataclass(frozen=True, slots=True, kw_only=True)
class DkgParameters:
    """What every participant must agree on before a DKG: it all goes into the session id.

    ``participants`` maps each identifier to its long-term secp256k1 identity public key;
    ``context`` is application data that makes the session unique (epoch, chain id, nonce).
    ``phase_timeout`` is the seconds each phase waits for missing messages.
    """

    group: str
    threshold: int
    participants: Mapping[int, Point]
    context: bytes = b""
    phase_timeout: float = 30.0
    _session_id: bytes = field(default=b"", init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        g = get_group(self.group)
        ids = check_identifiers(self.participants.keys(), g.order)
        if len(ids) < 1 or len(ids) >= 1 << 16:
            raise ParameterError("need between 1 and 65535 participants")
        if not isinstance(self.threshold, int) or not 1 <= self.threshold <= len(ids):
            raise ParameterError("need 1 <= threshold <= number of participants")
        for i in ids:
            pk = self.participants[i]
            if not isinstance(pk, Point) or pk.is_identity:
                raise ParameterError("identity keys must be non-identity secp256k1 points")
        if len({self.participants[i] for i in ids}) != len(ids):
            raise ParameterError("two participants share an identity key")
        if not self.phase_timeout > 0:
            raise ParameterError("phase timeout must be positive")
        object.__setattr__(
            self, "participants", MappingProxyType({i: self.participants[i] for i in ids})
        )
        object.__setattr__(self, "context", bytes(self.context))
        h = hashlib.sha256()
        h.update(len(PROTOCOL_VERSION).to_bytes(2, "big") + PROTOCOL_VERSION)
        h.update(len(g.name).to_bytes(2, "big") + g.name.encode())
        h.update(self.threshold.to_bytes(4, "big") + len(ids).to_bytes(4, "big"))
        for i in ids:
            h.update(i.to_bytes(g.scalar_length, "big") + self.participants[i].to_bytes())
        h.update(len(self.context).to_bytes(4, "big") + self.context)
        object.__setattr__(self, "_session_id", h.digest())

    @property
    def session_id(self) -> bytes:
        """SHA-256 over version, group, t, n, every (id, identity key) and the context."""
        return self._session_id

    @property
    def ids(self) -> tuple[int, ...]:
        return tuple(self.participants)

    @property
    def group_obj(self) -> Group:
        return get_group(self.group)


class PublicCache:
    """Memo for deterministic functions of *public* data, keyed by SHA-256 of the exact inputs.

    A participant gets the same answer it would have computed itself: the key names the function
    and hashes every input. Sharing one cache between in-process sessions saves recomputing
    values such as the aggregated commitment; secrets must never be stored here.

    ``shared=True`` tells the sessions that several participants use this cache: they then
    check shares with the batch equation, whose aggregated commitment (n·t multiplications
    by 128-bit weights) is computed once for all of them. With a private cache (the default,
    a real deployment) a session checks dealer by dealer — n Horner evaluations with its small
    identifier, about 2.5x cheaper than building the aggregate alone (benches/results/dkg.md).
    Both are complete checks of every dealer; they name the same culprits.
    """

    __slots__ = ("_decoded", "_digests", "_store", "hits", "misses", "shared")

    def __init__(self, *, shared: bool = False) -> None:
        self.shared = bool(shared)
        self._store: dict[bytes, Any] = {}
        self._decoded: dict[bytes, Any] = {}
        self._digests: dict[bytes, bytes] = {}
        self.hits = 0
        self.misses = 0

    def decoded(self, raw: bytes, decode: Callable[[bytes], T]) -> T:
        """``decode(raw)``, memoised by the message bytes themselves (a pure function of them)."""
        hit = self._decoded.get(raw)
        if hit is None:
            hit = decode(raw)
            self._decoded[raw] = hit
        value: T = hit
        return value

    def known(self, raw: bytes) -> Any | None:
        """The decoding of ``raw`` remembered by :meth:`remember`, or None."""
        return self._decoded.get(raw)

    def remember(self, raw: bytes, decoded: Any) -> None:
        """Memoise the decoding of a message some session accepted (or buffered) — only those,
        so that messages a session rejects (another session id, replays, equivocations, late)
        never accumulate: the memo stays bounded by the messages the protocol lets in."""
        self._decoded[raw] = decoded

    def digest(self, raw: bytes) -> bytes:
        """SHA-256 of a public message, memoised by its bytes."""
        d = self._digests.get(raw)
        if d is None:
            d = hashlib.sha256(raw).digest()
            self._digests[raw] = d
        return d

    def get(self, key: bytes, compute: Callable[[], T]) -> T:
        if key in self._store:
            self.hits += 1
            value: T = self._store[key]
            return value
        self.misses += 1
        value = compute()
        self._store[key] = value
        return value


def derive_weights(
    session_id: bytes, label: bytes, digest: bytes, ids: Sequence[int]
) -> dict[int, int]:
    """128-bit nonzero batch weights ``rho_i = H(DST || sid || label || digest || i)`` (public)."""
    out = {}
    prefix = _WEIGHT_DST + session_id + len(label).to_bytes(1, "big") + label + digest
    for i in ids:
        v = int.from_bytes(hashlib.sha256(prefix + i.to_bytes(32, "big")).digest()[:16], "big")
        out[i] = v or 1
    return out


def multi_scalar(group: Group, scalars: Sequence[int], points: Sequence[Any]) -> Any:
    """``sum_i k_i · P_i`` for public scalars through the group's multi-scalar multiplication
    (secp256k1: :func:`cryptocore.secp256k1.msm`; BLS12-381 G1: ``G1Point.multiexp``)."""
    if group.name == "secp256k1":
        from cryptocore.secp256k1 import msm

        return msm(list(scalars), list(points))
    if group.name == "bls12_381":
        g1 = importlib.import_module("cryptocore.bls12_381").G1Point
        return g1.multiexp(list(points), list(scalars))
    return group.sum(p * k for p, k in zip(points, scalars, strict=True))  # pragma: no cover


class CommitmentEvaluator:
    """Evaluates ``sum_k C_k · x^k`` for one public commitment at many points ``x``.

    secp256k1: Horner's rule on raw libsecp256k1 structs (:func:`horner`), which for the small
    identifiers of a DKG (below 2^16) beats a fixed-base table even when all n participants
    are evaluated (no 2^8 combines per base to build it; measured in benches/results/dkg.md).
    Large points ``x`` (application-chosen identifiers) switch to a Lim-Lee fixed-base table
    over the ``C_k`` (:class:`cryptocore.secp256k1.FixedBaseTable`) after a few calls. Other
    groups: Horner with the group's own arithmetic. All paths give the same point.
    """

    __slots__ = ("_calls", "_group", "_table", "points")

    TABLE_AFTER: Final = 3
    SMALL_X: Final = 1 << 16

    def __init__(self, points: Sequence[Any], group: Group) -> None:
        if not points:
            raise ParameterError("empty commitment")
        self.points = tuple(points)
        self._group = group
        self._table: Any = None
        self._calls = 0

    def at(self, x: int) -> Any:
        q = self._group.order
        x %= q
        if x < self.SMALL_X or self._group.name != "secp256k1" or len(self.points) <= 8:
            return horner(self.points, x, q)
        self._calls += 1
        if self._table is None and self._calls > self.TABLE_AFTER:
            from cryptocore.secp256k1 import FixedBaseTable

            self._table = FixedBaseTable(self.points)
        if self._table is not None:
            powers, acc = [], 1
            for _ in self.points:
                powers.append(acc)
                acc = acc * x % q
            return self._table.msm(powers)
        return horner(self.points, x, q)


def horner(commitment: Sequence[Any], x: int, order: int) -> Any:
    """``sum_k C_k · x^k`` (Horner in the exponent; public scalars, variable time).

    secp256k1 points go through :func:`_horner_secp256k1` (the same result, without creating
    and serialising a Point per step).
    """
    if not commitment:
        raise ParameterError("empty commitment")
    x %= order
    if order == N and all(isinstance(c, Point) for c in commitment):
        return _horner_secp256k1(commitment, x)
    acc = commitment[-1]
    for c in reversed(commitment[:-1]):
        acc = acc * x + c
    return acc


_REPEAT_MAX: Final = 24  # x·acc + C as ONE combine of x copies of acc: cheaper than tweak_mul


def _horner_secp256k1(points: Sequence[Any], x: int) -> Point:
    """Horner's rule for secp256k1 on raw ``secp256k1_pubkey`` structs, public scalars only.

    Each step ``acc = x·acc + C_k`` is ``secp256k1_ec_pubkey_tweak_mul`` (variable time) and one
    ``secp256k1_ec_pubkey_combine``; for ``x <= 24`` it is a single ``combine`` of x copies of
    ``acc`` and ``C_k`` (x additions, one normalisation). combine fails only when the sum is
    the point at infinity, which is tracked; no intermediate Point is created or serialised.
    """
    if x == 0 or any(p.is_identity for p in points):
        acc = points[-1]
        for c in reversed(points[:-1]):
            acc = acc * x + c
        return acc  # type: ignore[no-any-return]
    structs = [p._struct() for p in points]
    bufs = ffi.new("secp256k1_pubkey[2]")
    ffi.memmove(bufs, structs[-1], _STRUCT)
    cur, have = 0, True
    combine = lib.secp256k1_ec_pubkey_combine
    if x <= _REPEAT_MAX:
        arrs = [ffi.new("secp256k1_pubkey *[]", [bufs + b] * x + [ffi.NULL]) for b in (0, 1)]
        for c in reversed(structs[:-1]):
            if not have:  # acc was the identity: x·O + C_k = C_k
                ffi.memmove(bufs + cur, c, _STRUCT)
                have = True
                continue
            arr = arrs[cur]
            arr[x] = c
            have = bool(combine(_CTX, bufs + (1 - cur), arr, x + 1))
            cur = 1 - cur
    else:
        kb = x.to_bytes(32, "big")
        pair = ffi.new("secp256k1_pubkey *[2]")
        for c in reversed(structs[:-1]):
            if not have:
                ffi.memmove(bufs + cur, c, _STRUCT)
                have = True
                continue
            # 0 < x < N and the group has prime order: x·acc is never the identity
            lib.secp256k1_ec_pubkey_tweak_mul(_CTX, bufs + cur, kb)
            pair[0] = bufs + cur
            pair[1] = c
            have = bool(combine(_CTX, bufs + (1 - cur), pair, 2))
            cur = 1 - cur
    return Point(_serialize(bufs + cur)) if have else Point.identity()


def weighted_commitment(
    commitments: Sequence[Sequence[Any]], weights: Sequence[int], group: Group
) -> tuple[Any, ...]:
    """``(sum_i rho_i C_i0, ..., sum_i rho_i C_i,t-1)``: one multi-scalar sum per coefficient.

    secp256k1: each term is one ``tweak_mul`` on a copy of the point's parsed struct and each
    coefficient one ``combine`` (what :func:`cryptocore.secp256k1.msm` does below its Pippenger
    threshold, without re-validating, re-parsing and merging n·t terms one by one).
    """
    if not commitments:
        raise ParameterError("no commitments to aggregate")
    t = len(commitments[0])
    ws = list(weights)
    if len(ws) != len(commitments) or any(len(c) != t for c in commitments):
        raise ParameterError("one weight per commitment, all of the same length")
    if group.name == "secp256k1" and all(
        isinstance(p, Point) and not p.is_identity for c in commitments for p in c
    ):
        ks = [w % N for w in ws]
        if all(ks):
            return _weighted_secp256k1(commitments, ks, t)
    return tuple(multi_scalar(group, ws, [c[k] for c in commitments]) for k in range(t))


def _weighted_secp256k1(
    commitments: Sequence[Sequence[Point]], ks: Sequence[int], t: int
) -> tuple[Point, ...]:
    n = len(commitments)
    kbs = [k.to_bytes(32, "big") for k in ks]
    arr = ffi.new(f"secp256k1_pubkey[{n}]")
    ptrs = ffi.new("secp256k1_pubkey *[]", [arr + i for i in range(n)])
    tweak = lib.secp256k1_ec_pubkey_tweak_mul
    out: list[Point] = []
    for k in range(t):
        for i in range(n):
            ffi.memmove(arr + i, commitments[i][k]._struct(), _STRUCT)
            tweak(_CTX, arr + i, kbs[i])  # 0 < k_i < N: never the identity
        res = ffi.new("secp256k1_pubkey *")
        if lib.secp256k1_ec_pubkey_combine(_CTX, res, ptrs, n):
            out.append(Point(_serialize(res)))
        else:  # the weighted sum is the identity
            out.append(Point.identity())
    return tuple(out)


# ----------------------------------------------------------------------- scalar-field batch work
def _field_backend() -> Any | None:
    """``cryptocore.field.get_backend()`` (numba or Python ints, chosen by
    ``LITHO_FIELD_BACKEND``); ``LITHO_DKG_FIELD=python`` forces this module's own pure-Python
    loops instead (the bench compares both)."""
    if os.environ.get("LITHO_DKG_FIELD", "").lower() == "python":
        return None
    try:
        mod = importlib.import_module("cryptocore.field")
    except ImportError:  # pragma: no cover - cryptocore.field ships with the package
        return None
    return mod.get_backend()


def evaluate_at_many(
    polys: Sequence[Sequence[int]], xs: Sequence[int], order: int
) -> list[list[int]]:
    """``out[p][x] = polys[p](xs[x]) mod order`` (routes to the field backend when present)."""
    backend = _field_backend()
    if backend is not None and hasattr(backend, "poly_eval_matrix"):
        res = backend.poly_eval_matrix([list(p) for p in polys], list(xs), order)
        return [[int(v) for v in row] for row in res]
    return _evaluate_python(polys, xs, order)


def _evaluate_python(
    polys: Sequence[Sequence[int]], xs: Sequence[int], order: int
) -> list[list[int]]:
    """Horner with lazy reduction: for small ``x`` (<= 16 bits) reduce every 16 steps only."""
    out = []
    for p in polys:
        rev = list(reversed(p))
        row = []
        for x in xs:
            acc = 0
            if 0 <= x < 1 << 16:
                for k, c in enumerate(rev):
                    acc = acc * x + c
                    if k & 15 == 15:
                        acc %= order
                row.append(acc % order)
            else:
                for c in rev:
                    acc = (acc * x + c) % order
                row.append(acc)
        out.append(row)
    return out


def interpolate(points: Mapping[int, int], order: int) -> list[int]:
    """Coefficients ``[c_0, ..., c_{m-1}]`` of the unique polynomial of degree < m through the m
    given points (Lagrange basis expanded; O(m^2)). Used to reconstruct an exposed dealer's
    polynomial publicly (GJKR step 4(c))."""
    xs = list(points)
    m = len(xs)
    if m == 0:
        raise ParameterError("no points")
    if len({x % order for x in xs}) != m:
        raise ParameterError("duplicate interpolation points")
    # master polynomial P(z) = prod (z - x_j), coefficients low to high
    master = [1]
    for xj in xs:
        nxt = [0] * (len(master) + 1)
        for k, c in enumerate(master):
            nxt[k] = (nxt[k] - xj * c) % order
            nxt[k + 1] = (nxt[k + 1] + c) % order
        master = nxt
    coeffs = [0] * m
    for xi in xs:
        # q(z) = P(z) / (z - xi) by synthetic division
        q = [0] * m
        carry = 0
        for k in range(m, 0, -1):
            carry = (master[k] + carry * xi) % order if k < m else master[k]
            q[k - 1] = carry
        denom = 1
        for xj in xs:
            if xj != xi:
                denom = denom * (xi - xj) % order
        scale = points[xi] * pow(denom, -1, order) % order
        for k in range(m):
            coeffs[k] = (coeffs[k] + scale * q[k]) % order
    return coeffs

"""One-time (stealth) accounts: the CryptoNote dual-key construction on secp256k1.

The recipient holds a *view* key pair (v, V = v·G) and a *spend* key pair (s, S = s·G) and
publishes the :class:`MetaAddress` (S, V). For output number ``i`` of a payment the sender draws
an ephemeral key r and publishes R = r·G with the one-time key

    P = H_s(r·V, i)·G + S                      (CryptoNote v2.0 whitepaper, section 4.3)

where, in this library's profile ``litho-crypto/one-time/v1``,

    d   = SHA-256(ser_P(r·V))                   libsecp256k1's default ECDH hash (done in C)
    H_s = int(hash_tag(derive)(d || ser_32(i))) mod n
    tag = hash_tag(view-tag)(d || ser_32(i))[0]   one-byte view tag (Monero's view tags)

with BIP340 tagged hashes. The receiver computes d = SHA-256(ser_P(v·R)) with the view secret
alone, compares the view tag (255 of 256 foreign outputs stop here), recomputes P on a tag match,
and spends with x = H_s(v·R, i) + s (mod n), for which x·G = P.

The output index ``i`` in the derivation means that one ephemeral key may serve all outputs of a
transaction (CryptoNote's transaction key) without two outputs getting the same one-time key.
A *reused* ephemeral key with a reused index still collides; :mod:`locked_accounts.scan` reports
such duplicate one-time keys explicitly instead of silently counting a burned output.

Secret scalar multiplications use libsecp256k1's constant-time paths only (``ecmult_gen`` for
r·G, ``secp256k1_ecdh`` for r·V and v·R). The ECDH hash never leaves C, so the shared point is
not materialised in Python.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, NoReturn, Self

from coincurve._libsecp256k1 import ffi, lib
from coincurve.context import GLOBAL_CONTEXT

from cryptocore.encoding import expect_length
from cryptocore.errors import EncodingError, ParameterError
from cryptocore.hashing import tagged_hash
from cryptocore.rng import Rng, random_scalar
from cryptocore.secp256k1 import N, Point
from cryptocore.secret import SecretValue

__all__ = [
    "ANNOUNCEMENT_LEN",
    "ANNOUNCEMENT_VERSION",
    "TAG_DERIVE",
    "TAG_VIEW",
    "AccountKeys",
    "Announcement",
    "MetaAddress",
    "OneTimeSecret",
    "SpendKey",
    "ViewKey",
    "derive_spend_key",
    "ecdh_sha256",
    "is_mine",
    "one_time_scalar",
    "send",
    "send_many",
    "view_tag",
]

TAG_DERIVE: Final = b"litho-crypto/one-time/v1/derive"
TAG_VIEW: Final = b"litho-crypto/one-time/v1/view-tag"
ANNOUNCEMENT_VERSION: Final = 1
ANNOUNCEMENT_LEN: Final = 1 + 33 + 4 + 1 + 33
MAX_INDEX: Final = 2**32 - 1

_CTX = GLOBAL_CONTEXT.ctx


# --------------------------------------------------------------------------- secrets
class _SecretScalar(SecretValue):
    """A nonzero scalar mod n. Immutable, redacted repr, not hashable, constant-time equality."""

    __slots__ = ("_k",)
    _k: int

    def __init__(self, k: int) -> None:
        if isinstance(k, bool) or not isinstance(k, int):
            raise ParameterError(f"{type(self).__name__}: expected an integer scalar")
        if not 0 < k < N:
            raise ParameterError(f"{type(self).__name__}: scalar must be in [1, n)")
        object.__setattr__(self, "_k", k)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    @classmethod
    def generate(cls, rng: Rng | None = None) -> Self:
        return cls(random_scalar(N, rng))

    @classmethod
    def from_bytes(cls, data: bytes) -> Self:
        """32-byte big-endian scalar in [1, n)."""
        k = int.from_bytes(expect_length(data, 32, cls.__name__), "big")
        if not 0 < k < N:
            raise EncodingError(f"{cls.__name__}: scalar must be in [1, n)")
        return cls(k)

    def to_bytes(self) -> bytes:
        return self._k.to_bytes(32, "big")

    @property
    def scalar(self) -> int:
        """The secret scalar itself (handle with care)."""
        return self._k

    def public_key(self) -> Point:
        """k·G (constant time)."""
        return Point.base_mul(self._k)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(<redacted>)"

    def __reduce__(self) -> NoReturn:
        raise TypeError(f"{type(self).__name__} cannot be pickled")


class ViewKey(_SecretScalar):
    """The view secret v: recognises incoming outputs, cannot spend them."""

    __slots__ = ()


class SpendKey(_SecretScalar):
    """The spend secret s: needed (with v) to derive one-time spend secrets."""

    __slots__ = ()


class OneTimeSecret(_SecretScalar):
    """The one-time spend secret x = H_s(v·R, i) + s for one output (x·G = P)."""

    __slots__ = ()


# --------------------------------------------------------------------------- public values
@dataclass(frozen=True, slots=True, kw_only=True)
class MetaAddress:
    """The recipient's published pair (spend public S, view public V).

    Encoding: ``ser_P(S) || ser_P(V)`` (66 bytes), the order of CryptoNote addresses and of
    ERC-5564 stealth meta-addresses.
    """

    spend_public: Point
    view_public: Point

    def __post_init__(self) -> None:
        for name in ("spend_public", "view_public"):
            p = getattr(self, name)
            if not isinstance(p, Point):
                raise ParameterError(f"meta-address: {name} must be a Point")
            if p.is_identity:
                raise ParameterError(f"meta-address: {name} is the identity")

    def to_bytes(self) -> bytes:
        return self.spend_public.to_bytes() + self.view_public.to_bytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> MetaAddress:
        data = expect_length(data, 66, "meta-address")
        return cls(
            spend_public=Point.from_bytes(data[:33]), view_public=Point.from_bytes(data[33:])
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Announcement:
    """What the sender publishes for one output: R, the output index i, the view tag, P.

    Encoding (72 bytes): ``0x01 || ser_P(R) || ser_32(i) || tag || ser_P(P)``.
    """

    ephemeral_public: Point
    index: int
    view_tag: int
    one_time_public: Point

    def __post_init__(self) -> None:
        for name in ("ephemeral_public", "one_time_public"):
            p = getattr(self, name)
            if not isinstance(p, Point) or p.is_identity:
                raise ParameterError(f"announcement: {name} must be a non-identity Point")
        if isinstance(self.index, bool) or not isinstance(self.index, int):
            raise ParameterError("announcement: index must be an integer")
        if not 0 <= self.index <= MAX_INDEX:
            raise ParameterError("announcement: index out of range [0, 2^32)")
        if isinstance(self.view_tag, bool) or not isinstance(self.view_tag, int):
            raise ParameterError("announcement: view tag must be an integer")
        if not 0 <= self.view_tag <= 255:
            raise ParameterError("announcement: view tag must be one byte")

    def to_bytes(self) -> bytes:
        return (
            bytes([ANNOUNCEMENT_VERSION])
            + self.ephemeral_public.to_bytes()
            + self.index.to_bytes(4, "big")
            + bytes([self.view_tag])
            + self.one_time_public.to_bytes()
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> Announcement:
        data = expect_length(data, ANNOUNCEMENT_LEN, "announcement")
        if data[0] != ANNOUNCEMENT_VERSION:
            raise EncodingError("announcement: unknown version")
        return cls(
            ephemeral_public=Point.from_bytes(data[1:34]),
            index=int.from_bytes(data[34:38], "big"),
            view_tag=data[38],
            one_time_public=Point.from_bytes(data[39:72]),
        )


class AccountKeys:
    """A recipient's two secrets (view key v, spend key s). Redacted repr, not hashable."""

    __slots__ = ("spend_key", "view_key")
    view_key: ViewKey
    spend_key: SpendKey

    def __init__(self, *, view_key: ViewKey, spend_key: SpendKey) -> None:
        if not isinstance(view_key, ViewKey) or not isinstance(spend_key, SpendKey):
            raise ParameterError("AccountKeys: expected a ViewKey and a SpendKey")
        object.__setattr__(self, "view_key", view_key)
        object.__setattr__(self, "spend_key", spend_key)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("AccountKeys is immutable")

    @classmethod
    def generate(cls, rng: Rng | None = None) -> AccountKeys:
        """Two independent uniform secrets (v and s must be independent)."""
        view = ViewKey(random_scalar(N, rng))
        spend = SpendKey(random_scalar(N, rng))
        return cls(view_key=view, spend_key=spend)

    def meta_address(self) -> MetaAddress:
        return MetaAddress(
            spend_public=self.spend_key.public_key(), view_public=self.view_key.public_key()
        )

    def __repr__(self) -> str:
        return "AccountKeys(<redacted>)"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AccountKeys):
            return NotImplemented
        return (self.view_key == other.view_key) & (self.spend_key == other.spend_key)

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> NoReturn:
        raise TypeError("AccountKeys cannot be pickled")


# --------------------------------------------------------------------------- derivation
def ecdh_sha256(secret: int, point: Point) -> bytes:
    """SHA-256(ser_P(secret·point)) through libsecp256k1's constant-time ``secp256k1_ecdh``.

    libsecp256k1's default ECDH hash is SHA-256 over (0x02 | parity(y)) || x, i.e. over the
    33-byte compressed shared point; the point itself never reaches Python.
    """
    if not 0 < secret < N:
        raise ParameterError("ecdh: secret scalar must be in [1, n)")
    if point.is_identity:
        raise ParameterError("ecdh: the identity is not a valid public key")
    pk = ffi.new("secp256k1_pubkey *")
    if not lib.secp256k1_ec_pubkey_parse(_CTX, pk, point.to_bytes(), 33):
        raise EncodingError("ecdh: not a point on secp256k1")  # pragma: no cover - validated
    out = ffi.new("unsigned char[32]")
    if not lib.secp256k1_ecdh(_CTX, out, pk, secret.to_bytes(32, "big"), ffi.NULL, ffi.NULL):
        raise ParameterError("ecdh: invalid scalar")  # pragma: no cover - range checked
    return bytes(ffi.buffer(out, 32))


def _check_index(index: int) -> bytes:
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index <= MAX_INDEX:
        raise ParameterError("output index must be an integer in [0, 2^32)")
    return index.to_bytes(4, "big")


def view_tag(derivation: bytes, index: int) -> int:
    """One-byte view tag: hash_{litho-crypto/one-time/v1/view-tag}(d || ser_32(i))[0]."""
    return tagged_hash(TAG_VIEW, bytes(derivation) + _check_index(index))[0]


def one_time_scalar(derivation: bytes, index: int) -> int:
    """H_s(d, i) = int(hash_{litho-crypto/one-time/v1/derive}(d || ser_32(i))) mod n.

    The reduction bias is below 2^-127 (n > 2^256 - 2^129). A zero result (probability 2^-256)
    raises ParameterError rather than produce P = S.
    """
    h = int.from_bytes(tagged_hash(TAG_DERIVE, bytes(derivation) + _check_index(index)), "big")
    h %= N
    if h == 0:
        raise ParameterError("one-time derivation hashed to zero")  # pragma: no cover
    return h


def _one_time_public(derivation: bytes, index: int, spend_public: Point) -> Point:
    return Point.base_mul(one_time_scalar(derivation, index)) + spend_public


def send(
    meta: MetaAddress, *, index: int = 0, rng: Rng | None = None, ephemeral: int | None = None
) -> Announcement:
    """Pay ``meta`` with a fresh ephemeral key (or the given one); returns the announcement.

    ``ephemeral`` exists for tests and vectors; reusing it with the same ``index`` for two
    outputs gives them the same one-time key (the scanner reports this as a duplicate).
    """
    if not isinstance(meta, MetaAddress):
        raise ParameterError("send: expected a MetaAddress")
    r = random_scalar(N, rng) if ephemeral is None else ephemeral
    if isinstance(r, bool) or not isinstance(r, int) or not 0 < r < N:
        raise ParameterError("send: ephemeral secret must be in [1, n)")
    d = ecdh_sha256(r, meta.view_public)
    return Announcement(
        ephemeral_public=Point.base_mul(r),
        index=index,
        view_tag=view_tag(d, index),
        one_time_public=_one_time_public(d, index, meta.spend_public),
    )


def send_many(metas: Sequence[MetaAddress], *, rng: Rng | None = None) -> tuple[Announcement, ...]:
    """All outputs of one transaction: one ephemeral key r (CryptoNote's transaction key), output
    ``i`` addressed with index ``i``. Outputs to the same recipient get distinct one-time keys.
    """
    if len(metas) == 0:
        raise ParameterError("send_many: no recipients")
    r = random_scalar(N, rng)
    R = Point.base_mul(r)
    out = []
    for i, meta in enumerate(metas):
        if not isinstance(meta, MetaAddress):
            raise ParameterError("send_many: expected MetaAddress recipients")
        d = ecdh_sha256(r, meta.view_public)
        out.append(
            Announcement(
                ephemeral_public=R,
                index=i,
                view_tag=view_tag(d, i),
                one_time_public=_one_time_public(d, i, meta.spend_public),
            )
        )
    return tuple(out)


def is_mine(announcement: Announcement, view_key: ViewKey, spend_public: Point) -> bool:
    """Whether the output is addressed to (view_key, spend_public). Needs no spend secret.

    The view tag is compared first; the one-time key is recomputed only on a tag match.
    """
    if not isinstance(view_key, ViewKey):
        raise ParameterError("is_mine: expected a ViewKey")
    d = ecdh_sha256(view_key.scalar, announcement.ephemeral_public)
    if view_tag(d, announcement.index) != announcement.view_tag:
        return False
    expected = _one_time_public(d, announcement.index, spend_public)
    return hmac.compare_digest(expected.to_bytes(), announcement.one_time_public.to_bytes())


def derive_spend_key(
    announcement: Announcement, view_key: ViewKey, spend_key: SpendKey
) -> OneTimeSecret:
    """x = H_s(v·R, i) + s mod n, checked against P (ParameterError if the output is not ours).

    The check covers the whole key, not only the view tag: a tag that matches by chance
    (probability 1/256) with a different key raises.
    """
    if not isinstance(view_key, ViewKey) or not isinstance(spend_key, SpendKey):
        raise ParameterError("derive_spend_key: expected a ViewKey and a SpendKey")
    d = ecdh_sha256(view_key.scalar, announcement.ephemeral_public)
    x = (one_time_scalar(d, announcement.index) + spend_key.scalar) % N
    if x == 0 or not hmac.compare_digest(
        Point.base_mul(x).to_bytes(), announcement.one_time_public.to_bytes()
    ):
        raise ParameterError("announcement is not addressed to these keys")
    return OneTimeSecret(x)

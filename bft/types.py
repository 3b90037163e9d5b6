"""Value types of the linear BFT protocol: blocks, quorum and timeout certificates, committees.

Every type is a frozen dataclass with a canonical ``to_bytes``/``from_bytes``. A quorum
certificate is one 96-byte threshold BLS signature plus its epoch, view and block hash, whatever
the committee size (HotStuff, Yin et al., PODC 2019, section 4.4 "threshold signatures").

Errors raised while decoding or validating messages come from :mod:`cryptocore.errors`; the
subclasses below only name the reason a message is dropped.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from cryptocore.errors import EncodingError, MisbehaviourError, ParameterError, ProtocolError

__all__ = [
    "GENESIS_QC",
    "HASH_LEN",
    "MAX_PAYLOAD",
    "SIG_LEN",
    "Block",
    "Committee",
    "QuorumCert",
    "Reader",
    "ReplayedMessage",
    "StaleMessage",
    "TimeoutCert",
    "UnknownSender",
    "Writer",
    "genesis_block",
    "quorum_weight",
    "timeout_message",
    "vote_message",
]

HASH_LEN = 32
SIG_LEN = 96  # compressed BLS12-381 G2 point (min-pk ciphersuite)
MAX_PAYLOAD = 16 * 1024 * 1024
_QC_STRUCT = struct.Struct(">BIQ32s96s")
_BLOCK_HEAD = struct.Struct(">BIQQ32sI")
_VOTE_DST = b"litho-bft/v1/vote"
_TIMEOUT_DST = b"litho-bft/v1/timeout"
_BLOCK_DST = b"litho-bft/v1/block"


class UnknownSender(MisbehaviourError):
    """A message came from a node that is not in the committee (or is not the view's leader)."""


class ReplayedMessage(MisbehaviourError):
    """A message repeats one already processed (same signer, same view, same kind)."""


class StaleMessage(ProtocolError):
    """A message is for a view or epoch the replica has already left."""


# ------------------------------------------------------------------------------------------
# canonical encoding helpers


class Writer:
    """Big-endian, length-prefixed writer for canonical encodings."""

    __slots__ = ("_parts",)

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def u8(self, v: int) -> Writer:
        self._parts.append(struct.pack(">B", v))
        return self

    def u32(self, v: int) -> Writer:
        self._parts.append(struct.pack(">I", v))
        return self

    def u64(self, v: int) -> Writer:
        self._parts.append(struct.pack(">Q", v))
        return self

    def raw(self, b: bytes) -> Writer:
        self._parts.append(bytes(b))
        return self

    def var(self, b: bytes) -> Writer:
        self._parts.append(struct.pack(">I", len(b)))
        self._parts.append(bytes(b))
        return self

    def getvalue(self) -> bytes:
        return b"".join(self._parts)


class Reader:
    """Strict reader: every read checks bounds; :meth:`done` rejects trailing bytes."""

    __slots__ = ("_data", "_off", "_what")

    def __init__(self, data: bytes, what: str) -> None:
        if not isinstance(data, bytes | bytearray | memoryview):
            raise EncodingError(f"{what}: expected bytes")
        self._data = bytes(data)
        self._off = 0
        self._what = what

    def _take(self, n: int) -> bytes:
        end = self._off + n
        if n < 0 or end > len(self._data):
            raise EncodingError(f"{self._what}: truncated input")
        out = self._data[self._off : end]
        self._off = end
        return out

    def u8(self) -> int:
        return int(self._take(1)[0])

    def u32(self) -> int:
        return int(struct.unpack(">I", self._take(4))[0])

    def u64(self) -> int:
        return int(struct.unpack(">Q", self._take(8))[0])

    def raw(self, n: int) -> bytes:
        return self._take(n)

    def var(self, limit: int = MAX_PAYLOAD) -> bytes:
        n = self.u32()
        if n > limit:
            raise EncodingError(f"{self._what}: field too long")
        return self._take(n)

    def unpack(self, st: struct.Struct) -> tuple[Any, ...]:
        """Several fixed-size fields at once (one bounds check)."""
        end = self._off + st.size
        if end > len(self._data):
            raise EncodingError(f"{self._what}: truncated input")
        out = st.unpack_from(self._data, self._off)
        self._off = end
        return out

    def remaining(self) -> int:
        return len(self._data) - self._off

    def done(self) -> None:
        if self._off != len(self._data):
            raise EncodingError(f"{self._what}: trailing bytes")


def _check_u(v: int, bits: int, what: str) -> None:
    if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v < (1 << bits):
        raise ParameterError(f"{what} out of range")


def _check_bytes(b: bytes, n: int, what: str) -> None:
    if not isinstance(b, bytes) or len(b) != n:
        raise ParameterError(f"{what} must be {n} bytes")


# ------------------------------------------------------------------------------------------
# signed statements


def vote_message(epoch: int, view: int, block_hash: bytes) -> bytes:
    """The statement a vote share signs: (epoch, view, block hash) under a vote DST."""
    return _VOTE_DST + struct.pack(">IQ", epoch, view) + block_hash


def timeout_message(epoch: int, view: int) -> bytes:
    """The statement a timeout share signs: (epoch, view) under a timeout DST.

    The same statement for every sender, so a quorum of shares combines into one threshold
    signature (the timeout certificate), keeping the view change linear.
    """
    return _TIMEOUT_DST + struct.pack(">IQ", epoch, view)


def quorum_weight(total_weight: int) -> int:
    """Smallest weight strictly above two thirds of ``total_weight``: floor(2W/3) + 1."""
    if total_weight < 1:
        raise ParameterError("total weight must be positive")
    return (2 * total_weight) // 3 + 1


# ------------------------------------------------------------------------------------------
# certificates


@dataclass(frozen=True, slots=True, kw_only=True)
class QuorumCert:
    """A quorum certificate: threshold signature of > 2/3 of the weight on (epoch, view, hash)."""

    epoch: int
    view: int
    block_hash: bytes
    signature: bytes

    ENCODED_LEN = 1 + 4 + 8 + HASH_LEN + SIG_LEN

    def __post_init__(self) -> None:
        _check_u(self.epoch, 32, "epoch")
        _check_u(self.view, 64, "view")
        _check_bytes(self.block_hash, HASH_LEN, "block hash")
        _check_bytes(self.signature, SIG_LEN, "signature")

    @property
    def is_genesis(self) -> bool:
        return self.view == 0

    def signed_message(self) -> bytes:
        return vote_message(self.epoch, self.view, self.block_hash)

    def to_bytes(self) -> bytes:
        return _QC_STRUCT.pack(1, self.epoch, self.view, self.block_hash, self.signature)

    @classmethod
    def read(cls, r: Reader) -> QuorumCert:
        ver, epoch, view, h, sig = r.unpack(_QC_STRUCT)
        if ver != 1:
            raise EncodingError("quorum certificate: bad version")
        return cls(epoch=epoch, view=view, block_hash=h, signature=sig)

    @classmethod
    def from_bytes(cls, data: bytes) -> QuorumCert:
        r = Reader(data, "quorum certificate")
        out = cls.read(r)
        r.done()
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class TimeoutCert:
    """A timeout certificate: threshold signature of > 2/3 of the weight on (epoch, view)."""

    epoch: int
    view: int
    signature: bytes

    def __post_init__(self) -> None:
        _check_u(self.epoch, 32, "epoch")
        _check_u(self.view, 64, "view")
        _check_bytes(self.signature, SIG_LEN, "signature")

    def signed_message(self) -> bytes:
        return timeout_message(self.epoch, self.view)

    def to_bytes(self) -> bytes:
        return Writer().u8(1).u32(self.epoch).u64(self.view).raw(self.signature).getvalue()

    @classmethod
    def read(cls, r: Reader) -> TimeoutCert:
        if r.u8() != 1:
            raise EncodingError("timeout certificate: bad version")
        epoch, view = r.u32(), r.u64()
        return cls(epoch=epoch, view=view, signature=r.raw(SIG_LEN))

    @classmethod
    def from_bytes(cls, data: bytes) -> TimeoutCert:
        r = Reader(data, "timeout certificate")
        out = cls.read(r)
        r.done()
        return out


# ------------------------------------------------------------------------------------------
# blocks


@dataclass(frozen=True, slots=True, kw_only=True)
class Block:
    """A block: an opaque payload (a batch of transactions) ordered after its parent.

    ``justify`` certifies the parent (``justify.block_hash == parent``): as in chained HotStuff
    (Yin et al. 2019, Algorithm 3) a block carries the QC of its parent, so a chain of blocks is
    also a chain of certificates. Validators order payloads; they never execute them.
    """

    epoch: int
    view: int
    height: int
    parent: bytes
    proposer: int
    justify: QuorumCert
    payload: bytes = b""
    hash: bytes = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_u(self.epoch, 32, "epoch")
        _check_u(self.view, 64, "view")
        _check_u(self.height, 64, "height")
        _check_u(self.proposer, 32, "proposer")
        _check_bytes(self.parent, HASH_LEN, "parent hash")
        if not isinstance(self.payload, bytes) or len(self.payload) > MAX_PAYLOAD:
            raise ParameterError("payload must be bytes of at most MAX_PAYLOAD")
        if self.height > 0:
            if self.justify.block_hash != self.parent:
                raise ParameterError("block: justify must certify the parent")
            if self.justify.view >= self.view:
                raise ParameterError("block: justify view must be below the block view")
        h = hashlib.sha256(_BLOCK_DST + self._header()).digest()
        object.__setattr__(self, "hash", h)

    def _header(self) -> bytes:
        head = _BLOCK_HEAD.pack(1, self.epoch, self.view, self.height, self.parent, self.proposer)
        return head[1:] + self.justify.to_bytes() + hashlib.sha256(self.payload).digest()

    def to_bytes(self) -> bytes:
        head = _BLOCK_HEAD.pack(1, self.epoch, self.view, self.height, self.parent, self.proposer)
        n = struct.pack(">I", len(self.payload))
        return head + self.justify.to_bytes() + n + self.payload

    @classmethod
    def read(cls, r: Reader) -> Block:
        ver, epoch, view, height, parent, proposer = r.unpack(_BLOCK_HEAD)
        if ver != 1:
            raise EncodingError("block: bad version")
        justify = QuorumCert.read(r)
        payload = r.var()
        try:
            return cls(
                epoch=epoch,
                view=view,
                height=height,
                parent=parent,
                proposer=proposer,
                justify=justify,
                payload=payload,
            )
        except ParameterError as exc:
            raise EncodingError(f"block: {exc}") from None

    @classmethod
    def from_bytes(cls, data: bytes) -> Block:
        r = Reader(data, "block")
        out = cls.read(r)
        r.done()
        return out


_ZERO = bytes(HASH_LEN)
GENESIS_QC = QuorumCert(epoch=0, view=0, block_hash=_ZERO, signature=bytes(SIG_LEN))


def genesis_block(chain_id: bytes = b"litho") -> Block:
    """The genesis block: height 0, view 0; its parent field carries a hash of the chain id."""
    parent = hashlib.sha256(b"litho-bft/v1/genesis" + chain_id).digest()
    return Block(
        epoch=0,
        view=0,
        height=0,
        parent=parent,
        proposer=0,
        justify=GENESIS_QC,
        payload=b"",
    )


# ------------------------------------------------------------------------------------------
# committees


@dataclass(frozen=True, slots=True, kw_only=True)
class Committee:
    """An epoch's committee: node ids with voting weights; the quorum is > 2/3 of the weight.

    ``last_height`` is the height of the epoch's last block with a payload (``None`` for an
    open-ended epoch). Blocks of the epoch above it carry no payload; once the last block is
    committed the next epoch's committee takes over.
    """

    epoch: int
    weights: Mapping[int, int]
    last_height: int | None = None

    def __post_init__(self) -> None:
        _check_u(self.epoch, 32, "epoch")
        if not self.weights:
            raise ParameterError("committee is empty")
        for k, v in self.weights.items():
            _check_u(k, 32, "node id")
            if not isinstance(v, int) or v < 1:
                raise ParameterError("weights must be positive integers")
        if self.last_height is not None:
            _check_u(self.last_height, 64, "last height")
        object.__setattr__(self, "weights", MappingProxyType(dict(sorted(self.weights.items()))))

    @property
    def members(self) -> tuple[int, ...]:
        return tuple(self.weights)

    @property
    def total_weight(self) -> int:
        return sum(self.weights.values())

    @property
    def quorum(self) -> int:
        return quorum_weight(self.total_weight)

    def weight_of(self, signers: Iterable[int]) -> int:
        """Total weight of a collection of *distinct* signers."""
        return sum(self.weights.get(s, 0) for s in set(signers))

"""Wire messages of the linear BFT protocol, with canonical encodings.

Every message is ``version (1 byte) || type (1 byte) || body``. The sender is not part of the
message: the transport authenticates it (a signed handshake, :mod:`bft.transport`), and the
simulator passes it explicitly. Votes and timeouts carry threshold signature shares over the
statements of :func:`bft.types.vote_message` / :func:`bft.types.timeout_message`.

Message flow per view (linear; Yin et al. 2019, section 5 "chained HotStuff"):

* the leader broadcasts a :class:`Proposal` (block + the QC of its parent, + a TC after a failed
  view);
* each replica sends one :class:`Vote` to the *next* leader only;
* on a local timeout each replica sends one :class:`Timeout` (share + its highest QC) to the next
  leader only;
* a lagging replica asks any peer for missing blocks with :class:`SyncRequest` and gets a
  :class:`SyncResponse`.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptocore.errors import EncodingError, ParameterError

from .types import HASH_LEN, MAX_PAYLOAD, Block, QuorumCert, Reader, TimeoutCert, Writer

__all__ = [
    "MAX_MESSAGE",
    "VERSION",
    "Message",
    "Proposal",
    "SyncInfo",
    "SyncRequest",
    "SyncResponse",
    "Timeout",
    "Vote",
    "decode",
]

VERSION = 1
MAX_MESSAGE = 64 * 1024 * 1024
MAX_SHARE = 96 * 4096  # a weighted share holds at most 4096 unit shares
MAX_SYNC_BLOCKS = 256

_T_PROPOSAL = 1
_T_VOTE = 2
_T_TIMEOUT = 3
_T_SYNC_REQ = 4
_T_SYNC_RESP = 5
_T_SYNC_INFO = 6


def _head(t: int) -> Writer:
    return Writer().u8(VERSION).u8(t)


@dataclass(frozen=True, slots=True, kw_only=True)
class Proposal:
    """A leader's block for ``block.view``; ``tc`` proves view ``block.view - 1`` timed out."""

    block: Block
    tc: TimeoutCert | None = None

    def __post_init__(self) -> None:
        if self.tc is not None and self.tc.view + 1 != self.block.view:
            raise ParameterError("proposal: the TC must be for the view before the block")
        if (
            self.block.height > 0
            and self.tc is None
            and self.block.justify.view + 1 != self.block.view
        ):
            raise ParameterError("proposal: a view change needs a TC")

    def to_bytes(self) -> bytes:
        w = _head(_T_PROPOSAL).raw(self.block.to_bytes())
        if self.tc is None:
            w.u8(0)
        else:
            w.u8(1).raw(self.tc.to_bytes())
        return w.getvalue()


@dataclass(frozen=True, slots=True, kw_only=True)
class Vote:
    """A vote share for (epoch, view, block_hash), sent to the leader of ``view + 1``."""

    epoch: int
    view: int
    block_hash: bytes
    share: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.block_hash, bytes) or len(self.block_hash) != HASH_LEN:
            raise ParameterError("vote: block hash must be 32 bytes")
        if not isinstance(self.share, bytes) or not 0 < len(self.share) <= MAX_SHARE:
            raise ParameterError("vote: bad share length")

    def to_bytes(self) -> bytes:
        w = _head(_T_VOTE).u32(self.epoch).u64(self.view).raw(self.block_hash)
        return w.var(self.share).getvalue()


@dataclass(frozen=True, slots=True, kw_only=True)
class Timeout:
    """A timeout share for (epoch, view) with the sender's highest QC, sent to the next leader.

    ``last_vote`` re-sends the sender's latest vote (as LibraBFT does): when the leader that
    should have combined those votes is down, whoever collects the timeouts can still form the
    QC, so a crashed leader costs one certificate less.
    """

    epoch: int
    view: int
    high_qc: QuorumCert
    share: bytes
    last_vote: Vote | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.share, bytes) or not 0 < len(self.share) <= MAX_SHARE:
            raise ParameterError("timeout: bad share length")
        if self.high_qc.view > self.view:
            raise ParameterError("timeout: high QC is from a later view")
        if self.last_vote is not None and (
            self.last_vote.epoch != self.epoch or self.last_vote.view > self.view
        ):
            raise ParameterError("timeout: last vote from another epoch or a later view")

    def to_bytes(self) -> bytes:
        w = _head(_T_TIMEOUT).u32(self.epoch).u64(self.view).raw(self.high_qc.to_bytes())
        w.var(self.share)
        if self.last_vote is None:
            w.u8(0)
        else:
            v = self.last_vote
            w.u8(1).u64(v.view).raw(v.block_hash).var(v.share)
        return w.getvalue()


@dataclass(frozen=True, slots=True, kw_only=True)
class SyncRequest:
    """Ask for the block ``block_hash`` and up to ``count - 1`` of its ancestors."""

    block_hash: bytes
    count: int

    def __post_init__(self) -> None:
        if not isinstance(self.block_hash, bytes) or len(self.block_hash) != HASH_LEN:
            raise ParameterError("sync request: block hash must be 32 bytes")
        if not 1 <= self.count <= MAX_SYNC_BLOCKS:
            raise ParameterError("sync request: bad count")

    def to_bytes(self) -> bytes:
        return _head(_T_SYNC_REQ).raw(self.block_hash).u32(self.count).getvalue()


@dataclass(frozen=True, slots=True, kw_only=True)
class SyncResponse:
    """Blocks, newest first, each the parent of the one before it."""

    blocks: tuple[Block, ...]

    def __post_init__(self) -> None:
        if not 1 <= len(self.blocks) <= MAX_SYNC_BLOCKS:
            raise ParameterError("sync response: bad block count")
        for child, parent in zip(self.blocks, self.blocks[1:], strict=False):
            if child.parent != parent.hash:
                raise ParameterError("sync response: blocks do not chain")

    def to_bytes(self) -> bytes:
        w = _head(_T_SYNC_RESP).u32(len(self.blocks))
        for b in self.blocks:
            w.raw(b.to_bytes())
        return w.getvalue()


@dataclass(frozen=True, slots=True, kw_only=True)
class SyncInfo:
    """The sender's highest QC and latest TC, sent in reply to a message from a past view so
    that a lagging (or restarted) replica can jump to the current view (one message, linear)."""

    high_qc: QuorumCert
    tc: TimeoutCert | None = None

    def to_bytes(self) -> bytes:
        w = _head(_T_SYNC_INFO).raw(self.high_qc.to_bytes())
        if self.tc is None:
            w.u8(0)
        else:
            w.u8(1).raw(self.tc.to_bytes())
        return w.getvalue()


Message = Proposal | Vote | Timeout | SyncRequest | SyncResponse | SyncInfo


def decode(data: bytes) -> Message:
    """Decode one message; raise :class:`EncodingError` for anything non-canonical."""
    if not isinstance(data, bytes | bytearray | memoryview) or len(data) > MAX_MESSAGE:
        raise EncodingError("message: not bytes or too long")
    r = Reader(bytes(data), "message")
    if r.u8() != VERSION:
        raise EncodingError("message: unknown version")
    t = r.u8()
    try:
        msg: Message
        if t == _T_PROPOSAL:
            block = Block.read(r)
            flag = r.u8()
            if flag not in (0, 1):
                raise EncodingError("proposal: bad TC flag")
            tc = TimeoutCert.read(r) if flag else None
            msg = Proposal(block=block, tc=tc)
        elif t == _T_VOTE:
            epoch, view = r.u32(), r.u64()
            msg = Vote(epoch=epoch, view=view, block_hash=r.raw(HASH_LEN), share=r.var(MAX_SHARE))
        elif t == _T_TIMEOUT:
            epoch, view = r.u32(), r.u64()
            qc = QuorumCert.read(r)
            share = r.var(MAX_SHARE)
            flag = r.u8()
            lv: Vote | None = None
            if flag == 1:
                vv = r.u64()
                vh = r.raw(HASH_LEN)
                lv = Vote(epoch=epoch, view=vv, block_hash=vh, share=r.var(MAX_SHARE))
            elif flag != 0:
                raise EncodingError("timeout: bad vote flag")
            msg = Timeout(epoch=epoch, view=view, high_qc=qc, share=share, last_vote=lv)
        elif t == _T_SYNC_REQ:
            h = r.raw(HASH_LEN)
            msg = SyncRequest(block_hash=h, count=r.u32())
        elif t == _T_SYNC_RESP:
            n = r.u32()
            if n > MAX_SYNC_BLOCKS:
                raise EncodingError("sync response: too many blocks")
            msg = SyncResponse(blocks=tuple(Block.read(r) for _ in range(n)))
        elif t == _T_SYNC_INFO:
            qc = QuorumCert.read(r)
            flag = r.u8()
            if flag not in (0, 1):
                raise EncodingError("sync info: bad TC flag")
            msg = SyncInfo(high_qc=qc, tc=TimeoutCert.read(r) if flag else None)
        else:
            raise EncodingError("message: unknown type")
    except ParameterError as exc:
        raise EncodingError(f"message: {exc}") from None
    r.done()
    return msg


assert MAX_PAYLOAD < MAX_MESSAGE

"""BIP352 silent payments (version 0): addresses, sending, receiving with labels.

Sections of BIP352 implemented here (comments name them next to the code):

* "Address encoding": ``sp1q...`` / ``tsp1q...`` Bech32m, data = ser_P(B_scan) || ser_P(B_m),
  length limit 1023; labels B_m = B_spend + hash_BIP0352/Label(ser_256(b_scan) || ser_32(m))·G.
* "Inputs For Shared Secret Derivation": public keys from P2TR (output key, skipped when the
  script-path internal key is the NUMS point H), P2WPKH and P2SH-P2WPKH (last witness item),
  P2PKH (the compressed key inside the scriptSig whose HASH160 matches, even in a malleated
  scriptSig); only compressed / x-only keys count.
* "Creating outputs": a = sum of input secrets (taproot ones negated to even y), input_hash =
  hash_BIP0352/Inputs(outpoint_L || ser_P(A)), recipients grouped by B_scan, ecdh_shared_secret =
  input_hash·a·B_scan, t_k = hash_BIP0352/SharedSecret(ser_P(ecdh) || ser_32(k)),
  P_k = B_m + t_k·G, at most K_max = 2323 outputs per group.
* "Scanning": the receiver's tweak data input_hash·A, ecdh = b_scan·(input_hash·A), the k-loop with
  labels (checked as x-only keys of P_k + label·G, both parities at once), K_max limit.
* "Spending": d = b_spend + t_k (+ label tweak) mod n.

Secret multiplications go through libsecp256k1's constant-time paths (``Point.base_mul`` and
``Point.mul_secret``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from Crypto.Hash import RIPEMD160

from cryptocore.bech32 import Encoding, bech32_decode, bech32_encode, convertbits
from cryptocore.encoding import as_bytes, expect_length
from cryptocore.errors import EncodingError, ParameterError
from cryptocore.hashing import tagged_hash
from cryptocore.secp256k1 import N, Point

__all__ = [
    "K_MAX",
    "NUMS_H",
    "FoundOutput",
    "SilentPaymentAddress",
    "TxInput",
    "create_outputs",
    "hash160",
    "input_hash",
    "input_public_key",
    "label_tweak",
    "labelled_address",
    "labels_table",
    "parse_witness",
    "public_tweak_data",
    "receive",
    "scan_outputs",
    "spend_secret",
]

K_MAX: Final = 2323  # BIP352 "Creating outputs": maximum outputs per recipient group
ADDRESS_LIMIT: Final = 1023  # BIP352 "Address encoding": recommended length limit
#: BIP341 NUMS point H: lift_x(SHA256(uncompressed G)); a script-path input with this internal
#: key is skipped (BIP352 "P2TR").
NUMS_H: Final = bytes.fromhex("50929b74c1a04954b78b4b6035e97a5e078a5a0f28ec96d547bfee9ace803ac0")
_HRPS: Final = ("sp", "tsp")


def _tag(tag: str, msg: bytes) -> int:
    return int.from_bytes(tagged_hash(tag, msg), "big")


def _valid_scalar(v: int, what: str) -> int:
    if not 0 < v < N:
        raise ParameterError(f"BIP352: {what} is not a valid scalar")
    return v


# --------------------------------------------------------------------------- addresses
@dataclass(frozen=True, slots=True, kw_only=True)
class SilentPaymentAddress:
    """A silent payment address (B_scan, B_m) with its HRP ("sp" mainnet, "tsp" testnets)."""

    scan_public: Point
    spend_public: Point
    hrp: str = "sp"
    version: int = 0

    def __post_init__(self) -> None:
        for name in ("scan_public", "spend_public"):
            p = getattr(self, name)
            if not isinstance(p, Point) or p.is_identity:
                raise ParameterError(f"silent payment address: {name} must be a non-identity Point")
        if self.hrp not in _HRPS:
            raise ParameterError("silent payment address: hrp must be 'sp' or 'tsp'")
        if self.version != 0:
            raise ParameterError("silent payment address: only version 0 can be encoded")

    def to_bytes(self) -> bytes:
        """66 bytes: ser_P(B_scan) || ser_P(B_m)."""
        return self.scan_public.to_bytes() + self.spend_public.to_bytes()

    def encode(self) -> str:
        """Bech32m with the version character first ('q' for v0), limit 1023 characters."""
        data = [self.version, *convertbits(self.to_bytes(), 8, 5, True)]
        return bech32_encode(self.hrp, data, Encoding.BECH32M, limit=ADDRESS_LIMIT)

    def __str__(self) -> str:
        return self.encode()

    @classmethod
    def decode(cls, address: str) -> SilentPaymentAddress:
        """Decode per BIP352 "Versions": v0 exactly 66 bytes; v1-v30 first 66 bytes; v31 fails."""
        hrp, data, spec = bech32_decode(address, limit=ADDRESS_LIMIT)
        if spec is not Encoding.BECH32M:
            raise EncodingError("silent payment address: Bech32m checksum required")
        if hrp not in _HRPS:
            raise EncodingError("silent payment address: unknown human-readable part")
        if not data:
            raise EncodingError("silent payment address: empty data section")
        version = data[0]
        if version == 31:
            raise EncodingError("silent payment address: version 31 is reserved")
        payload = bytes(convertbits(data[1:], 5, 8, False))
        if version == 0 and len(payload) != 66:
            raise EncodingError("silent payment address: v0 payload must be 66 bytes")
        if len(payload) < 66:
            raise EncodingError("silent payment address: payload shorter than 66 bytes")
        return cls(
            scan_public=Point.from_bytes(payload[:33]),
            spend_public=Point.from_bytes(payload[33:66]),
            hrp=hrp,
        )


def label_tweak(scan_secret: int, m: int) -> int:
    """hash_BIP0352/Label(ser_256(b_scan) || ser_32(m)) as a scalar (m = 0 is the change label)."""
    if not 0 < scan_secret < N:
        raise ParameterError("BIP352: scan secret must be in [1, n)")
    if isinstance(m, bool) or not isinstance(m, int) or not 0 <= m < 2**32:
        raise ParameterError("BIP352: label must be an integer in [0, 2^32)")
    return _valid_scalar(
        _tag("BIP0352/Label", scan_secret.to_bytes(32, "big") + m.to_bytes(4, "big")), "label"
    )


def labelled_address(
    scan_secret: int, spend_public: Point, m: int | None = None, hrp: str = "sp"
) -> SilentPaymentAddress:
    """The address (B_scan, B_m) with B_m = B_spend + label(m)·G (no label when m is None)."""
    spend = spend_public
    if m is not None:
        spend = spend_public + Point.base_mul(label_tweak(scan_secret, m))
    return SilentPaymentAddress(
        scan_public=Point.base_mul(scan_secret), spend_public=spend, hrp=hrp
    )


def labels_table(scan_secret: int, labels: Iterable[int]) -> dict[bytes, int]:
    """Precomputed label points (33-byte encoding of label·G) -> label tweak, for scanning."""
    table: dict[bytes, int] = {}
    for m in labels:
        t = label_tweak(scan_secret, m)
        table[Point.base_mul(t).to_bytes()] = t
    return table


# --------------------------------------------------------------------------- inputs
@dataclass(frozen=True, slots=True, kw_only=True)
class TxInput:
    """One transaction input as BIP352 needs it.

    ``txid`` is in internal byte order (the reverse of the usual hex display); ``witness`` is the
    stack (tuple of items); ``prevout_script`` is the scriptPubKey of the output being spent.
    """

    txid: bytes
    vout: int
    script_sig: bytes = b""
    witness: tuple[bytes, ...] = ()
    prevout_script: bytes = b""

    def __post_init__(self) -> None:
        expect_length(self.txid, 32, "txid")
        if isinstance(self.vout, bool) or not isinstance(self.vout, int):
            raise ParameterError("vout must be an integer")
        if not 0 <= self.vout < 2**32:
            raise ParameterError("vout out of range")

    @property
    def outpoint(self) -> bytes:
        """36-byte COutPoint: txid (internal order) || vout little-endian (BIP352 "outpoint")."""
        return self.txid + self.vout.to_bytes(4, "little")

    @classmethod
    def from_display(
        cls,
        txid_hex: str,
        vout: int,
        script_sig_hex: str = "",
        witness_hex: str = "",
        prevout_script_hex: str = "",
    ) -> TxInput:
        """From ``getrawtransaction``-style hex (big-endian txid, serialized witness)."""
        try:
            txid = bytes.fromhex(txid_hex)[::-1]
            script_sig = bytes.fromhex(script_sig_hex)
            witness = parse_witness(bytes.fromhex(witness_hex)) if witness_hex else ()
            prevout = bytes.fromhex(prevout_script_hex)
        except ValueError as exc:
            raise EncodingError("transaction input: malformed hex") from exc
        return cls(
            txid=txid, vout=vout, script_sig=script_sig, witness=witness, prevout_script=prevout
        )


def _read_compact_size(data: bytes, pos: int) -> tuple[int, int]:
    if pos >= len(data):
        raise EncodingError("witness: truncated")
    first = data[pos]
    if first < 0xFD:
        return first, pos + 1
    width = {0xFD: 2, 0xFE: 4, 0xFF: 8}[first]
    if pos + 1 + width > len(data):
        raise EncodingError("witness: truncated")
    return int.from_bytes(data[pos + 1 : pos + 1 + width], "little"), pos + 1 + width


def parse_witness(data: bytes) -> tuple[bytes, ...]:
    """Deserialize one input's witness: compact-size item count, then length-prefixed items."""
    data = as_bytes(data, "witness")
    count, pos = _read_compact_size(data, 0)
    items = []
    for _ in range(count):
        n, pos = _read_compact_size(data, pos)
        if pos + n > len(data):
            raise EncodingError("witness: truncated item")
        items.append(data[pos : pos + n])
        pos += n
    if pos != len(data):
        raise EncodingError("witness: trailing bytes")
    return tuple(items)


def hash160(data: bytes) -> bytes:
    """RIPEMD-160(SHA-256(data)), the key hash of P2PKH and P2WPKH scripts."""
    return RIPEMD160.new(hashlib.sha256(data).digest()).digest()


def _is_p2pkh(spk: bytes) -> bool:
    return len(spk) == 25 and spk[:3] == b"\x76\xa9\x14" and spk[23:] == b"\x88\xac"


def _is_p2sh(spk: bytes) -> bool:
    return len(spk) == 23 and spk[:2] == b"\xa9\x14" and spk[22] == 0x87


def _is_p2wpkh(spk: bytes) -> bool:
    return len(spk) == 22 and spk[:2] == b"\x00\x14"


def _is_p2tr(spk: bytes) -> bool:
    return len(spk) == 34 and spk[:2] == b"\x51\x20"


def _witness_version(spk: bytes) -> int | None:
    """Witness version of a native segwit scriptPubKey (BIP141), or None."""
    if not 4 <= len(spk) <= 42 or spk[1] != len(spk) - 2:
        return None
    if spk[0] == 0:
        return 0
    if 0x51 <= spk[0] <= 0x60:
        return spk[0] - 0x50
    return None


def _compressed(data: bytes) -> Point | None:
    if len(data) != 33 or data[0] not in (2, 3):
        return None
    try:
        return Point.from_bytes(data)
    except EncodingError:
        return None


def input_public_key(txin: TxInput) -> Point | None:
    """The input's public key for shared secret derivation, or None if it is not eligible.

    BIP352 "Inputs For Shared Secret Derivation"; the checks run in the order P2PKH, P2SH-P2WPKH,
    P2WPKH, P2TR.
    """
    spk = txin.prevout_script
    if _is_p2pkh(spk):
        # P2PKH: the receiver MUST find the key even in a malleated scriptSig: scan 33-byte
        # windows from the end for one whose HASH160 is the scriptPubKey's key hash.
        key_hash = spk[3:23]
        ss = txin.script_sig
        for end in range(len(ss), 32, -1):
            window = ss[end - 33 : end]
            if hash160(window) == key_hash:
                p = _compressed(window)
                if p is not None:
                    return p
        return None
    if _is_p2sh(spk):
        # P2SH-P2WPKH: scriptSig pushes the 22-byte redeem script 0014{20}; key = last witness item.
        if _is_p2wpkh(txin.script_sig[1:]) and txin.witness:
            return _compressed(txin.witness[-1])
        return None
    if _is_p2wpkh(spk):
        return _compressed(txin.witness[-1]) if txin.witness else None
    if _is_p2tr(spk):
        stack = list(txin.witness)
        if not stack:
            return None
        if len(stack) > 1 and stack[-1][:1] == b"\x50":
            stack.pop()  # BIP341: the last item is the annex
        if len(stack) > 1:
            control = stack[-1]  # script path: control byte || internal key || path
            if control[1:33] == NUMS_H:
                return None
        try:
            return Point.from_xonly(spk[2:])
        except EncodingError:
            return None
    return None


def _smallest_outpoint(inputs: Sequence[TxInput]) -> bytes:
    if not inputs:
        raise ParameterError("BIP352: a transaction needs inputs")
    return min(i.outpoint for i in inputs)


def input_hash(inputs: Sequence[TxInput], a_sum: Point) -> int:
    """input_hash = hash_BIP0352/Inputs(outpoint_L || ser_P(A)); fails unless in [1, n)."""
    return _valid_scalar(
        _tag("BIP0352/Inputs", _smallest_outpoint(inputs) + a_sum.to_bytes()), "input_hash"
    )


def _check_segwit_versions(inputs: Sequence[TxInput]) -> bool:
    """BIP352 "Scanning silent payment eligible transactions": no input spends SegWit v > 1."""
    for txin in inputs:
        v = _witness_version(txin.prevout_script)
        if v is not None and v > 1:
            return False
    return True


# --------------------------------------------------------------------------- sending
def create_outputs(
    inputs: Sequence[TxInput],
    secrets: Sequence[int | None],
    recipients: Sequence[SilentPaymentAddress | str],
) -> list[bytes]:
    """The x-only output keys (32 bytes each) for ``recipients``, in recipient order within each
    B_scan group (groups in order of first appearance).

    ``secrets[j]`` is the private key of ``inputs[j]``, or None for an input that is not from the
    eligible list (such inputs still count for the smallest outpoint). Raises ParameterError when
    no input is eligible, the key sum is zero, input_hash or some t_k is not a valid scalar, an
    input spends SegWit v > 1, or a group exceeds K_max = 2323 outputs.
    """
    if len(inputs) != len(secrets):
        raise ParameterError("BIP352: one secret (or None) per input is required")
    if not _check_segwit_versions(inputs):
        raise ParameterError("BIP352: inputs spending SegWit version > 1 are not allowed")
    a = 0
    eligible = 0
    for txin, secret in zip(inputs, secrets, strict=True):
        pub = input_public_key(txin)
        if pub is None:
            continue
        if secret is None or isinstance(secret, bool) or not 0 < secret < N:
            raise ParameterError("BIP352: an eligible input needs its private key in [1, n)")
        key_pub = Point.base_mul(secret)
        if _is_p2tr(txin.prevout_script):
            # "Creating outputs": negate taproot keys whose point has odd y.
            if key_pub.xonly() != pub.xonly():
                raise ParameterError("BIP352: private key does not match the taproot output key")
            if not key_pub.has_even_y():
                secret = N - secret
        elif key_pub != pub:
            raise ParameterError("BIP352: private key does not match the input's public key")
        a = (a + secret) % N
        eligible += 1
    if eligible == 0:
        raise ParameterError("BIP352: no input is eligible for shared secret derivation")
    if a == 0:
        raise ParameterError("BIP352: input private keys sum to zero")
    A = Point.base_mul(a)
    ih = input_hash(inputs, A)
    groups: dict[Point, list[Point]] = {}
    for r in recipients:
        addr = r if isinstance(r, SilentPaymentAddress) else SilentPaymentAddress.decode(r)
        groups.setdefault(addr.scan_public, []).append(addr.spend_public)
    if any(len(g) > K_MAX for g in groups.values()):
        raise ParameterError(f"BIP352: more than K_max = {K_MAX} outputs for one recipient")
    outputs: list[bytes] = []
    tweak_secret = (ih * a) % N
    for b_scan, spends in groups.items():
        ecdh = b_scan.mul_secret(tweak_secret).to_bytes()  # input_hash·a·B_scan
        for k, b_m in enumerate(spends):
            t_k = _valid_scalar(_tag("BIP0352/SharedSecret", ecdh + k.to_bytes(4, "big")), "t_k")
            p_k = b_m + Point.base_mul(t_k)
            if p_k.is_identity:
                raise ParameterError("BIP352: output key is the identity")  # pragma: no cover
            outputs.append(p_k.xonly())
    return outputs


# --------------------------------------------------------------------------- receiving
@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class FoundOutput:
    """A found output: its x-only key, the private key tweak t_k (+ label) and the label used.

    The tweak is sensitive (P_k - t_k·G = B_spend links the output to the recipient): the repr
    redacts it and the value is not hashable.
    """

    pub_key: bytes
    tweak: int
    label: int | None = None

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"FoundOutput(pub_key={self.pub_key.hex()}, tweak=<redacted>, label={self.label})"

    def __post_init__(self) -> None:
        expect_length(self.pub_key, 32, "output key")
        if not 0 <= self.tweak < N:
            raise ParameterError("tweak out of range")


def public_tweak_data(inputs: Sequence[TxInput]) -> Point | None:
    """input_hash·A for a transaction (what a server can hand to light clients), or None when
    the transaction is not eligible (no eligible input, A at infinity, SegWit v > 1 spent)."""
    if not _check_segwit_versions(inputs):
        return None
    keys = [p for p in (input_public_key(i) for i in inputs) if p is not None]
    if not keys:
        return None
    a_sum = Point.sum(keys)
    if a_sum.is_identity:
        return None  # "If A is the point at infinity, skip the transaction"
    return a_sum * input_hash(inputs, a_sum)  # public scalar: variable time is fine


def scan_outputs(
    scan_secret: int,
    spend_public: Point,
    tweak_data: Point,
    outputs: Sequence[bytes],
    labels: Mapping[bytes, int] | None = None,
    label_ids: Mapping[bytes, int] | None = None,
) -> list[FoundOutput]:
    """BIP352 "Scanning" given the tweak data input_hash·A and the x-only taproot outputs.

    ``labels`` maps 33-byte label points to label tweaks (see :func:`labels_table`);
    ``label_ids`` optionally maps the same points to the label numbers m (reported).
    At most K_MAX outputs are found. Needs the scan secret, not the spend secret.
    """
    if not 0 < scan_secret < N:
        raise ParameterError("BIP352: scan secret must be in [1, n)")
    ecdh = tweak_data.mul_secret(scan_secret).to_bytes()  # b_scan·input_hash·A, constant time
    remaining: dict[bytes, int] = {}
    for pos, out in enumerate(outputs):
        remaining.setdefault(expect_length(out, 32, "taproot output key"), pos)
    label_points = [(Point.from_bytes(p), t, p) for p, t in (labels or {}).items()]
    found: list[FoundOutput] = []
    k = 0
    while remaining and k < K_MAX:
        t_k = _valid_scalar(_tag("BIP0352/SharedSecret", ecdh + k.to_bytes(4, "big")), "t_k")
        p_k = spend_public + Point.base_mul(t_k)
        hit: FoundOutput | None = None
        x = p_k.xonly() if not p_k.is_identity else b""
        if x in remaining:
            hit = FoundOutput(pub_key=x, tweak=t_k)
        else:
            # output = ±(P_k + label·G)  <=>  x(output) = x(P_k + label·G): both negation
            # cases of the BIP's subtraction check at once.
            for lp, lt, enc in label_points:
                cand = p_k + lp
                if cand.is_identity:
                    continue
                cx = cand.xonly()
                if cx in remaining:
                    m = None if label_ids is None else label_ids.get(enc)
                    hit = FoundOutput(pub_key=cx, tweak=(t_k + lt) % N, label=m)
                    break
        if hit is None:
            break
        del remaining[hit.pub_key]
        found.append(hit)
        k += 1
    return found


def receive(
    scan_secret: int,
    spend_public: Point,
    inputs: Sequence[TxInput],
    outputs: Sequence[bytes],
    labels: Iterable[int] = (),
) -> list[FoundOutput]:
    """Scan one transaction: extract input keys, compute the tweak data, find our outputs.

    ``labels`` are the label numbers m in use (include 0 to find change, as BIP352 recommends
    for wallets that send change to themselves).
    """
    tweak = public_tweak_data(inputs)
    if tweak is None:
        return []
    labels = list(labels)
    table = labels_table(scan_secret, labels)
    ids = {Point.base_mul(label_tweak(scan_secret, m)).to_bytes(): m for m in labels}
    return scan_outputs(scan_secret, spend_public, tweak, outputs, table, ids)


def spend_secret(spend_private: int, found: FoundOutput) -> int:
    """BIP352 "Spending": d = b_spend + tweak mod n, checked against the output's x-only key.

    Returns d as is; a BIP340 signer negates it when d·G has odd y.
    """
    if not 0 < spend_private < N:
        raise ParameterError("BIP352: spend secret must be in [1, n)")
    d = (spend_private + found.tweak) % N
    if d == 0 or Point.base_mul(d).xonly() != found.pub_key:
        raise ParameterError("BIP352: the derived key does not control this output")
    return d

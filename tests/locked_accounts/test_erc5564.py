"""ERC-5564 scheme 1 (ScopeLift SDK encoding: Keccak-256 of the compressed shared point)."""

from __future__ import annotations

import pytest
from coincurve import PrivateKey, PublicKey
from hypothesis import given
from hypothesis import strategies as st

from cryptocore.errors import EncodingError, ParameterError
from cryptocore.hashing import keccak256
from cryptocore.secp256k1 import N, Point
from locked_accounts.addresses import to_checksum_address
from locked_accounts.erc5564 import (
    StealthMetaAddress,
    check_stealth_address,
    compute_stealth_key,
    generate_stealth_address,
    stealth_meta_address,
)

# ScopeLift stealth-address-sdk, src/utils/crypto/test/{generateStealthAddress,
# computeStealthKey}.test.ts: a meta-address with its spending and viewing keys.
SL_URI = (
    "st:eth:0x033404e82cd2a92321d51e13064ec13a0fb0192a9fdaaca1cfb47b37bd27ec1397"
    "0390ad5eca026c05ab5cf4d620a2ac65241b11df004ddca360e954db1b26e3846e"
)
SL_SPEND_PUB = "033404e82cd2a92321d51e13064ec13a0fb0192a9fdaaca1cfb47b37bd27ec1397"
SL_VIEW_PUB = "0390ad5eca026c05ab5cf4d620a2ac65241b11df004ddca360e954db1b26e3846e"
SL_SPEND = 0x363721EB9E981558C748B824CB32A840DA2B3E8957C2FC3BCB8D9C86CB87456
SL_VIEW = 0xB52A0555F6A8663D89F00365893B1EF9E38EAF2E8BC48A63319C9EA5CB4A27C5

scalars = st.integers(min_value=1, max_value=N - 1)


def _reference(uri_hex: str, eph: int) -> tuple[str, bytes, int]:
    """Independent recomputation with coincurve and pycryptodome only (the SDK's steps)."""
    keys = bytes.fromhex(uri_hex)
    spend, view = PublicKey(keys[:33]), PublicKey(keys[33:])
    shared = view.multiply(eph.to_bytes(32, "big")).format(compressed=True)  # getSharedSecret
    s_h = keccak256(shared)  # keccak256(sharedSecret)
    stealth = PublicKey.combine_keys([spend, PrivateKey(s_h).public_key])
    addr = keccak256(stealth.format(compressed=False)[1:])[12:]  # publicKeyToAddress
    return (
        to_checksum_address(addr),
        PrivateKey(eph.to_bytes(32, "big")).public_key.format(),
        s_h[0],
    )


def test_scopelift_meta_address_parsing() -> None:
    meta = StealthMetaAddress.from_uri(SL_URI)
    assert meta.spending_public.to_bytes().hex() == SL_SPEND_PUB  # first 33 bytes: spending
    assert meta.viewing_public.to_bytes().hex() == SL_VIEW_PUB
    assert meta.to_uri() == SL_URI
    assert stealth_meta_address(SL_SPEND, SL_VIEW) == SL_URI  # the SDK's key pair


def test_scopelift_full_cycle_fixed_ephemeral() -> None:
    eph = 12345
    address, eph_pub, tag = generate_stealth_address(SL_URI, eph)
    assert (address, eph_pub, tag) == _reference(SL_URI[9:], eph)
    # pinned regression value (computed above and by the independent reference)
    assert address == "0x22e2b76cC0c4b20D7Ed362A16C3c5bc274B63f17"
    assert tag == 105
    assert check_stealth_address(address, eph_pub, SL_VIEW, bytes.fromhex(SL_SPEND_PUB))
    assert check_stealth_address(
        address, eph_pub, SL_VIEW, bytes.fromhex(SL_SPEND_PUB), view_tag=tag
    )
    key = compute_stealth_key(address, eph_pub, SL_VIEW, SL_SPEND)
    assert (
        to_checksum_address(
            keccak256(PrivateKey(key.to_bytes(32, "big")).public_key.format(False)[1:])[12:]
        )
        == address
    )


@given(spend=scalars, view=scalars, eph=scalars)
def test_round_trip_and_reference(spend: int, view: int, eph: int) -> None:
    uri = stealth_meta_address(spend, view)
    address, eph_pub, tag = generate_stealth_address(uri, eph)
    assert (address, eph_pub, tag) == _reference(uri[9:], eph)
    spend_pub = Point.base_mul(spend).to_bytes()
    assert check_stealth_address(address, eph_pub, view, spend_pub, view_tag=tag)
    assert not check_stealth_address(address, eph_pub, view, spend_pub, view_tag=(tag + 1) % 256)
    key = compute_stealth_key(address, eph_pub, view, spend)
    assert (
        key
        == (spend + int.from_bytes(keccak256(Point.base_mul(view * eph % N).to_bytes()), "big")) % N
    )
    # someone else's viewing key does not recognise it, someone else's spend key cannot spend it
    other = view % (N - 1) + 1 if view != 1 else 2
    if other != view:
        assert not check_stealth_address(address, eph_pub, other, spend_pub)
    with pytest.raises(ParameterError):
        compute_stealth_key(address, eph_pub, view, spend % (N - 1) + 1 if spend != N - 1 else 1)


def test_single_key_meta_address() -> None:
    k = 0xC0FFEE
    pub = Point.base_mul(k).to_bytes().hex()
    meta = StealthMetaAddress.from_uri(f"st:eth:0x{pub}")
    assert meta.spending_public == meta.viewing_public
    address, eph_pub, _ = generate_stealth_address(f"st:eth:0x{pub}", 99)
    assert compute_stealth_key(address, eph_pub, k, k) > 0


def test_random_ephemeral_differs() -> None:
    a1, e1, _ = generate_stealth_address(SL_URI)
    a2, e2, _ = generate_stealth_address(SL_URI)
    assert a1 != a2 and e1 != e2
    assert check_stealth_address(a1, e1, SL_VIEW, bytes.fromhex(SL_SPEND_PUB))


def test_malformed_inputs() -> None:
    bad_uris = [
        "st:eth:" + SL_URI[7:].replace("0x", ""),  # no 0x
        "sx:eth:" + SL_URI[7:],
        SL_URI[:-2],  # 65 bytes
        SL_URI + "00",  # 67 bytes
        SL_URI[:-1],  # odd number of hex digits
        "st:eth:0x" + "zz" * 66,
        "st:eth:0x04" + SL_URI[11:],  # bad prefix
        "st:eth:0x02" + (5).to_bytes(32, "big").hex() + SL_VIEW_PUB,  # off the curve
        "st:e th:" + SL_URI[7:],
    ]
    for uri in bad_uris:
        with pytest.raises(EncodingError):
            generate_stealth_address(uri, 5)
    with pytest.raises(EncodingError):
        StealthMetaAddress.from_uri(b"st:eth:0x00")  # type: ignore[arg-type]
    for eph in (0, N, -3):
        with pytest.raises(ParameterError):
            generate_stealth_address(SL_URI, eph)
    address, eph_pub, _ = generate_stealth_address(SL_URI, 7)
    spend_pub = bytes.fromhex(SL_SPEND_PUB)
    with pytest.raises(EncodingError):
        check_stealth_address(address, eph_pub[:32], SL_VIEW, spend_pub)
    with pytest.raises(EncodingError):
        check_stealth_address(address, b"\x02" + (5).to_bytes(32, "big"), SL_VIEW, spend_pub)
    with pytest.raises(EncodingError):
        check_stealth_address("0x1234", eph_pub, SL_VIEW, spend_pub)
    with pytest.raises(ParameterError):
        check_stealth_address(address, eph_pub, 0, spend_pub)
    with pytest.raises(ParameterError):
        check_stealth_address(address, eph_pub, SL_VIEW, spend_pub, view_tag=300)
    with pytest.raises(ParameterError):
        compute_stealth_key(address, eph_pub, SL_VIEW, 0)
    # view tag matches (same ephemeral, same viewing key) but the address is another one
    other, _, _ = generate_stealth_address(SL_URI, 8)
    assert not check_stealth_address(other, eph_pub, SL_VIEW, spend_pub)
    with pytest.raises(ParameterError):
        compute_stealth_key(other, eph_pub, SL_VIEW, SL_SPEND)


@given(pos=st.integers(min_value=2, max_value=41), eph=scalars)
def test_tampered_address_never_accepted(pos: int, eph: int) -> None:
    address, eph_pub, tag = generate_stealth_address(SL_URI, eph)
    c = address[pos]
    repl = "0" if c.lower() != "0" else "1"
    tampered = address[:pos] + repl + address[pos + 1 :]
    spend_pub = bytes.fromhex(SL_SPEND_PUB)
    try:
        ok = check_stealth_address(tampered, eph_pub, SL_VIEW, spend_pub, view_tag=tag)
    except EncodingError:  # the EIP-55 checksum caught it
        return
    assert not ok
    with pytest.raises(ParameterError):
        compute_stealth_key(tampered, eph_pub, SL_VIEW, SL_SPEND)


@given(seed=st.integers(min_value=0, max_value=2**32), n_foreign=st.integers(0, 60))
def test_scan_announcements_finds_exactly_own(seed: int, n_foreign: int) -> None:
    import random

    from locked_accounts.erc5564 import StealthAnnouncement, scan_announcements

    rnd = random.Random(seed)
    other_uri = stealth_meta_address(rnd.randrange(1, N), rnd.randrange(1, N))
    items = []
    for _ in range(n_foreign):
        a, e, t = generate_stealth_address(other_uri, rnd.randrange(1, N))
        items.append(
            (False, StealthAnnouncement(stealth_address=a, ephemeral_public_key=e, view_tag=t))
        )
    for _ in range(3):
        a, e, t = generate_stealth_address(SL_URI, rnd.randrange(1, N))
        items.append(
            (True, StealthAnnouncement(stealth_address=a, ephemeral_public_key=e, view_tag=t))
        )
    rnd.shuffle(items)
    anns = [a for _, a in items]
    result = scan_announcements(anns, SL_VIEW, bytes.fromhex(SL_SPEND_PUB))
    assert list(result.found) == [i for i, (mine, _) in enumerate(items) if mine]
    assert result.malformed == ()
    for i in result.found:
        a = anns[i]
        assert compute_stealth_key(a.stealth_address, a.ephemeral_public_key, SL_VIEW, SL_SPEND)


def test_scan_announcements_reports_bad_records() -> None:
    from locked_accounts.erc5564 import StealthAnnouncement, scan_announcements

    a, e, t = generate_stealth_address(SL_URI, 31337)
    good = StealthAnnouncement(stealth_address=a, ephemeral_public_key=e, view_tag=t)
    off_curve = StealthAnnouncement(
        stealth_address=a, ephemeral_public_key=b"\x02" + (5).to_bytes(32, "big"), view_tag=t
    )
    short = StealthAnnouncement(stealth_address=a, ephemeral_public_key=e[:32], view_tag=t)
    bad_addr = StealthAnnouncement(stealth_address="0xnope", ephemeral_public_key=e, view_tag=t)
    other, _, _ = generate_stealth_address(SL_URI, 31338)
    tag_only = StealthAnnouncement(stealth_address=other, ephemeral_public_key=e, view_tag=t)
    result = scan_announcements(
        [off_curve, good, short, bad_addr, tag_only], SL_VIEW, bytes.fromhex(SL_SPEND_PUB)
    )
    assert result.found == (1,)
    assert result.malformed == (0, 2, 3)
    assert result.false_positives == 1
    with pytest.raises(ParameterError):
        scan_announcements([good], 0, bytes.fromhex(SL_SPEND_PUB))

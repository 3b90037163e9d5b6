"""Secret hygiene across every package: secrets never show in repr/str or error messages.

The project's standard: "Secrets never appear in logs, reprs or error messages"; secret-holding
value types show ``<redacted>``, are not hashable and compare with :func:`hmac.compare_digest`.

For every secret-holding type this file checks that

* ``repr``, ``str`` and ``format`` contain no form of the secret (decimal, hex in either case,
  zero-padded 64-digit hex, the ``repr`` of its 32-byte big-endian encoding);
* ``hash()`` raises ``TypeError`` (value types; protocol sessions are identity objects);
* ``==`` goes through ``hmac.compare_digest`` (value types);

and that the errors raised on bad input (wrong keystore password, signing with mismatched
packages, reused nonces, consumed presignatures, keys outside a ring, forged ciphertexts, failed
protocol sessions) carry no secret in their message, their ``repr`` or their formatted
traceback.
"""

from __future__ import annotations

import functools
import hmac
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pytest

from cryptocore.errors import CryptoError
from cryptocore.rng import deterministic_rng
from cryptocore.secp256k1 import N, Point


def _rng(label: str) -> Callable[[int], bytes]:
    return deterministic_rng(b"secret-hygiene/" + label.encode())


# ------------------------------------------------------------------------------ helpers
def secret_forms(secret: int | bytes | str) -> list[str]:
    """Text forms a leaked secret could take (only long forms: no false positives)."""
    if isinstance(secret, str):
        forms = [secret, secret.encode().hex()]
    elif isinstance(secret, bytes | bytearray):
        b = bytes(secret)
        forms = [b.hex(), b.hex().upper(), repr(b)[2:-1]]
        if len(b) <= 64:
            forms.append(str(int.from_bytes(b, "big")))
    else:
        v = int(secret)
        forms = [str(v), f"{v:x}", f"{v:X}", f"{v:064x}", repr(v.to_bytes(32, "big"))[2:-1]]
        forms += [f"{v:,}", f"{v:_}"]
    return [f for f in forms if len(f) >= 16]


def assert_no_secret(text: str, secrets: Iterable[int | bytes | str], where: str) -> None:
    for s in secrets:
        for form in secret_forms(s):
            assert form not in text, f"{where} leaks a secret ({form[:12]}...): {text[:300]}"


def assert_error_clean(
    exc: BaseException, secrets: Iterable[int | bytes | str], where: str
) -> None:
    """Message, repr, args and the whole formatted chain (causes and contexts) are clean."""
    secrets = list(secrets)
    assert_no_secret(str(exc), secrets, f"{where}: str(error)")
    assert_no_secret(repr(exc), secrets, f"{where}: repr(error)")
    assert_no_secret(repr(exc.args), secrets, f"{where}: error args")
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    assert_no_secret(text, secrets, f"{where}: traceback")
    ctx = exc.__context__
    while ctx is not None:  # suppressed contexts are still reachable from the exception
        assert_no_secret(str(ctx) + repr(ctx.args), secrets, f"{where}: chained context")
        ctx = ctx.__context__


def raised(fn: Callable[[], Any]) -> BaseException:
    try:
        fn()
    except CryptoError as exc:
        return exc
    pytest.fail("expected a CryptoError")


# ------------------------------------------------------------------------------ material
@functools.cache
def _secp() -> tuple[Any, list[Any]]:
    from mdkm.dealer import trusted_dealer_keygen

    return trusted_dealer_keygen(3, 2, "secp256k1", rng=_rng("secp"))


@functools.cache
def _secp5() -> tuple[Any, list[Any]]:
    from mdkm.dealer import trusted_dealer_keygen

    return trusted_dealer_keygen(5, 2, "secp256k1", rng=_rng("secp5"))


@functools.cache
def _bls() -> tuple[Any, list[Any]]:
    from mdkm.dealer import trusted_dealer_keygen

    return trusted_dealer_keygen(3, 2, "bls12_381", rng=_rng("bls"))


_SID = bytes(range(32))
#: big scalars that would be visible in any leak (never small numbers)
_S1 = 0xA1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F91
_S2 = 0x1F2E3D4C5B6A79880F1E2D3C4B5A69788796A5B4C3D2E1F00F1E2D3C4B5A6978


@dataclass(frozen=True)
class Case:
    """A secret-holding object, its secrets, and whether it is a value type."""

    name: str
    make: Callable[[], tuple[Any, list[int | bytes]]]
    value_type: bool = True  # value types: not hashable, == through compare_digest
    hash_bug: str | None = None  # reason, when hash() is known to work (xfail strict)


def _key_package() -> tuple[Any, list[int | bytes]]:
    kp = _secp()[1][0]
    return kp, [kp.signing_share]


def _bls_key_package() -> tuple[Any, list[int | bytes]]:
    kp = _bls()[1][2]
    return kp, [kp.signing_share]


def _signing_nonces() -> tuple[Any, list[int | bytes]]:
    from mdkm.frost import SigningNonces

    return SigningNonces.from_nonces(_S1, _S2), [_S1, _S2]


@functools.cache
def _frost_dkg() -> dict[str, Any]:
    from mdkm.dkg import frost_dkg

    parts = {i: frost_dkg.part1(i, 3, 2, _rng(f"dkg{i}")) for i in (1, 2, 3)}
    r1 = {i: p[1] for i, p in parts.items()}
    sec2, r2 = frost_dkg.part2(parts[1][0], {j: r1[j] for j in (2, 3)})
    return {"s1": parts[1][0], "s2": sec2, "r2": r2[2]}


def _round1_secret() -> tuple[Any, list[int | bytes]]:
    s1 = _frost_dkg()["s1"]
    return s1, list(s1.coefficients)


def _round2_secret() -> tuple[Any, list[int | bytes]]:
    s2 = _frost_dkg()["s2"]
    return s2, [s2.secret_share]


def _round2_package() -> tuple[Any, list[int | bytes]]:
    r2 = _frost_dkg()["r2"]
    return r2, [r2.signing_share]


def _identity_key() -> tuple[Any, list[int | bytes]]:
    from mdkm.dkg.channel import IdentityKey

    return IdentityKey(_S1), [_S1]


def _private_shares() -> tuple[Any, list[int | bytes]]:
    from mdkm.ecdsa.protocol import PrivateShares

    vals = [_S1, _S2, _S1 ^ 1, _S2 ^ 1, _S1 ^ 2, _S2 ^ 2, _S1 ^ 3]
    names = ("u", "u_blind", "a", "z", "z_blind", "y", "y_blind")
    ps = PrivateShares(
        session_id=_SID, dealer=1, recipient=2, **dict(zip(names, vals, strict=True))
    )
    return ps, list(vals)


def _presign_share() -> tuple[Any, list[int | bytes]]:
    from mdkm.ecdsa.protocol import PresignShare

    ps = PresignShare(session_id=_SID, identifier=1, signers=(1, 2, 3), degree=1, u=_S1, y=_S2)
    return ps, [_S1, _S2]


def _presignature() -> tuple[Any, list[int | bytes]]:
    from mdkm.ecdsa.protocol import Presignature

    R = Point.base_mul(7)
    pre = Presignature(
        session_id=_SID,
        identifier=1,
        signers=(1, 2, 3),
        R=R,
        r=R.x % N,
        u_commitments={},
        y_commitments={},
        _secret=(_S1, _S2, _S1 ^ 5, _S2 ^ 5),
    )
    return pre, [_S1, _S2, _S1 ^ 5, _S2 ^ 5]


def _one_time(name: str) -> Callable[[], tuple[Any, list[int | bytes]]]:
    def make() -> tuple[Any, list[int | bytes]]:
        from locked_accounts import one_time

        return getattr(one_time, name)(_S1), [_S1]

    return make


def _account_keys() -> tuple[Any, list[int | bytes]]:
    from locked_accounts.one_time import AccountKeys, SpendKey, ViewKey

    return AccountKeys(view_key=ViewKey(_S1), spend_key=SpendKey(_S2)), [_S1, _S2]


def _ring_key() -> tuple[Any, list[int | bytes]]:
    from ringsig.keys import SigningKey

    return SigningKey(secret=_S1), [_S1]


def _field_element() -> tuple[Any, list[int | bytes]]:
    from cryptocore.field import PrimeField

    return PrimeField(N)(_S1), [_S1]


def _polynomial() -> tuple[Any, list[int | bytes]]:
    from cryptocore.polynomial import Polynomial

    return Polynomial.from_coefficients([_S1, _S2], N), [_S1, _S2]


def _det_rng() -> tuple[Any, list[int | bytes]]:
    seed = b"a very secret seed of thirty two"
    return deterministic_rng(seed), [seed]


def _dkg_session() -> tuple[Any, list[int | bytes]]:
    from mdkm.dkg import DkgParameters, DkgSession, IdentityKey

    keys = {i: IdentityKey.generate(_rng(f"id{i}")) for i in (1, 2, 3)}
    params = DkgParameters(
        group="secp256k1", threshold=2, participants={i: k.public_key for i, k in keys.items()}
    )
    s = DkgSession(params, 1, keys[1], rng=_rng("dkg-session"))
    s.start(0.0)
    secrets: list[int | bytes] = [keys[1].to_bytes(), *s._poly, *s._blind]
    return s, secrets


def _ecdsa_presign_session() -> tuple[Any, list[int | bytes]]:
    from mdkm.dkg.channel import IdentityKey
    from mdkm.ecdsa.session import EcdsaPresignSession

    _pub, kps = _secp()
    ids = {i: IdentityKey.generate(_rng(f"eid{i}")) for i in (1, 2, 3)}
    s = EcdsaPresignSession(
        kps[0], [1, 2, 3], _SID, ids[1], {i: k.public_key for i, k in ids.items()}, rng=_rng("e")
    )
    return s, [kps[0].signing_share, ids[1].to_bytes()]


def _frost_participant() -> tuple[Any, list[int | bytes]]:
    from mdkm.frost.session import ParticipantSession

    kp = _secp()[1][0]
    return ParticipantSession(kp, _SID, rng=_rng("fp")), [kp.signing_share]


def _threshold_bls() -> tuple[Any, list[int | bytes]]:
    from bft.crypto import ThresholdBLS
    from bft.types import Committee
    from mdkm.dealer import trusted_dealer_keygen

    committee = Committee(epoch=0, weights={i: 1 for i in range(4)})
    pub, kps = trusted_dealer_keygen(4, committee.quorum, "bls12_381", rng=_rng("bft"))
    return ThresholdBLS(committee, pub, kps[:1]), [kps[0].signing_share]


def _locked_account() -> tuple[Any, list[int | bytes]]:
    from locked_accounts.locked import AccountRecord, LockedAccount

    pub, kps = _secp()
    acct = LockedAccount(AccountRecord(public_key_package=pub, epoch=0), kps)
    return acct, [kp.signing_share for kp in kps]


_PRESIGN_HASH = "mdkm/ecdsa/protocol.py: a @dataclass(eq=False) keeps object.__hash__"
CASES: tuple[Case, ...] = (
    Case("mdkm.KeyPackage", _key_package),
    Case("mdkm.KeyPackage(bls)", _bls_key_package),
    Case("frost.SigningNonces", _signing_nonces),
    Case("dkg.Round1SecretPackage", _round1_secret),
    Case("dkg.Round2SecretPackage", _round2_secret),
    Case("dkg.Round2Package", _round2_package),
    Case("dkg.IdentityKey", _identity_key),
    Case("ecdsa.PrivateShares", _private_shares),
    Case("ecdsa.PresignShare", _presign_share),
    Case("ecdsa.Presignature", _presignature),
    Case("one_time.SpendKey", _one_time("SpendKey")),
    Case("one_time.ViewKey", _one_time("ViewKey")),
    Case("one_time.OneTimeSecret", _one_time("OneTimeSecret")),
    Case("one_time.AccountKeys", _account_keys),
    Case("ringsig.SigningKey", _ring_key),
    Case("field.FieldElement", _field_element),
    Case("polynomial.Polynomial", _polynomial),
    Case("rng.deterministic_rng", _det_rng, value_type=False),
    Case("dkg.DkgSession", _dkg_session, value_type=False),
    Case("ecdsa.EcdsaPresignSession", _ecdsa_presign_session, value_type=False),
    Case("frost.ParticipantSession", _frost_participant, value_type=False),
    Case("bft.ThresholdBLS", _threshold_bls, value_type=False),
    Case("locked.LockedAccount", _locked_account, value_type=False),
)
_BY_NAME = {c.name: c for c in CASES}


def _ids(pred: Callable[[Case], bool] = lambda c: True) -> list[Any]:
    out = []
    for c in CASES:
        if not pred(c):
            continue
        marks = [pytest.mark.xfail(strict=True, reason=c.hash_bug)] if c.hash_bug else []
        out.append(pytest.param(c.name, id=c.name, marks=marks))
    return out


# ------------------------------------------------------------------------------ repr / hash / eq
@pytest.mark.parametrize("name", [c.name for c in CASES])
def test_repr_and_str_hide_the_secret(name: str) -> None:
    obj, secrets = _BY_NAME[name].make()
    assert secrets
    for text in (repr(obj), str(obj), format(obj, ""), f"{obj!r}", repr([obj]), repr({"k": obj})):
        assert_no_secret(text, secrets, f"{name} repr/str")


@pytest.mark.parametrize("name", _ids(lambda c: c.value_type))
def test_secret_value_types_are_not_hashable(name: str) -> None:
    obj, _ = _BY_NAME[name].make()
    with pytest.raises(TypeError):
        hash(obj)
    with pytest.raises(TypeError):
        {obj}


_EQ_TYPES = (
    "mdkm.KeyPackage",
    "dkg.Round1SecretPackage",
    "dkg.Round2SecretPackage",
    "dkg.Round2Package",
    "dkg.IdentityKey",
    "ecdsa.PrivateShares",
    "one_time.SpendKey",
    "one_time.AccountKeys",
    "ringsig.SigningKey",
    "field.FieldElement",
    "polynomial.Polynomial",
    "frost.SigningNonces",
)


@pytest.mark.parametrize("name", _EQ_TYPES)
def test_secret_equality_goes_through_compare_digest(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, _ = _BY_NAME[name].make()
    b, _ = _BY_NAME[name].make()
    calls = []
    real = hmac.compare_digest

    def spy(x: Any, y: Any) -> bool:
        calls.append(1)
        return real(x, y)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    assert a == b
    assert calls, f"{name}.__eq__ did not use hmac.compare_digest"


# ------------------------------------------------------------------------------ error messages
_PASSWORD = "correct horse battery staple, very secret"
_KS_SECRET = 0x5EC12E7_5EC12E7_5EC12E7_5EC12E7_5EC12E7_5EC12E7_5EC12E7_5EC12E7_1234


@functools.cache
def _keystore() -> dict[str, Any]:
    from mdkm import keystore

    return keystore.encrypt(_KS_SECRET, _PASSWORD, "pbkdf2", kdf_params={"c": 2}, rng=_rng("ks"))


def test_keystore_wrong_password_error_is_clean() -> None:
    from cryptocore.errors import DecryptionError
    from mdkm import keystore

    exc = raised(lambda: keystore.decrypt(_keystore(), _PASSWORD + "!"))
    assert isinstance(exc, DecryptionError)
    assert_error_clean(exc, [_KS_SECRET, _PASSWORD], "keystore")
    assert _PASSWORD not in str(exc) and _PASSWORD[:-1] not in repr(exc)


def test_keystore_tampered_ciphertext_error_is_clean() -> None:
    from mdkm import keystore

    ks = _keystore()
    msg = ks["crypto"]["cipher"]["message"]
    bad = {**ks, "crypto": {**ks["crypto"], "cipher": {**ks["crypto"]["cipher"]}}}
    bad["crypto"]["cipher"]["message"] = ("0" if msg[0] != "0" else "1") + msg[1:]
    exc = raised(lambda: keystore.decrypt(bad, _PASSWORD))
    assert_error_clean(exc, [_KS_SECRET, _PASSWORD.encode()], "keystore tampered")
    assert _PASSWORD not in str(exc)


def test_keystore_bad_password_type_error_is_clean() -> None:
    from mdkm import keystore

    exc = raised(lambda: keystore.decrypt(_keystore(), _PASSWORD.encode()))  # type: ignore[arg-type]
    assert _PASSWORD not in str(exc) and _PASSWORD not in repr(exc.args)


def test_key_package_decoding_errors_are_clean() -> None:
    from mdkm.keys import KeyPackage

    kp = _secp()[1][0]
    other = _secp()[1][1]
    data = bytearray(kp.to_bytes())
    # swap in another participant's verifying share: share and verifying share disagree
    data[-66:-33] = other.verifying_share.to_bytes()
    exc = raised(lambda: KeyPackage.from_bytes(bytes(data)))
    assert_error_clean(exc, [kp.signing_share, other.signing_share], "KeyPackage.from_bytes")
    # an out-of-range share value is not echoed either
    enc = kp.to_bytes()
    bad = enc[:38] + (N + kp.signing_share % 1000).to_bytes(32, "big") + enc[70:]
    exc = raised(lambda: KeyPackage.from_bytes(bad))
    assert_error_clean(exc, [kp.signing_share, N + kp.signing_share % 1000], "KeyPackage range")


def test_frost_misuse_errors_are_clean() -> None:
    from mdkm import frost

    pub, kps = _secp()
    _other_pub, other_kps = _secp5()
    rng = _rng("frost-errors")
    n1, c1 = frost.commit(kps[0], rng)
    n2, c2 = frost.commit(kps[1], rng)
    nonce_secrets: list[int | bytes] = [n1._hiding, n1._binding, n2._hiding, n2._binding]
    secrets = [*nonce_secrets, kps[0].signing_share, other_kps[0].signing_share]
    pkg = frost.SigningPackage(commitments={1: c1, 2: c2}, message=b"m")
    # a key package of another key (identifier 1 is in the package): signs garbage; the
    # coordinator's aggregate blames it without echoing any secret
    bad_share = frost.sign(pkg, n1, other_kps[0])
    good_share = frost.sign(pkg, n2, kps[1])
    exc = raised(lambda: frost.aggregate(pkg, {1: bad_share, 2: good_share}, pub))
    assert_error_clean(exc, secrets, "frost aggregate blame")
    # nonces reused
    exc = raised(lambda: frost.sign(pkg, n1, kps[0]))
    assert_error_clean(exc, secrets, "frost nonce reuse")
    # a signer not in the package
    n3, _c3 = frost.commit(kps[2], rng)
    exc = raised(lambda: frost.sign(pkg, n3, kps[2]))
    assert_error_clean(exc, [*secrets, kps[2].signing_share, n3._hiding, n3._binding], "frost")


def test_frost_session_failure_reasons_are_clean() -> None:
    from mdkm.frost.session import CoordinatorSession, ParticipantSession

    pub, kps = _secp()
    coord = CoordinatorSession(pub, b"m", [1, 3], _SID)
    p1 = ParticipantSession(kps[0], _SID, rng=_rng("fs1"))
    for to, m in coord.outbox():
        if to == 1:
            p1.receive(0, m, 0.0)
    ((_, comm1),) = p1.outbox()
    coord.receive(1, comm1, 0.0)
    try:  # a forged commitments message from signer 3: the coordinator fails, naming 3
        coord.receive(3, comm1[:-1] + bytes([comm1[-1] ^ 1]), 0.0)
    except CryptoError as exc:
        assert_error_clean(exc, [kps[0].signing_share, kps[2].signing_share], "coordinator")
    nonces = p1._nonces
    secrets: list[int | bytes] = [kps[0].signing_share]
    if nonces is not None and not nonces.spent:
        secrets += [nonces._hiding, nonces._binding]
    for ev in [*coord.events(), *p1.events()]:
        assert_no_secret(repr(ev), secrets, "frost session event")
    try:
        p1.receive(0, b"\x01" * 50, 1.0)
    except CryptoError as exc:
        assert_error_clean(exc, secrets, "participant")
    for ev in p1.events():
        assert_no_secret(repr(ev), secrets, "frost participant event")


def test_ecdsa_errors_are_clean() -> None:
    from mdkm.ecdsa import runner
    from mdkm.ecdsa.protocol import sign_share

    _pub, kps = _secp()
    pres = runner.presign_in_process(kps, _rng("ecdsa"))
    secrets: list[int | bytes] = [kp.signing_share for kp in kps]
    for p in pres.values():
        assert p._secret is not None
        secrets += list(p._secret)
    msg_hash = bytes(range(32))
    sig = runner.sign_with_presignatures(kps, pres, msg_hash, _rng("ecdsa-sign"))
    assert len(sig) == 65
    # every presignature is consumed now: reuse is refused without echoing a secret
    exc = raised(lambda: sign_share(pres[1], kps[0], msg_hash, _rng("x")))
    assert_error_clean(exc, secrets, "ecdsa consumed presignature")
    # a wrong key package for the presignature
    fresh = runner.presign_in_process(kps, _rng("ecdsa2"))
    secrets += [s for p in fresh.values() if p._secret for s in p._secret]
    exc = raised(lambda: sign_share(fresh[1], kps[1], msg_hash, _rng("y")))
    assert_error_clean(exc, secrets, "ecdsa mismatched key package")
    # a cheating signer is named; nothing secret in the message
    exc = raised(lambda: runner.presign_in_process(kps, _rng("ecdsa3"), faults={2: "bad_product"}))
    assert_error_clean(exc, secrets, "ecdsa bad product")


def test_one_time_and_ring_errors_are_clean() -> None:
    from locked_accounts.one_time import AccountKeys, derive_spend_key, send
    from ringsig.clsag import sign
    from ringsig.keys import SigningKey

    alice = AccountKeys.generate(_rng("alice"))
    bob = AccountKeys.generate(_rng("bob"))
    ann = send(alice.meta_address(), rng=_rng("pay"))
    secrets: list[int | bytes] = [
        alice.view_key.scalar,
        alice.spend_key.scalar,
        bob.view_key.scalar,
        bob.spend_key.scalar,
    ]
    exc = raised(lambda: derive_spend_key(ann, bob.view_key, bob.spend_key))
    assert_error_clean(exc, secrets, "derive_spend_key with the wrong keys")
    keys = [SigningKey.generate(_rng(f"ring{i}")) for i in range(4)]
    ring = [k.public_key for k in keys[:3]]
    exc = raised(lambda: sign(b"m", ring, keys[3], _rng("r")))
    assert_error_clean(exc, [k.secret for k in keys], "ring sign outside the ring")


def test_pairwise_channel_forgery_error_is_clean() -> None:
    from mdkm.dkg.channel import IdentityKey, PairwiseChannel

    a, b = IdentityKey(_S1), IdentityKey(_S2)
    ca = PairwiseChannel(_SID, 1, a, {2: b.public_key})
    cb = PairwiseChannel(_SID, 2, b, {1: a.public_key})
    plaintext = (_S1 ^ _S2).to_bytes(32, "big") * 2
    ct = ca.seal(2, 1, plaintext)
    assert cb.open(1, 1, ct) == plaintext
    exc = raised(lambda: cb.open(1, 1, ct[:-1] + bytes([ct[-1] ^ 1])))
    shared = a.ecdh(b.public_key)
    assert_error_clean(exc, [_S1, _S2, plaintext, shared, _S1 ^ _S2], "channel open")


def test_dkg_failure_events_are_clean() -> None:
    from mdkm.dkg import run_in_process

    pub, kps = run_in_process(4, 2, rng=_rng("dkg-faults"), faults={3: "bad_share"})
    assert pub.min_signers == 2
    secrets: list[int | bytes] = [kp.signing_share for kp in kps]
    try:
        run_in_process(3, 3, rng=_rng("dkg-abort"), faults={1: "silent"})
    except CryptoError as exc:
        assert_error_clean(exc, secrets, "dkg abort")
    except Exception as exc:  # an unknown fault name is a ParameterError (a CryptoError)
        pytest.fail(f"run_in_process leaked {type(exc).__name__}: {exc}")


# ------------------------------------------------------------------------------ the checker
def test_the_checker_catches_leaks() -> None:
    """assert_no_secret / assert_error_clean would notice a leak in any of the forms."""

    class Leaky:
        def __init__(self, form: str) -> None:
            self.form = form

        def __repr__(self) -> str:
            return f"Leaky({self.form})"

    for form in secret_forms(_S1):
        with pytest.raises(AssertionError):
            assert_no_secret(repr(Leaky(form)), [_S1], "leaky")
    assert_no_secret(repr(Leaky("<redacted>")), [_S1], "clean")
    try:
        try:
            raise ValueError(f"inner {_S1:#x}")
        except ValueError:
            raise CryptoError("outer") from None  # suppressed, yet still reachable
    except CryptoError as exc:
        with pytest.raises(AssertionError):
            assert_error_clean(exc, [_S1], "chained")


# ------------------------------------------------------------------------------ single use
@pytest.mark.parametrize("how", ["copy", "deepcopy", "pickle"])
def test_presignature_cannot_be_duplicated(how: str) -> None:
    """A presignature is single use: sign_share consumes it. A copy (copy.copy, deepcopy or a
    pickle round trip) used to be a second, unconsumed presignature: two messages signed with
    one nonce k reveal the key (s1 - s2 = k^-1 (m1 - m2)). Like SigningNonces, refuse."""
    import copy
    import pickle

    from mdkm.ecdsa import runner
    from mdkm.ecdsa.protocol import sign_share

    _pub, kps = _secp()
    pres = runner.presign_in_process(kps, _rng("single-use"))
    dup: Callable[[Any], Any] = {
        "copy": copy.copy,
        "deepcopy": copy.deepcopy,
        "pickle": lambda p: pickle.loads(pickle.dumps(p)),
    }[how]
    with pytest.raises(TypeError):
        twin = dup(pres[1])
        sign_share(pres[1], kps[0], bytes(32), _rng("a"))
        sign_share(twin, kps[0], bytes(range(32)), _rng("b"))  # the same k, another message


@pytest.mark.parametrize("how", ["copy", "deepcopy", "pickle"])
def test_signing_nonces_cannot_be_duplicated(how: str) -> None:
    import copy
    import pickle

    nonces, _ = _signing_nonces()
    dup: Callable[[Any], Any] = {
        "copy": copy.copy,
        "deepcopy": copy.deepcopy,
        "pickle": lambda p: pickle.loads(pickle.dumps(p)),
    }[how]
    with pytest.raises(TypeError):
        dup(nonces)


def test_bip352_found_output_repr_hides_the_tweak() -> None:
    from locked_accounts.bip352 import FoundOutput

    found = FoundOutput(pub_key=Point.base_mul(_S1).xonly(), tweak=_S2, label=None)
    assert_no_secret(repr(found), [_S2], "bip352.FoundOutput")


def test_stealth_and_silent_payment_errors_are_clean() -> None:
    from locked_accounts import bip352, erc5564

    view, spend, other = _S1, _S2, _S1 ^ 0xFF
    addr, eph, _tag = erc5564.generate_stealth_address(
        erc5564.stealth_meta_address(spend, view), ephemeral_private_key=_S2 ^ 7
    )
    assert erc5564.compute_stealth_key(addr, eph, view, spend) > 0
    exc = raised(lambda: erc5564.compute_stealth_key(addr, eph, view, other))
    assert_error_clean(exc, [view, spend, other, _S2 ^ 7], "compute_stealth_key")
    found = bip352.FoundOutput(pub_key=Point.base_mul(_S1).xonly(), tweak=5)
    exc = raised(lambda: bip352.spend_secret(_S2, found))
    assert_error_clean(exc, [_S2, (_S2 + 5) % N], "bip352.spend_secret")

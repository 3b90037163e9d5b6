"""The shared mixin of secret value types (:mod:`cryptocore.secret`)."""

from __future__ import annotations

import pytest

from cryptocore.secret import SecretValue
from locked_accounts.one_time import SpendKey, ViewKey
from mdkm.dealer import trusted_dealer_keygen
from mdkm.dkg import IdentityKey


def test_secret_values_compare_by_encoding_only_within_one_type() -> None:
    assert ViewKey(5) == ViewKey(5) and ViewKey(5) != ViewKey(6)
    assert ViewKey(5) != SpendKey(5)  # same bytes, another kind of secret
    assert (ViewKey(5) == 5) is False
    _, kps = trusted_dealer_keygen(3, 2)
    assert kps[0] == type(kps[0]).from_bytes(kps[0].to_bytes()) and kps[0] != kps[1]
    assert IdentityKey(7) == IdentityKey(7) != IdentityKey(8)


@pytest.mark.parametrize("value", [ViewKey(3), IdentityKey(3)])
def test_secret_values_are_not_hashable(value: SecretValue) -> None:
    assert isinstance(value, SecretValue)
    with pytest.raises(TypeError):
        hash(value)
    with pytest.raises(TypeError):
        _ = {value}

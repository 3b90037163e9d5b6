"""attestations package of litho-crypto."""

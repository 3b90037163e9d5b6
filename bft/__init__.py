"""bft package of litho-crypto."""

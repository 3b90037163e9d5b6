"""ringsig package of litho-crypto."""

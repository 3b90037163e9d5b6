"""locked_accounts package of litho-crypto."""

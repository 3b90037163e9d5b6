"""MDKM: Myriad Distributed Key Management (secret sharing, DKG, refresh, threshold signing)."""

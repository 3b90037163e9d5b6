"""End-to-end demonstration of litho-crypto (``make demo``)."""

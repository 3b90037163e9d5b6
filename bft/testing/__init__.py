"""Test support for :mod:`bft`: simulated network, test-double crypto, Twins, Byzantine wrappers
and deliberately broken rule sets (mutants). Nothing here is for production use."""

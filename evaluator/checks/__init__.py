"""Implementations of the check declarations in ``evaluator.spec`` (one module per kind)."""

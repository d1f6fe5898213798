"""challenges/sim."""

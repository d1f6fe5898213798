"""Detectors: turn what the instrumentation observed into findings with evidence."""

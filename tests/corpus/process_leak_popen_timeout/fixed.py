"""Corpus (fixed): process leak popen timeout."""

import subprocess


def run_with_timeout(seconds):
    """Run a slow command; give up after `seconds`."""
    child = subprocess.Popen(["sleep", "30"])
    try:
        child.wait(timeout=seconds)
        return True
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
        return False

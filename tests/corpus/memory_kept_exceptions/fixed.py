"""Corpus (fixed): memory kept exceptions."""

from collections import deque

errors = deque(maxlen=20)


def parse_all(lines):
    """Parse integers, remembering the last errors for the status page."""
    values = []
    for line in lines:
        scratch = [line] * 50
        try:
            values.append(int(line))
        except ValueError as error:
            errors.append(str(error))
    return values

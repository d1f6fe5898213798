"""Corpus (bug): memory kept exceptions."""

errors = []


def parse_all(lines):
    """Parse integers, remembering every error for the status page."""
    values = []
    for line in lines:
        scratch = [line] * 50
        try:
            values.append(int(line))
        except ValueError as error:
            errors.append(error)  # the traceback keeps every frame (and `scratch`) alive
    return values

"""Corpus (fixed): timing early exit index."""

def check_token(secret, guess):
    """Compare every byte, whatever differs: the time does not depend on the content."""
    if len(guess) != len(secret):
        return False
    difference = 0
    for expected, given in zip(secret, guess):
        difference |= expected ^ given
    return difference == 0

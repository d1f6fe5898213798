"""Corpus (bug): timing early exit index."""

def check_token(secret, guess):
    """Compare byte by byte, stopping at the first difference."""
    if len(guess) != len(secret):
        return False
    i = 0
    while i < len(secret):
        if secret[i] != guess[i]:
            return False
        i += 1
    return True

"""Corpus (bug): timing early exit loop."""

def check_token(secret, guess):
    if len(secret) != len(guess):
        return False
    for expected, given in zip(secret, guess):
        if expected != given:
            return False
    return True

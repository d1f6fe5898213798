"""Corpus (bug): timing early exit all."""

def check_token(secret, guess):
    return len(secret) == len(guess) and all(a == b for a, b in zip(secret, guess))

"""Corpus (fixed): timing early exit all."""

import hmac


def check_token(secret, guess):
    return hmac.compare_digest(secret, guess)

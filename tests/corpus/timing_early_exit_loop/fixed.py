"""Corpus (fixed): timing early exit loop."""

import hmac


def check_token(secret, guess):
    return hmac.compare_digest(secret, guess)

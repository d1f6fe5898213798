"""Corpus (bug): memory unbounded cache."""

_cache = {}


def render(user_id):
    """Render a profile page, caching every page ever rendered."""
    if user_id not in _cache:
        _cache[user_id] = f"<h1>user {user_id}</h1>" + "x" * 500
    return _cache[user_id]

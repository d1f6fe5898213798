"""Corpus (fixed): memory unbounded cache."""

from collections import OrderedDict

_cache = OrderedDict()
_MAX = 256


def render(user_id):
    """Render a profile page, keeping the 256 most recent pages."""
    if user_id in _cache:
        _cache.move_to_end(user_id)
    else:
        _cache[user_id] = f"<h1>user {user_id}</h1>" + "x" * 500
        if len(_cache) > _MAX:
            _cache.popitem(last=False)
    return _cache[user_id]

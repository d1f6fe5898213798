"""Corpus (bug): memory global registry."""

_registry = {}


class Connection:
    """Every connection registers itself so `stats()` can count them."""

    def __init__(self, name):
        self.name = name
        self.buffer = bytearray(1024)
        _registry[id(self)] = self

    def close(self):
        self.buffer = bytearray(1024)


def stats():
    return len(_registry)


def serve(n):
    for i in range(n):
        Connection(f"c{i}").close()

"""A lock per pair of accounts, taken before the two account locks: it orders A->B against B->A,
but three transfers around a ring (a->b, b->c, c->a) still deadlock (two preemptions, each
right before a nested acquire)."""

import threading


class Bank:
    def __init__(self, names):
        self.locks = {name: threading.Lock() for name in names}
        self.balances = dict.fromkeys(names, 10)
        self.pair_locks = {}
        self.guard = threading.Lock()

    def transfer(self, source, target, amount):
        with self.guard:
            pair = self.pair_locks.setdefault(frozenset((source, target)), threading.Lock())
        with pair, self.locks[source], self.locks[target]:
            self.balances[source] -= amount
            self.balances[target] += amount

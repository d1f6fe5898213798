"""One unprotected increment per thread: a lost update needs exactly one preemption."""


class Account:
    def __init__(self):
        self.balance = 100

    def deposit(self, amount):
        self.balance += amount

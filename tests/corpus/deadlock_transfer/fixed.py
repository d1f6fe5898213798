import threading


class Account:
    def __init__(self, name, balance):
        self.name = name
        self.balance = balance
        self.lock = threading.Lock()


def transfer(src, dst, amount):
    first, second = sorted((src, dst), key=lambda a: a.name)
    with first.lock:
        with second.lock:
            src.balance -= amount
            dst.balance += amount

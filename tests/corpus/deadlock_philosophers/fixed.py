import threading


class Table:
    def __init__(self, seats):
        self.forks = [threading.Lock() for _ in range(seats)]
        self.meals = [0] * seats

    def dine(self, seat):
        a, b = seat, (seat + 1) % len(self.forks)
        first, second = self.forks[min(a, b)], self.forks[max(a, b)]
        with first:
            with second:
                self.meals[seat] += 1

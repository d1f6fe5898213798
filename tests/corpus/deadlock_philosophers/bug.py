import threading


class Table:
    def __init__(self, seats):
        self.forks = [threading.Lock() for _ in range(seats)]
        self.meals = [0] * seats

    def dine(self, seat):
        left = self.forks[seat]
        right = self.forks[(seat + 1) % len(self.forks)]
        with left:
            with right:
                self.meals[seat] += 1

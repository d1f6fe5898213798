"""Two threads, each writing only its own attribute: every interleaving ends the same."""


class Counters:
    def __init__(self):
        self.left = 0
        self.right = 0

    def bump_left(self):
        for _ in range(3):
            self.left += 1

    def bump_right(self):
        for _ in range(3):
            self.right += 1

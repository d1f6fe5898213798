class Counter:
    def __init__(self):
        self.value = 0

    def increment(self, times):
        for _ in range(times):
            self.value += 1

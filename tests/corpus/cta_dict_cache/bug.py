class Cache:
    def __init__(self):
        self.data = {}
        self.computed = 0

    def compute(self, key):
        self.computed += 1
        return key * 2

    def get(self, key):
        if key not in self.data:
            self.data[key] = self.compute(key)
        return self.data[key]

class Inventory:
    def __init__(self, stock):
        self._stock = stock

    def read(self):
        return self._stock

    def write(self, value):
        self._stock = value

    def restock(self, amount):
        current = self.read()
        self.write(current + amount)

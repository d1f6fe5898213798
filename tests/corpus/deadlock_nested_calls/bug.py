import threading


class Inventory:
    def __init__(self):
        self.lock = threading.Lock()
        self.items = {"apple": 3}
        self.orders = None

    def reserve(self, item):
        with self.lock:
            self.items[item] -= 1
            self.orders.log(item)


class Orders:
    def __init__(self, inventory):
        self.lock = threading.Lock()
        self.inventory = inventory
        self.placed = []

    def log(self, item):
        with self.lock:
            self.placed.append(item)

    def cancel_all(self):
        with self.lock:
            for item in self.placed:
                with self.inventory.lock:
                    self.inventory.items[item] += 1
            self.placed.clear()

import asyncio
import random


class Shop:
    def __init__(self, stock):
        self.stock = stock
        self.sold = 0
        self.lock = asyncio.Lock()

    async def buy(self, n):
        async with self.lock:
            if self.stock < n:
                return False
            self.stock -= n
        await asyncio.sleep(random.random() / 100)  # charge the card
        self.sold += n
        return True

import asyncio
import random


class Shop:
    def __init__(self, stock):
        self.stock = stock
        self.sold = 0

    async def buy(self, n):
        if self.stock >= n:
            await asyncio.sleep(random.random() / 100)  # charge the card
            self.stock -= n
            self.sold += n
            return True
        return False

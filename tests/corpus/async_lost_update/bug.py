import asyncio


class Wallet:
    def __init__(self):
        self.balance = 0

    async def deposit(self, amount):
        current = self.balance
        await asyncio.sleep(0.01)  # talk to the payment provider
        self.balance = current + amount

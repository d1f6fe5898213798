import asyncio


class Notifier:
    def __init__(self):
        self.sent = []

    async def _send(self, message):
        await asyncio.sleep(0.5)
        self.sent.append(message)

    async def notify(self, message):
        asyncio.create_task(self._send(message))

    async def drain(self):
        await asyncio.sleep(0)

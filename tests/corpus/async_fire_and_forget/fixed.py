import asyncio


class Notifier:
    def __init__(self):
        self.sent = []
        self._pending = set()

    async def _send(self, message):
        await asyncio.sleep(0.5)
        self.sent.append(message)

    async def notify(self, message):
        task = asyncio.create_task(self._send(message))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def drain(self):
        await asyncio.gather(*self._pending)

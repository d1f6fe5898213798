import asyncio
import contextlib


class Connection:
    def __init__(self):
        self.beats = 0
        self._heartbeat = None

    async def _beat(self):
        while True:
            await asyncio.sleep(1)
            self.beats += 1

    async def open(self):
        self._heartbeat = asyncio.create_task(self._beat())

    async def close(self):
        self._heartbeat.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._heartbeat

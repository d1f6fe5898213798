import asyncio


class Ledger:
    def __init__(self):
        self.read_lock = asyncio.Lock()
        self.write_lock = asyncio.Lock()
        self.entries = []

    async def append(self, entry):
        async with self.write_lock:
            await asyncio.sleep(0.01)
            async with self.read_lock:
                self.entries.append(entry)

    async def snapshot(self):
        async with self.read_lock:
            await asyncio.sleep(0.01)
            async with self.write_lock:
                return list(self.entries)

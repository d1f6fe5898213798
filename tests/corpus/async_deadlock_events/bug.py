import asyncio


class Handshake:
    def __init__(self):
        self.client_ready = asyncio.Event()
        self.server_ready = asyncio.Event()

    async def client(self):
        await self.server_ready.wait()
        self.client_ready.set()

    async def server(self):
        await self.client_ready.wait()
        self.server_ready.set()

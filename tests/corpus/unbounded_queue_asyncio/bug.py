"""Corpus (bug): unbounded queue asyncio."""

import asyncio


async def _pipeline(items):
    q = asyncio.Queue()
    peak = 0

    async def consume():
        while (await q.get()) is not None:
            await asyncio.sleep(0)

    consumer = asyncio.create_task(consume())
    for item in range(items):
        await q.put(item)
        peak = max(peak, q.qsize())
    await q.put(None)
    await consumer
    return peak


def pipeline(items):
    return asyncio.run(_pipeline(items))

import asyncio

from evaluator.findings import FindingKind
from evaluator.spec import AsyncCheck, ChallengeSpec


async def open_close(program):
    conn = program.Connection()
    await conn.open()
    await asyncio.sleep(3.5)
    await conn.close()


SPEC = ChallengeSpec(
    number=0, slug="async-task-leak", title="The heartbeat that never stops", summary="close() forgets the background task",
    concepts=("asyncio", "cancellation"), difficulty=2, intended=FindingKind.TASK_LEAK,
    checks=(AsyncCheck("open then close", open_close, seeds=5),), hints=("cancel and await what you start",),
)

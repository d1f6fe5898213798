from evaluator.findings import FindingKind
from evaluator.spec import AsyncCheck, ChallengeSpec


async def notify_then_drain(program):
    notifier = program.Notifier()
    for i in range(3):
        await notifier.notify(f"message {i}")
    await notifier.drain()


SPEC = ChallengeSpec(
    number=0, slug="async-fire-and-forget", title="Messages lost at shutdown", summary="create_task without keeping the task",
    concepts=("asyncio",), difficulty=2, intended=FindingKind.TASK_LEAK,
    checks=(AsyncCheck("notify then drain", notify_then_drain, seeds=5),), hints=("keep and await your tasks",),
)

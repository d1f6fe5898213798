import asyncio

from evaluator.findings import FindingKind
from evaluator.spec import AsyncCheck, ChallengeSpec


async def append_and_snapshot(program):
    ledger = program.Ledger()
    await asyncio.gather(ledger.append("x"), ledger.snapshot())


SPEC = ChallengeSpec(
    number=0, slug="async-deadlock-locks", title="Async lock order", summary="two asyncio locks taken in opposite orders",
    concepts=("asyncio", "deadlock"), difficulty=3, intended=FindingKind.DEADLOCK,
    checks=(AsyncCheck("append and snapshot", append_and_snapshot),), hints=("same order everywhere",),
)

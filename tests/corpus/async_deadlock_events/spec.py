import asyncio

from evaluator.findings import FindingKind
from evaluator.spec import AsyncCheck, ChallengeSpec


async def handshake(program):
    h = program.Handshake()
    await asyncio.gather(h.client(), h.server())


SPEC = ChallengeSpec(
    number=0, slug="async-deadlock-events", title="After you", summary="each side waits for the other first",
    concepts=("asyncio", "deadlock"), difficulty=2, intended=FindingKind.DEADLOCK,
    checks=(AsyncCheck("handshake", handshake),), hints=("someone has to go first",),
)

"""TimingCheck: does a comparison leak, through its running time, how much of a guess is right?

Wall-clock timing on a shared machine is noise, so the verdict rests on deterministic evidence
from this run (the statistical helpers below remain for benchmarks and lessons):

* **work done**: the comparison is called with wrong guesses sharing 0, ¼, ½, ¾ and all but one
  byte with the secret, each a few times, while the bytecode instructions executed in the
  learner's file are counted. Constant-time code executes the same instructions whatever the
  guess; an early exit, a branch per mismatch or a prefix pre-check does not. Ranges of counts
  that do not overlap between the shortest and the longest right prefix are a TIMING_LEAK.
* **variable-time operations on the secret**: the secret is handed to the program as a ``str``
  (or, after ``.encode()``, ``bytes``) subclass that records ``==``/``!=``/ordering/``startswith``
  comparisons with a different value: those stop at the first differing byte (memcmp), so a
  record is a TIMING_LEAK naming the learner's line. ``hmac.compare_digest`` records nothing.
  Random sleeps ("jitter") do not hide either kind of evidence.
"""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from evaluator import realtime
from evaluator.findings import Finding, FindingKind, Severity

if TYPE_CHECKING:
    from evaluator.spec import CheckContext, TimingCheck

__all__ = [
    "SecretBytes",
    "SecretStr",
    "TimingStats",
    "crop",
    "measure",
    "run_timing_check",
    "secret_text",
    "welch_t",
]

_CROP_PERCENTILE = 0.9
"""Measurements above this percentile of both classes are dropped (scheduler and GC outliers)."""
_MIN_DIFFERENCE_NS = 100.0
"""A statistically clear difference smaller than this is not counted: the interpreter itself
makes a pure-Python XOR-accumulate comparison differ by ~40 ns, while an early-exit loop over
32 bytes differs by ~500-1500 ns (secrets of 16+ bytes keep the two apart)."""


@dataclass(frozen=True)
class TimingStats:
    """The outcome of one batch."""

    t: float
    """Welch's t statistic (fixed class vs random class)."""
    mean_difference_ns: float
    """Mean time of the fixed class minus the random class."""
    samples: int


def welch_t(first: Sequence[float], second: Sequence[float]) -> float:
    """Welch's t statistic between two samples (0 when undefined)."""
    n1, n2 = len(first), len(second)
    if n1 < 2 or n2 < 2:
        return 0.0
    mean1, mean2 = sum(first) / n1, sum(second) / n2
    var1 = sum((x - mean1) ** 2 for x in first) / (n1 - 1)
    var2 = sum((x - mean2) ** 2 for x in second) / (n2 - 1)
    denominator = math.sqrt(var1 / n1 + var2 / n2)
    return 0.0 if denominator == 0 else (mean1 - mean2) / denominator


def crop(
    first: list[int], second: list[int], percentile: float = _CROP_PERCENTILE
) -> tuple[list[int], list[int]]:
    """Drop measurements above the pooled ``percentile`` (outliers from preemption, GC)."""
    pooled = sorted(first + second)
    if not pooled:
        return first, second
    limit = pooled[min(len(pooled) - 1, int(percentile * len(pooled)))]
    return [x for x in first if x <= limit], [x for x in second if x <= limit]


def measure(
    compare: Callable[[bytes], Any], secret: bytes, samples: int, rng: random.Random
) -> TimingStats:
    """One batch of ``samples`` interleaved measurements."""
    clock = realtime.perf_counter_ns
    fixed: list[int] = []
    randomized: list[int] = []
    plan = []
    for _ in range(samples):
        values = [rng.randrange(256) for _ in secret]
        is_fixed = rng.random() < 0.5
        if is_fixed:
            values[:-1] = secret[:-1]
        plan.append((is_fixed, values))
    for is_fixed, values in plan:
        guess = bytes(values)  # built the same way for both classes, fresh for every call
        bucket = fixed if is_fixed else randomized
        before = clock()
        compare(guess)
        bucket.append(clock() - before)
    fixed, randomized = crop(fixed, randomized)
    difference = (sum(fixed) / max(1, len(fixed))) - (sum(randomized) / max(1, len(randomized)))
    return TimingStats(welch_t(fixed, randomized), difference, len(fixed) + len(randomized))


_PREFIX_FRACTIONS = (0.0, 0.25, 0.5, 0.75)
_REPEATS = 3
_compared: list[str] = []
"""Where the tainted secret was compared with a variable-time operation (``file:line: op``)."""


def _record(op: str) -> None:
    import traceback

    frames = [f for f in traceback.extract_stack()[:-2] if not f.filename.endswith("timing.py")]
    where = next(
        (
            f"{Path(f.filename).name}:{f.lineno}"
            for f in reversed(frames)
            if "evaluator" not in Path(f.filename).parts
        ),
        "?",
    )
    _compared.append(f"{where}: {op}")


class SecretStr(str):
    """The secret as the program receives it: records variable-time comparisons with other values."""

    def _check(self, other: object, op: str) -> None:
        if isinstance(other, str | bytes) and str.__ne__(self, other):
            _record(op)

    def __eq__(self, other: object) -> bool:
        self._check(other, "==")
        return str.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        self._check(other, "!=")
        return str.__ne__(self, other)

    def __lt__(self, other: str) -> bool:
        self._check(other, "<")
        return str.__lt__(self, other)

    def __gt__(self, other: str) -> bool:
        self._check(other, ">")
        return str.__gt__(self, other)

    def startswith(self, prefix: Any, *args: Any) -> bool:
        _record("startswith()")
        return str.startswith(self, prefix, *args)

    def __hash__(self) -> int:
        return str.__hash__(self)

    def encode(self, encoding: str = "utf-8", errors: str = "strict") -> bytes:
        return SecretBytes(str.encode(self, encoding, errors))


class SecretBytes(bytes):
    """``SecretStr.encode()``: the same records for bytes."""

    def _check(self, other: object, op: str) -> None:
        if isinstance(other, bytes | bytearray | memoryview) and bytes.__ne__(self, bytes(other)):
            _record(op)

    def __eq__(self, other: object) -> bool:
        self._check(other, "==")
        return bytes.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        self._check(other, "!=")
        return bytes.__ne__(self, other)

    def __hash__(self) -> int:
        return bytes.__hash__(self)

    def startswith(self, prefix: Any, *args: Any) -> bool:
        _record("startswith()")
        return bytes.startswith(self, prefix, *args)


def secret_text(value: str) -> str:
    """The secret a spec hands to the program (``str`` that records variable-time comparisons)."""
    return SecretStr(value)


def _count_instructions(call: Callable[[], Any], program: Path) -> int:
    """Bytecode instructions executed in ``program``'s code while ``call()`` runs."""
    import sys

    target = str(program.resolve())
    counted = [0]
    mine: dict[str, bool] = {}

    def local(frame: Any, event: str, arg: Any) -> Any:
        if event == "opcode":
            counted[0] += 1
        return local

    def global_trace(frame: Any, event: str, arg: Any) -> Any:
        filename = frame.f_code.co_filename
        is_mine = mine.get(filename)
        if is_mine is None:
            is_mine = mine[filename] = str(Path(filename).resolve()) == target
        if not is_mine:
            return None
        frame.f_trace_opcodes = True
        return local

    previous = sys.gettrace()
    sys.settrace(global_trace)
    try:
        call()
    finally:
        sys.settrace(previous)
    return counted[0]


def _guess(secret: bytes, right: int) -> bytes:
    """``right`` leading bytes of the secret, then bytes that differ from it in every bit (so any
    encoding of them, hex included, differs from the first wrong byte on)."""
    return secret[:right] + bytes(b ^ 0xFF for b in secret[right:])


def run_timing_check(check: TimingCheck, program: ModuleType, ctx: CheckContext) -> list[Finding]:
    """FAIL on deterministic evidence: work that depends on the right prefix, or memcmp on the secret."""
    rng = random.Random(ctx.seed)
    secret = bytes(rng.randrange(1, 255) for _ in range(check.secret_length))
    _compared.clear()
    compare = check.make_compare(program, secret)
    _compared.clear()  # set-up (dictionaries of tokens) is not the comparison under test
    prefixes = sorted({int(f * len(secret)) for f in _PREFIX_FRACTIONS} | {len(secret) - 1})
    counts: dict[int, list[int]] = {}
    state = random.getstate()
    for repeat in range(_REPEATS):
        for right in prefixes:
            random.seed(ctx.seed * 31 + repeat)  # the program's own randomness (jitter) replays too
            guess = _guess(secret, right)
            counts.setdefault(right, []).append(
                _count_instructions(functools.partial(compare, guess), ctx.program_path)
            )
    random.setstate(state)
    findings: list[Finding] = []
    low, high = counts[prefixes[0]], counts[prefixes[-1]]
    if max(high) < min(low) or max(low) < min(high):
        shown = ", ".join(
            f"{right} right: {min(c)}" + (f"-{max(c)}" if max(c) != min(c) else "")
            for right, c in counts.items()
        )
        findings.append(
            Finding(
                kind=FindingKind.TIMING_LEAK,
                severity=Severity.FAIL,
                title="rejecting a guess does more or less work depending on how much of it is right",
                evidence=(
                    f"bytecode instructions your code ran to reject a {len(secret)}-byte guess, by right leading bytes: {shown}",
                    "an attacker times guesses and keeps the one that takes longer: the secret falls one byte at a time",
                    "random sleeps do not help: averaging many calls removes them, the difference stays",
                ),
                hint=check.hint
                or "Compare secrets with hmac.compare_digest, whose time does not depend on the content.",
                check=check.name,
                seed=ctx.seed,
                data={"instructions": {str(k): v for k, v in counts.items()}},
            )
        )
    if _compared:
        sites = sorted(set(_compared))
        location = sites[0].split(": ", 1)[0]
        findings.append(
            Finding(
                kind=FindingKind.TIMING_LEAK,
                severity=Severity.FAIL,
                title="the secret token is compared with an operation that stops at the first difference",
                evidence=(
                    *sites[:5],
                    "== and != on str/bytes use memcmp: they return as soon as one byte differs, "
                    "so a guess with a longer right prefix is rejected later",
                ),
                hint=check.hint
                or "Compare secrets with hmac.compare_digest on bytes (encode both sides).",
                location=location if location != "?" else None,
                check=check.name,
                seed=ctx.seed,
            )
        )
    _compared.clear()
    return findings

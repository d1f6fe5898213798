"""TimingCheck: does a comparison leak, through its running time, how much of a guess is right?

dudect-style (Reparaz, Balasch, Verbauwhede 2017):

* two classes of inputs: *fixed* = guesses sharing all but the last byte with the secret,
  *random* = random guesses; both built fresh for every measurement, so allocation and cache
  effects are the same for both;
* the classes are interleaved in a random order, each call timed with ``perf_counter_ns``;
* measurements above a percentile are cropped (preemptions, GC pauses), then a Welch t-test
  compares the two classes. ``|t| > t_threshold`` means the time depends on the input.

A FAIL needs two independent batches over the threshold with the same sign and a mean
difference of at least 100 ns, so scheduler noise on a busy machine does not fail a
constant-time comparison.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

from evaluator import realtime
from evaluator.findings import Finding, FindingKind, Severity

if TYPE_CHECKING:
    from evaluator.spec import CheckContext, TimingCheck

__all__ = ["TimingStats", "crop", "measure", "run_timing_check", "welch_t"]

_CROP_PERCENTILE = 0.9
_BATCHES = 2
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


def crop(first: list[int], second: list[int], percentile: float = _CROP_PERCENTILE) -> tuple[list[int], list[int]]:
    """Drop measurements above the pooled ``percentile`` (outliers from preemption, GC)."""
    pooled = sorted(first + second)
    if not pooled:
        return first, second
    limit = pooled[min(len(pooled) - 1, int(percentile * len(pooled)))]
    return [x for x in first if x <= limit], [x for x in second if x <= limit]


def measure(compare: Callable[[bytes], Any], secret: bytes, samples: int, rng: random.Random) -> TimingStats:
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


def run_timing_check(check: TimingCheck, program: ModuleType, ctx: CheckContext) -> list[Finding]:
    """FAIL when every batch shows the same time dependence on the guess (|t| over threshold)."""
    rng = random.Random(ctx.seed)
    secret = bytes(rng.randrange(256) for _ in range(check.secret_length))
    compare = check.make_compare(program, secret)
    samples = max(500, check.samples // 4) if ctx.quick else check.samples
    for _ in range(200):  # warm-up: caches, specialization of the interpreter
        compare(secret)
    batches = []
    for _ in range(_BATCHES):
        stats = measure(compare, secret, samples, rng)
        batches.append(stats)
        if abs(stats.t) <= check.t_threshold or abs(stats.mean_difference_ns) < _MIN_DIFFERENCE_NS:
            return []
    if len({math.copysign(1, b.t) for b in batches}) != 1:
        return []
    mean_t = sum(b.t for b in batches) / len(batches)
    diff = sum(b.mean_difference_ns for b in batches) / len(batches)
    return [Finding(
        kind=FindingKind.TIMING_LEAK, severity=Severity.FAIL,
        title="the comparison takes longer when more of the guess is right",
        evidence=(
            f"Welch t = {mean_t:+.1f} (threshold ±{check.t_threshold:g}) over {len(batches)} batches of {samples} calls",
            f"guesses matching all but the last byte took {diff:+.0f} ns longer on average than random guesses",
            "an attacker can recover the secret one byte at a time by timing guesses",
        ),
        hint=check.hint or "Compare secrets with hmac.compare_digest, whose time does not depend on the content.",
        check=check.name, data={"t": [b.t for b in batches], "mean_difference_ns": diff},
    )]

"""Challenges 9-16 under the full fault model: plausible wrong fixes fail on every base seed,
and a failing fault seed replays exactly (fresh module copies, seeded ``random``, same hash seed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from challenges._registry import get_challenge
from challenges.seeded_run import show_fault_seed
from evaluator.findings import Finding, FindingKind
from evaluator.spec import CheckContext
from simworld.check import HASH_PERIOD, SimCheck, fault_seeds
from simworld.program import SimProgram

BASE_SEEDS = (11, 12)


def _source(number: int, name: str) -> str:
    challenge = get_challenge(number)
    path = challenge.program_path if name == "program" else challenge.solutions_dir / f"{name}.py"
    return path.read_text(encoding="utf-8")


def _grade(
    tmp_path: Path, number: int, source: str, seed: int, replay: int | None = None
) -> list[Finding]:
    path = tmp_path / "program.py"
    path.write_text(source, encoding="utf-8")
    challenge = get_challenge(number)
    ctx = CheckContext(
        seed=seed,
        program_path=path,
        challenge_dir=challenge.directory,
        solutions_dir=challenge.solutions_dir,
        replay=replay,
    )
    return [f for check in challenge.spec.checks for f in check.run(SimProgram(path), ctx)]  # type: ignore[arg-type]


def _changed(source: str, old: str, new: str) -> str:
    assert old in source, old
    return source.replace(old, new)


WRONG_FIXES = {
    # a lock without a TTL: fine under pauses, held forever by a holder that crashed
    "9: fencing but no TTL": (
        9,
        lambda: _changed(
            _source(9, "fencing"), "ttl_ms=self.ttl_ms, if_absent=True", "if_absent=True"
        ),
        FindingKind.DISTRIBUTED,
    ),
    # at-most-once: the offset is committed before the records are applied
    "10: commit before applying": (
        10,
        lambda: _changed(
            _changed(
                _source(10, "keyed_sequential"),
                "            for record in records:\n                await handle(node, orders, record)",
                "            if records:\n                await log.commit(GROUP, TOPIC, partition, records[-1].offset + 1)\n"
                "            for record in records:\n                await handle(node, orders, record)",
            ),
            "            if records:\n                await log.commit(GROUP, TOPIC, partition, records[-1].offset + 1)\n"
            "        await node.sleep(POLL_MS)",
            "        await node.sleep(POLL_MS)",
        ),
        FindingKind.DISTRIBUTED,
    ),
    # one key for everything: ordered, but one consumer does all the work
    "10: a single partition": (
        10,
        lambda: _changed(_source(10, "keyed_sequential"), 'key=event["order"]', 'key="all"'),
        FindingKind.SERIALIZED,
    ),
    # reports the overflow as dropped but keeps every event in memory
    "11: a dropped counter that keeps everything": (
        11,
        lambda: _changed(
            _source(11, "program"),
            "        self.buffer.put_nowait(event)\n        return True",
            "        self.buffer.put_nowait(event)\n        if self.buffer.qsize() > 150:\n            self.dropped += 1\n"
            "            self.kept = getattr(self, 'kept', []) + [self.buffer.get()]\n        return True",
        ),
        FindingKind.OUTSIDE_WORLD,
    ),
    # bounded queue, but one store task per event: the backlog moves into tasks
    "11: a task per event": (
        11,
        lambda: _changed(
            _source(11, "load_shedding"),
            '            await self.warehouse.store(event["id"], event)',
            "            self.node.start(self.store_one, event)\n\n    async def store_one(self, event: Any) -> None:\n"
            '        await self.warehouse.store(event["id"], event)',
        ),
        FindingKind.UNBOUNDED_QUEUE,
    ),
    # R + W > N without the read's write-back: a regular register, not an atomic one
    "12: quorum reads without write-back": (
        12,
        lambda: _changed(
            _source(12, "quorum"),
            "        await first(W, [replica.write(user, version, bio) for replica in self.replicas])  # write-back\n",
            "",
        ),
        FindingKind.DISTRIBUTED,
    ),
    # a second delete after a fixed delay: a reload paused longer still puts the old price back
    "15: a delayed double delete": (
        15,
        lambda: _changed(
            _source(15, "program"),
            "    await cache.delete(product_id)",
            "    await cache.delete(product_id)\n    await node.sleep(100)\n    await cache.delete(product_id)",
        ),
        FindingKind.DISTRIBUTED,
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", WRONG_FIXES)
def test_a_wrong_fix_fails_on_every_base_seed(tmp_path: Path, name: str) -> None:
    number, make, kind = WRONG_FIXES[name]
    source = make()
    for seed in BASE_SEEDS:
        findings = _grade(tmp_path, number, source, seed)
        assert findings, f"{name} passed with base seed {seed}"
        assert findings[0].kind is kind, findings[0].title


def test_fault_seeds_keep_the_gradings_hash_seed() -> None:
    for base in (1, 77_001, 2_147_483_000):
        assert {s % HASH_PERIOD for s in fault_seeds(base, "x", 30)} == {base % HASH_PERIOD}


def test_a_failure_on_a_later_seed_replays_exactly_with_random_and_fresh_modules(
    tmp_path: Path,
) -> None:
    # module-level randomness and `random` inside tasks: both come from the fault seed
    source = _changed(
        _source(9, "program"),
        "import sys\n",
        "import random\nimport sys\n\nJITTER = random.randint(0, 30)\n",
    )
    source = _changed(
        source,
        "await node.sleep(node.rng.randint(40, 80))",
        "await node.sleep(random.randint(40, 80) + JITTER)",
    )
    found = next(
        f
        for seed in range(20)
        for f in _grade(tmp_path, 9, source, seed)
        if f.data["seeds_tried"] > 1
    )
    replayed = _grade(tmp_path, 9, source, 999, replay=found.seed)
    assert replayed[0].title == found.title
    assert replayed[0].evidence[1:] == found.evidence[1:]


def test_learn_run_seed_prints_the_whole_timeline_of_the_graded_world(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "program.py"
    path.write_text(_source(9, "program"), encoding="utf-8")
    [found] = _grade(tmp_path, 9, path.read_text(encoding="utf-8"), 5)
    assert not show_fault_seed(9, path, found.seed or 0)
    out = capsys.readouterr().out
    assert f"fault seed {found.seed}" in out
    assert "PROPERTY BROKEN (at t=" in out and found.title in out
    assert "NEMESIS" in out


def test_evidence_is_centred_on_the_violation_with_the_faults_before_it(tmp_path: Path) -> None:
    [found] = _grade(tmp_path, 9, _source(9, "program"), 5)
    lines = list(found.evidence)
    verdict = next(i for i, line in enumerate(lines) if line.startswith(">>> at t="))
    assert verdict < 30, "the explanation is within what the human view shows"
    assert any("NEMESIS" in line for line in lines[:verdict])
    assert isinstance(get_challenge(9).spec.checks[0], SimCheck)


@pytest.mark.slow
def test_replay_through_the_sandbox_reproduces_hash_dependent_behaviour(tmp_path: Path) -> None:
    from challenges import grade_challenge

    # str hashing (set order, hash()) depends on PYTHONHASHSEED: the replay must run with the grading's
    source = _changed(
        _source(9, "program"),
        "await node.sleep(node.rng.randint(40, 80))",
        "await node.sleep(40 + hash(section) % 40 + len(sorted({node.name, section})))",
    )
    path = tmp_path / "program.py"
    path.write_text(source, encoding="utf-8")
    graded = grade_challenge(path, 9, seed=20_261_127)
    [first] = graded.failures
    replayed = grade_challenge(path, 9, replay=first.seed)
    [again] = replayed.failures
    assert again.seed == first.seed and again.title == first.title
    assert again.evidence[1:] == first.evidence[1:]

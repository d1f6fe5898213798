"""Helpers for the scheduler's tests: load corpus programs and grade them in-process."""

from __future__ import annotations

import itertools
from pathlib import Path
from types import ModuleType

from evaluator.findings import Finding
from evaluator.loader import load_program
from evaluator.spec import CheckContext

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
_counter = itertools.count()


def load_module(path: Path) -> ModuleType:
    """Import a file as a fresh module (instrumentation must already be installed)."""
    return load_program(path, name=f"sched_corpus_{path.parent.name}_{path.stem}_{next(_counter)}")


SCHED_CLASSES = ("race", "cta", "deadlock", "condvar", "async", "held")
"""Corpus folders of this area (``<class>_<name>``); other areas keep their own cases there too."""


def corpus_cases() -> list[str]:
    return sorted(
        p.name
        for p in CORPUS.iterdir()
        if (p / "spec.py").exists() and p.name.split("_", 1)[0] in SCHED_CLASSES
    )


def grade(
    case: str, variant: str, seed: int, *, quick: bool = True, replay: int | None = None
) -> list[Finding]:
    """Run every check of ``case``'s spec against ``bug.py`` or ``fixed.py``."""
    folder = CORPUS / case
    spec = load_module(folder / "spec.py").SPEC
    program_path = folder / f"{variant}.py"
    program = load_module(program_path)
    ctx = CheckContext(
        seed=seed,
        program_path=program_path,
        challenge_dir=folder,
        solutions_dir=folder,
        quick=quick,
        replay=replay,
    )
    findings: list[Finding] = []
    for check in spec.checks:
        findings += check.run(program, ctx)
    return findings


def intended(case: str):
    return load_module(CORPUS / case / "spec.py").SPEC.intended


def instrumented():
    """Context manager: instrumentation installed for the block, always uninstalled after."""
    import contextlib

    from evaluator.instrument import install, uninstall

    @contextlib.contextmanager
    def manager():
        install()
        try:
            yield
        finally:
            uninstall()

    return manager()


PROGRAMS = Path(__file__).resolve().parent / "sched_programs"
COUNTER = PROGRAMS / "counter_once.py"


def two_deposits(program: ModuleType) -> None:
    """Two threads deposit 30 and 50 into an account of 100: a lost update needs one preemption."""
    import threading

    from evaluator.spec import expect

    account = program.Account()
    threads = [threading.Thread(target=account.deposit, args=(n,)) for n in (30, 50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expect(account.balance == 180, f"balance is {account.balance}")

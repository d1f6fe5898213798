"""A sandboxed program can read the grader's bytecode cache but never write, replace or remove it.

The cache (``evaluator._bytecode``) is imported by every later grading: a child able to plant a
``.pyc`` there would run its code inside the next learner's grader.
"""

from __future__ import annotations

import hashlib
import os
import textwrap
from pathlib import Path

import pytest

from evaluator import _bytecode, grade
from evaluator.sandbox import REPO_ROOT, run_sandboxed

SPEC = """
from evaluator.findings import FindingKind
from evaluator.spec import ChallengeSpec, LeakCheck


def scenario(mod):
    mod.main()


SPEC = ChallengeSpec(
    number=0, slug="cache-attack", title="cache attack", summary="poison the bytecode cache", concepts=(),
    difficulty=1, intended=FindingKind.CRASH, checks=(LeakCheck("runs", scenario),), hints=(),
)
"""


def _snapshot(folder: Path) -> dict[str, tuple[str, int, int, int]]:
    """name -> (sha256, mode, uid, inode) of every entry of a ``__pycache__`` folder."""
    out = {}
    for entry in sorted(folder.iterdir()):
        info = os.lstat(entry)
        out[entry.name] = (
            hashlib.sha256(entry.read_bytes()).hexdigest(),
            info.st_mode,
            info.st_uid,
            info.st_ino,
        )
    return out


def _grade(tmp_path: Path, source: str) -> object:
    program = tmp_path / "workspace" / "program.py"
    program.parent.mkdir(parents=True, exist_ok=True)
    program.write_text(source, encoding="utf-8")
    spec = tmp_path / "spec" / "spec.py"
    spec.parent.mkdir(exist_ok=True)
    spec.write_text(SPEC, encoding="utf-8")
    return grade(program, spec_ref=f"{spec}:SPEC", seed=1, deadline_s=10.0)


@pytest.mark.skipif(
    os.geteuid() != 0, reason="the child only runs under another uid when grading as root"
)
def test_child_cannot_write_replace_or_remove_the_cached_bytecode(tmp_path: Path) -> None:
    if not _bytecode.enabled():
        pytest.skip(f"{_bytecode.OPT_OUT}=0 turns the cache off")
    _bytecode.ensure(REPO_ROOT)
    findings = REPO_ROOT / "evaluator" / "findings.py"
    target = _bytecode.cache_path(findings)
    folder = target.parent
    assert _bytecode.is_fresh(findings)
    before = _snapshot(folder)
    spec_pycache = _bytecode.cache_path(REPO_ROOT / "evaluator" / "spec.py").parent
    bare_package = REPO_ROOT / "challenges" / "challenge01_deadlock"
    source = textwrap.dedent(f"""
        import os, shutil, sys
        TARGET = {str(target)!r}
        FOLDER = {str(folder)!r}

        def main():
            import evaluator.findings
            assert os.path.exists(TARGET) and open(TARGET, "rb").read(4)  # readable
            evil = open(TARGET, "rb").read()[:16] + b"planted"
            attempts = {{}}
            actions = {{
                "overwrite": lambda: open(TARGET, "wb").write(evil),
                "append": lambda: open(TARGET, "ab").write(b"x"),
                "truncate": lambda: os.truncate(TARGET, 0),
                "unlink": lambda: os.unlink(TARGET),
                "rename away": lambda: os.rename(TARGET, TARGET + ".old"),
                "replace from workdir": lambda: (open("evil.pyc", "wb").write(evil), os.replace("evil.pyc", TARGET)),
                "new file in cache": lambda: open(os.path.join(FOLDER, "planted.cpython-311.pyc"), "wb").write(evil),
                "chmod file": lambda: os.chmod(TARGET, 0o666),
                "chmod folder": lambda: os.chmod(FOLDER, 0o777),
                "remove folder": lambda: shutil.rmtree(FOLDER),
                "rename folder": lambda: os.rename(FOLDER, FOLDER + ".old"),
                "symlink in cache": lambda: os.symlink("/tmp/evil.pyc", os.path.join(FOLDER, "x.cpython-311.pyc")),
                "another spec cache": lambda: open(os.path.join({str(spec_pycache)!r}, "spec.cpython-311.pyc"), "wb").write(evil),
                "new __pycache__": lambda: os.mkdir(os.path.join({str(bare_package)!r}, "__pycache__", "x")),
                "compileall": lambda: __import__("py_compile").compile({str(findings)!r}, cfile=TARGET, doraise=True),
            }}
            for name, action in actions.items():
                try:
                    action()
                    attempts[name] = "succeeded"
                except Exception as error:
                    attempts[name] = type(error).__name__
            succeeded = [name for name, outcome in attempts.items() if outcome == "succeeded"]
            assert not succeeded, succeeded
            assert os.getuid() != 0
    """)
    result = _grade(tmp_path, source)
    assert result.passed, [(f.title, f.evidence) for f in result.findings] + list(
        result.internal_errors
    )
    assert _snapshot(folder) == before
    assert _bytecode.is_fresh(findings)
    assert not (bare_package / "__pycache__" / "x").exists()


PROBE = """
import json, os, sys
from importlib import _bootstrap_external as external
compiled = []
original = external.SourceLoader.source_to_code
def spy(self, data, path, *, _optimize=-1):
    compiled.append(str(path))
    return original(self, data, path, _optimize=_optimize)
external.SourceLoader.source_to_code = spy
import evaluator.harness, evaluator.instrument, evaluator.scheduler, evaluator.checks
import challenges.challenge01_deadlock.spec
request = json.load(open(sys.argv[1]))
os.write(request["result_fd"], json.dumps({"compiled": compiled}).encode())
"""


def test_child_imports_the_grader_from_the_cache(tmp_path: Path) -> None:
    if not _bytecode.enabled():
        pytest.skip(f"{_bytecode.OPT_OUT}=0 turns the cache off")
    probe = tmp_path / "cache_probe.py"
    probe.write_text(PROBE, encoding="utf-8")
    outcome = run_sandboxed("cache_probe", {}, files={"cache_probe.py": probe}, deadline_s=20.0)
    assert outcome.result is not None, outcome.stderr
    from_source = [path for path in outcome.result["compiled"] if path.startswith(str(REPO_ROOT))]
    assert from_source == []

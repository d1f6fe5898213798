"""The grader's bytecode cache for the sandboxed child (evaluator._bytecode), on a scratch tree."""

from __future__ import annotations

import importlib.util
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from evaluator import _bytecode

MEMBERS = ("pkg", "top.py")


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    (tmp_path / "pkg" / "__init__.py").write_text("VALUE = 1\n", encoding="utf-8")
    (tmp_path / "pkg" / "sub" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "pkg" / "sub" / "mod.py").write_text(
        "def f():\n    return 'original'\n", encoding="utf-8"
    )
    (tmp_path / "top.py").write_text("import pkg\n", encoding="utf-8")
    (tmp_path / "other.py").write_text("NOT = 'a member'\n", encoding="utf-8")
    return tmp_path


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def _import_compiles(root: Path, *modules: str) -> list[str]:
    """Import ``modules`` in a new interpreter; the files it had to compile from source."""
    script = (
        "import json, sys\n"
        "from importlib import _bootstrap_external as external\n"
        "seen = []\n"
        "original = external.SourceLoader.source_to_code\n"
        "def spy(self, data, path, *, _optimize=-1):\n"
        "    seen.append(str(path))\n"
        "    return original(self, data, path, _optimize=_optimize)\n"
        "external.SourceLoader.source_to_code = spy\n"
        f"for name in {list(modules)!r}:\n"
        "    __import__(name)\n"
        "print(json.dumps(seen))\n"
    )
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(root),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def test_ensure_compiles_members_into_pycache_with_safe_modes(tree: Path) -> None:
    old = os.umask(0o000)  # a careless umask must not leave the cache writable by others
    try:
        assert _bytecode.ensure(tree, MEMBERS) == 4
    finally:
        os.umask(old)
    for source in _bytecode.sources(tree, MEMBERS):
        pyc = _bytecode.cache_path(source)
        assert pyc.parent.name == "__pycache__" and pyc.parent.parent == source.parent
        assert _mode(pyc) == 0o644 and _mode(pyc.parent) == 0o755
        assert os.stat(pyc).st_uid == os.geteuid()
        header = pyc.read_bytes()[:16]
        assert header[:4] == importlib.util.MAGIC_NUMBER
        assert int.from_bytes(header[4:8], "little") == 0b11  # checked hash
        assert header[8:16] == importlib.util.source_hash(source.read_bytes())
    assert not (tree / "__pycache__" / f"other.{sys.implementation.cache_tag}.pyc").exists()
    assert not list(tree.glob("pkg/__pycache__/.*"))  # no temporary file left behind
    assert _bytecode.ensure(tree, MEMBERS) == 0


def test_interpreter_imports_the_cache_instead_of_compiling(tree: Path) -> None:
    everything = sorted(
        str(tree / name)
        for name in ("pkg/__init__.py", "pkg/sub/__init__.py", "pkg/sub/mod.py", "top.py")
    )
    assert sorted(_import_compiles(tree, "pkg.sub.mod", "top")) == everything
    _bytecode.ensure(tree, MEMBERS)
    assert _import_compiles(tree, "pkg.sub.mod", "top") == []


def test_an_edit_with_the_same_size_and_mtime_is_never_shadowed(tree: Path) -> None:
    source = tree / "pkg" / "sub" / "mod.py"
    _bytecode.ensure(tree, MEMBERS)
    before = os.stat(source)
    source.write_text("def f():\n    return 'modified'\n", encoding="utf-8")
    os.utime(source, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(source).st_size == before.st_size
    assert not _bytecode.is_fresh(source)
    assert _import_compiles(tree, "pkg.sub.mod") == [
        str(source)
    ]  # the importer falls back to the source
    _bytecode._verified.clear()  # a new process
    assert _bytecode.ensure(tree, MEMBERS) == 1
    assert _bytecode.is_fresh(source)


def test_a_writable_or_foreign_cache_entry_is_rebuilt(tree: Path) -> None:
    _bytecode.ensure(tree, MEMBERS)
    pyc = _bytecode.cache_path(tree / "pkg" / "__init__.py")
    folder = pyc.parent
    os.chmod(folder, 0o777)
    pyc.write_bytes(pyc.read_bytes()[:16] + b"planted")
    os.chmod(pyc, 0o666)
    assert not _bytecode.is_fresh(tree / "pkg" / "__init__.py")
    assert _bytecode.ensure(tree, MEMBERS) >= 1
    assert _mode(folder) == 0o755 and _mode(pyc) == 0o644
    assert b"planted" not in pyc.read_bytes()
    assert _bytecode.is_fresh(tree / "pkg" / "__init__.py")


def test_a_symlinked_pycache_is_replaced_by_a_real_folder(
    tree: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (tree / "pkg" / "sub" / "__pycache__").symlink_to(elsewhere, target_is_directory=True)
    _bytecode.ensure(tree, MEMBERS)
    folder = tree / "pkg" / "sub" / "__pycache__"
    assert folder.is_dir() and not folder.is_symlink()
    assert list(elsewhere.iterdir()) == []
    assert _bytecode.is_fresh(tree / "pkg" / "sub" / "mod.py")


def test_a_file_that_does_not_compile_is_left_to_the_child(tree: Path) -> None:
    (tree / "pkg" / "broken.py").write_text("def (:\n", encoding="utf-8")
    assert _bytecode.ensure(tree, MEMBERS) == 4
    assert not _bytecode.cache_path(tree / "pkg" / "broken.py").exists()


def test_clear_and_opt_out(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _bytecode.ensure(tree, MEMBERS)
    assert _bytecode.clear(tree, MEMBERS) == 4
    assert not any(_bytecode.cache_path(s).exists() for s in _bytecode.sources(tree, MEMBERS))
    assert _bytecode.enabled()
    monkeypatch.setenv(_bytecode.OPT_OUT, "0")
    assert not _bytecode.enabled()


def test_the_grader_members_cover_what_the_child_imports() -> None:
    root = Path(_bytecode.__file__).resolve().parent.parent
    names = {p.relative_to(root).as_posix() for p in _bytecode.sources(root)}
    for needed in (
        "evaluator/harness.py",
        "evaluator/instrument/__init__.py",
        "evaluator/scheduler/__init__.py",
        "challenges/challenge01_deadlock/spec.py",
        "usererror.py",
    ):
        assert needed in names


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another owner needs root")
def test_a_cache_entry_owned_by_another_uid_is_replaced(tree: Path) -> None:
    _bytecode.ensure(tree, MEMBERS)
    source = tree / "pkg" / "sub" / "mod.py"
    pyc = _bytecode.cache_path(source)
    os.chown(pyc, 54321, 54321)  # e.g. left by an earlier sandboxed child
    os.chown(pyc.parent, 54321, 54321)
    assert not _bytecode.is_fresh(source)
    _bytecode._verified.clear()
    assert _bytecode.ensure(tree, MEMBERS) >= 1
    assert os.stat(pyc).st_uid == 0 and os.stat(pyc.parent).st_uid == 0
    assert _bytecode.is_fresh(source)

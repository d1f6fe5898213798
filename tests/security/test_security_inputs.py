"""Paths and names a learner (or a hostile file) hands to `learn`: each is refused with one
clear line and exit 2, and nothing is written where it should not be."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.security.cli_runner import assert_clear_error, invoke
from tracker._env import DATABASE_FILE, data_dir


@pytest.mark.parametrize(
    "name",
    [
        "",
        "../escape",
        "a/b",
        ".hidden",
        "_under",
        "x" * 33,
        "naïve",
        "tab\there",
        "line\nbreak",
        "robert'); DROP TABLE profiles;--",
        "\udcff",
    ],
)
def test_profile_names_are_validated(name: str) -> None:
    for command in (["profile", "create", name], ["profile", "switch", name]):
        assert_clear_error(invoke(*command), "not a valid profile name")
    assert not (data_dir() / DATABASE_FILE).exists() or "escape" not in os.listdir(data_dir())


def test_a_bad_profile_name_in_the_environment_or_the_active_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LEARN_PROFILE", "../../etc")
    assert_clear_error(invoke("progress"), "not a valid profile name")
    monkeypatch.delenv("LEARN_PROFILE")
    data_dir().mkdir(parents=True)
    (data_dir() / "active-profile").write_text("x; DROP TABLE events\n", encoding="utf-8")
    assert_clear_error(invoke("progress"), "not a valid profile name")


@pytest.mark.parametrize("target", ["directory", "missing", "/dev/null", "fifo"])
def test_check_file_must_be_a_regular_file(target: str, tmp_path: Path) -> None:
    path = {
        "directory": str(tmp_path),
        "missing": str(tmp_path / "nope.py"),
        "/dev/null": "/dev/null",
        "fifo": str(tmp_path / "pipe"),
    }[target]
    if target == "fifo":
        os.mkfifo(path)
    assert_clear_error(invoke("check", "1", "--file", path), "cannot grade")


def _write(path: Path, content: str | bytes) -> Path:
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\xff\xfe not utf-8", "not valid JSON"),
        ("[" * 100_000, "nested too deeply"),
        ('{"format": "concurrency-lab-progress"', "not valid JSON"),
        ("[]", "cannot import"),
        (
            '{"format": "concurrency-lab-progress", "version": 1, "profile": "../../x", "events": []}',
            "cannot import",
        ),
    ],
)
def test_import_refuses_malformed_files(content: str | bytes, reason: str, tmp_path: Path) -> None:
    assert_clear_error(
        invoke("import", str(_write(tmp_path / "in.json", content))), reason, "nothing was changed"
    )
    assert (
        not (data_dir() / DATABASE_FILE).exists()
        or "x" not in invoke("profile", "list").stdout.split()
    )


def test_import_refuses_devices_directories_and_a_bad_target_name(tmp_path: Path) -> None:
    assert_clear_error(invoke("import", "/dev/zero"), "larger than", "nothing was changed")
    assert_clear_error(invoke("import", str(tmp_path)), "cannot read")
    assert invoke("profile", "create", "ada").code == 0
    assert invoke("profile", "switch", "ada").code == 0
    exported = tmp_path / "ada.json"
    assert invoke("export", str(exported)).code == 0
    assert json.loads(exported.read_text(encoding="utf-8"))["profile"] == "ada"
    assert_clear_error(
        invoke("import", str(exported), "--as", "../../root"), "not a valid profile name"
    )


def test_export_to_an_unwritable_place_is_a_clear_error(tmp_path: Path) -> None:
    assert_clear_error(invoke("export", "/proc/progress.json"), "cannot write")
    assert_clear_error(invoke("export", str(tmp_path)), "cannot write")

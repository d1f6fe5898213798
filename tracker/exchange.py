"""Export and import a profile's progress as a JSON file that moves between machines.

A checksum on a learner's own machine cannot be a secret, so this is honest integrity, not
security: the file's structure and schema version are verified, a SHA-256 over the canonical
content catches edits and truncation, and on import XP and achievements are re-derived from
the events, never taken from the file. A file whose claimed XP or achievements disagree with
its own events is rejected as tampered.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from usererror import UserError

from . import _env, _store
from ._service import require_profile, session
from .achievements import BY_KEY, unlocked
from .history import Tally
from .models import Activity, ActivityKind

FORMAT = "concurrency-lab-progress"
FORMAT_VERSION = 1
MAX_IMPORT_BYTES = 64 * 1024**2
"""Far above any real export; stops `learn import /dev/zero` or a huge file from eating memory."""


@dataclass(frozen=True)
class ImportResult:
    profile: str
    events: int
    xp: int
    achievements: int
    replaced: bool


def _event_json(event: Activity) -> dict[str, Any]:
    return {
        "kind": event.kind.value,
        "at": event.at.isoformat(),
        "day": event.day.isoformat(),
        "challenge": event.challenge,
        "passed": event.passed,
        "finding_kinds": list(event.finding_kinds),
        "summary": event.summary,
        "seconds": event.seconds,
        "code_hash": event.code_hash,
        "seed": event.seed,
        "performance_ratio": event.performance_ratio,
        "difficulty": event.difficulty,
        "bug_class": event.bug_class,
        "subject": event.subject,
    }


def checksum(content: dict[str, Any]) -> str:
    """SHA-256 over the canonical JSON of everything but the checksum itself."""
    import hashlib  # here: importing the tracker (every `learn` command) stays cheaper

    body = {key: value for key, value in content.items() if key != "checksum"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def export_document(profile: str | None = None) -> dict[str, Any]:
    """The export of ``profile`` (default: the active one) as a JSON-ready dict."""
    active = _env.active_profile_name()
    name = profile or active
    with session() as db:
        pid = _store.profile_id(db, name) if name == active else require_profile(db, name)
        # The active profile exists implicitly, even before it has recorded anything.
        events = [stored.event for stored in _store.load_events(db, pid)] if pid is not None else []
        dates = _store.achievement_dates(db, pid) if pid is not None else {}
    document: dict[str, Any] = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "profile": name,
        "exported_at": _env.now().isoformat(),
        "xp": Tally.replay(events).xp,
        "events": [_event_json(event) for event in events],
        "achievements": {key: at.isoformat() for key, at in sorted(dates.items())},
    }
    document["checksum"] = checksum(document)
    return document


def export_progress(path: Path) -> int:
    """Write the active profile's progress to ``path``; return the number of events."""
    document = export_document()
    try:
        path.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as error:
        raise UserError(
            f"cannot write {path} ({error.strerror or error}): choose a writable path"
        ) from None
    return len(document["events"])


class _Reject(UserError):
    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"cannot import {path}: {reason}; nothing was changed")


def _typed(raw: dict[str, Any], key: str, kinds: tuple[type, ...], where: str) -> Any:
    value = raw.get(key)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        raise ValueError(f"{where}: '{key}' is missing or has the wrong type")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{where}: '{key}' is not a finite number")
    return value


def _parse_event(raw: Any, index: int) -> Activity:
    where = f"event {index}"
    if not isinstance(raw, dict):
        raise ValueError(f"{where} is not an object")
    t: Callable[[str, tuple[type, ...]], Any] = lambda key, kinds: _typed(raw, key, kinds, where)  # noqa: E731
    kind = ActivityKind(t("kind", (str,)))
    at = datetime.fromisoformat(t("at", (str,)))
    if at.tzinfo is None:
        raise ValueError(f"{where}: 'at' has no timezone")
    challenge = t("challenge", (int, type(None)))
    if kind in (ActivityKind.ATTEMPT, ActivityKind.HINT, ActivityKind.REVEAL) and challenge is None:
        raise ValueError(f"{where}: a {kind.value} needs a challenge number")
    if kind is ActivityKind.EXAMPLE and not str(raw.get("subject", "")).isdigit():
        raise ValueError(f"{where}: an example run needs its number as subject")
    kinds = t("finding_kinds", (list,))
    if not all(isinstance(k, str) for k in kinds):
        raise ValueError(f"{where}: 'finding_kinds' must be strings")
    ratio = t("performance_ratio", (int, float, type(None)))
    return Activity(
        kind=kind,
        at=at,
        day=date.fromisoformat(t("day", (str,))),
        challenge=challenge,
        passed=t("passed", (bool, type(None))),
        finding_kinds=tuple(kinds),
        summary=t("summary", (str,)),
        seconds=float(t("seconds", (int, float))),
        code_hash=t("code_hash", (str,)),
        seed=t("seed", (int,)),
        performance_ratio=None if ratio is None else float(ratio),
        difficulty=t("difficulty", (int,)),
        bug_class=t("bug_class", (str,)),
        subject=t("subject", (str,)),
    )


def parse_document(path: Path, document: Any) -> tuple[str, list[Activity], dict[str, datetime]]:
    """Verify an export and return (profile, events, achievement dates); reject anything off."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise _Reject(path, "it is not a concurrency-lab progress export")
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _Reject(path, "its format version is missing or invalid")
    if version > FORMAT_VERSION:
        raise _Reject(
            path, f"it was written by a newer concurrency-lab (format {version}): update first"
        )
    if document.get("checksum") != checksum(document):
        raise _Reject(
            path, "its checksum does not match its content (the file was edited or truncated)"
        )
    try:
        profile = _env.validate_profile_name(str(document.get("profile", "")))
        raw_events = document.get("events")
        if not isinstance(raw_events, list):
            raise ValueError("'events' must be a list")
        events = [_parse_event(raw, i) for i, raw in enumerate(raw_events)]
        raw_badges = document.get("achievements")
        if not isinstance(raw_badges, dict):
            raise ValueError("'achievements' must be an object")
        dates = {
            str(k): datetime.fromisoformat(v) for k, v in raw_badges.items() if isinstance(v, str)
        }
        history = Tally.replay(events)
    except UserError as error:
        raise _Reject(path, error.message) from None
    except (ValueError, TypeError, KeyError) as error:
        raise _Reject(path, f"it is malformed ({error})") from None
    if len(dates) != len(raw_badges) or not set(dates) <= set(BY_KEY):
        raise _Reject(path, "it lists achievements this version does not know")
    if document.get("xp") != history.xp:
        raise _Reject(
            path, f"it claims {document.get('xp')} XP but its attempts earn {history.xp} (tampered)"
        )
    unsupported = set(dates) - unlocked(history)
    if unsupported:
        raise _Reject(
            path,
            f"it claims achievements its attempts do not earn: {', '.join(sorted(unsupported))} (tampered)",
        )
    return profile, events, dates


def _read_document(path: Path) -> Any:
    """The JSON of an export file, read with a size cap (devices and huge files are refused)."""
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_IMPORT_BYTES + 1)
    except OSError as error:
        raise UserError(f"cannot read {path} ({error.strerror or error}): check the path") from None
    if len(raw) > MAX_IMPORT_BYTES:
        raise _Reject(
            path, f"it is larger than {MAX_IMPORT_BYTES // 1024**2} MiB, far more than any export"
        )
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise _Reject(path, f"it is not valid JSON ({error})") from None
    except RecursionError:
        raise _Reject(path, "it is nested too deeply to be an export") from None


def import_progress(path: Path, *, confirmed: bool, as_profile: str | None = None) -> ImportResult:
    """Import an export into its profile (or ``as_profile``), replacing it only when confirmed."""
    profile, events, dates = parse_document(path, _read_document(path))
    if as_profile is not None:
        profile = _env.validate_profile_name(as_profile)
    with session() as db, db.write():
        pid = _store.profile_id(db, profile)
        replaced = pid is not None and bool(
            db.execute("SELECT COUNT(*) FROM events WHERE profile_id = ?", (pid,))[0][0]
        )
        if replaced and not confirmed:
            raise UserError(
                f"profile '{profile}' already has progress here: rerun with --yes to replace it with "
                f"{path.name}, or import under another name with --as NAME"
            )
        if pid is not None:
            db.execute("DELETE FROM profiles WHERE id = ?", (pid,))
        pid = _store.ensure_profile(db, profile, _env.now())
        history = Tally()
        for event in events:
            _store.insert_event(db, pid, event, history.apply(event))
        earned = unlocked(history)
        for key in sorted(earned):
            at = dates.get(key, events[-1].at if events else _env.now())
            _store.unlock(db, pid, [key], at)
    return ImportResult(profile, len(events), history.xp, len(earned), replaced)

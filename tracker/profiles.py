"""Learner profiles: several people (or identities) on one machine or one shared database."""

from __future__ import annotations

from dataclasses import dataclass

from usererror import UserError

from . import _env, _store
from ._service import require_profile, session


@dataclass(frozen=True)
class ProfileInfo:
    name: str
    active: bool


def create_profile(name: str) -> None:
    """Create a profile (it does not become active: `learn profile switch NAME`)."""
    _env.validate_profile_name(name)
    with session() as db, db.write():
        if _store.profile_id(db, name) is not None:
            raise UserError(
                f"profile '{name}' already exists: switch to it with `learn profile switch {name}`"
            )
        _store.ensure_profile(db, name, _env.now())


def switch_profile(name: str) -> None:
    """Make ``name`` the active profile on this machine."""
    _env.validate_profile_name(name)
    with session() as db:
        require_profile(db, name)
    _env.set_active_profile_name(name)


def list_profiles() -> list[ProfileInfo]:
    """Every profile, plus the active one even before it has recorded anything."""
    active = _env.active_profile_name()
    with session() as db:
        names = set(_store.profile_names(db))
    names.add(active)
    return [ProfileInfo(name, name == active) for name in sorted(names)]

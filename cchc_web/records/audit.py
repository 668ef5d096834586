"""Writing the audit log: one call per state change, in the same transaction as the change."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from ..core.extensions import db
from ..models import AuditLog, User


def _jsonable(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return sorted(_jsonable(v) for v in value)
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    """The named attributes of `obj` as JSON-ready values, for the before/after columns."""
    return {name: _jsonable(getattr(obj, name)) for name in fields}


def record(
    action: str,
    obj: Any,
    *,
    actor: User | None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditLog:
    """Add an audit row for `obj`; the caller commits it together with the change itself.
    `actor` is who did it (None: the system, e.g. a command-line run): always said, never
    guessed from the request."""
    # Routes may pass the `current_user` proxy; the relationship needs the real object.
    actor = getattr(actor, "_get_current_object", lambda: actor)()
    if getattr(obj, "id", None) is None:
        db.session.flush()  # a new object needs its id before we can point at it
    entry = AuditLog(
        actor=actor,
        action=action,
        object_type=type(obj).__name__,
        object_id=str(obj.id),
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
    )
    db.session.add(entry)
    return entry


def record_event(
    action: str,
    object_type: str,
    object_id: str,
    *,
    after: dict | None = None,
    actor: User | None = None,
) -> AuditLog:
    """An audit row about something that is not a row of ours (a username nobody has, an
    address): the sign-in lock-outs."""
    entry = AuditLog(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=str(object_id)[:64],
        after=_jsonable(after) if after is not None else None,
    )
    db.session.add(entry)
    return entry

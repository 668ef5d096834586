"""Pages that summarise the whole database (the dashboard) are cached, and every write
invalidates them: a commit that changed anything stores a new random data version in the
one-row `data_version` table, in the same transaction as the change, and cached fragments are
keyed by that version. So a cached fragment is never older than the last commit, in any
gunicorn worker, and reading the version costs one primary-key lookup per request.

What counts as a write, for the session (db.session or any other Session):
- an ORM flush that inserts, deletes or really changes a row (an attribute set to the value it
  had is no change);
- every INSERT, UPDATE or DELETE run through `session.execute()`: Core `insert()`, `update()`,
  `delete()` (with or without ORM entities) and textual SQL (`text("UPDATE …")`): a textual
  statement counts as a write unless it starts with SELECT, SHOW, EXPLAIN, SET, PRAGMA or
  VALUES (a harmless extra version when in doubt).
Statements run on a Connection outside the session (`db.engine.begin()`,
`session.connection().execute(...)`) are not seen: the sign-in throttle writes its own table
that way, which no cached fragment shows. Anything else written that way must call
`note_write(db.session)` before its commit.

A random token rather than a counter: after a restore or an emptied table the versions cannot
collide with fragments cached before; with no row at all nothing is cached.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from sqlalchemy import String, TextClause, event, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from . import tenancy
from .extensions import db

T = TypeVar("T")
MAX_ENTRIES = 128
_WROTE = "cchc_wrote"
WROTE_KEY = _WROTE  # set in session.info while the unit of work has written (until commit)
_VERSION = "cchc_data_version"  # read once per unit of work, kept in its session's info
_READ_ONLY_SQL = re.compile(r"\s*(select|show|explain|set|pragma|values)\b", re.IGNORECASE)


class DataVersion(db.Model):
    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32))


def version_subquery():
    """The data version as a column, for a statement that reads it along with something else
    (the user loader reads it with the user: a request then needs no statement of its own)."""
    return select(DataVersion.token).where(DataVersion.id == 1).scalar_subquery()


def remember_version(token: str | None) -> None:
    """The version read with something else (the user loader's statement), kept for the rest
    of the unit of work: a request then reads it no more."""
    db.session().info[_VERSION] = token


def current_version() -> str | None:
    """The data version, read once per unit of work (a request: its session)."""
    info = db.session().info
    if _VERSION not in info:
        info[_VERSION] = db.session.scalar(select(DataVersion.token).where(DataVersion.id == 1))
    return info[_VERSION]


class FragmentCache:
    """A small LRU of computed values per process, keyed by (key, data version)."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries: OrderedDict[tuple, object] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_entries

    def get_or_build(self, key: Hashable, build: Callable[[], T]) -> T:
        version = current_version()
        if version is None:
            return build()
        # Of the unit of work's commune (core/tenancy.py): one commune never sees another's.
        full_key = (key, version, tenancy.commune_id(db.session()))
        with self._lock:
            if full_key in self._entries:
                self._entries.move_to_end(full_key)
                return self._entries[full_key]  # type: ignore[return-value]
        value = build()
        with self._lock:
            self._entries[full_key] = value
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


fragments = FragmentCache()


def _bump(session: Session) -> None:
    token = secrets.token_hex(16)
    changed = session.execute(
        update(DataVersion).where(DataVersion.id == 1).values(token=token)
    ).rowcount
    if not changed:  # the row is gone (an emptied database): put it back, racing writers alike
        dialect = session.get_bind().dialect.name
        insert_ = postgresql_insert if dialect == "postgresql" else sqlite_insert
        session.execute(insert_(DataVersion).values(id=1, token=token).on_conflict_do_nothing())
    session.info.pop(_VERSION, None)


def note_write(session: Session) -> None:
    """The transaction wrote something its session could not see: its commit replaces the
    version."""
    session.info[_WROTE] = True


def is_write(statement: object) -> bool:
    """Does this statement, run through a session, insert, update or delete rows?"""
    if isinstance(statement, TextClause):
        return not _READ_ONLY_SQL.match(statement.text)
    return bool(getattr(statement, "is_dml", False))


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, flush_context) -> None:
    # Still the state before the flush: what it inserted, deleted and really changed.
    if session.new or session.deleted or any(session.is_modified(obj) for obj in session.dirty):
        note_write(session)


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete or is_write(state.statement):
        note_write(state.session)


@event.listens_for(Session, "before_commit")
def _bump_on_commit(session: Session) -> None:
    session.flush()  # what is still pending, so that after_flush has seen every change
    if session.info.pop(_WROTE, False):
        _bump(session)
        session.info.pop(_WROTE, None)  # the version's own UPDATE


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_WROTE, None)

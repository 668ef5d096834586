"""Pages that summarise the whole database (the dashboard) are cached, and every write
invalidates them: a commit that changed anything stores a new random data version in the
one-row `data_version` table, in the same transaction as the change, and cached fragments are
keyed by that version. So a cached fragment is never older than the last commit, in any
gunicorn worker, and reading the version costs one primary-key lookup per request.

A random token rather than a counter: after a restore or an emptied table the versions cannot
collide with fragments cached before; with no row at all nothing is cached.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import g, has_app_context
from sqlalchemy import String, event, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from .extensions import db

T = TypeVar("T")
MAX_ENTRIES = 128
_WROTE = "cchc_wrote"


class DataVersion(db.Model):
    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32))


def version_subquery():
    """The data version as a column, for a statement that reads it along with something else
    (the user loader reads it with the user: a request then needs no statement of its own)."""
    return select(DataVersion.token).where(DataVersion.id == 1).scalar_subquery()


def remember_version(token: str | None) -> None:
    if has_app_context():
        g._data_version = token


def current_version() -> str | None:
    """The data version, read once per request."""
    if has_app_context() and "_data_version" in g:
        return g._data_version
    token = db.session.scalar(select(DataVersion.token).where(DataVersion.id == 1))
    remember_version(token)
    return token


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
        full_key = (key, version)
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
    if has_app_context():
        g.pop("_data_version", None)


@event.listens_for(Session, "before_flush")
def _note_flush(session: Session, flush_context, instances) -> None:
    if session.new or session.dirty or session.deleted:
        session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


@event.listens_for(Session, "before_commit")
def _bump_on_commit(session: Session) -> None:
    if session.info.pop(_WROTE, False) or session.new or session.dirty or session.deleted:
        _bump(session)
        session.info.pop(_WROTE, None)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_WROTE, None)

"""Throttling failed sign-ins so that guessing is slow and nobody can lock a colleague out.

Issue 15: five wrong passwords for the Chairman from any address locked him out everywhere;
five made-up usernames from one address locked out everyone behind the same proxy; parallel
guesses slipped past the count. Instead, every attempt is counted **before** the password is
checked, under keys that each allow a number of free failures and then make the next attempt
wait, twice as long after each further failure (LOGIN_DELAY_BASE, doubling, up to
LOGIN_DELAY_MAX):

* ``p:<user>|<address>``: one account from one address (LOGIN_FREE_FAILURES): always;
* ``a:<address>``: one address, whatever the account (LOGIN_ADDRESS_FREE_FAILURES), and
* ``u:<user>``: one account from anywhere (LOGIN_ACCOUNT_FREE_FAILURES),
  both only when the account has not signed in from that address in the last
  LOGIN_KNOWN_ADDRESS_DAYS: the Chairman at his own desk is never slowed by someone guessing
  his password elsewhere, and colleagues behind one proxy are not slowed by a stranger.

The count is one upsert per key in a transaction of its own (never the request's session, so a
refused guess does not replace the data version, cache.py): the row stays locked until the count is
written, so thirty parallel guesses are counted one after another and at most the free ones
get through. A success clears the account's counter for that address and gives back the one
it took from the others. An administrator can clear an account's counters (`unlock_account`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, or_, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..core.extensions import db
from ..core.settings import setting
from ..core.timeutil import utcnow
from ..models import LoginThrottle

_TABLE = LoginThrottle.__table__


@dataclass(frozen=True)
class Key:
    name: str
    free: int  # failures allowed before the first delay


@dataclass(frozen=True)
class Reservation:
    """The outcome of counting one attempt."""

    allowed: bool
    wait: timedelta = timedelta(0)
    keys: tuple[Key, ...] = ()
    reached_limit: tuple[Key, ...] = ()  # keys whose free failures this attempt used up


def pair_key(username: str, address: str) -> str:
    return f"p:{username}|{address}"[:200]


def _aware(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything stored is UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def delay_after(failures: int, free: int) -> timedelta:
    """How long the next attempt waits after `failures` counted failures."""
    if failures < free:
        return timedelta(0)
    base: timedelta = setting("LOGIN_DELAY_BASE")
    ceiling: timedelta = setting("LOGIN_DELAY_MAX")
    steps = min(failures - free, 20)  # 2**20 × 30 s is far past any ceiling
    return min(base * (2**steps), ceiling)


def _lock_row(conn, key: str):
    """Insert the key's row or lock the existing one, and read it: the row stays locked (both
    databases) until this transaction ends, which makes read-then-write atomic."""
    insert = postgresql_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = (
        insert(_TABLE)
        .values(key=key, failures=0)
        .on_conflict_do_update(index_elements=[_TABLE.c.key], set_={"failures": _TABLE.c.failures})
        .returning(_TABLE.c.failures, _TABLE.c.last_failure_at, _TABLE.c.last_success_at)
    )
    return conn.execute(stmt).one()


def _live_failures(row, now: datetime) -> int:
    last = _aware(row.last_failure_at)
    if last is None or now - last > setting("LOGIN_FORGET_AFTER"):
        return 0
    return row.failures


def _known(row, now: datetime) -> bool:
    last = _aware(row.last_success_at)
    days = setting("LOGIN_KNOWN_ADDRESS_DAYS")
    return last is not None and now - last <= timedelta(days=days)


def reserve(username: str, address: str) -> Reservation:
    """Count one sign-in attempt of `username` from `address`, or refuse it while a key waits."""
    now = utcnow()
    pair = Key(pair_key(username, address), setting("LOGIN_FREE_FAILURES"))
    with db.engine.begin() as conn:
        pair_row = _lock_row(conn, pair.name)
        rows = {pair: pair_row}
        if not _known(pair_row, now):
            for key in (
                Key(f"a:{address}"[:200], setting("LOGIN_ADDRESS_FREE_FAILURES")),
                Key(f"u:{username}"[:200], setting("LOGIN_ACCOUNT_FREE_FAILURES")),
            ):
                rows[key] = _lock_row(conn, key.name)
        return _count(conn, rows, now)


def reserve_key(name: str, free: int) -> Reservation:
    """Count one attempt under a single key (the password-change form)."""
    with db.engine.begin() as conn:
        key = Key(name[:200], free)
        return _count(conn, {key: _lock_row(conn, key.name)}, utcnow())


def _count(conn, rows: dict, now: datetime) -> Reservation:
    wait = timedelta(0)
    for key, row in rows.items():
        failures = _live_failures(row, now)
        last = _aware(row.last_failure_at)
        if failures >= key.free and last is not None:
            wait = max(wait, last + delay_after(failures, key.free) - now)
    if wait > timedelta(0):
        return Reservation(False, wait, tuple(rows))
    reached = []
    for key, row in rows.items():
        failures = _live_failures(row, now) + 1
        if failures == key.free:
            reached.append(key)
        conn.execute(
            update(_TABLE)
            .where(_TABLE.c.key == key.name)
            .values(failures=failures, last_failure_at=now)
        )
    return Reservation(True, timedelta(0), tuple(rows), tuple(reached))


def succeeded(reservation: Reservation, username: str, address: str) -> None:
    """The password was right: this account is known at this address from now on, its count
    there is cleared, and the attempt counted on the shared keys is given back."""
    now = utcnow()
    pair = pair_key(username, address)
    with db.engine.begin() as conn:
        conn.execute(
            update(_TABLE)
            .where(_TABLE.c.key == pair)
            .values(failures=0, last_failure_at=None, last_success_at=now)
        )
        others = [k.name for k in reservation.keys if k.name != pair]
        if others:
            conn.execute(
                update(_TABLE)
                .where(_TABLE.c.key.in_(others), _TABLE.c.failures > 0)
                .values(failures=_TABLE.c.failures - 1)
            )
        _trim(conn, now)


def clear_key(name: str) -> None:
    with db.engine.begin() as conn:
        conn.execute(delete(_TABLE).where(_TABLE.c.key == name[:200]))


def unlock_account(username: str) -> int:
    """An administrator's unlock: forget the account's failures everywhere (its known
    addresses stay known). Returns how many counters were cleared."""
    with db.engine.begin() as conn:
        cleared = conn.execute(
            update(_TABLE)
            .where(
                or_(_TABLE.c.key == f"u:{username}", _TABLE.c.key.startswith(f"p:{username}|")),
                _TABLE.c.failures > 0,
            )
            .values(failures=0, last_failure_at=None)
        ).rowcount
    return cleared


def is_throttled(username: str) -> bool:
    """Does any counter of this account make its next attempt wait (for the admin's page)?"""
    now = utcnow()
    rows = db.session.execute(
        _TABLE.select().where(
            or_(_TABLE.c.key == f"u:{username}", _TABLE.c.key.startswith(f"p:{username}|"))
        )
    ).all()
    for row in rows:
        free = setting(
            "LOGIN_ACCOUNT_FREE_FAILURES" if row.key.startswith("u:") else "LOGIN_FREE_FAILURES"
        )
        if _live_failures(row, now) >= free:
            return True
    return False


def _trim(conn, now: datetime) -> None:
    """Counters nobody will look at again: no recent failure and no recent success."""
    stale_failure = now - setting("LOGIN_FORGET_AFTER")
    stale_success = now - timedelta(days=setting("LOGIN_KNOWN_ADDRESS_DAYS"))
    conn.execute(
        delete(_TABLE).where(
            or_(_TABLE.c.last_failure_at.is_(None), _TABLE.c.last_failure_at < stale_failure),
            or_(_TABLE.c.last_success_at.is_(None), _TABLE.c.last_success_at < stale_success),
        )
    )


def describe_wait(wait: timedelta) -> str:
    """ "45 giây", "4 phút": how long to wait, for the message."""
    seconds = max(1, int(wait.total_seconds() + 0.999))
    if seconds < 90:
        return f"{seconds} giây"
    return f"{(seconds + 59) // 60} phút"

"""A row lock for read-check-write operations (a check against the latest saved state, then
a write based on it), so that two requests doing it at once take turns instead of both
passing the check."""

from __future__ import annotations

from sqlalchemy import select, update

from .extensions import db


def lock_row(model: type[db.Model], row_id: int) -> None:
    """Hold row `row_id` of `model` until the transaction ends.

    Anyone else locking the same row waits for this transaction to commit or roll back, and
    what they read afterwards includes what it wrote. PostgreSQL: SELECT ... FOR NO KEY
    UPDATE (under READ COMMITTED every later statement sees the rows committed before the
    lock was granted; inserting rows that reference this one is not blocked). SQLite has no
    row locks: a no-op UPDATE takes the database's write lock, which serialises writers and
    is kept until the transaction ends; the reads that follow see every committed write.
    """
    (key,) = model.__table__.primary_key.columns
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(key).where(key == row_id).with_for_update(key_share=True))
    else:
        db.session.execute(update(model.__table__).where(key == row_id).values({key.name: key}))

"""Database snapshots for the suite: state that takes seconds to build (the demo's three
communes: password hashes, the PAR Index, signed Decisions, a year of survey answers) is built
once per test session, its rows and uploaded files copied aside, and copied back for each test
that needs it. Each such test still starts from its own fresh copy: whatever the previous one
changed is replaced.
"""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, text, update

from cchc_web.core.cache import DataVersion
from cchc_web.core.extensions import db


@dataclass
class Snapshot:
    rows: list  # (table, [row mapping, ...]) in the metadata's dependency order
    uploads: Path


def take(app, folder: Path) -> Snapshot:
    """Every row of every table and a copy of the upload folder (into `folder`)."""
    with db.engine.connect() as conn:
        rows = [
            (table, conn.execute(select(table).order_by(*table.primary_key)).mappings().all())
            for table in db.metadata.sorted_tables
        ]
    shutil.copytree(app.config["UPLOAD_DIR"], folder, dirs_exist_ok=True)
    return Snapshot(rows, folder)


def restore(app, snapshot: Snapshot) -> None:
    """The database and the upload folder as they were when `snapshot` was taken."""
    postgres = db.engine.dialect.name == "postgresql"
    with db.engine.begin() as conn:
        # The tables are empty between tests, but for rows the app writes on its own
        # (e.g. after the cleanup's commit): replace them too.
        for table, _rows in reversed(snapshot.rows):
            conn.execute(table.delete())
        if postgres:
            # Foreign keys form a cycle (councils.decision_id → decisions → councils): the
            # rows were consistent when taken, so their triggers are off for the copy.
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        for table, rows in snapshot.rows:
            if rows:
                conn.execute(table.insert(), rows)
            if postgres and rows and "id" in table.c:
                # Ids were copied as they were: move the sequence past them. (Table names
                # come from the models' metadata, not from input.)
                name = table.name
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "  # noqa: S608
                        f'(SELECT MAX(id) FROM "{name}"))'
                    )
                )
        # A new data version: nothing cached from an earlier copy of the same rows is reused.
        conn.execute(update(DataVersion).values(token=secrets.token_hex(16)))
    shutil.copytree(snapshot.uploads, app.config["UPLOAD_DIR"], dirs_exist_ok=True)


class Cache:
    """Snapshots kept for the session, by key; `load` restores one, building it first with
    `build` (which must commit) when there is none yet."""

    def __init__(self) -> None:
        self._taken: dict[Hashable, Snapshot] = {}

    def load(self, app, key: Hashable, build: Callable[[], None], folder: Callable[[], Path]):
        snapshot = self._taken.get(key)
        if snapshot is None:
            build()
            db.session.remove()
            self._taken[key] = take(app, folder())
        else:
            restore(app, snapshot)

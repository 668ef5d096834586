"""Search (issue 17): every searchable table gets `search_key`, its folded text
(" title words ~ other words ", cchc_web/text and models/search.py), filled here for the rows
that exist and kept up to date on every flush afterwards.

- tasks, initiatives, decisions, reports, par_index_items, users: search_key TEXT NOT NULL.
- PostgreSQL: the pg_trgm extension (in PostgreSQL's contrib, CREATE EXTENSION needs the
  right to create it) and a trigram GIN index on each key, which serves `LIKE '%word%'`.
  Without the right, the searches still work, by scanning the one column.
- Existing strings are not rewritten to NFC here: new writes are; a key is built from NFC.

The keys are built by the models' own `search_parts` on transient copies of the rows, so a
key made here is the key a later write makes.

Downgrade drops the indexes and the columns (the extension stays: others may use it).

Revision ID: 0012_search
Revises: 0015_file_store
Create Date: 2026-12-05 08:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0012_search"
down_revision = "0015_file_store"
branch_labels = None
depends_on = None

TABLES = {
    "tasks": ("code", "content", "field"),
    "initiatives": ("title", "field", "solution"),
    "decisions": ("number", "symbol", "summary", "appendix_title"),
    "reports": ("kind", "period_end", "direction", "strengths_limits", "next_tasks"),
    "par_index_items": ("code", "title", "guidance"),
    "users": ("full_name", "username", "position_title"),
}
BATCH = 500


def _models():
    from cchc_web.models import Decision, IndexItem, Initiative, Report, Task, User

    return {
        "tasks": Task,
        "initiatives": Initiative,
        "decisions": Decision,
        "reports": Report,
        "par_index_items": IndexItem,
        "users": User,
    }


def _fill(conn, name: str, model) -> None:
    from cchc_web.models.search import search_key

    columns = TABLES[name]
    table = sa.table(
        name,
        sa.column("id", sa.Integer),
        sa.column("search_key", sa.Text),
        *(sa.column(c, model.__table__.c[c].type) for c in columns),
    )
    last = 0
    while True:
        rows = conn.execute(
            sa.select(table.c.id, *(table.c[c] for c in columns))
            .where(table.c.id > last)
            .order_by(table.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        keys = []
        for row in rows:
            copy = model(**{c: getattr(row, c) for c in columns})  # transient: never added
            keys.append({"row_id": row.id, "key": search_key(*copy.search_parts())})
        conn.execute(
            table.update().where(table.c.id == sa.bindparam("row_id")),
            [{"row_id": k["row_id"], "search_key": k["key"]} for k in keys],
        )
        last = rows[-1].id


def _trigram_available(conn) -> bool:
    try:
        with conn.begin_nested():
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        return True
    except sa.exc.DBAPIError:
        return False


def upgrade():
    conn = op.get_bind()
    for name in TABLES:
        with op.batch_alter_table(name) as batch:
            batch.add_column(
                sa.Column("search_key", sa.Text(), nullable=False, server_default=" ~ ")
            )
    for name, model in _models().items():
        _fill(conn, name, model)
    if conn.dialect.name == "postgresql" and _trigram_available(conn):
        for name in TABLES:
            op.execute(
                f"CREATE INDEX ix_{name}_search_key_trgm ON {name} "
                "USING gin (search_key gin_trgm_ops)"
            )


def downgrade():
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        for name in TABLES:
            op.execute(f"DROP INDEX IF EXISTS ix_{name}_search_key_trgm")
    for name in TABLES:
        with op.batch_alter_table(name) as batch:
            batch.drop_column("search_key")

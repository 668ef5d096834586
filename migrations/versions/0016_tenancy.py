"""Tenancy (issue 20, item 1): every aggregate root belongs to a commune.

- A ``commune_id`` (foreign key to communes, indexed) on each root of core/tenancy.py: NOT NULL
  but on ``users`` (NULL: a city-level user) and ``audit_log`` (NULL: the city level's).
- Every existing row goes to the first commune, the only one a deployment had. A database with
  rows but no commune at all (never set up with `flask init-commune`) gets one named
  "Xã chưa đặt tên", which the administrator renames.
- Unique keys per commune: office code, round year, PAR Index set year, Decision number per
  (year, symbol), the series counters (their key becomes commune, year, symbol), the survey's
  field code, counter name, questionnaire number, one draft and one version in use, receipt
  number; an office's report per (kind, period).
- PostgreSQL: row-level security on every root table, FORCE'd so that it holds for the tables'
  owner too: a row passes when its commune is ``current_setting('cchc.commune_id')``, or when
  that setting is empty (no commune: the CLI, migrations, the city level).

Downgrade drops the policies, the columns and the per-commune keys (back to the global keys:
it fails, changing nothing, when two communes share a code or a number).

Revision ID: 0016_tenancy
Revises: 0013_inbox_mail
Create Date: 2026-12-05 09:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0016_tenancy"
down_revision = "0013_inbox_mail"
branch_labels = None
depends_on = None

# (table, nullable)
ROOTS = (
    ("offices", False),
    ("users", True),
    ("plans", False),
    ("reports", False),
    ("initiative_rounds", False),
    ("initiatives", False),
    ("councils", False),
    ("decisions", False),
    ("par_index_sets", False),
    ("signing_certificates", False),
    ("audit_log", True),
    ("sipas_procedure_fields", False),
    ("sipas_counters", False),
    ("sipas_kiosks", False),
    ("sipas_versions", False),
    ("sipas_receipts", False),
    ("sipas_responses", False),
    ("sipas_feedback", False),
)
# Row-level security: decision_counters too (its key holds the commune).
RLS_TABLES = (*(t for t, _ in ROOTS), "decision_counters")
# table → [(old unique name, old columns, new unique name, new columns)]
UNIQUES = {
    "offices": [("uq_offices_code", ["code"], "uq_offices_commune_code", ["commune_id", "code"])],
    "initiative_rounds": [
        (
            "uq_initiative_rounds_year",
            ["year"],
            "uq_initiative_rounds_commune_year",
            ["commune_id", "year"],
        )
    ],
    "par_index_sets": [
        ("uq_par_index_sets_year", ["year"], "uq_par_index_sets_commune_year", ["commune_id", "year"])
    ],
    "decisions": [
        (
            "uq_decisions_year_symbol_number",
            ["year", "symbol", "number"],
            "uq_decisions_year_symbol_number",
            ["commune_id", "year", "symbol", "number"],
        )
    ],
    "reports": [
        (
            "uq_reports_office_period",
            ["office_id", "kind", "period_end"],
            "uq_reports_office_period",
            ["commune_id", "office_id", "kind", "period_end"],
        )
    ],
    "sipas_procedure_fields": [
        (
            "uq_sipas_procedure_fields_code",
            ["code"],
            "uq_sipas_procedure_fields_commune_code",
            ["commune_id", "code"],
        )
    ],
    "sipas_counters": [
        (
            "uq_sipas_counters_name",
            ["name"],
            "uq_sipas_counters_commune_name",
            ["commune_id", "name"],
        )
    ],
    "sipas_versions": [
        (
            "uq_sipas_versions_number",
            ["number"],
            "uq_sipas_versions_commune_number",
            ["commune_id", "number"],
        )
    ],
    "sipas_receipts": [
        (
            "uq_sipas_receipts_number",
            ["number"],
            "uq_sipas_receipts_commune_number",
            ["commune_id", "number"],
        )
    ],
}
LIVE = "status IN ('draft', 'published')"
KEY = "NULLIF(current_setting('cchc.commune_id', true), '')"
POLICY = f"{KEY} IS NULL OR commune_id = {KEY}::integer"


def _first_commune(conn) -> int | None:
    found = conn.scalar(sa.text("SELECT MIN(id) FROM communes"))
    if found is not None:
        return found
    has_rows = any(
        conn.scalar(sa.text(f"SELECT COUNT(*) FROM {table}"))  # noqa: S608 - our names
        for table, _ in ROOTS
    )
    if not has_rows:
        return None
    conn.execute(
        sa.text(
            "INSERT INTO communes (name, province, settings, created_at) "
            "VALUES ('Xã chưa đặt tên', '', '{}', CURRENT_TIMESTAMP)"
        )
    )
    return conn.scalar(sa.text("SELECT MIN(id) FROM communes"))


def upgrade():
    conn = op.get_bind()
    postgres = conn.dialect.name == "postgresql"
    first = _first_commune(conn)
    for table, nullable in ROOTS:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("commune_id", sa.Integer(), nullable=True))
        if first is not None:
            conn.execute(
                sa.text(f"UPDATE {table} SET commune_id = :c"),  # noqa: S608 - our names
                {"c": first},
            )
        with op.batch_alter_table(table) as batch:
            if not nullable:
                batch.alter_column("commune_id", existing_type=sa.Integer(), nullable=False)
            batch.create_foreign_key(
                op.f(f"fk_{table}_commune_id_communes"), "communes", ["commune_id"], ["id"]
            )
            batch.create_index(op.f(f"ix_{table}_commune_id"), ["commune_id"], unique=False)
            for old, _old_cols, new, new_cols in UNIQUES.get(table, ()):
                batch.drop_constraint(old, type_="unique")
                batch.create_unique_constraint(new, new_cols)

    with op.batch_alter_table("sipas_versions") as batch:
        batch.drop_index(
            "uq_sipas_versions_live_status",
            sqlite_where=sa.text(LIVE),
            postgresql_where=sa.text(LIVE),
        )
        batch.create_index(
            "uq_sipas_versions_live_status",
            ["commune_id", "status"],
            unique=True,
            sqlite_where=sa.text(LIVE),
            postgresql_where=sa.text(LIVE),
        )

    # The series counters: the key becomes (commune, year, symbol). A small table: rebuilt.
    counters = conn.execute(sa.text("SELECT year, symbol, last_number FROM decision_counters"))
    kept = [dict(row._mapping) for row in counters]
    op.drop_table("decision_counters")
    table = op.create_table(
        "decision_counters",
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_id"], ["communes.id"], name=op.f("fk_decision_counters_commune_id_communes")
        ),
        sa.PrimaryKeyConstraint("commune_id", "year", "symbol", name=op.f("pk_decision_counters")),
    )
    if kept:
        op.bulk_insert(table, [{**row, "commune_id": first} for row in kept])

    if postgres:
        for table in RLS_TABLES:
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            op.execute(
                f"CREATE POLICY commune_isolation ON {table} "
                f"USING ({POLICY}) WITH CHECK ({POLICY})"
            )


def downgrade():
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        for table in RLS_TABLES:
            op.execute(f"DROP POLICY IF EXISTS commune_isolation ON {table}")
            op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")

    counters = conn.execute(sa.text("SELECT year, symbol, last_number FROM decision_counters"))
    kept = [dict(row._mapping) for row in counters]
    op.drop_table("decision_counters")
    table = op.create_table(
        "decision_counters",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", "symbol", name=op.f("pk_decision_counters")),
    )
    if kept:
        op.bulk_insert(table, kept)

    with op.batch_alter_table("sipas_versions") as batch:
        batch.drop_index(
            "uq_sipas_versions_live_status",
            sqlite_where=sa.text(LIVE),
            postgresql_where=sa.text(LIVE),
        )
        batch.create_index(
            "uq_sipas_versions_live_status",
            ["status"],
            unique=True,
            sqlite_where=sa.text(LIVE),
            postgresql_where=sa.text(LIVE),
        )
    for table, _nullable in reversed(ROOTS):
        with op.batch_alter_table(table) as batch:
            for old, old_cols, new, _new_cols in UNIQUES.get(table, ()):
                batch.drop_constraint(new, type_="unique")
                batch.create_unique_constraint(old, old_cols)
            batch.drop_index(op.f(f"ix_{table}_commune_id"))
            batch.drop_constraint(op.f(f"fk_{table}_commune_id_communes"), type_="foreignkey")
            batch.drop_column("commune_id")

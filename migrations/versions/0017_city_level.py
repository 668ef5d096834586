"""The city level above the communes (issue 20, items 2 and 3): what a tenant is and where it
belongs.

- ``communes.code``: a short code unique across the city ("CHIMINH"), filled for existing
  communes from their place name; onboarding refuses a duplicate.
- ``communes.kind``: xa / phuong / dac_khu, or thanh_pho for the city level's own tenant
  (Sở Nội vụ, the city's council and its Decisions); filled from the name's first word.
- ``communes.parent_id``: the city a commune reports to.
- ``offices.represents_commune_id``: in the city's tenant, the office that stands for a
  commune submitting its nominated initiatives.
- ``initiatives.source_initiative_id``: a city round's initiative, received from a commune's.
- PostgreSQL: a second, read-only row-level security policy ``city_reads`` on every root
  table: a session acting for the city reads the rows of the communes whose parent it is.
  Writes stay under ``commune_isolation`` alone (permissive policies are OR'ed per command:
  an UPDATE or DELETE must pass an UPDATE/DELETE policy, and only the commune's own does).

Revision ID: 0017_city_level
Revises: 0016_tenancy
Create Date: 2026-12-05 11:30:00

"""

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0017_city_level"
down_revision = "0016_tenancy"
branch_labels = None
depends_on = None

RLS_TABLES = (
    "offices",
    "users",
    "plans",
    "reports",
    "initiative_rounds",
    "initiatives",
    "councils",
    "decisions",
    "par_index_sets",
    "signing_certificates",
    "audit_log",
    "sipas_procedure_fields",
    "sipas_counters",
    "sipas_kiosks",
    "sipas_versions",
    "sipas_receipts",
    "sipas_responses",
    "sipas_feedback",
    "decision_counters",
)
KEY = "NULLIF(current_setting('cchc.commune_id', true), '')"
CITY_READS = f"commune_id IN (SELECT id FROM communes WHERE parent_id = {KEY}::integer)"
PREFIXES = (
    ("Xã ", "xa"),
    ("Phường ", "phuong"),
    ("Thị trấn ", "xa"),
    ("Đặc khu ", "dac_khu"),
    ("Thành phố ", "thanh_pho"),
)


def _code(name: str, taken: set[str]) -> str:
    place = name
    for prefix, _kind in PREFIXES:
        if place.startswith(prefix):
            place = place[len(prefix) :]
    folded = unicodedata.normalize("NFD", place.replace("đ", "d").replace("Đ", "D"))
    code = "".join(ch for ch in folded.upper() if ch.isascii() and ch.isalnum())[:28] or "DONVI"
    candidate, n = code, 1
    while candidate in taken:
        n += 1
        candidate = f"{code}{n}"
    taken.add(candidate)
    return candidate


def _kind(name: str) -> str:
    return next((kind for prefix, kind in PREFIXES if name.startswith(prefix)), "xa")


def upgrade():
    conn = op.get_bind()
    with op.batch_alter_table("communes") as batch:
        batch.add_column(sa.Column("code", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("kind", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
    taken: set[str] = set()
    for row in conn.execute(sa.text("SELECT id, name FROM communes ORDER BY id")).all():
        conn.execute(
            sa.text("UPDATE communes SET code = :code, kind = :kind WHERE id = :id"),
            {"code": _code(row.name, taken), "kind": _kind(row.name), "id": row.id},
        )
    with op.batch_alter_table("communes") as batch:
        batch.alter_column("code", existing_type=sa.String(length=32), nullable=False)
        batch.alter_column("kind", existing_type=sa.String(length=16), nullable=False)
        batch.create_unique_constraint(op.f("uq_communes_code"), ["code"])
        batch.create_check_constraint(
            "commune_kind_known", "kind IN ('xa', 'phuong', 'dac_khu', 'thanh_pho')"
        )
        batch.create_foreign_key(
            op.f("fk_communes_parent_id_communes"), "communes", ["parent_id"], ["id"]
        )
        batch.create_index(op.f("ix_communes_parent_id"), ["parent_id"], unique=False)
    with op.batch_alter_table("offices") as batch:
        batch.add_column(sa.Column("represents_commune_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_offices_represents_commune_id_communes"),
            "communes",
            ["represents_commune_id"],
            ["id"],
        )
    with op.batch_alter_table("initiatives") as batch:
        batch.add_column(sa.Column("source_initiative_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_initiatives_source_initiative_id_initiatives"),
            "initiatives",
            ["source_initiative_id"],
            ["id"],
        )
        batch.create_index(
            op.f("ix_initiatives_source_initiative_id"), ["source_initiative_id"], unique=False
        )
    if conn.dialect.name == "postgresql":
        for table in RLS_TABLES:
            op.execute(f"CREATE POLICY city_reads ON {table} FOR SELECT USING ({CITY_READS})")


def downgrade():
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        for table in RLS_TABLES:
            op.execute(f"DROP POLICY IF EXISTS city_reads ON {table}")
    with op.batch_alter_table("initiatives") as batch:
        batch.drop_index(op.f("ix_initiatives_source_initiative_id"))
        batch.drop_constraint(
            op.f("fk_initiatives_source_initiative_id_initiatives"), type_="foreignkey"
        )
        batch.drop_column("source_initiative_id")
    with op.batch_alter_table("offices") as batch:
        batch.drop_constraint(op.f("fk_offices_represents_commune_id_communes"), type_="foreignkey")
        batch.drop_column("represents_commune_id")
    with op.batch_alter_table("communes") as batch:
        batch.drop_index(op.f("ix_communes_parent_id"))
        batch.drop_constraint(op.f("fk_communes_parent_id_communes"), type_="foreignkey")
        batch.drop_constraint("commune_kind_known", type_="check")
        batch.drop_constraint(op.f("uq_communes_code"), type_="unique")
        batch.drop_column("parent_id")
        batch.drop_column("kind")
        batch.drop_column("code")

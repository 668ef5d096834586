"""The city's own council and recognition (issue 20, item 3): what the city answered to each
nominated initiative, kept in the commune's tenant, and each tenant's own seal.

- ``city_results``: one row per nominated initiative of a commune (its ``commune_id`` is the
  commune's): received, returned (with the reason) or decided by the city's signed Decision
  (its number and date, a copy of the signed PDF). Written by the city's services acting for
  that commune; read by the commune's users, who cannot read the city's rows.
- ``seal_certificates``: a tenant's own organisation certificate (the city's "UBND thành phố
  Hải Phòng"), used for the seal instead of the deployment's configured one.
- ``initiatives.source_initiative_id`` becomes unique: a commune's initiative is received once
  by the city, even when two clicks race (the second is refused, not a second copy).
- PostgreSQL: both are root tables, under the same row-level security as the others
  (``commune_isolation``, and the city's read-only ``city_reads``).

Revision ID: 0018_city_council
Revises: 0018_city_appraisal
Create Date: 2026-12-05 12:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0018_city_council"
down_revision = "0018_city_appraisal"
branch_labels = None
depends_on = None

TABLES = ("city_results", "seal_certificates")
KEY = "NULLIF(current_setting('cchc.commune_id', true), '')"
POLICY = f"{KEY} IS NULL OR commune_id = {KEY}::integer"
CITY_READS = f"commune_id IN (SELECT id FROM communes WHERE parent_id = {KEY}::integer)"


def upgrade():
    op.create_table(
        "city_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("decision_ref", sa.String(length=300), nullable=False),
        sa.Column("mean_score", sa.Float(), nullable=True),
        sa.Column("decision_pdf_id", sa.Integer(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('received', 'returned', 'recognised', 'not_recognised')",
            name=op.f("ck_city_results_outcome_known"),
        ),
        sa.ForeignKeyConstraint(
            ["commune_id"], ["communes.id"], name=op.f("fk_city_results_commune_id_communes")
        ),
        sa.ForeignKeyConstraint(
            ["decision_pdf_id"],
            ["attachments.id"],
            name=op.f("fk_city_results_decision_pdf_id_attachments"),
        ),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["initiatives.id"],
            name=op.f("fk_city_results_initiative_id_initiatives"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_city_results")),
        sa.UniqueConstraint("initiative_id", name=op.f("uq_city_results_initiative_id")),
    )
    op.create_index(op.f("ix_city_results_commune_id"), "city_results", ["commune_id"])
    op.create_table(
        "seal_certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("issuer", sa.String(length=300), nullable=False),
        sa.Column("serial", sa.String(length=80), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("not_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("p12", sa.LargeBinary(), nullable=False),
        sa.Column("passphrase_token", sa.Text(), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_id"], ["communes.id"], name=op.f("fk_seal_certificates_commune_id_communes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seal_certificates")),
        sa.UniqueConstraint("commune_id", name=op.f("uq_seal_certificates_commune_id")),
    )
    with op.batch_alter_table("initiatives") as batch:
        batch.drop_index(op.f("ix_initiatives_source_initiative_id"))
        batch.create_index(
            op.f("ix_initiatives_source_initiative_id"), ["source_initiative_id"], unique=True
        )
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            op.execute(
                f"CREATE POLICY commune_isolation ON {table} "
                f"USING ({POLICY}) WITH CHECK ({POLICY})"
            )
            op.execute(f"CREATE POLICY city_reads ON {table} FOR SELECT USING ({CITY_READS})")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP POLICY IF EXISTS city_reads ON {table}")
            op.execute(f"DROP POLICY IF EXISTS commune_isolation ON {table}")
    with op.batch_alter_table("initiatives") as batch:
        batch.drop_index(op.f("ix_initiatives_source_initiative_id"))
        batch.create_index(
            op.f("ix_initiatives_source_initiative_id"), ["source_initiative_id"], unique=False
        )
    op.drop_table("seal_certificates")
    op.drop_index(op.f("ix_city_results_commune_id"), table_name="city_results")
    op.drop_table("city_results")

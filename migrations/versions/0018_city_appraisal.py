"""The city's appraisal of its communes' PAR Index (issue 20, item 3): Sở Nội vụ thẩm định.

- ``city_par_appraisals``: a root of the CITY's tenant (``commune_id`` is the city) naming the
  commune appraised (``subject_commune_id``), its set and leaf, the self-score appraised, and
  the city's score (accepted, or adjusted with a reason). One row per leaf.
- PostgreSQL: row-level security like every root (``commune_isolation``, FORCE'd), and the
  read-only ``city_reads`` policy of migration 0017 for symmetry.

Revision ID: 0018_city_appraisal
Revises: 0017_city_level
Create Date: 2026-12-05 11:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0018_city_appraisal"
down_revision = "0017_city_level"
branch_labels = None
depends_on = None

TABLE = "city_par_appraisals"
KEY = "NULLIF(current_setting('cchc.commune_id', true), '')"
POLICY = f"{KEY} IS NULL OR commune_id = {KEY}::integer"
CITY_READS = f"commune_id IN (SELECT id FROM communes WHERE parent_id = {KEY}::integer)"


def upgrade():
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("subject_commune_id", sa.Integer(), nullable=False),
        sa.Column("set_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("self_score_id", sa.Integer(), nullable=True),
        sa.Column("self_score_value", sa.Numeric(6, 2), nullable=False),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("score", sa.Numeric(6, 2), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("appraised_by_id", sa.Integer(), nullable=True),
        sa.Column("appraised_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("score >= 0", name=op.f("ck_city_par_appraisals_score_not_negative")),
        sa.CheckConstraint(
            "accepted OR length(reason) > 0",
            name=op.f("ck_city_par_appraisals_adjustment_has_reason"),
        ),
        sa.ForeignKeyConstraint(
            ["commune_id"], ["communes.id"], name=op.f("fk_city_par_appraisals_commune_id_communes")
        ),
        sa.ForeignKeyConstraint(
            ["subject_commune_id"],
            ["communes.id"],
            name=op.f("fk_city_par_appraisals_subject_commune_id_communes"),
        ),
        sa.ForeignKeyConstraint(
            ["set_id"],
            ["par_index_sets.id"],
            name=op.f("fk_city_par_appraisals_set_id_par_index_sets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["par_index_items.id"],
            name=op.f("fk_city_par_appraisals_item_id_par_index_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["self_score_id"],
            ["par_self_scores.id"],
            name=op.f("fk_city_par_appraisals_self_score_id_par_self_scores"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["appraised_by_id"],
            ["users.id"],
            name=op.f("fk_city_par_appraisals_appraised_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_city_par_appraisals")),
        sa.UniqueConstraint("item_id", name="uq_city_par_appraisals_item_id"),
    )
    with op.batch_alter_table(TABLE) as batch:
        batch.create_index(op.f("ix_city_par_appraisals_commune_id"), ["commune_id"])
        batch.create_index(op.f("ix_city_par_appraisals_subject_commune_id"), ["subject_commune_id"])
        batch.create_index(op.f("ix_city_par_appraisals_set_id"), ["set_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE {TABLE} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {TABLE} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY commune_isolation ON {TABLE} USING ({POLICY}) WITH CHECK ({POLICY})"
        )
        op.execute(f"CREATE POLICY city_reads ON {TABLE} FOR SELECT USING ({CITY_READS})")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP POLICY IF EXISTS city_reads ON {TABLE}")
        op.execute(f"DROP POLICY IF EXISTS commune_isolation ON {TABLE}")
    op.drop_table(TABLE)

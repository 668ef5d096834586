"""The audit log read newest first within a commune (its page and export: ``ORDER BY at DESC,
id DESC`` of one commune): ``ix_audit_log_commune_at`` gives the first page by reading 50
index entries instead of sorting every row of the commune (the largest commune of the city
bench: 1,811 rows sorted for each page; a commune's log only grows).

Revision ID: 0019_audit_log_newest_first
Revises: 0018_city_scale_indexes
Create Date: 2026-12-05 15:00:00

"""

from alembic import op

revision = "0019_audit_log_newest_first"
down_revision = "0018_city_scale_indexes"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_audit_log_commune_at", "audit_log", ["commune_id", "at", "id"])


def downgrade():
    op.drop_index("ix_audit_log_commune_at", table_name="audit_log")

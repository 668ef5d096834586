"""Read performance: task updates indexed by (task, id), since every task list reads each
task's newest update; the one-row data version that cached dashboard figures are keyed by.

Revision ID: 0007_read_performance
Revises: 0006_merge_domains
Create Date: 2026-12-03 10:40:00

"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0007_read_performance"
down_revision = "0006_merge_domains"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_task_updates_task_id_id", "task_updates", ["task_id", "id"])
    version = op.create_table(
        "data_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_version")),
    )
    op.bulk_insert(version, [{"id": 1, "token": secrets.token_hex(16)}])


def downgrade():
    op.drop_table("data_version")
    op.drop_index("ix_task_updates_task_id_id", table_name="task_updates")

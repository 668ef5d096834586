"""Indexes for the city level's aggregate reads (issue 20, item 6: measured by `make bench` on
114 communes, bench/city_queries.py):

- ``ix_task_updates_newest_progress``: each task's newest progress update with its status and
  catch-up deadline, from the index alone (partial on progress updates; the two columns
  INCLUDE'd on PostgreSQL): the plan progress of every commune's active plan reads one entry
  per task (13,700 tasks: 40 ms instead of 75–90 ms).
- ``ix_initiatives_state_commune_id``: initiatives of one state across communes (the
  nominations the city receives and counts per commune: 8 ms instead of a 25 ms scan of 30,000).

Revision ID: 0018_city_scale_indexes
Revises: 0018_city_council
Create Date: 2026-12-05 11:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0018_city_scale_indexes"
down_revision = "0018_city_council"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_task_updates_newest_progress",
        "task_updates",
        ["task_id", "id"],
        postgresql_include=["status", "catchup_deadline"],
        postgresql_where=sa.text("kind = 'progress'"),
        sqlite_where=sa.text("kind = 'progress'"),
    )
    op.create_index("ix_initiatives_state_commune_id", "initiatives", ["state", "commune_id"])


def downgrade():
    op.drop_index("ix_initiatives_state_commune_id", table_name="initiatives")
    op.drop_index("ix_task_updates_newest_progress", table_name="task_updates")

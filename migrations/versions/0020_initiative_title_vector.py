"""The title's sentence embedding on each initiative (issue 17, item 3): the similar-initiative
warning compares the title being typed with every earlier one, and embedding a few hundred
earlier titles again in a worker that has just started would cost seconds (about 30 ms each on
one core). Written when an initiative is saved with a new title; `flask initiatives
embed-titles` fills it for initiatives saved before this revision or loaded in bulk (until then
they are embedded on first use and remembered by the process).

Revision ID: 0020_initiative_title_vector
Revises: 0019_audit_log_newest_first
Create Date: 2026-12-05 15:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0020_initiative_title_vector"
down_revision = "0019_audit_log_newest_first"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("initiatives") as batch:
        batch.add_column(sa.Column("title_vector", sa.LargeBinary(), nullable=True))


def downgrade():
    with op.batch_alter_table("initiatives") as batch:
        batch.drop_column("title_vector")

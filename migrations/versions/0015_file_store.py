"""Evidence files in the database (issue 20, app servers that scale out): the table of the
database file store (core/filestores.py, STORAGE_BACKEND=database). Empty until a deployment
chooses that store; the folder store keeps its files where they were.

Revision ID: 0015_file_store
Revises: 0011_sipas
Create Date: 2026-12-05 09:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0015_file_store"
down_revision = "0011_sipas"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "stored_files",
        sa.Column("storage_key", sa.String(length=32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("storage_key", name=op.f("pk_stored_files")),
    )


def downgrade():
    op.drop_table("stored_files")

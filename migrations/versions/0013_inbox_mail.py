"""The inbox's reminders by e-mail (issue 18): each user's e-mail address and opt-out, and the
log of reminders sent (one row per person, item and day: a second run on the same day sends
nothing twice).

Downgrade drops the log and the two columns.

Revision ID: 0013_inbox_mail
Revises: 0012_search
Create Date: 2026-12-05 08:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0013_inbox_mail"
down_revision = "0012_search"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("email", sa.String(length=254), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("reminders_enabled", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    op.create_table(
        "reminders_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("item_key", sa.String(length=120), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_reminders_sent_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders_sent")),
        sa.UniqueConstraint("user_id", "item_key", "day", name="uq_reminders_sent"),
    )
    with op.batch_alter_table("reminders_sent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reminders_sent_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("reminders_sent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reminders_sent_user_id"))
    op.drop_table("reminders_sent")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("reminders_enabled")
        batch_op.drop_column("email")

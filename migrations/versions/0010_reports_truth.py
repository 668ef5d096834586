"""Reports that tell the truth (issue 14): the plan lifecycle draft → active → closed, a
coordinating office's contribution as a kind of task update, and the history of objective
values.

- plans.status: 'issued' becomes 'active'; 'closed' is new (CHECK replaced).
- task_updates.kind: 'progress' (a lead office's status and percent) or 'contribution' (a
  coordinating office's part, no status). Updates that a coordinating office posted before
  become contributions, keeping what they said, so that only the lead office's newest update
  gives the task its status. status and progress become nullable (a contribution has none).
  The (task_id, id) index becomes (task_id, kind, id): a task's newest progress update is
  still read from the index alone.
- objective_value_revisions: every entry of a month's value; each existing value becomes
  the first entry of its history.

Downgrade is lossy: contributions without a status and the corrections' history are dropped,
and closed plans become issued again.

Revision ID: 0010_reports_truth
Revises: 0007_read_performance
Create Date: 2026-12-05 05:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0010_reports_truth"
down_revision = "0008_recognition_chain"
branch_labels = None
depends_on = None

PLAN_STATUSES_BEFORE = "status IN ('draft', 'issued')"
PLAN_STATUSES_AFTER = "status IN ('draft', 'active', 'closed')"

plans = sa.table("plans", sa.column("status", sa.String))
task_updates = sa.table(
    "task_updates",
    sa.column("id", sa.Integer),
    sa.column("task_id", sa.Integer),
    sa.column("office_id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("status", sa.String),
)
task_update_attachments = sa.table("task_update_attachments", sa.column("update_id", sa.Integer))
task_offices = sa.table(
    "task_offices",
    sa.column("task_id", sa.Integer),
    sa.column("office_id", sa.Integer),
    sa.column("role", sa.String),
)
objective_values = sa.table(
    "objective_values",
    sa.column("id", sa.Integer),
    sa.column("value", sa.Numeric(12, 2)),
    sa.column("note", sa.Text),
    sa.column("entered_by_id", sa.Integer),
    sa.column("entered_at", sa.DateTime(timezone=True)),
)


def _replace_plan_status_check(new_values: str, rename: dict) -> None:
    # Drop, move the data, then add: on SQLite each step rebuilds the table (batch mode), and
    # a rebuilt table with the new CHECK could not take the old values in.
    with op.batch_alter_table("plans") as batch_op:
        batch_op.drop_constraint(op.f("ck_plans_status_known"), type_="check")
    for before, after in rename.items():
        op.execute(plans.update().where(plans.c.status == before).values(status=after))
    with op.batch_alter_table("plans") as batch_op:
        batch_op.create_check_constraint("status_known", new_values)


def upgrade():
    # -- objective values: their history --------------------------------------------------
    revisions = op.create_table(
        "objective_value_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("objective_value_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("is_first", sa.Boolean(), nullable=False),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "is_first OR reason <> ''",
            name=op.f("ck_objective_value_revisions_correction_has_reason"),
        ),
        sa.ForeignKeyConstraint(
            ["entered_by_id"],
            ["users.id"],
            name=op.f("fk_objective_value_revisions_entered_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["objective_value_id"],
            ["objective_values.id"],
            name=op.f("fk_objective_value_revisions_objective_value_id_objective_values"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objective_value_revisions")),
    )
    op.create_index(
        op.f("ix_objective_value_revisions_objective_value_id"),
        "objective_value_revisions",
        ["objective_value_id"],
    )
    # Every value entered so far is the first entry of its month's history.
    op.execute(
        revisions.insert().from_select(
            [
                "objective_value_id",
                "value",
                "note",
                "reason",
                "is_first",
                "entered_by_id",
                "entered_at",
            ],
            sa.select(
                objective_values.c.id,
                objective_values.c.value,
                objective_values.c.note,
                sa.literal(""),
                sa.true(),
                objective_values.c.entered_by_id,
                objective_values.c.entered_at,
            ).order_by(objective_values.c.id),
        )
    )

    # -- plans: draft → active → closed ----------------------------------------------------
    _replace_plan_status_check(PLAN_STATUSES_AFTER, {"issued": "active"})

    # -- task updates: progress (lead) or contribution (coordinating) ----------------------
    with op.batch_alter_table("task_updates") as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=16), server_default="progress", nullable=False)
        )
        batch_op.alter_column("status", existing_type=sa.String(length=16), nullable=True)
        batch_op.alter_column("progress", existing_type=sa.Integer(), nullable=True)
        batch_op.drop_index("ix_task_updates_task_id_id")
        batch_op.create_index("ix_task_updates_task_id_kind_id", ["task_id", "kind", "id"])
        batch_op.create_check_constraint("kind_known", "kind IN ('progress', 'contribution')")
        batch_op.create_check_constraint(
            "progress_has_status",
            "kind <> 'progress' OR (status IS NOT NULL AND progress IS NOT NULL)",
        )
    lead = (
        sa.select(task_offices.c.task_id)
        .where(
            task_offices.c.task_id == task_updates.c.task_id,
            task_offices.c.office_id == task_updates.c.office_id,
            task_offices.c.role == "lead",
        )
        .exists()
    )
    op.execute(
        task_updates.update()
        .where(task_updates.c.office_id.is_not(None), ~lead)
        .values(kind="contribution")
    )


def downgrade():
    contributions = sa.select(task_updates.c.id).where(task_updates.c.status.is_(None))
    op.execute(
        task_update_attachments.delete().where(
            task_update_attachments.c.update_id.in_(contributions)
        )
    )
    op.execute(task_updates.delete().where(task_updates.c.status.is_(None)))
    with op.batch_alter_table("task_updates") as batch_op:
        batch_op.drop_constraint(op.f("ck_task_updates_progress_has_status"), type_="check")
        batch_op.drop_constraint(op.f("ck_task_updates_kind_known"), type_="check")
        batch_op.drop_index("ix_task_updates_task_id_kind_id")
        batch_op.create_index("ix_task_updates_task_id_id", ["task_id", "id"])
        batch_op.alter_column("progress", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("status", existing_type=sa.String(length=16), nullable=False)
        batch_op.drop_column("kind")

    _replace_plan_status_check(PLAN_STATUSES_BEFORE, {"active": "issued", "closed": "issued"})

    op.drop_index(
        op.f("ix_objective_value_revisions_objective_value_id"),
        table_name="objective_value_revisions",
    )
    op.drop_table("objective_value_revisions")

"""Join the domain migrations, written in parallel on top of the foundation, into one head.

Revision ID: 0006_merge_domains
Revises: 0002_plans, 0003_initiatives, 0004_par_index, 0005_decisions
Create Date: 2026-11-22 05:00:00

"""

revision = "0006_merge_domains"
down_revision = ("0002_plans", "0003_initiatives", "0004_par_index", "0005_decisions")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

"""PAR Index: index sets, the item tree with its office assignment, self-scores with
evidence, appraisals. Points are Numeric(6, 2); the state rules are CHECK constraints.

Revision ID: 0004_par_index
Revises: 0001_foundation
Create Date: 2026-11-22 04:06:57.192843

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_par_index'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('par_index_sets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('survey_score', sa.Numeric(precision=6, scale=2), nullable=True),
    sa.Column('bonus_points', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('penalty_points', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'open', 'closed')", name=op.f('ck_par_index_sets_status_known')),
    sa.CheckConstraint('bonus_points >= 0 AND penalty_points >= 0', name=op.f('ck_par_index_sets_bonus_penalty_positive')),
    sa.CheckConstraint('survey_score IS NULL OR survey_score >= 0', name=op.f('ck_par_index_sets_survey_not_negative')),
    sa.CheckConstraint('year BETWEEN 2000 AND 2100', name=op.f('ck_par_index_sets_year_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_par_index_sets')),
    sa.UniqueConstraint('year', name=op.f('uq_par_index_sets_year'))
    )
    op.create_table('par_index_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('set_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('max_points', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('guidance', sa.Text(), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("method IN ('self', 'survey')", name=op.f('ck_par_index_items_method_known')),
    sa.CheckConstraint('level BETWEEN 1 AND 3', name=op.f('ck_par_index_items_level_range')),
    sa.CheckConstraint('max_points >= 0', name=op.f('ck_par_index_items_max_not_negative')),
    sa.ForeignKeyConstraint(['office_id'], ['offices.id'], name=op.f('fk_par_index_items_office_id_offices')),
    sa.ForeignKeyConstraint(['parent_id'], ['par_index_items.id'], name=op.f('fk_par_index_items_parent_id_par_index_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['set_id'], ['par_index_sets.id'], name=op.f('fk_par_index_items_set_id_par_index_sets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_par_index_items')),
    sa.UniqueConstraint('set_id', 'code', name='uq_par_index_items_set_code')
    )
    with op.batch_alter_table('par_index_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_par_index_items_office_id'), ['office_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_par_index_items_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_par_index_items_set_id'), ['set_id'], unique=False)

    op.create_table('par_self_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.Column('scored_by_id', sa.Integer(), nullable=True),
    sa.Column('scored_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('score >= 0', name=op.f('ck_par_self_scores_score_not_negative')),
    sa.ForeignKeyConstraint(['item_id'], ['par_index_items.id'], name=op.f('fk_par_self_scores_item_id_par_index_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['scored_by_id'], ['users.id'], name=op.f('fk_par_self_scores_scored_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_par_self_scores')),
    sa.UniqueConstraint('item_id', name=op.f('uq_par_self_scores_item_id'))
    )
    op.create_table('par_appraisals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('self_score_id', sa.Integer(), nullable=False),
    sa.Column('accepted', sa.Boolean(), nullable=False),
    sa.Column('score', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('appraised_by_id', sa.Integer(), nullable=True),
    sa.Column('appraised_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('accepted OR length(reason) > 0', name=op.f('ck_par_appraisals_adjustment_has_reason')),
    sa.CheckConstraint('score >= 0', name=op.f('ck_par_appraisals_score_not_negative')),
    sa.ForeignKeyConstraint(['appraised_by_id'], ['users.id'], name=op.f('fk_par_appraisals_appraised_by_id_users')),
    sa.ForeignKeyConstraint(['self_score_id'], ['par_self_scores.id'], name=op.f('fk_par_appraisals_self_score_id_par_self_scores'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_par_appraisals')),
    sa.UniqueConstraint('self_score_id', name=op.f('uq_par_appraisals_self_score_id'))
    )
    op.create_table('par_self_score_attachments',
    sa.Column('self_score_id', sa.Integer(), nullable=False),
    sa.Column('attachment_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['attachment_id'], ['attachments.id'], name=op.f('fk_par_self_score_attachments_attachment_id_attachments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['self_score_id'], ['par_self_scores.id'], name=op.f('fk_par_self_score_attachments_self_score_id_par_self_scores'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('self_score_id', 'attachment_id', name=op.f('pk_par_self_score_attachments'))
    )


def downgrade():
    op.drop_table('par_self_score_attachments')
    op.drop_table('par_appraisals')
    op.drop_table('par_self_scores')
    with op.batch_alter_table('par_index_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_par_index_items_set_id'))
        batch_op.drop_index(batch_op.f('ix_par_index_items_parent_id'))
        batch_op.drop_index(batch_op.f('ix_par_index_items_office_id'))

    op.drop_table('par_index_items')
    op.drop_table('par_index_sets')

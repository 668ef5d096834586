"""Initiatives: rounds, applications with authors and evidence, reopenings; the evaluation
council, its members and score sheets. State rules are CHECK constraints.

Revision ID: 0003_initiatives
Revises: 0001_foundation
Create Date: 2026-11-22 04:04:42.740532

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003_initiatives'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('initiative_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('submission_deadline', sa.Date(), nullable=False),
    sa.Column('decision_deadline', sa.Date(), nullable=False),
    sa.Column('open_fields', sa.JSON(), nullable=False),
    sa.Column('rubric', sa.JSON(), nullable=False),
    sa.Column('pass_min_total', sa.Integer(), nullable=False),
    sa.Column('novelty_code', sa.String(length=32), nullable=False),
    sa.Column('vote_num', sa.Integer(), nullable=False),
    sa.Column('vote_den', sa.Integer(), nullable=False),
    sa.Column('quorum_num', sa.Integer(), nullable=False),
    sa.Column('quorum_den', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('pass_min_total >= 0', name=op.f('ck_initiative_rounds_pass_min_total_positive')),
    sa.CheckConstraint('submission_deadline <= decision_deadline', name=op.f('ck_initiative_rounds_deadlines_ordered')),
    sa.CheckConstraint('vote_num > 0 AND vote_den >= vote_num AND quorum_num > 0 AND quorum_den >= quorum_num', name=op.f('ck_initiative_rounds_fractions_valid')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_initiative_rounds')),
    sa.UniqueConstraint('year', name=op.f('uq_initiative_rounds_year'))
    )
    op.create_table('initiative_reopenings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('until', sa.Date(), nullable=False),
    sa.Column('reopened_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['office_id'], ['offices.id'], name=op.f('fk_initiative_reopenings_office_id_offices')),
    sa.ForeignKeyConstraint(['reopened_by_id'], ['users.id'], name=op.f('fk_initiative_reopenings_reopened_by_id_users')),
    sa.ForeignKeyConstraint(['round_id'], ['initiative_rounds.id'], name=op.f('fk_initiative_reopenings_round_id_initiative_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_initiative_reopenings'))
    )
    with op.batch_alter_table('initiative_reopenings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_initiative_reopenings_round_id'), ['round_id'], unique=False)

    op.create_table('initiatives',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('field', sa.String(length=32), nullable=False),
    sa.Column('current_situation', sa.Text(), nullable=False),
    sa.Column('solution', sa.Text(), nullable=False),
    sa.Column('novelty', sa.Text(), nullable=False),
    sa.Column('piloted', sa.Boolean(), nullable=False),
    sa.Column('first_applied_on', sa.Date(), nullable=True),
    sa.Column('applied_where', sa.Text(), nullable=False),
    sa.Column('conditions', sa.Text(), nullable=False),
    sa.Column('replication', sa.Text(), nullable=False),
    sa.Column('effectiveness', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('return_comment', sa.Text(), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('recognition_decision_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("state = 'draft' OR submitted_at IS NOT NULL", name=op.f('ck_initiatives_handed_in_has_submitted_at')),
    sa.CheckConstraint("state IN ('draft', 'submitted', 'returned', 'accepted', 'scored', 'recommended', 'not_recommended', 'recognised', 'not_recognised', 'nominated')", name=op.f('ck_initiatives_state_known')),
    sa.CheckConstraint("state NOT IN ('recognised', 'not_recognised', 'nominated') OR recognition_decision_id IS NOT NULL", name=op.f('ck_initiatives_recognition_needs_decision')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_initiatives_created_by_id_users')),
    sa.ForeignKeyConstraint(['office_id'], ['offices.id'], name=op.f('fk_initiatives_office_id_offices')),
    sa.ForeignKeyConstraint(['round_id'], ['initiative_rounds.id'], name=op.f('fk_initiatives_round_id_initiative_rounds')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_initiatives_submitted_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_initiatives'))
    )
    with op.batch_alter_table('initiatives', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_initiatives_office_id'), ['office_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_initiatives_round_id'), ['round_id'], unique=False)

    op.create_table('councils',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('decision_number', sa.String(length=40), nullable=False),
    sa.Column('decision_date', sa.Date(), nullable=True),
    sa.Column('decision_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('minutes_attachment_id', sa.Integer(), nullable=True),
    sa.Column('minutes_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state = 'composing' OR (decision_number <> '' AND decision_date IS NOT NULL)", name=op.f('ck_councils_scoring_needs_decision')),
    sa.CheckConstraint("state IN ('composing', 'scoring', 'closed')", name=op.f('ck_councils_state_known')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_councils_closed_by_id_users')),
    sa.ForeignKeyConstraint(['minutes_attachment_id'], ['attachments.id'], name=op.f('fk_councils_minutes_attachment_id_attachments')),
    sa.ForeignKeyConstraint(['round_id'], ['initiative_rounds.id'], name=op.f('fk_councils_round_id_initiative_rounds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_councils')),
    sa.UniqueConstraint('round_id', name=op.f('uq_councils_round_id'))
    )
    op.create_table('initiative_attachments',
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('attachment_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['attachment_id'], ['attachments.id'], name=op.f('fk_initiative_attachments_attachment_id_attachments')),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiatives.id'], name=op.f('fk_initiative_attachments_initiative_id_initiatives'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('initiative_id', 'attachment_id', name=op.f('pk_initiative_attachments'))
    )
    op.create_table('initiative_authors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('external_name', sa.String(length=120), nullable=False),
    sa.Column('date_of_birth', sa.Date(), nullable=True),
    sa.Column('qualification', sa.String(length=120), nullable=False),
    sa.Column('share', sa.Integer(), nullable=False),
    sa.CheckConstraint("user_id IS NOT NULL OR external_name <> ''", name=op.f('ck_initiative_authors_author_is_named')),
    sa.CheckConstraint('share > 0 AND share <= 100', name=op.f('ck_initiative_authors_share_in_range')),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiatives.id'], name=op.f('fk_initiative_authors_initiative_id_initiatives'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_initiative_authors_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_initiative_authors')),
    sa.UniqueConstraint('initiative_id', 'user_id', name='uq_initiative_authors_user')
    )
    with op.batch_alter_table('initiative_authors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_initiative_authors_initiative_id'), ['initiative_id'], unique=False)

    op.create_table('council_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('council_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.String(length=16), nullable=False),
    sa.CheckConstraint("position IN ('chair', 'secretary', 'member')", name=op.f('ck_council_members_position_known')),
    sa.ForeignKeyConstraint(['council_id'], ['councils.id'], name=op.f('fk_council_members_council_id_councils'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_council_members_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_council_members')),
    sa.UniqueConstraint('council_id', 'user_id', name='uq_council_members_user')
    )
    with op.batch_alter_table('council_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_council_members_council_id'), ['council_id'], unique=False)

    op.create_table('scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('points', sa.JSON(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('recommend', sa.Boolean(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reopened', sa.Boolean(), nullable=False),
    sa.Column('reopen_reason', sa.Text(), nullable=False),
    sa.CheckConstraint('total >= 0', name=op.f('ck_scores_total_not_negative')),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiatives.id'], name=op.f('fk_scores_initiative_id_initiatives')),
    sa.ForeignKeyConstraint(['member_id'], ['council_members.id'], name=op.f('fk_scores_member_id_council_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scores')),
    sa.UniqueConstraint('member_id', 'initiative_id', name='uq_scores_member_initiative')
    )
    with op.batch_alter_table('scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scores_initiative_id'), ['initiative_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_scores_member_id'), ['member_id'], unique=False)



def downgrade():
    with op.batch_alter_table('scores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scores_member_id'))
        batch_op.drop_index(batch_op.f('ix_scores_initiative_id'))

    op.drop_table('scores')
    with op.batch_alter_table('council_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_council_members_council_id'))

    op.drop_table('council_members')
    with op.batch_alter_table('initiative_authors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_initiative_authors_initiative_id'))

    op.drop_table('initiative_authors')
    op.drop_table('initiative_attachments')
    op.drop_table('councils')
    with op.batch_alter_table('initiatives', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_initiatives_round_id'))
        batch_op.drop_index(batch_op.f('ix_initiatives_office_id'))

    op.drop_table('initiatives')
    with op.batch_alter_table('initiative_reopenings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_initiative_reopenings_round_id'))

    op.drop_table('initiative_reopenings')
    op.drop_table('initiative_rounds')

"""Corrections: reports of wrong questions (one open per person and question), the
corrections applied to questions (a new key, several answers accepted, a void), and
the notes the results pages show of them.

Revision ID: 476a13571190
Revises: 7367d85ee71e
Create Date: 2026-11-30 05:05:38.103651

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '476a13571190'
down_revision = '7367d85ee71e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('correction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('from_version_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=True),
    sa.Column('covers_up_to', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('applied_at', sa.DateTime(), nullable=False),
    sa.Column('applied_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('key', 'accept', 'void_full', 'void_drop')", name=op.f('ck_correction_kind')),
    sa.CheckConstraint('covers_up_to >= 1', name=op.f('ck_correction_covers_positive')),
    sa.ForeignKeyConstraint(['applied_by_id'], ['user.id'], name=op.f('fk_correction_applied_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['from_version_id'], ['question_version.id'], name=op.f('fk_correction_from_version_id_question_version'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_correction_question_id_question'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['question_version.id'], name=op.f('fk_correction_version_id_question_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_correction'))
    )
    with op.batch_alter_table('correction', schema=None) as batch_op:
        batch_op.create_index('ix_correction_question', ['question_id', 'id'], unique=False)

    op.create_table('correction_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('correction_id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['contest_id'], ['contest.id'], name=op.f('fk_correction_note_contest_id_contest'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['correction_id'], ['correction.id'], name=op.f('fk_correction_note_correction_id_correction'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_correction_note_round_id_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_correction_note'))
    )
    with op.batch_alter_table('correction_note', schema=None) as batch_op:
        batch_op.create_index('ix_correction_note_contest', ['contest_id', 'round_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_correction_note_correction_id'), ['correction_id'], unique=False)
        batch_op.create_index('ix_correction_note_round', ['round_id'], unique=False)

    op.create_table('question_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=True),
    sa.Column('attempt_id', sa.Integer(), nullable=True),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.Column('reporter_id', sa.Integer(), nullable=True),
    sa.Column('student_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('resolution', sa.String(length=10), nullable=True),
    sa.Column('correction_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("resolution IS NULL OR resolution IN ('corrected', 'dismissed')", name=op.f('ck_question_report_resolution')),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempt.id'], name=op.f('fk_question_report_attempt_id_attempt'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['closed_by_id'], ['user.id'], name=op.f('fk_question_report_closed_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['correction_id'], ['correction.id'], name=op.f('fk_question_report_correction_id_correction'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_question_report_question_id_question'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reporter_id'], ['user.id'], name=op.f('fk_question_report_reporter_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], name=op.f('fk_question_report_round_id_round'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['student_id'], ['student.id'], name=op.f('fk_question_report_student_id_student'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['question_version.id'], name=op.f('fk_question_report_version_id_question_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question_report'))
    )
    with op.batch_alter_table('question_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_report_attempt_id'), ['attempt_id'], unique=False)
        batch_op.create_index('ix_question_report_question', ['question_id', 'closed_at'], unique=False)
        batch_op.create_index('ix_question_report_reporter', ['reporter_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_question_report_student_id'), ['student_id'], unique=False)
        batch_op.create_index('uq_question_report_open', ['reporter_id', 'question_id'], unique=True, sqlite_where=sa.text('closed_at IS NULL'), postgresql_where=sa.text('closed_at IS NULL'))



def downgrade():
    with op.batch_alter_table('question_report', schema=None) as batch_op:
        batch_op.drop_index('uq_question_report_open', sqlite_where=sa.text('closed_at IS NULL'), postgresql_where=sa.text('closed_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_question_report_student_id'))
        batch_op.drop_index('ix_question_report_reporter')
        batch_op.drop_index('ix_question_report_question')
        batch_op.drop_index(batch_op.f('ix_question_report_attempt_id'))

    op.drop_table('question_report')
    with op.batch_alter_table('correction_note', schema=None) as batch_op:
        batch_op.drop_index('ix_correction_note_round')
        batch_op.drop_index(batch_op.f('ix_correction_note_correction_id'))
        batch_op.drop_index('ix_correction_note_contest')

    op.drop_table('correction_note')
    with op.batch_alter_table('correction', schema=None) as batch_op:
        batch_op.drop_index('ix_correction_question')

    op.drop_table('correction')

"""Students keep the Ministry's code (mã định danh Bộ GD&ĐT, from the sector
database's export, unique in the school) and, once they no longer study at the
school, when and why (thôi học, chuyển trường, bảo lưu, tốt nghiệp): such students
are kept but not counted. Existing students are all studying (no value to fill).

Revision ID: 598f1f00a993
Revises: 7ff22758b501
Create Date: 2026-11-30 04:42:19.626094

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '598f1f00a993'
down_revision = '7ff22758b501'
branch_labels = None
depends_on = None

# Frozen here as app/org/models.py's LeftReason has them.
LEFT_REASONS = "'thoi_hoc', 'chuyen_truong', 'bao_luu', 'tot_nghiep'"


def upgrade():
    with op.batch_alter_table('student', schema=None) as batch_op:
        batch_op.add_column(sa.Column('moet_code', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('left_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('left_reason', sa.String(length=16), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_student_school_id_moet_code'), ['school_id', 'moet_code'])
        batch_op.create_check_constraint(op.f('ck_student_left_reason'),
                                         f"left_reason IS NULL OR left_reason IN ({LEFT_REASONS})")
        batch_op.create_check_constraint(op.f('ck_student_left_has_reason'),
                                         "(left_at IS NULL) = (left_reason IS NULL)")


def downgrade():
    with op.batch_alter_table('student', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_student_left_has_reason'), type_='check')
        batch_op.drop_constraint(op.f('ck_student_left_reason'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_student_school_id_moet_code'), type_='unique')
        batch_op.drop_column('left_reason')
        batch_op.drop_column('left_at')
        batch_op.drop_column('moet_code')

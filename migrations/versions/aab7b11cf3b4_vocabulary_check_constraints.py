"""Check constraints of the vocabularies that had none: a question version's type and
text format, prizes of awards and entries, a school's level, a judging panel's category

Revision ID: aab7b11cf3b4
Revises: 6117cca34b05
Create Date: 2026-11-29 22:32:35.355962

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'aab7b11cf3b4'
down_revision = '6117cca34b05'
branch_labels = None
depends_on = None

# Frozen here as the enums had them (app/core/vocabulary.py and the models).
TYPES = "'multichoice', 'truefalse', 'shortanswer', 'numerical', 'matching', 'essay', 'description'"
TEXT_FORMATS = "'moodle', 'html', 'markdown', 'plain'"
PRIZES = "'nhat', 'nhi', 'ba', 'kk'"
SCHOOL_LEVELS = "'THCS', 'THPT', 'THCS-THPT', 'TH-THCS', 'GDNN-GDTX'"
CATEGORIES = "'poster', 'model', 'video'"

CHECKS = (
    ('question_version', 'ck_question_version_qtype', f"qtype IN ({TYPES})"),
    ('question_version', 'ck_question_version_text_format', f"text_format IN ({TEXT_FORMATS})"),
    ('award', 'ck_award_prize', f"prize IN ({PRIZES})"),
    ('entry', 'ck_entry_prize', f"prize IS NULL OR prize IN ({PRIZES})"),
    ('unit', 'ck_unit_level', f"level IS NULL OR level IN ({SCHOOL_LEVELS})"),
    ('judging_panel', 'ck_judging_panel_category', f"category IN ({CATEGORIES})"),
)


def upgrade():
    # Data first. A version's type is its question's (checked since the first revision);
    # an unknown text format is read as Moodle's, the readers' default.
    op.execute(f"UPDATE question_version SET qtype = (SELECT q.qtype FROM question q WHERE q.id = question_version.question_id) "
               f"WHERE qtype NOT IN ({TYPES})")
    op.execute(f"UPDATE question_version SET text_format = 'moodle' WHERE text_format NOT IN ({TEXT_FORMATS})")
    # The others were only ever written from the vocabularies: check, and say where if not.
    connection = op.get_bind()
    for table, name, condition in CHECKS:
        bad = connection.execute(sa.text(f"SELECT count(*) FROM {table} WHERE NOT ({condition})")).scalar()
        if bad:
            raise RuntimeError(f"{bad} rows of {table} break {name} ({condition}): correct them, then upgrade again")
    for table, name, condition in CHECKS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_check_constraint(op.f(name), condition)


def downgrade():
    for table, name, _ in reversed(CHECKS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(name), type_='check')

"""Vocabularies stored as strings: one str enum each, its labels, and the CHECK
constraints the models make from it, present in the database the migrations build."""
import pytest
from sqlalchemy import CheckConstraint, inspect, text
from sqlalchemy.exc import IntegrityError

from app.core.vocabulary import Prize
from app.entries.forms import CategoryPrizesForm
from app.entries.models import EntryCategory
from app.extensions import db
from app.core.forms import PRIZE_FIELDS, PrizeCountsForm
from app.core.prizes import PRIZES


def test_prizes_keep_their_stored_keys_and_have_one_label_each():
    assert Prize.values() == ("nhat", "nhi", "ba", "kk")
    assert Prize.FIRST == "nhat" and f"{Prize.CONSOLATION}" == "kk"
    assert PRIZES == PRIZE_FIELDS == (("nhat", "Giải Nhất"), ("nhi", "Giải Nhì"), ("ba", "Giải Ba"),
                                      ("kk", "Giải Khuyến khích"))
    # The prize-count subforms spell the vocabulary out as fields: one per prize, one per category.
    assert tuple((f.short_name, f.label.text) for f in PrizeCountsForm()) == PRIZE_FIELDS
    assert tuple(f.short_name for f in CategoryPrizesForm()) == EntryCategory.values()


def test_every_check_constraint_of_the_models_is_in_the_migrated_database(app):
    # compare_metadata (tests/test_migrations.py) does not look at CHECK constraints.
    inspector = inspect(db.engine)
    for table in db.metadata.sorted_tables:
        wanted = {c.name for c in table.constraints if isinstance(c, CheckConstraint)}
        present = {c["name"] for c in inspector.get_check_constraints(table.name)}
        assert wanted <= present, (table.name, wanted - present)


@pytest.mark.parametrize("statement", [
    "UPDATE unit SET level = 'Tiểu học' WHERE kind = 'school'",
    "UPDATE question_version SET text_format = 'rtf'",
    "UPDATE question_version SET qtype = 'cloze'",
])
def test_the_database_refuses_a_value_outside_the_vocabulary(tree, statement):
    from app.quiz.banks.formats import new_question, answer
    from app.quiz.banks.services import create_bank, import_questions
    bank = create_bank(None, tree.so, code="VOC", name="Thử")
    import_questions(None, bank, [new_question("multichoice", "Câu?", answers=[answer("A", 1.0), answer("B", 0.0)])])
    db.session.flush()
    with pytest.raises(IntegrityError):
        db.session.execute(text(statement))
        db.session.flush()
    db.session.rollback()

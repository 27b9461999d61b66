"""The one door for access: which units, schools, classes, students and users a user
may see. Views fetch by id only through the `get_*_or_404` helpers here, so an id
from another school answers 404 whatever the URL.
"""
from flask import abort
from sqlalchemy import and_, false, select, true

from app.accounts.roles import Role
from app.extensions import db


def _models():
    from app.accounts.models import User
    from app.org.models import SchoolClass, Student, Unit, UnitClosure, class_teacher
    return User, Unit, UnitClosure, SchoolClass, Student, class_teacher


def subtree_ids(unit_id):
    """Ids of the unit and every unit below it (one indexed query on the closure table)."""
    _, _, UnitClosure, *_ = _models()
    return select(UnitClosure.descendant_id).where(UnitClosure.ancestor_id == unit_id)


def unit_ids_visible(user):
    """Select of unit ids the user may see, or None for all."""
    if user.role_enum.sees_all:
        return None
    if user.role_enum.sees_subtree and user.unit_id:
        return subtree_ids(user.unit_id)
    _, Unit, *_ = _models()
    return select(Unit.id).where(false())


def units_query(user):
    _, Unit, *_ = _models()
    ids = unit_ids_visible(user)
    query = select(Unit)
    return query if ids is None else query.where(Unit.id.in_(ids))


def schools_query(user):
    _, Unit, *_ = _models()
    return units_query(user).where(Unit.kind == "school")


def classes_query(user):
    """Teachers see the classes given to them; other staff every class of their subtree."""
    User, Unit, UnitClosure, SchoolClass, Student, class_teacher = _models()
    query = select(SchoolClass)
    if user.role_enum.sees_taught_classes_only:
        return query.join(class_teacher, class_teacher.c.class_id == SchoolClass.id).where(
            and_(class_teacher.c.user_id == user.id, SchoolClass.school_id == user.unit_id)
        )
    ids = unit_ids_visible(user)
    return query if ids is None else query.where(SchoolClass.school_id.in_(ids))


def students_query(user):
    User, Unit, UnitClosure, SchoolClass, Student, class_teacher = _models()
    query = select(Student)
    if user.role_enum.sees_own_work_only:
        return query.where(Student.id == user.student_id)
    if user.role_enum.sees_taught_classes_only:
        class_ids = select(class_teacher.c.class_id).where(class_teacher.c.user_id == user.id)
        return query.where(Student.class_id.in_(class_ids), Student.school_id == user.unit_id)
    ids = unit_ids_visible(user)
    return query if ids is None else query.where(Student.school_id.in_(ids))


def users_query(user):
    """Staff accounts a user may manage, inside its subtree (admin: all). Student
    accounts are managed through their student (`get_student_or_404`)."""
    User, *_ = _models()
    query = select(User)
    if user.role_enum.sees_all:
        return query
    if user.role_enum.account_roles_managed:
        return query.where(User.unit_id.in_(subtree_ids(user.unit_id)),
                           User.role.in_(user.role_enum.account_roles_managed))
    return query.where(false())


def _one_or_404(query):
    obj = db.session.execute(query).scalars().first()
    if obj is None:
        abort(404)
    return obj


def count_rows(query):
    """How many rows a select returns (for paging and download limits)."""
    from sqlalchemy import func
    return db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()


def get_unit_or_404(user, unit_id):
    _, Unit, *_ = _models()
    return _one_or_404(units_query(user).where(Unit.id == unit_id))


def get_school_or_404(user, school_id):
    _, Unit, *_ = _models()
    return _one_or_404(schools_query(user).where(Unit.id == school_id))


def get_class_or_404(user, class_id):
    *_, SchoolClass, _, _ = _models()
    return _one_or_404(classes_query(user).where(SchoolClass.id == class_id))


def get_student_or_404(user, student_id):
    *_, Student, _ = _models()
    return _one_or_404(students_query(user).where(Student.id == student_id))


def get_user_or_404(user, user_id):
    User, *_ = _models()
    return _one_or_404(users_query(user).where(User.id == user_id))


# Question banks: a bank of a unit serves that unit's whole part of the tree, so a
# school's staff use their Sở's bank, and a Sở sees the banks of its schools.


def _bank_models():
    from app.quiz.models import Question, QuestionBank
    return QuestionBank, Question


def banks_query(user):
    QuestionBank, _ = _bank_models()
    return select(QuestionBank).where(_in_reach(user, QuestionBank.unit_id))


def _in_reach(user, column):
    """Condition on a unit column: the user's unit, the units above it and below it (admin: all)."""
    _, _, UnitClosure, *_ = _models()
    if user.role_enum.sees_all:
        return true()
    if not user.role_enum.is_staff or not user.unit_id:
        return false()
    above = select(UnitClosure.ancestor_id).where(UnitClosure.descendant_id == user.unit_id)
    return column.in_(above) | column.in_(subtree_ids(user.unit_id))


def contests_query(user):
    """Contests a staff member works with: of their unit, the units above (the Sở's
    contest a school runs) and the units below."""
    from app.quiz.models import Contest
    return select(Contest).where(_in_reach(user, Contest.unit_id))


def get_contest_or_404(user, contest_id):
    from app.quiz.models import Contest
    return _one_or_404(contests_query(user).where(Contest.id == contest_id))


def get_round_or_404(user, round_id):
    from app.quiz.models import Contest, Round
    return _one_or_404(select(Round).join(Contest, Round.contest_id == Contest.id).where(
        Round.id == round_id, _in_reach(user, Contest.unit_id)))


def can_manage_contest(user, contest):
    """Change a contest and its rounds: the owning unit's staff and the units above."""
    return can_edit_bank(user, contest)


def get_bank_or_404(user, bank_id):
    QuestionBank, _ = _bank_models()
    return _one_or_404(banks_query(user).where(QuestionBank.id == bank_id))


def get_question_or_404(user, question_id):
    QuestionBank, Question = _bank_models()
    return _one_or_404(select(Question).where(
        Question.id == question_id, Question.bank_id.in_(banks_query(user).with_only_columns(QuestionBank.id))))


def get_attempt_or_404(user, attempt_id):
    """A student's own attempt; staff: attempts of the students they may see."""
    from app.quiz.models import Attempt
    *_, Student, _ = _models()
    query = select(Attempt).where(Attempt.id == attempt_id)
    if user.role_enum.sees_own_work_only:
        return _one_or_404(query.where(Attempt.student_id == user.student_id))
    return _one_or_404(query.where(Attempt.student_id.in_(students_query(user).with_only_columns(Student.id))))


def can_edit_bank(user, bank):
    """Change questions, import, retire: the bank's own unit and the units above it.
    (Also used for contests: anything with a `unit_id`.)"""
    if user.role_enum.sees_all:
        return True
    if user.role_enum.edits_subtree_banks:
        return is_within(bank.unit_id, user.unit_id)
    if user.role_enum.edits_own_unit_banks:
        return bank.unit_id == user.unit_id
    return False


def can_export_bank(user, bank, now):
    """Download a bank with its answers: whoever sees it, except while a round drawing
    from it is open or scheduled; then only the managing staff of the bank's own unit
    (admin: always), so a teacher cannot hand a running contest's answers around."""
    if user.role_enum.sees_all:
        return True
    from app.quiz.models import Contest, Round
    in_use = db.session.execute(select(Round.id).join(Contest, Round.contest_id == Contest.id).where(
        Contest.bank_id == bank.id, Round.practice.is_(False), Round.closes_at > now).limit(1)).first()
    if in_use is None:
        return True
    return user.role_enum.manages_unit and user.unit_id == bank.unit_id


def bank_units_query(user):
    """Units a user may create a bank for: its own (admin: any Sở or school)."""
    _, Unit, *_ = _models()
    if user.role_enum.sees_all:
        return select(Unit)
    if user.role_enum.is_staff and user.unit_id:
        return select(Unit).where(Unit.id == user.unit_id)
    return select(Unit).where(false())


# What a role may change, asked by views before they call a service.

def can_manage_tree(user):
    return user.role_enum.manages_tree


def can_manage_school(user, school):
    """Create classes and staff, assign teachers, import rosters for any class."""
    role = user.role_enum
    if not role.manages_school:
        return False
    if role.sees_all:
        return True
    if role.works_in_school:
        return user.unit_id == school.id
    return is_within(school.id, user.unit_id)


def can_manage_class(user, school_class):
    """Import the roster and print login cards of a class."""
    if user.role_enum.teaches_classes:
        return user.unit_id == school_class.school_id and any(
            t.id == user.id for t in school_class.teachers
        )
    return can_manage_school(user, school_class.school)


def is_within(unit_id, ancestor_id):
    _, _, UnitClosure, *_ = _models()
    return db.session.execute(
        select(UnitClosure.depth).where(
            UnitClosure.ancestor_id == ancestor_id, UnitClosure.descendant_id == unit_id
        )
    ).first() is not None


# Creative contests and their entries -------------------------------------------------

def creative_contests_query(user):
    """Creative contests a user works with: staff as for quiz contests; a student those
    of the units above their school that are open to students."""
    from app.entries.models import CreativeContest
    User, Unit, UnitClosure, SchoolClass, Student, class_teacher = _models()
    if user.role_enum.sees_own_work_only:
        school = select(Student.school_id).where(Student.id == user.student_id).scalar_subquery()
        above = select(UnitClosure.ancestor_id).where(UnitClosure.descendant_id == school)
        return select(CreativeContest).where(CreativeContest.unit_id.in_(above), CreativeContest.published.is_(True))
    return select(CreativeContest).where(_in_reach(user, CreativeContest.unit_id))


def get_creative_contest_or_404(user, contest_id):
    from app.entries.models import CreativeContest
    return _one_or_404(creative_contests_query(user).where(CreativeContest.id == contest_id))


def entries_query(user):
    """Entries a user may open with names: a student their own team's; a teacher those
    they advise or created; school staff their school's; unit staff their subtree's.
    Judges see entries only blind, through their assignments."""
    from app.entries.models import Entry, EntryMember
    query = select(Entry)
    role = user.role_enum
    if role.sees_all:
        return query
    if role.sees_own_work_only:
        mine = select(EntryMember.entry_id).where(EntryMember.student_id == user.student_id)
        return query.where(Entry.id.in_(mine))
    if role.sees_taught_classes_only:
        return query.where(Entry.school_id == user.unit_id,
                           (Entry.advisor_id == user.id) | (Entry.created_by == user.id))
    if role.sees_subtree and user.unit_id:
        return query.where(Entry.school_id.in_(subtree_ids(user.unit_id)))
    return query.where(false())


def get_entry_or_404(user, entry_id):
    from app.entries.models import Entry
    return _one_or_404(entries_query(user).where(Entry.id == entry_id))


def can_review_entry(user, entry):
    """Approve or return an entry in the school round: the school's own admin."""
    return user.role_enum.sees_all or (user.role_enum.reviews_school_entries and user.unit_id == entry.school_id)


def judges_query(user):
    """Active judge accounts a contest's staff may put on a panel: those of no unit
    (the Sở's invited experts) and those in the user's reach."""
    User, *_ = _models()
    return select(User).where(User.role == Role.JUDGE, User.active.is_(True),
                              User.unit_id.is_(None) | _in_reach(user, User.unit_id))


def get_assignment_or_404(user, assignment_id):
    """A judge's own assignment; nobody else opens it."""
    from app.entries.models import Assignment
    if not user.role_enum.judges_entries:
        abort(404)
    return _one_or_404(select(Assignment).where(Assignment.id == assignment_id, Assignment.judge_id == user.id))


def can_manage_creative(user, contest):
    """Change a creative contest, its rubrics and panels, publish its results: the
    owning unit's staff and the units above (not teachers)."""
    return user.role_enum.manages_contests and can_edit_bank(user, contest)


# Certificates ---------------------------------------------------------------------------

def certificates_query(user):
    """Certificates a user may download: a student their own; a teacher those of the
    classes they teach; other staff those of the schools and units of their subtree."""
    from app.certificates.models import Certificate
    User, Unit, UnitClosure, SchoolClass, Student, class_teacher = _models()
    query = select(Certificate)
    role = user.role_enum
    if role.sees_all:
        return query
    if role.sees_own_work_only:
        return query.where(Certificate.student_id == user.student_id)
    if role.sees_taught_classes_only:
        class_ids = select(class_teacher.c.class_id).where(class_teacher.c.user_id == user.id)
        return query.where(Certificate.class_id.in_(class_ids), Certificate.school_id == user.unit_id)
    if role.sees_subtree and user.unit_id:
        under = subtree_ids(user.unit_id)
        return query.where(Certificate.school_id.in_(under) | Certificate.recipient_unit_id.in_(under))
    return query.where(false())


def get_certificate_or_404(user, certificate_id):
    from app.certificates.models import Certificate
    return _one_or_404(certificates_query(user).where(Certificate.id == certificate_id))


def can_manage_certificates(user, owner):
    """Design the template, issue and revoke: whoever manages the contest (not teachers)."""
    from app.quiz.models import Contest
    if isinstance(owner, Contest):
        return user.role_enum.manages_contests and can_manage_contest(user, owner)
    return can_manage_creative(user, owner)

"""Who sees and changes which question banks, contests, rounds, attempts and class
sessions. A bank or contest of a unit serves that unit's whole part of the tree, so a
school's staff use their Sở's bank and run its contest, and a Sở sees its schools'.
Views load these by id only through the loaders here.

The busiest route, saving an answer, checks ownership inside its own SQL
(`attempts.save_answer_for_login`) and falls back to `get_attempt_or_404` to say why
it refused."""
from flask import abort
from sqlalchemy import false, select
from sqlalchemy.orm import joinedload

from app.core.scope import get_or_404, in_reach, is_within, may_edit_unit_owned, subtree_ids
from app.extensions import db
from app.org.access import can_manage_class, get_class_or_404, students_query
from app.org.models import Student, Unit, stage_of
from app.quiz.models import Attempt, ClassSession, Contest, Question, QuestionBank, Round


def may_take(student, round_):
    """A contest is for the students of its unit's part of the tree and of its levels."""
    contest = round_.contest
    return stage_of(student) in contest.level_list and is_within(student.school_id, contest.unit_id)


def banks_query(user):
    return select(QuestionBank).where(in_reach(user, QuestionBank.unit_id))


def get_bank_or_404(user, bank_id):
    return get_or_404(banks_query(user).where(QuestionBank.id == bank_id))


def get_question_or_404(user, question_id):
    return get_or_404(select(Question).where(
        Question.id == question_id, Question.bank_id.in_(banks_query(user).with_only_columns(QuestionBank.id))))


def can_edit_bank(user, bank):
    """Change questions, import, retire: the bank's own unit and the units above it."""
    return may_edit_unit_owned(user, bank.unit_id)


def can_export_bank(user, bank, now):
    """Download a bank with its answers: whoever sees it, except while a round drawing
    from it is open or scheduled; then only the managing staff of the bank's own unit
    (admin: always), so a teacher cannot hand a running contest's answers around."""
    if user.role_enum.sees_all:
        return True
    in_use = db.session.execute(select(Round.id).join(Contest, Round.contest_id == Contest.id).where(
        Contest.bank_id == bank.id, Round.practice.is_(False), Round.closes_at > now).limit(1)).first()
    if in_use is None:
        return True
    return user.role_enum.manages_unit and user.unit_id == bank.unit_id


def bank_units_query(user):
    """Units a user may create a bank for: its own (admin: any Sở or school)."""
    if user.role_enum.sees_all:
        return select(Unit)
    if user.role_enum.is_staff and user.unit_id:
        return select(Unit).where(Unit.id == user.unit_id)
    return select(Unit).where(false())


def contests_query(user):
    """Contests a staff member works with: of their unit, the units above (the Sở's
    contest a school runs) and the units below."""
    return select(Contest).where(in_reach(user, Contest.unit_id))


def get_contest_or_404(user, contest_id):
    return get_or_404(contests_query(user).where(Contest.id == contest_id))


def get_round_or_404(user, round_id):
    return get_or_404(select(Round).join(Contest, Round.contest_id == Contest.id).where(
        Round.id == round_id, in_reach(user, Contest.unit_id)))


def can_manage_contest(user, contest):
    """Change a contest and its rounds: the owning unit's staff and the units above."""
    return may_edit_unit_owned(user, contest.unit_id)


def get_published_contest_or_404(contest_id):
    """A contest whose overall results are published: public by design."""
    return get_or_404(select(Contest).where(Contest.id == contest_id, Contest.results_published_at.is_not(None))
                      .options(joinedload(Contest.unit)))


def get_published_round_or_404(round_id):
    """A round whose results are published: public by design (with its contest and unit, which the page names)."""
    return get_or_404(select(Round).where(Round.id == round_id, Round.results_published_at.is_not(None))
                      .options(joinedload(Round.contest).joinedload(Contest.unit)))


def results_published_at_or_404(model, id_):
    """When the results of a round or a contest (`model`) were published, or 404: the
    version of its public pages, read alone (a cached page needs nothing else)."""
    published_at = db.session.execute(select(model.results_published_at).where(model.id == id_)).scalar()
    if published_at is None:
        abort(404)
    return published_at


def results_scope(user, contest):
    """Which lines of a contest's rankings a staff member sees, as (attribute, select of
    ids): the results made in a school of their part of the tree ("school_id"), a
    teacher's those of the students of their classes ("student_id"); None when that is
    every line (admin, or the contest's unit lies within theirs: every participant's
    school does). Ranks stay those among all participants."""
    role = user.role_enum
    if role.sees_all:
        return None
    if role.sees_taught_classes_only:
        return "student_id", students_query(user).with_only_columns(Student.id)
    if role.is_staff and role.sees_subtree and user.unit_id:
        if is_within(contest.unit_id, user.unit_id):
            return None
        return "school_id", subtree_ids(user.unit_id)
    return "student_id", select(Student.id).where(false())


def get_startable_round_or_404(student, round_id):
    """A round of a published contest meant for this student (their unit's part of the
    tree, their stage)."""
    round_ = get_or_404(select(Round).where(Round.id == round_id))
    if not may_take(student, round_) or not round_.contest.published:
        abort(404)
    return round_


def get_attempt_or_404(user, attempt_id):
    """A student's own attempt; staff: attempts of the students they may see."""
    query = select(Attempt).where(Attempt.id == attempt_id)
    if user.role_enum.sees_own_work_only:
        return get_or_404(query.where(Attempt.student_id == user.student_id))
    return get_or_404(query.where(Attempt.student_id.in_(students_query(user).with_only_columns(Student.id))))


def get_class_session_or_404(user, session_id):
    """A session of a class the user may manage (the teacher of the class, school staff)."""
    session_ = get_or_404(select(ClassSession).where(ClassSession.id == session_id))
    school_class = get_class_or_404(user, session_.class_id)
    if not can_manage_class(user, school_class):
        abort(404)
    return session_


def join_candidates_query(session_):
    """The class list of an open session, for a student without a password to pick
    their name from (found by the session's code; confirmed by the birth date)."""
    return select(Student).where(Student.class_id == session_.class_id)

"""Who sees which creative contests, entries, files and judging assignments. Views
load these by id only through the loaders here; judges see entries only blind,
through their own assignments."""
from flask import abort
from sqlalchemy import false, select

from app.accounts.models import User
from app.accounts.roles import Role
from app.core.scope import ancestor_ids, get_or_404, in_reach, may_edit_unit_owned, subtree_ids
from app.entries.models import Assignment, CreativeContest, Entry, EntryFile, EntryMember, EntryUpload
from app.extensions import db
from app.org.access import classes_query
from app.org.models import SchoolClass, Student


def creative_contests_query(user):
    """Creative contests a user works with: staff as for quiz contests; a student those
    of the units above their school that are open to students."""
    if user.role_enum.sees_own_work_only:
        school = select(Student.school_id).where(Student.id == user.student_id).scalar_subquery()
        return select(CreativeContest).where(CreativeContest.unit_id.in_(ancestor_ids(school)),
                                             CreativeContest.published.is_(True))
    return select(CreativeContest).where(in_reach(user, CreativeContest.unit_id))


def get_creative_contest_or_404(user, contest_id):
    return get_or_404(creative_contests_query(user).where(CreativeContest.id == contest_id))


def can_manage_creative(user, contest):
    """Change a creative contest, its rubrics and panels, publish its results: the
    owning unit's staff and the units above (not teachers)."""
    return user.role_enum.manages_contests and may_edit_unit_owned(user, contest.unit_id)


def entries_query(user):
    """Entries a user may open with names: a student their own team's; a teacher those
    they advise or created; school staff their school's; unit staff their subtree's.
    Judges see entries only blind, through their assignments."""
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
    return get_or_404(entries_query(user).where(Entry.id == entry_id))


def can_review_entry(user, entry):
    """Approve or return an entry in the school round: the school's own admin."""
    return user.role_enum.sees_all or (user.role_enum.reviews_school_entries and user.unit_id == entry.school_id)


def team_candidates_query(user, contest, school_id):
    """Students a maker may put on a team: of the school and the contest's year; a
    student only their classmates (a school has a thousand students), a teacher only
    the classes they teach."""
    students = select(Student).join(SchoolClass, SchoolClass.id == Student.class_id).where(
        Student.school_id == school_id, SchoolClass.school_year == contest.school_year)
    if user.role_enum.enters_as_team_member:
        return students.where(Student.class_id == user.student.class_id, Student.id != user.student_id)
    if user.role_enum.sees_taught_classes_only:
        return students.where(Student.class_id.in_(classes_query(user).with_only_columns(SchoolClass.id)))
    return students


# The gallery: public by design once a contest's results are published.

def published_entries(query):
    """Entries in the gallery: scored in the provincial round of a contest whose results are public."""
    return query.join(CreativeContest, CreativeContest.id == Entry.contest_id).where(
        CreativeContest.results_published_at.is_not(None), Entry.final_score.is_not(None))


def in_gallery(entry):
    return entry is not None and entry.contest.results_published_at is not None and entry.final_score is not None


def get_gallery_entry_or_404(entry_id):
    entry = db.session.get(Entry, entry_id)
    if not in_gallery(entry):
        abort(404)
    return entry


def get_file_or_404(user, file_id):
    """(file, entry) for whoever may see the entry, a judge it is assigned to, or anyone
    once the results are published and the entry is in the gallery. `user` may be
    anonymous."""
    record = db.session.get(EntryFile, file_id)
    if record is None:
        abort(404)
    entry = db.session.get(Entry, record.entry_id)
    if in_gallery(entry):
        return record, entry
    if not user.is_authenticated:
        abort(404)
    if user.role_enum.judges_entries:
        allowed = db.session.execute(select(Assignment.id).where(Assignment.entry_id == entry.id,
                                                                 Assignment.judge_id == user.id)).first()
    else:
        allowed = db.session.execute(entries_query(user).where(Entry.id == entry.id)).first()
    if allowed is None:
        abort(404)
    return record, entry


def get_upload_or_404(user, upload_id):
    """A chunked upload (app.entries.uploads), for the user who began it and nobody else."""
    return get_or_404(select(EntryUpload).where(EntryUpload.id == str(upload_id), EntryUpload.user_id == user.id))


# Judging

def judges_query(user):
    """Active judge accounts a contest's staff may put on a panel: those of no unit
    (the Sở's invited experts) and those in the user's reach."""
    return select(User).where(User.role == Role.JUDGE, User.active.is_(True),
                              User.unit_id.is_(None) | in_reach(user, User.unit_id))


def assignments_of(user):
    """A judge's own assignments."""
    return select(Assignment).where(Assignment.judge_id == user.id)


def get_assignment_or_404(user, assignment_id):
    """A judge's own assignment; nobody else opens it."""
    if not user.role_enum.judges_entries:
        abort(404)
    return get_or_404(assignments_of(user).where(Assignment.id == assignment_id))

"""The generic door for access, over the unit tree: which units a user sees, whether a
unit is within another, and `get_or_404(query)`. Each feature keeps its own rules
beside what they protect, in its `access.py` (`app.org.access`, `app.quiz.access`,
`app.entries.access`, `app.certificates.access`, `app.coverage.access`), built on
these; views load objects by id only through those, so an id from another school
answers 404 whatever the URL.
"""
from flask import abort
from sqlalchemy import false, func, select, true

from app.extensions import db
from app.org.models import UnitClosure


def get_or_404(query):
    """The first object a select returns, or 404."""
    obj = db.session.execute(query).scalars().first()
    if obj is None:
        abort(404)
    return obj


def count_rows(query):
    """How many rows a select returns (for paging and download limits)."""
    return db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()


def subtree_ids(unit_id):
    """Ids of the unit and every unit below it (one indexed query on the closure table)."""
    return select(UnitClosure.descendant_id).where(UnitClosure.ancestor_id == unit_id)


def ancestor_ids(unit_id):
    """Ids of the unit and every unit above it."""
    return select(UnitClosure.ancestor_id).where(UnitClosure.descendant_id == unit_id)


def is_within(unit_id, ancestor_id):
    return db.session.execute(
        select(UnitClosure.depth).where(
            UnitClosure.ancestor_id == ancestor_id, UnitClosure.descendant_id == unit_id
        )
    ).first() is not None


def unit_ids_visible(user):
    """Select of unit ids the user may see, or None for all."""
    if user.role_enum.sees_all:
        return None
    if user.role_enum.sees_subtree and user.unit_id:
        return subtree_ids(user.unit_id)
    return select(UnitClosure.descendant_id).where(false())


def in_subtree(user, column):
    """Condition on a unit column: within the units the user sees (admin: all)."""
    ids = unit_ids_visible(user)
    return true() if ids is None else column.in_(ids)


def in_reach(user, column):
    """Condition on a unit column: the user's unit, the units above it and below it
    (admin: all). Banks, contests and judges of a unit serve its whole part of the tree."""
    if user.role_enum.sees_all:
        return true()
    if not user.role_enum.is_staff or not user.unit_id:
        return false()
    return column.in_(ancestor_ids(user.unit_id)) | column.in_(subtree_ids(user.unit_id))


def may_edit_unit_owned(user, unit_id):
    """Change what a unit owns (a bank, a contest): the owning unit's staff and the units
    above it; a school's staff only their own school's."""
    if user.role_enum.sees_all:
        return True
    if user.role_enum.edits_subtree_banks:
        return is_within(unit_id, user.unit_id)
    if user.role_enum.edits_own_unit_banks:
        return unit_id == user.unit_id
    return False

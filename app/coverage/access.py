"""Which schools, classes and units a coverage page shows its viewer."""
from sqlalchemy import and_, select

from app.core.scope import subtree_ids
from app.org.access import classes_query, schools_query, units_query
from app.org.models import SchoolClass, Unit, UnitClosure


def visible_schools_under(user, unit):
    """Select of the ids of the schools under a unit that the viewer may see."""
    return select(Unit.id).where(Unit.id.in_(subtree_ids(unit.id)), Unit.kind == "school",
                                 Unit.id.in_(schools_query(user).with_only_columns(Unit.id)))


def visible_school_ids(user):
    return schools_query(user).with_only_columns(Unit.id)


def visible_class_ids(user):
    """Select of the ids of the classes the viewer may see (a teacher: only theirs)."""
    return classes_query(user).with_only_columns(SchoolClass.id)


def visible_ancestors(user, unit):
    """The units above a unit that the viewer may see, the root first."""
    # the farthest ancestor is the deepest in the closure
    return units_query(user).join(
        UnitClosure, and_(UnitClosure.ancestor_id == Unit.id, UnitClosure.descendant_id == unit.id)
    ).where(Unit.id != unit.id).order_by(UnitClosure.depth.desc())

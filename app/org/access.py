"""Who sees which units, schools, classes, students and staff accounts, and who may
change them. Views load these by id only through the `get_*_or_404` loaders here."""
from sqlalchemy import and_, false, select

from app.accounts.models import User
from app.accounts.roles import Role
from app.core.scope import get_or_404, is_within, subtree_ids, unit_ids_visible
from app.org.models import SchoolClass, Student, Unit, class_teacher


def units_query(user):
    ids = unit_ids_visible(user)
    query = select(Unit)
    return query if ids is None else query.where(Unit.id.in_(ids))


def schools_query(user):
    return units_query(user).where(Unit.kind == "school")


def classes_query(user):
    """Teachers see the classes given to them; other staff every class of their subtree."""
    query = select(SchoolClass)
    if user.role_enum.sees_taught_classes_only:
        return query.join(class_teacher, class_teacher.c.class_id == SchoolClass.id).where(
            and_(class_teacher.c.user_id == user.id, SchoolClass.school_id == user.unit_id)
        )
    ids = unit_ids_visible(user)
    return query if ids is None else query.where(SchoolClass.school_id.in_(ids))


def taught_class_ids(user):
    """Select of the ids of the classes given to a teacher."""
    return select(class_teacher.c.class_id).where(class_teacher.c.user_id == user.id)


def students_query(user):
    query = select(Student)
    if user.role_enum.sees_own_work_only:
        return query.where(Student.id == user.student_id)
    if user.role_enum.sees_taught_classes_only:
        return query.where(Student.class_id.in_(taught_class_ids(user)), Student.school_id == user.unit_id)
    ids = unit_ids_visible(user)
    return query if ids is None else query.where(Student.school_id.in_(ids))


def users_query(user):
    """Staff accounts a user may manage, inside its subtree (admin: all). Student
    accounts are managed through their student (`get_student_or_404`)."""
    query = select(User)
    if user.role_enum.sees_all:
        return query
    if user.role_enum.account_roles_managed:
        return query.where(User.unit_id.in_(subtree_ids(user.unit_id)),
                           User.role.in_(user.role_enum.account_roles_managed))
    return query.where(false())


def staff_of_school(school):
    """Every account of a school (already opened through `get_school_or_404`)."""
    return select(User).where(User.unit_id == school.id)


def teachers_of_school(school_id):
    """Teacher accounts of a school, to give classes to."""
    return select(User).where(User.unit_id == school_id, User.role == Role.TEACHER)


def advisors_of_school(school_id):
    """Active accounts of a school that may advise a creative entry."""
    return select(User).where(User.unit_id == school_id, User.active.is_(True),
                              User.role.in_([role for role in Role if role.advises_entries]))


def get_unit_or_404(user, unit_id):
    return get_or_404(units_query(user).where(Unit.id == unit_id))


def get_school_or_404(user, school_id):
    return get_or_404(schools_query(user).where(Unit.id == school_id))


def get_class_or_404(user, class_id):
    return get_or_404(classes_query(user).where(SchoolClass.id == class_id))


def get_student_or_404(user, student_id):
    return get_or_404(students_query(user).where(Student.id == student_id))


def get_user_or_404(user, user_id):
    return get_or_404(users_query(user).where(User.id == user_id))


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

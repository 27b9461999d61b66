"""The Role enum: the stored values stay what the database holds, each capability is
held by exactly the roles that held it as a tuple before, and no code or template
compares a role with a string any more."""
import re
from pathlib import Path

from sqlalchemy import text

from app.accounts.models import User
from app.accounts.roles import Role

ROOT = Path(__file__).resolve().parents[2]

# Who holds each capability, written out by hand (the tuples the code had before).
HOLDERS = {
    "sees_all": {"admin"},
    "sees_subtree": {"department", "unit", "school_admin", "teacher"},
    "sees_taught_classes_only": {"teacher"},
    "sees_own_work_only": {"student"},
    "works_above_schools": {"admin", "department", "unit"},
    "oversees_units": {"department", "unit"},
    "is_staff": {"admin", "department", "unit", "school_admin", "teacher"},
    "works_in_school": {"school_admin", "teacher"},
    "sees_student_reports": {"admin", "department", "unit", "school_admin"},
    "reads_audit_log": {"admin", "department", "unit", "school_admin"},
    "manages_tree": {"admin", "department"},
    "manages_school": {"admin", "department", "school_admin"},
    "runs_own_school": {"school_admin"},
    "manages_accounts": {"admin", "department", "school_admin"},
    "edits_subtree_banks": {"department", "unit"},
    "edits_own_unit_banks": {"school_admin", "teacher"},
    "manages_unit": {"department", "unit", "school_admin"},
    "manages_contests": {"admin", "department", "unit", "school_admin"},
    "creates_creative_contests": {"admin", "department", "school_admin"},
    "sets_coverage_targets": {"department"},
    "teaches_classes": {"teacher"},
    "takes_quizzes": {"student"},
    "makes_entries": {"student", "teacher", "school_admin"},
    "enters_as_team_member": {"student"},
    "advises_entries": {"teacher", "school_admin"},
    "reviews_school_entries": {"school_admin"},
    "judges_entries": {"judge"},
}


def test_role_values_are_the_stored_strings():
    assert [role.value for role in Role] == ["admin", "department", "unit", "school_admin", "teacher", "judge",
                                             "student"]
    # a plain string from the database compares, hashes and looks up as its Role
    assert "teacher" == Role.TEACHER and "teacher" in {Role.TEACHER} and Role("teacher") is Role.TEACHER
    assert f"{Role.SCHOOL_ADMIN}" == "school_admin"


def test_every_capability_is_held_by_exactly_the_listed_roles():
    capabilities = {name for name, value in vars(Role).items() if isinstance(value, property)} - {"label"}
    capabilities -= {"account_roles_created", "account_roles_managed"}
    assert capabilities == set(HOLDERS), "list a new capability's holders in HOLDERS"
    for name, holders in HOLDERS.items():
        assert {role.value for role in Role if getattr(role, name)} == holders, name


def test_account_roles_below_ones_own_rank():
    assert Role.DEPARTMENT.account_roles_managed == (Role.UNIT, Role.SCHOOL_ADMIN, Role.TEACHER, Role.JUDGE)
    assert Role.SCHOOL_ADMIN.account_roles_managed == (Role.TEACHER,)
    assert Role.TEACHER.account_roles_managed == () and Role.ADMIN.account_roles_managed == ()
    assert Role.STUDENT not in Role.ADMIN.account_roles_created
    assert Role.SCHOOL_ADMIN.account_roles_created == (Role.SCHOOL_ADMIN, Role.TEACHER)


def test_a_user_read_back_from_the_database_has_its_role_enum(db, tree, make_user):
    # given a teacher stored with the enum member
    teacher = make_user(Role.TEACHER, tree.school_a)
    db.session.commit()
    db.session.expire_all()
    # then the column holds the plain string, and the user answers capabilities
    assert db.session.execute(text("SELECT role FROM \"user\" WHERE id = :id"), {"id": teacher.id}).scalar() == "teacher"
    again = db.session.get(User, teacher.id)
    assert type(again.role) is str and again.role_enum is Role.TEACHER and again.role_enum.teaches_classes
    assert again.role_label == "Giáo viên"


ROLE_WORDS = "admin|department|unit|school_admin|teacher|judge|student"
PY_COMPARISON = re.compile(rf"\brole\b\s*(==|!=|\bin\b|\bnot in\b)\s*\(?\s*[\"']({ROLE_WORDS})[\"']")
TEMPLATE_LITERAL = re.compile(rf"role[^%}}]*[\"']({ROLE_WORDS})[\"']")


def test_no_code_or_template_compares_a_role_with_a_string():
    found = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        if path.name == "roles.py":
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if PY_COMPARISON.search(line) and "CheckConstraint" not in line and "role IN (" not in line:
                found.append(f"{path.relative_to(ROOT)}:{number}")
    for path in sorted((ROOT / "templates").rglob("*.html")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if TEMPLATE_LITERAL.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}")
    assert found == []

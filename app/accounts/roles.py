"""The roles of a user and what each may do.

`Role` is a `str` enum: its values are what `user.role` stores, so `user.role ==
Role.TEACHER` and `user.role in {...}` work on plain strings read from the database.
Code asks a capability named after what it allows (`user.role_enum.manages_tree`),
not which roles hold it, so a rule changes in one place.
"""
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    DEPARTMENT = "department"
    UNIT = "unit"
    SCHOOL_ADMIN = "school_admin"
    TEACHER = "teacher"
    JUDGE = "judge"
    STUDENT = "student"

    @property
    def label(self):
        return _LABELS[self]

    @classmethod
    def staff_choices(cls):
        """(value, label) of every role an account is made for by hand (students get
        theirs from the roster)."""
        return [(role.value, role.label) for role in cls if role is not cls.STUDENT]

    # Seeing ---------------------------------------------------------------------------

    @property
    def sees_all(self):
        """Every unit, school, person and object of the platform."""
        return self is Role.ADMIN

    @property
    def sees_subtree(self):
        """Its own unit and everything below it (given an account with a unit)."""
        return self in (Role.DEPARTMENT, Role.UNIT, Role.SCHOOL_ADMIN, Role.TEACHER)

    @property
    def sees_taught_classes_only(self):
        """Inside its school, only the classes given to it (and their students)."""
        return self is Role.TEACHER

    @property
    def sees_own_work_only(self):
        """Only its own attempts, entries and certificates (a student account)."""
        return self is Role.STUDENT

    @property
    def works_above_schools(self):
        """The unit tree page; a contest's certificates downloaded whole."""
        return self in (Role.ADMIN, Role.DEPARTMENT, Role.UNIT)

    @property
    def oversees_units(self):
        """A unit above schools (Sở, Phòng, cụm): its home is the unit's overview."""
        return self in (Role.DEPARTMENT, Role.UNIT)

    @property
    def is_staff(self):
        """Works with banks, contests, coverage, creative contests and certificates."""
        return self in (Role.ADMIN, Role.DEPARTMENT, Role.UNIT, Role.SCHOOL_ADMIN, Role.TEACHER)

    @property
    def works_in_school(self):
        """Belongs to one school (its unit must be a school)."""
        return self in (Role.SCHOOL_ADMIN, Role.TEACHER)

    @property
    def sees_student_reports(self):
        """Coverage reports with the students' names in detail sheets."""
        return self in (Role.ADMIN, Role.DEPARTMENT, Role.UNIT, Role.SCHOOL_ADMIN)

    @property
    def reads_audit_log(self):
        """The audit log of its part of the tree."""
        return self in (Role.ADMIN, Role.DEPARTMENT, Role.UNIT, Role.SCHOOL_ADMIN)

    # Doing ---------------------------------------------------------------------------

    @property
    def manages_tree(self):
        """Create, move and delete units and schools."""
        return self in (Role.ADMIN, Role.DEPARTMENT)

    @property
    def manages_school(self):
        """Classes, staff and rosters of a school (its own, or those below it)."""
        return self in (Role.ADMIN, Role.DEPARTMENT, Role.SCHOOL_ADMIN)

    @property
    def runs_own_school(self):
        """Its home is its school's page: classes, staff, rosters of the whole school."""
        return self is Role.SCHOOL_ADMIN

    @property
    def manages_accounts(self):
        """Create, reset and lock staff accounts (of `account_roles_managed`)."""
        return self in (Role.ADMIN, Role.DEPARTMENT, Role.SCHOOL_ADMIN)

    @property
    def account_roles_created(self):
        """Roles of the accounts it may create, in the order of the form."""
        return _CREATES.get(self, ())

    @property
    def account_roles_managed(self):
        """Roles of the existing accounts it may reset and lock, always below its own
        rank: a Sở officer cannot take over a colleague's account by resetting its
        password. (Admin manages every account.)"""
        return _MANAGES.get(self, ())

    @property
    def edits_subtree_banks(self):
        """Banks and contests of its unit and of every unit below it."""
        return self in (Role.DEPARTMENT, Role.UNIT)

    @property
    def edits_own_unit_banks(self):
        """Banks and contests of its own unit only (a school's staff)."""
        return self in (Role.SCHOOL_ADMIN, Role.TEACHER)

    @property
    def manages_unit(self):
        """Run its own unit's contests: export a bank in use, design certificates."""
        return self in (Role.DEPARTMENT, Role.UNIT, Role.SCHOOL_ADMIN)

    @property
    def manages_contests(self):
        """Change creative contests, rubrics, panels; issue certificates (not teachers)."""
        return self in (Role.ADMIN, Role.DEPARTMENT, Role.UNIT, Role.SCHOOL_ADMIN)

    @property
    def creates_creative_contests(self):
        return self in (Role.ADMIN, Role.DEPARTMENT, Role.SCHOOL_ADMIN)

    @property
    def sets_coverage_targets(self):
        """The Sở's own coverage targets (over the national ones)."""
        return self is Role.DEPARTMENT

    @property
    def teaches_classes(self):
        """Is given classes: its own class list, class sessions, the board."""
        return self is Role.TEACHER

    @property
    def takes_quizzes(self):
        """Starts and answers attempts; sees the results meant for students."""
        return self is Role.STUDENT

    @property
    def makes_entries(self):
        """Creates and edits creative entries (a team, or as their advisor)."""
        return self in (Role.STUDENT, Role.TEACHER, Role.SCHOOL_ADMIN)

    @property
    def enters_as_team_member(self):
        """Is a member of the entries it makes (and sees classmates to team up with)."""
        return self is Role.STUDENT

    @property
    def advises_entries(self):
        """May be named the advisor of an entry of its school."""
        return self in (Role.TEACHER, Role.SCHOOL_ADMIN)

    @property
    def reviews_school_entries(self):
        """Approves or returns its school's entries in the school round."""
        return self is Role.SCHOOL_ADMIN

    @property
    def judges_entries(self):
        """Sits on panels and scores the entries assigned to it, blind."""
        return self is Role.JUDGE


_LABELS = {
    Role.ADMIN: "Quản trị hệ thống",
    Role.DEPARTMENT: "Cán bộ Sở GD&ĐT",
    Role.UNIT: "Cán bộ Phòng / cụm",
    Role.SCHOOL_ADMIN: "Quản trị trường",
    Role.TEACHER: "Giáo viên",
    Role.JUDGE: "Giám khảo",
    Role.STUDENT: "Học sinh",
}
_CREATES = {
    Role.ADMIN: tuple(role for role in Role if role is not Role.STUDENT),
    Role.DEPARTMENT: (Role.DEPARTMENT, Role.UNIT, Role.SCHOOL_ADMIN, Role.TEACHER, Role.JUDGE),
    Role.SCHOOL_ADMIN: (Role.SCHOOL_ADMIN, Role.TEACHER),
}
_MANAGES = {
    Role.DEPARTMENT: (Role.UNIT, Role.SCHOOL_ADMIN, Role.TEACHER, Role.JUDGE),
    Role.SCHOOL_ADMIN: (Role.TEACHER,),
}

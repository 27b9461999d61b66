"""The unit tree, schools and classes: create, move, delete."""
import re

from sqlalchemy import delete, insert, literal, select

from app.accounts.models import User
from app.core.errors import DomainError
from app.core.audit import record
from app.core.text import nfc, text_sort_key
from app.extensions import db
from app.org.models import SCHOOL_LEVELS, UNIT_KINDS, SchoolClass, Student, Unit, UnitClosure, kinds_label


def _check_parent(kind, parent):
    if kind == "department":
        if parent is not None:
            raise DomainError("Sở GD&ĐT là gốc của cây đơn vị, không có đơn vị cấp trên.")
        return
    if parent is None:
        raise DomainError("Cần chọn đơn vị cấp trên.")
    if parent.kind == "school":
        raise DomainError("Trường không thể có đơn vị trực thuộc.")


def _check_code_free(code, unit_id=None):
    if code:
        other = db.session.execute(select(Unit).where(Unit.code == code)).scalar_one_or_none()
        if other is not None and other.id != unit_id:
            raise DomainError(f"Mã đơn vị “{code}” đã được dùng cho “{other.name}”.")


def create_unit(actor, *, kind, name, parent=None, code=None, level=None, address=None):
    name, code = nfc(name), (nfc(code) or None)
    if kind not in UNIT_KINDS:
        raise DomainError("Loại đơn vị không hợp lệ.")
    if not name:
        raise DomainError("Tên đơn vị không được để trống.")
    if kind == "school":
        if level not in SCHOOL_LEVELS:
            raise DomainError("Cần chọn cấp học của trường (THCS, THPT, liên cấp, TTGDNN-GDTX).")
        if not code:
            raise DomainError("Trường cần có mã trường.")
    else:
        level = None
    _check_parent(kind, parent)
    _check_code_free(code)
    unit = Unit(kind=kind, code=code, level=level, address=nfc(address) or None,
                parent_id=parent.id if parent else None)
    unit.set_name(name)
    db.session.add(unit)
    db.session.flush()
    # Closure rows: the unit itself, then every ancestor of its parent.
    db.session.execute(insert(UnitClosure).values(ancestor_id=unit.id, descendant_id=unit.id, depth=0))
    if parent is not None:
        db.session.execute(insert(UnitClosure).from_select(
            ["ancestor_id", "descendant_id", "depth"],
            select(UnitClosure.ancestor_id, literal(unit.id), UnitClosure.depth + 1)
            .where(UnitClosure.descendant_id == parent.id),
        ))
    record(actor, "create", "unit", unit.id, unit.id, f"Tạo {unit.kind_label.lower()} “{unit.name}”")
    return unit


def update_unit(actor, unit, *, name, code=None, level=None, address=None):
    name, code = nfc(name), (nfc(code) or None)
    if not name:
        raise DomainError("Tên đơn vị không được để trống.")
    if unit.is_school:
        if level not in SCHOOL_LEVELS:
            raise DomainError("Cấp học không hợp lệ.")
        if not code:
            raise DomainError("Trường cần có mã trường.")
        wrong = db.session.execute(
            select(SchoolClass.name).where(SchoolClass.school_id == unit.id,
                                           SchoolClass.grade.not_in(list(SCHOOL_LEVELS[level])))
        ).scalars().first()
        if wrong:
            raise DomainError(f"Trường đang có lớp {wrong} không thuộc cấp học {level}.")
        unit.level = level
    _check_code_free(code, unit.id)
    unit.set_name(name)
    unit.code = code
    unit.address = nfc(address) or None
    record(actor, "update", "unit", unit.id, unit.id, f"Sửa thông tin “{unit.name}”")
    return unit


def move_unit(actor, unit, new_parent):
    """Move a unit (and all below it) under another parent. Ids do not change, so
    classes, students and their history stay with the school."""
    if unit.kind == "department":
        raise DomainError("Không thể chuyển Sở GD&ĐT.")
    _check_parent(unit.kind, new_parent)
    subtree = select(UnitClosure.descendant_id).where(UnitClosure.ancestor_id == unit.id)
    if db.session.execute(
        select(UnitClosure.depth).where(UnitClosure.ancestor_id == unit.id,
                                        UnitClosure.descendant_id == new_parent.id)
    ).first():
        raise DomainError("Không thể chuyển một đơn vị vào chính nó hoặc đơn vị trực thuộc nó.")
    old_parent = unit.parent
    subtree_ids = list(db.session.execute(subtree).scalars())
    # Cut the links from the old ancestors to the subtree ...
    old_ancestors = list(db.session.execute(
        select(UnitClosure.ancestor_id).where(UnitClosure.descendant_id == unit.id,
                                              UnitClosure.ancestor_id != unit.id)
    ).scalars())
    db.session.execute(delete(UnitClosure).where(
        UnitClosure.descendant_id.in_(subtree_ids), UnitClosure.ancestor_id.in_(old_ancestors)
    ))
    # ... and link every new ancestor to every unit of the subtree.
    above = select(UnitClosure.ancestor_id, UnitClosure.depth).where(
        UnitClosure.descendant_id == new_parent.id).subquery()
    below = select(UnitClosure.descendant_id, UnitClosure.depth).where(
        UnitClosure.ancestor_id == unit.id).subquery()
    db.session.execute(insert(UnitClosure).from_select(
        ["ancestor_id", "descendant_id", "depth"],
        select(above.c.ancestor_id, below.c.descendant_id, above.c.depth + below.c.depth + 1)
        .select_from(above.join(below, literal(True))),
    ))
    unit.parent_id = new_parent.id
    db.session.flush()
    db.session.expire(unit, ["parent"])
    record(actor, "move", "unit", unit.id, unit.id,
           f"Chuyển “{unit.name}” từ “{old_parent.name if old_parent else ''}” sang “{new_parent.name}”")
    return unit


def delete_unit(actor, unit):
    """Delete an empty unit: no children, classes, students or accounts."""
    if unit.children.count():
        raise DomainError("Không thể xoá: đơn vị còn đơn vị trực thuộc.")
    for model, column, what in ((SchoolClass, SchoolClass.school_id, "lớp"),
                                (Student, Student.school_id, "học sinh"),
                                (User, User.unit_id, "tài khoản")):
        if db.session.execute(select(model.id).where(column == unit.id).limit(1)).first():
            raise DomainError(f"Không thể xoá: đơn vị còn {what}.")
    record(actor, "delete", "unit", unit.id, unit.parent_id, f"Xoá “{unit.name}” (mã {unit.code or '-'})")
    db.session.execute(delete(UnitClosure).where(UnitClosure.descendant_id == unit.id))
    db.session.delete(unit)


def ancestors(unit):
    """The unit's ancestors from the root down, the unit excluded."""
    return list(db.session.execute(
        select(Unit).join(UnitClosure, UnitClosure.ancestor_id == Unit.id)
        .where(UnitClosure.descendant_id == unit.id, UnitClosure.depth > 0)
        .order_by(UnitClosure.depth.desc())
    ).scalars())


def children_label(unit):
    """What to call a unit's children together: "Xã/phường" (", trường") under a Sở whose
    middle units are communes, None otherwise (`models.kinds_label`)."""
    return kinds_label(db.session.execute(select(Unit.kind).where(Unit.parent_id == unit.id).distinct()).scalars())


def schools_under(unit_id):
    """Every school below a unit: one join on the indexed closure table."""
    return select(Unit).join(UnitClosure, UnitClosure.descendant_id == Unit.id).where(
        UnitClosure.ancestor_id == unit_id, Unit.kind == "school")


def possible_parents(unit=None):
    """Units a unit may be placed under: not schools, not itself or its subtree."""
    query = select(Unit).where(Unit.kind != "school").order_by(Unit.sort_key)
    if unit is not None:
        query = query.where(Unit.id.not_in(
            select(UnitClosure.descendant_id).where(UnitClosure.ancestor_id == unit.id)))
    return list(db.session.execute(query).scalars())


def tree_rows(root_ids=None):
    """Units in tree order with their depth, for the tree page."""
    units = list(db.session.execute(select(Unit).order_by(Unit.sort_key)).scalars())
    by_parent = {}
    for unit in units:
        by_parent.setdefault(unit.parent_id, []).append(unit)
    rows = []

    def walk(parent_id, depth):
        for unit in by_parent.get(parent_id, []):
            rows.append((unit, depth))
            walk(unit.id, depth + 1)

    if root_ids is None:
        walk(None, 0)
    else:
        for unit in units:
            if unit.id in root_ids:
                rows.append((unit, 0))
                walk(unit.id, 1)
    return rows


# Classes

def create_class(actor, school, *, name, grade, school_year):
    name = nfc(name).upper() if name else ""
    if not name:
        raise DomainError("Tên lớp không được để trống.")
    if len(name) > 20:
        raise DomainError("Tên lớp dài quá 20 ký tự.")
    try:
        grade, school_year = int(grade), int(school_year)
    except (TypeError, ValueError):
        raise DomainError("Khối và năm học phải là số.") from None
    if grade not in SCHOOL_LEVELS[school.level]:
        allowed = SCHOOL_LEVELS[school.level]
        raise DomainError(f"Trường {school.level_label} chỉ có khối {allowed[0]} đến {allowed[-1]}.")
    if db.session.execute(select(SchoolClass.id).where(
            SchoolClass.school_id == school.id, SchoolClass.school_year == school_year,
            SchoolClass.name == name)).first():
        raise DomainError(f"Lớp {name} đã có trong năm học {school_year}-{school_year + 1}.")
    school_class = SchoolClass(school_id=school.id, name=name, grade=grade,
                               school_year=school_year, sort_key=class_sort_key(name))
    db.session.add(school_class)
    db.session.flush()
    record(actor, "create", "class", school_class.id, school.id,
           f"Tạo lớp {name} năm học {school_class.year_label}")
    return school_class


def class_sort_key(name):
    """10A2 before 10A10: numbers compare by value."""
    return "".join(f"{int(part):05d}" if part.isdigit() else text_sort_key(part)
                   for part in re.split(r"(\d+)", name) if part)


def set_class_teachers(actor, school_class, teachers):
    for teacher in teachers:
        if not teacher.role_enum.teaches_classes or teacher.unit_id != school_class.school_id:
            raise DomainError(f"{teacher.full_name} không phải giáo viên của trường này.")
    school_class.teachers = list(teachers)
    record(actor, "assign", "class", school_class.id, school_class.school_id,
           f"Phân công GV lớp {school_class.name}: " + ", ".join(t.full_name for t in teachers))

"""Loading the unit tree from an XLSX (or CSV) list of schools: all rows or none."""
from dataclasses import dataclass, field

from sqlalchemy import select

from app.core.errors import DomainError
from app.core.spreadsheet import cell_text, find_header, is_blank, read_rows
from app.core.text import fold
from app.extensions import db
from app.org.models import Unit, UnitClosure
from app.org.services import create_unit, move_unit, update_unit

ALIASES = {
    "code": ["ma truong", "ma don vi", "ma"],
    "name": ["ten truong", "ten don vi", "truong", "don vi"],
    "level": ["cap hoc", "cap", "loai hinh", "bac hoc"],
    "parent": ["don vi quan ly", "don vi cap tren", "truc thuoc", "phong gd&dt", "cum", "xa/phuong",
               "don vi chu quan", "phong/cum", "xa / phuong", "phuong/xa", "xa, phuong", "xa phuong",
               "ubnd xa/phuong", "xa", "phuong", "xa/phuong/dac khu"],
    "address": ["dia chi"],
}
LEVEL_WORDS = {
    "thcs": "THCS", "thpt": "THPT",
    "thcs-thpt": "THCS-THPT", "thcs va thpt": "THCS-THPT", "lien cap thcs-thpt": "THCS-THPT",
    "lien cap thcs - thpt": "THCS-THPT", "th&thcs": "TH-THCS", "th-thcs": "TH-THCS", "th va thcs": "TH-THCS",
    "lien cap th-thcs": "TH-THCS", "lien cap th - thcs": "TH-THCS", "lien cap": "THCS-THPT",
    "gdnn-gdtx": "GDNN-GDTX", "ttgdnn-gdtx": "GDNN-GDTX", "gdtx": "GDNN-GDTX", "ttgdtx": "GDNN-GDTX",
}


def _code_used_elsewhere(code, inside):
    unit_id = db.session.execute(select(Unit.id).where(Unit.code == code)).scalar_one_or_none()
    return unit_id is not None and unit_id not in inside


@dataclass
class SchoolImportResult:
    created: int = 0
    updated: int = 0
    moved: int = 0
    unchanged: int = 0
    errors: list = field(default_factory=list)


def import_schools(actor, data, filename, *, root):
    """Create or update schools by code under `root` (a Sở). A parent cell names a
    middle unit by code or name; empty means the Sở itself. Any bad row: nothing
    is written and every error is returned with its row number."""
    rows = read_rows(data, filename)
    header_row, columns = find_header(rows, ALIASES, needed=("code",))
    if header_row is None or "name" not in columns or "level" not in columns:
        raise DomainError("Không tìm thấy dòng tiêu đề với các cột “Mã trường”, “Tên trường”, “Cấp học”.")
    # Only the importer's own Sở: a code or a parent name elsewhere is never touched.
    units = list(db.session.execute(
        select(Unit).join(UnitClosure, UnitClosure.descendant_id == Unit.id)
        .where(UnitClosure.ancestor_id == root.id)).scalars())
    inside = {unit.id for unit in units}
    parents = {}
    for unit in units:
        if unit.kind != "school":
            parents.setdefault(fold(unit.name), unit)
            if unit.code:
                parents.setdefault(fold(unit.code), unit)
    schools = {unit.code: unit for unit in units if unit.code}

    def get(values, name):
        index = columns.get(name)
        return cell_text(values[index]) if index is not None and index < len(values) else ""

    result, plan, seen = SchoolImportResult(), [], {}
    for number, values in rows:
        if number <= header_row or is_blank(values):
            continue
        code, name = get(values, "code"), get(values, "name")
        if not code and not name:
            continue
        problems = []
        level = LEVEL_WORDS.get(fold(get(values, "level")).replace(" - ", "-"))
        if not code:
            problems.append("thiếu mã trường")
        elif code in seen:
            problems.append(f"mã trường {code} trùng với dòng {seen[code]}")
        else:
            seen[code] = number
        if not name:
            problems.append("thiếu tên trường")
        if level is None:
            problems.append(f"cấp học “{get(values, 'level')}” không rõ (THCS, THPT, liên cấp, GDNN-GDTX)")
        parent_text = get(values, "parent")
        parent = parents.get(fold(parent_text)) if parent_text else root
        if parent is None:
            problems.append(f"không có đơn vị quản lý “{parent_text}”")
        existing = schools.get(code)
        if existing is None and code and _code_used_elsewhere(code, inside):
            problems.append(f"mã {code} đã được dùng cho một đơn vị ngoài {root.name}")
        elif existing is not None and not existing.is_school:
            problems.append(f"mã {code} là mã của {existing.kind_label} “{existing.name}”")
        if problems:
            result.errors.append(f"Dòng {number}: " + "; ".join(problems))
        else:
            plan.append((existing, code, name, level, parent, get(values, "address")))
    if result.errors:
        return result
    for existing, code, name, level, parent, address in plan:
        if existing is None:
            create_unit(actor, kind="school", name=name, code=code, level=level, parent=parent,
                        address=address)
            result.created += 1
            continue
        same = (existing.name == name and existing.level == level
                and (existing.address or "") == address and existing.parent_id == parent.id)
        if same:
            result.unchanged += 1
            continue
        if (existing.name, existing.level, existing.address or "") != (name, level, address):
            update_unit(actor, existing, name=name, code=code, level=level, address=address)
            result.updated += 1
        if existing.parent_id != parent.id:
            move_unit(actor, existing, parent)
            result.moved += 1
    return result

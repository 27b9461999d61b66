import pytest
from sqlalchemy import func, select

from app.core.errors import DomainError
from app.core.audit import AuditLog
from app.org.models import Student, Unit, UnitClosure
from app.org.school_import import import_schools
from app.org.services import ancestors, create_unit, delete_unit, move_unit, schools_under


def school_names_under(db, unit):
    return sorted(u.name for u in db.session.execute(schools_under(unit.id)).scalars())


def closure_is_complete(db):
    """Every unit's closure rows are exactly its chain of parents."""
    for unit in db.session.execute(select(Unit)).scalars():
        expected, node, depth = set(), unit, 0
        while node is not None:
            expected.add((node.id, depth))
            node, depth = node.parent, depth + 1
        actual = set(db.session.execute(select(UnitClosure.ancestor_id, UnitClosure.depth)
                                        .where(UnitClosure.descendant_id == unit.id)).all())
        if actual != expected:
            return False
    return True


def test_schools_under_a_unit_at_any_depth(tree, make_unit, db):
    commune = make_unit("commune", "Xã An Bình", parent=tree.cluster_a)
    make_unit("school", "Trường THCS An Bình", parent=commune, level="THCS")
    db.session.commit()
    assert school_names_under(db, tree.so) == ["Trường THCS An Bình", "Trường THCS C", "Trường THPT A",
                                               "Trường THPT B"]
    assert school_names_under(db, tree.cluster_a) == ["Trường THCS An Bình", "Trường THPT A"]
    assert school_names_under(db, commune) == ["Trường THCS An Bình"]
    assert [u.name for u in ancestors(commune)] == ["Sở GD&ĐT Thử nghiệm", "Cụm A"]


def test_moving_a_school_keeps_its_classes_and_students(tree, make_class, make_student, db):
    school_class = make_class(tree.school_a)
    student = make_student(school_class)
    db.session.commit()
    move_unit(None, tree.school_a, tree.cluster_b)
    db.session.commit()
    assert school_names_under(db, tree.cluster_b) == ["Trường THPT A", "Trường THPT B"]
    assert school_names_under(db, tree.cluster_a) == []
    assert db.session.get(Student, student.id).school_id == tree.school_a.id
    assert school_class.school_id == tree.school_a.id
    assert closure_is_complete(db)
    assert db.session.execute(select(AuditLog).where(AuditLog.action == "move")).scalar_one().summary.startswith(
        "Chuyển “Trường THPT A” từ “Cụm A” sang “Cụm B”")


def test_moving_a_middle_unit_moves_its_whole_subtree(tree, make_unit, db):
    commune = make_unit("commune", "Xã Tân Lập", parent=tree.cluster_a)
    deep = make_unit("school", "Trường THCS Tân Lập", parent=commune, level="THCS")
    db.session.commit()
    move_unit(None, commune, tree.cluster_b)
    db.session.commit()
    assert "Trường THCS Tân Lập" in school_names_under(db, tree.cluster_b)
    assert "Trường THCS Tân Lập" not in school_names_under(db, tree.cluster_a)
    assert [u.name for u in ancestors(deep)] == ["Sở GD&ĐT Thử nghiệm", "Cụm B", "Xã Tân Lập"]
    assert closure_is_complete(db)


def test_a_unit_cannot_move_into_itself_or_under_a_school(tree, make_unit, db):
    commune = make_unit("commune", "Xã X", parent=tree.cluster_a)
    db.session.commit()
    with pytest.raises(DomainError, match="chính nó"):
        move_unit(None, tree.cluster_a, commune)
    with pytest.raises(DomainError, match="Trường không thể có đơn vị trực thuộc"):
        move_unit(None, tree.school_b, tree.school_a)
    with pytest.raises(DomainError, match="Sở"):
        move_unit(None, tree.so, tree.cluster_a)


def test_school_rules_are_checked(tree, db):
    with pytest.raises(DomainError, match="cấp học"):
        create_unit(None, kind="school", name="Trường X", code="X1", parent=tree.so)
    with pytest.raises(DomainError, match="mã trường"):
        create_unit(None, kind="school", name="Trường X", level="THPT", parent=tree.so)
    with pytest.raises(DomainError, match="đã được dùng"):
        create_unit(None, kind="school", name="Trường X", code="TA", level="THPT", parent=tree.so)
    with pytest.raises(DomainError, match="đơn vị cấp trên"):
        create_unit(None, kind="cluster", name="Cụm mồ côi")


def test_only_empty_units_are_deleted(tree, make_class, db):
    make_class(tree.school_a)
    db.session.commit()
    with pytest.raises(DomainError, match="còn lớp"):
        delete_unit(None, tree.school_a)
    with pytest.raises(DomainError, match="còn đơn vị trực thuộc"):
        delete_unit(None, tree.cluster_a)
    delete_unit(None, tree.school_c)
    db.session.commit()
    assert db.session.get(Unit, tree.school_c.id) is None
    assert db.session.execute(select(func.count()).select_from(UnitClosure)
                              .where(UnitClosure.descendant_id == tree.school_c.id)).scalar_one() == 0


def test_database_refuses_a_school_without_level(tree, db):
    from sqlalchemy.exc import IntegrityError
    db.session.add(Unit(kind="school", name="Bad", code="BAD", parent_id=tree.so.id, sort_key=""))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


SCHOOL_LIST = [
    ["DANH SÁCH CÁC TRƯỜNG"],
    [],
    ["STT", "Mã trường", "Tên trường", "Cấp học", "Đơn vị quản lý", "Địa chỉ"],
    [1, "92001", "Trường THPT Châu Văn Liêm", "THPT", "Cụm A", "Ninh Kiều"],
    [2, "92002", "Trường THCS Đoàn Thị Điểm", "THCS", "CB", ""],
    [3, "92003", "Trường THCS và THPT Mỹ Khánh", "Liên cấp THCS-THPT", "", ""],
    [],
]


def test_school_list_import_creates_updates_and_moves(tree, db, xlsx_bytes):
    result = import_schools(None, xlsx_bytes(SCHOOL_LIST), "truong.xlsx", root=tree.so)
    db.session.commit()
    assert (result.created, result.errors) == (3, [])
    assert "Trường THPT Châu Văn Liêm" in school_names_under(db, tree.cluster_a)
    assert "Trường THCS Đoàn Thị Điểm" in school_names_under(db, tree.cluster_b)
    lien_cap = db.session.execute(select(Unit).where(Unit.code == "92003")).scalar_one()
    assert lien_cap.level == "THCS-THPT" and lien_cap.parent_id == tree.so.id
    # the same file again changes nothing; a school moved in the file moves
    again = import_schools(None, xlsx_bytes(SCHOOL_LIST), "truong.xlsx", root=tree.so)
    assert (again.created, again.updated, again.moved, again.unchanged) == (0, 0, 0, 3)
    moved = [row[:] for row in SCHOOL_LIST]
    moved[3][4] = "Cụm B"
    result = import_schools(None, xlsx_bytes(moved), "truong.xlsx", root=tree.so)
    db.session.commit()
    assert result.moved == 1
    assert "Trường THPT Châu Văn Liêm" in school_names_under(db, tree.cluster_b)
    assert closure_is_complete(db)


def test_school_list_with_a_bad_row_imports_nothing(tree, db, xlsx_bytes):
    rows = SCHOOL_LIST[:4] + [[2, "", "Trường không mã", "THCS", "", ""],
                              [3, "92009", "Trường X", "Mầm non", "Cụm Z", ""]]
    result = import_schools(None, xlsx_bytes(rows), "truong.xlsx", root=tree.so)
    db.session.rollback()
    assert result.errors == ["Dòng 5: thiếu mã trường",
                             "Dòng 6: cấp học “Mầm non” không rõ (THCS, THPT, liên cấp, GDNN-GDTX); "
                             "không có đơn vị quản lý “Cụm Z”"]
    assert db.session.execute(select(Unit).where(Unit.code == "92001")).first() is None


def test_school_list_import_never_touches_another_sos_units(tree, make_unit, db, xlsx_bytes):
    other_so = make_unit("department", "Sở GD&ĐT khác", code="SO2")
    db.session.commit()
    rows = [["Mã trường", "Tên trường", "Cấp học", "Đơn vị quản lý"],
            ["TB", "Trường bị chiếm", "THPT", ""],          # school B belongs to the first Sở
            ["N1", "Trường mới", "THPT", "Cụm A"]]           # Cụm A belongs to the first Sở
    result = import_schools(None, xlsx_bytes(rows), "t.xlsx", root=other_so)
    db.session.rollback()
    assert result.errors == ["Dòng 2: mã TB đã được dùng cho một đơn vị ngoài Sở GD&ĐT khác",
                             "Dòng 3: không có đơn vị quản lý “Cụm A”"]
    db.session.refresh(tree.school_b)
    assert (tree.school_b.name, tree.school_b.parent_id) == ("Trường THPT B", tree.cluster_b.id)

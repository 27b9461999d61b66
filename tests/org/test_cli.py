"""`flask org import-schools | import-roster` through Click's runner: the counts first,
then what was written (nothing on a dry run or on an error)."""
from app.org.models import Student, Unit


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_import_schools_adds_them_under_the_department(app, tree, db, tmp_path):
    path = tmp_path / "truong.csv"
    path.write_text("Mã trường,Tên trường,Cấp học\nTX,Trường THPT X,THPT\nTY,Trường THCS Y,THCS\n", encoding="utf-8")
    result = run(app, "org", "import-schools", str(path), "--root", "SO")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "2 mới, 0 cập nhật, 0 chuyển, 0 không đổi."
    assert {u.code: u.name for u in db.session.query(Unit).filter(Unit.code.in_(["TX", "TY"]))} == {
        "TX": "Trường THPT X", "TY": "Trường THCS Y"}
    again = run(app, "org", "import-schools", str(path), "--root", "SO")
    assert again.output.strip() == "0 mới, 0 cập nhật, 0 chuyển, 2 không đổi."


def test_import_schools_with_a_bad_row_imports_none(app, tree, db, tmp_path):
    path = tmp_path / "truong.csv"
    path.write_text("Mã trường,Tên trường,Cấp học\nTX,Trường THPT X,THPT\nTY,,THCS\n", encoding="utf-8")
    result = run(app, "org", "import-schools", str(path), "--root", "SO")
    assert result.exit_code == 1 and "1 dòng lỗi, chưa nhập trường nào." in result.output
    assert db.session.query(Unit).filter_by(code="TX").count() == 0


def test_import_roster_checks_on_a_dry_run_then_writes(app, tree, make_class, db, tmp_path):
    make_class(tree.school_a, "10A1")
    db.session.commit()
    path = tmp_path / "lop.csv"
    path.write_text("Họ và tên,Ngày sinh,Lớp\nNguyễn Văn Mới,01/05/2010,10A1\nTrần Thị Hai,31/02/2010,10A1\n",
                    encoding="utf-8")
    dry = run(app, "org", "import-roster", str(path), "--school", "TA", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "Kiểm tra: 1 mới, 0 cập nhật, 0 không đổi, 1 lỗi." in dry.output
    assert "Dòng 3: " in dry.output
    assert db.session.query(Student).count() == 0

    result = run(app, "org", "import-roster", str(path), "--school", "TA")
    assert result.exit_code == 0, result.output
    assert "1 mới, 0 cập nhật, 0 không đổi, 1 dòng lỗi bỏ qua." in result.output
    assert [s.full_name for s in db.session.query(Student)] == ["Nguyễn Văn Mới"]

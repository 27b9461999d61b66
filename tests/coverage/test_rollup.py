"""Coverage figures against counts made by hand, the dashboards and both reports
showing the same numbers, and what each viewer may see. The province and its hand
counts are in tests/plugins/province.py."""
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from app.core.timeutil import local_today, to_local, utcnow
from app.coverage import participation
from app.coverage.models import Participation
from app.coverage.rollup import Selection, figures, target_gap, targets, unit_rows
from app.org.models import SchoolClass, Unit
from app.quiz.contests.services import add_round, create_contest


def _by_name(rows):
    return {r.name: r.fig for r in rows}


def test_figures_per_school_match_the_hand_counts(tree, province, db, YEAR):
    selection = Selection(YEAR, province.contest)
    schools = select(Unit.id).where(Unit.kind == "school")
    per_school = figures(selection, SchoolClass.school_id, schools)
    a, b, c = per_school[tree.school_a.id], per_school[tree.school_b.id], per_school[tree.school_c.id]
    assert (a.enrolled, a.participants, a.takers, a.attempts, a.passed) == (6, 3, 3, 4, 3)
    assert a.mean == pytest.approx(250 / 3) and a.median == 100 and a.rate == pytest.approx(50)
    assert a.grades == {10: [4, 3], 11: [2, 0]} and a.stages == {"THPT": [6, 3]}
    assert (b.enrolled, b.participants, b.attempts, b.passed, b.mean) == (5, 1, 1, 1, 100)
    assert (c.enrolled, c.participants, c.attempts, c.passed, c.mean, c.median) == (3, 2, 2, 1, 25, 25)
    assert c.stages == {"THCS": [3, 2]}


def test_the_sos_children_are_rolled_up_and_the_furthest_behind_target_comes_first(tree, province, db, YEAR):
    stage_targets = targets(tree.so.id, YEAR)
    assert stage_targets == {"THPT": 80.0}  # Decision 1588, from 2025; 100 % only from 2030
    assert targets(tree.so.id, 2030) == {"THPT": 100.0}
    schools = select(Unit.id)
    rows, total = unit_rows(tree.so, Selection(YEAR, province.contest), schools, stage_targets)
    assert [r.name for r in rows] == ["Cụm B", "Cụm A", "Trường THCS C"]
    assert [(r.gap is not None and round(r.gap, 1)) for r in rows] == [-60.0, -30.0, False]
    assert (total.enrolled, total.participants, total.attempts, total.passed) == (14, 6, 7, 5)
    target, rate, gap = target_gap(total, stage_targets)
    assert (target, round(rate, 1), round(gap, 1)) == (80.0, 36.4, -43.6)


def test_a_date_range_counts_students_by_their_first_attempt(tree, province, db, YEAR):
    start = to_local(province.early + timedelta(days=5)).date()
    selection = Selection(YEAR, province.contest, date_from=start)
    a = figures(selection, SchoolClass.school_id, select(Unit.id))[tree.school_a.id]
    assert (a.enrolled, a.participants, a.attempts) == (6, 2, 3)  # the 50 % student took part earlier
    selection = Selection(YEAR, province.contest, date_to=start)
    a = figures(selection, SchoolClass.school_id, select(Unit.id))[tree.school_a.id]
    assert (a.participants, a.attempts, a.mean) == (1, 1, 50)


def test_the_passing_rule_counts_only_students_who_reached_the_passing_score(tree, province, db, YEAR):
    province.contest.participation_rule = "passed"
    c = figures(Selection(YEAR, province.contest), SchoolClass.school_id, select(Unit.id))[tree.school_c.id]
    assert (c.participants, c.takers, c.attempts) == (1, 2, 2)


def test_participation_rebuilt_from_the_attempts_equals_the_one_kept_at_submit(province, db):
    def rows():
        return sorted((p.contest_id, p.student_id, p.attempts, p.first_at, round(p.best_percent, 6), p.passed_at)
                      for p in db.session.query(Participation))
    kept = rows()
    assert len(kept) == 6
    assert participation.rebuild() == 6
    assert rows() == kept


def test_practice_rounds_do_not_count(tree, province, make_student, db, YEAR, answer_round):
    practice = add_round(None, province.contest, name="Luyện tập", opens_at=utcnow() - timedelta(hours=1),
                         closes_at=utcnow() + timedelta(days=1), question_count=2, practice=True)
    answer_round(province.people["11A1"][0], practice, (True, True), utcnow())
    a = figures(Selection(YEAR, province.contest), SchoolClass.school_id, select(Unit.id))[tree.school_a.id]
    assert a.participants == 3


def _sheet_rows(data):
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_dashboard_xlsx_and_pdf_show_the_same_numbers(client, login, make_user, tree, province, db):
    login(make_user("department", tree.so))
    args = f"?contest={province.contest.id}"
    page = client.get(f"/coverage/units/{tree.so.id}{args}").get_data(as_text=True)
    assert page.index("Cụm B") < page.index("Cụm A") < page.index("Trường THCS C")
    assert "thiếu 60,0 điểm" in page and "thiếu 30,0 điểm" in page and "50,0\u00a0%" in page and "66,7\u00a0%" in page
    assert "Số liệu tính lúc" in page
    response = client.get(f"/coverage/units/{tree.so.id}/report.xlsx{args}")
    assert response.status_code == 200
    rows = _sheet_rows(response.data)
    assert rows[0][4] == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" and rows[1][4] == "Độc lập - Tự do - Hạnh phúc"
    header = next(i for i, row in enumerate(rows) if row[0] == "STT")
    assert [row[:8] for row in rows[header + 1:header + 5]] == [
        [1, "Cụm B", 5, 1, 20.0, 1, 1, 0], [2, "Cụm A", 6, 3, 50.0, 4, 3, 0], [3, "Trường THCS C", 3, 2, 66.7, 2, 1, 0],
        [None, "Tổng cộng", 14, 6, 42.9, 7, 5, 0]]
    assert any(row[0] == "Nơi nhận:" and "GIÁM ĐỐC" in row for row in rows)
    response = client.get(f"/coverage/units/{tree.so.id}/report.pdf{args}")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "GIÁM ĐỐC",
                     "Nơi nhận", "Cụm B", "Trường THCS C", "Tổng cộng", "42,9", "66,7"):
        assert expected in text, expected
    today = local_today()
    month = f"{today.month:02d}" if today.month < 3 else str(today.month)  # Nghị định 30: 0 before months 1, 2
    assert f"ngày {today.day:02d} tháng {month} năm {today.year}" in text


def test_drill_down_to_a_school_and_a_class_lists_who_has_not_taken_part(client, login, make_user, tree, province,
                                                                          db):
    login(make_user("department", tree.so))
    args = f"?contest={province.contest.id}"
    page = client.get(f"/coverage/units/{tree.cluster_a.id}{args}").get_data(as_text=True)
    assert "Trường THPT A" in page and "Cụm B" not in page
    page = client.get(f"/coverage/units/{tree.school_a.id}{args}").get_data(as_text=True)
    assert page.index("11A1") < page.index("10A1")  # 0 % is further behind than 75 %
    page = client.get(f"/coverage/classes/{province.classes['10A1'].id}{args}").get_data(as_text=True)
    assert "<b>1</b> học sinh chưa tham gia" in page
    assert page.index("Học sinh 10A1 3") < page.index("Học sinh 10A1 0")  # not yet taking part comes first


def test_a_cluster_officer_sees_and_exports_only_its_own_schools(client, login, make_user, tree, province, db, fetch_report):
    login(make_user("unit", tree.cluster_a))
    args = f"?contest={province.contest.id}"
    for unit in (tree.so, tree.cluster_b, tree.school_b, tree.school_c):
        assert client.get(f"/coverage/units/{unit.id}{args}").status_code == 404
        assert client.get(f"/coverage/units/{unit.id}/report.xlsx{args}").status_code == 404
        assert client.get(f"/coverage/units/{unit.id}/report.pdf{args}").status_code == 404
    assert client.get(f"/coverage/classes/{province.classes['10B1'].id}{args}").status_code == 404
    workbook = load_workbook(io.BytesIO(fetch_report(client, f"/coverage/units/{tree.cluster_a.id}/report.xlsx{args}&detail=1")))
    assert [s.title for s in workbook.worksheets] == ["Tổng hợp", "Trường THPT A"]
    text = repr([list(r) for s in workbook.worksheets for r in s.iter_rows(values_only=True)])
    assert "Trường THPT B" not in text and "Học sinh 10B1" not in text and "Học sinh 10A1 0" in text


def test_a_teacher_sees_only_their_class_and_gets_no_reports(client, login, make_user, tree, province, db):
    from app.org.services import set_class_teachers
    teacher = make_user("teacher", tree.school_a)
    set_class_teachers(None, province.classes["10A1"], [teacher])
    login(teacher)
    page = client.get(f"/coverage/units/{tree.school_a.id}").get_data(as_text=True)
    assert "10A1" in page and "11A1" not in page
    assert client.get(f"/coverage/classes/{province.classes['11A1'].id}").status_code == 404
    assert client.get(f"/coverage/units/{tree.school_a.id}/report.xlsx").status_code == 404
    login(make_user("judge"))
    assert client.get(f"/coverage/units/{tree.school_a.id}").status_code == 404


def test_exported_cells_that_look_like_formulas_stay_text(client, login, make_user, make_student, tree, province,
                                                         db, YEAR, fetch_report):
    school = db.session.get(Unit, tree.school_a.id)
    school.name = "=HYPERLINK(\"http://x\",\"A\")"
    make_student(province.classes["10A1"], "=1+2")
    db.session.commit()
    login(make_user("department", tree.so))
    data = fetch_report(client, f"/coverage/units/{tree.cluster_a.id}/report.xlsx?year={YEAR}&detail=1")
    workbook = load_workbook(io.BytesIO(data))
    cells = [c for s in workbook.worksheets for row in s.iter_rows() for c in row if c.value is not None]
    risky = [c for c in cells if isinstance(c.value, str) and c.value[:1] in "=+-@"]
    assert {c.value for c in risky} >= {"=HYPERLINK(\"http://x\",\"A\")", "=1+2"}
    assert all(c.data_type == "s" for c in risky)


def test_the_so_sets_its_own_target(client, login, make_user, tree, db):
    login(make_user("department", tree.so))
    page = client.post("/coverage/targets", data={"stage": "THCS", "year": "2026", "percent": "70"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Đã đặt mục tiêu THCS từ năm học 2026: 70 %." in page
    assert targets(tree.so.id, 2026) == {"THPT": 80.0, "THCS": 70.0}
    assert targets(tree.so.id, 2025) == {"THPT": 80.0}
    login(make_user("unit", tree.cluster_a))
    assert client.get("/coverage/targets").status_code == 404


def test_the_rebuild_command_recomputes_participation(app, province, db):
    db.session.query(Participation).delete()
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["coverage", "rebuild", "--contest", "DVC"])
    assert result.exit_code == 0 and "6 học sinh tham gia" in result.output
    assert db.session.query(Participation).count() == 6
    result = app.test_cli_runner().invoke(args=["coverage", "rebuild", "--contest", "KHONG"])
    assert result.exit_code != 0 and "Không có cuộc thi mã KHONG" in result.output


def test_the_weekly_chart_counts_by_the_local_date(tree, province, db, YEAR):
    """Sunday 23:30 in Vietnam is Sunday 16:30 UTC; 00:30 on Monday is still Sunday in UTC."""
    from datetime import datetime

    from app.coverage.rollup import weekly
    rows = db.session.query(Participation).filter_by(contest_id=province.contest.id).order_by(
        Participation.student_id).all()
    sunday = datetime(2026, 11, 15, 16, 30)  # UTC
    for p, when in zip(rows, (sunday, sunday + timedelta(hours=1), sunday - timedelta(days=7))):
        p.first_at = when
    for p in rows[3:]:
        p.first_at = sunday - timedelta(days=3)
    db.session.flush()
    weeks = weekly(Selection(YEAR, province.contest), select(Unit.id))
    mondays = [(str(monday), new, total) for monday, new, total in weeks]
    assert mondays == [("2026-11-02", 1, 1), ("2026-11-09", 4, 5), ("2026-11-16", 1, 6)]
    # every contest of the school year: the same students, counted once
    assert weekly(Selection(YEAR), select(Unit.id)) == weeks


def test_a_school_year_counts_each_student_once_over_its_contests(tree, province, db, YEAR, answer_round):
    """A second contest of the year: a 10A1 student who already took part and one of
    11A1 who had not. School A: 4 participants (not 5), 6 attempts, best scores kept."""
    second = create_contest(None, tree.so, province.contest.bank, code="DVC2", name="Tìm hiểu VNeID",
                            school_year=YEAR, levels=("THPT",))
    round_ = add_round(None, second, name="Vòng 1", opens_at=utcnow() - timedelta(days=2),
                       closes_at=utcnow() + timedelta(days=1), question_count=2, passing_score=50)
    answer_round(province.people["10A1"][1], round_, (True, True), utcnow())
    answer_round(province.people["11A1"][0], round_, (False, False), utcnow())
    db.session.commit()
    a = figures(Selection(YEAR), SchoolClass.school_id, select(Unit.id))[tree.school_a.id]
    assert (a.enrolled, a.participants, a.takers, a.attempts, a.passed) == (6, 4, 4, 6, 3)
    assert a.grades == {10: [4, 3], 11: [2, 1]}
    assert a.score_sum == pytest.approx(100 + 100 + 100 + 0)  # the 50 % student's best is now 100


def test_creative_entries_count_per_school_and_class_for_the_school_year(tree, province, make_user, db, YEAR):
    """School A: a video by two 10A1 students (approved), a video by one 10A1 and one 11A1
    student (handed in), a draft (not counted). School A: 2 entries, 1 approved;
    10A1: 2 and 1; 11A1: 1 and 0. A single quiz contest shows none."""
    from app.entries import services as entries
    now = utcnow()
    creative = entries.create_contest(
        None, tree.so, code="ST", name="Sáng tạo", school_year=YEAR, levels=("THPT",), categories=("poster", "video"),
        submit_opens_at=now - timedelta(days=1), submit_closes_at=now + timedelta(days=1),
        approval_closes_at=now + timedelta(days=2), advisor_required=False, file_rules={"video": {"links": True}})
    a10, a11 = province.people["10A1"], province.people["11A1"]
    link = "https://youtu.be/dQw4w9WgXcQ"
    admin = make_user("school_admin", tree.school_a)
    poster = entries.create_entry(admin, creative, category="video", title="P", member_ids=[a10[0].id, a10[1].id],
                                  video_url=link)
    entries.submit_entry(admin, poster)
    entries.review_entry(admin, poster, approve=True)
    video = entries.create_entry(admin, creative, category="video", title="V", member_ids=[a10[2].id, a11[0].id],
                                 video_url=link)
    entries.submit_entry(admin, video)
    entries.create_entry(admin, creative, category="video", title="D", member_ids=[a10[3].id], video_url=link)
    db.session.commit()
    a = figures(Selection(YEAR), SchoolClass.school_id, select(Unit.id))[tree.school_a.id]
    assert (a.entries, a.entries_approved) == (2, 1)
    per_class = figures(Selection(YEAR), SchoolClass.id, select(Unit.id).where(Unit.id == tree.school_a.id))
    c10, c11 = per_class[province.classes["10A1"].id], per_class[province.classes["11A1"].id]
    assert (c10.entries, c10.entries_approved, c11.entries, c11.entries_approved) == (2, 1, 1, 0)
    assert figures(Selection(YEAR, province.contest), SchoolClass.school_id, select(Unit.id))[
        tree.school_a.id].entries == 0


def test_in_a_date_range_a_participant_is_counted_when_the_rule_was_met_in_it(tree, province, db, YEAR):
    """Rule "passed": a 9C1 student first tried 20 days ago and passed yesterday. From
    5 days ago they are a participant (the rule was met then) but did not start then:
    no attempts, no score. Up to 2 days ago they took part but had not passed."""
    province.contest.participation_rule = "passed"
    row = db.session.execute(select(Participation).where(
        Participation.student_id == province.people["9C1"][0].id)).scalar_one()
    row.first_at, row.passed_at = utcnow() - timedelta(days=20), utcnow() - timedelta(days=1)
    other = db.session.execute(select(Participation).where(
        Participation.student_id == province.people["9C1"][1].id)).scalar_one()
    other.first_at = other.passed_at = utcnow() - timedelta(days=30)
    db.session.flush()
    since = to_local(utcnow() - timedelta(days=5)).date()
    c = figures(Selection(YEAR, province.contest, date_from=since), SchoolClass.school_id, select(Unit.id))[
        tree.school_c.id]
    assert (c.participants, c.takers, c.attempts, c.passed) == (1, 0, 0, 0)
    until = to_local(utcnow() - timedelta(days=2)).date()
    c = figures(Selection(YEAR, province.contest, date_to=until), SchoolClass.school_id, select(Unit.id))[
        tree.school_c.id]
    assert (c.participants, c.takers, c.passed) == (1, 2, 1)  # the other one passed 30 days ago

"""`flask quiz import-shipped | export | close-expired | store-results` through Click's runner: each
prints its count first, and does what it says (`parse` and `import` are tested with
their formats, in tests/quiz/banks/formats and tests/quiz/banks/test_services.py)."""
from datetime import timedelta

from app.core.timeutil import utcnow
from app.quiz.attempts import services as quiz
from app.quiz.cli import shipped_questions
from app.quiz.banks.formats import answer, new_question, parse
from app.quiz.contests.ranking import round_ranking
from app.quiz.models import Attempt, Question, Ranking, RankingRow
from app.quiz.contests.services import add_round, create_contest
from app.quiz.banks.services import create_bank, import_questions


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_import_shipped_loads_the_bank_once(app, tree, db):
    first = run(app, "quiz", "import-shipped", "--unit", "SO")
    assert first.exit_code == 0, first.output
    count = db.session.query(Question).count()
    assert count == len(shipped_questions())
    assert first.output.strip() == f"DVC: Đã nhập: {count} câu mới, 0 câu cập nhật, 0 câu không đổi."
    again = run(app, "quiz", "import-shipped", "--unit", "SO")
    assert again.exit_code == 0 and db.session.query(Question).count() == count
    assert again.output.strip() == f"DVC: Đã nhập: 0 câu mới, 0 câu cập nhật, {count} câu không đổi."


def test_import_shipped_names_an_unknown_unit(app, db):
    result = run(app, "quiz", "import-shipped", "--unit", "KHONG")
    assert result.exit_code == 1 and "Không có đơn vị mã KHONG." in result.output


def test_export_writes_the_bank_and_says_how_many(app, tree, db, tmp_path):
    bank = create_bank(None, tree.so, code="DVC-X", name="Ngân hàng")
    import_questions(None, bank, [new_question(
        "multichoice", f"Câu {i}?", key=f"k{i}", topic="VNeID", level="all", difficulty="easy",
        answers=[answer("Đúng", 1.0), answer("Sai", 0.0)], general_feedback="", source="") for i in range(3)])
    db.session.commit()
    out = tmp_path / "bank.gift"
    result = run(app, "quiz", "export", "--bank", "DVC-X", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Đã xuất 3 câu ra {out}."
    assert [q["text"] for q in parse(out.read_bytes(), "gift")] == ["Câu 0?", "Câu 1?", "Câu 2?"]


def test_close_expired_submits_the_attempts_past_their_deadline(app, tree, make_class, make_student, db):
    bank = create_bank(None, tree.so, code="DVC-T", name="Ngân hàng")
    import_questions(None, bank, [new_question(
        "multichoice", "Câu?", key="k", topic="VNeID", level="all", difficulty="easy",
        answers=[answer("Đúng", 1.0), answer("Sai", 0.0)], general_feedback="", source="")])
    contest = create_contest(None, tree.so, bank, code="DVC", name="Thi", school_year=2026)
    now = utcnow()
    round_ = add_round(None, contest, name="Tuần 1", opens_at=now - timedelta(hours=2),
                       closes_at=now + timedelta(days=1), time_limit_minutes=20, question_count=1)
    c10 = make_class(tree.school_a, "10A1")
    late, on_time = make_student(c10, "Nguyễn Văn An"), make_student(c10, "Trần Thị Bình")
    quiz.start_attempt(late, round_, now - timedelta(hours=1))
    quiz.start_attempt(on_time, round_, now - timedelta(minutes=5))
    db.session.commit()

    result = run(app, "quiz", "close-expired", "--batch", "1")  # a batch at a time until none is left
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Đã nộp 1 bài hết giờ."
    db.session.expire_all()
    finished = {a.student_id: a.finished_by for a in db.session.query(Attempt)}
    assert finished == {late.id: "timeout", on_time.id: None}
    # nothing left to do: 0
    assert run(app, "quiz", "close-expired").output.strip() == "Đã nộp 0 bài hết giờ."


def test_store_results_stores_what_was_published_before_rankings_were_stored(
        app, tree, make_class, make_student, db, finish_attempt):
    bank = create_bank(None, tree.so, code="DVC-T", name="Ngân hàng")
    import_questions(None, bank, [new_question(
        "multichoice", "Câu?", key="k", topic="VNeID", level="all", difficulty="easy",
        answers=[answer("Đúng", 1.0), answer("Sai", 0.0)], general_feedback="", source="")])
    contest = create_contest(None, tree.so, bank, code="DVC", name="Thi", school_year=2026)
    start = utcnow() - timedelta(days=3)
    round_ = add_round(None, contest, name="Tuần 1", opens_at=start, closes_at=start + timedelta(days=1),
                       question_count=1, prizes={"nhat": 1})
    c10 = make_class(tree.school_a, "10A1")
    for minute, (name, right) in enumerate((("Nguyễn Văn An", False), ("Trần Thị Bình", True))):
        finish_attempt(make_student(c10, name), round_, right, start + timedelta(minutes=minute))
    published = utcnow() - timedelta(days=1)
    round_.results_published_at = published  # published before this version stored rankings
    db.session.commit()

    result = run(app, "quiz", "store-results")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Đã lưu bảng xếp hạng của 1 đợt thi và 0 cuộc thi."
    db.session.expire_all()
    rows = db.session.query(RankingRow).order_by(RankingRow.position).all()
    assert [(r.student_id, r.rank, r.prize) for r in rows] == [
        (r.student_id, r.rank, "nhat" if r.rank == 1 else None) for r in round_ranking(round_)]
    assert db.session.query(Ranking).one().stored_at == published and round_.results_published_at == published
    assert run(app, "quiz", "store-results").output.strip() == "Đã lưu bảng xếp hạng của 0 đợt thi và 0 cuộc thi."


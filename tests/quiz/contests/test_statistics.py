"""Item statistics against figures worked out by hand."""
from datetime import datetime, timedelta

import pytest

from app.quiz.attempts import services as quiz
from app.quiz.contests.services import add_round, create_contest
from app.quiz.banks.formats import answer, new_question
from app.quiz.banks.services import create_bank, import_questions
from app.quiz.contests.statistics import cronbach_alpha, item_stats, round_statistics

# Four attempts, three one-mark items (rows: attempts, columns: items).
MARKS = [
    [1, 1, 0],
    [1, 0, 0],
    [1, 1, 1],
    [0, 0, 1],
]
# By hand, item 1: marks 1,1,1,0 (mean 0.75); rest = totals minus item = 1,0,2,1.
#   facility 75 %; sample SD = sqrt(((.25²)*3 + .75²)/3) = sqrt(0.25) = 0.5 -> 50 %
#   rest: mean 1, sample SD = sqrt((0+1+1+0)/3) = 0.8165
#   cov(item, rest) = ((.25)(0) + (.25)(-1) + (.25)(1) + (-.75)(0)) / 3 = 0
#   -> discrimination 0 %, efficiency 0 %
# item 2: marks 1,0,1,0; rest 1,1,2,1 (mean 1.25)
#   cov = ((.5)(-.25) + (-.5)(-.25) + (.5)(.75) + (-.5)(-.25)) / 3 = 0.5/3 = 0.16667
#   SD item = sqrt(4 * .25 / 3) = 0.57735; SD rest = sqrt((.0625*3 + .5625)/3) = 0.5
#   discrimination = 0.16667 / (0.57735 * 0.5) = 0.57735 -> 57.735 %
#   sorted marks 0,0,1,1 with sorted rest 1,1,1,2: cov = ((-.5)(-.25)*2 + (.5)(-.25) + (.5)(.75)) / 3 = 0.5/3
#   -> efficiency 100 %
# alpha: item variances 0.25, 0.33333, 0.33333 (sum 0.91667); totals 2,1,3,1 (mean 1.75),
#   variance = (.0625 + .5625 + 1.5625 + .5625) / 3 = 0.91667 -> alpha = 3/2 * (1 - 1) = 0
# (a second set below has a positive alpha.)


def columns(marks):
    return [list(col) for col in zip(*marks)]


def test_item_figures_by_hand():
    totals = [sum(row) for row in MARKS]
    items = columns(MARKS)
    first = item_stats(1, "k1", "Câu 1", items[0], [t - m for t, m in zip(totals, items[0])])
    assert first.facility == pytest.approx(75.0)
    assert first.sd == pytest.approx(50.0)
    assert first.discrimination == pytest.approx(0.0, abs=1e-9)
    second = item_stats(2, "k2", "Câu 2", items[1], [t - m for t, m in zip(totals, items[1])])
    assert second.facility == pytest.approx(50.0)
    assert second.sd == pytest.approx(57.735, abs=1e-3)
    assert second.discrimination == pytest.approx(57.735, abs=1e-3)
    assert second.efficiency == pytest.approx(100.0)
    assert cronbach_alpha(items, totals) == pytest.approx(0.0, abs=1e-9)


def test_alpha_of_a_consistent_test():
    # items that agree: totals 3, 2, 1, 0 -> variance 5/3; item variances 1/3, 1/4*... by hand:
    marks = [[1, 1, 1], [1, 1, 0], [1, 0, 0], [0, 0, 0]]
    # item variances (sample): 0.25, 0.33333, 0.25 -> sum 0.83333; totals var = (2.25+.25+.25+2.25)/3 = 1.66667
    # alpha = 3/2 * (1 - 0.83333 / 1.66667) = 0.75
    assert cronbach_alpha(columns(marks), [sum(r) for r in marks]) == pytest.approx(0.75)


def test_flags_too_easy_and_negative_discrimination():
    # ten attempts; the item is right exactly for the weakest students
    marks = [1] * 3 + [0] * 7
    rests = [0, 1, 1, 5, 6, 6, 7, 8, 9, 9]
    stats = item_stats(1, None, "x", marks, rests)
    assert stats.discrimination < 0 and "phân biệt âm" in stats.flags
    easy = item_stats(2, None, "y", [1] * 10, list(range(10)))
    assert easy.facility == 100.0 and "quá dễ" in easy.flags and easy.discrimination is None


def test_round_statistics_use_first_attempts_only(tree, make_class, make_student, db):
    bank = create_bank(None, tree.so, code="BK", name="B")
    import_questions(None, bank, [new_question(
        "multichoice", f"Câu {i}?", key=f"k{i}", topic="T", level="all", difficulty="easy",
        answers=[answer("Đúng", 1.0), answer("Sai", 0.0)], general_feedback="x", source="y") for i in range(3)])
    contest = create_contest(None, tree.so, bank, code="CT", name="C", school_year=2026)
    t0 = datetime(2026, 11, 23, 1, 0)
    round_ = add_round(None, contest, name="R", opens_at=t0, closes_at=t0 + timedelta(days=1), question_count=3,
                       attempts_allowed=2, shuffle_questions=False, ask_prediction=False)
    school_class = make_class(tree.school_a, "10A1")
    for row in MARKS:
        student = make_student(school_class)
        attempt = quiz.start_attempt(student, round_, t0)
        for item, right in zip(attempt.questions, row):
            choice = next(i for i in item.option_order if (item.version.answers[i]["fraction"] > 0) == bool(right))
            quiz.save_answer(attempt, item.position, {"choices": [choice]}, 1, t0)
        quiz.submit_attempt(attempt, t0 + timedelta(minutes=1))
        second = quiz.start_attempt(student, round_, t0 + timedelta(minutes=2))  # all wrong: must not count
        quiz.submit_attempt(second, t0 + timedelta(minutes=3))
    db.session.commit()
    stats = round_statistics(round_)
    assert stats.attempts == 4 and stats.mean_score == pytest.approx(1.75)
    by_key = {item.key: item for item in stats.items}
    assert by_key["k0"].facility == pytest.approx(75.0)
    assert by_key["k1"].discrimination == pytest.approx(57.735, abs=1e-3)
    assert stats.alpha == pytest.approx(0.0, abs=1e-9)


def test_statistics_page_and_xlsx(client, login, make_user, tree, make_class, make_student, db):
    test_round_statistics_use_first_attempts_only(tree, make_class, make_student, db)
    from app.quiz.models import Round
    round_ = db.session.query(Round).one()
    login(make_user("department", tree.so))
    page = client.get(f"/rounds/{round_.id}/statistics").get_data(as_text=True)
    assert "4 bài" in page and "75 %" in page and "58 %" in page
    assert "điểm trung bình 1,75" in page and "1.75" not in page
    from io import BytesIO

    from openpyxl import load_workbook
    sheet = load_workbook(BytesIO(client.get(f"/rounds/{round_.id}/statistics.xlsx").data)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert "Điểm trung bình: 1,75" in [row[0] for row in rows]
    header = rows.index(["Mã câu", "Câu hỏi", "Số lượt", "Độ dễ (%)", "Độ lệch chuẩn (%)", "Chỉ số phân biệt (%)",
                         "Hiệu quả phân biệt (%)", "Cảnh báo"])
    by_key = {row[0]: row for row in rows[header + 1:]}
    assert by_key["k0"][3] == 75.0 and by_key["k1"][5] == 57.74  # numbers, to two decimals
    k1 = next(row for row in sheet.iter_rows() if row[0].value == "k1")
    assert k1[5].number_format == "0.00"


def test_the_statistics_page_says_discrimination_uses_the_rest_of_the_test_unlike_moodle(
        client, login, make_user, tree, make_class, make_student, db):
    test_round_statistics_use_first_attempts_only(tree, make_class, make_student, db)
    from app.quiz.models import Round
    round_ = db.session.query(Round).one()
    login(make_user("department", tree.so))
    page = client.get(f"/rounds/{round_.id}/statistics").get_data(as_text=True)
    assert "tương quan câu–tổng đã hiệu chỉnh" in page
    assert "Moodle" in page and "cao hơn ở đây khoảng 10 điểm" in page

"""Ranking of a round: which attempt counts, ties, and prizes shared by true ties."""
from datetime import datetime, timedelta
from types import SimpleNamespace

from app.quiz.ranking import award_prizes, rank_attempts

T0 = datetime(2026, 3, 2, 1, 0)


def attempt(student_id, number, score, prediction, duration, minute):
    return SimpleNamespace(student_id=student_id, school_id=1, number=number, score=score, max_score=10.0,
                           prediction=prediction, duration_seconds=duration,
                           submitted_at=T0 + timedelta(minutes=minute))


def test_among_equal_scores_the_attempt_best_by_the_whole_ranking_order_counts():
    # Nobody has full marks, so the right prediction is 0.
    # Student 1: a quick first try predicting 9, then the same 7 points predicting 0 exactly.
    # Student 2: 7 points once, predicting 1 (off by 1), in 200 s.
    ranking = rank_attempts([
        [attempt(1, 1, 7.0, 9, 100, 1), attempt(1, 2, 7.0, 0, 300, 30)],
        [attempt(2, 1, 7.0, 1, 200, 2)],
    ], "highest")
    assert [(r.student_id, r.rank, r.prediction_error, r.duration_seconds) for r in ranking] == [
        (1, 1, 0, 300), (2, 2, 1, 200)]


def test_the_prediction_of_the_counted_attempt_is_judged_against_the_full_marks_count():
    # Two students have every question right, so predicting 2 is exact.
    ranking = rank_attempts([
        [attempt(1, 1, 10.0, 5, 100, 1), attempt(1, 2, 10.0, 2, 400, 9)],
        [attempt(2, 1, 10.0, 3, 150, 2)],
        [attempt(3, 1, 4.0, 2, 50, 3)],
    ], "highest")
    assert [(r.student_id, r.rank, r.prediction_error) for r in ranking] == [(1, 1, 0), (2, 2, 1), (3, 3, 0)]


def test_students_equal_on_every_key_share_the_rank_and_the_prize():
    ranking = rank_attempts([
        [attempt(1, 1, 9.0, 0, 300, 5)],
        [attempt(2, 1, 9.0, 0, 300, 5)],
        [attempt(3, 1, 8.0, 0, 300, 5)],
    ], "highest")
    assert [(r.student_id, r.rank) for r in ranking] == [(1, 1), (2, 1), (3, 3)]
    assert award_prizes(ranking, {"nhat": 1, "nhi": 1, "ba": 1}) == {1: "Giải Nhất", 2: "Giải Nhất", 3: "Giải Ba"}

"""Ranking of a round: which attempt counts, ties, and prizes shared by true ties."""
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest

from app.core.prizes import award_prizes
from app.quiz.contests.ranking import Result, counted_result, rank_attempts, rank_results

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


# Grading methods and ranking --------------------------------------------------------

def fake(score, number, prediction=None, duration=600, minute=0, student_id=1):
    return SimpleNamespace(score=score, number=number, prediction=prediction, duration_seconds=duration,
                           submitted_at=T0 + timedelta(minutes=minute), student_id=student_id, school_id=1,
                           max_score=10.0)


@pytest.mark.parametrize("method, score, prediction", [
    ("highest", 8.0, 3), ("first", 6.0, 1), ("last", 7.0, 5), ("average", 7.0, 5)])
def test_grading_methods(method, score, prediction):
    attempts = [fake(6.0, 1, 1), fake(8.0, 2, 3), fake(7.0, 3, 5)]
    result = counted_result(attempts, method)
    assert (result.score, result.prediction, result.attempts) == (score, prediction, 3)


def r(student_id, score, prediction, duration, minute):
    return Result(student_id=student_id, school_id=1, score=score, max_score=10.0, prediction=prediction,
                  duration_seconds=duration, submitted_at=T0 + timedelta(minutes=minute), attempts=1)


def test_ranking_breaks_ties_by_prediction_then_time_then_submit_and_keeps_true_ties():
    results = rank_results([
        r(1, 9.0, 2, 300, 1),    # 9 points, prediction off by 1
        r(2, 10.0, 5, 100, 1),   # 10, off by 2, fast
        r(3, 10.0, 2, 500, 2),   # 10, off by 1: best prediction wins over speed
        r(4, 10.0, 1, 400, 3),   # 10, off by 2, slower than student 2
        r(5, 9.0, 2, 300, 1),    # same as student 1 on all four keys: a tie
        r(6, 9.0, None, 10, 0),  # no prediction ranks after any prediction
    ])
    # three students (2, 3, 4) have every question right, so the actual count is 3
    assert [(x.student_id, x.rank, x.prediction_error) for x in results] == [
        (3, 1, 1), (2, 2, 2), (4, 3, 2), (1, 4, 1), (5, 4, 1), (6, 6, None)]


def test_submit_time_breaks_the_last_tie():
    results = rank_results([r(1, 5.0, 0, 300, 9), r(2, 5.0, 0, 300, 8)])
    assert [(x.student_id, x.rank) for x in results] == [(2, 1), (1, 2)]


def test_prizes_follow_the_ranking_and_ties_share_the_better_prize():
    results = rank_results([r(1, 10.0, 0, 100, 1), r(2, 9.0, 0, 100, 1), r(3, 9.0, 0, 100, 1),
                            r(4, 8.0, 0, 100, 1), r(5, 7.0, 0, 100, 1), r(6, 2.0, 0, 100, 1)])
    prizes = award_prizes(results, {"nhat": 1, "nhi": 1, "ba": 1, "kk": 2}, passing_score=50)
    # ranks 1 | 2, 2 | 4 | 5 | 6. Students 2 and 3 tie for the one Nhì and share it, which takes
    # the place of the Ba (ranks <= 3: nobody left); the two Khuyến khích go to ranks <= 5;
    # student 6 has 20 %, below the passing score, and wins nothing.
    assert prizes == {1: "Giải Nhất", 2: "Giải Nhì", 3: "Giải Nhì", 4: "Giải Khuyến khích",
                      5: "Giải Khuyến khích"}

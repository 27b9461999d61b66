"""Prizes down a ranking (app/core/prizes.py); rankings with prizes are in tests/quiz/contests/test_ranking.py."""
from types import SimpleNamespace

from app.core.prizes import award_prizes


def _row(key, rank, percent=80.0, score=8.0):
    return SimpleNamespace(student_id=key, rank=rank, percent=percent, score=score)


def test_a_tie_shares_the_better_prize_and_uses_up_the_places_it_takes():
    rows = [_row(1, 1), _row(2, 2), _row(3, 2), _row(4, 4), _row(5, 5)]
    # ranks 2 and 2 both take the one second prize; the third prize was for rank 3, which nobody holds
    assert award_prizes(rows, {"nhat": 1, "nhi": 1, "ba": 1}) == {1: "Giải Nhất", 2: "Giải Nhì", 3: "Giải Nhì"}
    assert award_prizes(rows, {"nhat": 1, "nhi": 1, "ba": 2}) == {
        1: "Giải Nhất", 2: "Giải Nhì", 3: "Giải Nhì", 4: "Giải Ba"}


def test_results_below_the_passing_score_or_at_zero_win_nothing_and_counts_may_be_blank():
    rows = [_row(1, 1, percent=40.0), _row(2, 2, score=0.0, percent=60.0), _row(3, 3)]
    # prizes go by rank: a failed result keeps its place, it does not hand the prize down
    assert award_prizes(rows, {"nhat": 2, "kk": None}, passing_score=50) == {}
    assert award_prizes(rows, {"nhat": 3}, passing_score=50) == {3: "Giải Nhất"}
    assert award_prizes(rows, None) == {}


def test_any_key_and_a_given_eligible_list_serve_collective_prizes():
    rows = [SimpleNamespace(unit_id=7, rank=1), SimpleNamespace(unit_id=8, rank=2)]
    assert award_prizes(rows, {"kk": 5}, key=lambda r: r.unit_id, eligible=rows[1:]) == {8: "Giải Khuyến khích"}

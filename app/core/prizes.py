"""Prizes down a ranking, the same rule for quiz rounds, whole contests, collective
prizes and creative contests."""
from app.core.vocabulary import Prize

PRIZES = tuple(Prize.choices())  # (key, label), best first
KEY_OF_LABEL = {label: key for key, label in PRIZES}  # award_prizes gives labels; rows store keys


def award_prizes(results, counts, passing_score=0.0, key=lambda r: r.student_id, eligible=None):
    """Prizes down a ranking: each prize takes the next ranks by its count; entries
    tied on a rank share the better prize. By default only results that pass (and
    score above 0) can win. Returns {key(result): prize label}."""
    awarded, last_rank = {}, 0
    if eligible is None:
        eligible = [r for r in results if r.percent >= passing_score and r.score > 0]
    for prize, label in PRIZES:
        count = int((counts or {}).get(prize) or 0)
        if not count:
            continue
        limit = last_rank + count
        for r in eligible:
            if key(r) not in awarded and r.rank <= limit:
                awarded[key(r)] = label
        last_rank = max([last_rank] + [r.rank for r in eligible if awarded.get(key(r)) == label])
        last_rank = max(last_rank, limit)
    return awarded

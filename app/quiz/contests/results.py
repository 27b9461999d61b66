"""Results as the pages show them, a page at a time.

Publishing stores a round's ranking, or a whole contest's with its collective
rankings, with the prizes (`store_round`, `store_contest`: tables `ranking`,
`ranking_row`, `collective_row`), in the publishing transaction and in place of what an
earlier publication stored. A page then reads the ranking's header, one page of rows
by `position` on the index (ranking_id, position) with `db.paginate` (LIMIT/OFFSET),
and the names of just those students: the same few statements whatever the number of
participants. OFFSET keeps the page-number URLs (`?page=40`) and the pager; the
deep pages of a province ranking are staff pages, and the public pages list the
winners, the first rows of a ranking.

A round not yet published, or published before its ranking was stored, is ranked
from its attempts on every visit (`LiveResults`, with the same methods), as staff
follow it while it runs."""
from dataclasses import dataclass
from math import ceil

from flask import abort, current_app
from sqlalchemy import delete, insert, select

from app.core import pagecache
from app.core.paging import RANKING_PAGE, page_of
from app.core.prizes import KEY_OF_LABEL, award_prizes
from app.extensions import db
from app.org.models import SchoolClass, Student, Unit
from app.quiz import access
from app.quiz.contests.ranking import collective_ranking, contest_ranking, count_full_marks, round_ranking
from app.quiz.models import CollectiveRow, Contest, Ranking, RankingRow, Round


# Storing -------------------------------------------------------------------------------

def store_round(round_, ranking, prizes, now):
    """Store a round's ranked results (`ranking`, ranked `Result`s) with their prizes
    ({student id: label}) in place of what was stored before. Called before the round
    takes its new publication time, which names the cached pages to forget."""
    header = _replace(round_, round_.contest_id, round_.id, ranking, prizes, now)
    _insert_rows(header, ranking, prizes)


def store_contest(contest, ranking, prizes, schools, units, collective, now):
    """Store a contest's overall ranking with its prizes, and its collective rankings of
    schools and units (`UnitRate`s) with their collective prizes ({unit id: label}).
    Called before the contest takes its new publication time."""
    header = _replace(contest, contest.id, None, ranking, prizes, now)
    _insert_rows(header, ranking, prizes)
    rows = [dict(ranking_id=header.id, kind=kind, position=position, rank=r.rank, unit_id=r.unit_id,
                 enrolled=r.enrolled, participants=r.participants, prize=KEY_OF_LABEL.get(collective.get(r.unit_id)))
            for kind, rates in (("school", schools), ("unit", units)) for position, r in enumerate(rates, start=1)]
    if rows:
        db.session.execute(insert(CollectiveRow), rows)


def published_without_stored_ranking():
    """Rounds and contests whose results were published before rankings were stored
    (their pages rank them live on every visit), as ("round" | "contest", id) pairs."""
    stored_rounds = select(Ranking.round_id).where(Ranking.round_id.is_not(None))
    stored_contests = select(Ranking.contest_id).where(Ranking.round_id.is_(None))
    rounds = db.session.execute(select(Round.id).where(
        Round.results_published_at.is_not(None), Round.practice.is_(False), Round.id.not_in(stored_rounds))
        .order_by(Round.id)).scalars().all()
    contests = db.session.execute(select(Contest.id).where(
        Contest.results_published_at.is_not(None), Contest.id.not_in(stored_contests))
        .order_by(Contest.id)).scalars().all()
    return [("round", id_) for id_ in rounds] + [("contest", id_) for id_ in contests]


def store_as_published(kind, owner_id):
    """Store the ranking of a round or contest already published, as its pages show it
    now (ranked from the attempts, with its prizes), keeping its publication time."""
    if kind == "round":
        round_ = db.session.get(Round, owner_id)
        ranking = round_ranking(round_)
        store_round(round_, ranking, award_prizes(ranking, round_.prizes or {}, round_.passing_score),
                    round_.results_published_at)
    else:
        contest = db.session.get(Contest, owner_id)
        ranking = contest_ranking(contest)
        schools, units, collective = collective_ranking(contest)
        store_contest(contest, ranking, award_prizes(ranking, contest.prizes), schools, units, collective,
                      contest.results_published_at)


def lock_for_publishing(owner):
    """Lock the round or contest being published, so that a second publication of the
    same results at once waits for the first and then replaces it (PostgreSQL)."""
    db.session.execute(select(type(owner).id).where(type(owner).id == owner.id).with_for_update())


def _replace(owner, contest_id, round_id, ranking, prizes, now):
    """The ranking's header with its rows deleted (a new header the first time), its
    figures set, and the cached public pages of the old version forgotten on commit."""
    header = db.session.execute(select(Ranking).where(
        Ranking.contest_id == contest_id,
        Ranking.round_id == round_id if round_id is not None else Ranking.round_id.is_(None))).scalar_one_or_none()
    pagecache.forget_after_commit(db.session, _old_keys(owner, header))
    if header is None:
        header = Ranking(contest_id=contest_id, round_id=round_id)
        db.session.add(header)
    else:
        db.session.execute(delete(RankingRow).where(RankingRow.ranking_id == header.id))
        db.session.execute(delete(CollectiveRow).where(CollectiveRow.ranking_id == header.id))
    header.participants, header.full_marks = len(ranking), count_full_marks(ranking)
    header.winners, header.stored_at = sum(1 for r in ranking if r.student_id in prizes), now
    db.session.flush()
    return header


def _insert_rows(header, ranking, prizes):
    rows = [dict(ranking_id=header.id, position=position, rank=r.rank, student_id=r.student_id,
                 school_id=r.school_id, score=r.score, max_score=r.max_score, prediction_error=r.prediction_error,
                 duration_seconds=r.duration_seconds, submitted_at=r.submitted_at,
                 prize=KEY_OF_LABEL.get(prizes.get(r.student_id)))
            for position, r in enumerate(ranking, start=1)]
    if rows:  # one multi-row INSERT per thousand rows
        db.session.execute(insert(RankingRow), rows)


# Reading -------------------------------------------------------------------------------

def round_results(round_):
    """The results of a round: stored once published, else ranked from the attempts."""
    header = _stored(round_.results_published_at, Ranking.round_id == round_.id)
    if header is not None:
        return StoredResults(header)
    ranking = round_ranking(round_)
    return LiveResults(ranking, award_prizes(ranking, round_.prizes or {}, round_.passing_score))


def contest_results(contest):
    """The overall results of a contest: stored once published, else ranked from its rounds."""
    header = _stored(contest.results_published_at, (Ranking.contest_id == contest.id) & Ranking.round_id.is_(None))
    if header is not None:
        return StoredResults(header)
    ranking = contest_ranking(contest)
    return LiveResults(ranking, award_prizes(ranking, contest.prizes))


def _stored(published_at, condition):
    if published_at is None:
        return None
    return db.session.execute(select(Ranking).where(condition)).scalar_one_or_none()


def collective_results(contest):
    """(schools, units): the collective rankings of a contest with their prizes (rows
    with rank, unit_id, name, enrolled, participants, rate, prize_label); stored once
    its overall results are published."""
    header = _stored(contest.results_published_at, (Ranking.contest_id == contest.id) & Ranking.round_id.is_(None))
    if header is not None:
        rows = db.session.execute(select(CollectiveRow).where(CollectiveRow.ranking_id == header.id)
                                  .order_by(CollectiveRow.kind, CollectiveRow.position)).scalars().all()
        return [r for r in rows if r.kind == "school"], [r for r in rows if r.kind == "unit"]
    schools, units, prizes = collective_ranking(contest)
    for row in schools + units:
        row.prize_label = prizes.get(row.unit_id)
    return schools, units


class StoredResults:
    """A stored ranking. Rows have rank, student_id, school_id, score, max_score,
    prediction_error, duration_seconds and prize_label."""

    def __init__(self, header):
        self.header = header
        self.total, self.full_marks = header.participants, header.full_marks

    def _rows(self):
        return select(RankingRow).where(RankingRow.ranking_id == self.header.id).order_by(RankingRow.position)

    def winners_page(self, number):
        """One page of the prize winners; 404 past the last page."""
        return _paginate(self._rows().where(RankingRow.prize.is_not(None)), number, self.header.winners)

    def page(self, scope, number):
        """One page of the rows within `scope` (quiz.access.results_scope); 404 past the last page."""
        if scope is None:
            return _paginate(self._rows(), number, self.header.participants)
        attribute, ids = scope
        return _paginate(self._rows().where(getattr(RankingRow, attribute).in_(ids)), number)

    def own(self, student_id):
        return db.session.execute(select(RankingRow).where(
            RankingRow.ranking_id == self.header.id, RankingRow.student_id == student_id)).scalar_one_or_none()


def _paginate(query, number, total=None):
    """db.paginate, with the total already known (the ranking's header) or counted."""
    if total == 0:
        return _empty_page(number)
    page = db.paginate(query, page=number, per_page=RANKING_PAGE, error_out=True, count=total is None)
    if total is not None:
        page.total = total  # count=False: Flask-SQLAlchemy leaves the total to the caller
    return page


def _empty_page(number):
    if number != 1:
        abort(404)
    return page_of([], 1)


class LiveResults:
    """A ranking computed on this visit, with the methods of StoredResults."""

    def __init__(self, ranking, prizes):
        for result in ranking:
            result.prize_label = prizes.get(result.student_id)
        self.ranking = ranking
        self.total, self.full_marks = len(ranking), count_full_marks(ranking)

    def winners_page(self, number):
        return _page_or_404([r for r in self.ranking if r.prize_label], number)

    def page(self, scope, number):
        rows = self.ranking
        if scope is not None:
            attribute, ids = scope
            allowed = set(db.session.execute(ids).scalars())
            rows = [r for r in rows if getattr(r, attribute) in allowed]
        return _page_or_404(rows, number)

    def own(self, student_id):
        return next((r for r in self.ranking if r.student_id == student_id), None)


def _page_or_404(rows, number):
    page = page_of(rows, number)
    if page.page != number:
        abort(404)
    return page


# Names and cached pages ----------------------------------------------------------------

@dataclass(frozen=True)
class Who:
    full_name: str
    class_name: str
    school_name: str


def names(*groups):
    """{student id: Who} of the rows shown (any number of lists of rows), in one query."""
    ids = {r.student_id for rows in groups for r in rows if r is not None}
    if not ids:
        return {}
    rows = db.session.execute(
        select(Student.id, Student.full_name, SchoolClass.name, Unit.name)
        .outerjoin(SchoolClass, SchoolClass.id == Student.class_id).join(Unit, Unit.id == Student.school_id)
        .where(Student.id.in_(ids))).all()
    return {id_: Who(full_name, class_name or "", school_name) for id_, full_name, class_name, school_name in rows}


def published_at(kind, owner_id):
    """When the results of a round or a contest ("round", "contest") were published: the
    version of its public pages, kept RESULTS_VERSION_SECONDS in the cache (a cached page
    then costs no query), else read alone from the database (404 when unpublished)."""
    model = Round if kind == "round" else Contest
    return pagecache.cached(_version_key(kind, owner_id), lambda: access.results_published_at_or_404(model, owner_id),
                            current_app.config["RESULTS_VERSION_SECONDS"])


def page_key(kind, owner_id, published_at, number):
    """The cache key of a public results page: the round or contest, the version of its
    results (when they were published) and the page."""
    return f"results:{kind}:{owner_id}:{published_at:%Y%m%d%H%M%S%f}:{number}"


def _version_key(kind, owner_id):
    return f"results:{kind}:{owner_id}:published"


def _old_keys(owner, header):
    """The cached publication time of a round or contest and the keys of every public
    page of its results as published until now (before it takes the new publication's
    time), to delete once the new publication is committed."""
    kind = "round" if isinstance(owner, Round) else "contest"
    keys = [_version_key(kind, owner.id)]
    if owner.results_published_at is not None and header is not None:
        pages = max(1, ceil(header.winners / RANKING_PAGE))
        keys += [page_key(kind, owner.id, owner.results_published_at, number) for number in range(1, pages + 1)]
    return keys

"""The provincial round: panels of judges per category, entries assigned to judges
(balanced, never a judge's own school), blind scoring against the rubric, the
aggregation of the scores, ranking, prizes and publication.

A judge's score of an entry is the weighted sum of the criteria, each taken as a
share of its maximum, on a 100-point scale. An entry's score is the mean over its
judges; with 5 judges or more (and the contest says so) the highest and the lowest
are left out. When the judges' scores are further apart than the contest's
`disagreement_points`, the entry is flagged for the panel head."""
from dataclasses import dataclass, field

from sqlalchemy import select, update

from app.accounts.models import User
from app.core import audit
from app.core.errors import DomainError
from app.core.timeutil import utcnow
from app.entries.models import CATEGORIES, Assignment, Entry, Panel, PanelJudge
from app.extensions import db
from app.core.prizes import PRIZES, award_prizes


def judging_started(contest):
    """Judging starts when entries are given to judges: from then on the rubric is fixed."""
    return db.session.execute(select(Assignment.id).join(Entry, Entry.id == Assignment.entry_id)
                              .where(Entry.contest_id == contest.id).limit(1)).first() is not None


def provincial_entries(contest, category, now=None):
    """Entries of a category in the provincial round: approved by their school, once
    the school round has ended."""
    now = now or utcnow()
    if now < contest.approval_closes_at:
        return []
    return db.session.execute(select(Entry).where(
        Entry.contest_id == contest.id, Entry.category == category, Entry.status == "approved")
        .order_by(Entry.id)).scalars().all()


def panel_of(contest, category):
    return db.session.execute(select(Panel).where(Panel.contest_id == contest.id, Panel.category == category)
                              ).scalar_one_or_none()


def set_panel(actor, contest, category, judge_ids, head_id=None):
    """The judges of a category (accounts with the judge role) and its head."""
    if category not in contest.category_list:
        raise DomainError("Thể loại không có trong cuộc thi này.")
    judges = db.session.execute(select(User).where(User.id.in_([int(i) for i in judge_ids]))).scalars().all()
    if any(not j.role_enum.judges_entries or not j.is_active for j in judges) or len(judges) != len(set(judge_ids)):
        raise DomainError("Chỉ chọn được tài khoản giám khảo đang hoạt động.")
    if head_id and int(head_id) not in {j.id for j in judges}:
        raise DomainError("Trưởng ban phải là một giám khảo của ban.")
    panel = panel_of(contest, category)
    if panel is None:
        panel = Panel(contest_id=contest.id, category=category)
        db.session.add(panel)
    assigned = set(db.session.execute(select(Assignment.judge_id).join(Entry, Entry.id == Assignment.entry_id)
                                      .where(Entry.contest_id == contest.id, Entry.category == category)).scalars())
    kept = {j.id for j in judges}
    if assigned - kept:
        raise DomainError("Không bỏ được giám khảo đã được giao bài chấm.")
    panel.judges = [PanelJudge(user_id=j.id) for j in judges]
    panel.head_id = int(head_id) if head_id else None
    audit.record(actor, "creative.panel", "creative_contest", contest.id, contest.unit_id,
                 f"{CATEGORIES[category]}: " + ", ".join(j.username for j in judges))
    return panel


def _judge_school(judge):
    """The school a judge belongs to, if their account is attached to one."""
    return judge.unit_id if judge.unit is not None and judge.unit.kind == "school" else None


def assign_entries(actor, contest, category, now=None):
    """Give each provincial entry of a category to `judges_per_entry` judges of its
    panel: the least loaded first, never a judge from the entry's own school. Keeps
    the assignments already made; returns how many were added."""
    panel = panel_of(contest, category)
    entries = provincial_entries(contest, category, now)
    if panel is None or not panel.judges:
        raise DomainError(f"Chưa có ban giám khảo {CATEGORIES[category].lower()}.")
    if not entries:
        raise DomainError("Chưa có bài nào vào vòng tỉnh (bài được trường duyệt, sau khi vòng trường kết thúc).")
    judges = sorted((pj.user for pj in panel.judges if pj.user.is_active), key=lambda u: u.id)
    school_of = {j.id: _judge_school(j) for j in judges}
    load = dict.fromkeys(school_of, 0)
    existing = {}
    for entry_id, judge_id in db.session.execute(select(Assignment.entry_id, Assignment.judge_id).join(
            Entry, Entry.id == Assignment.entry_id).where(Entry.contest_id == contest.id)):
        existing.setdefault(entry_id, set()).add(judge_id)
        if judge_id in load:
            load[judge_id] += 1
    added, short = 0, []
    for entry in entries:
        have = existing.get(entry.id, set())
        need = contest.judges_per_entry - len(have)
        eligible = [j for j in judges if j.id not in have and school_of[j.id] != entry.school_id]
        if need > len(eligible):
            short.append(entry.blind_code)
            continue
        for judge in sorted(eligible, key=lambda j: (load[j.id], j.id))[:max(need, 0)]:
            db.session.add(Assignment(entry_id=entry.id, judge_id=judge.id, scores={}, comment=""))
            load[judge.id] += 1
            added += 1
    if short:
        raise DomainError(f"Không đủ giám khảo khác trường để chấm các bài: {', '.join(short)}. "
                          "Thêm giám khảo vào ban rồi giao lại.")
    db.session.flush()
    audit.record(actor, "creative.assign", "creative_contest", contest.id, contest.unit_id,
                 f"{CATEGORIES[category]}: {added} lượt chấm")
    return added


def save_scores(judge, assignment, scores, comment="", submit=False, now=None):
    """A judge saves a draft of their scores, or submits them (then they are final)."""
    now = now or utcnow()
    if assignment.judge_id != judge.id:
        raise DomainError("Bài này không được giao cho bạn.")
    if assignment.submitted_at is not None:
        raise DomainError("Bạn đã nộp điểm bài này.")
    contest = assignment.entry.contest
    if contest.results_published_at is not None:
        raise DomainError("Kết quả đã công bố.")
    rubric = contest.rubric_for(assignment.entry.category)
    cleaned = {}
    for criterion in rubric:
        raw = scores.get(criterion["key"])
        if raw in (None, ""):
            if submit:
                raise DomainError(f"Chưa chấm tiêu chí “{criterion['name']}”.")
            continue
        try:
            value = float(str(raw).replace(",", "."))
        except ValueError:
            raise DomainError(f"Điểm “{criterion['name']}” phải là số.") from None
        if not 0 <= value <= criterion["max"]:
            raise DomainError(f"Điểm “{criterion['name']}” từ 0 đến {criterion['max']:g}.")
        cleaned[criterion["key"]] = value
    assignment.scores, assignment.comment = cleaned, (comment or "").strip()
    assignment.updated_at = now
    if submit:
        assignment.submitted_at = now


def weighted_score(scores, rubric):
    """A judge's score of an entry on 100: each criterion as a share of its maximum,
    weighted. None until every criterion has a score."""
    if any(c["key"] not in scores for c in rubric):
        return None
    total_weight = sum(c["weight"] for c in rubric)
    return 100.0 * sum(scores[c["key"]] / c["max"] * c["weight"] for c in rubric) / total_weight


@dataclass
class EntryResult:
    entry: Entry
    judge_scores: list = field(default_factory=list)  # submitted scores, in judge order
    pending: int = 0  # assignments not yet submitted
    score: float | None = None
    spread: float | None = None
    flagged: bool = False
    dropped: tuple = ()
    rank: int = 0

    @property
    def entry_id(self):
        return self.entry.id


def aggregate(contest, category, now=None):
    """Results of a category's provincial entries, best first; equal scores (to 0.01)
    share a rank. Entries not fully scored come last, without a rank."""
    rubric = contest.rubric_for(category)
    entries = provincial_entries(contest, category, now)
    by_entry = {e.id: EntryResult(e) for e in entries}
    rows = db.session.execute(select(Assignment).where(Assignment.entry_id.in_(list(by_entry)))
                              .order_by(Assignment.entry_id, Assignment.judge_id)).scalars()
    for a in rows:
        result = by_entry[a.entry_id]
        if a.submitted_at is None:
            result.pending += 1
        else:
            result.judge_scores.append(weighted_score(a.scores, rubric))
    for result in by_entry.values():
        values = sorted(result.judge_scores)
        if result.pending or not values:
            continue
        counted = values
        if contest.drop_extremes and len(values) >= 5:
            counted, result.dropped = values[1:-1], (values[0], values[-1])
        result.score = sum(counted) / len(counted)
        result.spread = values[-1] - values[0]
        result.flagged = result.spread > contest.disagreement_points
    results = sorted(by_entry.values(), key=lambda r: (r.score is None, -(r.score or 0), r.entry.id))
    for index, r in enumerate(results):
        if r.score is None:
            continue
        previous = results[index - 1] if index else None
        same = previous is not None and previous.score is not None and round(previous.score, 2) == round(r.score, 2)
        r.rank = previous.rank if same else index + 1
    return results


def publish_results(actor, contest, now=None):
    """Rank every category, give its prizes, store them on the entries and make the
    results public. Every provincial entry must be scored by all its judges."""
    now = now or utcnow()
    if now < contest.approval_closes_at:
        raise DomainError("Vòng trường chưa kết thúc.")
    everything = {}
    for category in contest.category_list:
        results = aggregate(contest, category, now)
        unscored = [r.entry.blind_code for r in results if r.score is None]
        if unscored:
            raise DomainError(f"Còn bài chưa chấm xong: {', '.join(unscored[:10])}"
                              f"{' …' if len(unscored) > 10 else ''}.")
        everything[category] = results
    db.session.execute(update(Entry).where(Entry.contest_id == contest.id).values(
        final_score=None, rank=None, prize=None, prize_label=None))
    keys = {label: key for key, label in PRIZES}
    for category, results in everything.items():
        prizes = award_prizes(results, (contest.prizes or {}).get(category), key=lambda r: r.entry_id,
                              eligible=[r for r in results if (r.score or 0) > 0])
        for r in results:
            r.entry.final_score, r.entry.rank = r.score, r.rank
            label = prizes.get(r.entry.id)
            r.entry.prize, r.entry.prize_label = (keys[label], label) if label else (None, None)
    contest.results_published_at = now
    audit.record(actor, "creative.publish", "creative_contest", contest.id, contest.unit_id, contest.name)
    return everything

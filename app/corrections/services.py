"""Correcting a question after students answered it: what a correction would change
(`dry_run`, which writes nothing) and applying it (`apply`, in the caller's
transaction, which the request commits).

A correction reaches every attempt that drew the question, whatever the contest (a
Sở's bank serves many): the attempts are regraded from their stored responses
(app.corrections.regrade), each affected round and contest is ranked again (the
prediction tie-break against the new number of full marks), published results are
stored again, participation is recounted, certificates whose result changed are
revoked and those still earned issued again, and the results pages get a note.

Applying takes, in order: the question's row (two staff applying at once: the second
waits, then finds the version it previewed gone and is refused), the attempts that
drew the question (a submit in flight finishes first; one arriving meanwhile waits
and is then graded with the correction by the adjuster), then the rounds and
contests being published again and the certificate templates, as publishing and
issuing take them. PostgreSQL only: SQLite has a single writer anyway."""
from dataclasses import dataclass, field

from sqlalchemy import select, update

from app.certificates.models import Certificate, CertificateTemplate
from app.certificates.services import (Outcome, candidates, issue, published_outcome, revoke, round_passes,
                                       template_of)
from app.core import audit
from app.core.errors import DomainError
from app.core.prizes import award_prizes
from app.core.text import nfc
from app.core.timeutil import format_date
from app.corrections.models import Correction, CorrectionKind, CorrectionNote, QuestionReport, ReportResolution
from app.corrections.regrade import UNREAD, Rule, option_texts, regrade
from app.coverage import participation
from app.coverage.models import Participation
from app.extensions import db
from app.quiz import access
from app.quiz.banks.services import add_version, question_dict, retire_question
from app.quiz.contests.ranking import contest_ranking, round_ranking
from app.quiz.contests.services import republish_results
from app.quiz.models import Attempt, AttemptQuestion, Award, Contest, QuestionVersion, Round

REASON_MIN = 5
CHUNK = 2000


# Rules: the corrections of questions, as grading reads them ------------------------------

def rules_for(question_ids):
    """{question id: [Rule]} of the corrections applied to these questions, in order."""
    ids = list(set(question_ids))
    if not ids:
        return {}
    corrections = db.session.execute(select(Correction).where(Correction.question_id.in_(ids))
                                     .order_by(Correction.id)).scalars().all()
    if not corrections:
        return {}
    versions = _versions({c.version_id for c in corrections if c.version_id}
                         | {c.from_version_id for c in corrections if c.data and not c.version_id})
    rules = {}
    for c in corrections:
        if c.version_id:  # a new key: the version it wrote
            corrected = versions[c.version_id]
        elif c.data:  # accepted answers: the weights it keeps, on the options of the version it corrected
            corrected = _Proposed(versions[c.from_version_id].qtype, c.covers_up_to, c.data)
        else:
            corrected = None
        rules.setdefault(c.question_id, []).append(
            Rule(id=c.id, question_id=c.question_id, kind=c.kind, up_to=c.covers_up_to,
                 version=corrected, version_id=c.version_id))
    return rules


def _versions(ids):
    ids = [i for i in ids if i is not None]
    found = {}
    for start in range(0, len(ids), CHUNK):
        found.update({v.id: v for v in db.session.execute(
            select(QuestionVersion).where(QuestionVersion.id.in_(ids[start:start + CHUNK]))).scalars()})
    return found


def adjust_finished(attempt, items):
    """The grading adjuster (registered by create_app): an attempt finished after a
    correction of one of its questions gets the corrected marks and maximum."""
    rules = rules_for(item.question_id for item in items)
    if not rules:
        return
    result = regrade(items, rules)
    for item, graded in result.items:
        item.mark = graded.mark
        if graded.version_id is not None and graded.version_id != item.version_id:
            item.version = graded.rule.version
    attempt.max_score = result.max_score


# What a correction is --------------------------------------------------------------------

@dataclass
class Proposal:
    """A correction as the staff chose it: its kind, the right options (indexes into the
    current version's options) for a new key or accepted answers, why, and optionally
    the explanation the new version gives (the old one may argue for the old key)."""
    kind: str
    right: list = field(default_factory=list)
    reason: str = ""
    explanation: str = ""


class _Proposed:
    """The version a new key or accepted answers would write, before it is written."""

    def __init__(self, qtype, number, data):
        self.id, self.qtype, self.number, self.data = None, qtype, number, data
        self.answers, self.single, self.pairs = data.get("answers", []), data.get("single", True), data.get("pairs", [])


def kinds_for(question):
    """The corrections a question's type allows: a new key and several accepted answers
    where the student picks among options (several only for one-answer questions);
    voiding for every type."""
    version = question.current
    kinds = []
    if version.qtype in ("multichoice", "truefalse"):
        kinds.append(CorrectionKind.KEY)
        if version.qtype == "truefalse" or version.single:
            kinds.append(CorrectionKind.ACCEPT)
    return kinds + [CorrectionKind.VOID_FULL, CorrectionKind.VOID_DROP]


def check_proposal(question, proposal):
    """The proposal cleaned, or DomainError; with the data of the version it writes (None for a void)."""
    try:
        kind = CorrectionKind(proposal.kind)
    except ValueError:
        raise DomainError("Chọn cách điều chỉnh.") from None
    reason = " ".join(nfc(proposal.reason or "").split())
    if len(reason) < REASON_MIN:
        raise DomainError(f"Ghi lý do điều chỉnh (ít nhất {REASON_MIN} ký tự).")
    if kind not in kinds_for(question):
        raise DomainError(f"Câu hỏi loại {question.type_label.lower()} không điều chỉnh được theo cách “{kind.label}”.")
    version = question.current
    voided = [r for r in rules_for([question.id]).get(question.id, []) if r.voids and version.number <= r.up_to]
    if voided:
        raise DomainError("Câu hỏi này đã bị hủy: không điều chỉnh thêm được.")
    cleaned = Proposal(kind=kind.value, right=[], reason=reason[:2000],
                       explanation=nfc(proposal.explanation or "").strip()[:5000] if writes_version(kind) else "")
    if kind.voids:
        return cleaned, None
    count = len(version.answers)
    right = sorted({int(i) for i in proposal.right if str(i).isdigit() and 0 <= int(i) < count})
    cleaned.right = right
    single = version.single if version.qtype == "multichoice" else True
    if kind == CorrectionKind.KEY:
        if not right or (single and len(right) != 1):
            raise DomainError("Chọn đúng một đáp án đúng." if single else "Chọn các đáp án đúng.")
        weight = 1.0 if single else 1.0 / len(right)
    else:
        if len(right) < 2:
            raise DomainError("Chọn ít nhất hai đáp án được chấp nhận.")
        weight = 1.0
    answers = [dict(a, fraction=weight if i in right else 0.0) for i, a in enumerate(version.answers)]
    if [a["fraction"] for a in answers] == [a["fraction"] for a in answers_in_force(question)]:
        raise DomainError("Đáp án của câu hỏi đã đúng như vậy: không có gì để điều chỉnh.")
    return cleaned, dict(version.data, answers=answers)


def answers_in_force(question):
    """The current version's options with the weights that grade them: its own, or those
    of several answers accepted for it since."""
    version = question.current
    kept = [r for r in rules_for([question.id]).get(question.id, [])
            if not r.voids and r.version_id is None and version.number <= r.up_to]
    return kept[-1].version.answers if kept else version.answers


def writes_version(kind):
    """A new key is written as a new version of the question, for the rounds to come too.
    Several accepted answers stay a record on the version they correct: the bank's files
    (the Excel template) cannot hold a one-answer question with several right options,
    and a question two answers fit wants rewording, not a second key."""
    return kind == CorrectionKind.KEY


def corrected_version(question, proposal):
    """The options with the corrected weights, unsaved; the current version for a void."""
    _, data = check_proposal(question, proposal)
    if data is None:
        return question.current
    return _Proposed(question.current.qtype, question.version + 1, data)


def _proposed_rule(question, proposal, data):
    version = question.current
    if data is None:
        return Rule(id=0, question_id=question.id, kind=proposal.kind, up_to=version.number)
    number = version.number + 1 if writes_version(proposal.kind) else version.number
    return Rule(id=0, question_id=question.id, kind=proposal.kind, up_to=number,
                version=_Proposed(version.qtype, number, data))


# The plan: what a correction changes ------------------------------------------------------

@dataclass
class AttemptChange:
    attempt_id: int
    student_id: int
    round_id: int
    old: tuple  # (score, max_score)
    new: tuple


@dataclass
class StudentChange:
    student_id: int
    old_prize: str | None
    new_prize: str | None
    old_rank: int | None
    new_rank: int | None
    old_score: tuple | None  # (score, max_score)
    new_score: tuple | None


@dataclass
class CertificateChanges:
    template: CertificateTemplate
    revoke: list  # valid certificates whose result changes or is gone
    issue: list  # candidates that will get a certificate

    @property
    def count(self):
        return len(self.revoke) + len(self.issue)


@dataclass
class Scope:
    """A round, or a whole contest (round None), that drew the question."""
    contest: Contest
    round: Round | None
    participants: int = 0
    scores: int = 0  # students whose result (score or maximum) changes
    ranks: int = 0
    prizes: list = field(default_factory=list)  # StudentChange of students whose prize changes
    passes: int = 0  # students who pass or fail where they did not
    certificates: CertificateChanges | None = None  # None: not published, or no certificate issued for it yet
    old_outcome: Outcome | None = None  # as published
    changed_students: set = field(default_factory=set)  # whose prize or pass changes

    @property
    def owner(self):
        return self.round if self.round is not None else self.contest

    @property
    def published(self):
        return self.owner.results_published_at is not None

    @property
    def name(self):
        return f"{self.contest.name} · {self.round.name}" if self.round is not None else f"{self.contest.name} · kết quả chung"


@dataclass
class Plan:
    question: object
    proposal: Proposal
    finished: int = 0  # finished attempts that drew the question
    open: int = 0  # attempts still open: graded with the correction when they finish
    practice: int = 0  # finished attempts of practice rounds (regraded, not ranked)
    not_covered: int = 0  # finished attempts given a version the correction cannot reach
    changes: dict = field(default_factory=dict)  # attempt id -> AttemptChange
    scopes: list = field(default_factory=list)
    contests: list = field(default_factory=list)  # every contest with an attempt that drew it
    rounds: list = field(default_factory=list)  # every ranked round with an attempt that drew it

    @property
    def prize_changes(self):
        return [(scope, change) for scope in self.scopes for change in scope.prizes]

    @property
    def certificate_count(self):
        return sum(scope.certificates.count for scope in self.scopes if scope.certificates)

    def summary(self):
        return {"attempts": self.finished, "changed": len(self.changes), "open": self.open,
                "not_covered": self.not_covered, "scores": sum(s.scores for s in self.scopes if s.round),
                "ranks": sum(s.ranks for s in self.scopes), "prizes": len(self.prize_changes),
                "certificates": self.certificate_count}


def dry_run(question, proposal):
    """What the correction would change, computed from what is stored: nothing is written."""
    proposal, data = check_proposal(question, proposal)
    return _plan(question, proposal, _proposed_rule(question, proposal, data))


def _drawn(question):
    """(attempt id, round id, student id, finished) of every attempt that drew the question."""
    return db.session.execute(
        select(Attempt.id, Attempt.round_id, Attempt.student_id, Attempt.submitted_at.is_not(None))
        .join(AttemptQuestion, AttemptQuestion.attempt_id == Attempt.id)
        .where(AttemptQuestion.question_id == question.id).order_by(Attempt.id)).all()


def _plan(question, proposal, rule):
    plan = Plan(question=question, proposal=proposal)
    drawn = _drawn(question)
    finished = [row for row in drawn if row[3]]
    plan.finished, plan.open = len(finished), len(drawn) - len(finished)
    rounds = {r.id: r for r in db.session.execute(
        select(Round).where(Round.id.in_({row[1] for row in drawn}))).scalars()}
    plan.contests = sorted({r.contest for r in rounds.values()}, key=lambda c: c.id)
    plan.rounds = sorted((r for r in rounds.values() if not r.practice), key=lambda r: (r.contest_id, r.number))
    plan.practice = sum(1 for row in finished if rounds[row[1]].practice)

    extra = {question.id: [rule]} if rule is not None else {}
    for change, covered in _regraded([row[0] for row in finished], question.id, extra):
        if change is not None:
            plan.changes[change.attempt_id] = change
        plan.not_covered += not covered
    scores = {c.attempt_id: c.new for c in plan.changes.values()}
    students_by_contest = {}
    for attempt_id, round_id, student_id, done in finished:
        if not rounds[round_id].practice:
            students_by_contest.setdefault(rounds[round_id].contest_id, set()).add(student_id)

    for round_ in plan.rounds:
        plan.scopes.append(_round_scope(round_, scores))
    for contest in plan.contests:
        if any(r.contest_id == contest.id for r in plan.rounds):
            plan.scopes.append(_contest_scope(contest, scores, students_by_contest.get(contest.id, set())))
    return plan


def _regraded(attempt_ids, question_id, extra_rules):
    """[(AttemptChange or None, covered)] for finished attempts, graded from scratch with the
    stored corrections and `extra_rules` (a proposed one) added; `covered`: the question's
    item in it is reached by some correction."""
    return [(_change(attempt, result), _covered(result, question_id))
            for attempt, result in _regrade_chunks(attempt_ids, extra_rules)]


def _regrade_chunks(attempt_ids, extra_rules=None):
    """(attempt row, Regraded) of each finished attempt among these, a chunk of attempts at a
    time, read as plain rows (a province's round has 100,000s of items)."""
    for start in range(0, len(attempt_ids), CHUNK):
        chunk = attempt_ids[start:start + CHUNK]
        attempts = db.session.execute(
            select(Attempt.id, Attempt.student_id, Attempt.round_id, Attempt.score, Attempt.max_score)
            .where(Attempt.id.in_(chunk), Attempt.submitted_at.is_not(None)).order_by(Attempt.id)).all()
        ids = [a.id for a in attempts]
        items = db.session.execute(
            select(AttemptQuestion.id, AttemptQuestion.attempt_id, AttemptQuestion.question_id,
                   AttemptQuestion.version_id, AttemptQuestion.mark)
            .where(AttemptQuestion.attempt_id.in_(ids))
            .order_by(AttemptQuestion.attempt_id, AttemptQuestion.position)).all() if ids else []
        versions = _versions({i.version_id for i in items})
        rules = rules_for(i.question_id for i in items)
        for qid, added in (extra_rules or {}).items():
            rules[qid] = rules.get(qid, []) + added
        # only the responses a correction reaches are read (the JSON of the others is most of the work)
        responses = dict(db.session.execute(
            select(AttemptQuestion.id, AttemptQuestion.response)
            .where(AttemptQuestion.attempt_id.in_(ids), AttemptQuestion.question_id.in_(list(rules)))).all()) \
            if ids and rules else {}
        by_attempt = {}
        for i in items:
            by_attempt.setdefault(i.attempt_id, []).append(
                _Item(i, versions[i.version_id], responses.get(i.id) if i.id in responses else UNREAD))
        for attempt in attempts:
            yield attempt, regrade(by_attempt.get(attempt.id, []), rules)


class _Item:
    def __init__(self, row, version, response):
        self.id, self.attempt_id, self.question_id = row.id, row.attempt_id, row.question_id
        self.version_id, self.response, self.mark, self.version = row.version_id, response, row.mark, version


def _covered(result, question_id):
    return all(g.rule is not None for item, g in result.items if item.question_id == question_id)


def _same(a, b):
    return a is not None and b is not None and abs(a - b) < 1e-9


def _change(attempt, result):
    """The attempt's change, or None when its figures and every mark stay."""
    moved = any(not _same(item.mark, g.mark) or (g.version_id is not None and g.version_id != item.version_id)
                for item, g in result.items)
    if not moved and _same(attempt.score, result.score) and _same(attempt.max_score, result.max_score):
        return None
    return AttemptChange(attempt.id, attempt.student_id, attempt.round_id, (attempt.score, attempt.max_score),
                         (result.score, result.max_score))


def _published_awards(contest, round_):
    condition = Award.round_id == round_.id if round_ is not None else (
        (Award.contest_id == contest.id) & Award.round_id.is_(None))
    return db.session.execute(select(Award.student_id, Award.unit_id, Award.label, Award.rank)
                              .where(condition)).all()


def _round_scope(round_, scores):
    scope = Scope(contest=round_.contest, round=round_)
    old, new = round_ranking(round_), round_ranking(round_, scores)
    counts = round_.prizes or {}
    new_prizes = award_prizes(new, counts, round_.passing_score)
    if scope.published:
        awards = [a for a in _published_awards(round_.contest, round_) if a.student_id is not None]
        old_prizes = {a.student_id: a.label for a in awards}
        scope.old_outcome = Outcome(awards=awards, passed=round_passes(round_, old))
    else:
        old_prizes = award_prizes(old, counts, round_.passing_score)
    _compare(scope, old, new, old_prizes, new_prizes, round_passes(round_, old), round_passes(round_, new))
    if scope.published:
        scope.certificates = _certificate_changes(
            scope, new, new_prizes, round_passes(round_, new))
    return scope


def _contest_scope(contest, scores, students):
    scope = Scope(contest=contest, round=None)
    old, new = contest_ranking(contest), contest_ranking(contest, scores)
    new_prizes = award_prizes(new, contest.prizes)
    passed = set(db.session.execute(select(Participation.student_id).where(
        Participation.contest_id == contest.id, Participation.passed_at.is_not(None))).scalars())
    old_passes, new_passes = passed & students, _contest_passes(contest, students, scores)
    if scope.published:
        awards = _published_awards(contest, None)
        old_prizes = {a.student_id: a.label for a in awards if a.student_id is not None}
        scope.old_outcome = Outcome(awards=awards, passed=passed)
    else:
        old_prizes = award_prizes(old, contest.prizes)
    _compare(scope, old, new, old_prizes, new_prizes, old_passes, new_passes)
    if scope.published:
        scope.certificates = _certificate_changes(scope, new, new_prizes, new_passes)
    return scope


def _contest_passes(contest, students, scores):
    """Which of these students pass the contest (as participation counts it: a finished
    attempt of a ranked round at its passing score) with the regraded scores."""
    passed = set()
    ids = list(students)
    for start in range(0, len(ids), CHUNK):
        rows = db.session.execute(
            select(Attempt.id, Attempt.student_id, Attempt.score, Attempt.max_score, Round.passing_score)
            .join(Round, Round.id == Attempt.round_id)
            .where(Round.contest_id == contest.id, Round.practice.is_(False), Attempt.submitted_at.is_not(None),
                   Attempt.student_id.in_(ids[start:start + CHUNK]))).all()
        for row in rows:
            score, max_score = scores.get(row.id, (row.score, row.max_score))
            if max_score and 100.0 * (score or 0) / max_score >= row.passing_score:
                passed.add(row.student_id)
    return passed


def _compare(scope, old, new, old_prizes, new_prizes, old_passes, new_passes):
    before, after = {r.student_id: r for r in old}, {r.student_id: r for r in new}
    scope.participants = len(after)
    for sid in sorted(set(before) | set(after), key=lambda s: (after[s].rank if s in after else 10**9, s)):
        b, a = before.get(sid), after.get(sid)
        if _figures(b) != _figures(a):
            scope.scores += 1
        if (b.rank if b else None) != (a.rank if a else None):
            scope.ranks += 1
        if old_prizes.get(sid) != new_prizes.get(sid):
            scope.prizes.append(StudentChange(sid, old_prizes.get(sid), new_prizes.get(sid), b.rank if b else None,
                                              a.rank if a else None, _figures(b), _figures(a)))
    scope.passes = len(old_passes ^ new_passes)
    scope.changed_students = {c.student_id for c in scope.prizes} | (old_passes ^ new_passes)


def _figures(result):
    return (round(result.score, 6), result.max_score) if result is not None else None


def _scope_prefix(round_):
    return f"r{round_.id}:" if round_ is not None else "c:"


def _has_certificates(template, round_):
    return db.session.execute(select(Certificate.id).where(
        Certificate.template_id == template.id,
        Certificate.key.startswith(_scope_prefix(round_), autoescape=True)).limit(1)).first() is not None


def _certificate_changes(scope, ranking, prizes, passes):
    """The certificates the new results would revoke and issue, where some were issued."""
    template = template_of(scope.contest)
    if template is None or not _has_certificates(template, scope.round):
        return None
    students = scope.changed_students
    ranks = {r.student_id: r.rank for r in ranking}
    outcome = Outcome(awards=[(sid, None, label, ranks.get(sid, 0)) for sid, label in prizes.items() if sid in students],
                      passed=passes & students)
    return _compare_certificates(template, scope.round, outcome, students, set())


def _compare_certificates(template, round_, outcome, students, units):
    """CertificateChanges of these students and units: their valid certificates of the
    scope that `outcome` no longer earns as written, and what it earns without one."""
    wanted = {c.key: c for c in candidates(template, round_, outcome)
              if c.student_id in students or (c.recipient_unit_id is not None and c.recipient_unit_id in units)}
    valid = db.session.execute(select(Certificate).where(
        Certificate.template_id == template.id, Certificate.revoked_at.is_(None),
        Certificate.key.startswith(_scope_prefix(round_), autoescape=True),
        Certificate.student_id.in_(students) | Certificate.recipient_unit_id.in_(units))
        .order_by(Certificate.seq)).scalars().all() if students or units else []
    gone = [cert for cert in valid if cert.key not in wanted or wanted[cert.key].achievement != cert.achievement]
    kept = {cert.key for cert in valid} - {cert.key for cert in gone}
    return CertificateChanges(template, gone, [c for key, c in sorted(wanted.items()) if key not in kept])


# Applying ---------------------------------------------------------------------------------

@dataclass
class Applied:
    correction: Correction
    plan: Plan
    revoked: int = 0
    issued: int = 0

    @property
    def message(self):
        s = self.plan.summary()
        return (f"Đã áp dụng điều chỉnh: {s['changed']}/{s['attempts']} bài làm được chấm lại, "
                f"{s['scores']} kết quả đợt thi, {s['ranks']} thứ hạng và {s['prizes']} giải thay đổi; "
                f"thu hồi {self.revoked} và cấp {self.issued} giấy chứng nhận.")


def apply(actor, question, proposal, base_version, now):
    """Apply a correction in the caller's transaction. `base_version`: the question's
    version the dry run was made on; a question changed since (another correction, an
    edit) is refused, so a correction is never applied twice by two people at once."""
    _lock(question)
    if question.version != base_version:
        raise DomainError(f"Câu hỏi vừa được thay đổi (nay là phiên bản {question.version}): "
                          "hãy xem lại bản chạy thử trước khi áp dụng.")
    proposal, data = check_proposal(question, proposal)
    _lock_attempts(question)
    plan = _plan(question, proposal, _proposed_rule(question, proposal, data))
    refused = [c.name for c in plan.contests if not access.can_manage_contest(actor, c)]
    if refused:
        raise DomainError("Điều chỉnh này làm thay đổi kết quả của cuộc thi mà bạn không quản lý: "
                          + ", ".join(refused) + ".")
    correction = _write(actor, question, proposal, data, plan, now)
    attempt_ids = [row[0] for row in _drawn(question) if row[3]]
    regrade_attempts(attempt_ids)
    for contest in plan.contests:
        participation.recount(_students_of(attempt_ids, contest), contest.id)
    applied = Applied(correction=correction, plan=plan)
    for scope in sorted(plan.scopes, key=lambda s: (s.round is None, s.owner.id)):
        if scope.published:
            republish_results(scope.owner, now)
    for scope in plan.scopes:
        if scope.certificates is not None:  # published, and certificates were issued for it
            _sync_certificates(actor, scope, correction, applied, now)
    for round_ in plan.rounds:
        db.session.add(CorrectionNote(correction_id=correction.id, contest_id=round_.contest_id, round_id=round_.id))
    if CorrectionKind(proposal.kind).voids:
        retire_question(actor, question)
    _close_reports(actor, question, correction, now)
    correction.summary = dict(plan.summary(), revoked=applied.revoked, issued=applied.issued)
    audit.record(actor, "question.correct", "question", question.id, question.bank.unit_id,
                 f"{question.bank.code} #{question.id} {question.key or ''}: {CorrectionKind.label_of(proposal.kind)}; "
                 f"{applied.message} Lý do: {proposal.reason}")
    return applied


def _lock(question):
    db.session.execute(select(type(question).id).where(type(question).id == question.id).with_for_update())
    db.session.refresh(question)


def _lock_attempts(question):
    drew = select(AttemptQuestion.attempt_id).where(AttemptQuestion.question_id == question.id)
    db.session.execute(select(Attempt.id).where(Attempt.id.in_(drew)).order_by(Attempt.id).with_for_update())


def _write(actor, question, proposal, data, plan, now):
    from_version = question.current
    version = None
    if data is not None and writes_version(proposal.kind):
        q = dict(question_dict(question), **_format_fields(data))
        if proposal.explanation:
            q["general_feedback"] = proposal.explanation
        q["note"] = f"Điều chỉnh sau đợt thi ({CorrectionKind.label_of(proposal.kind).lower()}): {proposal.reason}"[:2000]
        version = add_version(actor, question, q, question.version + 1)
        db.session.flush()
        db.session.expire(question, ["current"])  # now the version just written
    correction = Correction(question_id=question.id, kind=proposal.kind, from_version_id=from_version.id,
                            version_id=version.id if version is not None else None, data=data,
                            covers_up_to=version.number if version is not None else from_version.number,
                            reason=proposal.reason, applied_at=now, applied_by_id=getattr(actor, "id", None),
                            summary=plan.summary())
    db.session.add(correction)
    db.session.flush()
    return correction


def _format_fields(data):
    return {"answers": data["answers"], "single": data.get("single", True), "shuffle": data.get("shuffle", True)}


def _students_of(attempt_ids, contest):
    students = set()
    for start in range(0, len(attempt_ids), CHUNK):
        students.update(db.session.execute(
            select(Attempt.student_id).join(Round, Round.id == Attempt.round_id)
            .where(Attempt.id.in_(attempt_ids[start:start + CHUNK]), Round.contest_id == contest.id)).scalars())
    return students


def regrade_attempts(attempt_ids):
    """Grade these finished attempts again from their stored responses and the applied
    corrections, writing only what differs (UPDATEs by primary key). Returns how many
    attempts changed; a second call changes nothing."""
    changed, item_rows, attempt_rows = 0, [], []

    def write():
        if item_rows:
            db.session.execute(update(AttemptQuestion), item_rows)
        if attempt_rows:
            db.session.execute(update(Attempt), attempt_rows)
        item_rows.clear()
        attempt_rows.clear()

    for attempt, result in _regrade_chunks(attempt_ids):
        moved = False
        for item, graded in result.items:
            version_id = graded.version_id if graded.version_id is not None else item.version_id
            if not _same(item.mark, graded.mark) or version_id != item.version_id:
                item_rows.append({"id": item.id, "mark": graded.mark, "version_id": version_id})
                moved = True
        if not _same(attempt.score, result.score) or not _same(attempt.max_score, result.max_score):
            attempt_rows.append({"id": attempt.id, "score": result.score, "max_score": result.max_score})
            moved = True
        changed += moved
        if len(item_rows) >= CHUNK:
            write()
    write()
    # the session's own copies of what was just written are read again when next used
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, (Attempt, AttemptQuestion)):
            db.session.expire(obj)
    return changed


def _sync_certificates(actor, scope, correction, applied, now):
    """After the results were stored again: revoke the certificates of the scope whose
    result changed (with the reason) and issue what the new results earn."""
    template = template_of(scope.contest)
    # the template's row is the lock of its certificates, as `issue` takes it
    db.session.execute(update(CertificateTemplate).where(CertificateTemplate.id == template.id)
                       .values(updated_at=CertificateTemplate.updated_at).execution_options(synchronize_session=False))
    before = scope.old_outcome
    after = published_outcome(scope.contest, scope.round)
    students = _changed(before, after, 0)
    units = _changed(before, after, 1)
    changes = _compare_certificates(template, scope.round, after, students, units)
    reason = (f"Kết quả thay đổi do điều chỉnh câu hỏi ngày {format_date(now)} "
              f"({CorrectionKind.label_of(correction.kind).lower()}).")
    for certificate in changes.revoke:
        revoke(actor, certificate, reason, now=now)
    if changes.issue:
        issue(actor, template, scope.round, only_keys={c.key for c in changes.issue})
    applied.revoked += len(changes.revoke)
    applied.issued += len(changes.issue)


def _changed(before, after, column):
    """Students (column 0) or units (column 1) whose prize or pass differs between two outcomes."""
    old = {a[column]: a[2] for a in before.awards if a[column] is not None}
    new = {a[column]: a[2] for a in after.awards if a[column] is not None}
    found = {key for key in set(old) | set(new) if old.get(key) != new.get(key)}
    if column == 0:
        found |= before.passed ^ after.passed
    return found


def _close_reports(actor, question, correction, now):
    for report in db.session.execute(select(QuestionReport).where(
            QuestionReport.question_id == question.id, QuestionReport.closed_at.is_(None))).scalars():
        report.closed_at, report.closed_by_id = now, getattr(actor, "id", None)
        report.resolution, report.correction_id = ReportResolution.CORRECTED.value, correction.id


def corrections_of(question):
    return db.session.execute(select(Correction).where(Correction.question_id == question.id)
                              .order_by(Correction.id)).scalars().all()


TRUTH_LABELS = {"true": "Đúng", "false": "Sai"}


def right_texts(version):
    """The texts of a version's options that earn marks (a true/false question's in words)."""
    texts = [t for t, a in zip(option_texts(version), version.answers) if a["fraction"] > 0]
    return [TRUTH_LABELS.get(t, t) for t in texts] if version.qtype == "truefalse" else texts

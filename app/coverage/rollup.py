"""Coverage figures: enrolled students, participants, attempts, scores, passes and
prizes per school or class, split by stage and grade, from a few SQL aggregations
(GROUP BY school or class); the sums up the tree are done here, in Python, over at
most a few thousand rows.

A *selection* says what counts: one contest, or every contest of a school year,
and optionally a date range. A student with a participation row whose first
finished attempt falls in the range *took part in the quizzes* (attempts, best
score, passed); they are a *participant* when the contest's rule is met in the
range (a finished attempt, or for rule "passed" an attempt at the passing score).
Enrolment is the students of the school year's classes, of the contest's stages,
but for those who have left the school (Student.left_at: thôi học, chuyển trường,
bảo lưu, from the sector database's export): they count nowhere, neither enrolled
nor participants, nor on a class's list. Prizes and creative entries they won are
still counted: they were won."""
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import and_, case, func, literal, select

from app.core.timeutil import LOCAL_TZ, local_to_utc
from app.coverage.models import STAGES, CoverageTarget, Participation
from app.entries.models import CreativeContest, Entry, EntryMember
from app.extensions import db
from app.org.models import SchoolClass, Student, Unit, UnitClosure, student_stage
from app.quiz.models import Award, Contest


@dataclass
class Selection:
    school_year: int
    contest: Contest | None = None  # None: every contest of the school year
    date_from: object = None  # local dates, inclusive
    date_to: object = None

    @property
    def contest_ids(self):
        if self.contest is not None:
            return select(literal(self.contest.id))
        return select(Contest.id).where(Contest.school_year == self.school_year)

    @property
    def stages(self):
        """The stages counted: the contest's, or those of any contest of the year."""
        if self.contest is not None:
            return tuple(self.contest.level_list)
        levels = db.session.execute(select(Contest.levels).where(Contest.school_year == self.school_year)
                                    .distinct()).scalars()
        found = {level for value in levels for level in value.split(",") if level}
        return tuple(stage for stage in STAGES if stage in found)

    def bounds(self):
        start = local_to_utc(datetime.combine(self.date_from, time.min)) if self.date_from else None
        end = local_to_utc(datetime.combine(self.date_to + timedelta(days=1), time.min)) if self.date_to else None
        return start, end


@dataclass
class Figures:
    enrolled: int = 0
    participants: int = 0
    takers: int = 0  # students with at least one finished attempt
    attempts: int = 0
    passed: int = 0
    prizes: int = 0
    entries: int = 0  # creative entries handed in (poster, model, video), all contests of the year
    entries_approved: int = 0  # of those, approved by the school
    score_sum: float = 0.0
    histogram: Counter = field(default_factory=Counter)  # best score rounded to a whole percent -> students
    stages: dict = field(default_factory=dict)  # stage -> [enrolled, participants]
    grades: dict = field(default_factory=dict)  # grade -> [enrolled, participants]

    def add(self, other):
        for name in ("enrolled", "participants", "takers", "attempts", "passed", "prizes", "entries",
                     "entries_approved", "score_sum"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.histogram.update(other.histogram)
        for mine, theirs in ((self.stages, other.stages), (self.grades, other.grades)):
            for key, (enrolled, participants) in theirs.items():
                pair = mine.setdefault(key, [0, 0])
                pair[0] += enrolled
                pair[1] += participants
        return self

    @property
    def rate(self):
        return 100.0 * self.participants / self.enrolled if self.enrolled else None

    @property
    def mean(self):
        return self.score_sum / self.takers if self.takers else None

    @property
    def median(self):
        """The median of the students' best scores, to the whole percent."""
        if not self.takers:
            return None
        values = sorted(self.histogram.items())
        return (_nth(values, (self.takers - 1) // 2) + _nth(values, self.takers // 2)) / 2

    def stage_rate(self, stage):
        enrolled, participants = self.stages.get(stage, (0, 0))
        return 100.0 * participants / enrolled if enrolled else None


def _nth(values, index):
    for value, count in values:
        if index < count:
            return value
        index -= count
    raise IndexError(index)


def _pair(mapping, key):
    return mapping.setdefault(key, [0, 0])


def figures(selection, group, schools):
    """{group key: Figures} for the students of the classes of `selection.school_year`
    in `schools` (a query of school ids), grouped by `group`: SchoolClass.school_id
    or SchoolClass.id. Two aggregations: one pass over the students with their
    participation (enrolment, participants, attempts, scores, passes), and the prizes."""
    result = {}
    stages = set(selection.stages)
    levels = dict(db.session.execute(select(Unit.id, Unit.level).where(Unit.id.in_(schools))).all())

    stage_of = {}

    def at(school, key, grade):
        """The figures to add a row to (None when its stage is not counted) and its stage."""
        if (school, grade) not in stage_of:
            stage_of[school, grade] = student_stage(levels.get(school), grade)
        stage = stage_of[school, grade]
        if stage not in stages:
            return None, stage
        fig = result.get(key)
        if fig is None:
            fig = result[key] = Figures()
        return fig, stage

    start, end = selection.bounds()
    part = participation_source(selection)
    # took part in the range: the first finished attempt falls in it (attempts, scores, passes);
    # a participant: the contest's rule was met in the range (a first attempt earlier may count)
    took = [part.c.student_id.is_not(None)]
    took += [part.c.first_at >= start] if start else []
    took += [part.c.first_at < end] if end else []
    took = and_(*took)
    counted_in = [part.c.counted_at.is_not(None)]
    counted_in += [part.c.counted_at >= start] if start else []
    counted_in += [part.c.counted_at < end] if end else []
    passed = [took, part.c.passed_at.is_not(None)] + ([part.c.passed_at < end] if end else [])
    bucket = case((took, func.round(part.c.best)))
    rows = db.session.execute(
        select(SchoolClass.school_id, group, SchoolClass.grade, bucket, func.count(),
               func.sum(case((took, 1), else_=0)), func.sum(case((and_(*counted_in), 1), else_=0)),
               func.sum(case((took, part.c.attempts), else_=0)), func.sum(case((and_(*passed), 1), else_=0)),
               func.sum(case((took, part.c.best), else_=0)))
        .select_from(Student).join(SchoolClass, SchoolClass.id == Student.class_id)
        .outerjoin(part, part.c.student_id == Student.id)
        .where(SchoolClass.school_year == selection.school_year, SchoolClass.school_id.in_(schools),
               Student.left_at.is_(None))
        .group_by(SchoolClass.school_id, group, SchoolClass.grade, bucket))
    for school, key, grade, score, enrolled, takers, participants, attempts, passes, score_sum in rows:
        fig, stage = at(school, key, grade)
        if fig is None:
            continue
        fig.enrolled += enrolled
        fig.participants += participants
        _pair(fig.stages, stage)[0] += enrolled
        _pair(fig.grades, grade)[0] += enrolled
        _pair(fig.stages, stage)[1] += participants
        _pair(fig.grades, grade)[1] += participants
        if takers:
            fig.takers += takers
            fig.attempts += attempts
            fig.passed += passes
            fig.score_sum += score_sum
            fig.histogram[int(score)] += takers

    prizes = (select(SchoolClass.school_id, group, SchoolClass.grade, func.count(Award.id))
              .join(Student, Student.id == Award.student_id).join(SchoolClass, SchoolClass.id == Student.class_id)
              .where(Award.contest_id.in_(selection.contest_ids), SchoolClass.school_year == selection.school_year,
                     SchoolClass.school_id.in_(schools)))
    prizes = prizes.where(Award.created_at >= start) if start else prizes
    prizes = prizes.where(Award.created_at < end) if end else prizes
    for school, key, grade, count in db.session.execute(
            prizes.group_by(SchoolClass.school_id, group, SchoolClass.grade)):
        fig, _ = at(school, key, grade)
        if fig is not None:
            fig.prizes += count
    if selection.contest is None:
        _add_creative_entries(result, selection, group, schools, start, end)
    return result


def _add_creative_entries(result, selection, group, schools, start, end):
    """Creative entries of the school year's contests, by their team members' classes
    (an entry counts once per class or school however many members it has there)."""
    handed_in = Entry.status != "draft"
    when = [Entry.submitted_at >= start] if start else []
    when += [Entry.submitted_at < end] if end else []
    rows = db.session.execute(
        select(group, func.count(func.distinct(case((handed_in, Entry.id)))),
               func.count(func.distinct(case((Entry.status == "approved", Entry.id)))))
        .select_from(Entry).join(CreativeContest, CreativeContest.id == Entry.contest_id)
        .join(EntryMember, EntryMember.entry_id == Entry.id).join(Student, Student.id == EntryMember.student_id)
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .where(CreativeContest.school_year == selection.school_year, SchoolClass.school_year == selection.school_year,
               SchoolClass.school_id.in_(schools), *when)
        .group_by(group))
    for key, entries, approved in rows:
        fig = result.get(key)
        if fig is not None:
            fig.entries += entries
            fig.entries_approved += approved


def participation_source(selection):
    """One row per student who took part in the selection's contests: student_id,
    attempts, first_at, best (percent), passed_at, and counted_at, when the contest's
    rule made them a participant. For one contest these are its participation rows
    as they are; for a school year, summed over its contests."""
    contest = selection.contest
    if contest is not None:
        counted = Participation.passed_at if contest.participation_rule == "passed" else Participation.first_at
        return (select(Participation.student_id, Participation.attempts, Participation.first_at,
                       Participation.best_percent.label("best"), Participation.passed_at,
                       counted.label("counted_at"))
                .where(Participation.contest_id == contest.id).subquery())
    return (select(Participation.student_id, func.sum(Participation.attempts).label("attempts"),
                   func.min(Participation.first_at).label("first_at"),
                   func.max(Participation.best_percent).label("best"),
                   func.min(Participation.passed_at).label("passed_at"),
                   func.min(_counted_at()).label("counted_at"))
            .join(Contest, Contest.id == Participation.contest_id)
            .where(Participation.contest_id.in_(selection.contest_ids))
            .group_by(Participation.student_id).subquery())

def _counted_at():
    """When a participation row makes its student a participant by the contest's rule:
    the first finished attempt, or for rule "passed" the first one at the passing score."""
    return case((Contest.participation_rule == "passed", Participation.passed_at), else_=Participation.first_at)


# Targets ------------------------------------------------------------------------------

def root_of(unit_id):
    """The department (Sở) at the top of a unit's tree."""
    return db.session.execute(
        select(UnitClosure.ancestor_id).join(Unit, Unit.id == UnitClosure.ancestor_id)
        .where(UnitClosure.descendant_id == unit_id, Unit.parent_id.is_(None))).scalar()


def targets(root_id, school_year):
    """{stage: percent} in force for a school year: the Sở's own targets if it set any
    for the stage, else the national ones; the latest from a year <= school_year."""
    rows = db.session.execute(select(CoverageTarget).where(
        (CoverageTarget.unit_id == root_id) | CoverageTarget.unit_id.is_(None))).scalars().all()
    found = {}
    for stage in STAGES:
        own = [t for t in rows if t.stage == stage and t.unit_id is not None]
        candidates = own or [t for t in rows if t.stage == stage and t.unit_id is None]
        applicable = [t for t in candidates if t.year <= school_year]
        if applicable:
            found[stage] = max(applicable, key=lambda t: t.year).percent
    return found


def _target_sums(fig, stage_targets):
    """(sum of enrolment x target %, enrolled, participants) over the stages with a target."""
    weighted = enrolled = participants = 0
    for stage, percent in stage_targets.items():
        e, p = fig.stages.get(stage, (0, 0))
        weighted += e * percent
        enrolled += e
        participants += p
    return weighted, enrolled, participants


def target_gap(fig, stage_targets):
    """(target, rate over the stages that have one, gap in points): the target is the
    stages' targets weighted by their enrolment. (None, None, None) without targets."""
    weighted, enrolled, participants = _target_sums(fig, stage_targets)
    if not enrolled:
        return None, None, None
    target, rate = weighted / enrolled, 100.0 * participants / enrolled
    return target, rate, rate - target


def students_short(fig, stage_targets):
    """How many more students of the stages with a target must take part to reach it
    (0 when reached; None without targets)."""
    weighted, enrolled, participants = _target_sums(fig, stage_targets)
    if not enrolled:
        return None
    return max(0, math.ceil(round(weighted / 100, 6)) - participants)


# The tree -----------------------------------------------------------------------------

@dataclass
class Row:
    id: int
    name: str
    kind: str  # unit, school, class
    fig: Figures
    target: float | None = None
    target_rate: float | None = None
    gap: float | None = None

    @property
    def below_target(self):
        return self.gap is not None and self.gap < 0

    @property
    def target_stages(self):
        """The stages with a target that this row has students of ("THPT"): what target_rate counts."""
        return ", ".join(stage for stage in STAGES if stage in self.fig.stages and self.fig.stages[stage][0]
                         and stage in self.stage_targets)

    @property
    def target_covers_all(self):
        """Whether the target's stages are all the row's students (then target_rate is its rate)."""
        return self.target is not None and self.target_enrolled == self.fig.enrolled

    @property
    def target_enrolled(self):
        return sum(self.fig.stages.get(stage, (0, 0))[0] for stage in self.stage_targets)

    stage_targets: dict = field(default_factory=dict, repr=False)  # {stage: percent} the target came from


def _finish(rows, stage_targets):
    for row in rows:
        row.target, row.target_rate, row.gap = target_gap(row.fig, stage_targets)
        row.stage_targets = stage_targets
    # below target first (furthest behind first), then the lowest rates
    rows.sort(key=lambda r: (not r.below_target, r.gap if r.below_target else 0,
                             r.fig.rate if r.fig.rate is not None else 101, r.name))
    total = Figures()
    for row in rows:
        total.add(row.fig)
    return rows, total


def unit_rows(unit, selection, visible_schools, stage_targets):
    """The children of a unit (middle units, then schools under it directly), each
    with the sum of the schools below it that the viewer may see, and the total."""
    schools = select(UnitClosure.descendant_id).where(UnitClosure.ancestor_id == unit.id)
    schools = select(Unit.id).where(Unit.kind == "school", Unit.id.in_(schools), Unit.id.in_(visible_schools))
    if selection.contest is not None:
        contest_schools = select(UnitClosure.descendant_id).where(UnitClosure.ancestor_id == selection.contest.unit_id)
        schools = schools.where(Unit.id.in_(contest_schools))
    per_school = figures(selection, SchoolClass.school_id, schools)
    children = db.session.execute(select(Unit.id, Unit.name, Unit.kind).where(Unit.parent_id == unit.id)
                                  .order_by(Unit.sort_key)).all()
    links = db.session.execute(select(UnitClosure.ancestor_id, UnitClosure.descendant_id).where(
        UnitClosure.ancestor_id.in_([c.id for c in children]),
        UnitClosure.descendant_id.in_(list(per_school)))).all()
    sums = {}
    for ancestor, school in links:
        sums.setdefault(ancestor, Figures()).add(per_school[school])
    rows = [Row(c.id, c.name, "school" if c.kind == "school" else "unit", sums[c.id]) for c in children
            if c.id in sums]
    return _finish(rows, stage_targets)


def class_rows(school, selection, visible_classes, stage_targets):
    """The classes of a school for the selection's school year."""
    per_class = figures(selection, SchoolClass.id, select(literal(school.id)))
    classes = db.session.execute(select(SchoolClass.id, SchoolClass.name).where(
        SchoolClass.id.in_(list(per_class)), SchoolClass.id.in_(visible_classes))).all()
    rows = [Row(c.id, c.name, "class", per_class[c.id]) for c in classes]
    return _finish(rows, stage_targets)


def class_students(school_class, selection):
    """Every student of a class with their participation in the selection (None if
    none yet): not yet taking part first, then by name."""
    start, end = selection.bounds()
    counted = _counted_at()
    conditions = [Participation.student_id == Student.id, Participation.contest_id.in_(selection.contest_ids)]
    conditions += [Participation.first_at >= start] if start else []
    conditions += [Participation.first_at < end] if end else []
    rows = db.session.execute(
        select(Student, func.sum(Participation.attempts), func.max(Participation.best_percent),
               func.min(counted))
        .outerjoin(Participation, and_(*conditions)).outerjoin(Contest, Contest.id == Participation.contest_id)
        .where(Student.class_id == school_class.id, Student.left_at.is_(None))
        .group_by(Student.id).order_by(Student.sort_key)).all()
    result = []
    for student, attempts, best, counted_at in rows:
        took_part = counted_at is not None and (not end or counted_at < end) and (not start or counted_at >= start)
        result.append((student, attempts or 0, best, took_part))
    result.sort(key=lambda r: r[3])  # stable: names stay in order within each group
    return result


def weekly(selection, schools, classes=None):
    """[(monday, new participants that week, cumulative)] for the students of `schools`
    (and of `classes`, a query of class ids, when given: a teacher's own), by the local
    (Vietnam) date on which each became a participant."""
    part = participation_source(selection)
    day = local_date(part.c.counted_at)
    query = (select(day, func.count()).select_from(part).join(Student, Student.id == part.c.student_id)
             .join(SchoolClass, SchoolClass.id == Student.class_id)
             .where(part.c.counted_at.is_not(None), SchoolClass.school_year == selection.school_year,
                    SchoolClass.school_id.in_(schools), Student.left_at.is_(None)))
    if classes is not None:
        query = query.where(SchoolClass.id.in_(classes))
    rows = db.session.execute(query.group_by(day))
    weeks = Counter()
    for value, count in rows:
        value = value if not isinstance(value, str) else datetime.strptime(value, "%Y-%m-%d").date()
        weeks[value - timedelta(days=value.weekday())] += count
    total, result = 0, []
    for monday in sorted(weeks):
        total += weeks[monday]
        result.append((monday, weeks[monday], total))
    return result


def local_date(column):
    """The local calendar date of a stored (naive UTC) time, in SQL. Vietnam keeps one
    offset all year, so adding it is exact."""
    hours = int(LOCAL_TZ.utcoffset(datetime(2000, 1, 1)).total_seconds() // 3600)
    if db.engine.dialect.name == "sqlite":
        return func.date(column, f"{hours:+d} hours")
    return func.date(column + timedelta(hours=hours))

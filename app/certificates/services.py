"""Certificate templates, who qualifies, issuing (idempotent), revocation and lookup.

Who qualifies comes from the published results: a round's prizes and passing
results, a contest's overall and collective prizes and its passing participants
(coverage's `participation`), a creative contest's prize-winning and provincial
round entries. Each certificate has a key for what it is for; issuing again
creates only the keys that have no valid certificate, never renumbers, and
reports the valid ones whose result has changed since (revoke them, then issue
again) and those no longer earned."""
import re
import secrets
from dataclasses import dataclass, field

from flask import current_app, has_request_context, request
from sqlalchemy import func, insert, select, update

from app.certificates.models import Certificate, CertificateTemplate
from app.certificates.render import Sheet
from app.core import audit
from app.core.errors import DomainError
from app.core.files import remove_after_commit, remove_unless_commit, store_upload
from app.core.scope import subtree_ids
from app.core.storage import join_key
from app.core.text import name_sort_key, nfc
from app.core.timeutil import local_today, school_year_label, utcnow
from app.core.vocabulary import Prize
from app.coverage.models import Participation
from app.entries.models import CATEGORIES, Entry, EntryMember
from app.extensions import db
from app.org.models import SchoolClass, Student, Unit
from app.quiz.models import Award, Contest, Round
from app.quiz.contests.ranking import round_ranking

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off paper and typed by hand
CODE_LENGTH = 6
IMAGE_SLOTS = {"logo": "Biểu trưng (logo)", "background": "Ảnh nền", "signature": "Chữ ký, con dấu"}
TEMPLATE_FIELDS = ("issuer_parent", "issuer_name", "granter", "prize_title", "pass_title", "contest_title", "place",
                   "issue_date", "signer_title", "signer_name", "reference", "include_pass")
IMAGE_MAX_MB = 5


# -- templates

def template_of(owner):
    """The saved template of a quiz contest or creative contest, or None."""
    column = _owner_column(owner)
    return db.session.execute(select(CertificateTemplate).where(column == owner.id)).scalar_one_or_none()


def _owner_column(owner):
    return CertificateTemplate.contest_id if isinstance(owner, Contest) else CertificateTemplate.creative_contest_id


def default_template(owner):
    """An unsaved template filled from the contest and its unit: a Sở signs as its
    Giám đốc under the province's People's Committee; a school as its Hiệu trưởng."""
    unit = owner.unit
    template = CertificateTemplate(code=owner.code, school_year=owner.school_year, unit_id=unit.id,
                                   prize_title="GIẤY KHEN", pass_title="GIẤY CHỨNG NHẬN", include_pass=True,
                                   reference="", signer_name="",
                                   contest_title=f"{owner.name} năm học {school_year_label(owner.school_year)}")
    if isinstance(owner, Contest):
        template.contest_id = owner.id
    else:
        template.creative_contest_id = owner.id
    region = _region_of_so(unit.name)
    if region is not None:
        template.issuer_parent = f"Ủy ban nhân dân {region}" if region else ""
        template.issuer_name = "Sở Giáo dục và Đào tạo"
        template.granter = f"Giám đốc Sở Giáo dục và Đào tạo {region}".strip()
        template.signer_title = "Giám đốc"
        template.place = _place(region)
    else:
        template.issuer_parent = unit.parent.name if unit.parent else ""
        template.issuer_name = unit.name
        head = "Hiệu trưởng" if unit.kind == "school" else "Trưởng phòng"
        template.granter = f"{head} {unit.name}"
        template.signer_title = head
        template.place = _place(unit.address or "") or ""
    return template


SO_PREFIXES = ("Sở Giáo dục và Đào tạo", "Sở GD&ĐT", "Sở GDĐT", "Sở GD-ĐT")


def _region_of_so(name):
    """'Sở Giáo dục và Đào tạo thành phố Cần Thơ' -> 'thành phố Cần Thơ'; None for other units."""
    for prefix in SO_PREFIXES:
        if name.lower().startswith(prefix.lower()):
            return name[len(prefix):].strip()
    return None


def issuer_label(template):
    """The issuing unit as the public verification page names it: with its province
    ('Sở Giáo dục và Đào tạo thành phố Cần Thơ') when the certificate prints that on the
    line above (the People's Committee) rather than in the name."""
    name = " ".join(nfc(template.issuer_name).split())
    region = _region_of_so(name)
    if region is None or re.search(r"\b(?:tỉnh|thành phố|TP)\b", region, flags=re.IGNORECASE):
        return name  # not a Sở, or already named with its province
    above = re.sub(r"^(?:Ủy ban nhân dân|Uỷ ban nhân dân|UBND)\s+", "", nfc(template.issuer_parent).strip(),
                   flags=re.IGNORECASE)
    if not above and template.unit is not None:
        above = _region_of_so(template.unit.name) or ""
    return f"{name} {above}".strip() if above and not region else name


def _place(region):
    for word in ("thành phố", "tỉnh", "Thành phố", "Tỉnh"):
        if region.startswith(word + " "):
            return region[len(word) + 1:]
    return region


def save_template(actor, owner, template, fields):
    """Save the template's fields (a new template is added). Returns the template."""
    fields = {k: fields[k] for k in TEMPLATE_FIELDS if k in fields}
    for key, value in fields.items():
        setattr(template, key, nfc(value) if isinstance(value, str) and key != "signer_title" else value)
    template.signer_title = "\n".join(nfc(line) for line in (template.signer_title or "").splitlines() if line.strip())
    missing = [label for key, label in (("issuer_name", "đơn vị cấp"), ("contest_title", "tên cuộc thi"),
                                        ("place", "địa danh"), ("signer_title", "chức danh người ký"))
               if not getattr(template, key)]
    if missing:
        raise DomainError("Mẫu giấy còn thiếu: " + ", ".join(missing) + ".")
    if template.id is None:
        db.session.add(template)
    db.session.flush()
    audit.record(actor, "certificate.template", "certificate_template", template.id, owner.unit_id,
                 f"{owner.code}: mẫu giấy chứng nhận")
    return template


def image_dir(template):
    """The folder of the template's images in the storage (app.core.storage)."""
    return join_key("certificates", int(template.id))


def set_image(actor, template, slot, stream, filename):
    """Store an uploaded logo, background or signature image, checked by content
    like entry files (decoded, re-encoded without metadata); replaces the old one."""
    if slot not in IMAGE_SLOTS:
        raise DomainError("Loại ảnh không hợp lệ.")
    stored = store_upload(stream, filename, allowed={"image"}, prefix=image_dir(template),
                          max_bytes=IMAGE_MAX_MB * 1024 * 1024, min_long_side=0)
    remove_unless_commit(db.session, image_dir(template), [stored.name])  # and its thumbnail
    old = getattr(template, f"{slot}_name")
    setattr(template, f"{slot}_name", stored.name)
    db.session.flush()
    audit.record(actor, "certificate.image", "certificate_template", template.id, template.unit_id,
                 f"{template.code}: {IMAGE_SLOTS[slot]}")
    remove_after_commit(db.session, image_dir(template), [old])  # a rollback keeps the template's image
    return stored


def remove_image(actor, template, slot):
    old = getattr(template, f"{slot}_name", None)
    if slot not in IMAGE_SLOTS or not old:
        return
    setattr(template, f"{slot}_name", None)
    db.session.flush()
    remove_after_commit(db.session, image_dir(template), [old])


# -- who qualifies

@dataclass
class Candidate:
    key: str
    kind: str
    achievement: str
    recipient_name: str
    sort_key: tuple
    student_id: int | None = None
    recipient_unit_id: int | None = None
    school_id: int | None = None
    class_id: int | None = None
    class_name: str = ""
    school_name: str = ""


def _students(student_ids):
    """{student id: (full name, class id, class name, school id, school name, school sort key, class sort key)}."""
    rows = {}
    ids = list(student_ids)
    for start in range(0, len(ids), 5000):
        chunk = ids[start:start + 5000]
        rows.update({r.id: r for r in db.session.execute(
            select(Student.id, Student.full_name, Student.sort_key, Student.class_id, SchoolClass.name.label("class_name"),
                   SchoolClass.sort_key.label("class_sort"), Student.school_id, Unit.name.label("school_name"),
                   Unit.sort_key.label("school_sort"))
            .outerjoin(SchoolClass, SchoolClass.id == Student.class_id).join(Unit, Unit.id == Student.school_id)
            .where(Student.id.in_(chunk))).all()})
    return rows


def _student_candidates(items, kind):
    """Candidates for students from [(student id, key, achievement)]."""
    people = _students({sid for sid, _, _ in items})
    out = []
    for sid, key, achievement in items:
        p = people.get(sid)
        if p is None:
            continue
        out.append(Candidate(key=key, kind=kind, achievement=achievement, recipient_name=p.full_name,
                             student_id=sid, school_id=p.school_id, class_id=p.class_id,
                             class_name=p.class_name or "", school_name=p.school_name,
                             sort_key=(p.school_sort or "", p.class_sort or "", p.sort_key or "", key)))
    return out


@dataclass
class Outcome:
    """The results a quiz round's or contest's certificates are made from: its prizes as
    the award table holds them, [(student id, unit id, label, rank)], and the students
    who pass (a round's ranking at its passing score; a contest's participation).
    `published_outcome` reads them; a correction's dry run (app.corrections) makes the
    ones a regrade would give, to learn which certificates it would change."""
    awards: list
    passed: set


def candidates(template, round_=None, outcome=None):
    """Everyone who qualifies in a round (round_) or in the whole contest, from its
    published results (or from `outcome`, results not written yet). Raises DomainError
    when the results are not published yet."""
    owner = template.owner
    if template.creative_contest_id:
        return _creative_candidates(template, owner)
    if outcome is None:
        outcome = published_outcome(owner, round_)
    if round_ is not None:
        return _round_candidates(template, round_, outcome)
    return _contest_candidates(template, outcome)


def published_outcome(contest, round_=None):
    """The Outcome of a round (round_) or of the whole contest as published."""
    if round_ is not None:
        if round_.practice:
            raise DomainError("Đợt luyện tập không có giấy chứng nhận.")
        if not round_.results_published_at:
            raise DomainError(f"{round_.name} chưa công bố kết quả: hãy công bố kết quả trước khi cấp giấy.")
        awards = db.session.execute(select(Award.student_id, Award.unit_id, Award.label, Award.rank).where(
            Award.round_id == round_.id, Award.student_id.is_not(None))).all()
        return Outcome(awards=awards, passed=round_passes(round_, round_ranking(round_)))
    if not contest.results_published_at:
        raise DomainError("Cuộc thi chưa công bố kết quả chung: hãy công bố trước khi cấp giấy cho cả cuộc thi.")
    awards = db.session.execute(select(Award.student_id, Award.unit_id, Award.label, Award.rank).where(
        Award.contest_id == contest.id, Award.round_id.is_(None))).all()
    passed = set(db.session.execute(select(Participation.student_id).where(
        Participation.contest_id == contest.id, Participation.passed_at.is_not(None))).scalars())
    return Outcome(awards=awards, passed=passed)


def round_passes(round_, ranking):
    """The students of a round's ranking who reach its passing score (with a score above 0)."""
    return {r.student_id for r in ranking if r.score > 0 and r.percent >= round_.passing_score - 1e-9}


def _prize(label):
    return f"**{label}**"


def _round_candidates(template, round_, outcome):
    what = f"{round_.name} - {template.contest_title}"
    awards = [(a[0], a[2]) for a in outcome.awards if a[0] is not None]
    prized = {sid for sid, _ in awards}
    items = [(sid, f"r{round_.id}:prize:s{sid}", f"Đã đạt {_prize(label)} {what}") for sid, label in awards]
    out = _student_candidates(items, "prize")
    if template.include_pass:
        passed = [(sid, f"r{round_.id}:pass:s{sid}", f"Đã hoàn thành và đạt yêu cầu {what}")
                  for sid in sorted(outcome.passed) if sid not in prized]
        out += _student_candidates(passed, "pass")
    return out


def _contest_candidates(template, outcome):
    what = template.contest_title
    awards = [dict(student_id=a[0], unit_id=a[1], label=a[2], rank=a[3]) for a in outcome.awards]
    prized = {a["student_id"] for a in awards if a["student_id"]}
    out = _student_candidates([(a["student_id"], f"c:prize:s{a['student_id']}", f"Đã đạt {_prize(a['label'])} {what}")
                               for a in awards if a["student_id"]], "prize")
    units = {u.id: u for u in db.session.execute(
        select(Unit).where(Unit.id.in_([a["unit_id"] for a in awards if a["unit_id"]]))).scalars()}
    for a in awards:
        unit = units.get(a["unit_id"])
        if unit is None:
            continue
        out.append(Candidate(key=f"c:unit:u{unit.id}", kind="collective", recipient_name=unit.name,
                             achievement=f"Đã đạt {_prize(a['label'] + ' tập thể')} {what}",
                             recipient_unit_id=unit.id, school_id=unit.id if unit.kind == "school" else None,
                             school_name=unit.parent.name if unit.parent else "",
                             sort_key=("", "", f"{a['rank']:06d}", unit.sort_key)))
    if template.include_pass:
        out += _student_candidates([(sid, f"c:pass:s{sid}", f"Đã tham gia và đạt yêu cầu {what}")
                                    for sid in sorted(outcome.passed) if sid not in prized], "pass")
    return out


def _creative_candidates(template, contest):
    if not contest.results_published_at:
        raise DomainError("Cuộc thi chưa công bố kết quả: hãy công bố trước khi cấp giấy.")
    what = template.contest_title
    rows = db.session.execute(
        select(Entry.id, Entry.title, Entry.category, Entry.prize_label, EntryMember.student_id)
        .join(EntryMember, EntryMember.entry_id == Entry.id)
        .where(Entry.contest_id == contest.id, Entry.status == "approved")
        .order_by(Entry.id, EntryMember.position)).all()
    prizes, passes = [], []
    for r in rows:
        work = f"với tác phẩm “{nfc(r.title)}” (thể loại {CATEGORIES[r.category]})"
        if r.prize_label:
            prizes.append((r.student_id, f"e{r.id}:s{r.student_id}", f"Đã đạt {_prize(r.prize_label)} {what} {work}"))
        elif template.include_pass:
            passes.append((r.student_id, f"e{r.id}:pass:s{r.student_id}", f"Đã tham gia vòng chung khảo {what} {work}"))
    return _student_candidates(prizes, "entry") + _student_candidates(passes, "entry_pass")


# -- issuing

@dataclass
class IssueResult:
    created: int = 0
    kept: int = 0
    changed: list = field(default_factory=list)  # valid certificates whose result now reads differently
    stale: list = field(default_factory=list)  # valid certificates no longer earned

    @property
    def message(self):
        parts = [f"Đã cấp {self.created} giấy mới", f"{self.kept} giấy đã có giữ nguyên"]
        text = ", ".join(parts) + "."
        if self.changed:
            text += (f" {len(self.changed)} giấy có kết quả đã thay đổi (ví dụ {self.changed[0].serial}):"
                     " hãy thu hồi rồi cấp lại.")
        if self.stale:
            text += (f" {len(self.stale)} giấy không còn trong kết quả (ví dụ {self.stale[0].serial}):"
                     " hãy xem xét thu hồi.")
        return text


def _scope_prefix(template, round_):
    if template.creative_contest_id:
        return "e"
    return f"r{round_.id}:" if round_ is not None else "c:"


def new_check_code():
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def serial_of(template, seq):
    return f"{template.code}-{template.school_year}-{seq:05d}"


def issue(actor, template, round_=None, *, only_keys=None, today=None):
    """Issue a certificate to each candidate without a valid one. Idempotent: a second
    run creates nothing and keeps every serial. Issues of one template take turns (hosts
    at once): the template's row is the counter's lock, taken by a write before anything
    is read, so the next one waits, then sees what the first issued and numbers after it."""
    db.session.execute(update(CertificateTemplate).where(CertificateTemplate.id == template.id)
                       .values(updated_at=CertificateTemplate.updated_at)
                       .execution_options(synchronize_session=False))
    wanted = candidates(template, round_)
    if only_keys is not None:
        wanted = [c for c in wanted if c.key in only_keys]
    wanted.sort(key=lambda c: c.sort_key)
    prefix = _scope_prefix(template, round_)
    valid = {c.key: c for c in db.session.execute(select(Certificate).where(
        Certificate.template_id == template.id, Certificate.revoked_at.is_(None),
        Certificate.key.startswith(prefix, autoescape=True))).scalars()}
    revoked = dict(db.session.execute(select(Certificate.key, func.max(Certificate.id)).where(
        Certificate.template_id == template.id, Certificate.revoked_at.is_not(None),
        Certificate.key.startswith(prefix, autoescape=True)).group_by(Certificate.key)).all())
    seq = db.session.execute(select(func.coalesce(func.max(Certificate.seq), 0)).where(
        Certificate.template_id == template.id)).scalar_one()
    issued_on = template.issue_date or today or local_today()
    result, rows, now = IssueResult(), [], utcnow()
    for c in wanted:
        current = valid.get(c.key)
        if current is not None:
            if (current.achievement, current.recipient_name) != (c.achievement, c.recipient_name):
                result.changed.append(current)
            else:
                result.kept += 1
            continue
        seq += 1
        rows.append(dict(template_id=template.id, seq=seq, serial=serial_of(template, seq),
                         check_code=new_check_code(), key=c.key, kind=c.kind,
                         title=template.prize_title if c.kind in ("prize", "collective", "entry") else template.pass_title,
                         student_id=c.student_id, recipient_unit_id=c.recipient_unit_id, school_id=c.school_id,
                         class_id=c.class_id, recipient_name=c.recipient_name, class_name=c.class_name,
                         school_name=c.school_name, achievement=c.achievement, issued_on=issued_on,
                         created_at=now, replaces_id=revoked.get(c.key)))
        valid[c.key] = None  # a candidate twice (two awards for one key) is issued once
    for start in range(0, len(rows), 2000):
        db.session.execute(insert(Certificate), rows[start:start + 2000])
    result.created = len(rows)
    if only_keys is None:
        wanted_keys = {c.key for c in wanted}
        result.stale = [cert for key, cert in valid.items() if cert is not None and key not in wanted_keys]
    owner = template.owner
    audit.record(actor, "certificate.issue", "certificate_template", template.id, template.unit_id,
                 f"{owner.code}{' ' + round_.name if round_ is not None else ''}: {result.created} giấy mới")
    return result


def revoke(actor, certificate, reason, now=None, reissue=False):
    """Revoke a certificate with a reason; with `reissue`, issue a new one for the same
    purpose at once when the current results still earn it. Returns the new one or None."""
    reason = nfc(reason or "")
    if certificate.revoked_at:
        raise DomainError(f"Giấy {certificate.serial} đã bị thu hồi trước đó.")
    if len(reason) < 5:
        raise DomainError("Hãy ghi lý do thu hồi (ít nhất 5 ký tự).")
    certificate.revoked_at = now or utcnow()
    certificate.revoked_reason = reason[:1000]
    certificate.revoked_by = getattr(actor, "id", None)
    db.session.flush()
    audit.record(actor, "certificate.revoke", "certificate", certificate.id, certificate.school_id,
                 f"{certificate.serial}: {reason[:200]}")
    if not reissue:
        return None
    template = certificate.template
    round_ = None
    if certificate.key.startswith("r"):
        round_ = db.session.get(Round, int(certificate.key[1:].split(":")[0]))
    issue(actor, template, round_, only_keys={certificate.key})
    return db.session.execute(select(Certificate).where(
        Certificate.template_id == template.id, Certificate.key == certificate.key,
        Certificate.revoked_at.is_(None))).scalar_one_or_none()


def find_for_verification(serial, code):
    """The certificate with this serial when the check code matches, else None (a wrong
    code and an unknown serial look the same)."""
    serial = (serial or "").strip().upper()
    # the alphabet has no 0 or 1: whoever types them means O and I
    code = "".join((code or "").split()).upper().replace("0", "O").replace("1", "I")
    if not serial or not code:
        return None
    cert = db.session.execute(select(Certificate).where(func.upper(Certificate.serial) == serial)).scalar_one_or_none()
    if cert is None:
        return None
    return cert if secrets.compare_digest(cert.check_code, code) else None


def sample_sheets(template, today=None):
    """Preview pages: a prize and a pass certificate for the longest student name, class
    and school in the contest's part of the tree, and a collective prize."""
    under = subtree_ids(template.unit_id)
    longest_name = db.session.execute(select(Student.full_name).where(Student.school_id.in_(under))
                                      .order_by(func.length(Student.full_name).desc()).limit(1)).scalar()
    longest_school = db.session.execute(select(Unit.name).where(Unit.id.in_(under), Unit.kind == "school")
                                        .order_by(func.length(Unit.name).desc()).limit(1)).scalar()
    longest_class = db.session.execute(
        select(SchoolClass.name).where(SchoolClass.school_id.in_(under), SchoolClass.school_year == template.school_year)
        .order_by(func.length(SchoolClass.name).desc()).limit(1)).scalar()
    day = template.issue_date or today or local_today()
    name = longest_name or "Đặng Lê Hoàng Khánh Ngọc"
    school = longest_school or "Trường THPT Nguyễn Du"
    what = template.contest_title
    base = dict(issued_on=day, class_name=longest_class or "10A1", school_name=school, check_code="XXXXXX")
    return [
        Sheet(template.prize_title, name, f"Đã đạt {_prize(Prize.CONSOLATION.label)} {what}",
              serial=serial_of(template, 1), **base),
        Sheet(template.pass_title, name, f"Đã tham gia và đạt yêu cầu {what}", serial=serial_of(template, 2),
              is_prize=False, **base),
        Sheet(template.prize_title, school, f"Đã đạt {_prize('Giải Nhất tập thể')} {what}",
              serial=serial_of(template, 3), collective=True,
              **{**base, "school_name": template.unit.name if template.unit else ""}),
    ]


def print_order(certificates):
    """School, class, then name in Vietnamese order: how a school hands them out."""
    return sorted(certificates, key=lambda c: (c.school_name, _class_order(c.class_name),
                                               name_sort_key(c.recipient_name), c.seq))


def _class_order(name):
    """'9A2' before '10A1' before '10A10': numbers compared as numbers."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.findall(r"\d+|\D+", name or "")]


def verify_url(sheet):
    """The address a certificate's QR code opens: PUBLIC_URL when set (what people
    outside reach), else the address of the current request."""
    base = current_app.config.get("PUBLIC_URL") or (request.host_url if has_request_context() else "")
    base = (base or "http://127.0.0.1:5000").rstrip("/")
    return f"{base}/xac-minh/{sheet.serial}?ma={sheet.check_code}"

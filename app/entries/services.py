"""Creative contests: setting up, entries and their files, the school round.

Dates decide what may change: an entry is edited until the submission window
closes (a returned one until the school round ends, so it can be fixed), the
school approves or returns entries until `approval_closes_at`; approved entries
then go on to the provincial round (app.entries.judging)."""
import math
import os
import tempfile

from sqlalchemy import select

from app.accounts.models import User
from app.core import audit, files
from app.core.errors import DomainError
from app.core.storage import get_storage, join_key
from app.core.template_helpers import filesize
from app.core.text import nfc
from app.core.timeutil import utcnow
from app.entries import links, media
from app.entries.judging import judging_started
from app.entries.models import (BLIND_LINK_REFUSAL, CATEGORIES, STATUSES, CreativeContest, Entry, EntryFile,
                                EntryMember, EntryUpload, UploadState)
from app.extensions import db
from app.jobs.models import Job, JobStatus
from app.org.models import Student, student_stage

LEVELS = ("THCS", "THPT", "GDTX")


def files_prefix(contest_id):
    """The folder of a contest's entry files in the storage (app.core.storage)."""
    return join_key("entries", int(contest_id))


def file_key(entry, name):
    """The storage key of one of an entry's stored files (or its thumbnail)."""
    return join_key(files_prefix(entry.contest_id), name)


# Setting up ---------------------------------------------------------------------------

def create_contest(actor, unit, *, code, name, school_year, levels, categories, submit_opens_at,
                   submit_closes_at, approval_closes_at, max_team_size=3, advisor_required=True,
                   judges_per_entry=2, description="", prizes=None, file_rules=None, drop_extremes=True,
                   disagreement_points=20, published=True):
    code, name = nfc(code or "").strip().upper(), nfc(name or "").strip()
    if not code or not name:
        raise DomainError("Nhập mã và tên cuộc thi.")
    if db.session.execute(select(CreativeContest.id).where(CreativeContest.code == code)).first():
        raise DomainError(f"Mã cuộc thi “{code}” đã có.")
    contest = CreativeContest(code=code, name=name, unit_id=unit.id, school_year=int(school_year),
                              description=nfc(description or ""), file_rules=file_rules or {}, rubrics={},
                              published=bool(published))
    _set_contest(contest, levels=levels, categories=categories, submit_opens_at=submit_opens_at,
                 submit_closes_at=submit_closes_at, approval_closes_at=approval_closes_at,
                 max_team_size=max_team_size, advisor_required=advisor_required,
                 judges_per_entry=judges_per_entry, prizes=prizes, drop_extremes=drop_extremes,
                 disagreement_points=disagreement_points)
    db.session.add(contest)
    db.session.flush()
    audit.record(actor, "creative.create", "creative_contest", contest.id, unit.id, f"{code} {name}")
    return contest


JUDGING_FIXED = ("categories", "approval_closes_at", "judges_per_entry", "drop_extremes")


def update_contest(actor, contest, *, name, description="", published=True, **settings):
    """Once entries are assigned to judges, the categories, the end of the school
    round, the judges per entry and how scores are averaged stay as they are."""
    name = nfc(name or "").strip()
    if not name:
        raise DomainError("Nhập tên cuộc thi.")
    if judging_started(contest):
        current = {"categories": contest.category_list, "approval_closes_at": contest.approval_closes_at,
                   "judges_per_entry": contest.judges_per_entry, "drop_extremes": contest.drop_extremes}
        wanted = {"categories": [c for c in CATEGORIES if c in settings["categories"]],
                  "approval_closes_at": settings["approval_closes_at"],
                  "judges_per_entry": int(settings["judges_per_entry"]),
                  "drop_extremes": bool(settings.get("drop_extremes", contest.drop_extremes))}
        if abs((wanted["approval_closes_at"] - current["approval_closes_at"]).total_seconds()) < 60:
            wanted["approval_closes_at"] = current["approval_closes_at"]  # the form keeps minutes only
        if any(wanted[k] != current[k] for k in JUDGING_FIXED):
            raise DomainError("Giám khảo đã được giao bài: không đổi được thể loại, thời điểm kết thúc vòng trường, "
                              "số giám khảo mỗi bài hay cách tính điểm.")
    contest.name, contest.description, contest.published = name, nfc(description or ""), bool(published)
    _set_contest(contest, **settings)
    audit.record(actor, "creative.update", "creative_contest", contest.id, contest.unit_id, contest.name)


def _set_contest(contest, *, levels, categories, submit_opens_at, submit_closes_at, approval_closes_at,
                 max_team_size, advisor_required, judges_per_entry, prizes, drop_extremes=True, disagreement_points=20,
                 file_rules=None):
    levels = [level for level in LEVELS if level in (levels or ())]
    categories = [c for c in CATEGORIES if c in (categories or ())]
    if not levels:
        raise DomainError("Chọn ít nhất một cấp học.")
    if not categories:
        raise DomainError("Chọn ít nhất một thể loại: áp phích, mô hình hoặc video.")
    if submit_closes_at <= submit_opens_at:
        raise DomainError("Hạn nộp bài phải sau thời điểm mở nhận bài.")
    if approval_closes_at < submit_closes_at:
        raise DomainError("Vòng trường phải kết thúc sau hạn nộp bài.")
    if not 1 <= int(max_team_size) <= 10:
        raise DomainError("Số thành viên một nhóm từ 1 đến 10.")
    if not 1 <= int(judges_per_entry) <= 15:
        raise DomainError("Số giám khảo chấm một bài từ 1 đến 15.")
    contest.levels, contest.categories = ",".join(levels), ",".join(categories)
    contest.submit_opens_at, contest.submit_closes_at = submit_opens_at, submit_closes_at
    contest.approval_closes_at = approval_closes_at
    contest.max_team_size, contest.advisor_required = int(max_team_size), bool(advisor_required)
    contest.judges_per_entry = int(judges_per_entry)
    if not 0 < float(disagreement_points) <= 100:
        raise DomainError("Mức lệch điểm để đánh dấu từ 1 đến 100.")
    contest.drop_extremes, contest.disagreement_points = bool(drop_extremes), float(disagreement_points)
    if file_rules is not None:
        contest.file_rules = {c: dict(rules) for c, rules in file_rules.items() if c in CATEGORIES}
    contest.prizes = {c: {k: int(v) for k, v in (counts or {}).items() if int(v or 0) > 0}
                      for c, counts in (prizes or {}).items() if c in CATEGORIES}


def set_rubric(actor, contest, category, criteria):
    """The criteria of a category: [{"name", "weight", "max"}]; keys are made from the
    order. Only before any judge has saved a score."""
    if judging_started(contest):
        raise DomainError("Giám khảo đã bắt đầu chấm: không sửa tiêu chí được nữa.")
    cleaned = []
    for number, c in enumerate(criteria, start=1):
        name = nfc(c.get("name") or "").strip()
        if not name:
            continue
        try:
            weight, top = float(c.get("weight")), float(c.get("max"))
        except (TypeError, ValueError):
            raise DomainError(f"Tiêu chí “{name}”: trọng số và điểm tối đa phải là số.") from None
        if weight <= 0 or top <= 0:
            raise DomainError(f"Tiêu chí “{name}”: trọng số và điểm tối đa phải lớn hơn 0.")
        cleaned.append({"key": f"c{number}", "name": name, "weight": weight, "max": top})
    if not cleaned:
        raise DomainError("Cần ít nhất một tiêu chí chấm.")
    contest.rubrics = {**(contest.rubrics or {}), category: cleaned}
    audit.record(actor, "creative.rubric", "creative_contest", contest.id, contest.unit_id,
                 f"{CATEGORIES[category]}: " + ", ".join(f"{c['name']} {c['weight']:g}" for c in cleaned))


def close_school_round(actor, contest, now=None):
    """End the submissions and the school round now, ahead of the dates set: the
    approved entries go on to the provincial round."""
    now = (now or utcnow()).replace(microsecond=0)
    if now >= contest.approval_closes_at:
        raise DomainError("Vòng trường đã kết thúc.")
    if now <= contest.submit_opens_at:
        raise DomainError("Cuộc thi chưa mở nhận bài.")
    contest.submit_closes_at = min(contest.submit_closes_at, now)
    contest.approval_closes_at = now
    audit.record(actor, "creative.close_school_round", "creative_contest", contest.id, contest.unit_id, contest.name)


# Entries ------------------------------------------------------------------------------

def entry_stage(entry, now=None):
    """(key, label) of where an entry stands, for its page and lists."""
    now = now or utcnow()
    contest = entry.contest
    if contest.results_published_at and entry.prize_label:
        return "prize", f"Đạt {entry.prize_label.lower()}" if entry.prize_label.startswith("Giải") else \
            entry.prize_label
    if entry.status == "approved" and now >= contest.approval_closes_at:
        return "province", "Vào vòng tỉnh"
    return entry.status, STATUSES[entry.status]


def can_edit(entry, now=None):
    now = now or utcnow()
    contest = entry.contest
    if entry.status == "approved" or now < contest.submit_opens_at:
        return False
    if entry.status == "returned":
        return now < contest.approval_closes_at
    return now < contest.submit_closes_at


def is_author(actor, entry):
    """Those who make the entry: its team, its advisor and whoever created it. The school admin
    reviews the entries of the school; they change only those they advise or created."""
    if actor is None:  # the system (demo, command line)
        return True
    if actor.role_enum.enters_as_team_member:
        return any(m.student_id == actor.student_id for m in entry.members)
    if actor.role_enum.advises_entries:
        return actor.id in (entry.advisor_id, entry.created_by)
    return False


def can_change(actor, entry, now=None):
    """What the entry page offers the viewer: edit, upload, delete, submit."""
    return is_author(actor, entry) and can_edit(entry, now)


def check_editable(actor, entry, now):
    if not is_author(actor, entry):
        raise DomainError("Chỉ nhóm tác giả, giáo viên hướng dẫn hoặc người tạo bài sửa được bài dự thi.")
    if not can_edit(entry, now):
        raise DomainError("Bài dự thi không sửa được nữa: đã hết hạn nộp hoặc trường đã duyệt.")


def _student_of(user):
    if not user.role_enum.enters_as_team_member or user.student is None:
        raise DomainError("Tài khoản này không gắn với học sinh nào.")
    return user.student


def _team(contest, school_id, member_ids):
    ids = list(dict.fromkeys(int(i) for i in member_ids))
    if not ids:
        raise DomainError("Nhóm cần ít nhất một học sinh.")
    if len(ids) > contest.max_team_size:
        raise DomainError(f"Nhóm có tối đa {contest.max_team_size} học sinh.")
    students = db.session.execute(select(Student).where(Student.id.in_(ids))).scalars().all()
    found = {s.id: s for s in students}
    if len(found) != len(ids) or any(s.school_id != school_id for s in students):
        raise DomainError("Thành viên của nhóm phải là học sinh cùng trường.")
    for student in students:
        school_class = student.school_class
        if school_class is None or school_class.school_year != contest.school_year or \
                student_stage(student.school.level, school_class.grade) not in contest.level_list:
            raise DomainError(f"{student.full_name} không thuộc cấp học hay năm học của cuộc thi "
                              f"({', '.join(contest.level_list)}).")
    return [found[i] for i in ids]


def _advisor(contest, school_id, advisor_id):
    if not advisor_id:
        if contest.advisor_required:
            raise DomainError("Cuộc thi yêu cầu giáo viên hướng dẫn.")
        return None
    advisor = db.session.get(User, int(advisor_id))
    if advisor is None or not advisor.role_enum.advises_entries or advisor.unit_id != school_id:
        raise DomainError("Giáo viên hướng dẫn phải là giáo viên của trường.")
    return advisor


def create_entry(actor, contest, *, category, title, description="", member_ids=(), advisor_id=None,
                 video_url=None, now=None):
    """A new draft entry. A student is always a member of the team they create; a
    teacher creates it for students of their school."""
    now = now or utcnow()
    if not contest.submit_opens_at <= now < contest.submit_closes_at:
        raise DomainError("Cuộc thi không trong thời gian nhận bài.")
    if category not in contest.category_list:
        raise DomainError("Thể loại không có trong cuộc thi này.")
    if actor.role_enum.enters_as_team_member:
        student = _student_of(actor)
        school_id = student.school_id
        member_ids = [student.id, *member_ids]
    elif actor.role_enum.advises_entries:
        school_id = actor.unit_id
    else:
        raise DomainError("Chỉ học sinh hoặc giáo viên của trường tạo bài dự thi.")
    entry = Entry(contest=contest, school_id=school_id, category=category, status="draft",
                  created_by=getattr(actor, "id", None))
    _fill(entry, title, description, member_ids, advisor_id or (actor.id if actor.role_enum.teaches_classes else None),
          video_url)
    db.session.add(entry)
    db.session.flush()
    audit.record(actor, "entry.create", "entry", entry.id, school_id, entry.title)
    return entry


def update_entry(actor, entry, *, title, description="", member_ids=(), advisor_id=None, video_url=None, now=None):
    check_editable(actor, entry, now or utcnow())
    if actor.role_enum.enters_as_team_member and actor.student_id not in [int(i) for i in member_ids]:
        member_ids = [actor.student_id, *member_ids]  # a student cannot remove themselves from their own entry
    _fill(entry, title, description, member_ids, advisor_id, video_url)
    audit.record(actor, "entry.update", "entry", entry.id, entry.school_id, entry.title)


def _fill(entry, title, description, member_ids, advisor_id, video_url):
    title = nfc(title or "").strip()
    if not title:
        raise DomainError("Nhập tên bài dự thi.")
    contest = entry.contest
    team = _team(contest, entry.school_id, member_ids)
    advisor = _advisor(contest, entry.school_id, advisor_id)
    video_url = (video_url or "").strip() or None
    if video_url:
        if entry.category != "video":
            raise DomainError("Chỉ bài video được nộp bằng đường liên kết.")
        if not contest.rules_for("video").get("links"):
            raise DomainError(BLIND_LINK_REFUSAL)
        video_url = links.check_video_link(video_url)
    entry.title, entry.description = title[:200], nfc(description or "").strip()
    entry.advisor_id = advisor.id if advisor else None
    entry.video_url = video_url
    entry.members = [EntryMember(student_id=s.id, position=i) for i, s in enumerate(team)]


FILE_KINDS = {"poster": {"image", "pdf"}, "model": {"image"}, "video": {"video"}}


def max_bytes_of(rules):
    return int(float(rules.get("max_mb", 20)) * 1024 * 1024)


def check_room_for_file(entry):
    """A model has a photo limit; a poster or a video has one file, which a new one replaces."""
    rules = entry.contest.rules_for(entry.category)
    if entry.category == "model" and len(entry.files) >= int(rules.get("max_photos", 10)):
        raise DomainError(f"Mô hình có tối đa {rules.get('max_photos', 10)} ảnh.")


def add_file(actor, entry, stream, filename, now=None):
    """Check and store an uploaded file for the entry (app.core.files), at once. A poster or
    a video has one file (a new one replaces it); a model up to its photo limit. A video
    here must already be an MP4 (phone formats are converted by the job of
    app.entries.uploads, which `store_checked_file` serves)."""
    check_editable(actor, entry, now or utcnow())
    check_room_for_file(entry)
    rules = entry.contest.rules_for(entry.category)
    prefix = files_prefix(entry.contest_id)
    stored = files.store_upload(stream, filename, allowed=FILE_KINDS[entry.category], prefix=prefix,
                                max_bytes=max_bytes_of(rules), min_long_side=int(rules.get("min_long_side", 0)),
                                max_seconds=rules.get("max_seconds"))
    files.remove_unless_commit(db.session, prefix, [stored.name, stored.thumb_name])
    _add_pdf_thumbnail(stored, prefix)
    return attach_file(actor, entry, stored, filename)


def store_checked_file(entry, source_path, filename, progress=None):
    """The file of a finished upload (a local file), checked and kept in the storage: a video
    read by ffmpeg and made a browser's MP4 with its poster frame (app.entries.media), a
    poster or photo as `add_file` does (a video's source file is removed once converted,
    to spare the scratch folder). Nothing is attached yet (`attach_file`)."""
    rules = entry.contest.rules_for(entry.category)
    prefix = files_prefix(entry.contest_id)
    if entry.category == "video":
        stored = _store_video(source_path, filename, rules, prefix, progress)
    else:
        with open(source_path, "rb") as stream:
            stored = files.store_upload(stream, filename, allowed=FILE_KINDS[entry.category], prefix=prefix,
                                        max_bytes=max_bytes_of(rules),
                                        min_long_side=int(rules.get("min_long_side", 0)))
        files.remove_unless_commit(db.session, prefix, [stored.name, stored.thumb_name])
        _add_pdf_thumbnail(stored, prefix)
    return stored


def attach_file(actor, entry, stored, filename):
    """Make a stored file (app.core.files.StoredFile) the entry's: it replaces a poster's or a
    video's file, whose stored copy leaves once this commits."""
    prefix = files_prefix(entry.contest_id)
    replaced = list(entry.files) if entry.category in ("poster", "video") else []
    for old in replaced:
        entry.files.remove(old)
    record = EntryFile(kind=stored.kind, mime=stored.mime, stored_name=stored.name, thumb_name=stored.thumb_name,
                       original_name=nfc(filename or "")[:255], size=stored.size, width=stored.width,
                       height=stored.height, duration=stored.duration, pages=stored.pages,
                       position=max([f.position for f in entry.files] + [0]) + 1)
    entry.files.append(record)
    db.session.flush()
    for old in replaced:
        files.remove_after_commit(db.session, prefix, [old.stored_name, old.thumb_name])
    audit.record(actor, "entry.file", "entry", entry.id, entry.school_id, f"{record.original_name} ({record.kind})")
    return record


def _thumb_of(stored):
    return f"{stored.name.split('.')[0]}_thumb.jpg"


def _add_pdf_thumbnail(stored, prefix):
    """A poster PDF's first page as its thumbnail (the gallery's tile, the entry page), made
    from the stored, cleaned copy. A page PDFium cannot draw leaves the poster without one."""
    if stored.kind != "pdf":
        return
    storage = get_storage()
    thumb = media.pdf_thumbnail(storage.read_bytes(join_key(prefix, stored.name)))
    if thumb is None:
        return
    stored.thumb_name = _thumb_of(stored)
    storage.save(join_key(prefix, stored.thumb_name), thumb, content_type="image/jpeg")
    files.remove_unless_commit(db.session, prefix, [stored.thumb_name])


def _store_video(source_path, filename, rules, prefix, progress):
    """A phone's video as an MP4 that browsers play (remuxed or encoded by ffmpeg), through
    app.core.files' MP4 checks (its length, no metadata boxes), with a poster frame."""
    subject = files.file_subject(filename)
    max_bytes, max_seconds = max_bytes_of(rules), rules.get("max_seconds")
    if os.path.getsize(source_path) == 0:
        raise DomainError(f"{subject} rỗng (0 byte), hãy chọn lại tệp.")
    if os.path.getsize(source_path) > max_bytes:
        raise DomainError(f"{subject} lớn hơn {filesize(max_bytes)} cho phép.")
    with open(source_path, "rb") as f:
        head = f.read(64)
    demuxer = media.demuxer_of(head)
    if demuxer is None:
        raise DomainError(media.NOT_A_VIDEO.format(subject=subject, formats=media.VIDEO_FORMATS))
    if not media.available():  # an MP4 is still checked and kept as it is, without a poster frame
        if head[4:8] == b"ftyp" and head[8:12] != b"qt  ":
            with open(source_path, "rb") as stream:
                stored = files.store_upload(stream, filename, allowed={"video"}, prefix=prefix, max_bytes=max_bytes,
                                            max_seconds=max_seconds)
            files.remove_unless_commit(db.session, prefix, [stored.name])
            return stored
        raise DomainError(media.NO_FFMPEG.format(subject=subject))
    info = media.probe(source_path, demuxer, subject)
    if max_seconds and info.duration > float(max_seconds):
        raise DomainError(f"Video dài {duration_text(math.ceil(info.duration))}, quá {duration_text(max_seconds)} "
                          "cho phép.")
    with tempfile.TemporaryDirectory(prefix="video-") as work:
        mp4 = os.path.join(work, "video.mp4")
        media.to_mp4(source_path, info, mp4, max_seconds=max_seconds, max_bytes=max_bytes, subject=subject,
                     progress=progress)
        os.remove(source_path)  # the caller's copy, of no more use: the scratch folder holds one video less
        with open(mp4, "rb") as stream:
            # a second of room: the container of a video at the limit may say 300.02 s
            stored = files.store_upload(stream, filename, allowed={"video"}, prefix=prefix, max_bytes=max_bytes,
                                        max_seconds=(float(max_seconds) + 1) if max_seconds else None)
        files.remove_unless_commit(db.session, prefix, [stored.name])
        frame = media.video_frame(mp4, stored.duration)
    if frame is not None:
        stored.thumb_name = _thumb_of(stored)
        get_storage().save(join_key(prefix, stored.thumb_name), frame, content_type="image/jpeg")
        files.remove_unless_commit(db.session, prefix, [stored.thumb_name])
    return stored


def duration_text(seconds):
    minutes, seconds = divmod(int(seconds), 60)
    if not minutes:
        return f"{seconds} giây"
    return f"{minutes} phút" + (f" {seconds} giây" if seconds else "")


def remove_file(actor, entry, file_id, now=None):
    check_editable(actor, entry, now or utcnow())
    record = next((f for f in entry.files if f.id == int(file_id)), None)
    if record is None:
        raise DomainError("Không có tệp này.")
    entry.files.remove(record)
    db.session.flush()
    files.remove_after_commit(db.session, files_prefix(entry.contest_id), [record.stored_name, record.thumb_name])


def missing_for_submit(entry):
    """What an entry still lacks before it can be submitted (Vietnamese, [] when ready)."""
    contest, rules = entry.contest, entry.contest.rules_for(entry.category)
    missing = []
    if not entry.members:
        missing.append("thành viên nhóm")
    if contest.advisor_required and not entry.advisor_id:
        missing.append("giáo viên hướng dẫn")
    if entry.category == "poster" and not entry.files:
        missing.append("tệp áp phích (ảnh hoặc PDF)")
    if entry.category == "model":
        if len(entry.files) < int(rules.get("min_photos", 1)):
            missing.append(f"ít nhất {rules.get('min_photos', 1)} ảnh mô hình")
        if not entry.description:
            missing.append("mô tả mô hình")
    if entry.category == "video" and not entry.files and not entry.video_url:
        missing.append("tệp video hoặc đường liên kết video")
    if file_in_progress(entry):
        missing.append("video vừa tải lên (máy chủ đang chuyển sang MP4, chờ xong rồi nộp)"
                       if entry.category == "video" else "tệp vừa tải lên (máy chủ đang kiểm tra, chờ xong rồi nộp)")
    return missing


def file_in_progress(entry):
    """True while a finished upload of the entry is being checked or converted (app.entries.uploads)."""
    return db.session.execute(select(EntryUpload.id).join(Job, Job.id == EntryUpload.job_id).where(
        EntryUpload.entry_id == entry.id, EntryUpload.state == UploadState.FINISHING,
        Job.status.in_((JobStatus.QUEUED, JobStatus.RUNNING))).limit(1)).first() is not None


def submit_entry(actor, entry, now=None):
    now = now or utcnow()
    check_editable(actor, entry, now)
    missing = missing_for_submit(entry)
    if missing:
        raise DomainError("Chưa nộp được, còn thiếu: " + "; ".join(missing) + ".")
    entry.status, entry.submitted_at, entry.return_reason = "submitted", now, None
    audit.record(actor, "entry.submit", "entry", entry.id, entry.school_id, entry.title)


def review_entry(actor, entry, *, approve, reason="", now=None):
    """The school round: the school admin approves an entry or returns it with a reason."""
    now = now or utcnow()
    if now >= entry.contest.approval_closes_at:
        raise DomainError("Vòng trường đã kết thúc.")
    if entry.status not in ("submitted", "approved"):
        raise DomainError("Chỉ duyệt được bài đã nộp.")
    reason = nfc(reason or "").strip()
    if approve:
        entry.status, entry.return_reason = "approved", None
    else:
        if not reason:
            raise DomainError("Nhập lý do trả lại để học sinh biết cần sửa gì.")
        entry.status, entry.return_reason = "returned", reason
    entry.reviewed_at, entry.reviewed_by = now, getattr(actor, "id", None)
    audit.record(actor, "entry.approve" if approve else "entry.return", "entry", entry.id, entry.school_id,
                 entry.title + ("" if approve else f": {reason}"))

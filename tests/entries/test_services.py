"""Entries and the school round: who may make a team, what a submission needs, the
dates, and approval or return with a reason."""
import io
from datetime import timedelta

import pytest

from app.core.errors import DomainError
from app.core.storage import get_storage
from app.entries import services


def is_stored(entry, name):
    return get_storage().exists(services.file_key(entry, name))


def _poster(creative, people, **kwargs):
    student = people.students[0]
    return services.create_entry(student.user, creative, category="poster", title="Một chạm, vạn dịch vụ",
                                 member_ids=[people.students[1].id], advisor_id=people.teacher.id, **kwargs)


def test_a_student_makes_a_team_of_classmates_and_is_always_in_it(creative, school_people, db):
    entry = _poster(creative, school_people)
    assert [m.student_id for m in entry.members] == [school_people.students[0].id, school_people.students[1].id]
    assert entry.school_id == school_people.students[0].school_id and entry.status == "draft"
    services.update_entry(school_people.students[0].user, entry, title="Mới", member_ids=[school_people.students[2].id],
                          advisor_id=school_people.teacher.id)
    assert [m.student_id for m in entry.members] == [school_people.students[0].id, school_people.students[2].id]


@pytest.mark.parametrize("problem, message", [
    ("other_school", "cùng trường"), ("too_many", "tối đa 3"), ("advisor_elsewhere", "giáo viên của trường"),
    ("no_advisor", "yêu cầu giáo viên hướng dẫn"), ("link_for_poster", "Chỉ bài video")])
def test_bad_teams_and_advisors_are_refused(creative, school_people, make_student, problem, message, db):
    p = school_people
    kwargs = dict(category="poster", title="Bài", member_ids=[], advisor_id=p.teacher.id)
    if problem == "other_school":
        kwargs["member_ids"] = [p.b_student.id]
    elif problem == "too_many":
        kwargs["member_ids"] = [s.id for s in p.students[1:]] + [make_student(p.c10a1, "Võ Thị Hà").id]
    elif problem == "advisor_elsewhere":
        kwargs["advisor_id"] = p.b_teacher.id
    elif problem == "no_advisor":
        kwargs["advisor_id"] = None
    elif problem == "link_for_poster":
        kwargs["video_url"] = "https://youtu.be/dQw4w9WgXcQ"
    with pytest.raises(DomainError, match=message):
        services.create_entry(p.students[0].user, creative, **kwargs)


def test_submitting_needs_the_files_of_the_category(creative, school_people, db, png_bytes):
    entry = _poster(creative, school_people)
    with pytest.raises(DomainError, match="tệp áp phích"):
        services.submit_entry(school_people.students[0].user, entry)
    services.add_file(school_people.students[0].user, entry, io.BytesIO(png_bytes()), "poster.png")
    services.submit_entry(school_people.students[0].user, entry)
    assert entry.status == "submitted" and entry.submitted_at is not None
    video = services.create_entry(school_people.teacher, creative, category="video", title="Phim",
                                  member_ids=[school_people.students[2].id])
    assert video.advisor_id == school_people.teacher.id  # the teacher who creates it advises it
    with pytest.raises(DomainError, match="đường liên kết video"):
        services.submit_entry(school_people.teacher, video)
    creative.file_rules = {**creative.file_rules, "video": {"links": True}}  # links accepted, not blind
    services.update_entry(school_people.teacher, video, title="Phim", member_ids=[school_people.students[2].id],
                          advisor_id=school_people.teacher.id, video_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    services.submit_entry(school_people.teacher, video)
    model = services.create_entry(school_people.teacher, creative, category="model", title="Mô hình",
                                  member_ids=[school_people.students[2].id])
    services.add_file(school_people.teacher, model, io.BytesIO(png_bytes()), "a.png")
    with pytest.raises(DomainError, match="mô tả mô hình"):
        services.submit_entry(school_people.teacher, model)


def test_a_poster_keeps_one_file_and_a_new_one_replaces_it(creative, school_people, app, db, png_bytes):
    entry = _poster(creative, school_people)
    first = services.add_file(None, entry, io.BytesIO(png_bytes()), "a.png")
    assert is_stored(entry, first.stored_name)
    services.add_file(None, entry, io.BytesIO(png_bytes((500, 400))), "b.png")
    db.session.commit()
    assert len(entry.files) == 1 and entry.files[0].width == 500 and not is_stored(entry, first.stored_name)


def test_a_refused_file_changes_nothing(creative, school_people, db, png_bytes):
    entry = _poster(creative, school_people)
    before = get_storage().list_keys(services.files_prefix(creative.id))
    with pytest.raises(DomainError):
        services.add_file(None, entry, io.BytesIO(b"<html><script>alert(1)</script></html>"), "poster.jpg")
    with pytest.raises(DomainError, match="nhỏ"):
        services.add_file(None, entry, io.BytesIO(png_bytes((120, 90))), "small.png")
    assert entry.files == []
    assert get_storage().list_keys(services.files_prefix(creative.id)) == before


def test_the_window_closes_editing_but_a_returned_entry_can_be_fixed_in_the_school_round(creative, school_people,
                                                                                         db, png_bytes):
    p = school_people
    entry = _poster(creative, p)
    services.add_file(None, entry, io.BytesIO(png_bytes()), "a.png")
    services.submit_entry(p.students[0].user, entry)
    late = creative.submit_closes_at + timedelta(hours=1)
    with pytest.raises(DomainError, match="không sửa được"):
        services.update_entry(p.students[0].user, entry, title="Muộn", member_ids=[], advisor_id=p.teacher.id,
                              now=late)
    with pytest.raises(DomainError, match="lý do"):
        services.review_entry(p.admin, entry, approve=False, now=late)
    services.review_entry(p.admin, entry, approve=False, reason="Thiếu nguồn ảnh", now=late)
    assert entry.status == "returned" and entry.return_reason == "Thiếu nguồn ảnh"
    assert services.entry_stage(entry, late) == ("returned", "Bị trả lại")
    services.update_entry(p.students[0].user, entry, title="Đã sửa", member_ids=[], advisor_id=p.teacher.id, now=late)
    services.submit_entry(p.students[0].user, entry, now=late)
    services.review_entry(p.admin, entry, approve=True, now=late)
    assert services.entry_stage(entry, late) == ("approved", "Trường duyệt")
    after = creative.approval_closes_at + timedelta(minutes=1)
    assert services.entry_stage(entry, after) == ("province", "Vào vòng tỉnh")
    with pytest.raises(DomainError, match="Vòng trường đã kết thúc"):
        services.review_entry(p.admin, entry, approve=False, reason="x", now=after)
    with pytest.raises(DomainError, match="không sửa được"):
        services.add_file(None, entry, io.BytesIO(png_bytes()), "c.png", now=late)


def test_the_rubric_is_data_and_stays_fixed_once_judging_starts(creative, db):
    services.set_rubric(None, creative, "poster", [{"name": "Nội dung", "weight": 60, "max": 10},
                                                   {"name": "Hình thức", "weight": 40, "max": 5}, {"name": ""}])
    assert creative.rubric_for("poster") == [{"key": "c1", "name": "Nội dung", "weight": 60.0, "max": 10.0},
                                             {"key": "c2", "name": "Hình thức", "weight": 40.0, "max": 5.0}]
    assert [c["name"] for c in creative.rubric_for("video")][0] == "Nội dung"  # the default
    with pytest.raises(DomainError, match="lớn hơn 0"):
        services.set_rubric(None, creative, "poster", [{"name": "X", "weight": 0, "max": 10}])


def test_the_so_can_end_the_school_round_early(creative, school_people, db):
    from app.core.timeutil import utcnow
    now = utcnow()
    services.close_school_round(None, creative, now)
    assert creative.approval_closes_at <= now and creative.submit_closes_at <= now
    with pytest.raises(DomainError, match="đã kết thúc"):
        services.close_school_round(None, creative, now + timedelta(seconds=1))


def test_team_members_must_be_of_the_contests_stages(creative, school_people, db):
    creative.levels = "THCS"  # school A's 10A1 is THPT
    with pytest.raises(DomainError, match="không thuộc cấp học hay năm học của cuộc thi"):
        _poster(creative, school_people)


def test_a_replaced_file_leaves_the_storage_only_when_the_replacement_commits(creative, school_people, db,
                                                                              png_bytes):
    entry = _poster(creative, school_people)
    first = services.add_file(None, entry, io.BytesIO(png_bytes()), "a.png")
    db.session.commit()
    first_names = (first.stored_name, first.thumb_name)
    second = services.add_file(None, entry, io.BytesIO(png_bytes((500, 400))), "b.png")
    second_name = second.stored_name
    assert all(is_stored(entry, name) for name in (*first_names, second_name))  # nothing decided yet

    db.session.rollback()  # e.g. the commit failed

    assert [f.stored_name for f in entry.files] == [first.stored_name]
    assert all(is_stored(entry, name) for name in first_names)  # the row still points to a file that is there
    assert not is_stored(entry, second_name)  # and the new file, which no row names, is gone

    third = services.add_file(None, entry, io.BytesIO(png_bytes((600, 400))), "c.png")
    db.session.commit()
    assert not any(is_stored(entry, name) for name in first_names)
    assert is_stored(entry, third.stored_name)


def test_a_deleted_file_leaves_the_storage_only_when_the_deletion_commits(creative, school_people, db, png_bytes):
    entry = _poster(creative, school_people)
    record = services.add_file(None, entry, io.BytesIO(png_bytes()), "a.png")
    db.session.commit()
    name = record.stored_name

    services.remove_file(None, entry, record.id)
    assert is_stored(entry, name)
    db.session.rollback()
    assert is_stored(entry, name) and [f.id for f in entry.files] == [record.id]

    services.remove_file(None, entry, record.id)
    db.session.commit()
    assert not is_stored(entry, name) and entry.files == []


def test_a_blind_contest_refuses_video_links_and_says_why(creative, school_people, db):
    teacher, student = school_people.teacher, school_people.students[0]
    link = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    with pytest.raises(DomainError, match="chấm ẩn danh nên chỉ nhận tệp video MP4") as caught:
        services.create_entry(teacher, creative, category="video", title="Phim", member_ids=[student.id],
                              video_url=link)
    assert "tên kênh hoặc tài khoản" in caught.value.message
    video = services.create_entry(teacher, creative, category="video", title="Phim", member_ids=[student.id])
    with pytest.raises(DomainError, match="ẩn danh"):
        services.update_entry(teacher, video, title="Phim", member_ids=[student.id], advisor_id=teacher.id,
                              video_url=link)

    creative.file_rules = {**creative.file_rules, "video": {"links": True}}  # the organiser accepts links knowingly
    services.update_entry(teacher, video, title="Phim", member_ids=[student.id], advisor_id=teacher.id,
                          video_url=link)
    assert video.video_url == link

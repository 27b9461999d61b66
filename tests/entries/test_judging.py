"""The provincial round: assignment (balanced, never a judge's own school), scores
within the rubric, the aggregation against numbers computed by hand, ties, prizes."""
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core.errors import DomainError
from app.entries import judging, services
from app.entries.models import Assignment


@pytest.fixture(name="_approved_poster")
def approved_poster_fixture(png_bytes):
    def _approved_poster(creative, school, student, advisor, admin, title):
        entry = services.create_entry(advisor, creative, category="poster", title=title, member_ids=[student.id])
        services.add_file(None, entry, io.BytesIO(png_bytes()), "p.png")
        services.submit_entry(advisor, entry)
        services.review_entry(admin, entry, approve=True)
        return entry
    return _approved_poster


@pytest.fixture
def round_(creative, school_people, tree, make_user, make_student, db, _approved_poster):
    """Three approved posters: X and Y from school A, Z from school B; four judges:
    j_a works at school A, j_b at school B, j_1 and j_2 at no school."""
    p = school_people
    b_admin = make_user("school_admin", tree.school_b)
    x = _approved_poster(creative, tree.school_a, p.students[0], p.teacher, p.admin, "X")
    y = _approved_poster(creative, tree.school_a, p.students[1], p.teacher, p.admin, "Y")
    z = _approved_poster(creative, tree.school_b, p.b_student, p.b_teacher, b_admin, "Z")
    judges = {"j_a": make_user("judge", tree.school_a), "j_b": make_user("judge", tree.school_b),
              "j_1": make_user("judge"), "j_2": make_user("judge")}
    judging.set_panel(None, creative, "poster", [j.id for j in judges.values()], head_id=judges["j_1"].id)
    db.session.commit()
    return type("Round", (), dict(x=x, y=y, z=z, judges=judges, now=creative.approval_closes_at + timedelta(hours=1)))


def _assignments(entry):
    from app.extensions import db
    return db.session.execute(select(Assignment).where(Assignment.entry_id == entry.id)
                              .order_by(Assignment.judge_id)).scalars().all()


def test_entries_go_to_judges_of_other_schools_balanced_and_only_once(creative, round_, db):
    with pytest.raises(DomainError, match="Chưa có bài nào vào vòng tỉnh"):
        judging.assign_entries(None, creative, "poster", now=creative.approval_closes_at - timedelta(hours=1))
    assert judging.assign_entries(None, creative, "poster", now=round_.now) == 6
    j = round_.judges
    for entry, own in ((round_.x, j["j_a"]), (round_.y, j["j_a"]), (round_.z, j["j_b"])):
        judges = [a.judge_id for a in _assignments(entry)]
        assert len(judges) == 2 and own.id not in judges
    loads = [len(db.session.execute(select(Assignment).where(Assignment.judge_id == u.id)).all()) for u in j.values()]
    assert max(loads) - min(loads) <= 1 and sum(loads) == 6
    assert judging.assign_entries(None, creative, "poster", now=round_.now) == 0  # nothing twice
    with pytest.raises(DomainError, match="Giám khảo đã bắt đầu chấm"):
        services.set_rubric(None, creative, "poster", [{"name": "X", "weight": 1, "max": 1}])
    settings = dict(levels=creative.level_list, categories=creative.category_list,
                    submit_opens_at=creative.submit_opens_at, submit_closes_at=creative.submit_closes_at,
                    approval_closes_at=creative.approval_closes_at, max_team_size=5, advisor_required=True,
                    judges_per_entry=2, prizes={})
    services.update_contest(None, creative, name="Tên mới", **settings)  # the team size may still change
    with pytest.raises(DomainError, match="không đổi được thể loại"):
        services.update_contest(None, creative, name="Tên mới", **{**settings, "judges_per_entry": 3})


def test_too_few_judges_from_other_schools_is_said_plainly(creative, round_, db):
    creative.judges_per_entry = 4  # school A's entries have only 3 judges from elsewhere
    with pytest.raises(DomainError, match=f"{round_.x.blind_code}, {round_.y.blind_code}"):
        judging.assign_entries(None, creative, "poster", now=round_.now)


def test_a_judge_scores_within_the_rubric_saves_a_draft_then_submits(creative, round_, db):
    judging.assign_entries(None, creative, "poster", now=round_.now)
    mine = _assignments(round_.z)[0]
    judge, other = mine.judge, next(u for u in round_.judges.values() if u.id != mine.judge_id)
    judging.save_scores(judge, mine, {"noi_dung": "8,5", "sang_tao": 7})
    assert mine.scores == {"noi_dung": 8.5, "sang_tao": 7.0} and mine.submitted_at is None
    with pytest.raises(DomainError, match="Chưa chấm tiêu chí “Thẩm mỹ / kỹ thuật”"):
        judging.save_scores(judge, mine, mine.scores, submit=True)
    with pytest.raises(DomainError, match="từ 0 đến 10"):
        judging.save_scores(judge, mine, {"noi_dung": 11})
    with pytest.raises(DomainError, match="không được giao cho bạn"):
        judging.save_scores(other, mine, {"noi_dung": 1})
    judging.save_scores(judge, mine, {"noi_dung": 8.5, "sang_tao": 7, "tham_my": 6, "lan_toa": 9}, "Tốt", submit=True)
    with pytest.raises(DomainError, match="đã nộp"):
        judging.save_scores(judge, mine, {"noi_dung": 1})


# Per judge (in judge order) the points for nội dung 40, sáng tạo 30, thẩm mỹ 20, lan tỏa 10, each out of 10:
# X: 8,7,6,9 -> 32+21+12+9 = 74 and 6,5,8,7 -> 24+15+16+7 = 62: mean 68, apart by 12.
# Y: 10s -> 100 and 5s -> 50: mean 75, apart by 50 > 20: flagged for the panel head.
# Z: 7s -> 70 and 6,8,7,6.5 -> 24+24+14+6.5 = 68.5: mean 69.25.
SCORES = {"x": [(8, 7, 6, 9), (6, 5, 8, 7)], "y": [(10, 10, 10, 10), (5, 5, 5, 5)],
          "z": [(7, 7, 7, 7), (6, 8, 7, 6.5)]}
KEYS = ("noi_dung", "sang_tao", "tham_my", "lan_toa")


def _score_all(round_, scores=SCORES):
    for name, per_judge in scores.items():
        for assignment, points in zip(_assignments(getattr(round_, name)), per_judge):
            judging.save_scores(assignment.judge, assignment, dict(zip(KEYS, points)), submit=True)


def test_the_aggregation_matches_the_hand_computation_and_flags_disagreement(creative, round_, db):
    judging.assign_entries(None, creative, "poster", now=round_.now)
    _score_all(round_)
    results = judging.aggregate(creative, "poster", now=round_.now)
    got = [(r.entry.title, round(r.score, 4), r.rank, round(r.spread, 4), r.flagged) for r in results]
    assert got == [("Y", 75.0, 1, 50.0, True), ("Z", 69.25, 2, 1.5, False), ("X", 68.0, 3, 12.0, False)]
    judging.publish_results(None, creative, now=round_.now)
    assert (round_.y.prize_label, round_.z.prize_label, round_.x.prize_label) == ("Giải Nhất", "Giải Nhì", None)
    assert services.entry_stage(round_.y, round_.now) == ("prize", "Đạt giải nhất")
    assert round_.x.final_score == pytest.approx(68.0) and round_.x.rank == 3


def test_equal_scores_share_a_rank_and_the_better_prize(creative, round_, db):
    judging.assign_entries(None, creative, "poster", now=round_.now)
    _score_all(round_, {"x": [(7, 7, 7, 7), (7, 7, 7, 7)], "y": [(10, 10, 10, 10), (5, 5, 5, 5)],
                        "z": [(8, 8, 8, 8), (6, 6, 6, 6)]})  # X 70, Z 70, Y 75
    results = judging.aggregate(creative, "poster", now=round_.now)
    assert [(r.entry.title, r.rank) for r in results] == [("Y", 1), ("X", 2), ("Z", 2)]
    judging.publish_results(None, creative, now=round_.now)
    assert (round_.x.prize_label, round_.z.prize_label) == ("Giải Nhì", "Giải Nhì")


def test_with_five_judges_the_highest_and_lowest_are_left_out(creative, round_, make_user, db):
    creative.judges_per_entry = 5
    extra = [make_user("judge"), make_user("judge")]
    judging.set_panel(None, creative, "poster", [u.id for u in [*round_.judges.values(), *extra]])
    round_.y.status = round_.x.status = "returned"  # only Z in the provincial round: 5 judges not from school B
    judging.assign_entries(None, creative, "poster", now=round_.now)
    points = [(5, 5, 5, 5), (6, 6, 6, 6), (7, 7, 7, 7), (8, 8, 8, 8), (10, 10, 10, 10)]  # 50 60 70 80 100
    _score_all(round_, {"z": points})
    [result] = judging.aggregate(creative, "poster", now=round_.now)
    assert result.score == pytest.approx(70.0) and result.dropped == (50.0, 100.0) and result.flagged


def test_results_wait_for_every_score(creative, round_, db):
    judging.assign_entries(None, creative, "poster", now=round_.now)
    _score_all(round_, {"x": SCORES["x"], "y": SCORES["y"]})
    with pytest.raises(DomainError, match=f"Còn bài chưa chấm xong: {round_.z.blind_code}"):
        judging.publish_results(None, creative, now=round_.now)
    assert creative.results_published_at is None

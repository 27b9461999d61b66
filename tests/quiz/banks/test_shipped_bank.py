"""The bank the platform ships in quizzes/: enough questions, for both levels and all
difficulties, every one sourced and explained, with exactly the right answers it
claims, no two the same, no document number outside the checked list, and nothing the
bank checker warns about."""
import re
from collections import Counter

import pytest

from app.core.text import fold
from app.quiz.banks.check import check_questions
from app.quiz.cli import QUIZZES_DIR, import_shipped, shipped_questions
from app.quiz.models import Question

# Every legal document the bank cites, checked against its text: a number that is
# not here is either a typo or an invented document.
KNOWN_DOCUMENTS = {
    "1588/QĐ-TTg", "505/QĐ-TTg", "06/QĐ-TTg", "42/2022/NĐ-CP", "45/2020/NĐ-CP", "69/2024/NĐ-CP",
    "59/2022/NĐ-CP", "13/2023/NĐ-CP", "23/2025/NĐ-CP", "130/2018/NĐ-CP", "20/2023/QH15", "26/2023/QH15",
    "91/2025/QH15", "70/KH-UBND", "22/KH-UBND", "01/NQ-CP", "749/QĐ-TTg", "274/QĐ-TTg", "766/QĐ-TTg",
    "118/2025/NĐ-CP", "61/2018/NĐ-CP", "01/2023/TT-VPCP",
    "16/2024/TT-BCA", "22/2021/TT-BTTTT", "23/2015/NĐ-CP", "2345/QĐ-NHNN", "241/QĐ-TTg",
    "280/2025/NĐ-CP", "356/2025/NĐ-CP", "50/2024/TT-NHNN", "63/2024/NĐ-CP", "91/2020/NĐ-CP",
    "217/2025/QH15", "55/2021/TT-BCA", "12/2025/TT-BCA", "60/2014/QH13", "68/2020/QH14", "28/2009/QH12",
    "91/2015/QH13", "51/2005/QH11", "68/2024/NĐ-CP", "17/2025/TT-BKHCN", "102/2016/QH13",
    "17/2024/TT-NHNN", "77/2025/TT-NHNN", "91/2015/QH13", "97/2015/QH13",
    "52/2024/NĐ-CP", "116/2025/QH15", "118/2025/QH15",
}
DOCUMENT_NUMBER = re.compile(r"\b\d{1,4}/(?:\d{4}/)?(?:QĐ-TTg|NĐ-CP|QH1\d|KH-UBND|NQ-CP|TT-[A-ZĐ]+|QĐ-[A-ZĐ]+)")


@pytest.fixture(scope="module")
def questions():
    return shipped_questions()


def test_the_bank_is_large_enough_for_both_levels_and_all_difficulties(questions):
    assert len(questions) >= 400
    levels = Counter(q["level"] for q in questions)
    assert levels["THCS"] + levels["all"] >= 150 and levels["THPT"] + levels["all"] >= 150
    difficulties = Counter(q["difficulty"] for q in questions)
    assert min(difficulties[d] for d in ("easy", "medium", "hard")) >= len(questions) * 0.1


def test_every_topic_of_the_programme_is_covered(questions):
    topics = Counter(fold(q["topic"]) for q in questions)
    for words in ("1588", "chuyen doi so", "vneid", "cong dich vu cong", "thu tuc", "thanh toan",
                  "chu ky so", "du lieu ca nhan", "lua dao"):
        assert sum(count for topic, count in topics.items() if words in topic) >= 15, words


def test_each_question_has_exactly_the_right_answers_it_claims(questions):
    for q in questions:
        where = f"{q['key']}: {q['text']}"
        assert q["general_feedback"] and q["source"], where
        if q["type"] == "multichoice":
            rights = [a for a in q["answers"] if a["fraction"] > 0]
            texts = [fold(a["text"]) for a in q["answers"]]
            assert len(set(texts)) == len(texts), f"options repeat in {where}"
            if q["single"]:
                assert len(rights) == 1 and rights[0]["fraction"] == 1.0, where
            else:
                assert len(rights) >= 2 and abs(sum(a["fraction"] for a in rights) - 1) < 0.01, where
                assert "chọn các" in q["text"].lower() or "những" in q["text"].lower(), \
                    f"a several-answer question must say so: {where}"
            if any("tất cả" in t or "cả a và b" in fold(t) for t in (a["text"].lower() for a in q["answers"])):
                assert q["shuffle"] is False, f"'all of the above' needs shuffle: false: {where}"
        elif q["type"] == "truefalse":
            assert sorted(a["fraction"] for a in q["answers"]) == [0.0, 1.0], where
        elif q["type"] == "matching":
            rights = [fold(right) for _, right in q["pairs"]]
            assert len(set(rights)) == len(rights), f"two pairs share an answer in {where}"


def test_no_two_questions_are_the_same(questions):
    keys = Counter(q["key"] for q in questions)
    assert [k for k, n in keys.items() if n > 1] == []
    texts = Counter(" ".join(fold(q["text"]).split()) for q in questions)
    assert [t for t, n in texts.items() if n > 1] == []


def test_every_cited_document_number_is_a_checked_one(questions):
    cited = set()
    for q in questions:
        for field in (q["text"], q["general_feedback"], q["source"], *(a.get("text", "") for a in q["answers"])):
            cited |= set(DOCUMENT_NUMBER.findall(field or ""))
    unknown = sorted(cited - KNOWN_DOCUMENTS)
    assert unknown == [], f"check these documents and add them to KNOWN_DOCUMENTS, or fix the question: {unknown}"


def test_the_shipped_bank_loads_into_a_bank_once(tree, db):
    bank, first = import_shipped(tree.so)
    db.session.commit()
    _, second = import_shipped(tree.so)
    db.session.commit()
    assert first.new == len(shipped_questions()) and first.new >= 400
    assert (second.new, second.updated) == (0, 0)
    assert db.session.query(Question).filter_by(bank_id=bank.id).count() == first.new


def test_the_files_are_the_ones_the_readme_describes():
    files = sorted(p.name for p in QUIZZES_DIR.glob("*.yaml"))
    assert len(files) >= 8
    readme = (QUIZZES_DIR / "README.md").read_text(encoding="utf-8")
    assert "flask --app wsgi quiz parse" in readme


def test_the_right_option_is_not_mostly_stored_first(questions):
    # A student who always picks the first option must not beat chance when a round
    # keeps the stored order.
    keys = Counter(next(i for i, a in enumerate(q["answers"]) if a["fraction"] > 0)
                   for q in questions if q["type"] == "multichoice" and q["single"])
    total = sum(keys.values())
    assert total >= 300
    assert keys[0] <= total * 0.35, keys
    assert max(keys.values()) <= total * 0.35, keys


def test_the_right_options_of_a_several_answer_question_are_not_mostly_the_leading_ones(questions):
    several = [[a["fraction"] > 0 for a in q["answers"]]
               for q in questions if q["type"] == "multichoice" and not q["single"]]
    leading = [rights for rights in several if rights == sorted(rights, reverse=True)]
    assert len(several) >= 10
    assert len(leading) <= len(several) * 0.35, f"{len(leading)} of {len(several)}"


def test_the_bank_meets_the_contest_grade_counts(questions):
    assert len(questions) >= 400
    assert sum(1 for q in questions if q["level"] == "THCS") >= 100


def test_the_checker_finds_nothing_in_the_shipped_bank(questions):
    report = check_questions(questions)
    assert [f"{f.label}: {f.message}" for f in report.findings + report.totals] == []
    assert report.single_answer >= 250
    assert report.longest_share <= 0.35

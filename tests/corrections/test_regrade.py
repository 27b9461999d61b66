"""The regrade is a pure function of the stored responses, the versions given and the
applied corrections: a new key, several accepted answers, a void with full marks or
dropped from the maximum; applying twice changes nothing and corrections compose."""
from types import SimpleNamespace

from app.corrections.regrade import Rule, grade, regrade


def version(number, rights, texts=("A", "B", "C", "D"), single=True, id_=None, qtype="multichoice"):
    answers = [{"text": t, "fraction": (1.0 / len(rights) if not single else 1.0) if i in rights else 0.0,
                "feedback": None} for i, t in enumerate(texts)]
    return SimpleNamespace(id=id_ or number, number=number, qtype=qtype, answers=answers, single=single, pairs=[])


def item(question_id, v, choices):
    return SimpleNamespace(question_id=question_id, version=v, version_id=v.id,
                           response={"choices": choices} if choices is not None else None)


def key(id_, up_to, v, question_id=1, kind="key"):
    return Rule(id=id_, question_id=question_id, kind=kind, up_to=up_to, version=v, version_id=v.id)


def void(id_, up_to, full, question_id=1):
    return Rule(id=id_, question_id=question_id, kind="void_full" if full else "void_drop", up_to=up_to)


V1 = version(1, {0}, id_=11)  # stored key A, but B is right


def attempt(*choices):
    """An attempt of question 1 (version 1) and question 2 (a good one, answered right)."""
    return [item(1, V1, list(choices) if choices else None), item(2, version(1, {2}, id_=21), [2])]


def test_without_corrections_marks_are_the_versions_own():
    result = regrade(attempt(0), {})
    assert [g.mark for _, g in result.items] == [1.0, 1.0] and (result.score, result.max_score) == (2.0, 2.0)


def test_a_new_key_regrades_and_points_the_item_at_the_corrected_version():
    corrected = version(2, {1}, id_=12)
    rules = {1: [key(1, 2, corrected)]}
    picked_a, picked_b = regrade(attempt(0), rules), regrade(attempt(1), rules)
    assert (picked_a.score, picked_b.score) == (1.0, 2.0)
    graded = picked_b.items[0][1]
    assert graded.mark == 1.0 and graded.version_id == 12 and graded.rule.id == 1
    assert picked_b.items[1][1].version_id is None  # the other question is untouched


def test_accepting_several_answers_gives_full_marks_for_any_of_them():
    accepted = version(2, {0, 1}, id_=12)
    accepted.answers[0]["fraction"] = accepted.answers[1]["fraction"] = 1.0  # single answer, two right
    rules = {1: [key(1, 2, accepted, kind="accept")]}
    assert [regrade(attempt(c), rules).score for c in (0, 1, 2)] == [2.0, 2.0, 1.0]


def test_a_void_with_full_marks_gives_the_mark_to_everyone_who_drew_it_answered_or_not():
    rules = {1: [void(1, 1, full=True)]}
    for result in (regrade(attempt(3), rules), regrade(attempt(), rules)):
        assert (result.score, result.max_score) == (2.0, 2.0)


def test_a_dropped_void_leaves_the_question_out_of_the_maximum():
    rules = {1: [void(1, 1, full=False)]}
    for choices in ((0,), (3,), ()):
        result = regrade(attempt(*choices), rules)
        assert (result.score, result.max_score) == (1.0, 1.0)
        assert result.items[0][1].counted is False and result.items[0][1].mark == 0.0


def test_applying_twice_changes_nothing():
    rules = {1: [key(1, 2, version(2, {1}, id_=12))]}
    items = attempt(1)
    first = regrade(items, rules)
    for it, graded in first.items:  # as regrade_attempts writes it
        if graded.version_id is not None:
            it.version, it.version_id = graded.rule.version, graded.version_id
    second = regrade(items, rules)
    assert [(g.mark, g.counted) for _, g in second.items] == [(g.mark, g.counted) for _, g in first.items]
    assert (second.score, second.max_score) == (first.score, first.max_score) == (2.0, 2.0)
    assert second.items[0][1].version_id == 12  # already pointing there


def test_two_corrections_compose_the_latest_key_decides_and_a_void_overrides():
    wrong_fix = version(2, {2}, id_=12)  # first fix: C
    right_fix = version(3, {1}, id_=13)  # second fix: B
    rules = {1: [key(1, 2, wrong_fix), key(2, 3, right_fix)]}
    assert [regrade(attempt(c), rules).score for c in (0, 1, 2)] == [1.0, 2.0, 1.0]
    assert regrade(attempt(1), rules).items[0][1].version_id == 13
    # an item already moved to the first fix's version moves on to the second
    moved = [item(1, wrong_fix, [1])]
    assert grade(moved[0].version, moved[0].response, rules[1]).version_id == 13
    # then a void: it decides whatever the keys say
    rules[1].append(void(3, 3, full=False))
    assert (regrade(attempt(1), rules).score, regrade(attempt(1), rules).max_score) == (1.0, 1.0)


def test_a_version_with_the_options_in_another_order_takes_the_weights_by_text():
    reordered = version(1, {1}, texts=("B", "A", "C", "D"), id_=31)  # stored key: A (second here)
    rule = key(1, 2, version(2, {1}, id_=12))  # corrected: B right
    graded = grade(reordered, {"choices": [0]}, [rule])  # picked B
    assert graded.mark == 1.0 and graded.version_id is None and graded.rule is rule


def test_other_wordings_and_later_versions_are_not_covered():
    rule = key(1, 2, version(2, {1}, id_=12))
    reworded = version(1, {0}, texts=("A", "B", "C", "E"), id_=41)
    later = version(3, {0}, id_=13)  # an edit after the correction sets the key back to A
    assert grade(reworded, {"choices": [0]}, [rule]).rule is None
    assert grade(reworded, {"choices": [0]}, [rule]).mark == 1.0
    assert grade(later, {"choices": [0]}, [rule]).rule is None
    assert grade(later, {"choices": [0]}, [void(2, 2, full=False)]).counted  # a void covers only what it voided


def test_an_unread_response_of_a_question_without_corrections_keeps_its_stored_mark():
    from app.corrections.regrade import UNREAD
    unread = SimpleNamespace(question_id=2, version=version(1, {2}, id_=21), version_id=21, response=UNREAD, mark=1.0)
    result = regrade([item(1, V1, [1]), unread], {1: [key(1, 2, version(2, {1}, id_=12))]})
    assert [g.mark for _, g in result.items] == [1.0, 1.0] and result.score == 2.0

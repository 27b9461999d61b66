"""Marks of each question type and the responses that are not answers (app/quiz/grading.py)."""
from types import SimpleNamespace

import pytest

from app.quiz.banks.formats import answer, new_question, numeric_answer, truefalse_answers
from app.quiz.attempts.grading import clean_response, mark


def version(q):
    data = {"answers": q["answers"], "single": q["single"], "pairs": q.get("pairs", [])}
    return SimpleNamespace(qtype=q["type"], answers=data["answers"], single=data["single"], pairs=data["pairs"])


@pytest.mark.parametrize("q, raw, expected", [
    (new_question("multichoice", "x", answers=[answer("a", 1.0), answer("b", 0.0)]), {"choices": [0]}, 1.0),
    (new_question("multichoice", "x", answers=[answer("a", 1.0), answer("b", 0.0)]), {"choices": [1]}, 0.0),
    # several right answers, no negative weights: exactly the right set, or nothing
    (new_question("multichoice", "x", single=False, answers=[answer("a", .5), answer("b", .5), answer("c", 0)]),
     {"choices": [0, 1]}, 1.0),
    (new_question("multichoice", "x", single=False, answers=[answer("a", .5), answer("b", .5), answer("c", 0)]),
     {"choices": [0, 1, 2]}, 0.0),
    (new_question("multichoice", "x", single=False, answers=[answer("a", .5), answer("b", .5), answer("c", 0)]),
     {"choices": [0]}, 0.0),
    # Moodle's weights with a penalty: the sum, within 0..1
    (new_question("multichoice", "x", single=False, answers=[answer("a", .5), answer("b", .5), answer("c", -1)]),
     {"choices": [0]}, 0.5),
    (new_question("multichoice", "x", single=False, answers=[answer("a", .5), answer("b", .5), answer("c", -1)]),
     {"choices": [0, 2]}, 0.0),
    (new_question("truefalse", "x", answers=truefalse_answers(False)), {"value": False}, 1.0),
    (new_question("truefalse", "x", answers=truefalse_answers(False)), {"value": True}, 0.0),
    (new_question("shortanswer", "x", answers=[answer("VNeID", 1.0), answer("V*ID", 0.5)]), {"text": " vneid "}, 1.0),
    (new_question("shortanswer", "x", answers=[answer("VNeID", 1.0), answer("V*ID", 0.5)]), {"text": "VssID"}, 0.5),
    (new_question("shortanswer", "x", answers=[answer("Bộ Công an", 1.0)]), {"text": "Bo Cong an"}, 0.0),
    (new_question("numerical", "x", answers=[numeric_answer(3.14, 0.01)]), {"value": "3,145"}, 1.0),
    (new_question("numerical", "x", answers=[numeric_answer(3.14, 0.01)]), {"value": "3.2"}, 0.0),
    (new_question("numerical", "x", answers=[numeric_answer(2019, 0), numeric_answer(2019, 1, 0.5)]),
     {"value": "2020"}, 0.5),
    (new_question("matching", "x", pairs=[["a", "1"], ["b", "2"], ["c", "3"], ["", "4"]]),
     {"pairs": {"0": "1", "1": "2", "2": "4"}}, 2 / 3),
])
def test_marks_of_each_question_type(q, raw, expected):
    v = version(q)
    assert mark(v, clean_response(q["type"], v, raw)) == pytest.approx(expected)


def test_responses_out_of_shape_are_not_answers():
    v = version(new_question("multichoice", "x", answers=[answer("a", 1.0), answer("b", 0.0)]))
    assert clean_response("multichoice", v, {"choices": [7, "0", True]}) is None
    assert clean_response("multichoice", v, {"choices": [1, 0]}) == {"choices": [0]}  # one answer only
    assert clean_response("multichoice", v, "0") is None

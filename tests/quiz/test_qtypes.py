"""One class per question type: the registry, each type's wire format (clean, grade,
the no-JavaScript form), the attempt page's JavaScript table of the same format, and
each type's template macros."""
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from werkzeug.datastructures import MultiDict

from app.quiz.banks.formats import answer, check_question, new_question, numeric_answer, truefalse_answers
from app.quiz.qtypes import GRADABLE_TYPES, QTYPES, TYPES, qtype_of

ROOT = Path(__file__).resolve().parents[2]


def version(qtype, answers=(), single=True, pairs=()):
    return SimpleNamespace(qtype=qtype, answers=list(answers), single=single, pairs=[list(p) for p in pairs],
                           text_format="plain")


MC = version("multichoice", [answer("A", 0.0), answer("B", 1.0), answer("C", 0.0)])
MC_MANY = version("multichoice", [answer("A", 0.5), answer("B", 0.5), answer("C", 0.0)], single=False)
TF = version("truefalse", truefalse_answers(False))
SA = version("shortanswer", [answer("Hà * Nội", 1.0), answer("HN", 0.5)])
NUM = version("numerical", [numeric_answer(3.14, 0.01)])
MATCH = version("matching", pairs=[("Một", "1"), ("Hai", "2"), ("", "3")])


def test_every_stored_type_has_its_class_and_its_template_macros():
    assert TYPES == ("multichoice", "truefalse", "shortanswer", "numerical", "matching", "essay", "description")
    assert GRADABLE_TYPES == ("multichoice", "truefalse", "shortanswer", "numerical", "matching")
    for name, qtype in QTYPES.items():
        assert qtype_of(name) is qtype and qtype.name == name and qtype.label
        source = (ROOT / "templates" / qtype.template).read_text()
        for macro in ("take(item, v, r)", "review(item, v)", "preview(q, show_key)"):
            assert "{% macro " + macro in source, (name, macro)


def test_an_unknown_type_takes_no_response_and_grades_zero():
    unknown = qtype_of("cloze")
    assert unknown.clean(MC, {"choices": [1]}) is None
    assert unknown.mark(MC, {"choices": [1]}) == 0.0
    assert unknown.from_form(MultiDict({"q1": "1"}), "q1") is None


def test_multichoice_maps_displayed_positions_back_through_the_attempt_order():
    mc = qtype_of("multichoice")
    # shown C, A, B: the first option on screen is the bank's third
    assert mc.from_displayed([2, 0, 1], {"choices": [0, 2]}) == {"choices": [2, 1]}
    assert mc.from_displayed([2, 0, 1], {"choices": [3, -1, True, "0", 1]}) == {"choices": [0]}
    assert mc.from_displayed(None, {"choices": [0]}) == {"choices": []}
    assert mc.from_displayed([2, 0, 1], "junk") == "junk"
    # only multichoice has an order: the others pass through untouched
    assert qtype_of("truefalse").from_displayed([], {"value": True}) == {"value": True}


@pytest.mark.parametrize("v, raw, cleaned, mark", [
    (MC, {"choices": [1, 1, 9, True]}, {"choices": [1]}, 1.0),
    (MC, {"choices": [0, 1]}, {"choices": [0]}, 0.0),  # one answer only: the lowest index kept
    (MC, {"choices": []}, None, 0.0),
    (MC_MANY, {"choices": [1, 0]}, {"choices": [0, 1]}, 1.0),
    (MC_MANY, {"choices": [0]}, {"choices": [0]}, 0.0),  # all-or-nothing without negative weights
    (TF, {"value": False}, {"value": False}, 1.0),
    (TF, {"value": True}, {"value": True}, 0.0),
    (TF, {"value": "false"}, None, 0.0),
    (SA, {"text": "  hà   tây NỘI "}, {"text": "hà tây NỘI"}, 1.0),  # spaces tidied, compared folded
    (SA, {"text": "Hà Tây Nội"}, {"text": "Hà Tây Nội"}, 1.0),
    (SA, {"text": "hn"}, {"text": "hn"}, 0.5),
    (SA, {"text": ""}, None, 0.0),
    (NUM, {"value": "3,145"}, {"value": "3,145"}, 1.0),
    (NUM, {"value": 3.2}, {"value": "3.2"}, 0.0),
    (NUM, {"value": "pi"}, {"value": "pi"}, 0.0),
    (MATCH, {"pairs": {"0": "1", "1": "3", "5": "2", "x": "1", "2": "nope"}}, {"pairs": {"0": "1", "1": "3"}}, 0.5),
    (MATCH, {"pairs": []}, None, 0.0),
])
def test_each_type_cleans_its_wire_format_and_grades_it(v, raw, cleaned, mark):
    qtype = qtype_of(v.qtype)
    response = qtype.clean(v, raw)
    assert response == cleaned
    assert qtype.mark(v, response) == pytest.approx(mark)


def test_short_answers_are_nfc_and_cut_at_200_characters():
    cleaned = qtype_of("shortanswer").clean(SA, {"text": "Ha\u0300 " + "x" * 300})
    assert cleaned["text"].startswith("Hà ") and len(cleaned["text"]) == 200


def test_the_no_javascript_form_gives_the_same_wire_format_as_the_page():
    form = MultiDict([("q1", "2"), ("q1", "0"), ("q1", "x"), ("q1", "12345"), ("q2", "false"), ("q3", "Hà Nội"),
                      ("q4", "3,14"), ("q5.0", "1"), ("q5.1", ""), ("q5.2", "2"), ("q50.0", "9")])
    assert qtype_of("multichoice").from_form(form, "q1") == {"choices": [2, 0]}
    assert qtype_of("truefalse").from_form(form, "q2") == {"value": False}
    assert qtype_of("truefalse").from_form(form, "q9") == {"value": None}
    assert qtype_of("shortanswer").from_form(form, "q3") == {"text": "Hà Nội"}
    assert qtype_of("numerical").from_form(form, "q4") == {"value": "3,14"}
    assert qtype_of("matching").from_form(form, "q5") == {"pairs": {"0": "1", "2": "2"}}
    assert qtype_of("essay").from_form(form, "q6") is None


def test_the_attempt_page_script_reads_exactly_the_gradable_types():
    script = (ROOT / "static" / "js" / "attempt.js").read_text()
    table = script[script.index("var WIRE = {"):script.index("function responseOf")]
    assert tuple(re.findall(r"^    (\w+): ", table, re.M)) == GRADABLE_TYPES


def test_checks_of_a_parsed_question_come_from_its_type():
    assert check_question(new_question("description", "")) == []
    assert check_question(new_question("essay", "")) == ["câu hỏi không có nội dung"]
    assert check_question(new_question("matching", "Ghép", pairs=[["a", "1"], ["", ""]])) == [
        "câu ghép đôi cần ít nhất 2 cặp", "có cặp ghép đôi thiếu vế phải"]
    assert check_question(new_question("numerical", "Số?", answers=[numeric_answer(1, 0, 0.5)])) == [
        "không có đáp án đúng (100 %)"]
    assert new_question("matching", "x")["pairs"] == [] and "pairs" not in new_question("truefalse", "x")


@pytest.mark.parametrize("v, response, shown", [
    (MC, {"choices": [1]}, ['value="1" checked']),
    (TF, {"value": False}, ['value="false" checked']),
    (SA, {"text": "HN"}, ['name="q3" value="HN"']),
    (NUM, {"value": "3,1"}, ['inputmode="decimal" name="q3" value="3,1"']),
    (MATCH, {"pairs": {"1": "2"}}, ['name="q3.0" data-left="0"', 'name="q3.1"', "<option selected>2</option>"]),
])
def test_each_type_draws_its_part_of_the_attempt_page_with_the_saved_answer(app, v, response, shown):
    item = SimpleNamespace(position=3, option_order=[0, 1, 2], response=response)
    page = app.jinja_env.from_string(
        "{% import qtype_of(v.qtype).template as qt %}{{ qt.take(item, v, r) }}").render(item=item, v=v, r=response)
    for text in shown:
        assert text in page, (v.qtype, text, page)
    assert "q3.2" not in page  # the distractor has no select of its own

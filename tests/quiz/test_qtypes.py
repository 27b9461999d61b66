"""One class per question type: the registry, each type's wire format (clean, grade,
the no-JavaScript form), the attempt page's JavaScript table of the same format, each
type's template macros, what a version stores, the edit form's answer field, the demo's
responses; and no type compared with its name outside the types and the formats."""
import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from werkzeug.datastructures import MultiDict

from app.quiz.banks.formats import answer, check_question, new_question, numeric_answer, truefalse_answers
from app.quiz.models import QuestionVersion
from app.quiz.qtypes import GRADABLE_TYPES, QTYPES, TYPES, AnswerEdit, Invalid, qtype_of

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


# What a version stores, the edit form, the demo's responses --------------------------

PARSED = [
    new_question("multichoice", "Chọn", shuffle=False,
                 answers=[answer("A", 1.0, "đúng"), answer("B", 0.0), answer("C", -0.5)]),
    new_question("multichoice", "Chọn hai", single=False, answers=[answer("A", 0.5), answer("B", 0.5), answer("C", 0.0)]),
    new_question("truefalse", "Đúng?", answers=truefalse_answers(False, "không", "đúng")),
    new_question("shortanswer", "Tên?", answers=[answer("Hà * Nội", 1.0), answer("HN", 0.5, "gần đúng")]),
    new_question("numerical", "Số?", answers=[numeric_answer(3.14, 0.01), numeric_answer(None, None, 0.0, "khác")]),
    new_question("matching", "Ghép", pairs=[("Một", "1"), ("Hai", "2"), ("", "3")]),
    new_question("essay", "Viết"),
    new_question("description", ""),
]


def test_the_samples_cover_every_type():
    assert {q["type"] for q in PARSED} == set(TYPES)


@pytest.mark.parametrize("question", PARSED, ids=lambda q: q["type"])
def test_what_a_version_stores_reads_back_as_the_parsed_question(question):
    qtype = qtype_of(question["type"])
    # given what a version keeps, through JSON as the database keeps it
    stored = json.loads(json.dumps(qtype.stored_data(question)))
    # then the format dict's fields come back the same
    back = qtype.format_fields(QuestionVersion(qtype=question["type"], data=stored))
    assert set(back) == {"single", "answers", "shuffle", *qtype.blank_fields()}
    assert back == {key: [list(p) for p in question[key]] if key == "pairs" else question[key] for key in back}


def test_the_stored_json_keeps_the_shape_rows_already_hold():
    matching = new_question("matching", "Ghép", pairs=[("a", "1")], shuffle=False)
    assert json.dumps(qtype_of("matching").stored_data(matching)) == (
        '{"single": true, "shuffle": false, "answers": [], "pairs": [["a", "1"]]}')
    truefalse = new_question("truefalse", "Đúng?", answers=truefalse_answers(True))
    assert json.dumps(qtype_of("truefalse").stored_data(truefalse)) == (
        '{"single": true, "shuffle": true, "answers": [{"text": "true", "fraction": 1.0, "feedback": null}, '
        '{"text": "false", "fraction": 0.0, "feedback": null}]}')
    # a row written before pairs existed for its type reads without them
    assert "pairs" not in qtype_of("essay").format_fields(QuestionVersion(data={"answers": []}))
    assert qtype_of("matching").format_fields(QuestionVersion(data={"answers": []}))["pairs"] == []


# Questions without feedback, partial credit or "any other answer" (PARSED has them).
EDITABLE = [
    PARSED[0],  # weights and feedback stay while texts and ticks do
    new_question("multichoice", "Chọn hai", single=False, answers=[answer("A", 0.5), answer("B", 0.5), answer("C", 0.0)]),
    new_question("truefalse", "Đúng?", answers=truefalse_answers(False)),
    new_question("shortanswer", "Tên?", answers=[answer("Hà * Nội", 1.0), answer("HN", 1.0)]),
    new_question("numerical", "Số?", answers=[numeric_answer(3.14, 0.01), numeric_answer(1234567.0, 0.5),
                                              numeric_answer(-2e-07, 0.0)]),
    new_question("matching", "Ghép", pairs=[["Một", "1"], ["Hai", "2"], ["", "3"]]),
    new_question("essay", "Viết"),
    new_question("description", ""),
]


def form_edit(values, shuffle):
    """The edit as the service reads a form filled with `values` (blank lines dropped)."""
    return AnswerEdit(options=[(o["text"], o["right"]) for o in values.get("options", [])],
                      truth=values.get("truth") == "true",
                      lines=[line.strip() for line in values.get("lines", "").splitlines() if line.strip()],
                      shuffle=shuffle)


EXTRAS = [
    new_question("numerical", "Năm?", answers=[
        numeric_answer(2025.0, 0.0, 1.0, "Đúng."), numeric_answer((3.142 + 3.141) / 2, (3.142 - 3.141) / 2, 0.5),
        numeric_answer(0.1 + 0.2, 0.0, 1 / 3), numeric_answer(None, None, 0.25, "Gần đủ.")]),
    new_question("shortanswer", "Tên?", answers=[answer("VNeID", 1.0, "Đúng."), answer("V-NeID (50 %)", 1.0),
                                                 answer("*", -0.25, "Sai.")]),
    new_question("truefalse", "Đúng?", answers=[answer("true", -0.5, "không"), answer("false", 1.0, "đúng")]),
]


@pytest.mark.parametrize("question", EDITABLE + PARSED[:5] + EXTRAS, ids=lambda q: q["type"])
def test_the_edit_form_gives_back_the_question_it_showed(question):
    qtype = qtype_of(question["type"])
    values = qtype.edit_values(question)
    # the form fills exactly the type's answer field
    assert set(values) == ({qtype.edit_widget} if qtype.edit_widget else set())
    assert bool(qtype.edit_hint) == (qtype.edit_widget == "lines")
    # saved unchanged, every field it sets is what the question had
    fields = qtype.from_edit(question, form_edit(values, question["shuffle"]))
    assert fields == {key: question[key] for key in fields}
    assert set(fields) <= {"answers", "single", "shuffle", "pairs"}


def test_the_edit_form_shows_numbers_a_person_typed_as_typed():
    question = EDITABLE[4]
    assert qtype_of("numerical").edit_values(question) == {"lines": "3.14 ± 0.01\n1234567 ± 0.5\n-2e-07 ± 0"}
    # a range's midpoint shows rounded, not as its binary float
    ranged = new_question("numerical", "Số?", answers=[numeric_answer((3.142 + 3.141) / 2, (3.142 - 3.141) / 2)])
    assert qtype_of("numerical").edit_values(ranged) == {"lines": "3.1415 ± 0.0005"}


def test_edits_that_change_the_answers():
    mc = qtype_of("multichoice")
    # ticks moved: the right options share 100 %, kept feedback follows its text
    fields = mc.from_edit(PARSED[0], AnswerEdit(options=[("A", True), ("C", True), ("D", False)], truth=True,
                                                lines=[], shuffle=True))
    assert fields == {"answers": [answer("A", 0.5, "đúng"), answer("C", 0.5), answer("D", 0.0)], "single": False,
                      "shuffle": True}
    edit = AnswerEdit(options=[], truth=True, lines=["1..5", "2,5 +/- 0,1"], shuffle=True)
    assert qtype_of("numerical").from_edit(EDITABLE[4], edit)["answers"] == [numeric_answer(3.0, 2.0),
                                                                              numeric_answer(2.5, 0.1)]
    assert qtype_of("truefalse").from_edit(EDITABLE[2], edit)["answers"] == truefalse_answers(True)
    edit = AnswerEdit(options=[], truth=False, lines=["Ba -> 3", "-> 4"], shuffle=True)
    assert qtype_of("matching").from_edit(EDITABLE[5], edit) == {"pairs": [["Ba", "3"], ["", "4"]]}


def test_the_edit_form_shows_weights_and_any_other_answer_as_lines():
    assert qtype_of("numerical").edit_values(EXTRAS[0]) == {
        "lines": "2025 ± 0\n3.1415 ± 0.0005 (50 %)\n0.3 ± 0 (33.33333 %)\n* (25 %)"}
    assert qtype_of("numerical").edit_values(PARSED[4]) == {"lines": "3.14 ± 0.01\n*"}
    assert qtype_of("shortanswer").edit_values(PARSED[3]) == {"lines": "Hà * Nội\nHN (50 %)"}


def test_edits_of_weighted_lines_keep_what_the_lines_do_not_show():
    def lines(qtype, question, *typed):
        edit = AnswerEdit(options=[], truth=True, lines=list(typed), shuffle=True)
        return qtype_of(qtype).from_edit(question, edit)["answers"]

    # a weight changed or taken off: the answer keeps its feedback; a new line is worth 100 %
    assert lines("shortanswer", PARSED[3], "HN (25 %)", "Hà Nội", "Hà * Nội (50%)") == [
        answer("HN", 0.25, "gần đúng"), answer("Hà Nội", 1.0), answer("Hà * Nội", 0.5)]
    assert lines("shortanswer", PARSED[3], "HN") == [answer("HN", 1.0, "gần đúng")]
    # numbers: a line read again keeps its feedback; "*" without a weight is every other number for nothing
    assert lines("numerical", EXTRAS[0], "2025 (50 %)", "2026", "*") == [
        numeric_answer(2025.0, 0.0, 0.5, "Đúng."), numeric_answer(2026.0, 0.0),
        numeric_answer(None, None, 0.0, "Gần đủ.")]
    assert lines("numerical", EDITABLE[4], "*") == [numeric_answer(None, None, 0.0)]
    assert lines("numerical", EXTRAS[0], "2025", "* (10 %)") == [
        numeric_answer(2025.0, 0.0, 1.0, "Đúng."), numeric_answer(None, None, 0.1, "Gần đủ.")]
    # the other truth: each response keeps its feedback (as in Moodle), the weights are the usual ones
    assert qtype_of("truefalse").from_edit(PARSED[2], AnswerEdit(options=[], truth=True, lines=[], shuffle=True)) == {
        "answers": truefalse_answers(True, "không", "đúng")}


@pytest.mark.parametrize("qtype, line, message", [
    ("matching", "Ba = 3", "dòng “Ba = 3” cần có dạng “vế trái -> vế phải”"),
    ("numerical", "ba", "đáp án số “ba” không phải là số"),
    ("numerical", "(50 %)", "dòng “(50 %)” có điểm mà không có đáp án"),
    ("shortanswer", "HN (150 %)", "điểm “150 %” của “HN” phải từ -100 % đến 100 %"),
])
def test_an_edit_line_that_does_not_read_is_refused(qtype, line, message):
    with pytest.raises(Invalid) as info:
        qtype_of(qtype).from_edit(EDITABLE[5], AnswerEdit(options=[], truth=True, lines=[line], shuffle=True))
    assert info.value.message == message


MC_WEIGHTED = version("multichoice", [answer("A", 1.0), answer("B", -0.5), answer("C", 0.5)])
NUM_OTHER = version("numerical", [numeric_answer(10.0, 0.0), numeric_answer(12.0, 1.0, 0.5),
                                  numeric_answer(None, None, 0.0, "khác")])
NUM_OTHER_CREDIT = version("numerical", [numeric_answer(10.0, 0.0), numeric_answer(None, None, 0.25, "gần")])


@pytest.mark.parametrize("v, typed, mark", [
    (NUM_OTHER, "10", 1.0), (NUM_OTHER, "12,5", 0.5), (NUM_OTHER, "99", 0.0),
    (NUM_OTHER_CREDIT, "10", 1.0), (NUM_OTHER_CREDIT, "99", 0.25), (NUM_OTHER_CREDIT, "mười", 0.0),
    (version("numerical", [numeric_answer(10.0, 0.0), numeric_answer(None, None, -0.5)]), "99", 0.0),
])
def test_any_other_answer_earns_its_own_weight_for_every_other_number(v, typed, mark):
    assert qtype_of("numerical").mark(v, {"value": typed}) == mark


def test_a_numerical_question_needs_a_number_worth_100_percent_besides_any_other_answer():
    def problems(*answers):
        return check_question(new_question("numerical", "Số?", answers=list(answers)))

    assert problems(numeric_answer(1.0, 0.0), numeric_answer(None, None, 0.0, "khác")) == []
    assert problems(numeric_answer(None, None, 0.0, "khác")) == ["câu hỏi số cần ít nhất một đáp án là số"]
    assert problems(numeric_answer(1.0, 0.0, 0.5), numeric_answer(None, None, 1.0)) == [
        "không có đáp án đúng (100 %)", "đáp án “mọi số khác” (*) không được 100 % điểm"]


@pytest.mark.parametrize("v", [MC, MC_MANY, MC_WEIGHTED, TF, SA, NUM, NUM_OTHER, NUM_OTHER_CREDIT, MATCH],
                         ids=lambda v: v.qtype)
def test_a_sample_response_is_right_or_wrong_as_asked(v):
    qtype = qtype_of(v.qtype)
    right, wrong = qtype.sample_response(v, True), qtype.sample_response(v, False)
    # both already have the shape the type stores
    assert qtype.clean(v, right) == right and qtype.clean(v, wrong) == wrong
    assert qtype.mark(v, right) == 1.0
    assert qtype.mark(v, wrong) < 1.0


@pytest.mark.parametrize("name", ["essay", "description", "cloze"])
def test_types_that_take_no_response_have_no_sample(name):
    assert qtype_of(name).sample_response(version(name), True) is None


TYPE_LITERAL = re.compile(r"[\"'](" + "|".join(TYPES) + r")[\"']")


def test_no_code_outside_the_types_and_the_formats_names_a_type():
    """A new type is a class in app/quiz/qtypes (and its syntax in each format's table):
    no ladder elsewhere compares a type with its name."""
    sources = [path for path in (ROOT / "app" / "quiz").rglob("*.py")
               if not path.is_relative_to(ROOT / "app" / "quiz" / "qtypes")
               and not path.is_relative_to(ROOT / "app" / "quiz" / "banks" / "formats")]
    sources += [path for path in (ROOT / "templates" / "quiz").rglob("*.html")
                if not path.is_relative_to(ROOT / "templates" / "quiz" / "qtypes")]
    assert len(sources) > 40  # the scan found the sources
    found = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}" for path in sorted(sources)
             for number, line in enumerate(path.read_text().splitlines(), 1) if TYPE_LITERAL.search(line)]
    assert found == []

"""GIFT reader: the JSON of each question (`to_json`) for Moodle's documented examples
(docs.moodle.org "GIFT format" and question/format/gift/examples.txt), our conventions,
errors with their line numbers, and `flask quiz parse`.

Expected values are written from the documented meaning of each example, not copied
from the parser's output."""
import json

import pytest

from app.quiz.banks.formats import ParseError, parse, to_json

SPEC_KEYS = ("type", "title", "text", "format", "category", "general_feedback", "single", "answers")


# Helpers

def a(text, fraction, feedback=None):
    return {"text": text, "fraction": fraction, "feedback": feedback}


def n(value, tolerance, fraction=1.0, feedback=None):
    return {"value": value, "tolerance": tolerance, "fraction": fraction, "feedback": feedback}


def tf(correct, true_feedback=None, false_feedback=None):
    return [a("true", 1.0 if correct else 0.0, true_feedback), a("false", 0.0 if correct else 1.0, false_feedback)]


def q(qtype, text, answers=(), *, title=None, format="moodle", category=None, general_feedback=None,
      single=True, pairs=None):
    """The expected JSON of one question. `single` is only specified for multichoice."""
    expected = {"type": qtype, "title": title, "text": text, "format": format, "category": category,
                "general_feedback": general_feedback, "answers": list(answers)}
    if qtype == "multichoice":
        expected["single"] = single
    if qtype == "matching":
        expected["pairs"] = [list(p) for p in (pairs or [])]
    return expected


def _approx(value):
    if isinstance(value, float):
        return pytest.approx(value, rel=1e-9, abs=1e-12)
    if isinstance(value, dict):
        return {k: _approx(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_approx(v) for v in value]
    return value


def view(question):
    """The documented part of `to_json(question)`, checked for the JSON types."""
    data = to_json(question)
    json.dumps(data)  # printable
    missing = [k for k in SPEC_KEYS if k not in data]
    assert not missing, f"missing keys {missing} in {data}"
    result = {k: data[k] for k in SPEC_KEYS}
    assert isinstance(result["single"], bool)
    if data["type"] != "multichoice":
        del result["single"]
    if data["type"] == "matching":
        result["pairs"] = [list(p) for p in data["pairs"]]
    for ans in result["answers"]:
        for key in ("fraction", "value", "tolerance"):
            if key in ans and not (key != "fraction" and ans["value"] is None):  # "any other answer": no number
                assert isinstance(ans[key], float) and not isinstance(ans[key], bool), (key, ans)
    return result


def gift(source):
    if isinstance(source, str):
        source = source.encode("utf-8")
    return [view(question) for question in parse(source, "gift")]


def one(source):
    questions = gift(source)
    assert len(questions) == 1, questions
    return questions[0]


def check(source, expected):
    assert one(source) == _approx(expected)


def errors_of(source):
    if isinstance(source, str):
        source = source.encode("utf-8")
    with pytest.raises(ParseError) as info:
        parse(source, "gift")
    errors = info.value.errors
    for line, message in errors:
        assert isinstance(message, str) and message.strip()
    return errors


def error_lines(source):
    return [line for line, _ in errors_of(source)]


# Moodle's documented examples: multiple choice

def test_multiple_choice_grants_tomb():
    check("Who's buried in Grant's tomb?{~Grant ~Jefferson =no one}",
          q("multichoice", "Who's buried in Grant's tomb?",
            [a("Grant", 0.0), a("Jefferson", 0.0), a("no one", 1.0)]))


def test_multiple_choice_right_answer_first():
    check("Who's buried in Grant's tomb?{=Grant ~no one ~Napoleon ~Churchill ~Mother Teresa}",
          q("multichoice", "Who's buried in Grant's tomb?",
            [a("Grant", 1.0), a("no one", 0.0), a("Napoleon", 0.0), a("Churchill", 0.0),
             a("Mother Teresa", 0.0)]))


def test_missing_word_grant_is_entombed():
    check("Grant is {~buried =entombed ~living} in Grant's tomb.",
          q("multichoice", "Grant is _____ in Grant's tomb.",
            [a("buried", 0.0), a("entombed", 1.0), a("living", 0.0)]))


def test_missing_word_moodle_costs():
    check("Moodle costs {~lots of money =nothing ~a small amount} to download from moodle.org.",
          q("multichoice", "Moodle costs _____ to download from moodle.org.",
            [a("lots of money", 0.0), a("nothing", 1.0), a("a small amount", 0.0)]))


def test_missing_word_mahatma_gandhis_birthday():
    check("Mahatma Gandhi's birthday is an Indian holiday on {~15th ~3rd =2nd} of October.",
          q("multichoice", "Mahatma Gandhi's birthday is an Indian holiday on _____ of October.",
            [a("15th", 0.0), a("3rd", 0.0), a("2nd", 1.0)]))


def test_missing_word_hastings_answers_are_trimmed():
    check('Since {~495 AD =1066 AD ~1215 AD ~ 43 AD} the town of Hastings England has been "famous with visitors".',
          q("multichoice", 'Since _____ the town of Hastings England has been "famous with visitors".',
            [a("495 AD", 0.0), a("1066 AD", 1.0), a("1215 AD", 0.0), a("43 AD", 0.0)]))


def test_answers_on_separate_indented_lines_missing_word():
    source = ("The American holiday of Thanksgiving is celebrated on the {\n"
              "    ~second\n"
              "    ~third\n"
              "    =fourth\n"
              "} Thursday of November.\n")
    check(source, q("multichoice", "The American holiday of Thanksgiving is celebrated on the _____ Thursday of November.",
                    [a("second", 0.0), a("third", 0.0), a("fourth", 1.0)]))


def test_answers_on_separate_lines_closing_brace_on_last_answer():
    source = ("Japanese characters originally came from what country? {\n"
              "    ~India\n"
              "    =China\n"
              "    ~Korea\n"
              "    ~Egypt}\n")
    check(source, q("multichoice", "Japanese characters originally came from what country?",
                    [a("India", 0.0), a("China", 1.0), a("Korea", 0.0), a("Egypt", 0.0)]))


def test_multiple_choice_with_title_and_feedback_on_own_lines():
    source = ("//Comment line\n"
              "::Grants tomb::Who is buried in Grant's tomb in New York City? {\n"
              "=Grant\n"
              "~No one\n"
              "#Was true for 12 years, but Grant's remains were buried in the tomb in 1897\n"
              "~Napoleon\n"
              "#He was buried in France\n"
              "~Churchill\n"
              "#He was buried in England\n"
              "~Mother Teresa\n"
              "#She was buried in India\n"
              "}\n")
    check(source, q("multichoice", "Who is buried in Grant's tomb in New York City?", [
        a("Grant", 1.0),
        a("No one", 0.0, "Was true for 12 years, but Grant's remains were buried in the tomb in 1897"),
        a("Napoleon", 0.0, "He was buried in France"),
        a("Churchill", 0.0, "He was buried in England"),
        a("Mother Teresa", 0.0, "She was buried in India"),
    ], title="Grants tomb"))


def test_multiple_right_answers_with_negative_weights():
    source = ("What two people are entombed in Grant's tomb? {\n"
              "   ~%-100%No one\n"
              "   ~%50%Grant\n"
              "   ~%50%Grant's wife\n"
              "   ~%-100%Grant's father\n"
              "}\n")
    check(source, q("multichoice", "What two people are entombed in Grant's tomb?", [
        a("No one", -1.0), a("Grant", 0.5), a("Grant's wife", 0.5), a("Grant's father", -1.0),
    ], single=False))


def test_multiple_answers_examples_file():
    source = ("What two people are entombed in Grant's tomb? {\n"
              "    ~No one\n"
              "    ~%50%Grant\n"
              "    ~%50%Grant's wife\n"
              "    ~Grant's father }\n"
              "\n"
              "What two people are entombed in Grant's tomb? {\n"
              "    ~%-50%No one\n"
              "    ~%50%Grant\n"
              "    ~%50%Grant's wife\n"
              "    ~%-50%Grant's father }\n")
    text = "What two people are entombed in Grant's tomb?"
    assert gift(source) == _approx([
        q("multichoice", text, [a("No one", 0.0), a("Grant", 0.5), a("Grant's wife", 0.5),
                                a("Grant's father", 0.0)], single=False),
        q("multichoice", text, [a("No one", -0.5), a("Grant", 0.5), a("Grant's wife", 0.5),
                                a("Grant's father", -0.5)], single=False),
    ])


def test_percentage_weights_with_a_full_credit_answer_is_single():
    check("Difficult question.{~wrong answer ~%50%half credit answer =full credit answer}",
          q("multichoice", "Difficult question.",
            [a("wrong answer", 0.0), a("half credit answer", 0.5), a("full credit answer", 1.0)]))


def test_multiple_choice_answer_feedback():
    source = ("What's the answer to this multiple-choice question?{\n"
              "~wrong answer#feedback comment on the wrong answer\n"
              "~another wrong answer#feedback comment on this wrong answer\n"
              "=right answer#Very good!}\n")
    check(source, q("multichoice", "What's the answer to this multiple-choice question?", [
        a("wrong answer", 0.0, "feedback comment on the wrong answer"),
        a("another wrong answer", 0.0, "feedback comment on this wrong answer"),
        a("right answer", 1.0, "Very good!"),
    ]))


def test_quick_example_spectrum_feedback_with_spaces():
    source = ("::Q2:: What's between orange and green in the spectrum? \n"
              "{ =yellow # right; good! ~red # wrong, it's yellow ~blue # wrong, it's yellow }\n")
    check(source, q("multichoice", "What's between orange and green in the spectrum?", [
        a("yellow", 1.0, "right; good!"), a("red", 0.0, "wrong, it's yellow"), a("blue", 0.0, "wrong, it's yellow"),
    ], title="Q2"))


def test_feedback_after_padding_and_partial_credit():
    source = ("Difficult multiple choice question.{\n"
              "     ~wrong answer           #comment on wrong answer\n"
              "     ~%50%half credit answer #comment on answer\n"
              "     =full credit answer     #well done!}\n")
    check(source, q("multichoice", "Difficult multiple choice question.", [
        a("wrong answer", 0.0, "comment on wrong answer"),
        a("half credit answer", 0.5, "comment on answer"),
        a("full credit answer", 1.0, "well done!"),
    ]))


def test_missing_word_with_title_and_feedback_braces_over_several_lines():
    source = ("::Grant's Tomb::Grant is {\n"
              "      ~buried#No one is buried there.\n"
              "      =entombed#Right answer!\n"
              "      ~living#We hope not!\n"
              "} in Grant's tomb.\n")
    check(source, q("multichoice", "Grant is _____ in Grant's tomb.", [
        a("buried", 0.0, "No one is buried there."), a("entombed", 1.0, "Right answer!"),
        a("living", 0.0, "We hope not!"),
    ], title="Grant's Tomb"))


def test_jesus_hometown_multiple_choice_partial_credit_missing_word():
    source = ("::Jesus' hometown::Jesus Christ was from {\n"
              "    ~Jerusalem#This was an important city, but the wrong answer.\n"
              "    ~%25%Bethlehem#He was born here, but not raised here.\n"
              "    ~%50%Galilee#You need to be more specific.\n"
              "    =Nazareth#Yes! That's right!}.\n")
    check(source, q("multichoice", "Jesus Christ was from _____.", [
        a("Jerusalem", 0.0, "This was an important city, but the wrong answer."),
        a("Bethlehem", 0.25, "He was born here, but not raised here."),
        a("Galilee", 0.5, "You need to be more specific."),
        a("Nazareth", 1.0, "Yes! That's right!"),
    ], title="Jesus' hometown"))


def test_title_on_its_own_line_and_text_over_two_lines():
    source = ("::Thanksgiving Date::The American holiday of Thanksgiving is\n"
              "celebrated on the {~second ~third =fourth} Thursday of November.\n")
    check(source, q("multichoice",
                    "The American holiday of Thanksgiving is\ncelebrated on the _____ Thursday of November.",
                    [a("second", 0.0), a("third", 0.0), a("fourth", 1.0)], title="Thanksgiving Date"))


# Short answer

def test_short_answer_grants_tomb():
    check("Who's buried in Grant's tomb?{=Grant =Ulysses S. Grant =Ulysses Grant}",
          q("shortanswer", "Who's buried in Grant's tomb?",
            [a("Grant", 1.0), a("Ulysses S. Grant", 1.0), a("Ulysses Grant", 1.0)]))


def test_short_answer_two_plus_two_missing_word():
    check("Two plus two equals {=four =4}.",
          q("shortanswer", "Two plus two equals _____.", [a("four", 1.0), a("4", 1.0)]))


def test_short_answer_quick_example_q3():
    check("::Q3:: Two plus {=two =2} equals four.",
          q("shortanswer", "Two plus _____ equals four.", [a("two", 1.0), a("2", 1.0)], title="Q3"))


def test_short_answer_feedback():
    source = ("Who's buried in Grant's tomb?{\n"
              "=no one#excellent answer!\n"
              "=nobody#excellent answer too!}\n")
    check(source, q("shortanswer", "Who's buried in Grant's tomb?",
                    [a("no one", 1.0, "excellent answer!"), a("nobody", 1.0, "excellent answer too!")]))


def test_short_answer_weights_and_feedback():
    source = ("::Jesus' hometown (Short answer ex.):: Jesus Christ was from {\n"
              "     =Nazareth#Yes! That's right!\n"
              "     =%75%Nazereth#Right, but misspelled.\n"
              "     =%25%Bethlehem#He was born here, but not raised here.\n"
              "}.\n")
    check(source, q("shortanswer", "Jesus Christ was from _____.", [
        a("Nazareth", 1.0, "Yes! That's right!"),
        a("Nazereth", 0.75, "Right, but misspelled."),
        a("Bethlehem", 0.25, "He was born here, but not raised here."),
    ], title="Jesus' hometown (Short answer ex.)"))


def test_short_answer_single_answer_with_title_text_over_two_lines():
    check("::Kanji Origins::Japanese characters originally\ncame from what country? {=China}",
          q("shortanswer", "Japanese characters originally\ncame from what country?", [a("China", 1.0)],
            title="Kanji Origins"))


def test_short_answer_without_equal_sign():
    check("Thủ đô của Việt Nam là thành phố nào? {Hà Nội}",
          q("shortanswer", "Thủ đô của Việt Nam là thành phố nào?", [a("Hà Nội", 1.0)]))


def test_lowercase_true_is_a_short_answer_not_true_false():
    check("Hai cộng hai bằng bốn, đúng hay sai? {true}",
          q("shortanswer", "Hai cộng hai bằng bốn, đúng hay sai?", [a("true", 1.0)]))


# True/false

@pytest.mark.parametrize("keyword, correct", [("T", True), ("TRUE", True), ("F", False), ("FALSE", False)])
def test_true_false_keywords(keyword, correct):
    check(f"Grant was buried in a tomb in New York City.{{{keyword}}}",
          q("truefalse", "Grant was buried in a tomb in New York City.", tf(correct)))


def test_true_false_examples_file():
    source = "Grant is buried in Grant's tomb.{F}\n\nThe sun rises in the east.{T}\n"
    assert gift(source) == _approx([
        q("truefalse", "Grant is buried in Grant's tomb.", tf(False)),
        q("truefalse", "The sun rises in the east.", tf(True)),
    ])


def test_true_false_with_titles_from_the_documentation():
    source = ("// question: 0 name: TrueStatement using {T} style\n"
              "::TrueStatement about Grant::Grant was buried in a tomb in New York City.{T}\n"
              "\n"
              "// question: 0 name: FalseStatement using {FALSE} style\n"
              "::FalseStatement about sun::The sun rises in the West.{FALSE}\n")
    assert gift(source) == _approx([
        q("truefalse", "Grant was buried in a tomb in New York City.", tf(True), title="TrueStatement about Grant"),
        q("truefalse", "The sun rises in the West.", tf(False), title="FalseStatement about sun"),
    ])


def test_true_false_quick_example_text_with_equal_sign():
    check("::Q1:: 1+1=2 {T}", q("truefalse", "1+1=2", tf(True), title="Q1"))


def test_false_with_one_feedback_goes_to_the_wrong_answer_true():
    # One feedback is the feedback for the wrong answer; with {FALSE} the wrong answer is "true".
    check("Grant is buried in Grant's tomb.{FALSE#No one is buried in Grant's tomb.}",
          q("truefalse", "Grant is buried in Grant's tomb.",
            tf(False, true_feedback="No one is buried in Grant's tomb.", false_feedback=None)))


def test_true_with_two_feedbacks():
    # {T#a#b}: a for the wrong answer (false), b for the right answer (true).
    check("Trái Đất quay quanh Mặt Trời.{T#Sai rồi, Trái Đất có quay.#Đúng vậy!}",
          q("truefalse", "Trái Đất quay quanh Mặt Trời.",
            tf(True, true_feedback="Đúng vậy!", false_feedback="Sai rồi, Trái Đất có quay.")))


def test_false_with_two_feedbacks():
    # {F#a#b}: a for the wrong answer (true), b for the right answer (false).
    check("Mặt Trời mọc ở hướng Tây.{F#Không, Mặt Trời mọc ở hướng Đông.#Chính xác.}",
          q("truefalse", "Mặt Trời mọc ở hướng Tây.",
            tf(False, true_feedback="Không, Mặt Trời mọc ở hướng Đông.", false_feedback="Chính xác.")))


def test_true_false_keyword_with_spaces_inside_braces():
    check("Hà Nội là thủ đô của Việt Nam. { TRUE }",
          q("truefalse", "Hà Nội là thủ đô của Việt Nam.", tf(True)))


# Matching

def test_matching_which_animal_eats_which_food():
    check("::Q4:: Which animal eats which food? { =cat -> cat food =dog -> dog food }",
          q("matching", "Which animal eats which food?", [], title="Q4",
            pairs=[["cat", "cat food"], ["dog", "dog food"]]))


def test_matching_countries_with_general_feedback():
    source = ("Match the following countries with their corresponding capitals. {\n"
              "    =Canada -> Ottawa\n"
              "    =Italy  -> Rome\n"
              "    =Japan  -> Tokyo\n"
              "    =India  -> New Delhi\n"
              "    ####It's good to know the capitals\n"
              "}\n")
    check(source, q("matching", "Match the following countries with their corresponding capitals.", [],
                    general_feedback="It's good to know the capitals",
                    pairs=[["Canada", "Ottawa"], ["Italy", "Rome"], ["Japan", "Tokyo"], ["India", "New Delhi"]]))


def test_matching_without_spaces_around_arrow_text_over_two_lines():
    check("Match the following countries with their corresponding\ncapitals.{=Canada->Ottawa =Italy->Rome =Japan->Tokyo}",
          q("matching", "Match the following countries with their corresponding\ncapitals.", [],
            pairs=[["Canada", "Ottawa"], ["Italy", "Rome"], ["Japan", "Tokyo"]]))


def test_matching_vietnamese():
    source = ("::Ghép đôi::Ghép ứng dụng với cơ quan phát triển. {\n"
              "=VNeID -> Bộ Công an\n"
              "=VssID -> Bảo hiểm xã hội Việt Nam\n"
              "=eTax Mobile -> Cục Thuế\n"
              "}\n")
    check(source, q("matching", "Ghép ứng dụng với cơ quan phát triển.", [], title="Ghép đôi",
                    pairs=[["VNeID", "Bộ Công an"], ["VssID", "Bảo hiểm xã hội Việt Nam"],
                           ["eTax Mobile", "Cục Thuế"]]))


# Numerical

def test_numerical_with_tolerance():
    check("When was Ulysses S. Grant born?{#1822:5}",
          q("numerical", "When was Ulysses S. Grant born?", [n(1822.0, 5.0)]))


def test_numerical_exact():
    check("When was Ulysses S. Grant born? {#1822}",
          q("numerical", "When was Ulysses S. Grant born?", [n(1822.0, 0.0)]))


def test_numerical_pi_tolerance_missing_word():
    check("What is the value of pi (to 3 decimal places)? {#3.14159:0.0005}.",
          q("numerical", "What is the value of pi (to 3 decimal places)? _____.", [n(3.14159, 0.0005)]))


def test_numerical_pi_range():
    check("What is the value of pi (to 3 decimal places)? {#3.141..3.142}.",
          q("numerical", "What is the value of pi (to 3 decimal places)? _____.", [n(3.1415, 0.0005)]))


def test_numerical_tolerance_and_range_forms_are_the_same():
    source = ("::Q5:: What is a number from 1 to 5? {#3:2}\n"
              "\n"
              "// math range specified with interval end points\n"
              "::Q6:: What is a number from 1 to 5? {#1..5}\n")
    assert gift(source) == _approx([
        q("numerical", "What is a number from 1 to 5?", [n(3.0, 2.0)], title="Q5"),
        q("numerical", "What is a number from 1 to 5?", [n(3.0, 2.0)], title="Q6"),
    ])


def test_numerical_multiple_answers_partial_credit():
    source = ("When was Ulysses S. Grant born? {#\n"
              "    =1822:0      # Correct! Full credit.\n"
              "    =%50%1822:2  # He was born in 1822. Half credit for being close.\n"
              "}\n")
    check(source, q("numerical", "When was Ulysses S. Grant born?", [
        n(1822.0, 0.0, 1.0, "Correct! Full credit."),
        n(1822.0, 2.0, 0.5, "He was born in 1822. Half credit for being close."),
    ]))


def test_numerical_example_with_comment_title_and_feedback_over_two_lines():
    source = ("//this comment will be ignored by the filter\n"
              "::Numerical example::\n"
              "When was Ulysses S. Grant born? {#\n"
              "     =1822:0      #Correct! 100% credit\n"
              "     =%50%1822:2  #He was born in 1822.\n"
              "                  You get 50% credit for being close.\n"
              "}\n")
    check(source, q("numerical", "When was Ulysses S. Grant born?", [
        n(1822.0, 0.0, 1.0, "Correct! 100% credit"),
        n(1822.0, 2.0, 0.5, "He was born in 1822.\nYou get 50% credit for being close."),
    ], title="Numerical example"))


def test_numerical_after_a_comment_line():
    check("// Subheading: Numerical questions below\nWhat's 2 plus 2? {#4}",
          q("numerical", "What's 2 plus 2?", [n(4.0, 0.0)]))


def test_numerical_ranges_with_partial_credit_vietnamese():
    source = ("Chủ tịch Hồ Chí Minh đọc Tuyên ngôn Độc lập năm nào? {#\n"
              "=1945#Chính xác.\n"
              "=%50%1944..1946#Gần đúng.\n"
              "=%25%1940..1950\n"
              "}\n")
    check(source, q("numerical", "Chủ tịch Hồ Chí Minh đọc Tuyên ngôn Độc lập năm nào?", [
        n(1945.0, 0.0, 1.0, "Chính xác."),
        n(1945.0, 1.0, 0.5, "Gần đúng."),
        n(1945.0, 5.0, 0.25),
    ]))


def test_numerical_negative_values():
    source = "Nhiệt độ đóng băng của nước muối khoảng bao nhiêu độ C? {#-5:0.5}\n\nMột số từ -3 đến -1? {#-3..-1}\n"
    assert gift(source) == _approx([
        q("numerical", "Nhiệt độ đóng băng của nước muối khoảng bao nhiêu độ C?", [n(-5.0, 0.5)]),
        q("numerical", "Một số từ -3 đến -1?", [n(-2.0, 1.0)]),
    ])


def test_numerical_any_other_answer_written_as_a_star():
    # Moodle reads `*` as a numerical answer that every other number matches
    check("::Q::Năm? {#2025:0 =%0%*}", q("numerical", "Năm?", [n(2025.0, 0.0), n(None, None, 0.0)], title="Q"))
    check("Năm? {#=2025#Đúng. =%0%*#Sai rồi.}",
          q("numerical", "Năm?", [n(2025.0, 0.0, 1.0, "Đúng."), n(None, None, 0.0, "Sai rồi.")]))


def test_numerical_any_other_answer_after_a_tilde():
    check("Số từ 1 đến 5? {#3:2~#Completely wrong}",
          q("numerical", "Số từ 1 đến 5?", [n(3.0, 2.0), n(None, None, 0.0, "Completely wrong")]))


def test_numerical_with_only_any_other_answer_is_refused():
    assert errors_of("Năm? {#=%0%*#Sai}") == [(1, "câu hỏi số cần ít nhất một đáp án là số")]


@pytest.mark.parametrize("answers", [
    [n(2025.0, 0.0), n(None, None, 0.0, "Sai rồi.")],  # last, no credit, feedback: Moodle's `~#...`
    [n(2025.0, 0.0), n(None, None, 0.0)],  # no feedback: `~#` alone would read as nothing
    [n(2025.0, 0.0), n(None, None, 0.25, "Gần đủ.")],  # some credit
    [n(None, None, 0.0, "Sai."), n(2025.0, 0.0, 1.0, "Đúng.")],  # not last
], ids=["tilde", "no-feedback", "weighted", "first"])
def test_numerical_any_other_answer_is_written_so_it_reads_back(answers):
    from app.quiz.banks.formats import new_question
    from app.quiz.banks.formats.gift import write_gift
    question = new_question("numerical", "Năm?", answers=answers)
    assert one(write_gift([question])) == q("numerical", "Năm?", answers)


# Essay and description

def test_essay():
    check("Write a short biography of Dag Hammarskjöld. {}",
          q("essay", "Write a short biography of Dag Hammarskjöld.", []))


def test_essay_quick_example_with_title():
    check("::Q8:: How are you? {}", q("essay", "How are you?", [], title="Q8"))


def test_essay_with_general_feedback():
    check("Nêu ba lợi ích của dịch vụ công trực tuyến. {####Tiết kiệm thời gian, chi phí, minh bạch.}",
          q("essay", "Nêu ba lợi ích của dịch vụ công trực tuyến.", [],
            general_feedback="Tiết kiệm thời gian, chi phí, minh bạch."))


def test_description():
    check("You can use your pencil and paper for these next math questions.",
          q("description", "You can use your pencil and paper for these next math questions."))


def test_description_with_title_over_two_lines():
    check("::Hướng dẫn::Đọc kỹ đoạn văn sau\nrồi trả lời các câu hỏi.",
          q("description", "Đọc kỹ đoạn văn sau\nrồi trả lời các câu hỏi.", title="Hướng dẫn"))


# Escapes

def test_escaped_equal_signs_in_answers():
    source = ("Which answer equals 5? {\n"
              "     ~ \\= 2 + 2\n"
              "     = \\= 2 + 3\n"
              "     ~ \\= 2 + 4  }\n")
    check(source, q("multichoice", "Which answer equals 5?",
                    [a("= 2 + 2", 0.0), a("= 2 + 3", 1.0), a("= 2 + 4", 0.0)]))


def test_gift_control_characters_example():
    source = ("::GIFT Control Characters::\n"
              "Which of the following is NOT a control character for the GIFT import format? {\n"
              "   ~ \\~     # \\~ is a control character.\n"
              "   ~ \\=     # \\= is a control character.\n"
              "   ~ \\#     # \\# is a control character.\n"
              "   ~ \\{     # \\{ is a control character.\n"
              "   ~ \\}     # \\} is a control character.\n"
              "   = \\\\     # Correct! \\\\ (backslash) is not a control character. BUT,\n"
              "              it is used to escape the control characters. So, to specify\n"
              "              a literal backslash, you must escape it with a backslash\n"
              "              (as shown in this example).\n"
              "}\n")
    check(source, q("multichoice",
                    "Which of the following is NOT a control character for the GIFT import format?", [
                        a("~", 0.0, "~ is a control character."),
                        a("=", 0.0, "= is a control character."),
                        a("#", 0.0, "# is a control character."),
                        a("{", 0.0, "{ is a control character."),
                        a("}", 0.0, "} is a control character."),
                        a("\\", 1.0, "Correct! \\ (backslash) is not a control character. BUT,\n"
                                     "it is used to escape the control characters. So, to specify\n"
                                     "a literal backslash, you must escape it with a backslash\n"
                                     "(as shown in this example)."),
                    ], title="GIFT Control Characters"))


def test_escapes_in_question_text_and_answers():
    source = "Ký hiệu \\{x\\} nghĩa là gì\\: tập hợp hay \\~ xấp xỉ? {=tập hợp chứa x#Đúng \\= 100 \\%. ~số \\#x}"
    check(source, q("multichoice", "Ký hiệu {x} nghĩa là gì: tập hợp hay ~ xấp xỉ?",
                    [a("tập hợp chứa x", 1.0, "Đúng = 100 \\%."), a("số #x", 0.0)]))


def test_escaped_newline_in_question_text():
    check("Dòng một\\nDòng hai {T}", q("truefalse", "Dòng một\nDòng hai", tf(True)))


def test_escaped_colon_in_title():
    check("::Tỉ lệ 1\\:2::Tỉ lệ 1\\:2 bằng 0,5. {T}", q("truefalse", "Tỉ lệ 1:2 bằng 0,5.", tf(True), title="Tỉ lệ 1:2"))


def test_escaped_braces_make_a_description():
    check("Tập rỗng viết là \\{\\}.", q("description", "Tập rỗng viết là {}."))


# Format tags

@pytest.mark.parametrize("tag", ["html", "moodle", "markdown", "plain"])
def test_format_tag_sets_format_and_is_removed(tag):
    check(f"[{tag}]Thủ đô của *Việt Nam*? {{=Hà Nội ~Huế}}",
          q("multichoice", "Thủ đô của *Việt Nam*?", [a("Hà Nội", 1.0), a("Huế", 0.0)], format=tag))


def test_markdown_example_from_examples_file():
    source = ("[markdown]Who's buried in **Grant's tomb**?{\n"
              "=no one#excellent answer!\n"
              "=nobody#excellent answer!}\n")
    check(source, q("shortanswer", "Who's buried in **Grant's tomb**?",
                    [a("no one", 1.0, "excellent answer!"), a("nobody", 1.0, "excellent answer!")],
                    format="markdown"))


def test_html_format_after_title():
    check("::HTML::[html]<p>Hà Nội là <b>thủ đô</b> của Việt Nam.</p>{T}",
          q("truefalse", "<p>Hà Nội là <b>thủ đô</b> của Việt Nam.</p>", tf(True), title="HTML", format="html"))


def test_unknown_bracket_prefix_is_text():
    check("[b]Đậm[/b] hay không? {T}", q("truefalse", "[b]Đậm[/b] hay không?", tf(True)))


# Categories

def test_category_applies_to_following_questions_exactly_as_written():
    source = ("Câu trước mọi danh mục. {T}\n"
              "\n"
              "$CATEGORY: $course$/top/Default for DVC\n"
              "\n"
              "Câu một. {T}\n"
              "\n"
              "Câu hai. {F}\n"
              "\n"
              "$CATEGORY: Lịch sử/Việt Nam\n"
              "\n"
              "Câu ba. {=a ~b}\n")
    questions = gift(source)
    assert [(x["text"], x["category"]) for x in questions] == [
        ("Câu trước mọi danh mục.", None),
        ("Câu một.", "$course$/top/Default for DVC"),
        ("Câu hai.", "$course$/top/Default for DVC"),
        ("Câu ba.", "Lịch sử/Việt Nam"),
    ]


def test_category_line_is_not_a_question():
    source = "$CATEGORY: tom\n\n// all questions after this will be in the category tom\n\nCâu hỏi. {T}\n"
    assert gift(source) == _approx([q("truefalse", "Câu hỏi.", tf(True), category="tom")])


# General feedback

def test_general_feedback_multiple_choice():
    source = ("Thủ đô của Việt Nam là thành phố nào? {\n"
              "=Hà Nội#Chính xác.\n"
              "~Huế#Huế là kinh đô triều Nguyễn.\n"
              "####Hà Nội là thủ đô của nước Việt Nam thống nhất.\n"
              "}\n")
    check(source, q("multichoice", "Thủ đô của Việt Nam là thành phố nào?", [
        a("Hà Nội", 1.0, "Chính xác."), a("Huế", 0.0, "Huế là kinh đô triều Nguyễn."),
    ], general_feedback="Hà Nội là thủ đô của nước Việt Nam thống nhất."))


def test_general_feedback_true_false_and_numerical_short_answer():
    source = ("Số 7 là số nguyên tố. {T####7 chỉ chia hết cho 1 và 7.}\n"
              "\n"
              "Hai cộng hai bằng mấy? {#4####Hai cộng hai bằng bốn.}\n"
              "\n"
              "Ứng dụng định danh điện tử là gì? {=VNeID ####Do Bộ Công an phát triển.}\n")
    assert gift(source) == _approx([
        q("truefalse", "Số 7 là số nguyên tố.", tf(True), general_feedback="7 chỉ chia hết cho 1 và 7."),
        q("numerical", "Hai cộng hai bằng mấy?", [n(4.0, 0.0)], general_feedback="Hai cộng hai bằng bốn."),
        q("shortanswer", "Ứng dụng định danh điện tử là gì?", [a("VNeID", 1.0)],
          general_feedback="Do Bộ Công an phát triển."),
    ])


def test_no_feedback_is_null():
    question = one("Câu hỏi? {=Đúng ~Sai}")
    assert question["general_feedback"] is None
    assert [x["feedback"] for x in question["answers"]] == [None, None]
    assert question["title"] is None and question["category"] is None


# Comments, several questions, Vietnamese, file encodings

def test_comment_lines_inside_and_between_questions_are_ignored():
    source = ("// Câu hỏi về địa lý\n"
              "// @không phải metadata\n"
              "\n"
              "Thủ đô của Việt Nam là {\n"
              "// phương án đúng ở giữa\n"
              "~Huế\n"
              "=Hà Nội\n"
              "~Đà Nẵng\n"
              "}.\n"
              "\n"
              "// chỉ có chú thích\n"
              "// thêm một dòng\n")
    check(source, q("multichoice", "Thủ đô của Việt Nam là _____.",
                    [a("Huế", 0.0), a("Hà Nội", 1.0), a("Đà Nẵng", 0.0)]))


def test_examples_file_class_description_section():
    source = ("//  EXAMPLE QUESTIONS for the GIFT import filter\n"
              "//  by Paul Tsuchido Shew, January 2004.\n"
              "\n"
              "Who's buried in Grant's tomb?{~Grant ~Jefferson =no one}\n"
              "\n"
              "Grant is {~buried =entombed ~living} in Grant's tomb.\n"
              "\n"
              "Grant is buried in Grant's tomb.{FALSE}\n"
              "\n"
              "Who's buried in Grant's tomb?{=no one =nobody}\n"
              "\n"
              "When was Ulysses S. Grant born?{#1822:1}\n"
              "\n"
              "\n")
    assert gift(source) == _approx([
        q("multichoice", "Who's buried in Grant's tomb?", [a("Grant", 0.0), a("Jefferson", 0.0), a("no one", 1.0)]),
        q("multichoice", "Grant is _____ in Grant's tomb.", [a("buried", 0.0), a("entombed", 1.0), a("living", 0.0)]),
        q("truefalse", "Grant is buried in Grant's tomb.", tf(False)),
        q("shortanswer", "Who's buried in Grant's tomb?", [a("no one", 1.0), a("nobody", 1.0)]),
        q("numerical", "When was Ulysses S. Grant born?", [n(1822.0, 1.0)]),
    ])


def test_vietnamese_text_with_diacritics_is_kept():
    source = ("::Chuyển đổi số::Ngày Chuyển đổi số quốc gia là ngày {~1/1 ~2/9 =10/10} hằng năm.\n"
              "\n"
              "Người dân có thể nộp hồ sơ trực tuyến trên Cổng Dịch vụ công quốc gia.{TRUE#Sai.#Đúng: dichvucong.gov.vn}\n")
    assert gift(source) == _approx([
        q("multichoice", "Ngày Chuyển đổi số quốc gia là ngày _____ hằng năm.",
          [a("1/1", 0.0), a("2/9", 0.0), a("10/10", 1.0)], title="Chuyển đổi số"),
        q("truefalse", "Người dân có thể nộp hồ sơ trực tuyến trên Cổng Dịch vụ công quốc gia.",
          tf(True, true_feedback="Đúng: dichvucong.gov.vn", false_feedback="Sai.")),
    ])


def test_lines_of_question_text_are_trimmed_and_joined():
    source = ("   Dòng đầu có khoảng trắng   \n"
              "\tdòng hai thụt lề\t\n"
              "  dòng ba {T}  \n")
    check(source, q("truefalse", "Dòng đầu có khoảng trắng\ndòng hai thụt lề\ndòng ba", tf(True)))


def test_crlf_and_utf8_bom():
    source = ("::Câu 1::Thủ đô của Việt Nam là thành phố nào?{\r\n"
              "=Hà Nội#Đúng.\r\n"
              "~Huế\r\n"
              "}\r\n"
              "\r\n"
              "Câu hai\r\n"
              "có hai dòng.{F}\r\n")
    data = b"\xef\xbb\xbf" + source.encode("utf-8")
    assert gift(data) == _approx([
        q("multichoice", "Thủ đô của Việt Nam là thành phố nào?", [a("Hà Nội", 1.0, "Đúng."), a("Huế", 0.0)],
          title="Câu 1"),
        q("truefalse", "Câu hai\ncó hai dòng.", tf(False)),
    ])


# Our metadata comments

def test_metadata_comments_set_our_keys_for_the_next_question_only():
    source = ("// @key: vneid-001\n"
              "// @level: THPT\n"
              "// @difficulty: easy\n"
              "// @source: Nghị định 69/2024/NĐ-CP\n"
              "// @shuffle: false\n"
              "Ứng dụng định danh điện tử quốc gia là gì? {=VNeID ~VssID}\n"
              "\n"
              "Câu tiếp theo. {T}\n")
    first, second = [to_json(x) for x in parse(source.encode(), "gift")]
    assert first["key"] == "vneid-001"
    assert first["level"] == "THPT"
    assert first["difficulty"] == "easy"
    assert first["source"] == "Nghị định 69/2024/NĐ-CP"
    assert first["shuffle"] is False
    assert first["text"] == "Ứng dụng định danh điện tử quốc gia là gì?"
    assert first["answers"] == [a("VNeID", 1.0), a("VssID", 0.0)]
    for key in ("key", "level", "difficulty", "source", "shuffle"):
        assert key not in second, key


# Errors, with line numbers

def test_missing_closing_brace_reports_the_line_where_the_question_starts():
    source = ("Câu một. {=A ~B}\n"        # 1
              "\n"                        # 2
              "Câu hai thiếu ngoặc {\n"   # 3
              "~A\n"                      # 4
              "=B\n"                      # 5
              "\n"                        # 6
              "Câu ba. {T}\n")            # 7
    assert error_lines(source) == [3]


def test_missing_opening_brace_is_an_error():
    assert error_lines("Câu một. {T}\n\nCâu hai thiếu ngoặc mở =A ~B}\n") == [3]


def test_multiple_choice_with_one_answer():
    assert error_lines("Câu một. {T}\n\n// chú thích\n\nThủ đô của Việt Nam? {~%100%Hà Nội}\n") == [5]


def test_matching_pair_without_arrow():
    source = "Câu một. {T}\n\nGhép con vật với thức ăn. {=mèo -> cá =chó xương =gà -> thóc}\n"
    assert error_lines(source) == [3]


@pytest.mark.parametrize("answers", ["#mười", "#1822:năm", "#1..x", "#=abc#phản hồi"])
def test_numerical_answer_that_is_not_a_number(answers):
    source = f"Câu một. {{T}}\n\nCâu hai. {{#4}}\n\nNăm sinh của Bác Hồ? {{{answers}}}\n"
    assert error_lines(source) == [5]


def test_one_bad_question_among_good_ones_rejects_the_file():
    source = ("Câu một. {=A ~B}\n"
              "\n"
              "Câu hai. {T}\n"
              "\n"
              "Câu ba. {~%100%chỉ một phương án}\n"
              "\n"
              "Câu bốn. {#4}\n")
    errors = errors_of(source)
    assert [line for line, _ in errors] == [5]


def test_every_error_is_reported_in_line_order():
    source = ("Câu một. {=A ~B}\n"                      # 1
              "\n"                                      # 2
              "Câu hai lỗi số. {#không phải số}\n"      # 3
              "\n"                                      # 4
              "Câu ba. {T}\n"                           # 5
              "\n"                                      # 6
              "Câu bốn thiếu ngoặc {=A ~B\n"            # 7
              "\n"                                      # 8
              "Câu năm. {=mèo -> cá =chó}\n")           # 9
    assert error_lines(source) == [3, 7, 9]


def test_error_line_numbers_in_a_crlf_file_with_bom():
    source = "// chú thích\r\n\r\nCâu một. {T}\r\n\r\nCâu hai thiếu ngoặc {=A ~B\r\n"
    assert error_lines(b"\xef\xbb\xbf" + source.encode("utf-8")) == [5]


# flask quiz parse

def test_cli_parse_prints_the_json(app, tmp_path):
    path = tmp_path / "cau-hoi.gift"
    path.write_text("::Q1:: 1+1=2 {T}\n\n"
                    "Grant is {~buried =entombed ~living} in Grant's tomb.\n\n"
                    "When was Ulysses S. Grant born?{#1822:5}\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["quiz", "parse", str(path), "--format", "gift"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert [{k: x[k] for k in ("type", "title", "text", "answers")} for x in printed] == _approx([
        {"type": "truefalse", "title": "Q1", "text": "1+1=2", "answers": tf(True)},
        {"type": "multichoice", "title": None, "text": "Grant is _____ in Grant's tomb.",
         "answers": [a("buried", 0.0), a("entombed", 1.0), a("living", 0.0)]},
        {"type": "numerical", "title": None, "text": "When was Ulysses S. Grant born?", "answers": [n(1822.0, 5.0)]},
    ])
    assert printed == [to_json(x) for x in parse(path.read_bytes(), "gift")]
    assert result.stderr == ""


def test_cli_parse_bad_file_exits_1_with_line_numbers_on_stderr(app, tmp_path):
    path = tmp_path / "loi.gift"
    path.write_text("Câu một. {T}\n\nCâu hai thiếu ngoặc {=A ~B\n\nCâu ba. {#abc}\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["quiz", "parse", str(path), "--format", "gift"])
    assert result.exit_code == 1
    assert f"{path}: Dòng 3:" in result.stderr
    assert f"{path}: Dòng 5:" in result.stderr
    assert result.stdout.strip() == ""
    assert "[" not in result.stdout


# Moodle's and GIFT-grammar-PEG.js's own GIFT files (../shared/fixtures/formats/gift) --

@pytest.mark.format_cases("gift")
def test_shared_gift_fixtures_read_as_moodle_reads_them(path, expected, differences):
    assert differences(path, expected) == []

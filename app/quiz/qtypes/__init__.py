"""One class per question type, as Moodle's question/type/<qtype>: each knows its
wire format, how to clean a raw response, grade it, read it from the no-JavaScript
form, check a parsed question, and which Jinja macros draw it; what a version stores
for a parsed question and back (`stored_data`, `format_fields`), the edit form's
answer field (`edit_widget`, `edit_hint`, `edit_values`, `from_edit`), and a right or
wrong response for demo data (`sample_response`). Look a type up with `qtype_of(name)`;
`QTYPES` holds them all, in the order the banks list them. Adding a type is adding a
class here, its macros in templates/quiz/qtypes/, and its syntax in each file format's
table (app/quiz/banks/formats).

The wire format: what the attempt page sends (`static/js/attempt.js`, the `WIRE`
table, is the same list in JavaScript) and what `AttemptQuestion.response` stores.

  multichoice {"choices": [i, ...]}      the page sends DISPLAYED positions (0 = the
                                         first option on screen); the server maps them
                                         back through the attempt's option order and
                                         stores indexes into the version's answers
  truefalse   {"value": true|false}
  shortanswer {"text": "..."}
  numerical   {"value": "3,14"}          text as typed; a decimal comma is fine
  matching    {"pairs": {"0": "right text", ...}}   left index -> chosen right side
  essay, description: no response (not drawn into rounds, never graded)

A response that does not fit its type's shape is cleaned to None: not answered.
The methods take plain data (anything with `answers`, `single`, `pairs`, as
`QuestionVersion` or the answer path's one-row stand-in), never a request or a session.
"""
from app.quiz.qtypes.base import AnswerEdit, Invalid, QuestionType, answer
from app.quiz.qtypes.essay import Description, Essay
from app.quiz.qtypes.matching import Matching
from app.quiz.qtypes.multichoice import MultiChoice
from app.quiz.qtypes.numerical import Numerical, numeric_answer, parse_numeric_answer, to_number
from app.quiz.qtypes.shortanswer import ShortAnswer
from app.quiz.qtypes.truefalse import TrueFalse, truefalse_answers

QTYPES = {qtype.name: qtype for qtype in (
    MultiChoice(), TrueFalse(), ShortAnswer(), Numerical(), Matching(), Essay(), Description())}

# The type names stored in question.qtype / question_version.qtype (their CHECK is made from it).
TYPES = tuple(QTYPES)
TYPE_LABELS = {name: qtype.label for name, qtype in QTYPES.items()}
# Types a round can draw and grade by itself.
GRADABLE_TYPES = tuple(name for name, qtype in QTYPES.items() if qtype.gradable)

_UNKNOWN = QuestionType()


def qtype_of(name):
    """The class of a type name; an unknown name gets the base type, which takes no
    response and grades 0 (as before, where every ladder fell through)."""
    return QTYPES.get(name, _UNKNOWN)


__all__ = ["QTYPES", "TYPES", "TYPE_LABELS", "GRADABLE_TYPES", "QuestionType", "qtype_of", "to_number", "AnswerEdit",
           "Invalid", "answer", "numeric_answer", "parse_numeric_answer", "truefalse_answers"]

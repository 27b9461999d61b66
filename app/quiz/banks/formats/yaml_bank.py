"""Our bank files in `quizzes/` (format described in quizzes/README.md): YAML that holds
everything a question has here, readable and reviewable in a pull request."""
import string

import yaml

from app.quiz.banks.formats.common import (
    TYPES,
    Invalid,
    ParseError,
    answer,
    check_question,
    clean_text,
    new_question,
    numeric_answer,
    reader_of,
    to_number,
    truefalse_answers,
    writer_of,
)

LETTERS = string.ascii_uppercase
# A question without `type:` is a multiple-choice one, and one is written without it.
DEFAULT_TYPE = "multichoice"
_LEVEL_ALIASES = {"thcs": "THCS", "thpt": "THPT", "all": "all", "both": "all", "ca hai": "all"}


MAX_DEPTH = 20


class _LineLoader(yaml.SafeLoader):
    """Safe loader that remembers the line of every mapping (as `__line__`). It refuses
    aliases (`*name`): a bank file needs none, and ten nested aliases of ten make a
    billion strings ("billion laughs"); and nesting deeper than a bank file has."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(
                None, None, "không dùng tham chiếu (&neo, *bí danh) trong tệp câu hỏi", self.peek_event().start_mark)
        self._depth = getattr(self, "_depth", 0) + 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(None, None, f"các mục lồng nhau quá sâu (quá {MAX_DEPTH} tầng)",
                                                  self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):
        mapping = super().construct_mapping(node, deep=deep)
        mapping["__line__"] = node.start_mark.line + 1
        return mapping


def parse_yaml(text):
    try:
        document = yaml.load(text, Loader=_LineLoader)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ParseError([(mark.line + 1 if mark else None, f"YAML không hợp lệ: {getattr(exc, 'problem', exc)}")]) from None
    if isinstance(document, list):
        document = {"questions": document}
    if not isinstance(document, dict) or not isinstance(document.get("questions"), list):
        raise ParseError([(None, "tệp cần có danh sách “questions:”")])
    topic = clean_text(document.get("topic"))
    questions, errors, keys = [], [], {}
    for item in document["questions"]:
        if not isinstance(item, dict):
            errors.append((None, "mỗi câu hỏi phải là một mục có các khoá key, text, ..."))
            continue
        line = item.get("__line__")
        key = _text(item.get("key"))
        duplicate = keys.get(key) if key else None
        keys.setdefault(key, line)
        try:
            question = _question(item, topic)
        except Invalid as exc:
            errors.append((line, exc.message))
            continue
        problems = check_question(question)
        for field in ("key", "level", "difficulty", "source", "general_feedback"):
            if not question[field] and question["type"] != "description":
                label = "explanation" if field == "general_feedback" else field
                problems.append(f"thiếu “{label}”")
        if duplicate:
            problems.append(f"key “{key}” trùng với câu ở dòng {duplicate}")
        errors.extend((line, p) for p in problems)
        question["line"] = line
        questions.append(question)
    if errors:
        raise ParseError(errors)
    return questions


def _text(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return "Đúng" if value else "Sai"
    return clean_text(str(value)) or None


def _question(item, topic):
    qtype = item.get("type", DEFAULT_TYPE)
    if qtype not in TYPES:
        raise Invalid(f"loại câu hỏi “{qtype}” không có (dùng: {', '.join(TYPES)})")
    level = item.get("level")
    level = _LEVEL_ALIASES.get(str(level).strip().lower(), str(level)) if level is not None else None
    difficulty = item.get("difficulty")
    question = new_question(
        qtype, _text(item.get("text")) or "",
        key=_text(item.get("key")), topic=_text(item.get("topic")) or topic, level=level,
        difficulty=str(difficulty).strip().lower() if difficulty is not None else None,
        general_feedback=_text(item.get("explanation")), source=_text(item.get("source")),
        title=_text(item.get("title")), shuffle=item.get("shuffle", True) is not False,
        format=item.get("format", "moodle"),
    )
    reader_of(_READ, qtype, "YAML")(question, item)
    return question


# Each type's answers, from its mapping in the file.

def _read_multichoice(question, item):
    options = item.get("options") or []
    if not isinstance(options, list):
        raise Invalid("“options” phải là một danh sách")
    if options and all(isinstance(o, dict) for o in options):
        question["answers"] = [answer(_text(o.get("text")) or "", float(o.get("fraction", 0)), _text(o.get("feedback")))
                               for o in options]
        question["single"] = sum(1 for a in question["answers"] if a["fraction"] > 0) == 1 and any(
            a["fraction"] >= 0.999 for a in question["answers"])
        return
    right = item.get("right")
    letters = right if isinstance(right, list) else [right] if right is not None else []
    letters = [str(letter).strip().upper() for letter in letters]
    if not letters:
        raise Invalid("thiếu “right” (chữ cái của phương án đúng)")
    positions = []
    for letter in letters:
        if len(letter) != 1 or letter not in LETTERS[:len(options)]:
            raise Invalid(f"đáp án “{letter}” không có trong các phương án A-{LETTERS[max(len(options) - 1, 0)]}")
        positions.append(LETTERS.index(letter))
    share = 1.0 if len(positions) == 1 else 1.0 / len(positions)
    question["single"] = len(positions) == 1
    question["answers"] = [answer(_text(o) or "", share if i in positions else 0.0) for i, o in enumerate(options)]


def _read_truefalse(question, item):
    right = item.get("right")
    if not isinstance(right, bool):
        raise Invalid("câu đúng/sai cần “right: true” hoặc “right: false”")
    question["answers"] = truefalse_answers(right)


def _read_shortanswer(question, item):
    accepted = item.get("answers") or []
    if not isinstance(accepted, list) or not accepted:
        raise Invalid("câu trả lời ngắn cần danh sách “answers”")
    question["answers"] = [answer(_text(a), 1.0) for a in accepted]


def _read_numerical(question, item):
    question["answers"] = _numbers(item)


def _read_matching(question, item):
    pairs = item.get("pairs") or []
    if not all(isinstance(p, list) and len(p) == 2 for p in pairs):
        raise Invalid("“pairs” phải là danh sách các cặp [vế trái, vế phải]")
    question["pairs"] = [[_text(left) or "", _text(right) or ""] for left, right in pairs]


def _read_text_only(question, item):
    """Essay and description: the text is the whole question."""


def _numbers(item):
    values = item.get("answers")
    if values is None and "right" in item:
        values = [{"value": item["right"], "tolerance": item.get("tolerance", 0)}]
    if not isinstance(values, list) or not values:
        raise Invalid("câu hỏi số cần “right” hoặc “answers”")
    result = []
    for value in values:
        if not isinstance(value, dict):
            value = {"value": value}
        try:
            result.append(numeric_answer(to_number(value["value"]), abs(to_number(value.get("tolerance", 0))),
                                         float(value.get("fraction", 1))))
        except (KeyError, ValueError, ArithmeticError):
            raise Invalid(f"đáp án số “{value.get('value')}” không phải là số") from None
    return result


_READ = {"multichoice": _read_multichoice, "truefalse": _read_truefalse, "shortanswer": _read_shortanswer,
         "numerical": _read_numerical, "matching": _read_matching, "essay": _read_text_only,
         "description": _read_text_only}


# Writing ---------------------------------------------------------------------------

def to_yaml_item(q, file_topic=None):
    """One question as a mapping of a bank file (the inverse of `_question`)."""
    item = {"key": q.get("key"), "type": q["type"], "level": q.get("level"), "difficulty": q.get("difficulty"),
            "text": q["text"]}
    topic = q.get("topic") or q.get("category")
    if topic and topic != file_topic:
        item["topic"] = topic
    if q.get("title"):
        item["title"] = q["title"]
    item.update(writer_of(_WRITE, q["type"], "YAML")(q))
    item["explanation"] = q.get("general_feedback")
    item["source"] = q.get("source")
    if item["type"] == DEFAULT_TYPE:
        del item["type"]
    return {k: v for k, v in item.items() if v is not None}


# Each type's keys of its mapping, in the order the file shows them.

def _write_multichoice(q):
    right = [a for a in q["answers"] if a["fraction"] > 0]
    plain = all(not a["feedback"] for a in q["answers"]) and all(
        abs(a["fraction"] - 1 / len(right)) < 1e-6 for a in right) and all(
        a["fraction"] >= 0 for a in q["answers"])
    if plain:
        letters = [LETTERS[i] for i, a in enumerate(q["answers"]) if a["fraction"] > 0]
        fields = {"options": [a["text"] for a in q["answers"]], "right": letters[0] if len(letters) == 1 else letters}
    else:
        fields = {"options": [{k: v for k, v in a.items() if v is not None} for a in q["answers"]]}
    if q.get("shuffle") is False:
        fields["shuffle"] = False
    return fields


def _write_truefalse(q):
    return {"right": q["answers"][0]["fraction"] > 0}


def _write_shortanswer(q):
    return {"answers": [a["text"] for a in q["answers"]]}


def _write_numerical(q):
    return {"answers": [{"value": a["value"], "tolerance": a["tolerance"], "fraction": a["fraction"]}
                        for a in q["answers"] if a["value"] is not None]}


def _write_matching(q):
    return {"pairs": [list(p) for p in q["pairs"]]}


def _write_text_only(q):
    return {}


_WRITE = {"multichoice": _write_multichoice, "truefalse": _write_truefalse, "shortanswer": _write_shortanswer,
          "numerical": _write_numerical, "matching": _write_matching, "essay": _write_text_only,
          "description": _write_text_only}


def write_yaml(questions, topic=None):
    document = {}
    if topic:
        document["topic"] = topic
    document["questions"] = [to_yaml_item(q, topic) for q in questions]
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)

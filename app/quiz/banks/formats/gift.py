"""Moodle's GIFT format, read the way Moodle's own importer reads it.

Questions are blocks separated by blank lines; `//` lines are comments; `$CATEGORY:`
sets the category of the questions after it; `::title::`, `[html]`-style format
tags, escapes `\\~ \\= \\# \\{ \\} \\: \\n`, answer feedback `#...`, general feedback
`####...`, weights `%50%`, a numerical question's "any other answer" (`~#...`, or
`*` as an answer: `=%0%*#...`), and text after the braces (missing-word questions,
where the braces become `_____`).

Our own metadata travels in comment lines Moodle ignores, right above a question:
`// @key: vneid-001`, `// @level: THPT`, `// @difficulty: easy`, `// @source: ...`,
`// @shuffle: false`.
"""
import re

from app.quiz.banks.formats.common import (
    TEXT_FORMATS,
    Invalid,
    ParseError,
    answer,
    check_question,
    clean_text,
    new_question,
    numeric_answer,
    percent_to_fraction,
    to_number,
    truefalse_answers,
    writer_of,
)

# Escaped characters stand in the private use area while a question is cut up.
_ESCAPES = {":": "\ue03a", "#": "\ue023", "=": "\ue03d", "{": "\ue07b", "}": "\ue07d", "~": "\ue07e",
            "n": "\ue00a"}
_UNESCAPES = {v: ("\n" if k == "n" else k) for k, v in _ESCAPES.items()}
_BACKSLASH = "\ue05c"
_WEIGHT = re.compile(r"^%(-?[0-9]{1,3}(?:\.[0-9]*)?)%")
_META = re.compile(r"^//\s*@(key|level|difficulty|source|topic|shuffle)\s*:\s*(.*)$")
_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}
_CATEGORY_PREFIXES = re.compile(r"^(\$(course|system|module|cat\d*)\$/)?(top/)?")


def _escape(text):
    text = text.replace("\\\\", _BACKSLASH)
    for char, placeholder in _ESCAPES.items():
        text = text.replace("\\" + char, placeholder)
    return text.replace(_BACKSLASH, "\\")


def _unescape(text):
    for placeholder, char in _UNESCAPES.items():
        text = text.replace(placeholder, char)
    return text


def _with_format(text, default="moodle"):
    """('[html]<b>x</b>', ...) -> ('<b>x</b>', 'html'): Moodle's format tag."""
    text = text.strip()
    if text.startswith("["):
        end = text.find("]")
        if end > 0 and text[1:end] in TEXT_FORMATS:
            return clean_text(_unescape(text[end + 1:])), text[1:end]
    return clean_text(_unescape(text)), default


def _split_feedback(part, fmt):
    """'Paris # right!' -> ('Paris', 'right!')."""
    text, _, feedback = part.partition("#")
    return _with_format(text, fmt)[0], (_with_format(feedback, fmt)[0] or None)


def _weight(part, default):
    match = _WEIGHT.match(part)
    if not match:
        return default, part
    return percent_to_fraction(match.group(1)), part[match.end():]


def _split_on(text, marker):
    parts = text.split(marker)
    if parts and not parts[0].strip():
        parts = parts[1:]
    return [p.strip() for p in parts]


def _blocks(text):
    """[(first line number, [lines])] split at blank lines, as Moodle does."""
    blocks, current, start = [], [], None
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            if not current:
                start = number
            current.append(line.strip())
        elif current:
            blocks.append((start, current))
            current = []
    if current:
        blocks.append((start, current))
    return blocks


def parse_gift(text):
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    questions, errors = [], []
    category = None
    for start, lines in _blocks(text):
        meta, body, body_line = {}, [], None
        for offset, line in enumerate(lines):
            if line.startswith("//"):
                match = _META.match(line)
                if match:
                    meta[match.group(1)] = clean_text(match.group(2))
                continue
            if body_line is None:
                body_line = start + offset
            body.append(line)
        if not body:
            continue
        if body[0].startswith("$CATEGORY:"):
            category = clean_text(_unescape(_escape(body[0])[len("$CATEGORY:"):]))
            body = body[1:]
            body_line += 1
            if not body:
                continue
        try:
            question = _read_question(_escape("\n".join(body)).strip())
        except Invalid as exc:
            errors.append((body_line, exc.message))
            continue
        question["category"] = category
        question["topic"] = meta.get("topic") or category_topic(category)
        for field in ("key", "level", "difficulty", "source"):
            question[field] = meta.get(field) or None
        question["shuffle"] = meta.get("shuffle", "true").lower() != "false"
        errors.extend((body_line, problem) for problem in check_question(question))
        question["line"] = body_line
        questions.append(question)
    if errors:
        raise ParseError(errors)
    return questions


def category_topic(category):
    """'$course$/top/DVC/VNeID' -> 'DVC/VNeID': the topic a Moodle category names."""
    if not category:
        return None
    return _CATEGORY_PREFIXES.sub("", category, count=1) or category


def _read_question(text):
    title = None
    if text.startswith("::"):
        end = text.find("::", 2)
        if end >= 0:
            title = clean_text(_unescape(text[2:end]))
            text = text[end + 2:].strip()
    start, finish = text.find("{"), text.find("}")
    if start < 0 and finish < 0:
        body, fmt = _with_format(text)
        return new_question("description", body, title=title, format=fmt)
    if start < 0 or finish < 0 or finish < start:
        raise Invalid("thiếu dấu { hoặc } bao quanh đáp án (ký tự { } trong nội dung phải viết \\{ \\})")
    answers = text[start + 1:finish].strip()
    if text.endswith("}") and finish == len(text) - 1:
        stem = text[:start]
    else:
        stem = text[:start] + "_____" + text[finish + 1:]
    if "{" in text[finish + 1:] or "}" in text[finish + 1:]:
        raise Invalid("một câu hỏi chỉ có một cặp { } đáp án (ký tự { } trong nội dung phải viết \\{ \\})")
    general = None
    separator = answers.rfind("####")
    if separator >= 0:
        general = answers[separator + 4:]
        answers = answers[:separator].strip()
    body, fmt = _with_format(stem)
    general = _with_format(general, fmt)[0] if general is not None else None
    question = new_question("essay", body, title=title, format=fmt, general_feedback=general or None)
    if not answers:
        return question
    if answers.startswith("#"):
        question.update(type="numerical", answers=_numerical(answers[1:], fmt))
    elif "~" in answers:
        question.update(type="multichoice", single="=" in answers, answers=_multichoice(answers, fmt))
    elif "=" in answers and "->" in answers:
        question.update(type="matching", pairs=_matching(answers, fmt))
    elif answers.partition("#")[0].strip() in _TRUE_FALSE:
        question.update(type="truefalse", answers=_truefalse(answers, fmt))
    else:
        question.update(type="shortanswer", answers=_shortanswer(answers, fmt))
    return question


def _multichoice(text, fmt):
    result = []
    for part in _split_on(text.replace("=", "~="), "~"):
        if part.startswith("="):
            fraction, part = 1.0, part[1:]
        else:
            fraction, part = _weight(part, 0.0)
        value, feedback = _split_feedback(part, fmt)
        result.append(answer(value, fraction, feedback))
    return result


def _shortanswer(text, fmt):
    result = []
    for part in _split_on(text, "="):
        fraction, part = _weight(part, 1.0)
        value, feedback = _split_feedback(part, fmt)
        result.append(answer(value, fraction, feedback))
    return result


def _truefalse(text, fmt):
    parts = text.split("#", 2)
    correct = _TRUE_FALSE[parts[0].strip()]
    wrong = _with_format(parts[1], fmt)[0] if len(parts) > 1 else None
    right = _with_format(parts[2], fmt)[0] if len(parts) > 2 else None
    if correct:
        return truefalse_answers(True, true_feedback=right, false_feedback=wrong)
    return truefalse_answers(False, true_feedback=wrong, false_feedback=right)


def _numerical(text, fmt):
    wrong_feedback = None
    if "~" in text:
        text, _, wrong = text.partition("~")
        wrong_feedback = _split_feedback(wrong, fmt)[1]
    result = []
    for part in _split_on(text, "="):
        fraction, part = _weight(part, 1.0)
        value, feedback = _split_feedback(part, fmt)
        if value == "*":
            # Moodle's "any other answer" written as an answer (`=%0%*#...`): no value, its own weight.
            result.append(numeric_answer(None, None, fraction, feedback))
            continue
        try:
            if ".." in value[1:]:
                low, high = (to_number(v) for v in value.split("..", 1))
                number, tolerance = (low + high) / 2, (high - low) / 2
            elif ":" in value[1:]:
                number, tolerance = (to_number(v) for v in value.split(":", 1))
            else:
                number, tolerance = to_number(value), 0.0
        except (ValueError, ArithmeticError):
            raise Invalid(f"đáp án số “{value}” không phải là số") from None
        result.append(numeric_answer(number, abs(tolerance), fraction, feedback))
    if not result:
        raise Invalid("câu hỏi số không có đáp án")
    if wrong_feedback:
        # Moodle's "any other answer" feedback (`~#...`): no value, no credit.
        result.append(numeric_answer(None, None, 0.0, wrong_feedback))
    return result


def _matching(text, fmt):
    pairs = []
    for part in _split_on(text, "="):
        if "->" not in part:
            raise Invalid(f"cặp ghép đôi “{_unescape(part)}” thiếu dấu ->")
        left, _, right = part.partition("->")
        pairs.append([_with_format(left, fmt)[0], clean_text(_unescape(right))])
    return pairs


# Writing ---------------------------------------------------------------------------

_RESERVED = str.maketrans({"\\": "\\\\", "~": "\\~", "=": "\\=", "#": "\\#", "{": "\\{", "}": "\\}",
                           ":": "\\:", "\n": "\\n", "\r": ""})


def _esc(text):
    return (text or "").translate(_RESERVED)


def _num(value):
    return f"{value:g}" if value is not None else ""


def _pct(fraction):
    return f"{fraction * 100:.7g}"


def _text(text, fmt, default="moodle"):
    prefix = f"[{fmt}]" if fmt and fmt != default and text else ""
    return prefix + _esc(text)


def _feedback(feedback, fmt):
    return f"#{_text(feedback, fmt, fmt)}" if feedback else ""


def write_gift(questions):
    """GIFT text for questions: Moodle reads it; `parse_gift` gives them back whole."""
    out, category = [], object()
    for q in questions:
        topic = q.get("topic") or q.get("category")
        if topic != category and topic:
            out.append(f"$CATEGORY: {topic}\n")
            category = topic
        lines = [f"// @{field}: {q[field]}" for field in ("key", "level", "difficulty", "source") if q.get(field)]
        if q.get("shuffle") is False:
            lines.append("// @shuffle: false")
        fmt = q.get("format") or "moodle"
        head = (f"::{_esc(q['title'])}::" if q.get("title") else "") + _text(q["text"], fmt)
        general = f"####{_text(q['general_feedback'], fmt, fmt)}" if q.get("general_feedback") else ""
        lines.extend(writer_of(_WRITE, q["type"], "GIFT")(q, head, general, fmt))
        out.append("\n".join(lines) + "\n")
    return "\n".join(out)


# Each type's lines, from the question, its head (title and text), its general feedback
# (`####...` or "") and its text format.

def _write_description(q, head, general, fmt):
    return [head]


def _write_essay(q, head, general, fmt):
    return [head + "{" + general + "}"]


def _write_truefalse(q, head, general, fmt):
    true, false = q["answers"]
    correct = true["fraction"] > 0
    right, wrong = (true, false) if correct else (false, true)
    body = "TRUE" if correct else "FALSE"
    if wrong["feedback"] or right["feedback"]:
        body += "#" + _text(wrong["feedback"] or "", fmt, fmt)
    if right["feedback"]:
        body += "#" + _text(right["feedback"], fmt, fmt)
    return [head + "{" + body + general + "}"]


def _answer_block(opening, answer_lines, general):
    """A question whose answers stand one a line, indented, inside the braces."""
    return [opening, *("\t" + line for line in answer_lines), *(["\t" + general] if general else []), "}"]


def _write_matching(q, head, general, fmt):
    return _answer_block(head + "{", [f"={_text(left, fmt, fmt)} -> {_esc(right)}" for left, right in q["pairs"]],
                         general)


def _write_multichoice(q, head, general, fmt):
    lines = []
    for a in q["answers"]:
        if q["single"] and a["fraction"] >= 0.999:
            mark = "="
        elif a["fraction"] == 0:
            mark = "~"
        else:
            mark = f"~%{_pct(a['fraction'])}%"
        lines.append(mark + _text(a["text"], fmt, fmt) + _feedback(a["feedback"], fmt))
    return _answer_block(head + "{", lines, general)


def _write_shortanswer(q, head, general, fmt):
    lines = [("=" if a["fraction"] >= 0.999 else f"=%{_pct(a['fraction'])}%") + _esc(a["text"])
             + _feedback(a["feedback"], fmt) for a in q["answers"]]
    return _answer_block(head + "{", lines, general)


def _write_numerical(q, head, general, fmt):
    lines = []
    for index, a in enumerate(q["answers"]):
        weight = "" if a["fraction"] >= 0.999 else f"%{_pct(a['fraction'])}%"
        if a["value"] is None:
            # "Any other answer": Moodle's `~#feedback` when it is last, gives nothing and says
            # something; else `*` as an answer, which keeps its weight and place.
            last = index == len(q["answers"]) - 1
            if last and a["fraction"] == 0 and a["feedback"]:
                lines.append("~" + _feedback(a["feedback"], fmt))
            else:
                lines.append(f"={weight}*" + _feedback(a["feedback"], fmt))
            continue
        lines.append(f"={weight}{_num(a['value'])}:{_num(a['tolerance'])}" + _feedback(a["feedback"], fmt))
    return _answer_block(head + "{#", lines, general)


_WRITE = {"multichoice": _write_multichoice, "truefalse": _write_truefalse, "shortanswer": _write_shortanswer,
          "numerical": _write_numerical, "matching": _write_matching, "essay": _write_essay,
          "description": _write_description}

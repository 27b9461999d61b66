"""Aiken: a question line, options `A)` or `A.`, then `ANSWER: X`.

    Cơ quan nào phát triển ứng dụng VNeID?
    A. Bộ Công an
    B. Bộ Y tế
    ANSWER: A

A file with any error is refused whole, each error with its line number.
"""
import re

from app.quiz.banks.formats.common import ParseError, answer, clean_text, new_question

_OPTION = re.compile(r"^([A-Z])[.)]\s*(.*)$")
_ANSWER = re.compile(r"^ANSWER\s*:\s*(.*)$", re.IGNORECASE)
# A second letter after the first ("A, C", "AC"): a multi-answer key Aiken cannot hold.
_MORE_LETTERS = re.compile(r"^\s*(?:[,;/&+]\s*)?[A-Za-z](?!\w)")


def answer_letter(rest):
    """The letter of an ANSWER line as Moodle's format.php takes it: the first character
    of what follows the colon, so `B.`, `B)` and `B. Bộ Công an` all mean B. Where Moodle
    would silently keep the first of several letters, the line is refused."""
    rest = rest.strip()
    if not rest:
        raise ValueError("dòng ANSWER thiếu chữ cái của phương án đúng")
    if _MORE_LETTERS.match(rest[1:]):
        raise ValueError(f"“{rest}”: câu Aiken chỉ có một phương án đúng (câu nhiều đáp án hãy dùng GIFT hoặc Excel)")
    return rest[0].upper()


def parse_aiken(text):
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    questions, errors = [], []
    stem, options, start = [], [], None

    def reset():
        nonlocal stem, options, start
        stem, options, start = [], [], None

    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not line:
            continue
        answer_match = _ANSWER.match(line)
        option_match = _OPTION.match(line)
        if answer_match:
            try:
                letter = answer_letter(answer_match.group(1))
            except ValueError as exc:
                errors.append((number, str(exc)))
                reset()
                continue
            if not stem:
                errors.append((number, "dòng ANSWER không thuộc câu hỏi nào"))
            elif len(options) < 2:
                errors.append((number, "câu hỏi cần ít nhất 2 phương án A., B., ... trước dòng ANSWER"))
            elif letter not in [o[0] for o in options]:
                errors.append((number, f"đáp án “{letter}” không có trong các phương án "
                                       f"{', '.join(o[0] for o in options)}"))
            else:
                question = new_question("multichoice", clean_text("\n".join(stem)), answers=[
                    answer(clean_text(body), 1.0 if key == letter else 0.0) for key, body in options])
                question["line"] = start
                questions.append(question)
            reset()
        elif option_match and stem:
            letter, body = option_match.groups()
            expected = chr(ord("A") + len(options))
            if letter != expected:
                errors.append((number, f"phương án “{letter}” không đúng thứ tự (cần “{expected}”)"))
            elif not body.strip():
                errors.append((number, f"phương án {letter} để trống"))
            options.append((letter, body))
        elif options:
            errors.append((start, "câu hỏi thiếu dòng “ANSWER: X” sau các phương án"))
            reset()
            stem, start = [line], number
        else:
            if not stem:
                start = number
            stem.append(line)
    if stem:
        errors.append((start, "câu hỏi cuối không có dòng “ANSWER: X”"))
    if errors:
        raise ParseError(errors)
    return questions

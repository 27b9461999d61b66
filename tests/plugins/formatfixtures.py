"""Moodle's and GIFT-grammar-PEG.js's own question files with their expected parses,
kept outside the project (licences) in ../shared/fixtures/formats; see its README for
where each comes from and for the normalisations applied here (N1-N8).

A test marked `format_cases("gift")` runs once per case with `path` and `expected`;
the `differences` fixture compares a parse with its expectation."""
import html
import json
import re
import unicodedata
from pathlib import Path

import pytest

from app.quiz.banks.formats import ParseError, parse, to_json

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "formats"


def cases(fmt):
    """(id, file, expectation) of every fixture of a format; none when the shared folder is absent."""
    folder = FIXTURES / fmt
    if not folder.is_dir():
        return []
    return [pytest.param(path.with_name(path.name[:-len(".expected.json")]), json.loads(path.read_text()),
                         id=str(path.relative_to(FIXTURES))[:-len(".expected.json")])
            for path in sorted(folder.rglob("*.expected.json"))]


def _text(value):
    """N1, N2, N4: NFC, white space runs as one space, none around a blank; '' is None."""
    if value is None:
        return None
    value = " ".join(unicodedata.normalize("NFC", str(value)).split())
    return re.sub(r"\s*_____\s*", "_____", value) or None


def _close(a, b):
    """N8: numbers within 1e-6 (relative)."""
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))


def differences(path, expected):
    """What the project's reader reads differently from the expectation: [] when they agree."""
    fmt = expected["format"]
    try:
        questions = [to_json(q) for q in parse(path.read_bytes(), fmt)]
    except ParseError as exc:
        if expected["valid"]:
            return [f"refused: {exc}"]
        lines = {line for line, _ in exc.errors}
        return [f"no reported line in lines {low}-{high} (reported {sorted(lines)})"
                for low, high in expected.get("error_regions", []) if not any(low <= n <= high for n in lines)]
    if not expected["valid"]:
        return [f"accepted {len(questions)} questions; Moodle refuses the file"]
    if len(questions) != expected["count"]:
        return [f"{len(questions)} questions, expected {expected['count']}"]
    problems = []
    for number, (got, want) in enumerate(zip(questions, expected["questions"]), start=1):
        problems += [f"question {number}: {p}" for p in _question_differences(got, want, fmt)]
    return problems


def _question_differences(got, want, fmt):
    # N5: Moodle stores Aiken text HTML-escaped (format html); the project keeps it as typed.
    escaped = fmt == "aiken" and want["format"] == "html" and got["format"] in ("moodle", "plain")

    def text(value):
        return _text(html.escape(value, quote=False) if escaped and value else value)

    problems = []
    if got["type"] != want["type"]:
        return [f"type {got['type']}, expected {want['type']}"]
    if want.get("title") is not None and _text(got["title"]) != _text(want["title"]):
        problems.append(f"title {got['title']!r}, expected {want['title']!r}")
    if text(got["text"]) != _text(want["text"]):
        problems.append(f"text {got['text']!r}, expected {want['text']!r}")
    if not escaped and got["format"] != want["format"]:
        problems.append(f"format {got['format']}, expected {want['format']}")
    if "general_feedback" in want and text(got["general_feedback"]) != _text(want["general_feedback"]):
        problems.append(f"general feedback {got['general_feedback']!r}, expected {want['general_feedback']!r}")
    if "single" in want and got["single"] != want["single"]:
        problems.append(f"single {got['single']}, expected {want['single']}")
    if "category" in want and _text(got["category"]) != _text(want["category"]):
        problems.append(f"category {got['category']!r}, expected {want['category']!r}")
    if "correct" in want:
        true, false = got["answers"]
        if (true["fraction"] > 0) != want["correct"]:
            problems.append(f"answer {true['fraction'] > 0}, expected {want['correct']}")
        for side, answer in (("true", true), ("false", false)):
            if f"feedback_{side}" in want and _text(answer["feedback"]) != _text(want[f"feedback_{side}"]):
                problems.append(f"feedback {side} {answer['feedback']!r}, expected {want[f'feedback_{side}']!r}")
    elif "answers" in want:
        if len(got["answers"]) != len(want["answers"]):
            return problems + [f"{len(got['answers'])} answers, expected {len(want['answers'])}"]
        for index, (a, b) in enumerate(zip(got["answers"], want["answers"]), start=1):
            if "text" in b and text(a.get("text")) != _text(b["text"]):
                problems.append(f"answer {index} text {a.get('text')!r}, expected {b['text']!r}")
            if not _close(a["fraction"], b["fraction"]):
                problems.append(f"answer {index} fraction {a['fraction']}, expected {b['fraction']}")
            if "feedback" in b and text(a.get("feedback")) != _text(b["feedback"]):
                problems.append(f"answer {index} feedback {a.get('feedback')!r}, expected {b['feedback']!r}")
            for key in ("value", "tolerance"):
                if key in b and not _close(a.get(key), b[key]):
                    problems.append(f"answer {index} {key} {a.get(key)}, expected {b[key]}")
    if "pairs" in want and [[_text(x) for x in p] for p in got.get("pairs", [])] != [
            [_text(x) for x in p] for p in want["pairs"]]:
        problems.append(f"pairs {got.get('pairs')}, expected {want['pairs']}")
    return problems


def pytest_generate_tests(metafunc):
    marker = metafunc.definition.get_closest_marker("format_cases")
    if marker:
        metafunc.parametrize("path,expected", cases(*marker.args))


@pytest.fixture(name="differences")
def differences_fixture():
    return differences

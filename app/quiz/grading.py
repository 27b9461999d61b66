"""Marks of one answer, 0..1, from the question version the student was given.

Responses, as the attempt page sends them:
  multichoice {"choices": [i, ...]}   indexes into the version's answers
  truefalse   {"value": true|false}
  shortanswer {"text": "..."}
  numerical   {"value": "3,14"}
  matching    {"pairs": {"0": "right text", ...}}   left index -> chosen right side
"""
import re

from app.core.text import nfc
from app.quiz.formats import to_number

MAX_TEXT = 200


def clean_response(qtype, version, raw):
    """A response with the shape its type needs, or None (treated as not answered)."""
    if not isinstance(raw, dict):
        return None
    if qtype == "multichoice":
        choices = raw.get("choices")
        if not isinstance(choices, list):
            return None
        count = len(version.answers)
        picked = sorted({c for c in choices if isinstance(c, int) and not isinstance(c, bool) and 0 <= c < count})
        if version.single:
            picked = picked[:1]
        return {"choices": picked} if picked else None
    if qtype == "truefalse":
        value = raw.get("value")
        return {"value": value} if isinstance(value, bool) else None
    if qtype in ("shortanswer", "numerical"):
        key = "text" if qtype == "shortanswer" else "value"
        value = raw.get(key)
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            return None
        value = nfc(str(value))[:MAX_TEXT]
        return {key: value} if value else None
    if qtype == "matching":
        pairs = raw.get("pairs")
        if not isinstance(pairs, dict):
            return None
        rights = {right for _, right in version.pairs}
        count = len(version.pairs)
        kept = {str(k): v for k, v in pairs.items()
                if str(k).isdigit() and int(k) < count and isinstance(v, str) and v in rights}
        return {"pairs": kept} if kept else None
    return None


def _normal(text):
    return " ".join(nfc(text).casefold().split())


def _wildcard(pattern, text):
    """Moodle's shortanswer '*' wildcard."""
    regex = ".*".join(re.escape(part) for part in _normal(pattern).split("*"))
    return re.fullmatch(regex, _normal(text)) is not None


def mark(version, response):
    """The mark of a response to a version: 0..1."""
    if not response:
        return 0.0
    qtype, answers = version.qtype, version.answers
    if qtype == "multichoice":
        chosen = set(response["choices"])
        if version.single:
            return max(0.0, max((answers[i]["fraction"] for i in chosen), default=0.0))
        if any(a["fraction"] < 0 for a in answers):
            # Weighted as Moodle does: the sum of the chosen weights, within 0..1.
            return min(1.0, max(0.0, sum(answers[i]["fraction"] for i in chosen)))
        # No negative weights (our banks): right only when exactly the right options are chosen.
        right = {i for i, a in enumerate(answers) if a["fraction"] > 0}
        return 1.0 if chosen == right else 0.0
    if qtype == "truefalse":
        index = 0 if response["value"] else 1
        return max(0.0, answers[index]["fraction"])
    if qtype == "shortanswer":
        return max((a["fraction"] for a in answers if _wildcard(a["text"], response["text"])), default=0.0)
    if qtype == "numerical":
        try:
            value = to_number(response["value"])
        except (ValueError, ArithmeticError):
            return 0.0
        return max((a["fraction"] for a in answers
                    if a["value"] is not None and abs(value - a["value"]) <= a["tolerance"] + 1e-9), default=0.0)
    if qtype == "matching":
        pairs = [(i, right) for i, (left, right) in enumerate(version.pairs) if left]
        if not pairs:
            return 0.0
        given = response["pairs"]
        return sum(1 for i, right in pairs if given.get(str(i)) == right) / len(pairs)
    return 0.0

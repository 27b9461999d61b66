"""The bank checker: what a test-wise student uses and what a reviewer would send back,
found before a contest rather than after it.

Per question:
  key-length        the key is longer than every other option by 30 % and 10 characters
  all-above         an option "Tất cả các đáp án trên", "Cả A và B", "Không có đáp án nào"
  stem-echo         the key repeats words of the stem that no other option repeats
  no-source         no source
  vague-source      a source with neither a document number nor an official page and its title
  no-explanation    no explanation
  explanation-key   the explanation does not mention the key (true/false: does not begin
                    with "Đúng."/"Sai.", or says the opposite of the key)
  thcs-long         a stem for THCS longer than 35 words
  duplicate         nearly the same stem as another question (shared word pairs)
  give-away         the stem states the answer of another question on the same subject

In total (over every question checked together):
  longest-share     the key is the unique longest option in more than 35 % of the
                    single-answer questions (chance is about one in the number of options)
  key-position      the stored positions of the keys are uneven (chi-square, p < 0.05)

Grammatical agreement between stem and options is not checked. The checker reads the
format dicts (app.quiz.banks.formats), so a file and a stored bank are checked alike."""
import math
import re
from dataclasses import dataclass, field

from app.core.text import fold, nfc
from app.quiz.qtypes import qtype_of

LENGTH_RATIO, LENGTH_MARGIN = 1.3, 10
LONGEST_SHARE = 0.35
POSITION_P = 0.05
MIN_FOR_TOTALS = 8
THCS_WORDS = 35
DUPLICATE_JACCARD = 0.6
RELATED_PAIRS = 2
LETTERS = "ABCDEFGHIJ"

MESSAGES = {
    "key-length": "Đáp án đúng dài hơn hẳn các phương án khác ({key} so với {other} ký tự).",
    "all-above": "Có phương án “{option}”: học sinh chọn được mà không cần biết.",
    "stem-echo": "Đáp án đúng lặp lại từ ngữ của câu hỏi (“{words}”) mà phương án khác không có.",
    "no-source": "Thiếu nguồn.",
    "vague-source": "Nguồn chưa rõ: cần số văn bản (và điều, khoản) hoặc địa chỉ trang chính thức kèm tiêu đề.",
    "no-explanation": "Thiếu lời giải thích.",
    "explanation-key": "Lời giải thích không nhắc tới đáp án đúng (“{answer}”).",
    "explanation-truth": "Lời giải thích nên mở đầu bằng “{truth}.” (đáp án là {truth}).",
    "thcs-long": "Câu dành cho THCS dài {words} từ (nên không quá {limit}).",
    "duplicate": "Gần trùng với câu {other} ({percent} % cặp từ giống nhau).",
    "give-away": "Câu hỏi để lộ đáp án của câu {other} (“{answer}”).",
    "longest-share": "Đáp án đúng là phương án dài nhất ở {count}/{total} câu một đáp án ({percent} %, nên không quá 35 %).",
    "key-position": "Vị trí đáp án đúng lệch: {counts} (kỳ vọng khoảng {expected} mỗi vị trí).",
}


@dataclass
class Finding:
    code: str
    message: str
    label: str = ""         # the question's key, or its line / number when it has none
    line: int | None = None
    ref: object = None      # what the caller identifies the question by (a Question id on a bank)


@dataclass
class Report:
    questions: int = 0
    single_answer: int = 0
    unique_longest: int = 0
    positions: dict = field(default_factory=dict)
    findings: list = field(default_factory=list)   # per question, in the order of the questions
    totals: list = field(default_factory=list)     # over all the questions

    @property
    def warnings(self):
        return len(self.findings) + len(self.totals)

    @property
    def longest_share(self):
        return self.unique_longest / self.single_answer if self.single_answer else None

    def by_question(self):
        grouped = {}
        for finding in self.findings:
            grouped.setdefault(finding.label, []).append(finding)
        return grouped

    def summary(self):
        if not self.warnings:
            return f"{self.questions} câu: không có cảnh báo."
        flagged = len({f.label for f in self.findings})
        return f"{self.questions} câu: {self.warnings} cảnh báo, {flagged} câu cần xem lại."


# Words ------------------------------------------------------------------------------

_WORD = re.compile(r"[\w.]*\w", re.UNICODE)
STOPWORDS = set(nfc("""
là của và các những có được cho trong khi để với một này đó nào gì không thì em bạn theo về trên
từ đến hay hoặc người ai sao bao nhiêu mấy đâu nếu thế như vậy đã đang sẽ phải cần nên ra vào lại
bằng do bởi cũng rất chỉ còn mà hãy đúng sai câu sau đây điều việc hai ba tất cả cùng mỗi nhất
""").split())


def words(text):
    return _WORD.findall(nfc(text or "").lower())


def _pairs(tokens):
    """Word pairs, skipping the pairs made only of common words."""
    return {(a, b) for a, b in zip(tokens, tokens[1:]) if not (a in STOPWORDS and b in STOPWORDS)}


def _contains(haystack_tokens, needle_tokens):
    n = len(needle_tokens)
    return n > 0 and any(haystack_tokens[i:i + n] == needle_tokens for i in range(len(haystack_tokens) - n + 1))


# One question -------------------------------------------------------------------------

def question_label(q, index):
    """The question's key; without one, its line (in its file) or its number."""
    if q.get("key"):
        return q["key"]
    where = f"dòng {q['line']}" if q.get("line") else f"câu {index + 1}"
    return f"{q['file']} {where}" if q.get("file") else where


def _options(q):
    return [a for a in q.get("answers") or [] if (a.get("text") or "").strip()]


def _single_key(q):
    """(options, index of the key) of a single-answer choice among 3+ options, else None."""
    if not qtype_of(q.get("type")).shows_options or not q.get("single", True):
        return None
    options = _options(q)
    right = [i for i, a in enumerate(options) if (a.get("fraction") or 0) >= 0.999]
    if len(options) < 3 or len(right) != 1:
        return None
    return options, right[0]


def _length(text):
    return len(" ".join(nfc(text).split()))


def _is_unique_longest(options, key):
    lengths = [_length(a["text"]) for a in options]
    return all(lengths[key] > length for i, length in enumerate(lengths) if i != key)


ALL_ABOVE = [re.compile(p) for p in (
    r"\b(tat ca|ca (hai|ba|bon|nam)|ca [a-f](\s*,\s*[a-f])*\s+va\s+[a-f])\b.*\b(tren|deu dung|deu sai|dung ca)\b",
    r"^(tat ca|ca hai|ca ba|ca bon)( deu)? (dung|sai)\W*$",
    r"^ca [a-f](\s*,\s*[a-f])*\s+va\s+[a-f]\W*$",
    r"\b(khong|chang) (co )?(dap an|phuong an|y|lua chon|cau) nao\b",
    r"\b(all|none|both) of the (above|options)\b",
)]


def _all_above(options):
    for a in options:
        folded = fold(a["text"]).strip()
        if any(p.search(folded) for p in ALL_ABOVE):
            return a["text"]
    return None


def _stem_echo(q, options, key):
    stem = _pairs(words(q.get("text")))
    if not stem:
        return None
    shared = [_pairs(words(a["text"])) & stem for a in options]
    others = [s for i, s in enumerate(shared) if i != key]
    if len(shared[key]) >= 2 and not any(others):
        first = min(shared[key], key=lambda pair: words(options[key]["text"]).index(pair[0]))
        return " ".join(first)
    return None


DOCUMENT_NUMBER = [re.compile(p) for p in (
    r"\b\d+/\d{4}/[A-ZĐ][\wĐđ]*(-[\wĐđ]+)*",             # 69/2024/NĐ-CP, 26/2023/QH15
    r"\b\d+/[A-ZĐ][A-Za-zĐđ]*-[A-Za-zĐđ0-9]+",          # 1588/QĐ-TTg, 623/TTg-KSTT, 70/KH-UBND
    r"\b(Bộ luật|Luật|Hiến pháp)\b[^;]*?\b(19|20)\d{2}\b",  # Bộ luật Hình sự 2015, Luật An ninh mạng 2018
)]
OFFICIAL_PAGE = re.compile(r"\b(?:https?://)?((?:[a-z0-9-]+\.)+gov\.vn)(/\S*)?", re.IGNORECASE)


def source_is_specific(source):
    source = nfc(source or "")
    if any(p.search(source) for p in DOCUMENT_NUMBER):
        return True
    page = OFFICIAL_PAGE.search(source)
    if page:
        title = OFFICIAL_PAGE.sub(" ", source)
        return len([w for w in words(title) if w not in STOPWORDS]) >= 3
    return False


def _mentions(explanation_tokens, explanation_folded, answer):
    folded = " ".join(fold(answer).split())
    if folded and folded in explanation_folded:
        return True
    content = [w for w in words(answer) if w not in STOPWORDS]
    if not content:
        return True
    present = sum(1 for w in content if w in explanation_tokens)
    return present / len(content) >= 0.6


def _explanation_findings(q):
    explanation = q.get("general_feedback") or ""
    if not explanation.strip():
        return [("no-explanation", {})]
    wanted = qtype_of(q.get("type")).explained_by(q)
    if not wanted or not wanted[1]:
        return []
    how, texts = wanted
    if how == "begins":
        first = (words(explanation) or [""])[0]
        return [] if first == texts[0].lower() else [("explanation-truth", {"truth": texts[0]})]
    tokens = set(words(explanation))
    folded = " ".join(fold(explanation).split())
    mentioned = [_mentions(tokens, folded, text) for text in texts]
    if all(mentioned) or (how == "any" and any(mentioned)):
        return []
    missing = next(text for text, seen in zip(texts, mentioned) if not seen)
    return [("explanation-key", {"answer": _clip(missing)})]


def _clip(text, limit=60):
    text = " ".join(nfc(text).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def question_findings(q):
    """(code, fields) of the problems of one question on its own."""
    found = []
    single = _single_key(q)
    if single:
        options, key = single
        lengths = [_length(a["text"]) for a in options]
        other = max(length for i, length in enumerate(lengths) if i != key)
        if lengths[key] >= LENGTH_RATIO * other and lengths[key] - other >= LENGTH_MARGIN:
            found.append(("key-length", {"key": lengths[key], "other": other}))
        echo = _stem_echo(q, options, key)
        if echo:
            found.append(("stem-echo", {"words": echo}))
    qtype = qtype_of(q.get("type"))
    if qtype.shows_options:
        option = _all_above(_options(q))
        if option:
            found.append(("all-above", {"option": _clip(option)}))
    if qtype.gradable:
        source = (q.get("source") or "").strip()
        if not source:
            found.append(("no-source", {}))
        elif not source_is_specific(source):
            found.append(("vague-source", {}))
        found.extend(_explanation_findings(q))
    if q.get("level") == "THCS":
        count = len(words(q.get("text")))
        if count > THCS_WORDS:
            found.append(("thcs-long", {"words": count, "limit": THCS_WORDS}))
    return found


# Between questions ----------------------------------------------------------------------

def _pair_findings(questions, labels):
    tokens = [words(q.get("text")) for q in questions]
    pairs = [_pairs(t) for t in tokens]
    frequency = {}
    for own in pairs:
        for pair in own:
            frequency[pair] = frequency.get(pair, 0) + 1
    # A word pair in more than one question in 15 (at most 50) is common: sharing it says
    # nothing. Candidates are the questions sharing an uncommon pair.
    rare_limit = min(max(5, len(questions) // 15), 50)
    index = {}
    for i, own in enumerate(pairs):
        for pair in own:
            if frequency[pair] <= rare_limit:
                index.setdefault(pair, []).append(i)
    shared = {}
    for members in index.values():
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                shared[(members[x], members[y])] = shared.get((members[x], members[y]), 0) + 1
    # The keys each question hides: long enough to mean something, and not in its own stem.
    answers = [[(text, key_tokens) for text in qtype_of(q.get("type")).keys(q)
                if len(fold(text)) >= 4 and not _contains(tokens[i], key_tokens := words(text))]
               for i, q in enumerate(questions)]
    found = []
    for (i, j), _ in sorted(shared.items()):
        union = len(pairs[i] | pairs[j])
        common = pairs[i] & pairs[j]
        jaccard = len(common) / union if union else 0.0
        if jaccard >= DUPLICATE_JACCARD:
            found.append((j, "duplicate", {"other": labels[i], "percent": round(100 * jaccard)}))
            continue
        for a, b in ((i, j), (j, i)):  # does the stem of `a` state the answer of `b`?
            stated = [(text, key_tokens) for text, key_tokens in answers[b] if _contains(tokens[a], key_tokens)]
            if not stated:
                continue
            related = {p for p in common if frequency[p] <= rare_limit}
            for _, key_tokens in stated:
                related -= _pairs(key_tokens)
            if len(related) >= RELATED_PAIRS:
                found.append((a, "give-away", {"other": labels[b], "answer": _clip(stated[0][0])}))
    return found


# Totals -----------------------------------------------------------------------------------

def _chi2_sf(x, df):
    """P(X >= x) for a chi-square variable with df degrees of freedom (regularised upper gamma)."""
    a, x = df / 2.0, x / 2.0
    if x <= 0:
        return 1.0
    if x < a + 1:  # series for the lower part
        term = total = 1.0 / a
        k = a
        while abs(term) > 1e-12 * abs(total):
            k += 1
            term *= x / k
            total += term
        return max(0.0, 1.0 - total * math.exp(-x + a * math.log(x) - math.lgamma(a)))
    # continued fraction for the upper part (Lentz)
    b, c, d = x + 1 - a, 1e300, 1 / (x + 1 - a)
    h = d
    for i in range(1, 300):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = 1 / (d if abs(d) > 1e-300 else 1e-300)
        c = b + an / c
        c = c if abs(c) > 1e-300 else 1e-300
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-12:
            break
    return min(1.0, math.exp(-x + a * math.log(x) - math.lgamma(a)) * h)


def _position_finding(keyed):
    """keyed: (number of options, index of the key) of each single-answer question."""
    width = max((k for k, _ in keyed), default=0)
    observed = [0] * width
    expected = [0.0] * width
    for k, key in keyed:
        observed[key] += 1
        for i in range(k):
            expected[i] += 1.0 / k
    cells = [(o, e) for o, e in zip(observed, expected) if e >= 1.0]
    if len(cells) < 2 or len(keyed) < MIN_FOR_TOTALS:
        return observed, None
    statistic = sum((o - e) ** 2 / e for o, e in cells)
    if _chi2_sf(statistic, len(cells) - 1) >= POSITION_P:
        return observed, None
    counts = ", ".join(f"{LETTERS[i]} {o}" for i, o in enumerate(observed) if expected[i] >= 1.0)
    typical = round(sum(e for _, e in cells) / len(cells))
    return observed, {"counts": counts, "expected": typical}


# All together ------------------------------------------------------------------------------

def check_questions(questions, refs=None, labels=None):
    """The report on a list of format dicts; refs[i] (optional) identifies questions[i] for
    the caller, labels[i] (optional) names it in the messages (default: its key or line)."""
    labels = labels or [question_label(q, i) for i, q in enumerate(questions)]
    report = Report(questions=len(questions))
    per_question = {i: question_findings(q) for i, q in enumerate(questions)}
    for i, code, fields in _pair_findings(questions, labels):
        per_question[i].append((code, fields))
    keyed = []
    for i, q in enumerate(questions):
        single = _single_key(q)
        if single:
            options, key = single
            keyed.append((len(options), key))
            report.unique_longest += _is_unique_longest(options, key)
        for code, fields in per_question[i]:
            report.findings.append(Finding(code, MESSAGES[code].format(**fields), labels[i], q.get("line"),
                                           refs[i] if refs else None))
    report.single_answer = len(keyed)
    observed, position = _position_finding(keyed)
    report.positions = {LETTERS[i]: count for i, count in enumerate(observed)}
    if report.single_answer >= MIN_FOR_TOTALS and report.longest_share > LONGEST_SHARE:
        report.totals.append(Finding("longest-share", MESSAGES["longest-share"].format(
            count=report.unique_longest, total=report.single_answer, percent=round(100 * report.longest_share))))
    if position:
        report.totals.append(Finding("key-position", MESSAGES["key-position"].format(**position)))
    return report

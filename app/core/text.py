"""Vietnamese text: NFC normalisation, accent folding for search, and the sort key.

Written once here; models store the folded form and the sort key in indexed
columns so that lists sort and search in SQL on every database.
"""
import re
import unicodedata

from app.core.errors import DomainError

_SPACES = re.compile(r"\s+")


def nfc(value):
    """NFC-normalise, trim and collapse inner white space; None stays None."""
    if value is None:
        return None
    text = unicodedata.normalize("NFC", str(value))
    text = text.replace("\u00a0", " ").replace("\u200b", "")
    return _SPACES.sub(" ", text).strip()


def fold(value):
    """Lower case without diacritics: 'Nguyễn Thị Ánh' -> 'nguyen thi anh'."""
    if not value:
        return ""
    return _without_marks(nfc(value).lower())


def _without_marks(text):
    """Letters without their diacritics, đ and Đ as d and D."""
    text = text.replace("đ", "d").replace("Đ", "D")
    stripped = "".join(ch for ch in unicodedata.normalize("NFD", text) if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", stripped)


# Vietnamese alphabetical order; f j w z only occur in foreign names and sit where
# Latin puts them.
_ALPHABET = [
    "0", "1", "2", "3", "4", "5", "6", "7", "8", "9",
    "a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "f", "g", "h", "i", "j", "k",
    "l", "m", "n", "o", "ô", "ơ", "p", "q", "r", "s", "t", "u", "ư", "v", "w",
    "x", "y", "z",
]
# Tones in dictionary order: ngang, huyền, hỏi, ngã, sắc, nặng.
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
# Marks that make a different letter, not a tone.
_LETTER_MARKS = {
    ("a", "\u0306"): "ă", ("a", "\u0302"): "â", ("e", "\u0302"): "ê",
    ("o", "\u0302"): "ô", ("o", "\u031b"): "ơ", ("u", "\u031b"): "ư",
}


def _code(index):
    # Two lower-case ASCII letters a symbol: byte order and every locale's
    # collation agree on such strings, so SQL ORDER BY matches on SQLite and PostgreSQL.
    return chr(97 + index // 26) + chr(97 + index % 26)


_END = _code(0)        # end of a part (given name / the rest): sorts before everything
_TONE_MARK = _code(1)  # primary letters done, tones follow
_SPACE = _code(2)
_LETTER_CODES = {letter: _code(i + 3) for i, letter in enumerate(_ALPHABET)}
_OTHER = _code(3 + len(_ALPHABET))


def _letters_and_tones(word):
    """Split NFD text into Vietnamese letters and a tone number per letter."""
    letters, tones = [], []
    for ch in unicodedata.normalize("NFD", word.lower()):
        if unicodedata.category(ch) == "Mn":
            if letters and (letters[-1], ch) in _LETTER_MARKS:
                letters[-1] = _LETTER_MARKS[(letters[-1], ch)]
            elif ch in _TONES and tones:
                tones[-1] = _TONES[ch]
            continue
        letters.append(ch)
        tones.append(0)
    return letters, tones


def _part_key(text):
    letters, tones = _letters_and_tones(text)
    primary = "".join(
        _SPACE if ch == " " else _LETTER_CODES.get(ch, _OTHER) for ch in letters
    )
    return primary + _TONE_MARK + "".join(_code(t) for t in tones) + _END


def split_name(full_name):
    """('Nguyễn Thị', 'Ánh') from 'Nguyễn Thị Ánh': the given name is the last word."""
    words = nfc(full_name).split(" ")
    return " ".join(words[:-1]), words[-1]


def name_sort_key(full_name):
    """Key that sorts by given name, then the rest, in Vietnamese order (An < Ánh < Bình,
    Dũng < Đức), letters before tones as in a dictionary."""
    rest, given = split_name(full_name or "")
    return _part_key(given) + _part_key(rest)


def text_sort_key(text):
    """Vietnamese order for any text (unit and class names), whole string."""
    return _part_key(nfc(text or ""))


_UNSAFE = re.compile(r"[^A-Za-z0-9.-]+")


def file_safe(value, limit=80):
    """A file name part without diacritics or spaces: 'Lê Đức Anh' -> 'Le_Duc_Anh'."""
    return _UNSAFE.sub("_", _without_marks(nfc(value or ""))).strip("_.")[:limit] or "file"


SHORT_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,31}$")


def short_code(value, message):
    """A code staff type for a bank or a contest, upper-cased: 2-32 letters, digits, - or _;
    otherwise `message` as a DomainError."""
    code = (value or "").strip().upper()
    if not SHORT_CODE.match(code):
        raise DomainError(message)
    return code

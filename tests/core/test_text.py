import unicodedata

from app.core.text import fold, name_sort_key, nfc, text_sort_key


def sort_names(names):
    return sorted(names, key=name_sort_key)


def test_given_names_sort_in_vietnamese_order():
    names = ["Trần Văn Bình", "Lê Thị Ánh", "Nguyễn Văn An", "Phạm Đức", "Hồ Văn Dũng"]
    assert sort_names(names) == ["Nguyễn Văn An", "Lê Thị Ánh", "Trần Văn Bình", "Hồ Văn Dũng", "Phạm Đức"]


def test_special_letters_follow_their_base_letter():
    # a < ă < â, d < đ, e < ê, o < ô < ơ, u < ư, and each after the plain letter's words
    given = ["Ơn", "Ôn", "On", "Ưng", "Ung", "Âu", "Ắt", "An", "Đào", "Dao", "Em", "Êm"]
    assert sort_names(given) == ["An", "Ắt", "Âu", "Dao", "Đào", "Em", "Êm", "On", "Ôn", "Ơn", "Ung", "Ưng"]


def test_letters_before_tones_and_tones_in_dictionary_order():
    # ngang, huyền, hỏi, ngã, sắc, nặng; but a longer word with an earlier letter... letters first
    assert sort_names(["Mạ", "Má", "Mã", "Mả", "Mà", "Ma"]) == ["Ma", "Mà", "Mả", "Mã", "Má", "Mạ"]
    assert sort_names(["Ánh", "Anh", "An"]) == ["An", "Anh", "Ánh"]


def test_same_given_name_sorts_by_the_rest():
    names = ["Trần Thị Anh", "Nguyễn Văn Anh", "Lê Anh", "Nguyễn Thị Anh"]
    assert sort_names(names) == ["Lê Anh", "Nguyễn Thị Anh", "Nguyễn Văn Anh", "Trần Thị Anh"]


def test_key_is_the_same_for_composed_and_decomposed_text():
    composed = "Nguyễn Thị Ánh"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    assert name_sort_key(decomposed) == name_sort_key(composed)
    assert nfc(decomposed + "  ") == composed


def test_sort_key_uses_only_lowercase_ascii_letters():
    # so that SQL ORDER BY agrees on SQLite (bytes) and PostgreSQL (any locale)
    key = name_sort_key("Đặng Thị Ngọc Ánh") + text_sort_key("Trường THPT Lê Quý Đôn")
    assert key and all("a" <= ch <= "z" for ch in key)


def test_fold_removes_diacritics_and_case():
    assert fold("Nguyễn Thị Ánh") == "nguyen thi anh"
    assert fold("ĐẶNG  Văn  Đức ") == "dang van duc"
    assert fold(unicodedata.normalize("NFD", "Trần Thị Ngọc Hà")) == "tran thi ngoc ha"


def test_nfc_cleans_spaces():
    assert nfc("\u00a0Lê   Văn\tTám \u200b") == "Lê Văn Tám"
    assert nfc(None) is None

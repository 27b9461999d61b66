"""Each format keeps every question type's syntax in one table per direction, keyed by
the type's name: a type the format has no syntax for is refused by name."""
import pytest

from app.core.errors import DomainError
from app.quiz.banks.formats import Invalid, ParseError, new_question, parse
from app.quiz.banks.formats import gift, xlsx, yaml_bank
from app.quiz.banks.formats.common import reader_of
from app.quiz.qtypes import TYPES


@pytest.mark.parametrize("table", [gift._WRITE, xlsx._READ, xlsx._WRITE, yaml_bank._READ, yaml_bank._WRITE],
                         ids=["gift write", "xlsx read", "xlsx write", "yaml read", "yaml write"])
def test_every_format_table_has_every_type(table):
    assert tuple(table) == TYPES


@pytest.mark.parametrize("write", [gift.write_gift, xlsx.write_xlsx, yaml_bank.write_yaml])
def test_a_type_a_format_cannot_write_refuses_the_export_by_name(write):
    with pytest.raises(DomainError) as info:
        write([new_question("cloze", "Điền {1:SHORTANSWER:=Hà Nội}")])
    assert "chưa ghi được câu hỏi loại “cloze”" in info.value.message


def test_a_type_a_format_cannot_read_is_the_question_s_error():
    with pytest.raises(Invalid) as info:
        reader_of({}, "matching", "Excel")
    assert info.value.message == "định dạng Excel chưa đọc được loại câu “Ghép đôi”"
    # a name that is no type at all is refused before the table
    with pytest.raises(ParseError) as error:
        parse(b"questions:\n  - {key: a, type: cloze, text: x}\n", "yaml")
    assert "loại câu hỏi “cloze” không có" in str(error.value)

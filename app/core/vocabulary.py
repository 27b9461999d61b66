"""Vocabularies stored as strings: one str enum each, with its Vietnamese labels, that
also writes its database CHECK constraint (so the list of values is written once).
Members compare equal to their stored strings, so rows and JSON keep their values."""
from enum import StrEnum

from sqlalchemy import CheckConstraint


class Vocabulary(StrEnum):
    """Members are declared as `NAME = "stored value", "Nhãn tiếng Việt"`."""

    def __new__(cls, value, label=None):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label if label is not None else value
        return member

    @classmethod
    def values(cls):
        return tuple(member.value for member in cls)

    @classmethod
    def labels(cls):
        return {member.value: member.label for member in cls}

    @classmethod
    def choices(cls):
        """(value, label) pairs for a form's select."""
        return [(member.value, member.label) for member in cls]

    @classmethod
    def label_of(cls, value):
        """The label of a stored value; the value itself when it is not in the vocabulary."""
        return cls.labels().get(value, value)

    @classmethod
    def sql_in(cls, column):
        return f"{column} IN ({', '.join(repr(v) for v in cls.values())})"

    @classmethod
    def check(cls, column, name=None, nullable=False):
        """The CHECK constraint of a column holding this vocabulary."""
        sql = cls.sql_in(column)
        return CheckConstraint(f"{column} IS NULL OR {sql}" if nullable else sql, name=name or column)


class Prize(Vocabulary):
    """Prizes of a ranking (quiz rounds and contests, creative entries), best first.
    The stored keys are the Vietnamese words (nhất, nhì, ba, khuyến khích)."""

    FIRST = "nhat", "Giải Nhất"
    SECOND = "nhi", "Giải Nhì"
    THIRD = "ba", "Giải Ba"
    CONSOLATION = "kk", "Giải Khuyến khích"


class Stage(Vocabulary):
    """Which national target a student counts toward (Decision 1588): by school level and grade."""

    THCS = "THCS", "THCS"
    THPT = "THPT", "THPT"
    GDTX = "GDTX", "GDTX"

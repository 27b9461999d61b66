"""Marks of one answer, 0..1, from the question version the student was given.
Each question type cleans and grades its own responses (`app.quiz.qtypes`, where
the wire format is documented); these two names are what the attempt code calls."""
from app.quiz.qtypes import qtype_of


def clean_response(qtype, version, raw):
    """A response with the shape its type needs, or None (treated as not answered)."""
    return qtype_of(qtype).clean(version, raw)


def mark(version, response):
    """The mark of a response to a version: 0..1."""
    if not response:
        return 0.0
    return qtype_of(version.qtype).mark(version, response)

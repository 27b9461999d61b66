"""Marks of one answer, 0..1, from the question version the student was given.
Each question type cleans and grades its own responses (`app.quiz.qtypes`, where
the wire format is documented); these two names are what the attempt code calls.

A question found wrong after a round began is corrected by a layer above this one
(`app.corrections`: a new key, several answers accepted, the question voided). It
registers a function with `register_adjuster`; `adjust` calls it on every attempt
as it is finished, after the marks are computed, so an attempt submitted after a
correction gets the corrected marks too. Nothing is registered by default."""
from flask import current_app

from app.quiz.qtypes import qtype_of

_ADJUSTERS = "quiz.grading.adjusters"


def clean_response(qtype, version, raw):
    """A response with the shape its type needs, or None (treated as not answered)."""
    return qtype_of(qtype).clean(version, raw)


def mark(version, response):
    """The mark of a response to a version: 0..1."""
    if not response:
        return 0.0
    return qtype_of(version.qtype).mark(version, response)


def register_adjuster(app, function):
    """`function(attempt, items)` may change the items' marks and versions and the
    attempt's max_score of an attempt being finished (its items carry the marks of
    their versions)."""
    adjusters = app.extensions.setdefault(_ADJUSTERS, [])
    if function not in adjusters:
        adjusters.append(function)


def adjust(attempt, items):
    for function in current_app.extensions.get(_ADJUSTERS, ()):
        function(attempt, items)

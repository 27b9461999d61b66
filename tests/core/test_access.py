"""The access sweep, one level down: every loader of every feature's access.py refuses
an id of school B's object to each outsider of school A (404), and opens it for
someone who may see it. A loader added without an entry here fails
`test_every_loader_is_swept`."""
import inspect

import pytest
from werkzeug.exceptions import NotFound

from app.certificates import access as certificates_access
from app.entries import access as entries_access
from app.org import access as org_access
from app.quiz import access as quiz_access

MODULES = (org_access, quiz_access, entries_access, certificates_access)

# loader -> (the id of school B's object, who may open it)
B_OBJECTS = {
    "get_unit_or_404": (lambda w: w.tree.cluster_b.id, lambda w: w.department),
    "get_school_or_404": (lambda w: w.tree.school_b.id, lambda w: w.department),
    "get_class_or_404": (lambda w: w.b.school_class.id, lambda w: w.b.teacher),
    "get_student_or_404": (lambda w: w.b.students[0].id, lambda w: w.b.teacher),
    "get_user_or_404": (lambda w: w.b.teacher.id, lambda w: w.b.admin),
    "get_bank_or_404": (lambda w: w.b.bank.id, lambda w: w.b.teacher),
    "get_question_or_404": (lambda w: w.b.question.id, lambda w: w.department),
    "get_contest_or_404": (lambda w: w.b.round.contest_id, lambda w: w.b.admin),
    "get_round_or_404": (lambda w: w.b.round.id, lambda w: w.b.teacher),
    "get_attempt_or_404": (lambda w: w.b.attempt.id, lambda w: w.b.students[0].user),
    "get_class_session_or_404": (lambda w: w.b.session.id, lambda w: w.b.teacher),
    "get_creative_contest_or_404": (lambda w: w.b.creative.id, lambda w: w.department),
    "get_entry_or_404": (lambda w: w.b.entry.id, lambda w: w.b.teacher),
    "get_file_or_404": (lambda w: w.b.file.id, lambda w: w.b.students[0].user),
    "get_assignment_or_404": (lambda w: w.b.assignment.id, lambda w: w.b.assignment.judge),
    "get_certificate_or_404": (lambda w: w.b.certificate.id, lambda w: w.b.teacher),
    "get_upload_or_404": (lambda w: w.b.upload.id, lambda w: w.b.students[0].user),
}
# Loaders of what is public by design once published (tested with the public pages).
PUBLIC = {"get_published_contest_or_404", "get_published_round_or_404", "get_gallery_entry_or_404"}


def loaders():
    return {name: function for module in MODULES for name, function in inspect.getmembers(module, inspect.isfunction)
            if name.startswith("get_") and name.endswith("_or_404") and function.__module__ == module.__name__}


def _open(name, user, object_id):
    if name == "get_startable_round_or_404":  # a student's door: takes the student
        return loaders()[name](user.student, object_id)
    return loaders()[name](user, object_id)


def test_every_loader_is_swept():
    names = set(loaders())
    assert len(names) > 15
    assert names - PUBLIC - {"get_startable_round_or_404"} == set(B_OBJECTS), "add the loader to B_OBJECTS"


def test_every_loader_refuses_school_b_objects(world, outsider):
    user = getattr(world, outsider)
    refused = []
    for name, (object_id, _) in B_OBJECTS.items():
        try:
            _open(name, user, object_id(world))
        except NotFound:
            refused.append(name)
    assert sorted(refused) == sorted(B_OBJECTS)


def test_every_loader_opens_school_b_objects_for_those_who_may(world):
    for name, (object_id, insider) in B_OBJECTS.items():
        assert _open(name, insider(world), object_id(world)) is not None, name


def test_a_student_starts_only_the_rounds_of_their_school(world):
    # given the student of school A and school A's and B's running rounds
    student = world.student_a
    # then B's round is refused and A's opened
    with pytest.raises(NotFound):
        _open("get_startable_round_or_404", student, world.b.round.id)
    assert _open("get_startable_round_or_404", student, world.a.round.id) == world.a.round


def test_unpublished_results_and_gallery_entries_answer_404(world):
    for name, object_id in (("get_published_round_or_404", world.b.round.id),
                            ("get_published_contest_or_404", world.b.round.contest_id),
                            ("get_gallery_entry_or_404", world.b.entry.id)):
        with pytest.raises(NotFound):
            loaders()[name](object_id)

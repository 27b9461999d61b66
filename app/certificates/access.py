"""Who downloads which certificates, and who designs, issues and revokes them."""
from sqlalchemy import false, select

from app.certificates.models import Certificate
from app.core.scope import get_or_404, subtree_ids
from app.entries.access import can_manage_creative
from app.org.access import taught_class_ids
from app.quiz.access import can_manage_contest
from app.quiz.models import Contest


def certificates_query(user):
    """Certificates a user may download: a student their own; a teacher those of the
    classes they teach; other staff those of the schools and units of their subtree."""
    query = select(Certificate)
    role = user.role_enum
    if role.sees_all:
        return query
    if role.sees_own_work_only:
        return query.where(Certificate.student_id == user.student_id)
    if role.sees_taught_classes_only:
        return query.where(Certificate.class_id.in_(taught_class_ids(user)), Certificate.school_id == user.unit_id)
    if role.sees_subtree and user.unit_id:
        under = subtree_ids(user.unit_id)
        return query.where(Certificate.school_id.in_(under) | Certificate.recipient_unit_id.in_(under))
    return query.where(false())


def get_certificate_or_404(user, certificate_id):
    return get_or_404(certificates_query(user).where(Certificate.id == certificate_id))


def can_manage_certificates(user, owner):
    """Design the template, issue and revoke: whoever manages the contest (not teachers)."""
    if isinstance(owner, Contest):
        return user.role_enum.manages_contests and can_manage_contest(user, owner)
    return can_manage_creative(user, owner)


"""Certificate work that can outgrow a web request, as background jobs (app/jobs):
issuing a contest's certificates and writing a large merged PDF or ZIP. Each job
checks again that its user may do it, and is safe to run twice: issuing is
idempotent and a download is written anew."""
import tempfile

from sqlalchemy import select

from app.certificates import access, bundles, services
from app.certificates.models import CertificateTemplate
from app.core.errors import DomainError
from app.extensions import db
from app.jobs.services import job_kind
from app.quiz.models import Round

GONE = "Mẫu giấy không còn, hoặc bạn không còn quyền với cuộc thi này."


def _template(context):
    template = db.session.execute(select(CertificateTemplate).where(
        CertificateTemplate.id == context.params["template_id"])).scalar()
    if template is None:
        raise DomainError(GONE)
    return template


@job_kind("certificates.issue")
def issue_job(context):
    template = _template(context)
    if not access.can_manage_certificates(context.user, template.owner):
        raise DomainError(GONE)
    round_ = None
    if context.params.get("round_id"):
        round_ = db.session.get(Round, context.params["round_id"])
        if round_ is None or round_.contest_id != template.contest_id:
            raise DomainError("Đợt thi không còn.")
    context.progress(0, 1)
    result = services.issue(context.user, template, round_)
    context.progress(1, 1)
    return result.message


@job_kind("certificates.bundle")
def bundle_job(context):
    """A merged PDF or a ZIP of the certificates the user sees, narrowed as asked."""
    template, params = _template(context), context.params
    if not context.user.role_enum.is_staff:
        raise DomainError(GONE)
    query = bundles.valid_certificates(template, access.certificates_query(context.user),
                                       school_id=params.get("school_id"), class_id=params.get("class_id"))
    kind = params["kind"]
    with tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024) as out:
        count = bundles.write_bundle(template, query, kind, out, progress=context.progress)
        out.seek(0)
        name = f"{bundles.bundle_name(template.owner.code, params.get('school_id'), params.get('class_id'))}.{kind}"
        context.save_file(out, name, bundles.MIMETYPES[kind])
    return f"Đã tạo tệp gồm {count} giấy."

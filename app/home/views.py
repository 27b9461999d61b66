from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from app.certificates import access as certificates_access
from app.certificates.models import Certificate
from app.core.forms import EmptyForm
from app.core.timeutil import utcnow
from app.extensions import db
from app.quiz.attempts.services import rounds_for_student

bp = Blueprint("home", __name__)


@bp.route("/me")
@login_required
def student_home():
    if not current_user.role_enum.takes_quizzes:
        abort(404)
    now = utcnow()
    certificates = db.session.execute(certificates_access.certificates_query(current_user)
                                      .order_by(Certificate.created_at.desc(), Certificate.id.desc())).scalars().all()
    return render_template("home/student.html", student=current_user.student, now=now,
                           rounds=rounds_for_student(current_user.student, now), form=EmptyForm(),
                           certificates=certificates)

"""Question banks on the web: list and create banks, browse and search questions,
import a file (upload -> preview -> confirm), edit, retire, export."""
import html
import io
import json
import re

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from markupsafe import Markup, escape
from sqlalchemy import func, select

from app.core import pagecache
from app.core.actions import run_action
from app.core.errors import DomainError
from app.core.forms import ConfirmImportForm, EmptyForm
from app.core.spreadsheet import XLSX_MIMETYPE
from app.core.timeutil import utcnow
from app.core.uploads import EXPIRED_UPLOAD, drop_pending, save_pending, two_step_upload
from app.extensions import db
from app.quiz import access
from app.quiz.banks import services
from app.quiz.banks.formats import (
    DIFFICULTY_LABELS,
    FORMATS,
    LEVEL_LABELS,
    TYPE_LABELS,
    ParseError,
    detect_format,
    format_error,
    parse,
)
from app.quiz.banks.formats.docx import DOCX_MIMETYPE, write_template
from app.quiz.banks.formats.gift import write_gift
from app.quiz.banks.formats.xlsx import EXAMPLES, write_xlsx
from app.quiz.banks.forms import MAX_OPTIONS, OPTION_LETTERS, BankForm, QuestionForm, QuestionImportForm
from app.quiz.models import Question, QuestionBank
from app.quiz.qtypes import qtype_of

bp = Blueprint("banks", __name__)


_TAGS = re.compile(r"<[^>]*>")


@bp.app_template_filter("question_text")
def question_text(text, text_format="moodle"):
    """Question text for the page: always escaped (imported HTML is shown as its text,
    never run), line breaks kept."""
    text = text or ""
    if text_format == "html":
        text = html.unescape(_TAGS.sub(" ", text.replace("<br>", "\n").replace("<br/>", "\n")))
    return Markup("<br>").join(escape(line) for line in text.split("\n"))


def _require(allowed):
    if not allowed:
        abort(404)


def _bank_list_allowed():
    _require(current_user.role_enum.is_staff)


@bp.route("/banks", methods=["GET", "POST"])
@login_required
def bank_list():
    _bank_list_allowed()
    form = BankForm()
    units = db.session.execute(access.bank_units_query(current_user)).scalars().all()
    form.unit_id.choices = [(u.id, u.name) for u in units]
    if form.validate_on_submit():
        unit = next(u for u in units if u.id == form.unit_id.data)
        bank = run_action(lambda: services.create_bank(current_user, unit, code=form.code.data, name=form.name.data),
                          lambda made: f"Đã tạo ngân hàng “{made.name}”.")
        if bank:
            return redirect(url_for("banks.bank_detail", bank_id=bank.id))
    counts = dict(db.session.execute(
        select(Question.bank_id, func.count()).where(Question.retired_at.is_(None)).group_by(Question.bank_id)).all())
    banks = db.session.execute(access.banks_query(current_user).order_by(QuestionBank.code)).scalars().all()
    return render_template("quiz/bank_list.html", banks=banks, counts=counts, form=form,
                           can_create=bool(units))


@bp.route("/banks/template.xlsx")
@login_required
def bank_template():
    _bank_list_allowed()
    return send_file(io.BytesIO(write_xlsx([], examples=EXAMPLES)), mimetype=XLSX_MIMETYPE, as_attachment=True,
                     download_name="mau-nhap-cau-hoi.xlsx")


@bp.route("/banks/template.docx")
@login_required
def bank_template_docx():
    """The Word template: a short guide and example questions marked the ways the reader knows."""
    _bank_list_allowed()
    return send_file(io.BytesIO(write_template()), mimetype=DOCX_MIMETYPE, as_attachment=True,
                     download_name="mau-nhap-cau-hoi.docx")


def _filters():
    args = request.args
    return {
        "q": args.get("q", "").strip()[:100],
        "topic": args.get("topic", "").strip()[:200],
        "level": args.get("level", "") if args.get("level", "") in LEVEL_LABELS else "",
        "difficulty": args.get("difficulty", "") if args.get("difficulty", "") in DIFFICULTY_LABELS else "",
        "qtype": args.get("qtype", "") if args.get("qtype", "") in TYPE_LABELS else "",
        "status": args.get("status", "active") if args.get("status") in ("active", "retired", "all") else "active",
    }


@bp.route("/banks/<int:bank_id>")
@login_required
def bank_detail(bank_id):
    bank = access.get_bank_or_404(current_user, bank_id)
    filters = _filters()
    query = services.questions_query(bank, **filters)
    questions = db.paginate(query.order_by(Question.topic, Question.sort_key, Question.id),
                            page=request.args.get("page", 1, type=int), per_page=services.PAGE_SIZE, error_out=False)
    can_export = access.can_export_bank(current_user, bank, utcnow())
    return render_template(
        "quiz/bank_detail.html", bank=bank, questions=questions, total=questions.total, filters=filters,
        topics=services.topic_counts(bank), can_edit=access.can_edit_bank(current_user, bank),
        can_export=can_export, check=_check_summary(bank) if can_export else None,
        levels=LEVEL_LABELS, difficulties=DIFFICULTY_LABELS, types=TYPE_LABELS)


CHECK_CACHE_SECONDS = 3600


def _check_summary(bank):
    """The checker's figures for the bank page (kept in the cache until the bank changes):
    summary, totals, and the number of warnings of each question by id."""
    def make():
        report = services.check_bank(bank)
        per_question = {}
        for finding in report.findings:
            per_question[str(finding.ref)] = per_question.get(str(finding.ref), 0) + 1
        return json.dumps({"summary": report.summary(), "warnings": report.warnings,
                           "totals": [f.message for f in report.totals], "per_question": per_question})
    key = f"bank-check:{bank.id}:{services.check_bank_version(bank)}"
    return json.loads(pagecache.cached(key, make, CHECK_CACHE_SECONDS))


@bp.route("/banks/<int:bank_id>/check")
@login_required
def bank_check(bank_id):
    """Every warning of the checker on the bank's questions in use. The messages name keys,
    so the page follows the export rule."""
    bank = access.get_bank_or_404(current_user, bank_id)
    if not access.can_export_bank(current_user, bank, utcnow()):
        flash(f"Ngân hàng đang dùng cho đợt thi chưa kết thúc: chỉ cán bộ của {bank.unit.name} "
              "mới xem được kết quả kiểm tra (có nhắc tới đáp án).", "error")
        return redirect(url_for("banks.bank_detail", bank_id=bank.id))
    report = services.check_bank(bank)
    return render_template("quiz/bank_check.html", bank=bank, report=report, grouped=report.by_question())


@bp.route("/banks/<int:bank_id>/import", methods=["GET", "POST"])
@login_required
def bank_import(bank_id):
    """Upload -> preview as students will see it (nothing written) -> confirm (one transaction)."""
    bank = access.get_bank_or_404(current_user, bank_id)
    _require(access.can_edit_bank(current_user, bank))
    upload, confirm = QuestionImportForm(), ConfirmImportForm()
    back = url_for("banks.bank_detail", bank_id=bank.id)
    data, token, expired = two_step_upload(current_user.id, upload, confirm)
    if expired:
        flash(EXPIRED_UPLOAD, "error")
        return redirect(request.path)
    if data is None:
        return render_template("quiz/import_upload.html", form=upload, bank=bank, back=back)
    if "token" in request.form:
        fmt, filename = request.form.get("fmt", ""), request.form.get("filename", "")
        if fmt not in FORMATS:
            abort(400)
        defaults = services.ImportDefaults(topic=request.form.get("topic") or "Chung",
                                           level=request.form.get("level", "all"),
                                           difficulty=request.form.get("difficulty", "medium"))
    else:
        filename = upload.file.data.filename or ""
        fmt = upload.format.data or detect_format(filename, data)
        defaults = services.ImportDefaults(topic=upload.topic.data or _stem(filename) or "Chung",
                                           level=upload.level.data, difficulty=upload.difficulty.data)
    try:
        questions = services.prepare(parse(data, fmt), defaults)
    except ParseError as exc:
        drop_pending(current_user.id, token)
        return render_template("quiz/import_upload.html", form=upload, bank=bank, back=back,
                               errors=[format_error(e) for e in exc.errors], fmt=fmt)
    except DomainError as exc:
        drop_pending(current_user.id, token)
        return render_template("quiz/import_upload.html", form=upload, bank=bank, back=back,
                               errors=exc.message.split("; "), fmt=fmt)
    if "token" in request.form and request.form.get("action") == "commit":
        result = services.import_questions(current_user, bank, questions, defaults)
        db.session.commit()  # the questions are kept before their upload is thrown away
        drop_pending(current_user.id, token)
        flash(result.message, "success")
        return redirect(back)
    confirm.token.data = token or save_pending(current_user.id, data)
    report = services.check_import(bank, questions)
    findings = {}
    for finding in report.findings:
        findings.setdefault(finding.ref, []).append(finding)
    return render_template("quiz/import_preview.html", bank=bank, questions=questions, form=confirm, fmt=fmt,
                           filename=filename, defaults=defaults, back=back, report=report, findings=findings)


def _stem(filename):
    name = (filename or "").rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[0][:200] if "." in name else name[:200]


@bp.route("/banks/<int:bank_id>/export.<fmt>")
@login_required
def bank_export(bank_id, fmt):
    bank = access.get_bank_or_404(current_user, bank_id)
    if not access.can_export_bank(current_user, bank, utcnow()):
        flash(f"Ngân hàng đang dùng cho đợt thi chưa kết thúc: chỉ cán bộ của {bank.unit.name} "
              "mới xuất được ngân hàng kèm đáp án.", "error")
        return redirect(url_for("banks.bank_detail", bank_id=bank.id))
    if fmt not in ("gift", "xlsx"):
        abort(404)
    questions = services.export_questions(bank)
    try:
        if fmt == "gift":
            data, mime = write_gift(questions).encode("utf-8"), "text/plain; charset=utf-8"
        else:
            data, mime = write_xlsx(questions), XLSX_MIMETYPE
    except DomainError as exc:  # a question this format cannot hold: say which, export nothing
        flash(exc.message, "error")
        return redirect(url_for("banks.bank_detail", bank_id=bank.id))
    return send_file(io.BytesIO(data), mimetype=mime, as_attachment=True,
                     download_name=f"{bank.code.lower()}.{'gift.txt' if fmt == 'gift' else fmt}")


@bp.route("/questions/<int:question_id>")
@login_required
def question_detail(question_id):
    question = access.get_question_or_404(current_user, question_id)
    # The key follows the export rule: hidden from others while an official round may draw it.
    return render_template("quiz/question_detail.html", question=question, bank=question.bank,
                           question_dict=services.question_dict(question),
                           show_key=access.can_export_bank(current_user, question.bank, utcnow()),
                           can_edit=access.can_edit_bank(current_user, question.bank), form=EmptyForm())


def _form_data(q):
    """The edit form's values for a question (its format dict): the common fields and
    its type's answer field."""
    data = {"topic": q["topic"], "level": q["level"], "difficulty": q["difficulty"], "text": q["text"],
            "explanation": q["general_feedback"], "source": q["source"], "shuffle": q["shuffle"]}
    data.update(qtype_of(q["type"]).edit_values(q))
    return data


@bp.route("/questions/<int:question_id>/edit", methods=["GET", "POST"])
@login_required
def question_edit(question_id):
    question = access.get_question_or_404(current_user, question_id)
    _require(access.can_edit_bank(current_user, question.bank))
    data = _form_data(services.question_dict(question))
    if len(data.get("options", [])) > MAX_OPTIONS:  # the form would save only the first ones
        flash(f"Câu hỏi có {len(data['options'])} phương án, trang sửa chỉ chứa {MAX_OPTIONS}: hãy xuất ngân hàng, "
              "sửa câu này trong tệp rồi nhập lại.", "error")
        return redirect(url_for("banks.question_detail", question_id=question.id))
    form = QuestionForm(data=data if request.method == "GET" else None)
    if form.validate_on_submit():
        fields = {name: getattr(form, name).data for name in
                  ("topic", "level", "difficulty", "text", "explanation", "source", "shuffle", "truth", "lines")}
        fields["options"] = [(option["text"] or "", option["right"]) for option in form.options.data]
        changed = run_action(lambda: services.update_question(current_user, question,
                                                              services.edited_question(question, fields)),
                             lambda changed: f"Đã lưu phiên bản {question.version}." if changed
                             else "Không có thay đổi.")
        if changed is not None:  # False: saved, nothing changed
            return redirect(url_for("banks.question_detail", question_id=question.id))
    form.add_spare_option_rows()
    return render_template("quiz/question_form.html", form=form, question=question, bank=question.bank,
                           letters=OPTION_LETTERS)


@bp.route("/questions/<int:question_id>/<any(retire, restore):action>", methods=["POST"])
@login_required
def question_status(question_id, action):
    question = access.get_question_or_404(current_user, question_id)
    _require(access.can_edit_bank(current_user, question.bank))
    if not EmptyForm().validate_on_submit():
        abort(400)
    if action == "retire":
        services.retire_question(current_user, question)
        message = "Đã ngừng dùng câu hỏi: các vòng thi mới không rút câu này; bài đã làm giữ nguyên."
    else:
        services.restore_question(current_user, question)
        message = "Đã dùng lại câu hỏi."
    flash(message, "success")
    return redirect(url_for("banks.question_detail", question_id=question.id))

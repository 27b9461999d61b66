"""`flask quiz ...`: read question files, import them into a bank, export a bank."""
import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.core.errors import DomainError
from app.core.timeutil import utcnow
from app.extensions import db
from app.org.models import Unit
from app.quiz.attempts.services import close_expired_attempts
from app.quiz.banks import services
from app.quiz.banks.check import check_questions
from app.quiz.banks.formats import FORMATS, ParseError, detect_format, format_error, parse, to_json
from app.quiz.banks.formats.gift import write_gift
from app.quiz.banks.formats.xlsx import write_xlsx
from app.quiz.banks.formats.yaml_bank import write_yaml
from app.quiz.contests import calibration, results
from app.quiz.models import Round

quiz_cli = AppGroup("quiz", help="Ngân hàng câu hỏi và cuộc thi tìm hiểu.")
QUIZZES_DIR = Path(__file__).resolve().parents[2] / "quizzes"
SHIPPED_BANK = "DVC"


def _read(path, fmt):
    data = Path(path).read_bytes()
    fmt = fmt or detect_format(path, data)
    try:
        return parse(data, fmt)
    except ParseError as exc:
        for error in exc.errors:
            click.echo(f"{path}: {format_error(error)}", err=True)
        sys.exit(1)


@quiz_cli.command("parse")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="Mặc định: đoán theo nội dung và tên tệp.")
def parse_command(path, fmt):
    """Đọc một tệp câu hỏi (không ghi vào CSDL) và in JSON, mỗi câu một đối tượng."""
    questions = _read(path, fmt)
    click.echo(json.dumps([to_json(q) for q in questions], ensure_ascii=False, indent=2))


@quiz_cli.command("check")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@click.option("--bank", "bank_code", help="Kiểm tra một ngân hàng trong CSDL thay vì tệp")
@click.option("--format", "fmt", type=click.Choice(FORMATS))
def check_command(paths, bank_code, fmt):
    """Kiểm tra chất lượng câu hỏi (gợi ý đáp án, nguồn, lời giải, câu trùng, câu lộ đáp án nhau)
    của các tệp (kiểm tra chung, như một ngân hàng) hoặc của một ngân hàng. Dòng đầu là số câu và
    số cảnh báo; có cảnh báo thì mã thoát là 1."""
    if bool(paths) == bool(bank_code):
        raise click.UsageError("Cho một hay nhiều tệp, hoặc --bank MÃ.")
    if bank_code:
        questions = services.export_questions(_bank(bank_code))
    else:
        questions = []
        for path in paths:
            for q in _read(path, fmt):
                q["file"] = Path(path).name
                questions.append(q)
    report = check_questions(questions)
    click.echo(report.summary())
    share = report.longest_share
    click.echo(f"Câu một đáp án: {report.single_answer}; đáp án là phương án dài nhất: "
               f"{report.unique_longest} ({round(100 * share) if share is not None else 0} %); vị trí đáp án: "
               + ", ".join(f"{letter} {count}" for letter, count in report.positions.items()))
    for finding in report.totals:
        click.echo(f"Toàn bộ: {finding.message}")
    for finding in report.findings:
        click.echo(f"{finding.label}: {finding.message}")
    sys.exit(1 if report.warnings else 0)


def _bank(code):
    bank = services.get_bank_by_code(code)
    if bank is None:
        raise click.ClickException(f"Không có ngân hàng câu hỏi mã {code}.")
    return bank


def _import(bank, questions, defaults):
    try:
        result = services.import_questions(None, bank, questions, defaults)
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    db.session.commit()
    return result


@quiz_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--bank", "bank_code", required=True, help="Mã ngân hàng câu hỏi")
@click.option("--format", "fmt", type=click.Choice(FORMATS))
@click.option("--topic", default=None, help="Chủ đề cho câu không có chủ đề")
@click.option("--level", type=click.Choice(["THCS", "THPT", "all"]), default="all")
@click.option("--difficulty", type=click.Choice(["easy", "medium", "hard"]), default="medium")
def import_command(path, bank_code, fmt, topic, level, difficulty):
    """Nhập một tệp câu hỏi vào ngân hàng, trong một giao dịch (tệp có lỗi: không nhập gì)."""
    bank = _bank(bank_code)
    questions = _read(path, fmt)
    defaults = services.ImportDefaults(topic=topic or Path(path).stem, level=level, difficulty=difficulty)
    click.echo(_import(bank, questions, defaults).message)


def shipped_questions(directory=QUIZZES_DIR):
    """Every question of the bank files in quizzes/, or ParseError naming the file."""
    questions = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            questions.extend(parse(path.read_bytes(), "yaml"))
        except ParseError as exc:
            raise ParseError([(line, f"{path.name}: {message}") for line, message in exc.errors]) from None
    return questions


def import_shipped(unit, code=SHIPPED_BANK):
    """Create (once) the bank of the shipped questions for a unit and bring it up to date."""
    bank = services.get_bank_by_code(code)
    if bank is None:
        bank = services.create_bank(None, unit, code=code, name="Tìm hiểu dịch vụ công trực tuyến",
                                    description="Ngân hàng câu hỏi có nguồn, kèm theo nền tảng (thư mục quizzes/).")
    return bank, services.import_questions(None, bank, shipped_questions())


@quiz_cli.command("import-shipped")
@click.option("--unit", "unit_code", required=True, help="Mã đơn vị sở hữu ngân hàng (thường là Sở)")
@click.option("--bank", "bank_code", default=SHIPPED_BANK, show_default=True)
def import_shipped_command(unit_code, bank_code):
    """Nạp ngân hàng câu hỏi kèm theo (quizzes/*.yaml); chạy lại chỉ cập nhật câu đã đổi."""
    unit = db.session.execute(select(Unit).where(Unit.code == unit_code)).scalar_one_or_none()
    if unit is None:
        raise click.ClickException(f"Không có đơn vị mã {unit_code}.")
    try:
        bank, result = import_shipped(unit, bank_code)
    except ParseError as exc:
        raise click.ClickException(str(exc)) from None
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    db.session.commit()
    click.echo(f"{bank.code}: {result.message}")


@quiz_cli.command("export")
@click.option("--bank", "bank_code", required=True)
@click.option("--format", "fmt", type=click.Choice(["gift", "xlsx", "yaml"]), default="gift")
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True)
def export_command(bank_code, fmt, output):
    """Xuất ngân hàng câu hỏi ra GIFT, mẫu Excel hoặc YAML."""
    questions = services.export_questions(_bank(bank_code))
    if fmt == "xlsx":
        Path(output).write_bytes(write_xlsx(questions))
    else:
        Path(output).write_text(write_gift(questions) if fmt == "gift" else write_yaml(questions), encoding="utf-8")
    click.echo(f"Đã xuất {len(questions)} câu ra {output}.")


@quiz_cli.command("close-expired")
@click.option("--batch", type=click.IntRange(1), default=500, show_default=True,
              help="Số bài nhận xử lý mỗi lượt (mỗi lượt một giao dịch ngắn).")
def close_expired_command(batch):
    """Nộp các bài đã hết giờ với câu trả lời đã lưu (chạy định kỳ bằng cron)."""
    click.echo(f"Đã nộp {close_expired_attempts(utcnow(), batch=batch)} bài hết giờ.")


@quiz_cli.command("store-results")
def store_results_command():
    """Lưu bảng xếp hạng của các đợt thi, cuộc thi đã công bố kết quả trước khi có bảng
    lưu sẵn (trang kết quả của chúng đang tính lại mỗi lần xem); giữ nguyên thời điểm công bố."""
    owners = results.published_without_stored_ranking()
    for kind, owner_id in owners:
        results.store_as_published(kind, owner_id)
        db.session.commit()  # one round or contest at a time
    click.echo(f"Đã lưu bảng xếp hạng của {sum(1 for kind, _ in owners if kind == 'round')} đợt thi và "
               f"{sum(1 for kind, _ in owners if kind == 'contest')} cuộc thi.")


@quiz_cli.command("calibrate")
@click.argument("round_id", type=int)
@click.option("--min-answers", type=click.IntRange(1), default=calibration.MIN_ANSWERS, show_default=True,
              help="Chỉ đề xuất cho câu có ít nhất ngần này lượt trả lời (lần làm đầu).")
@click.option("--yes", is_flag=True, help="Ghi luôn, không hỏi lại.")
def calibrate_command(round_id, min_answers, yes):
    """Đề xuất mức độ (dễ, trung bình, khó) cho các câu đã rút trong đợt thi ROUND_ID theo độ
    dễ thực tế (>= 70 %: dễ, 40-70 %: trung bình, < 40 %: khó), đánh dấu câu không phân biệt;
    sau khi xác nhận, ghi mỗi câu đổi mức độ thành một phiên bản mới."""
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        raise click.ClickException(f"Không có đợt thi số {round_id}.")
    found = calibration.suggest(round_, min_answers)
    click.echo(found.summary())
    for s in found.suggestions:
        if s.changes or s.flags:
            change = f"{s.current_label} → {s.suggested_label}" if s.changes else s.current_label
            flags = f" [{', '.join(s.flags)}]" if s.flags else ""
            click.echo(f"{s.key or '#' + str(s.question_id)}: độ dễ {s.facility:.0f} % trên {s.n} lượt, {change}{flags}")
    if not found.changes:
        return
    if not yes and not click.confirm(f"Ghi {len(found.changes)} phiên bản mới?", default=False):
        click.echo("Không ghi gì.")
        return
    changed, _ = calibration.apply(None, round_, found)
    db.session.commit()
    click.echo(f"Đã ghi {changed} phiên bản mới.")

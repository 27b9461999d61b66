from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.core.errors import DomainError
from app.core.spreadsheet import read_rows
from app.core.timeutil import local_today, school_year_of
from app.extensions import db
from app.org import csdl, roster
from app.org.models import SchoolClass, Unit
from app.org.school_import import import_schools

org_cli = AppGroup("org", help="Đơn vị, trường, lớp, học sinh.")


def _unit_by_code(code):
    unit = db.session.execute(select(Unit).where(Unit.code == code)).scalar_one_or_none()
    if unit is None:
        raise click.ClickException(f"Không có đơn vị mã {code}.")
    return unit


@org_cli.command("import-schools")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--root", "root_code", required=True, help="Mã của Sở GD&ĐT")
def import_schools_command(path, root_code):
    """Nhập danh sách trường từ XLSX/CSV: tất cả các dòng hoặc không dòng nào."""
    root = _unit_by_code(root_code)
    try:
        result = import_schools(None, Path(path).read_bytes(), path, root=root)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    if result.errors:
        db.session.rollback()
        for error in result.errors:
            click.echo(error, err=True)
        raise click.ClickException(f"{len(result.errors)} dòng lỗi, chưa nhập trường nào.")
    db.session.commit()
    click.echo(f"{result.created} mới, {result.updated} cập nhật, {result.moved} chuyển, "
               f"{result.unchanged} không đổi.")


@org_cli.command("import-roster")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--school", "school_code", required=True, help="Mã trường")
@click.option("--class", "class_name", help="Lớp (khi tệp không có cột Lớp)")
@click.option("--year", type=int, help="Năm học bắt đầu, ví dụ 2025 cho 2025-2026")
@click.option("--dry-run", is_flag=True, help="Chỉ kiểm tra, không ghi")
def import_roster_command(path, school_code, class_name, year, dry_run):
    """Nhập danh sách học sinh (hoặc tệp xuất từ CSDL ngành của cả trường); in các dòng
    lỗi theo số dòng, ghi các dòng đúng."""
    school = _unit_by_code(school_code)
    year = year or school_year_of(local_today())
    target = None
    if class_name:
        target = db.session.execute(select(SchoolClass).where(
            SchoolClass.school_id == school.id, SchoolClass.school_year == year,
            SchoolClass.name == roster.normalize_class_name(class_name))).scalar_one_or_none()
        if target is None:
            raise click.ClickException(f"Không có lớp {class_name} năm học {year}-{year + 1}.")
    data = Path(path).read_bytes()
    try:
        rows = read_rows(data, path)
        export = csdl.read_export(rows)
        if export is None:
            preview = roster.preview_roster(data, path, school=school, school_year=year, target_class=target,
                                            rows=rows)
        else:
            preview = csdl.preview_csdl(export, school=school, school_year=year, target_class=target)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    for row in preview.error_rows:
        click.echo(f"Dòng {row.number}: " + "; ".join(row.errors), err=True)
    if export is not None:
        _import_csdl(preview, school, dry_run)
        return
    if dry_run:
        click.echo(f"Kiểm tra: {preview.count('new')} mới, {preview.count('update')} cập nhật, "
                   f"{preview.count('unchanged')} không đổi, {len(preview.error_rows)} lỗi.")
        return
    counts = roster.commit_roster(None, preview, school=school)
    db.session.commit()
    click.echo(f"{counts['new']} mới, {counts['update']} cập nhật, {counts['unchanged']} không đổi, "
               f"{counts['error']} dòng lỗi bỏ qua.")


def _import_csdl(preview, school, dry_run):
    """An export of the sector database (CSDL ngành): classes made, students who left marked."""
    classes = ", ".join(name for name, _ in preview.new_classes) or "không"
    summary = (f"{preview.count('new')} mới, {preview.count('update')} cập nhật, {preview.count('moved')} chuyển lớp, "
               f"{preview.count('left')} nghỉ học, {preview.count('unchanged')} không đổi, "
               f"{preview.count('skipped')} bỏ qua")
    if dry_run:
        click.echo(f"Kiểm tra (CSDL ngành): {summary}, {len(preview.error_rows)} lỗi; lớp mới: {classes}.")
        return
    counts = csdl.commit_csdl(None, preview, school=school)
    db.session.commit()
    click.echo(f"CSDL ngành: {summary}, {counts['error']} dòng lỗi bỏ qua; lớp mới: {classes}.")

"""Jinja filters and globals: Vietnamese dates, numbers and labels."""
from decimal import ROUND_HALF_UP, Decimal

from app.accounts.roles import Role
from app.core import timeutil
from app.quiz.qtypes import qtype_of


def percent(value, digits=1):
    """0.855 -> '85,5 %' (decimal comma)."""
    if value is None:
        return "—"
    return f"{value * 100:.{digits}f}".replace(".", ",") + " %"


def number(value):
    """12345 -> '12.345' as Vietnamese write it."""
    return f"{value:,}".replace(",", ".")


def score(value):
    """A score or mark as Vietnamese write it: decimal comma, at most two decimals, no
    trailing zeros (6.58333 -> '6,58', 0.333333 -> '0,33', 7.0 -> '7', 7.5 -> '7,5')."""
    if value is None:
        return "—"
    # half up on the decimal digits as written (2.675 -> 2,68), not on the binary float
    text = f"{Decimal(repr(float(value))).quantize(Decimal('0.01'), ROUND_HALF_UP):f}".rstrip("0").rstrip(".")
    return ("0" if text == "-0" else text).replace(".", ",")


def score_cell(value):
    """A score for an XLSX cell: a number (Excel can add it up) shown with two decimals."""
    from app.core.xlsx_stream import TwoDecimals
    return TwoDecimals(round(value, 2)) if value is not None else None


def filesize(count):
    """2_500_000 -> '2,4 MB', 35_000 -> '34,2 KB', 3 MB -> '3 MB', 900 -> '900 byte'."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if count >= scale:
            return f"{count / scale:.1f}".removesuffix(".0").replace(".", ",") + " " + unit
    return f"{count} byte"


def init_app(app):
    app.jinja_env.filters["date"] = timeutil.format_date
    app.jinja_env.filters["datetime"] = timeutil.format_datetime
    app.jinja_env.filters["percent"] = percent
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["score"] = score
    app.jinja_env.filters["filesize"] = filesize
    app.jinja_env.globals["Role"] = Role  # `current_user.role_enum.manages_tree`, or Role.TEACHER by name
    # A question's type class: its macros (`qtype_of(v.qtype).template`) and its edit form's answer field.
    app.jinja_env.globals["qtype_of"] = qtype_of

    @app.context_processor
    def globals_():
        return {"site_name": app.config["SITE_NAME"]}

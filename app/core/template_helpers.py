"""Jinja filters and globals: Vietnamese dates, numbers and labels."""
from app.core import timeutil


def percent(value, digits=1):
    """0.855 -> '85,5 %' (decimal comma)."""
    if value is None:
        return "—"
    return f"{value * 100:.{digits}f}".replace(".", ",") + " %"


def number(value):
    """12345 -> '12.345' as Vietnamese write it."""
    return f"{value:,}".replace(",", ".")


def filesize(size):
    """2_500_000 -> '2,4 MB', 35_000 -> '34 KB'."""
    if size >= 1024 * 1024:
        return f"{size / 1048576:.1f}".replace(".", ",") + " MB"
    return f"{max(1, round(size / 1024))} KB"


def init_app(app):
    app.jinja_env.filters["date"] = timeutil.format_date
    app.jinja_env.filters["datetime"] = timeutil.format_datetime
    app.jinja_env.filters["percent"] = percent
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["filesize"] = filesize

    @app.context_processor
    def globals_():
        return {"site_name": app.config["SITE_NAME"]}

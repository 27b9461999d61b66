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
    app.jinja_env.filters["filesize"] = filesize

    @app.context_processor
    def globals_():
        return {"site_name": app.config["SITE_NAME"]}

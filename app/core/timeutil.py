"""Time: UTC (naive) in the database, Asia/Ho_Chi_Minh on screen, dates dd/mm/yyyy."""
import re
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# Excel's day zero for the 1900 date system (with its leap-year bug folded in).
_EXCEL_EPOCH = date(1899, 12, 30)
_DATE_TEXT = re.compile(r"^\s*(\d{1,2})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{4})\s*$")
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00)?)?\s*$")


def utcnow():
    """Naive UTC now, as stored in the database."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def to_local(value):
    """A stored naive-UTC datetime as an aware Asia/Ho_Chi_Minh datetime."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(LOCAL_TZ)


def local_to_utc(value):
    """A naive local (Vietnam) datetime, as typed by a user, to naive UTC."""
    return value.replace(tzinfo=LOCAL_TZ).astimezone(timezone.utc).replace(tzinfo=None)


def format_date(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value)
    return value.strftime("%d/%m/%Y")


def format_datetime(value):
    if value is None:
        return ""
    return to_local(value).strftime("%H:%M %d/%m/%Y")


def local_today():
    return datetime.now(LOCAL_TZ).date()


def parse_vn_date(value):
    """A birth date as schools write it: '05/09/2010', '5-9-2010', an Excel date
    (datetime or serial number) or ISO text. Returns a date, or raises ValueError
    with a Vietnamese message."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError("thiếu ngày sinh")
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 1 <= value < 2958466:  # Excel serials up to 31/12/9999
            return _EXCEL_EPOCH + timedelta(days=int(value))
        raise ValueError(f"ngày sinh không hợp lệ: {value}")
    text = str(value).strip()
    match = _DATE_TEXT.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
    else:
        match = _ISO_DATE.match(text)
        if not match:
            raise ValueError(f"ngày sinh không đúng dạng dd/mm/yyyy: “{text}”")
        year, month, day = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"ngày sinh không tồn tại: “{text}”") from None


def school_year_of(day):
    """The school year a day falls in: it starts in August ('2025-2026' -> 2025)."""
    return day.year if day.month >= 8 else day.year - 1


def school_year_label(start_year):
    return f"{start_year}-{start_year + 1}"

"""Video links of creative entries: accepted hosts, and the privacy-friendly YouTube
embed the entry page shows."""
import re
from urllib.parse import parse_qs, urlsplit

from app.core.errors import DomainError

VIDEO_HOSTS = {"youtube.com", "youtu.be", "drive.google.com", "facebook.com", "web.facebook.com", "fb.watch", "vimeo.com",
               "tiktok.com", "vt.tiktok.com", "vm.tiktok.com"}  # the share links phones make too
YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}")


def check_video_link(url) -> str:
    """The link, stripped, when it points over https to a video hosting site we accept."""
    url = (url or "").strip()
    if not url:
        raise DomainError("Chưa nhập đường dẫn video.")
    if len(url) > 500:
        raise DomainError("Đường dẫn video dài quá 500 ký tự.")
    if any(ch.isspace() or not ch.isprintable() or ch == "\\" for ch in url):
        raise DomainError("Đường dẫn video có ký tự không hợp lệ (dấu cách, ký tự điều khiển hoặc dấu \\).")
    parts = urlsplit(url)
    if parts.scheme != "https":
        raise DomainError("Đường dẫn video phải bắt đầu bằng https://.")
    if "@" in parts.netloc:
        raise DomainError("Đường dẫn video không được chứa tên đăng nhập hay mật khẩu.")
    if _bare_host(parts) not in VIDEO_HOSTS or _port(parts) not in (None, 443):
        raise DomainError("Chỉ nhận đường dẫn video từ YouTube, Google Drive, Facebook, Vimeo hoặc TikTok.")
    return url


def youtube_embed(url) -> str | None:
    """The privacy-friendly embed address of a YouTube video link, or None for any other link."""
    parts = urlsplit((url or "").strip())
    if parts.scheme not in ("http", "https") or "@" in parts.netloc:
        return None
    host = _bare_host(parts)
    segments = [segment for segment in parts.path.split("/") if segment]
    video_id = None
    if host == "youtu.be" and len(segments) == 1:
        video_id = segments[0]
    elif host == "youtube.com" and segments == ["watch"]:
        video_id = (parse_qs(parts.query).get("v") or [None])[0]
    elif host == "youtube.com" and len(segments) == 2 and segments[0] in ("shorts", "embed", "live"):
        video_id = segments[1]
    if video_id and YOUTUBE_ID.fullmatch(video_id):
        return f"https://www.youtube-nocookie.com/embed/{video_id}"
    return None


def _port(parts):
    try:
        return parts.port
    except ValueError:  # "https://youtube.com:abc/": not a port at all
        return -1


def _bare_host(parts):
    host = (parts.hostname or "").lower()
    for prefix in ("www.", "m."):
        if host.startswith(prefix):
            return host[len(prefix):]
    return host

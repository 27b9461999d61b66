"""Video links of creative entries (app/entries/links.py)."""
import pytest

from app.core.errors import DomainError
from app.entries.links import check_video_link, youtube_embed



@pytest.mark.parametrize("url", [
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
    "  https://youtu.be/dQw4w9WgXcQ  ",
    "https://m.youtube.com/shorts/dQw4w9WgXcQ",
    "https://drive.google.com/file/d/1AbC/view?usp=sharing",
    "https://www.facebook.com/watch/?v=123",
    "https://fb.watch/abc/",
    "https://vimeo.com/123456",
    "https://www.tiktok.com/@truong_thpt/video/123",
    "HTTPS://WWW.YOUTUBE.COM/watch?v=dQw4w9WgXcQ",
])
def test_links_to_video_sites_are_accepted_and_stripped(url):
    assert check_video_link(url) == url.strip()


@pytest.mark.parametrize("url, words", [
    ("http://www.youtube.com/watch?v=dQw4w9WgXcQ", "https"),
    ("javascript:alert(1)//youtube.com", "https"),
    ("https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ", "YouTube"),
    ("https://evil.example/youtube.com", "YouTube"),
    ("https://user@youtube.com/watch?v=dQw4w9WgXcQ", "mật khẩu"),
    ("https://user:pw@youtube.com/watch?v=dQw4w9WgXcQ", "mật khẩu"),
    ("https://youtube.com:8443/watch?v=dQw4w9WgXcQ", "YouTube"),
    ("https://youtube.com\\@evil.example/", "ký tự"),
    ("https://youtube.com/" + "a" * 500, "500"),
    ("", "Chưa nhập"),
])
def test_other_links_are_refused(url, words):
    with pytest.raises(DomainError) as caught:
        check_video_link(url)

    assert words in caught.value.message


@pytest.mark.parametrize("url, embed", [
    ("https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42s", "dQw4w9WgXcQ"),
    ("https://youtu.be/dQw4w9WgXcQ?si=abc", "dQw4w9WgXcQ"),
    ("https://youtube.com/shorts/a-b_c1234XY", "a-b_c1234XY"),
    ("https://m.youtube.com/watch?v=dQw4w9WgXcQ", "dQw4w9WgXcQ"),
    ("https://www.youtube.com/watch?v=tooShort", None),
    ("https://www.youtube.com/watch?v=dQw4w9WgXcQ<script>", None),
    ("https://vimeo.com/123456", None),
    ("https://youtu.be.evil.example/dQw4w9WgXcQ", None),
])
def test_youtube_links_get_a_privacy_friendly_embed(url, embed):
    expected = embed and f"https://www.youtube-nocookie.com/embed/{embed}"

    assert youtube_embed(url) == expected

"""Entry uploads are judged by their content: real images, PDFs and MP4 boxes are built here,
stored or refused; a refusal must leave the storage empty, and no upload leaves anything in
the temporary folder where it was checked."""
import io
import re
import resource
import struct
import tempfile
import time
import zlib

import pytest
from PIL import ExifTags, Image, ImageFile, PngImagePlugin
from pypdf import PdfReader, PdfWriter

from app.core.errors import DomainError
from app.core.files import StoredFile, remove_stored, store_upload
from app.core.storage import LocalStorage

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def db():
    """These functions need no app nor database: shadow the suite's autouse `db` fixture."""
    yield None


@pytest.fixture(autouse=True)
def scratch(tmp_path_factory, monkeypatch):
    """The temporary folder uploads are checked in: empty again after every test."""
    folder = tmp_path_factory.mktemp("scratch")
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    yield folder
    assert list(folder.iterdir()) == []


def store(data, filename, directory, *, allowed=("image", "pdf", "video"), max_bytes=20 * MB, **options):
    """Stored at the top of a local storage in `directory`."""
    return store_upload(io.BytesIO(data), filename, allowed=set(allowed), prefix="", storage=LocalStorage(directory),
                        max_bytes=max_bytes, **options)


def refused(data, filename, directory, **options):
    """The refusal message; the storage must hold nothing afterwards."""
    with pytest.raises(DomainError) as caught:
        store(data, filename, directory, **options)
    assert list(directory.iterdir()) == []
    return caught.value.message


# ---------------------------------------------------------------- builders


def jpeg_bytes(size=(1200, 800), exif=None, noise=False):
    image = Image.effect_noise(size, 80).convert("RGB") if noise else Image.new("RGB", size, (30, 120, 200))
    image.paste((255, 0, 0), (0, 0, 100, 100))  # a red corner shows which way the image was turned
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95, **({"exif": exif} if exif is not None else {}))
    return out.getvalue()


def phone_exif(orientation=6):
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "PhoneMakerXYZ"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (21.0, 1.0, 30.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (105.0, 51.0, 12.0)
    return exif


def png_bytes(image):
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def png_header_only(width, height):
    """A PNG that declares width × height pixels but carries a few bytes of data."""
    def chunk(kind, payload):
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + chunk(b"IEND", b""))


def pdf_bytes(*objects, header=b"%PDF-1.4"):
    """A PDF from object bodies numbered 1..n (1 is the catalog), with a correct xref table."""
    out = bytearray(header + b"\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def simple_pdf(catalog_extra=b"", *extra_objects):
    return pdf_bytes(
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        *extra_objects,
    )


def pdf_with_object_stream(open_action=b""):
    """PDF 1.5: objects 1-4 compressed in object stream 5, found through xref stream 6."""
    bodies = [
        b"<< /Type /Catalog /Pages 2 0 R " + (b"/OpenAction 4 0 R" if open_action else b"") + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        open_action or b"<< /Foo /Bar >>",
    ]
    index, content = [], b""
    for number, body in enumerate(bodies, start=1):
        index.append(b"%d %d" % (number, len(content)))
        content += body + b"\n"
    first = b" ".join(index) + b"\n"
    packed = zlib.compress(first + content)
    out = bytearray(b"%PDF-1.5\n")
    objstm_offset = len(out)
    out += b"5 0 obj\n<< /Type /ObjStm /N 4 /First %d /Filter /FlateDecode /Length %d >>\nstream\n" % (
        len(first), len(packed))
    out += packed + b"\nendstream\nendobj\n"
    xref_offset = len(out)
    rows = [struct.pack(">BIH", 0, 0, 65535)]
    rows += [struct.pack(">BIH", 2, 5, i) for i in range(4)]
    rows += [struct.pack(">BIH", 1, objstm_offset, 0), struct.pack(">BIH", 1, xref_offset, 0)]
    table = b"".join(rows)
    out += b"6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n" % len(table)
    out += table + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_offset
    return bytes(out)


def box(kind, payload=b""):
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def ftyp(brand=b"isom"):
    return box(b"ftyp", brand + struct.pack(">I", 512) + b"isomiso2avc1mp41")


def mvhd(timescale, duration, version=0):
    if version == 0:
        times = struct.pack(">IIII", 0, 0, timescale, duration)
    else:
        times = struct.pack(">QQIQ", 0, 0, timescale, duration)
    return box(b"mvhd", bytes([version, 0, 0, 0]) + times + b"\x00" * 80)


def mp4_bytes(timescale=1000, duration=30000, version=0):
    moov = box(b"moov", mvhd(timescale, duration, version) + box(b"trak", b"\x00" * 16))
    return ftyp() + box(b"free") + moov + box(b"mdat", b"\x00" * 4096)


class EndlessStream:
    """Gives bytes for ever: only a copy that stops at the limit can finish."""

    def __init__(self):
        self.given = 0

    def read(self, size=-1):
        size = 65536 if size is None or size < 0 else size
        self.given += size
        return b"\x00" * size


# ---------------------------------------------------------------- images


def test_a_phone_jpeg_is_stored_upright_without_exif_and_with_a_thumbnail(tmp_path):
    original = jpeg_bytes((1200, 800), exif=phone_exif(orientation=6))
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the fixture has a position

    stored = store(original, "ảnh của em.jpg", tmp_path)

    assert (stored.kind, stored.mime) == ("image", "image/jpeg")
    assert re.fullmatch(r"[0-9a-f]{32}\.jpg", stored.name)
    assert (stored.width, stored.height) == (800, 1200)  # orientation 6 applied
    data = (tmp_path / stored.name).read_bytes()
    assert stored.size == len(data) and data != original
    assert b"Exif" not in data and b"PhoneMakerXYZ" not in data
    with Image.open(tmp_path / stored.name) as saved:
        assert saved.format == "JPEG" and saved.size == (800, 1200)
        assert not saved.getexif()
        red, green, _ = saved.getpixel((760, 40))  # the red top-left corner is now top-right
        assert red > 200 and green < 60
    assert stored.thumb_name == stored.name.replace(".jpg", "_thumb.jpg")
    with Image.open(tmp_path / stored.thumb_name) as thumb:
        assert thumb.format == "JPEG" and thumb.size == (320, 480)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([stored.name, stored.thumb_name])


def test_a_png_with_alpha_stays_png_and_its_thumbnail_is_flattened_on_white(tmp_path):
    image = Image.new("RGBA", (1000, 500), (0, 0, 255, 255))
    image.paste((0, 0, 0, 0), (0, 0, 500, 500))  # left half fully transparent

    stored = store(png_bytes(image), "poster.png", tmp_path, allowed={"image"})

    assert stored.mime == "image/png" and stored.name.endswith(".png")
    with Image.open(tmp_path / stored.name) as saved:
        assert saved.format == "PNG" and saved.mode == "RGBA" and saved.size == (1000, 500)
        assert saved.getpixel((10, 10))[3] == 0
    with Image.open(tmp_path / stored.thumb_name) as thumb:
        assert thumb.mode == "RGB" and thumb.size == (480, 240)
        assert min(thumb.getpixel((20, 120))) > 245  # transparent -> white
        assert thumb.getpixel((460, 120))[2] > 200


def test_a_png_loses_its_text_exif_and_colour_profile_chunks(tmp_path):
    text = PngImagePlugin.PngInfo()
    text.add_text("Author", "Nguyen Van An, 0912345678")
    out = io.BytesIO()
    Image.new("RGB", (400, 300)).save(out, "PNG", pnginfo=text, exif=phone_exif(), icc_profile=b"profile-bytes")
    assert all(chunk in out.getvalue() for chunk in (b"tEXt", b"eXIf", b"iCCP"))

    stored = store(out.getvalue(), "a.png", tmp_path)

    data = (tmp_path / stored.name).read_bytes()
    assert not any(chunk in data for chunk in (b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"iCCP"))


def test_the_content_decides_the_type_not_the_name(tmp_path):
    stored = store(png_bytes(Image.new("RGB", (300, 200))), "photo.jpg", tmp_path)

    assert stored.mime == "image/png" and stored.name.endswith(".png") and "photo" not in stored.name


def test_an_html_page_named_like_a_jpeg_is_refused(tmp_path):
    message = refused(b"<!doctype html><script>alert(1)</script>", "poster.jpg", tmp_path, allowed={"image"})

    assert "poster.jpg" in message and "JPEG" in message and "PNG" in message


def test_a_pdf_named_png_is_refused_where_only_images_are_accepted(tmp_path):
    message = refused(simple_pdf(), "poster.png", tmp_path, allowed={"image"})

    assert "PDF" in message and "chỉ nhận ảnh JPEG hay PNG" in message


def test_a_truncated_jpeg_is_refused_even_if_pillow_was_told_to_accept_truncated_files(tmp_path, monkeypatch):
    data = jpeg_bytes((1000, 1000), noise=True)
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)

    message = refused(data[: len(data) // 2], "cut.jpg", tmp_path)

    assert "hỏng" in message
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # the other code's choice is put back


def test_a_decompression_bomb_is_refused_quickly_without_allocating(tmp_path):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()

    message = refused(png_header_only(100_000, 100_000), "bomb.png", tmp_path)

    assert time.perf_counter() - started < 2
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200 * 1024  # KiB on Linux
    assert "quá lớn" in message


def test_an_image_above_our_pixel_limit_but_below_pillows_is_refused_with_its_size(tmp_path):
    message = refused(png_header_only(8000, 8000), "big.png", tmp_path)  # 64 MP, Pillow only warns past 89 MP

    assert "8000 × 8000" in message


def test_an_image_too_small_for_the_contest_is_refused_with_its_size(tmp_path):
    message = refused(jpeg_bytes((640, 480)), "small.jpg", tmp_path, min_long_side=1000)

    assert "1000" in message and "640 × 480" in message


def test_an_image_large_enough_passes_the_minimum(tmp_path):
    stored = store(jpeg_bytes((1000, 300)), "ok.jpg", tmp_path, min_long_side=1000)

    assert (stored.width, stored.height) == (1000, 300)


# ---------------------------------------------------------------- size limits


def test_an_oversized_upload_is_refused_with_the_limit_in_mb(tmp_path):
    data = jpeg_bytes((300, 200)) + b"\x00" * (2 * MB)

    message = refused(data, "big.jpg", tmp_path, max_bytes=3 * MB // 2)

    assert message == "Tệp “big.jpg” lớn hơn 1,5 MB cho phép."


def test_an_endless_stream_is_cut_as_soon_as_it_passes_the_limit(tmp_path):
    stream = EndlessStream()

    with pytest.raises(DomainError):
        store_upload(stream, "video.mp4", allowed={"video"}, prefix="entries/1", storage=LocalStorage(tmp_path),
                     max_bytes=3 * MB)

    assert stream.given <= 5 * MB
    assert list(tmp_path.iterdir()) == []  # nothing reached the storage


def test_an_empty_file_is_refused(tmp_path):
    assert "rỗng" in refused(b"", "empty.jpg", tmp_path)


# ---------------------------------------------------------------- PDF


def test_a_clean_pdf_is_kept_with_its_page_count(tmp_path):
    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)

    stored = store(out.getvalue(), "bài dự thi.pdf", tmp_path, allowed={"pdf"})

    assert (stored.kind, stored.mime, stored.pages) == ("pdf", "application/pdf", 3)
    assert re.fullmatch(r"[0-9a-f]{32}\.pdf", stored.name) and stored.thumb_name is None
    kept = (tmp_path / stored.name).read_bytes()
    assert len(PdfReader(io.BytesIO(kept)).pages) == 3 and stored.size == len(kept)


XMP = (b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
       b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
       b'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator><rdf:Seq><rdf:li>Nguyen Thi Bi Mat</rdf:li>'
       b'</rdf:Seq></dc:creator></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>')


def office_pdf():
    """Two pages (a red square on the first, a blue one on the second) with everything Word
    leaves behind: /Info with the account's name, a catalog XMP stream, a page XMP stream,
    Illustrator's private /PieceInfo, and an earlier /Info left by an incremental update."""
    def stream(body, extra=b""):
        return b"<< %s /Length %d >>\nstream\n%s\nendstream" % (extra, len(body), body)
    red, blue = b"1 0 0 rg 0 0 100 100 re f", b"0 0 1 rg 100 100 100 100 re f"
    data = pdf_bytes(
        b"<< /Type /Catalog /Pages 2 0 R /Metadata 6 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 5 0 R /Metadata 6 0 R"
        b" /PieceInfo << /Illustrator << /Private (Nguyen Thi Bi Mat) >> >> >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 8 0 R >>",
        stream(red),
        stream(XMP, b"/Type /Metadata /Subtype /XML"),
        b"<< /Author (Nguyen Thi Bi Mat) /Creator (Microsoft\\256 Word for Microsoft 365) /Title (Bai du thi) >>",
        stream(blue),
    ).replace(b"/Root 1 0 R", b"/Root 1 0 R /Info 7 0 R")
    # an incremental update that points /Info elsewhere: the old object stays in the file's bytes
    start = len(data)
    update = b"9 0 obj\n<< /Author (Someone Else) >>\nendobj\n"
    xref = start + len(update)
    previous = int(data.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    update += b"xref\n9 1\n%010d 00000 n \ntrailer\n<< /Size 10 /Root 1 0 R /Info 9 0 R /Prev %d >>\n" % (
        start, previous)
    update += b"startxref\n%d\n%%%%EOF\n" % xref
    return data + update


def test_a_pdf_loses_its_author_creator_and_xmp_and_keeps_its_pages(tmp_path):
    import pypdfium2
    data = office_pdf()
    original = PdfReader(io.BytesIO(data))
    assert original.metadata["/Author"] == "Someone Else" and original.xmp_metadata is not None

    stored = store(data, "bài dự thi.pdf", tmp_path, allowed={"pdf"})

    kept = (tmp_path / stored.name).read_bytes()
    for trace in (b"Bi Mat", b"Someone Else", b"Microsoft", b"xmpmeta", b"/Metadata", b"/PieceInfo", b"/Info",
                  b"/Author", b"/Creator"):
        assert trace not in kept, trace
    reader = PdfReader(io.BytesIO(kept))
    assert reader.metadata is None and reader.xmp_metadata is None and stored.pages == len(reader.pages) == 2
    assert stored.size == len(kept)
    document = pypdfium2.PdfDocument(kept)
    first, second = (document[i].render(scale=1).to_pil().convert("RGB") for i in (0, 1))
    # pages render as drawn: PDF y goes up, image y goes down
    assert first.getpixel((50, 150)) == (255, 0, 0) and first.getpixel((150, 50)) == (255, 255, 255)
    assert second.getpixel((150, 50)) == (0, 0, 255) and second.getpixel((50, 150)) == (255, 255, 255)
    document.close()


def test_a_pdf_opening_with_javascript_is_refused(tmp_path):
    data = simple_pdf(b"/OpenAction 4 0 R", b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>")

    assert "JavaScript" in refused(data, "a.pdf", tmp_path)


def test_a_pdf_with_a_launch_action_is_refused(tmp_path):
    data = simple_pdf(b"/OpenAction << /S /Launch /F (cmd.exe) >>")

    assert "Launch" in refused(data, "a.pdf", tmp_path)


def test_a_pdf_with_an_embedded_file_is_refused(tmp_path):
    data = simple_pdf(b"/Names << /EmbeddedFiles << /Names [(x.exe) 4 0 R] >> >>", b"<< /Type /Filespec >>")

    assert "đính kèm" in refused(data, "a.pdf", tmp_path)


def test_javascript_hidden_by_a_name_escape_is_found_by_the_deep_check(tmp_path):
    data = simple_pdf(b"/OpenAction << /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>")
    assert b"/JavaScript" not in data and b"/JS" not in data

    assert "JavaScript" in refused(data, "a.pdf", tmp_path)


def test_javascript_inside_a_compressed_object_stream_is_found(tmp_path):
    data = pdf_with_object_stream(open_action=b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>")
    assert b"/JavaScript" not in data and b"/JS" not in data  # a byte scan alone would pass it

    assert "JavaScript" in refused(data, "a.pdf", tmp_path)


def test_a_clean_pdf_with_an_object_stream_is_accepted(tmp_path):
    stored = store(pdf_with_object_stream(), "a.pdf", tmp_path)

    assert stored.pages == 1


def test_a_photo_whose_compressed_bytes_happen_to_spell_a_javascript_name_is_accepted(tmp_path):
    # a scanned poster's JPEG data is random-looking: "/JS " turns up in about one 20 MB PDF in thirteen
    photo = b"\xff\xd8\xff\xe0" + bytes(range(256)) + b"/JS " + bytes(range(256)) + b"\xff\xd9"
    data = pdf_bytes(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Resources << /XObject << /Im1 4 0 R >> >> >>",
        b"<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceRGB /BitsPerComponent 8"
        b" /Filter /DCTDecode /Length %d >>\nstream\n%s\nendstream" % (len(photo), photo),
    )

    assert store(data, "poster.pdf", tmp_path, allowed={"pdf"}).pages == 1


def test_an_encrypted_pdf_is_refused(tmp_path):
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.encrypt(user_password="", owner_password="secret")
    out = io.BytesIO()
    writer.write(out)

    assert "mã hoá" in refused(out.getvalue(), "a.pdf", tmp_path)


def test_an_unreadable_pdf_and_one_without_pages_are_refused(tmp_path):
    assert "không đọc được" in refused(b"%PDF-1.4\n garbage", "a.pdf", tmp_path)
    empty = pdf_bytes(b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>")
    assert "không có trang" in refused(empty, "b.pdf", tmp_path)


# ---------------------------------------------------------------- MP4


def test_an_mp4_is_stored_with_its_duration(tmp_path):
    data = mp4_bytes(timescale=1000, duration=30000)

    stored = store(data, "clip.mp4", tmp_path, allowed={"video"}, max_seconds=300)

    assert (stored.kind, stored.mime, stored.duration) == ("video", "video/mp4", 30.0)
    assert re.fullmatch(r"[0-9a-f]{32}\.mp4", stored.name) and stored.thumb_name is None
    assert (tmp_path / stored.name).read_bytes() == data.replace(box(b"free"), b"")  # padding goes


def test_a_64_bit_mvhd_and_a_moov_after_a_large_mdat_are_read(tmp_path):
    mdat = struct.pack(">I4sQ", 1, b"mdat", 16 + 1000) + b"\x00" * 1000  # "largesize" header
    moov = box(b"moov", mvhd(90000, 90000 * 75, version=1))
    data = ftyp(b"mp42") + mdat + struct.pack(">I4s", 0, b"moov") + moov[8:]  # size 0: to the end

    stored = store(data, "clip.mp4", tmp_path)

    assert stored.duration == 75.0


def test_a_video_longer_than_allowed_is_refused_in_minutes_and_seconds(tmp_path):
    message = refused(mp4_bytes(duration=725_000), "long.mp4", tmp_path, max_seconds=300)

    assert message == "Video dài 12 phút 5 giây, quá 5 phút cho phép."


def test_videos_without_a_readable_duration_are_refused(tmp_path):
    no_moov = ftyp() + box(b"mdat", b"\x00" * 100)
    assert "thời lượng" in refused(no_moov, "a.mp4", tmp_path)
    zero_timescale = ftyp() + box(b"moov", mvhd(0, 1000))
    assert "thời lượng" in refused(zero_timescale, "b.mp4", tmp_path)


def test_a_cut_off_video_is_refused(tmp_path):
    data = mp4_bytes()

    assert "hỏng" in refused(data[:-100], "cut.mp4", tmp_path)


def test_a_zip_or_a_quicktime_file_named_mp4_is_refused(tmp_path):
    zip_message = refused(b"PK\x03\x04" + b"\x00" * 200, "video.mp4", tmp_path, allowed={"video"})
    assert "không phải video MP4" in zip_message
    mov = ftyp(b"qt  ") + box(b"moov", mvhd(600, 6000))
    assert "MOV" in refused(mov, "video.mov", tmp_path, allowed={"video"})


# a phone video's metadata: the place it was shot, the title and the owner's name
GPS = "+10.0452+105.7469/".encode()
OWNER = "Nguyễn Văn Chủ Máy".encode()
XMP_UUID = bytes.fromhex("be7acfcb97a942e89c71999491e3afac")


def full_box(kind, payload, version=0):
    return box(kind, bytes([version, 0, 0, 0]) + payload)


def apple_item(kind, text):
    return box(kind, struct.pack(">HH", len(text), 0) + text)  # QuickTime udta text: length, language, text


def phone_udta():
    return box(b"udta", apple_item(b"\xa9xyz", GPS) + apple_item(b"\xa9nam", b"Clip 001")
               + apple_item(b"\xa9ART", OWNER))


def phone_meta():
    ilst = box(b"ilst", box(b"\xa9ART", box(b"data", b"\x00\x00\x00\x01\x00\x00\x00\x00" + OWNER)))
    return full_box(b"meta", full_box(b"hdlr", b"\x00" * 4 + b"mdir" + b"\x00" * 13) + ilst)


def trak(handler, chunk_offsets, sizes, wide=False, extra=b""):
    """A track whose chunks (one sample each) start at `chunk_offsets`, in stco or co64."""
    if wide:
        offsets = full_box(b"co64", struct.pack(">I", len(chunk_offsets)) + b"".join(
            struct.pack(">Q", o) for o in chunk_offsets))
    else:
        offsets = full_box(b"stco", struct.pack(">I", len(chunk_offsets)) + b"".join(
            struct.pack(">I", o) for o in chunk_offsets))
    stbl = box(b"stbl", full_box(b"stsd", struct.pack(">I", 0))
               + full_box(b"stts", struct.pack(">III", 1, len(sizes), 1000))
               + full_box(b"stsc", struct.pack(">IIII", 1, 1, 1, 1))
               + full_box(b"stsz", struct.pack(">II", 0, len(sizes)) + b"".join(struct.pack(">I", n) for n in sizes))
               + offsets)
    mdia = box(b"mdia", full_box(b"mdhd", b"\x00" * 20) + full_box(b"hdlr", b"\x00" * 4 + handler + b"\x00" * 13)
               + box(b"minf", box(b"dinf", b"") + stbl))
    return box(b"trak", full_box(b"tkhd", b"\x00" * 80) + extra + mdia)


def phone_mp4(moov_first=True, handler=b"vide"):
    """A phone video with metadata in every place a phone puts it; its chunks are distinct bytes
    in one mdat, found through an stco (video) and a co64 (sound) table."""
    chunks = [bytes([n]) * (100 + n) for n in range(1, 7)]
    xmp = box(b"uuid", XMP_UUID + b"<x:xmpmeta><dc:creator>" + OWNER + b"</dc:creator></x:xmpmeta>")
    head = ftyp(b"mp42")

    def moov_for(mdat_payload_start):
        starts, position = [], mdat_payload_start
        for chunk in chunks:
            starts.append(position)
            position += len(chunk)
        video = trak(handler, starts[:3], [len(c) for c in chunks[:3]], extra=phone_udta() + phone_meta())
        sound = trak(b"soun", starts[3:], [len(c) for c in chunks[3:]], wide=True)
        return box(b"moov", mvhd(1000, 12_500) + phone_udta() + phone_meta() + video + sound
                   + box(b"free", OWNER))

    mdat_payload = b"".join(chunks)
    if moov_first:
        size_of_moov = len(moov_for(0))
        start = len(head) + len(xmp) + size_of_moov + len(box(b"free", b"\x00" * 32)) + 8
        data = head + xmp + moov_for(start) + box(b"free", b"\x00" * 32) + box(b"mdat", mdat_payload)
    else:
        start = len(head) + len(xmp) + 8
        data = head + xmp + box(b"mdat", mdat_payload) + moov_for(start)
    return data + phone_udta(), chunks


def walk(data, start=0, end=None):
    """(type, payload start, end) of every box, descending into the containers a test cares about."""
    end = len(data) if end is None else end
    position = start
    while position < end:
        size, kind = struct.unpack(">I4s", data[position:position + 8])
        yield kind, position + 8, position + size
        if kind in (b"moov", b"trak", b"mdia", b"minf", b"stbl", b"udta"):
            yield from walk(data, position + 8, position + size)
        position += size


def chunk_offsets(data):
    """Each track's chunk offsets, in order."""
    tracks = []
    for kind, start, end in walk(data):
        if kind == b"stco":
            count = struct.unpack(">I", data[start + 4:start + 8])[0]
            tracks.append(list(struct.unpack(">%dI" % count, data[start + 8:start + 8 + 4 * count])))
        elif kind == b"co64":
            count = struct.unpack(">I", data[start + 4:start + 8])[0]
            tracks.append(list(struct.unpack(">%dQ" % count, data[start + 8:start + 8 + 8 * count])))
    return tracks


@pytest.mark.parametrize("moov_first", [True, False], ids=["moov before mdat", "moov after mdat"])
def test_a_phone_video_loses_its_metadata_and_its_chunks_still_point_at_the_same_bytes(tmp_path, moov_first):
    from app.core.files import _mp4_duration
    data, chunks = phone_mp4(moov_first)
    before = chunk_offsets(data)
    assert [data[o:o + len(c)] for o, c in zip(before[0] + before[1], chunks)] == chunks  # the builder is right

    stored = store(data, "VID_20250301.mp4", tmp_path, allowed={"video"}, max_seconds=300)

    kept = (tmp_path / stored.name).read_bytes()
    for trace in (GPS, OWNER, b"Clip 001", b"xmpmeta", XMP_UUID, b"udta", b"meta", b"\xa9xyz", b"free"):
        assert trace not in kept, trace
    assert len(kept) < len(data) and stored.size == len(kept)
    after = chunk_offsets(kept)
    assert [len(t) for t in after] == [3, 3]
    assert [kept[o:o + len(c)] for o, c in zip(after[0] + after[1], chunks)] == chunks
    if moov_first:
        assert after[0][0] < before[0][0]  # the moov shrank in front of the mdat: the offsets moved with it
    with open(tmp_path / stored.name, "rb") as f:
        assert _mp4_duration(f, len(kept)) == stored.duration == 12.5
    assert next(walk(kept))[0] == b"ftyp"


def test_a_video_whose_chunks_point_outside_its_media_data_is_refused(tmp_path):
    data, _ = phone_mp4()
    broken = data.replace(struct.pack(">I", chunk_offsets(data)[0][0]), struct.pack(">I", 20), 1)  # into the uuid box

    assert "không xóa được" in refused(broken, "a.mp4", tmp_path, allowed={"video"})


def test_a_video_with_a_timed_metadata_track_is_refused(tmp_path):
    data, _ = phone_mp4(handler=b"meta")  # e.g. an action camera's GPS track: its samples are in the mdat

    message = refused(data, "gopro.mp4", tmp_path, allowed={"video"})
    assert "vị trí" in message and "xuất lại" in message


def test_a_fragmented_video_is_refused_with_a_way_out(tmp_path):
    data = ftyp() + box(b"moov", mvhd(1000, 5000) + phone_udta()) + box(b"moof", b"\x00" * 16) + box(b"mdat", b"x")

    assert "xuất lại" in refused(data, "a.mp4", tmp_path, allowed={"video"})


# ---------------------------------------------------------------- removal


def test_remove_stored_deletes_the_file_and_its_thumbnail_and_ignores_missing_ones(tmp_path):
    first = store(jpeg_bytes((300, 200)), "a.jpg", tmp_path)
    second = store(jpeg_bytes((300, 200)), "b.jpg", tmp_path)

    storage = LocalStorage(tmp_path)
    assert len(list(tmp_path.iterdir())) == 4
    remove_stored("", first, storage)
    remove_stored("", [second.name], storage)
    remove_stored("", second, storage)  # already gone: no error

    assert list(tmp_path.iterdir()) == []


def test_remove_stored_refuses_a_name_that_could_leave_the_directory(tmp_path):
    with pytest.raises(ValueError):
        remove_stored("", "../etc/passwd", LocalStorage(tmp_path))


def test_stored_file_defaults():
    assert StoredFile("pdf", "application/pdf", "x.pdf", 1).duration is None

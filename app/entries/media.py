"""Phone videos and poster thumbnails: what Debian's ffmpeg and pypdfium2 make for an entry.

Phones record MOV (iPhone, H.264 or HEVC), MP4 with HEVC, 3GP (older Android) or WebM;
browsers play MP4 with H.264 video and AAC sound. `to_mp4` reads an uploaded video with
ffprobe and writes an MP4 that every browser plays: the streams copied when they already
are H.264 (8-bit 4:2:0) and AAC (a remux: seconds, nothing lost), else encoded with x264
(at most 1280 pixels a side) and AAC. Only the first picture and sound streams are kept,
without the container's metadata, chapters, subtitles or data tracks (an iPhone's GPS
track). The MP4 then goes through app.core.files' checks like any other.
`video_frame` takes the poster frame (JPEG) shown before a video plays and in the
gallery; `pdf_thumbnail` draws a poster PDF's first page.

ffmpeg reads hostile files here, so every run:
- names its demuxer from the file's first bytes (`-f mov`, `matroska` or `avi`), never
  lets ffmpeg guess: no playlist (HLS), concat list or image sequence that opens other files;
- reads local files only (`-protocol_whitelist file`, paths given as `file:`), and a MOV's
  data references to other files are not followed (`-enable_drefs 0`, the default, said);
- runs under `prlimit` (address space, CPU seconds, size of any file it writes) and a
  wall-clock timeout after which it is killed, with its output capped (`-fs`, `-t`).
A file ffprobe cannot read, or without a picture stream, is refused with a Vietnamese
message (FfmpegRefused, a DomainError).
"""
import io
import json
import logging
import os
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass

from flask import current_app, has_app_context
from PIL import Image

from app.core.errors import DomainError

log = logging.getLogger(__name__)

# Settings, each overridable in the app's config (create_app({...})).
DEFAULTS = {
    "ENTRY_FFMPEG": "ffmpeg",
    "ENTRY_FFPROBE": "ffprobe",
    "ENTRY_VIDEO_CONVERT_SECONDS": 1800,  # wall clock for one conversion; CPU time is twice that
    "ENTRY_VIDEO_PROBE_SECONDS": 60,
    "ENTRY_VIDEO_MEMORY_MB": 3072,  # address space of one ffmpeg (a 4K HEVC decode and x264 fit)
    "ENTRY_VIDEO_MAX_SIDE": 1280,  # an encoded video is scaled down to this many pixels on its long side
    "ENTRY_VIDEO_THREADS": 2,
}
FRAME_SIDE = 480  # the poster frame and PDF thumbnail, as the images' thumbnails (app.core.files.THUMB_SIDE)
MAX_SOURCE_SIDE = 8192  # a picture larger than 8K is no phone's: refused before it is decoded
PLAYABLE_PIXELS = {"yuv420p", "yuvj420p"}
VIDEO_FORMATS = "MP4, MOV (iPhone), 3GP, WebM, MKV hay AVI"
UNREADABLE = ("{subject} không đọc được như video ({formats}): tệp có thể bị hỏng, chưa tải lên hết, "
              "hoặc là định dạng khác. Hãy xuất lại video trên điện thoại (hoặc bằng CapCut…) rồi tải lên.")
NOT_A_VIDEO = "{subject} không phải video ({formats})."
NO_FFMPEG = ("Máy chủ chưa cài ffmpeg nên chưa chuyển được {subject} sang MP4: hãy tải lên video MP4 "
             "(H.264), hoặc báo quản trị hệ thống cài gói ffmpeg.")


class FfmpegRefused(DomainError):
    """A video ffmpeg cannot read or convert; the message says so in Vietnamese."""


def setting(name):
    if has_app_context():
        return current_app.config.get(name, DEFAULTS[name])
    return DEFAULTS[name]


def available():
    """True when ffmpeg and ffprobe are installed (Debian's `ffmpeg` package)."""
    return bool(shutil.which(setting("ENTRY_FFMPEG")) and shutil.which(setting("ENTRY_FFPROBE")))


def demuxer_of(head):
    """The ffmpeg demuxer for a video's first bytes, or None: ISO media (MP4, MOV, 3GP, M4V),
    Matroska (MKV, WebM) or AVI; anything else is not read."""
    if head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"):
        return "mov"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "matroska"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "avi"
    return None


def _input(demuxer, path):
    """The options before an input, and the input: the demuxer named, local files only."""
    options = ["-protocol_whitelist", "file", "-f", demuxer]
    if demuxer == "mov":
        options += ["-enable_drefs", "0", "-use_absolute_path", "0"]
    return options + ["-i", f"file:{os.path.abspath(path)}"]


def _limited(command, seconds, max_file_bytes):
    """The command under prlimit (when util-linux has it): memory, CPU seconds, file size."""
    prlimit = shutil.which("prlimit")
    if not prlimit:
        return command
    memory = int(setting("ENTRY_VIDEO_MEMORY_MB")) * 1024 * 1024
    return [prlimit, f"--as={memory}", f"--cpu={int(seconds * 2) + 5}", f"--fsize={int(max_file_bytes)}",
            "--", *command]


def _start(command, seconds, max_file_bytes, work):
    # a new session: a timeout kills ffmpeg and anything it started, not this process
    log_file = os.open(os.path.join(work, "ffmpeg.log"), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        return subprocess.Popen(_limited(command, seconds, max_file_bytes), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=log_file, cwd=work, start_new_session=True,
                                env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"})
    finally:
        os.close(log_file)  # the child has its own copy


def _kill(process):
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def _log_tail(work):
    try:
        with open(os.path.join(work, "ffmpeg.log"), "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 2000))
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


@dataclass
class VideoInfo:
    demuxer: str
    duration: float
    codec: str
    pixels: str
    width: int
    height: int
    audio: str | None  # the sound's codec, None without sound

    @property
    def playable(self):
        """Browsers play the picture as it is: H.264 in 8-bit 4:2:0."""
        return self.codec == "h264" and self.pixels in PLAYABLE_PIXELS

    @property
    def copies(self):
        """What `to_mp4` does: 'remux' (both streams copied), else 'encode'."""
        return "remux" if self.playable and self.audio in (None, "aac") else "encode"


def probe(path, demuxer, subject):
    """What ffprobe reads of the file: its length, picture and sound; FfmpegRefused when it
    cannot, or finds no picture."""
    unreadable = FfmpegRefused(UNREADABLE.format(subject=subject, formats=VIDEO_FORMATS))
    seconds = float(setting("ENTRY_VIDEO_PROBE_SECONDS"))
    command = [setting("ENTRY_FFPROBE"), "-v", "error", *_input(demuxer, path),
               "-show_entries", "format=duration:stream=codec_type,codec_name,pix_fmt,width,height,duration",
               "-of", "json"]
    with tempfile.TemporaryDirectory(prefix="ffprobe-") as work:
        process = _start(command, seconds, 1024 * 1024, work)
        try:
            output, _ = process.communicate(timeout=seconds)
        except subprocess.TimeoutExpired:
            _kill(process)
            log.warning("ffprobe timed out on %s", subject)
            raise unreadable from None
        if process.returncode != 0:
            log.info("ffprobe refused %s: %s", subject, _log_tail(work))
            raise unreadable
    try:
        found = json.loads(output or b"{}")
    except ValueError:
        raise unreadable from None
    streams = found.get("streams") or []
    video = next((s for s in streams if s.get("codec_type") == "video" and s.get("width")), None)
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    if video is None:
        raise unreadable
    durations = [_number(found.get("format", {}).get("duration"))] + [_number(s.get("duration")) for s in streams]
    duration = max([d for d in durations if d] or [0])
    if duration <= 0:
        raise FfmpegRefused(f"{subject}: không đọc được thời lượng video (tệp có thể bị hỏng).")
    width, height = int(video.get("width") or 0), int(video.get("height") or 0)
    if not 0 < max(width, height) <= MAX_SOURCE_SIDE:
        raise FfmpegRefused(f"{subject} có khung hình {width} × {height}, quá lớn: hãy xuất lại video ở 4K trở xuống.")
    return VideoInfo(demuxer, duration, video.get("codec_name") or "", video.get("pix_fmt") or "", width, height,
                     audio.get("codec_name") if audio else None)


def _number(value):
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number and number != float("inf") else None  # not NaN, not infinite


def to_mp4(source, info, target, *, max_seconds, max_bytes, subject, progress=None):
    """Write `source` (read with `info`) as an MP4 of H.264 and AAC to `target`; `progress(done,
    total)` in seconds of video. FfmpegRefused when ffmpeg fails, is too slow, or the MP4
    would pass `max_bytes`."""
    limit = float(setting("ENTRY_VIDEO_CONVERT_SECONDS"))
    threads = str(int(setting("ENTRY_VIDEO_THREADS")))
    side = int(setting("ENTRY_VIDEO_MAX_SIDE"))
    length = min(info.duration, max_seconds or info.duration)
    command = [setting("ENTRY_FFMPEG"), "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
               "-threads", threads, *_input(info.demuxer, source),
               "-map", "0:v:0", "-map", "0:a:0?", "-map_metadata", "-1", "-map_chapters", "-1", "-dn", "-sn",
               "-t", f"{length + 1:.3f}"]
    if info.playable:
        command += ["-c:v", "copy"]
    else:
        command += ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p",
                    "-profile:v", "high", "-fpsmax", "60", "-threads", threads,
                    "-vf", f"scale=w='min({side},iw)':h='min({side},ih)':force_original_aspect_ratio=decrease"
                           ":force_divisible_by=2"]
    command += ["-c:a", "copy"] if info.audio in (None, "aac") else ["-c:a", "aac", "-b:a", "128k", "-ac", "2"]
    command += ["-movflags", "+faststart", "-fs", str(int(max_bytes)), "-f", "mp4",
                "-progress", "pipe:1", "-nostats", f"file:{os.path.abspath(target)}"]
    failed = FfmpegRefused(UNREADABLE.format(subject=subject, formats=VIDEO_FORMATS))
    with tempfile.TemporaryDirectory(prefix="ffmpeg-") as work:
        process = _start(command, limit, max_bytes + 16 * 1024 * 1024, work)
        if not _follow(process, limit, length, progress):
            log.warning("ffmpeg took longer than %s s on %s", limit, subject)
            raise FfmpegRefused(f"{subject}: chuyển đổi video lâu quá {int(limit // 60)} phút nên đã dừng. "
                                "Hãy xuất lại video ngắn hơn hoặc ở độ phân giải thấp hơn (1080p) rồi tải lên.")
        if process.returncode != 0:
            log.info("ffmpeg failed (%s) on %s: %s", process.returncode, subject, _log_tail(work))
            raise failed
    size = os.path.getsize(target) if os.path.exists(target) else 0
    if size == 0:
        raise failed
    if size >= max_bytes:
        raise FfmpegRefused(f"{subject}: video sau khi chuyển sang MP4 lớn hơn {max_bytes // (1024 * 1024)} MB cho "
                            "phép. Hãy xuất lại video ngắn hơn hoặc ở độ phân giải thấp hơn.")


def _follow(process, limit, length, progress):
    """Read ffmpeg's -progress lines until it ends, calling `progress` in this thread (it may
    commit: the database session belongs to this thread); False when `limit` seconds passed."""
    lines = queue.Queue()

    def read():
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    reader = threading.Thread(target=read, name="ffmpeg-progress", daemon=True)
    reader.start()
    deadline = time.monotonic() + limit
    total = max(1, int(round(length)))
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            _kill(process)
            reader.join(5)
            process.stdout.close()
            return False
        try:
            line = lines.get(timeout=min(left, 1.0))
        except queue.Empty:
            continue
        if line is None:
            break
        key, _, value = line.decode("ascii", "replace").strip().partition("=")
        if key == "out_time_us" and progress is not None:
            seconds = _number(value)
            if seconds is not None and seconds >= 0:
                progress(min(total, int(seconds / 1_000_000)), total)
    try:
        process.wait(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        _kill(process)
        return False
    finally:
        reader.join(5)
        process.stdout.close()
    return True


def video_frame(path, duration):
    """A JPEG of the MP4 `path` (one that `to_mp4` wrote) about a second in, at most
    FRAME_SIDE pixels a side, turned as the phone held it; None when none can be taken."""
    at = max(0.0, min(1.0, duration / 3)) if duration else 0.0
    with tempfile.TemporaryDirectory(prefix="frame-") as work:
        target = os.path.join(work, "frame.jpg")
        command = [setting("ENTRY_FFMPEG"), "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
                   "-ss", f"{at:.3f}", *_input("mov", path), "-frames:v", "1", "-an",
                   "-vf", f"scale=w='min({FRAME_SIDE},iw)':h='min({FRAME_SIDE},ih)'"
                          ":force_original_aspect_ratio=decrease",
                   "-f", "image2", "-update", "1", "-c:v", "mjpeg", "-q:v", "3", f"file:{target}"]
        process = _start(command, 60, 16 * 1024 * 1024, work)
        try:
            process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            _kill(process)
            return None
        if process.returncode != 0 or not os.path.exists(target):
            log.info("no poster frame: %s", _log_tail(work))
            return None
        return _jpeg(target)


def _jpeg(source):
    """The image decoded and written again as a plain JPEG (nothing of the source's but pixels)."""
    try:
        with Image.open(source) as image:
            image.load()
            out = io.BytesIO()
            image.convert("RGB").save(out, "JPEG", quality=85)
            return out.getvalue()
    except (OSError, ValueError, Image.DecompressionBombError):
        return None


_pdfium_lock = threading.Lock()  # PDFium is not thread-safe; a threaded web worker may render two at once


def pdf_thumbnail(data):
    """The first page of a PDF (already checked by app.core.files) as a JPEG at most
    FRAME_SIDE pixels a side, on white; None when PDFium cannot draw it."""
    import pypdfium2
    with _pdfium_lock:
        try:
            document = pypdfium2.PdfDocument(data)
        except Exception:  # noqa: BLE001 - PdfiumError and its kin: no thumbnail, the poster stays
            log.info("PDFium could not open a poster", exc_info=True)
            return None
        try:
            page = document[0]
            width, height = page.get_size()
            if not (width > 0 and height > 0):
                return None
            bitmap = page.render(scale=FRAME_SIDE / max(width, height), fill_color=(255, 255, 255, 255))
            image = bitmap.to_pil().convert("RGB")
        except Exception:  # noqa: BLE001 - as above
            log.info("PDFium could not draw a poster's first page", exc_info=True)
            return None
        finally:
            document.close()
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()

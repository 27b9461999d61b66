"""Certificate bundles: which certificates a download or a print run holds, what its
files are called, and the files themselves: a merged PDF or a ZIP of one PDF per
certificate written to a binary file, or a directory of one merged PDF per school.

Plain functions over a template and a select of certificates, for the web download,
`flask certificates export` and a background job alike: no request, no response.
Writers take an optional `progress(done, total)`, called with done=0 before the
first item and again after each one.

The directory export can resume: each school's file is written beside its final
name and moved into place when complete, and a manifest records which certificates
(and so which revocations) each file holds; a second run skips the files that are
still up to date and redoes the rest."""
import hashlib
import io
import json
import os
import zipfile
from dataclasses import dataclass, field

from sqlalchemy import func, select

from app.certificates import services
from app.certificates.models import Certificate
from app.certificates.render import CertificateRenderer
from app.core.errors import DomainError
from app.core.text import file_safe
from app.extensions import db
from app.org.models import SchoolClass, Unit

MANIFEST = "manifest.json"
NOTHING_TO_DOWNLOAD = "Không có giấy nào để tải."
MIMETYPES = {"pdf": "application/pdf", "zip": "application/zip"}


# Choosing -------------------------------------------------------------------------------

def valid_certificates(template, visible, *, school_id=None, class_id=None):
    """The valid certificates of `template` among `visible` (a select of Certificate:
    `access.certificates_query(user)`, or `select(Certificate)` for all of them),
    narrowed to a school and to a class when given. A select; `load` reads it."""
    query = visible.where(Certificate.template_id == template.id, Certificate.revoked_at.is_(None))
    if class_id:
        query = query.where(Certificate.class_id == class_id)
    if school_id:
        query = query.where(Certificate.school_id == school_id)
    return query


def load(query):
    """The certificates of a select, in print order."""
    return services.print_order(db.session.execute(query).scalars().all())


def download_groups(template, visible, *, by_class=True, school_id=None):
    """The downloads offered for the certificates of `template` among `visible`: a row
    per school with more than one class, then (by_class) a row per class, each with its
    valid and revoked counts and its `narrowing` (the school_id / class_id to pass to
    `valid_certificates`); only school_id's rows when given."""
    query = visible.where(Certificate.template_id == template.id)
    if school_id:
        query = query.where(Certificate.school_id == school_id)
    listed = query.subquery()
    rows = db.session.execute(
        select(listed.c.school_id, listed.c.school_name, listed.c.class_id, listed.c.class_name,
               func.count().filter(listed.c.revoked_at.is_(None)).label("valid"),
               func.count().filter(listed.c.revoked_at.is_not(None)).label("revoked"))
        .group_by(listed.c.school_id, listed.c.school_name, listed.c.class_id, listed.c.class_name)
        .order_by(listed.c.school_name, listed.c.class_name)).all()
    per_school = {}
    for r in rows:
        per_school.setdefault(r.school_id, []).append(r)
    out = []
    for school, classes in per_school.items():
        if school is not None and (len(classes) > 1 or not by_class):
            out.append(dict(school=classes[0].school_name, label="Cả trường", whole=True, school_id=school,
                            valid=sum(c.valid for c in classes), revoked=sum(c.revoked for c in classes),
                            narrowing={"school_id": school}))
        for c in classes if by_class or school is None else ():
            narrowing = {"class_id": c.class_id} if c.class_id else {"school_id": school} if school else {}
            out.append(dict(school="" if len(classes) > 1 and school is not None else c.school_name,
                            label=c.class_name or "—", whole=False, school_id=None, valid=c.valid, revoked=c.revoked,
                            narrowing=narrowing))
    return out


# Naming ---------------------------------------------------------------------------------

def bundle_name(code, school_id=None, class_id=None):
    """The file name (without extension) of a contest's bundle narrowed to a school or a
    class. Only a name: the bundle holds what `valid_certificates` chose, and a narrowing
    the user sees nothing of is refused before the name is used."""
    name = file_safe(code)
    if class_id:
        school_class = db.session.get(SchoolClass, class_id)
        name += "_" + file_safe(school_class.name if school_class else str(class_id))
    if school_id:
        school = db.session.get(Unit, school_id)
        name += "_" + file_safe(school.code or school.name if school else str(school_id))
    return name


def certificate_file_name(cert):
    """'10A1_Nguyen_Thi_Phuong_Thao_DVC2026-2026-00012.pdf': class and name without
    diacritics (what every unzip tool reads); the PDF inside has them."""
    person = file_safe(cert.recipient_name, 60)
    if cert.class_name:
        return f"{file_safe(cert.class_name, 20)}_{person}_{cert.serial}.pdf"
    return f"{person}_{cert.serial}.pdf"


def zip_member_name(cert):
    """A certificate's file inside a ZIP: in a folder of its class when it has one."""
    name = certificate_file_name(cert)
    return f"{file_safe(cert.class_name, 20)}/{name}" if cert.class_name else name


def school_file_name(school_id, school):
    """A school's merged PDF in a print run ('TA_Truong_THPT_A.pdf'); `school` is the
    unit row (code, name) or None when it is gone; school_id None: units' prizes."""
    if school_id is None:
        return "don-vi-tap-the.pdf"
    if school is None:
        return f"{school_id}.pdf"
    return f"{file_safe(school.code or str(school_id), 20)}_{file_safe(school.name, 60)}.pdf"


# Writing --------------------------------------------------------------------------------

def _silent(done, total):
    pass


def renderer_for(template):
    """The template's renderer, with its uploaded images (none before it is saved)."""
    return CertificateRenderer(template, services.verify_url, services.image_dir(template) if template.id else None)


def write_pdf(renderer, certificates, out, progress=None):
    """One merged PDF, a page per certificate in the order given, into the binary file `out`."""
    progress = progress or _silent
    progress(0, len(certificates))
    renderer.write(certificates, out, progress=progress)


def write_zip(renderer, certificates, out, progress=None):
    """A ZIP of one PDF per certificate, in the order given, into the binary file `out`."""
    progress = progress or _silent
    total = len(certificates)
    progress(0, total)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for done, cert in enumerate(certificates, 1):
            page = io.BytesIO()
            renderer.write([cert], page)
            archive.writestr(zip_member_name(cert), page.getvalue())
            progress(done, total)


WRITERS = {"pdf": write_pdf, "zip": write_zip}


def write_bundle(template, query, kind, out, progress=None):
    """The certificates of `query` (see `valid_certificates`) in print order as `kind`
    ("pdf": merged, "zip": one file each) into the binary file `out`; returns how many.
    An empty selection is refused before anything is written."""
    certificates = load(query)
    if not certificates:
        raise DomainError(NOTHING_TO_DOWNLOAD)
    WRITERS[kind](renderer_for(template), certificates, out, progress)
    return len(certificates)


# A print run: one merged PDF per school -----------------------------------------------

@dataclass
class SchoolFile:
    """One file of a print run: a school's valid certificates (school_id None: the
    units' collective prizes), as serials and ids in issuing order."""
    name: str
    school_id: int | None
    serials: list = field(default_factory=list)
    ids: list = field(default_factory=list)

    @property
    def fingerprint(self):
        """What the manifest keeps: the file is up to date while it holds the same serials."""
        return hashlib.sha256("\n".join(self.serials).encode()).hexdigest()


def school_files(template):
    """The files of a print run of the template's valid certificates, one per school,
    by file name, the units' file last. Reads ids only: a province is large."""
    query = (valid_certificates(template, select(Certificate))
             .with_only_columns(Certificate.school_id, Certificate.serial, Certificate.id)
             .order_by(Certificate.school_id, Certificate.seq))
    by_school = {}
    for school_id, serial, cert_id in db.session.execute(query).all():
        by_school.setdefault(school_id, []).append((serial, cert_id))
    schools = {row.id: row for row in db.session.execute(select(Unit.id, Unit.code, Unit.name).where(
        Unit.id.in_([s for s in by_school if s is not None]))).all()}
    files = [SchoolFile(school_file_name(school_id, schools.get(school_id)), school_id,
                        [serial for serial, _ in certs], [cert_id for _, cert_id in certs])
             for school_id, certs in by_school.items()]
    return sorted(files, key=lambda f: (f.school_id is None, f.name))


def write_school_files(template, files, out_dir, progress=None):
    """Write `files` (from `school_files`) into the directory `out_dir` (a Path), skipping
    those the manifest shows up to date; `progress` counts files. Returns the counts
    written, skipped and certificates."""
    progress = progress or _silent
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest_path = out_dir / MANIFEST
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    renderer = renderer_for(template)
    counts = {"written": 0, "skipped": 0, "certificates": sum(len(f.ids) for f in files)}
    progress(0, len(files))
    for done, school_file in enumerate(files, 1):
        name, fingerprint = school_file.name, school_file.fingerprint
        if manifest.get(name) == fingerprint and (out_dir / name).exists():
            counts["skipped"] += 1
        else:
            rows = load(select(Certificate).where(Certificate.id.in_(school_file.ids)))
            partial = out_dir / (name + ".part")
            with open(partial, "wb") as out:
                write_pdf(renderer, rows, out)
            os.replace(partial, out_dir / name)
            manifest[name] = fingerprint
            manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True))
            for row in rows:  # a province is large: keep the session small
                db.session.expunge(row)
            counts["written"] += 1
        progress(done, len(files))
    return counts

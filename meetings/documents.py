"""The published minutes and the notice as stored, checksummed PDF/A files, one per version.

`publish_minutes_document` stores the minutes once they are published (and again after a
formal correction or a change to a case on the agenda); `publish_notice_documents` the notice
once it or a supplementary notice is sent (and again after a case change), in the public
version and the members' version. Requests never call them: they enqueue the tasks in
`meetings/tasks.py`, which the task worker runs (ADR 0009); the commands `render_minutes_pdfs`
and `render_notice_pdfs` call them directly. A new version is rendered only when the document
would read differently from the latest stored one; that is decided on a hash of the HTML, so
an unchanged document is never laid out twice. The file is written under a temporary name and
renamed into place, so a half-written file can never be served, and its SHA-256 is taken of
the bytes on disk. Downloads are served from storage (`meetings/views/documents.py`), never
re-rendered.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cooperation.domain import DomainError

from .models import Meeting

SHA256_LENGTH = 64
NORWEGIAN_LETTERS = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "Æ": "Ae", "Ø": "O", "Å": "A"})


def minutes_folder(meeting_id: int) -> str:
    return f"minutes/{meeting_id}/"


def minutes_path(document: MinutesDocument, filename: str) -> str:
    return minutes_folder(document.meeting_id) + filename


class MinutesDocument(models.Model):
    """One stored version of a meeting's published minutes as PDF/A, with its checksum."""

    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.CASCADE,
        related_name="minutes_documents",
        verbose_name=_("meeting"),
    )
    version = models.PositiveIntegerField(_("version"))
    file = models.FileField(_("file"), upload_to=minutes_path, max_length=300)
    sha256 = models.CharField(_("SHA-256"), max_length=SHA256_LENGTH)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    # The hash of the HTML the PDF was made from: unchanged minutes are never rendered again.
    html_sha256 = models.CharField(_("SHA-256 of the source"), max_length=SHA256_LENGTH)
    created = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("minutes document")
        verbose_name_plural = _("minutes documents")
        ordering = ["meeting", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "version"], name="unique_minutes_document_version"
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1), name="minutes_document_version_from_1"
            ),
            models.CheckConstraint(
                condition=Q(Exact(Length("sha256"), SHA256_LENGTH))
                & Q(Exact(Length("html_sha256"), SHA256_LENGTH)),
                name="minutes_document_sha256_length",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting} v{self.version}"

    @property
    def download_name(self) -> str:
        """E.g. referat-styret-2026-12-10.pdf; a later version says which it is."""
        return download_name("referat", self.meeting, self.version)


def notice_folder(meeting_id: int, audience: str) -> str:
    return f"notices/{meeting_id}/{audience}/"


def notice_path(document: NoticeDocument, filename: str) -> str:
    return notice_folder(document.meeting_id, document.audience) + filename


class NoticeDocument(models.Model):
    """One stored version of a meeting's notice (innkalling, agenda and case documents) as
    PDF/A, for the public or for the members, with its checksum."""

    class Audience(models.TextChoices):
        # Exempt items show their public title and legal basis only.
        PUBLIC = "public", _("the public")
        # Full titles and the case documents of exempt cases: for the body and its secretariat.
        MEMBERS = "members", _("the members")

    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.CASCADE,
        related_name="notice_documents",
        verbose_name=_("meeting"),
    )
    audience = models.CharField(_("audience"), max_length=10, choices=Audience)
    version = models.PositiveIntegerField(_("version"))
    file = models.FileField(_("file"), upload_to=notice_path, max_length=300)
    sha256 = models.CharField(_("SHA-256"), max_length=SHA256_LENGTH)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    # The hash of the HTML the PDF was made from: an unchanged notice is never rendered again.
    html_sha256 = models.CharField(_("SHA-256 of the source"), max_length=SHA256_LENGTH)
    created = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("notice document")
        verbose_name_plural = _("notice documents")
        ordering = ["meeting", "audience", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "audience", "version"], name="unique_notice_document_version"
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1), name="notice_document_version_from_1"
            ),
            models.CheckConstraint(
                condition=Q(audience__in=["public", "members"]),
                name="notice_document_audience_known",
            ),
            models.CheckConstraint(
                condition=Q(Exact(Length("sha256"), SHA256_LENGTH))
                & Q(Exact(Length("html_sha256"), SHA256_LENGTH)),
                name="notice_document_sha256_length",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting} {self.audience} v{self.version}"

    @property
    def download_name(self) -> str:
        """E.g. innkalling-styret-2026-12-10.pdf, innkalling-styret-2026-12-10-medlemmer-v2.pdf."""
        suffix = "medlemmer" if self.audience == self.Audience.MEMBERS else ""
        return download_name("innkalling", self.meeting, self.version, suffix=suffix)


def download_name(kind: str, meeting: Meeting, version: int, *, suffix: str = "") -> str:
    """kind-body-date[-suffix][-vN].pdf, in ASCII, for a meeting's document."""
    body = slugify(meeting.body.name.translate(NORWEGIAN_LETTERS)) or "mote"
    day = timezone.localtime(meeting.start).date().isoformat()
    parts = [kind, body, day, suffix, f"v{version}" if version > 1 else ""]
    return "-".join(part for part in parts if part) + ".pdf"


def publish_minutes_document(meeting: Meeting) -> MinutesDocument:
    """Store the published minutes as a new PDF/A version, unless the latest stored version
    was made from the same text; return the latest version either way."""
    from . import pdf  # WeasyPrint is loaded on the first render only

    meeting = _as_it_is_now(meeting)
    if not meeting.minutes_are_public:
        raise DomainError(gettext("Only published minutes are stored as a PDF document."))
    document = store_version(
        MinutesDocument.objects.filter(meeting=meeting),
        html=lambda: pdf.minutes_html(_as_it_is_now(meeting)),
        folder=minutes_folder(meeting.pk),
        meeting=meeting,
    )
    document.meeting = meeting
    return document


def publish_notice_documents(meeting: Meeting) -> dict[str, NoticeDocument]:
    """Store the notice as a new PDF/A version for the public and one for the members, each
    unless its latest stored version was made from the same text; return the latest version
    of each, by audience."""
    from . import pdf  # WeasyPrint is loaded on the first render only

    meeting = _as_it_is_now(meeting)
    if meeting.notice_sent_at is None:
        raise DomainError(gettext("Only a notice that has been sent is stored as a PDF document."))
    documents = {}
    for audience in NoticeDocument.Audience:
        members = audience == NoticeDocument.Audience.MEMBERS
        document = store_version(
            NoticeDocument.objects.filter(meeting=meeting, audience=audience),
            html=lambda members=members: pdf.notice_html(_as_it_is_now(meeting), members=members),
            folder=notice_folder(meeting.pk, audience),
            meeting=meeting,
            audience=audience,
        )
        document.meeting = meeting
        documents[audience] = document
    return documents


def _as_it_is_now(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_related("body__cooperation").get(pk=meeting.pk)


# How often a render is made again when the record changed while it was laid out.
RENDER_ATTEMPTS = 3


def store_version(
    versions: models.QuerySet, *, html: Callable[[], str], folder: str, **fields
) -> MinutesDocument | NoticeDocument:
    """Render the document's html (built afresh by `html()`) and store it as the next version
    among `versions` (one meeting's documents of one kind, created with `fields`), unless the
    latest was made from the same html.

    A render reads the record before it lays the document out, and takes a second or two: if
    the record changed meanwhile, a newer render may already have stored the newer text, and
    ours must not become the latest. So the html is built again under the meeting's lock
    before a version is recorded, and a render of an older text is thrown away and made
    again from the record as it is then."""
    for _attempt in range(RENDER_ATTEMPTS):
        source = html()
        html_sha256 = hashlib.sha256(source.encode()).hexdigest()
        latest = versions.order_by("-version").first()
        if latest and latest.html_sha256 == html_sha256:
            return latest
        winner = _render_and_store(versions, source, html_sha256, html, folder, fields)
        if winner is not None:
            return winner
    raise DomainError(
        gettext("The document kept changing while it was made; it will be made again.")
    )


def _render_and_store(
    versions: models.QuerySet,
    source: str,
    html_sha256: str,
    html: Callable[[], str],
    folder: str,
    fields: dict,
) -> MinutesDocument | NoticeDocument | None:
    """Lay out `source` and record it as the next version; None when the record no longer
    reads as `source` (nothing is recorded, the file is removed)."""
    from . import pdf

    # Laid out outside any transaction: a render takes up to a second or two, and a lock
    # (on SQLite: the whole database) must not be held that long.
    content = pdf.html_to_pdf(source)
    sha256 = hashlib.sha256(content).hexdigest()
    # Named by content: the name is known before the version is, and two renders never
    # write to the same name.
    name = f"{folder}{sha256}.pdf"
    storage = versions.model.file.field.storage
    stored_sha256, size = store_atomically(storage, name, content)
    if stored_sha256 != sha256:
        storage.delete(name)
        raise OSError(f"{name} was stored with other bytes than were rendered")
    with transaction.atomic():
        # Two publishers at once: the row lock orders them, and the second finds the first's
        # version (the unique constraint on the version is the last line of defence). Every
        # change to the public record rebuilds its search rows under a lock of its own and
        # asks for a render; the meeting's lock is what a render's record orders against.
        Meeting.objects.select_for_update(no_key=True).only("pk").get(pk=fields["meeting"].pk)
        latest = versions.order_by("-version").first()
        if latest and latest.html_sha256 == html_sha256:
            winner = latest
        elif html() != source:
            winner = None  # the record changed while we rendered: ours is of an older text
        else:
            winner = versions.model.objects.create(
                version=(latest.version + 1) if latest else 1,
                file=name,
                sha256=sha256,
                size=size,
                html_sha256=html_sha256,
                **fields,
            )
    # Another publisher stored the same text first, or ours is stale: our file goes, unless an
    # earlier version had the very same bytes (the text changed back).
    ours_unused = winner is None or winner.file.name != name
    if ours_unused and not versions.model.objects.filter(file=name).exists():
        storage.delete(name)
    return winner


def store_atomically(storage: Storage, name: str, content: bytes) -> tuple[str, int]:
    """Write content under name so that the name never shows a partial file; return the
    SHA-256 and the size of what storage then holds, read back."""
    if isinstance(storage, FileSystemStorage):
        final = storage.path(name)
        directory = os.path.dirname(final)
        os.makedirs(directory, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".partial-", suffix=".pdf")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(content)
                file.flush()
                os.fsync(file.fileno())
            os.chmod(temporary, storage.file_permissions_mode or 0o644)
            # Same directory, so the same file system: the rename is atomic.
            os.replace(temporary, final)
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise
        # The rename itself survives a crash only once the directory is on disk.
        folder = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
    else:
        # Object stores (S3 and the like) make an upload visible only once it is complete.
        saved = storage.save(name, ContentFile(content))
        if saved != name:
            raise SuspiciousFileOperation(f"Storage renamed {name} to {saved}")
    digest = hashlib.sha256()
    size = 0
    with storage.open(name, "rb") as stored:
        for chunk in iter(lambda: stored.read(1 << 16), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size

"""The published minutes as stored, checksummed PDF/A files: one file per version.

`publish_minutes_document` is called when minutes are published (and again after a formal
correction). It renders a new version only when the minutes document would read differently
from the latest stored one; that is decided on a hash of the HTML, so unchanged minutes are
never laid out twice. The file is written under a temporary name and renamed into place, so
a half-written file can never be served, and its SHA-256 is taken of the bytes on disk.
Downloads are served from storage (`meetings/views/documents.py`), never re-rendered.
"""

from __future__ import annotations

import hashlib
import os
import tempfile

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
        meeting = self.meeting
        body = slugify(meeting.body.name.translate(NORWEGIAN_LETTERS)) or "mote"
        day = timezone.localtime(meeting.start).date().isoformat()
        suffix = f"-v{self.version}" if self.version > 1 else ""
        return f"referat-{body}-{day}{suffix}.pdf"


def publish_minutes_document(meeting: Meeting) -> MinutesDocument:
    """Store the published minutes as a new PDF/A version, unless the latest stored version
    was made from the same text; return the latest version either way."""
    from . import pdf  # WeasyPrint is loaded on the first render only

    meeting = Meeting.objects.select_related("body__cooperation").get(pk=meeting.pk)
    if not meeting.minutes_are_public:
        raise DomainError(gettext("Only published minutes are stored as a PDF document."))
    html = pdf.minutes_html(meeting)
    html_sha256 = hashlib.sha256(html.encode()).hexdigest()
    latest = MinutesDocument.objects.filter(meeting=meeting).order_by("-version").first()
    if latest and latest.html_sha256 == html_sha256:
        latest.meeting = meeting
        return latest

    # Laid out outside any transaction: a render takes up to a second or two, and a lock
    # (on SQLite: the whole database) must not be held that long.
    content = pdf.html_to_pdf(html)
    sha256 = hashlib.sha256(content).hexdigest()
    # Named by content: the name is known before the version is, and two renders never
    # write to the same name.
    name = f"{minutes_folder(meeting.pk)}{sha256}.pdf"
    storage = MinutesDocument.file.field.storage
    stored_sha256, size = store_atomically(storage, name, content)
    if stored_sha256 != sha256:
        storage.delete(name)
        raise OSError(f"{name} was stored with other bytes than were rendered")
    with transaction.atomic():
        # Two publishers at once: the row lock orders them, and the second finds the first's
        # version (the unique constraint on meeting and version is the last line of defence).
        Meeting.objects.select_for_update(no_key=True).only("pk").get(pk=meeting.pk)
        latest = MinutesDocument.objects.filter(meeting=meeting).order_by("-version").first()
        if latest and latest.html_sha256 == html_sha256:
            winner = latest
        else:
            winner = MinutesDocument.objects.create(
                meeting=meeting,
                version=(latest.version + 1) if latest else 1,
                file=name,
                sha256=sha256,
                size=size,
                html_sha256=html_sha256,
            )
    if winner.file.name != name:
        # Another publisher stored the same text first; nothing refers to our file.
        storage.delete(name)
    winner.meeting = meeting
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

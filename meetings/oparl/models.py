"""What the OParl API keeps of its own: tombstones of withdrawn objects, and file checksums.

OParl forbids plain deletion: an object the API once published keeps answering, as
`deleted: true`, so that clients syncing with `modified_since` learn that it is gone
(OParl 1.1, "Gelöschte Objekte"). Our domain tables forget deleted rows, and a row that is
still there may have left publication (an attachment made exempt), so the API records
withdrawals here. `withdrawals.recording_withdrawals` fills the table; nothing else does.
"""

from __future__ import annotations

import hashlib

from django.db import models
from django.utils import timezone

from cases.models import Attachment
from cooperation.models import Cooperation
from meetings.documents import NoticeDocument
from meetings.models import MinutesDocument


class Tombstone(models.Model):
    """An object the API published once and no longer does; it answers `deleted: true`."""

    class Kind(models.TextChoices):
        ORGANIZATION = "organization"
        MEMBER_ORGANIZATION = "member-organization"
        PERSON = "person"
        MEMBERSHIP = "membership"
        MEETING = "meeting"
        LOCATION = "location"
        AGENDA_ITEM = "agenda-item"
        CONSULTATION = "consultation"
        PAPER = "paper"
        DOCUMENT = "document"
        FILE = "file"
        MINUTES = "minutes"
        NOTICE = "notice"

    kind = models.CharField(max_length=30, choices=Kind)
    object_id = models.PositiveBigIntegerField()
    # The OParl Body (our cooperation) whose lists show the deleted object.
    cooperation = models.ForeignKey(Cooperation, on_delete=models.CASCADE, related_name="+")
    # A deleted object keeps its `created`; its `modified` becomes the moment of deletion.
    created = models.DateTimeField()
    deleted_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Where the object was embedded or listed: those objects count as modified when it goes
    # (OParl 1.1 requires it). Plain ids, because those rows may be deleted too.
    in_meeting = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    in_paper = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    in_person = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    in_organization = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    # What the OParl schema requires even of a deleted object, as it was: an AgendaItem's
    # `order`, a File's `accessUrl` (a path on this site).
    kept = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="oparl_one_tombstone")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} (withdrawn {self.deleted_at:%Y-%m-%d %H:%M})"


class FileChecksum(models.Model):
    """The SHA-512 of an attachment's file, computed once (`manage.py oparl_checksums`).

    It is served only while the attachment still has the file it was computed from.
    """

    attachment = models.OneToOneField(
        Attachment, on_delete=models.CASCADE, primary_key=True, related_name="oparl_checksum"
    )
    file_name = models.CharField(max_length=500)
    size = models.PositiveBigIntegerField()
    sha512 = models.CharField(max_length=128)
    computed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.file_name} {self.sha512[:12]}…"

    def matches(self, attachment: Attachment) -> bool:
        return self.file_name == attachment.file.name and self.size == attachment.size

    @classmethod
    def compute(cls, attachment: Attachment) -> FileChecksum:
        """Read the attachment's file and store its checksum; raises OSError if it is missing."""
        digest = hashlib.sha512()
        with attachment.file.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        checksum, _created = cls.objects.update_or_create(
            attachment=attachment,
            defaults={
                "file_name": attachment.file.name,
                "size": attachment.size,
                "sha512": digest.hexdigest(),
                "computed_at": timezone.now(),
            },
        )
        return checksum


class StoredPdfChecksum(models.Model):
    """The SHA-512 of one stored version of a meeting's PDF (OParl's `sha512Checksum`).

    Our stored PDFs carry a SHA-256 (`meetings/documents.py`); OParl 1.1 knows SHA-1 and
    SHA-512 only. A version's file never changes (it is named by its SHA-256), so this is
    computed once (`manage.py oparl_checksums`) and never goes stale. One concrete model per
    kind of stored PDF, each with a one-to-one `document`.
    """

    sha512 = models.CharField(max_length=128)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.document} {self.sha512[:12]}…"

    @classmethod
    def compute(cls, document: models.Model) -> StoredPdfChecksum:
        """Read the document's file and store its checksum; raises OSError if it is missing."""
        digest = hashlib.sha512()
        with document.file.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        checksum, _created = cls.objects.update_or_create(
            document=document,
            defaults={"sha512": digest.hexdigest(), "computed_at": timezone.now()},
        )
        return checksum


class MinutesChecksum(StoredPdfChecksum):
    """The SHA-512 of a stored version of the published minutes."""

    document = models.OneToOneField(
        MinutesDocument, on_delete=models.CASCADE, primary_key=True, related_name="oparl_checksum"
    )


class NoticeChecksum(StoredPdfChecksum):
    """The SHA-512 of a stored version of the notice; computed for the public version only
    (the members' version is never published)."""

    document = models.OneToOneField(
        NoticeDocument, on_delete=models.CASCADE, primary_key=True, related_name="oparl_checksum"
    )

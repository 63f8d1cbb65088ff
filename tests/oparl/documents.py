"""Stored minutes and notice PDFs for the OParl tests, without laying out a PDF (WeasyPrint
takes seconds): the bytes are stored as `meetings/documents.py` stores them."""

from __future__ import annotations

import hashlib

from meetings.documents import (
    NoticeDocument,
    minutes_folder,
    notice_folder,
    store_atomically,
)
from meetings.models import Meeting, MinutesDocument


def store_minutes(meeting: Meeting, content: bytes = b"%PDF-1.7 referat") -> MinutesDocument:
    """A new version of the meeting's minutes PDF holding `content`."""
    latest = MinutesDocument.objects.filter(meeting=meeting).order_by("-version").first()
    version = latest.version + 1 if latest else 1
    sha256 = hashlib.sha256(content).hexdigest()
    name = f"{minutes_folder(meeting.pk)}{sha256}.pdf"
    store_atomically(MinutesDocument.file.field.storage, name, content)
    return MinutesDocument.objects.create(
        meeting=meeting,
        version=version,
        file=name,
        sha256=sha256,
        size=len(content),
        html_sha256=hashlib.sha256(b"html %d" % version).hexdigest(),
    )


def store_notice(
    meeting: Meeting,
    content: bytes = b"%PDF-1.7 innkalling",
    audience: str = NoticeDocument.Audience.PUBLIC,
) -> NoticeDocument:
    """A new version of the meeting's notice PDF for `audience`, holding `content`."""
    versions = NoticeDocument.objects.filter(meeting=meeting, audience=audience)
    latest = versions.order_by("-version").first()
    version = latest.version + 1 if latest else 1
    sha256 = hashlib.sha256(content).hexdigest()
    name = f"{notice_folder(meeting.pk, audience)}{sha256}.pdf"
    store_atomically(NoticeDocument.file.field.storage, name, content)
    return NoticeDocument.objects.create(
        meeting=meeting,
        audience=audience,
        version=version,
        file=name,
        sha256=sha256,
        size=len(content),
        html_sha256=hashlib.sha256(b"html %s %d" % (audience.encode(), version)).hexdigest(),
    )

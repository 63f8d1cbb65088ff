"""The published minutes and the notice as tagged PDF/A, laid out for the archive.

`minutes_html` builds the minutes from exactly what the public meeting page shows
(`meeting_page_context`), so an exempt item carries its public title and legal basis only.
`notice_html` builds the notice (innkalling: the meeting, the agenda and each case document)
in two versions: the public one, in which an exempt item is its public title and legal basis
as on the meeting page, and the members' one, with full titles and the exempt documents.
`html_to_pdf` turns either into PDF/A-2a with WeasyPrint. Building and rendering are separate
so that the caller can hash the HTML and render only when it changed (`meetings/documents.py`).

WeasyPrint is imported on the first render: the import costs about half a second, which
a warm worker pays once and a management command that renders nothing never pays.
"""

from __future__ import annotations

import functools
import re
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from cases.models import Attachment, Case

from .models import Meeting

if TYPE_CHECKING:
    import pydyf
    from weasyprint import Document, URLFetcher

# Tagged (the "a" level: logical structure, Unicode text) PDF/A, part 2.
PDF_VARIANT = "pdf/a-2a"
TEMPLATE = "meetings/pdf/minutes.html"
NOTICE_TEMPLATE = "meetings/pdf/notice.html"
# The minutes and the notice are records in Norwegian, whatever language the person
# publishing or sending speaks.
LANGUAGE = "nb"


def css_string(text: str) -> str:
    """A CSS string literal for text. Anything but letters, digits, spaces and a little
    punctuation is escaped, so a body's name can end neither the string nor the <style>."""
    escaped = "".join(
        char if char.isalnum() or char in " .,-–·" else f"\\{ord(char):x} " for char in text
    )
    return f'"{escaped}"'


def css_counters(text: str) -> str:
    """CSS `content` for a translated text in which %(page)s and %(pages)s are counters."""
    parts = re.split(r"%\((page|pages)\)s", text)
    # re.split keeps the group: text, counter name, text, counter name, text.
    return " ".join(
        f"counter({part})" if n % 2 else css_string(part) for n, part in enumerate(parts) if part
    )


def minutes_html(meeting: Meeting) -> str:
    """The HTML of the minutes document; the same data always gives the same text."""
    from .views.public import meeting_page_context  # the views import the models

    with translation.override(LANGUAGE), timezone.override(settings.TIME_ZONE):
        context = meeting_page_context(meeting, show_minutes=True)
        day = date_format(timezone.localtime(meeting.start), "j. F Y")
        context |= {
            "language": LANGUAGE,
            "title": gettext("Minutes of the meeting of %(body)s on %(date)s")
            % {"body": meeting.body.name, "date": day},
            # The margin boxes: the body and the date, and "Side 2 av 9", on every page.
            "header_css": css_string(f"{meeting.body.name} · {day}"),
            "page_css": css_counters(gettext("Page %(page)s of %(pages)s")),
        }
        return render_to_string(TEMPLATE, context)


@dataclass(frozen=True)
class NoticeEntry:
    """One agenda item as one version of the notice shows it. The template sees only this,
    so what the public version must not show is never handed to it."""

    number_label: str
    title: str
    kind: str
    # Non-empty when the item or its case is exempt: the public version shows this and the
    # title only, the members' version marks the item with it.
    legal_basis: str
    # Added after the notice went out: sent with the supplementary notice (tilleggssak).
    added: bool
    # The case document (saksframlegg), when the item has one and this version may show it.
    case: Case | None = None
    attachments: list[Attachment] = field(default_factory=list)


def notice_entries(meeting: Meeting, *, members: bool) -> list[NoticeEntry]:
    # The public version lists only the attachments the public case page lists.
    attachments = Attachment.objects.order_by("position", "id")
    if not members:
        attachments = attachments.not_exempt()
    items = meeting.items.select_related("case__responsible").prefetch_related(
        Prefetch("case__attachments", queryset=attachments)
    )
    entries = []
    for item in items.order_by("position", "id"):
        shown = members or not item.is_withheld
        case = item.case if shown and item.case_id else None
        entries.append(
            NoticeEntry(
                number_label=item.number_label,
                title=item.display_title if members else item.title_for_public,
                kind=item.get_kind_display(),
                legal_basis=item.legal_basis,
                added=item.created > meeting.notice_sent_at,
                case=case,
                attachments=list(case.attachments.all()) if case else [],
            )
        )
    return entries


def notice_html(meeting: Meeting, *, members: bool) -> str:
    """The HTML of the notice for the public or for the members; the same data always gives
    the same text. Only for a meeting whose notice has been sent (items are numbered)."""
    with translation.override(LANGUAGE), timezone.override(settings.TIME_ZONE):
        entries = notice_entries(meeting, members=members)
        day = date_format(timezone.localtime(meeting.start), "j. F Y")
        header = f"{meeting.body.name} · {day}"
        if members:
            # On every page: this version holds what is exempt from public access.
            # (Not inside an f-string: makemessages would not find the text there.)
            header += " · " + gettext("Members’ version")
        context = {
            "language": LANGUAGE,
            "title": gettext("Notice of the meeting of %(body)s on %(date)s")
            % {"body": meeting.body.name, "date": day},
            "meeting": meeting,
            "members": members,
            "entries": entries,
            "added": [entry for entry in entries if entry.added],
            "header_css": css_string(header),
            "page_css": css_counters(gettext("Page %(page)s of %(pages)s")),
        }
        return render_to_string(NOTICE_TEMPLATE, context)


@functools.cache
def offline_fetcher() -> URLFetcher:
    """A URL fetcher that allows no protocol at all: the document is self-contained, so a
    render never goes out on the network, nor reads a local file a text might point to.
    Made once per process: building one loads the TLS certificates (~50 ms), and it keeps
    no state when it refuses, so threads may share it."""
    from weasyprint import URLFetcher

    return URLFetcher(allowed_protocols=())


def compress_streams(document: Document, pdf: pydyf.PDF) -> None:
    """WeasyPrint's finisher: Flate-compress the streams WeasyPrint would compress (pages,
    fonts, metadata) once, at zlib's default level, before the file is written.

    Left to pydyf, every stream is compressed at level 9 and twice, because PDF/A asks for
    a file identifier, which pydyf computes from the serialised objects before writing them
    again: that was an eighth of a warm render (0.5 s of 4 s for 100 items, 60 ms of 0.6 s
    for 20). Level 6 makes the streams 5 % larger and takes a fifth of the time. The streams
    keep their filter (/FlateDecode) and decoded bytes, so the PDF/A-2a, its tags and what it
    shows are unchanged; streams WeasyPrint leaves uncompressed stay so. (`_to_bytes` is
    pydyf's own conversion of a stream's items; the tests fail if it goes.)"""
    import pydyf

    for obj in pdf.objects:
        if isinstance(obj, pydyf.Stream) and obj.compress:
            raw = b"\n".join(pydyf._to_bytes(item) for item in obj.stream)  # as pydyf does
            obj.stream = [zlib.compress(raw)]
            obj.extra["Filter"] = "/FlateDecode"
            obj.compress = False


def html_to_pdf(html: str) -> bytes:
    """Render a document's HTML as tagged PDF/A-2a (fonts embedded, sRGB output intent)."""
    from weasyprint import HTML

    document = HTML(string=html, base_url=None, url_fetcher=offline_fetcher())
    return document.write_pdf(pdf_variant=PDF_VARIANT, finisher=compress_streams)


def render_minutes_pdf(meeting: Meeting) -> bytes:
    """The minutes of a meeting as PDF bytes (store them with publish_minutes_document)."""
    return html_to_pdf(minutes_html(meeting))

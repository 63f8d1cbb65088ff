"""The published minutes as a tagged PDF/A: the public page's data, laid out for the archive.

`minutes_html` builds the document from exactly what the public meeting page shows
(`meeting_page_context`), so an exempt item carries its public title and legal basis only;
`html_to_pdf` turns it into PDF/A-2a with WeasyPrint. The two are separate so that the
caller can hash the HTML and render only when it changed (`meetings/documents.py`).

WeasyPrint is imported on the first render: the import costs about half a second, which
a warm worker pays once and a management command that renders nothing never pays.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from .models import Meeting

if TYPE_CHECKING:
    from weasyprint import URLFetcher

# Tagged (the "a" level: logical structure, Unicode text) PDF/A, part 2.
PDF_VARIANT = "pdf/a-2a"
TEMPLATE = "meetings/pdf/minutes.html"
# The minutes are a record in Norwegian, whatever language the person publishing speaks.
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


@functools.cache
def offline_fetcher() -> URLFetcher:
    """A URL fetcher that allows no protocol at all: the document is self-contained, so a
    render never goes out on the network, nor reads a local file a text might point to.
    Made once per process: building one loads the TLS certificates (~50 ms), and it keeps
    no state when it refuses, so threads may share it."""
    from weasyprint import URLFetcher

    return URLFetcher(allowed_protocols=())


def html_to_pdf(html: str) -> bytes:
    """Render the minutes HTML as tagged PDF/A-2a (fonts embedded, sRGB output intent)."""
    from weasyprint import HTML

    document = HTML(string=html, base_url=None, url_fetcher=offline_fetcher())
    return document.write_pdf(pdf_variant=PDF_VARIANT)


def render_minutes_pdf(meeting: Meeting) -> bytes:
    """The minutes of a meeting as PDF bytes (store them with publish_minutes_document)."""
    return html_to_pdf(minutes_html(meeting))

"""`manage.py render_minutes_pdfs`: a stored PDF for every published meeting that lacks one.

The demo's archive meetings are imported as published without passing `Meeting.publish`,
so nothing rendered their minutes; run this after `load_demo` (it is idempotent).
`--all` also checks the meetings that have a document, storing a new version where the
minutes document would now read differently.
"""

from django.core.management.base import BaseCommand

from meetings.documents import MinutesDocument, publish_minutes_document
from meetings.models import Meeting


class Command(BaseCommand):
    help = (
        "Lager PDF/A-referat for publiserte møter som mangler det. Med --all kontrolleres "
        "også møter som har et dokument, og en ny versjon lagres der referatet er endret."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--all",
            action="store_true",
            help="Kontroller alle publiserte møter, ikke bare de som mangler dokument.",
        )

    def handle(self, *args, **options) -> None:
        meetings = Meeting.objects.with_published_minutes().order_by("start", "pk")
        if not options["all"]:
            meetings = meetings.exclude(pk__in=MinutesDocument.objects.values("meeting_id"))
        created = 0
        for meeting in meetings.iterator():
            before = MinutesDocument.objects.filter(meeting=meeting).count()
            document = publish_minutes_document(meeting)
            if document.version > before:
                created += 1
                self.stdout.write(f"{meeting}: versjon {document.version}, {document.size} byte")
        self.stdout.write(self.style.SUCCESS(f"{created} PDF-referat lagret."))

"""`manage.py render_notice_pdfs`: the notice PDFs of every meeting whose notice has gone out
and that lacks one of them (the public version or the members' version).

The notice is rendered when it is sent (`meeting_transition`); when that render fails, the
notice still goes out and the secretary is told, and this command makes the documents later.
The demo's meetings are called without passing the workspace, so run it after `load_demo`
too. It is idempotent. `--meeting ID` (repeatable) checks those meetings even when they have
their documents, storing a new version where the notice would now read differently; the
earlier versions are kept, as the record of what was sent.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Exists, OuterRef

from meetings.documents import NoticeDocument, publish_notice_documents
from meetings.models import Meeting


class Command(BaseCommand):
    help = (
        "Lager PDF/A-innkalling (offentlig versjon og medlemsversjon) for møter der "
        "innkallingen er sendt, men dokumentet mangler. Med --meeting kontrolleres bestemte "
        "møter, og en ny versjon lagres der innkallingen er endret."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--meeting",
            type=int,
            action="append",
            default=[],
            metavar="ID",
            help="Kontroller dette møtet, også om det har dokumentene (kan gjentas).",
        )

    def handle(self, *args, **options) -> None:
        meetings = (
            Meeting.objects.with_public_agenda().select_related("body").order_by("start", "pk")
        )
        if options["meeting"]:
            meetings = meetings.filter(pk__in=options["meeting"])
            missing = set(options["meeting"]) - set(meetings.values_list("pk", flat=True))
            if missing:
                raise CommandError(
                    "Ingen møter med sendt innkalling har id "
                    + ", ".join(str(pk) for pk in sorted(missing))
                )
        else:
            documents = NoticeDocument.objects.filter(meeting=OuterRef("pk"))
            Audience = NoticeDocument.Audience
            meetings = meetings.exclude(
                Exists(documents.filter(audience=Audience.PUBLIC))
                & Exists(documents.filter(audience=Audience.MEMBERS))
            )
        created = 0
        for meeting in meetings.iterator():
            before = NoticeDocument.objects.filter(meeting=meeting).count()
            publish_notice_documents(meeting)
            stored = NoticeDocument.objects.filter(meeting=meeting).count() - before
            if stored:
                created += stored
                self.stdout.write(f"{meeting}: {stored} ny(e) versjon(er)")
        self.stdout.write(self.style.SUCCESS(f"{created} PDF-innkallinger lagret."))

"""`manage.py rebuild_search_index`: the search rows of everything public, built afresh."""

from django.core.management.base import BaseCommand

from meetings.search import rebuild_index


class Command(BaseCommand):
    help = (
        "Bygger søkeindeksen på nytt fra alt som er offentlig: sakslister som er sendt ut, "
        "publiserte protokoller og offentlige saksframlegg."
    )

    def handle(self, *args, **options) -> None:
        count = rebuild_index()
        self.stdout.write(
            self.style.SUCCESS(f"Søkeindeksen er bygget på nytt: {count} treff-rader.")
        )

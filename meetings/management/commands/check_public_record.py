"""`manage.py check_public_record`: do the search rows, the stored PDFs and the open data's
tombstones hold what the public record says they should? Run it after a restore and after an
upgrade (docs/operations.md); `--repair` brings them up to date."""

from django.core.management.base import BaseCommand, CommandError

from meetings import public_record


class Command(BaseCommand):
    help = (
        "Kontrollerer at søkeindeksen, de lagrede PDF-ene og de åpne dataenes slettemerker "
        "stemmer med det som er offentlig nå, og lister hvert avvik (avslutter med kode 1 "
        "når det finnes avvik). --repair retter dem."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--repair", action="store_true", help="Rett avvikene: bygg, lag og registrer på nytt."
        )
        parser.add_argument(
            "--skip-pdfs",
            action="store_true",
            help="Ikke sammenlign de lagrede PDF-ene (det krever at hvert dokument bygges).",
        )

    def handle(self, *args, repair: bool = False, skip_pdfs: bool = False, **options) -> None:
        found = list(public_record.differences(pdfs=not skip_pdfs))
        for difference in found:
            self.stdout.write(str(difference))
        if repair and found:
            public_record.repair(found)
            self.stdout.write(self.style.SUCCESS(f"{len(found)} avvik er rettet."))
            return
        # An inferred missing tombstone is listed, but does not fail the check.
        certain = [difference for difference in found if difference.certain]
        if not certain:
            self.stdout.write(
                self.style.SUCCESS("Det offentlige arkivet er i samsvar: ingen avvik.")
            )
            return
        raise CommandError(f"{len(certain)} avvik. Kjør med --repair for å rette dem.")

"""`manage.py load_demo`: demo data from the five seed documents, and the demo logins."""

from django.conf import settings
from django.core.management.base import BaseCommand

from meetings.demo import DEMO_PASSWORD
from meetings.demo.builder import demo_counts, load_demo
from meetings.search import rebuild_index


class Command(BaseCommand):
    help = (
        "Laster demodata for Osloregionen og Østlandssamarbeidet fra de fem kildedokumentene. "
        "Demo-innlogginger lages bare når DEMO_MODE er på."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Slett de to demosamarbeidene med alt som hører til, og bygg dem på nytt.",
        )

    def handle(self, *args, reset: bool = False, **options) -> None:
        result = load_demo(reset=reset, with_logins=settings.DEMO_MODE)
        if result.built:
            # The archive meetings are imported as published, past the state methods that
            # index a meeting, so the search index is rebuilt once for all.
            rebuild_index()
        if result.deleted:
            self.stdout.write("De gamle demodataene ble slettet.")
        if result.built:
            self.stdout.write(
                self.style.SUCCESS(f"Demodata lastet for {' og '.join(result.built)}.")
            )
        else:
            self.stdout.write(
                "Demodataene er allerede lastet; ingenting ble lagt til. "
                "Bruk --reset for å bygge dem på nytt."
            )
        self.stdout.write("Demodataene inneholder:")
        for label, count in demo_counts():
            self.stdout.write(f"  {label}: {count}")
        if not settings.DEMO_MODE:
            self.stdout.write("Demomodus er av (DJANGO_DEMO): ingen demo-innlogginger ble laget.")
            return
        self.stdout.write(f"Demo-innlogginger (passord «{DEMO_PASSWORD}»):")
        for username, who in result.logins:
            self.stdout.write(f"  {username}: {who}")

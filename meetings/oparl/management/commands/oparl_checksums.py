"""`manage.py oparl_checksums`: store the SHA-512 of every public attachment that lacks one."""

from django.core.management.base import BaseCommand

from cases.models import Attachment
from meetings.oparl.models import FileChecksum


class Command(BaseCommand):
    help = (
        "Beregner SHA-512 for vedlegg som mangler sjekksum (eller har fått ny fil), "
        "slik at OParl-APIet kan oppgi sha512Checksum."
    )

    def handle(self, *args, **options) -> None:
        attachments = Attachment.objects.filter(is_exempt=False).select_related("oparl_checksum")
        computed = missing = 0
        for attachment in attachments.iterator(chunk_size=500):
            checksum = getattr(attachment, "oparl_checksum", None)
            if checksum and checksum.matches(attachment):
                continue
            try:
                FileChecksum.compute(attachment)
            except OSError:
                missing += 1
                self.stderr.write(f"Fant ikke filen til vedlegg {attachment.pk}.")
                continue
            computed += 1
        self.stdout.write(f"Sjekksummer beregnet: {computed}. Filer som mangler: {missing}.")

"""`manage.py oparl_checksums`: store the SHA-512 of every public file that lacks one.

OParl 1.1 knows SHA-1 and SHA-512 checksums only. Attachments get one computed from their
file (again when the file changes); the stored minutes PDFs and the public version of the
stored notice PDFs, which carry a SHA-256 of their own, get one per version (a version's
file never changes). The members' version of the notice is never published: none is
computed for it.
"""

from django.core.management.base import BaseCommand

from cases.models import Attachment
from meetings.documents import NoticeDocument
from meetings.models import MinutesDocument
from meetings.oparl.models import FileChecksum, MinutesChecksum, NoticeChecksum


class Command(BaseCommand):
    help = (
        "Beregner SHA-512 for vedlegg, lagrede PDF-referater og offentlige PDF-innkallinger som "
        "mangler sjekksum (eller har fått ny fil), slik at OParl-APIet kan oppgi sha512Checksum."
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
        # The stored PDFs of a meeting: one concrete checksum model per kind of document.
        public_notices = NoticeDocument.objects.filter(audience=NoticeDocument.Audience.PUBLIC)
        for stored, checksums, label in [
            (MinutesDocument.objects.all(), MinutesChecksum, "referat"),
            (public_notices, NoticeChecksum, "innkalling"),
        ]:
            documents = stored.filter(oparl_checksum__isnull=True)
            for document in documents.iterator(chunk_size=500):
                try:
                    checksums.compute(document)
                except OSError:
                    missing += 1
                    self.stderr.write(f"Fant ikke filen til {label} {document.pk}.")
                    continue
                computed += 1
        self.stdout.write(f"Sjekksummer beregnet: {computed}. Filer som mangler: {missing}.")

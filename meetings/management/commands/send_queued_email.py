"""Send the e-mails that are due: those that failed, after their wait, and any whose sender
never got to try. For cron, every few minutes; two runs at once never send the same message:

*/5 * * * *  cd /srv/cooperation && .venv/bin/python manage.py send_queued_email
"""

from django.core.management.base import BaseCommand

from meetings.outbox import OutgoingEmail, send_due


class Command(BaseCommand):
    help = (
        "Send the queued e-mails that are due; a failure is tried again later, and given up "
        "(and shown on the meeting's log) after the last attempt."
    )

    def handle(self, *args, **options) -> None:
        outcomes = send_due()
        sent = outcomes[OutgoingEmail.Status.SENT]
        failed = outcomes[OutgoingEmail.Status.FAILED]
        given_up = outcomes[OutgoingEmail.Status.GIVEN_UP]
        if given_up:
            self.stderr.write(f"{given_up} e-mail(s) given up; see the meetings' logs.")
        self.stdout.write(f"{sent} sent, {failed} failed (tried again later), {given_up} given up.")

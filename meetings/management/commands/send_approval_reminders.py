"""Remind approvers before the deadline; for cron, e.g. every morning:

15 7 * * *  cd /srv/cooperation && .venv/bin/python manage.py send_approval_reminders
"""

from django.core.management.base import BaseCommand

from meetings.approval_mail import REMINDER_DAYS, send_reminders


class Command(BaseCommand):
    help = (
        f"E-mail a reminder, once, to approvers who have not approved the minutes when the "
        f"deadline is {REMINDER_DAYS} days away or less."
    )

    def handle(self, *args, **options) -> None:
        reports = send_reminders()
        for report in reports:
            if report.failed:
                self.stderr.write(f"Failed: {', '.join(report.failed)}")
        sent = sum(len(r.sent) for r in reports)
        self.stdout.write(f"{sent} reminder(s) sent for {len(reports)} meeting(s).")

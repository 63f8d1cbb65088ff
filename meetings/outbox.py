"""The outbox: every e-mail the system sends is a row here until it is sent or given up.

The senders (`notices.py`, `approval_mail.py`) store their messages with `queue`, then try
each at once, so the secretary is told straight away who got it. A message that fails keeps
its error and is tried again by `manage.py send_queued_email` (cron, every few minutes) after
5 minutes, 30 minutes, 2 hours and 6 hours; after that it is given up. Failed and given-up
messages are listed on the meeting's log, where the secretariat can send them again, and the
dashboard names their meetings. Delivery is at least once: a crash between a successful send
and the row's update means the message goes out again.
"""

from __future__ import annotations

import base64
import datetime
import logging
from collections import Counter

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import models, transaction
from django.db.models import Q
from django.utils import dateformat, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cooperation.domain import DomainError
from cooperation.models import Person

from .models import Meeting, MeetingEvent

logger = logging.getLogger(__name__)

# How long to wait after the first, second, ... failed attempt; one more failure gives up.
RETRY_AFTER = [
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=30),
    datetime.timedelta(hours=2),
    datetime.timedelta(hours=6),
]
MAX_ATTEMPTS = len(RETRY_AFTER) + 1
ERROR_LENGTH = 2000


class OutgoingEmailQuerySet(models.QuerySet):
    def due(self, now: datetime.datetime | None = None) -> OutgoingEmailQuerySet:
        return self.filter(
            status__in=OutgoingEmail.WAITING, next_attempt_at__lte=now or timezone.now()
        )

    def undelivered(self) -> OutgoingEmailQuerySet:
        return self.filter(status__in=OutgoingEmail.UNDELIVERED)


class OutgoingEmail(models.Model):
    """One e-mail to one address, kept with every attempt until it is sent or given up."""

    class Kind(models.TextChoices):
        NOTICE = "notice", _("notice")
        SUPPLEMENTARY_NOTICE = "supplementary_notice", _("supplementary notice")
        APPROVAL_REQUEST = "approval_request", _("request to approve the minutes")
        APPROVAL_REMINDER = "approval_reminder", _("reminder to approve the minutes")
        APPROVAL_LAPSED = "approval_lapsed", _("approval lapsed")

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed, will be tried again")
        GIVEN_UP = "given_up", _("given up")

    WAITING = [Status.QUEUED, Status.FAILED]
    UNDELIVERED = [Status.FAILED, Status.GIVEN_UP]

    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="outgoing_emails",
        verbose_name=_("meeting"),
    )
    person = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind)
    to = models.EmailField(_("to"))
    subject = models.CharField(_("subject"), max_length=300)
    text = models.TextField(_("text"))
    html = models.TextField(_("HTML"), blank=True)
    # [{"filename": ..., "mimetype": ..., "content": base64}], e.g. the notice's .ics.
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created = models.DateTimeField(_("created"), default=timezone.now)

    objects = OutgoingEmailQuerySet.as_manager()

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        ordering = ["created", "id"]
        indexes = [
            # cron's question every few minutes: what is due now?
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["queued", "failed"]),
                name="meetings_email_due_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False)
                | (~Q(status="sent") & Q(sent_at__isnull=True)),
                name="meetings_email_sent_has_time",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "failed"], next_attempt_at__isnull=False)
                | (Q(status__in=["sent", "given_up"]) & Q(next_attempt_at__isnull=True)),
                name="meetings_email_waiting_has_next_attempt",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to} ({self.get_status_display()})"

    @property
    def can_be_sent_again(self) -> bool:
        return self.status in self.UNDELIVERED

    def attach(self, filename: str, content: bytes, mimetype: str) -> None:
        self.attachments.append(
            {
                "filename": filename,
                "mimetype": mimetype,
                "content": base64.b64encode(content).decode("ascii"),
            }
        )

    def message(self) -> EmailMessage:
        if self.html:
            message = EmailMultiAlternatives(self.subject, self.text, to=[self.to])
            message.attach_alternative(self.html, "text/html")
        else:
            message = EmailMessage(self.subject, self.text, to=[self.to])
        for attachment in self.attachments:
            message.attach(
                attachment["filename"],
                base64.b64decode(attachment["content"]),
                attachment["mimetype"],
            )
        return message

    def send(self, *, now: datetime.datetime | None = None, by=None, log: bool = True) -> bool:
        """One attempt. A failure is kept with its error and the time of the next attempt,
        or, after the last one, given up. The senders log a whole batch in one line
        (`log=False`); every later attempt is a line of the meeting's log of its own."""
        now = now or timezone.now()
        self.attempts += 1
        try:
            self.message().send()
        except Exception as error:  # every failure is kept and tried again, none is fatal
            logger.exception("E-mail %s to %s failed (attempt %s)", self.pk, self.to, self.attempts)
            self.last_error = f"{type(error).__name__}: {error}"[:ERROR_LENGTH]
            if self.attempts >= MAX_ATTEMPTS:
                self.status, self.next_attempt_at = self.Status.GIVEN_UP, None
            else:
                self.status = self.Status.FAILED
                self.next_attempt_at = now + RETRY_AFTER[self.attempts - 1]
        else:
            self.status, self.sent_at, self.next_attempt_at = self.Status.SENT, now, None
        self.save(
            update_fields=[
                "to",
                "status",
                "attempts",
                "last_error",
                "next_attempt_at",
                "sent_at",
            ]
        )
        if log and self.meeting_id:
            MeetingEvent.log(self.meeting, MeetingEvent.Kind.EMAIL, by=by, note=self.outcome())
        return self.status == self.Status.SENT

    def outcome(self) -> str:
        what = {"subject": self.subject, "to": self.to, "attempt": self.attempts}
        if self.status == self.Status.SENT:
            return gettext("%(subject)s to %(to)s: sent (attempt %(attempt)s).") % what
        what["error"] = self.last_error
        if self.status == self.Status.GIVEN_UP:
            return (
                gettext("%(subject)s to %(to)s: given up after attempt %(attempt)s: %(error)s")
                % what
            )
        when = timezone.localtime(self.next_attempt_at)
        what["when"] = dateformat.format(when, "j.n.Y H.i")
        return (
            gettext(
                "%(subject)s to %(to)s: attempt %(attempt)s failed: %(error)s. "
                "Tried again %(when)s."
            )
            % what
        )

    def send_again(self, *, by) -> bool:
        """The secretariat's "send again now" for a failed or given-up message. The person's
        address as it now stands is used, so a corrected address is the one tried."""
        with transaction.atomic():
            # Waits for a cron run that is sending this very message, then sees its outcome.
            locked = type(self).objects.select_for_update().get(pk=self.pk)
            if not locked.can_be_sent_again:
                raise DomainError(gettext("This e-mail is not waiting to be sent again."))
            if locked.person and locked.person.email:
                locked.to = locked.person.email
            sent = locked.send(by=by)
        self.refresh_from_db()
        return sent


def queue(emails: list[OutgoingEmail]) -> list[OutgoingEmail]:
    """Store the messages, all or none. The sender then tries each at once (`send`); cron
    takes one over only if that never happened (a crash), after the first wait."""
    first_go_until = timezone.now() + RETRY_AFTER[0]
    for email in emails:
        email.next_attempt_at = first_go_until
    return OutgoingEmail.objects.bulk_create(emails)


def send_due(*, now: datetime.datetime | None = None) -> Counter[str]:
    """Try every message that is due, one at a time, each in a transaction of its own that
    holds the row, so two runs at once never send the same message: PostgreSQL skips a row
    another run holds; SQLite's transactions here take the write lock at once (IMMEDIATE), so
    runs take turns. Returns how many ended in each status."""
    now = now or timezone.now()
    outcomes: Counter[str] = Counter()
    while True:
        with transaction.atomic():
            email = (
                OutgoingEmail.objects.due(now)
                .select_for_update(skip_locked=True)
                .order_by("next_attempt_at", "id")
                .first()
            )
            if email is None:
                return outcomes
            email.send(now=now)
            outcomes[email.status] += 1

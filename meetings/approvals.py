"""Approving the minutes in the browser: who approves, what they approved, what they said.

The rule is the body's (`Body.ApprovalRule`), copied onto the meeting when the minutes go
out for approval:

- the chair alone, or the chair and N members designated at the meeting: each of them is an
  `Approver` of the meeting, and approves by recording an `Approval` of the exact text they
  read (its SHA-256, `Meeting.minutes_digest`). When every approver has approved the text as
  it now stands, the minutes are approved.
- the whole body at its next meeting: the item "Godkjenning av referat fra forrige møte" of
  the next meeting carries the approval when its decision is recorded as adopted.

An approval of an older text does not count; when the text changes after someone approved,
their approval lapses (`lapsed_at`) and they are told by e-mail. Comments on the draft are
seen by the secretariat and the approvers, never by the public. After approval the minutes
change only through a formal `Correction`, which keeps both texts.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cooperation.models import Person

from .models import AgendaItem, Meeting

SHA256_LENGTH = 64


class Approver(models.Model):
    """A person designated to approve a meeting's minutes: the chair, or a member chosen at
    the meeting (protokollunderskriver)."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="approvers", verbose_name=_("meeting")
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    is_chair = models.BooleanField(_("chaired the meeting"), default=False)
    designated_at = models.DateTimeField(_("designated"), default=timezone.now)
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)

    class Meta:
        verbose_name = _("approver")
        verbose_name_plural = _("approvers")
        ordering = ["meeting", "-is_chair", "person__name"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="unique_approver"),
        ]

    def __str__(self) -> str:
        return str(self.person)


class ApprovalQuerySet(models.QuerySet):
    def of_text(self, digest: str) -> ApprovalQuerySet:
        """Approvals of exactly this text: only these count."""
        return self.filter(digest=digest)


class Approval(models.Model):
    """One person's approval of one exact text of the minutes."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="approvals", verbose_name=_("meeting")
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("login"),
    )
    at = models.DateTimeField(_("approved"), default=timezone.now)
    digest = models.CharField(_("SHA-256 of the text approved"), max_length=SHA256_LENGTH)
    lapsed_at = models.DateTimeField(_("lapsed"), null=True, blank=True)

    objects = ApprovalQuerySet.as_manager()

    class Meta:
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        ordering = ["meeting", "at", "id"]
        constraints = [
            # A double click, two tabs: one approval of one text per person.
            models.UniqueConstraint(
                fields=["meeting", "person", "digest"], name="one_approval_per_text"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.at:%Y-%m-%d %H:%M}"


class Comment(models.Model):
    """A remark on the draft minutes, for the secretariat and the approvers only."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="comments", verbose_name=_("meeting")
    )
    item = models.ForeignKey(
        AgendaItem,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="comments",
        verbose_name=_("item"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("author"),
    )
    # The name as it was: a comment keeps saying who wrote it.
    author_name = models.CharField(_("author"), max_length=200)
    text = models.TextField(_("comment"))
    at = models.DateTimeField(_("written"), default=timezone.now)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["meeting", "at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="comment_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.author_name}: {self.text[:60]}"


class Correction(models.Model):
    """A formal correction of approved minutes: why, by whom, and both texts."""

    item = models.ForeignKey(
        AgendaItem, on_delete=models.CASCADE, related_name="corrections", verbose_name=_("item")
    )
    at = models.DateTimeField(_("corrected"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    reason = models.TextField(_("reason"))
    before = models.JSONField(_("before"))
    after = models.JSONField(_("after"))

    class Meta:
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")
        ordering = ["item", "at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="correction_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.item} {self.at:%Y-%m-%d}"

    def changes(self) -> list[tuple[str, str, str]]:
        """(field label, before, after) for each field the correction changed."""
        rows = []
        for name in sorted(set(self.before) | set(self.after)):
            old, new = self.before.get(name), self.after.get(name)
            if old != new:
                label = AgendaItem._meta.get_field(name).verbose_name
                rows.append((str(label), "" if old is None else str(old), str(new or "")))
        return rows

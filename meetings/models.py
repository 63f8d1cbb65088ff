"""Meetings, their agenda items, attendance, follow-ups and the log of every state change."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Exists, F, Max, OuterRef, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases.models import Case, CaseKind, Exemptable
from cooperation.domain import DomainError, NotAllowed
from cooperation.models import (
    Body,
    Cooperation,
    MandateVersion,
    Membership,
    Organisation,
    Person,
    TimeStamped,
)


class EditConflict(DomainError):
    """Someone else saved the item since it was opened; nothing was overwritten."""

    def __init__(self, message: str, current: AgendaItem) -> None:
        super().__init__(message)
        self.current = current


# The standard items' titles are the words of the minutes themselves (seed 003), so they are
# stored in Norwegian whatever language the secretary's interface speaks.
STANDARD_ITEMS = {
    "notice": "Godkjenning av innkalling og saksliste",
    "minutes": "Godkjenning av referat fra forrige møte",
    "information": "Orienteringer",
    "aob": "Eventuelt",
}

# How long a meeting without an end time counts as under way.
UNDER_WAY = datetime.timedelta(hours=12)


class MeetingQuerySet(models.QuerySet):
    def of(self, cooperation: Cooperation) -> MeetingQuerySet:
        return self.filter(body__cooperation=cooperation)

    def for_body(self, body: Body) -> MeetingQuerySet:
        return self.filter(body=body)

    def public(self) -> MeetingQuerySet:
        """Meetings the public may see: those whose notice has gone out."""
        return self.filter(notice_sent_at__isnull=False)

    def upcoming(self) -> MeetingQuerySet:
        """Meetings not yet over (those under way included), soonest first."""
        now = timezone.now()
        return (
            self.filter(Q(end__gte=now) | Q(end__isnull=True, start__gte=now - UNDER_WAY))
            .exclude(state=Meeting.State.CANCELLED)
            .order_by("start")
        )

    def past(self) -> MeetingQuerySet:
        return self.filter(start__lt=timezone.now()).order_by("-start")

    def with_published_minutes(self) -> MeetingQuerySet:
        return self.filter(state=Meeting.State.PUBLISHED)

    def staffed_by(self, user) -> MeetingQuerySet:
        return self.filter(body__cooperation__in=Cooperation.objects.staffed_by(user))


class Meeting(TimeStamped):
    """A meeting of a body, from planning to published minutes."""

    class State(models.TextChoices):
        PLANNED = "planned", _("planned")
        NOTICE_SENT = "notice_sent", _("notice sent")
        HELD = "held", _("held")
        IN_APPROVAL = "in_approval", _("minutes out for approval")
        APPROVED = "approved", _("minutes approved")
        PUBLISHED = "published", _("minutes published")
        CANCELLED = "cancelled", _("cancelled")

    # Minutes may be drafted until they are approved; after that only a formal correction.
    EDITABLE_MINUTES = (State.PLANNED, State.NOTICE_SENT, State.HELD, State.IN_APPROVAL)

    body = models.ForeignKey(
        Body, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("body")
    )
    title = models.CharField(
        _("title"),
        max_length=200,
        blank=True,
        help_text=_("Only when the meeting has a name of its own, e.g. a workshop."),
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    video_url = models.URLField(_("video link"), blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=State, default=State.PLANNED, db_index=True
    )
    notice_sent_at = models.DateTimeField(_("notice sent"), null=True, blank=True)
    published_at = models.DateTimeField(_("minutes published"), null=True, blank=True)
    cancelled_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-start"]
        indexes = [
            models.Index(fields=["body", "start"]),
            # The archives walk meetings (and their items) in date order: keyset pages.
            models.Index(fields=["start", "id"], name="meeting_start_id"),
            models.Index(fields=["state", "published_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gt=F("start")),
                name="meeting_end_after_start",
                violation_error_message=_("The meeting must end after it starts."),
            ),
            models.CheckConstraint(
                condition=~Q(state="published") | Q(published_at__isnull=False),
                name="meeting_published_has_date",
            ),
            models.CheckConstraint(
                condition=Q(state="planned")
                | Q(state="cancelled")
                | Q(notice_sent_at__isnull=False),
                name="meeting_past_planning_has_notice",
            ),
        ]

    def __str__(self) -> str:
        local = timezone.localtime(self.start)
        return f"{self.title or self.body} {local:%d.%m.%Y}"

    def clean(self) -> None:
        if self.end and self.start and self.end <= self.start:
            raise ValidationError({"end": _("The meeting must end after it starts.")})

    @property
    def cooperation(self) -> Cooperation:
        return self.body.cooperation

    @property
    def is_cancelled(self) -> bool:
        return self.state == self.State.CANCELLED

    @property
    def minutes_are_public(self) -> bool:
        return self.state == self.State.PUBLISHED

    @property
    def minutes_locked(self) -> bool:
        return self.state not in self.EDITABLE_MINUTES

    def may_be_managed_by(self, user) -> bool:
        return self.body.cooperation.is_staffed_by(user)

    # The life of a meeting. Each move locks the row, checks the state and the user, saves
    # only the fields it changes and records an event, all in one transaction.

    def _move(
        self,
        *,
        by,
        to: str,
        allowed_from: set[str],
        refusal: str,
        note: str = "",
        extra_fields: dict | None = None,
        before_save=None,
    ) -> None:
        if not self.may_be_managed_by(by):
            raise NotAllowed(gettext("Only the secretariat of this cooperation may do this."))
        with transaction.atomic():
            # FOR NO KEY UPDATE: the key does not change, so inserts that reference the row
            # (items, attendance) need not wait for us, nor we for them.
            locked = Meeting.objects.select_for_update(no_key=True).get(pk=self.pk)
            if locked.state not in allowed_from:
                raise DomainError(
                    gettext("%(refusal)s The meeting is %(state)s.")
                    % {"refusal": refusal, "state": locked.get_state_display()}
                )
            if before_save:
                before_save(locked, by)
            from_state = locked.state
            fields = {"state": to, **(extra_fields or {})}
            for name, value in fields.items():
                setattr(locked, name, value)
            locked.save(update_fields=[*fields, "modified"])
            MeetingEvent.objects.create(
                meeting=locked,
                actor=by if by.is_authenticated else None,
                kind=MeetingEvent.Kind.STATE_CHANGE,
                from_state=from_state,
                to_state=to,
                note=note,
            )
        for name in [*fields, "modified"]:
            setattr(self, name, getattr(locked, name))

    def send_notice(self, *, by) -> None:
        """Send the notice: items get their numbers and the agenda becomes public."""
        self._move(
            by=by,
            to=self.State.NOTICE_SENT,
            allowed_from={self.State.PLANNED},
            refusal=gettext("The notice can only be sent once, for a planned meeting."),
            extra_fields={"notice_sent_at": timezone.now()},
            before_save=lambda meeting, by: meeting.assign_numbers(by=by),
        )
        # The agenda and its case documents are public now: make them searchable.
        self.reindex()

    def record_held(self, *, by) -> None:
        self._move(
            by=by,
            to=self.State.HELD,
            allowed_from={self.State.NOTICE_SENT},
            refusal=gettext("Only a meeting whose notice was sent can be recorded as held."),
            before_save=self._check_started,
        )

    @staticmethod
    def _check_started(meeting: Meeting, by) -> None:
        if meeting.start > timezone.now():
            raise DomainError(gettext("The meeting has not started yet."))

    def send_minutes_for_approval(self, *, by) -> None:
        self._move(
            by=by,
            to=self.State.IN_APPROVAL,
            allowed_from={self.State.HELD},
            refusal=gettext("Only the minutes of a held meeting can be sent for approval."),
        )

    def withdraw_minutes_from_approval(self, *, by, reason: str) -> None:
        self._move(
            by=by,
            to=self.State.HELD,
            allowed_from={self.State.IN_APPROVAL},
            refusal=gettext("Only minutes out for approval can be withdrawn."),
            note=reason,
        )

    def record_minutes_approved(self, *, by) -> None:
        self._move(
            by=by,
            to=self.State.APPROVED,
            allowed_from={self.State.IN_APPROVAL},
            refusal=gettext("Only minutes out for approval can be approved."),
        )

    def publish(self, *, by) -> None:
        self._move(
            by=by,
            to=self.State.PUBLISHED,
            allowed_from={self.State.APPROVED},
            refusal=gettext("Only approved minutes can be published."),
            extra_fields={"published_at": timezone.now()},
        )
        self.reindex()

    def reindex(self) -> None:
        """Bring the public search index up to date with this meeting."""
        from .search import index_meeting  # search.py imports this module

        index_meeting(self)

    def cancel(self, *, by, reason: str = "") -> None:
        self._move(
            by=by,
            to=self.State.CANCELLED,
            allowed_from={self.State.PLANNED, self.State.NOTICE_SENT},
            refusal=gettext("Only a meeting that has not been held can be cancelled."),
            note=reason,
            extra_fields={"cancelled_reason": reason},
        )

    # Planning and the agenda. The agenda can change freely while the meeting is planned;
    # after the notice, items are numbered and the agenda is public.

    @classmethod
    def plan(cls, *, body: Body, by, **fields) -> Meeting:
        """Plan a meeting with the body's standard opening items (seed 003's first items)."""
        if not body.cooperation.is_staffed_by(by):
            raise NotAllowed(gettext("Only the secretariat of this cooperation may do this."))
        with transaction.atomic():
            meeting = cls(body=body, **fields)
            meeting.full_clean()
            meeting.save()
            previous = (
                cls.objects.for_body(body)
                .filter(start__lt=meeting.start)
                .exclude(state=cls.State.CANCELLED)
                .order_by("-start")
                .first()
            )
            standard = [
                {"title": STANDARD_ITEMS["notice"]},
                {
                    "title": STANDARD_ITEMS["minutes"],
                    "previous_meeting": previous,
                },
            ]
            if body.has_information_item:
                standard.append(
                    {"title": STANDARD_ITEMS["information"], "kind": CaseKind.INFORMATION}
                )
            if body.has_any_other_business:
                standard.append(
                    {"title": STANDARD_ITEMS["aob"], "kind": CaseKind.ANY_OTHER_BUSINESS}
                )
            for position, item in enumerate(standard, start=1):
                item.setdefault("kind", CaseKind.FORMALITY)
                AgendaItem.objects.create(meeting=meeting, position=position, **item)
            MeetingEvent.objects.create(
                meeting=meeting,
                actor=by,
                kind=MeetingEvent.Kind.STATE_CHANGE,
                to_state=cls.State.PLANNED,
            )
        return meeting

    def prefill_attendance(self) -> None:
        """The roster from the body's memberships on the day: members present, the chair
        chairing, the body's secretary as staff. Only when nothing is recorded yet."""
        if self.attendances.exists():
            return
        day = timezone.localtime(self.start).date()
        memberships = (
            self.body.memberships.current(day).select_related("person").order_by("person__name")
        )
        rows = []
        for position, membership in enumerate(memberships, start=1):
            if membership.role == Membership.Role.DEPUTY:
                continue
            staff = membership.role == Membership.Role.SECRETARY
            rows.append(
                Attendance(
                    meeting=self,
                    person=membership.person,
                    on_behalf_of_id=membership.on_behalf_of_id,
                    role=Attendance.Role.STAFF if staff else Attendance.Role.MEMBER,
                    is_chair=membership.role == Membership.Role.CHAIR,
                    position=position,
                )
            )
        Attendance.objects.bulk_create(rows)

    def _check_agenda_editable(self, by) -> None:
        if not self.may_be_managed_by(by):
            raise NotAllowed(gettext("Only the secretariat of this cooperation may do this."))
        if self.state != self.State.PLANNED:
            raise DomainError(
                gettext("The notice has been sent; the agenda can no longer be changed here.")
            )

    def add_item(self, *, by, **fields) -> AgendaItem:
        """Add an item before the closing standard item (Eventuelt), or last."""
        self._check_agenda_editable(by)
        with transaction.atomic():
            items = list(self.items.select_for_update().order_by("position", "pk"))
            closing = [i for i in items if i.kind == CaseKind.ANY_OTHER_BUSINESS]
            position = closing[0].position if closing else len(items) + 1
            for item in closing:
                item.position += 1
                item.save(update_fields=["position"])
            item = AgendaItem(meeting=self, position=position, **fields)
            item.full_clean()
            item.save()
            self._renumber_positions()
        return item

    def add_supplementary_item(self, *, by, **fields) -> AgendaItem:
        """A case added after the notice (tilleggssak): numbered at once, placed last, and
        sent to the members with the supplementary notice."""
        if not self.may_be_managed_by(by):
            raise NotAllowed(gettext("Only the secretariat of this cooperation may do this."))
        with transaction.atomic():
            locked = Meeting.objects.select_for_update(no_key=True).get(pk=self.pk)
            if locked.state != self.State.NOTICE_SENT:
                raise DomainError(
                    gettext("Supplementary items can be added after the notice, until the meeting.")
                )
            body = Body.objects.select_for_update(no_key=True).get(pk=self.body_id)
            if body.numbering == Body.Numbering.YEARLY:
                year = timezone.localtime(self.start).year
                numbered = AgendaItem.objects.filter(body=body, year=year)
            else:
                year, numbered = None, self.items.all()
            last = numbered.aggregate(n=Max("sequence"))["n"] or 0
            position = (self.items.aggregate(n=Max("position"))["n"] or 0) + 1
            item = AgendaItem(
                meeting=self, position=position, year=year, sequence=last + 1, **fields
            )
            item.full_clean()
            item.save()
            MeetingEvent.objects.create(
                meeting=self,
                kind=MeetingEvent.Kind.NUMBERS_ASSIGNED,
                actor=by if by.is_authenticated else None,
                note=gettext("Supplementary item %(number)s") % {"number": item.number},
            )
        self.reindex()
        return item

    def supplementary_items(self) -> AgendaItemQuerySet:
        """Items added after the notice went out."""
        return self.items.filter(created__gt=self.notice_sent_at).order_by("position")

    def move_item(self, item: AgendaItem, *, by, steps: int) -> None:
        """Move an item up (negative steps) or down the agenda."""
        self._check_agenda_editable(by)
        with transaction.atomic():
            items = list(self.items.select_for_update().order_by("position", "pk"))
            index = next(n for n, other in enumerate(items) if other.pk == item.pk)
            target = max(0, min(len(items) - 1, index + steps))
            items.insert(target, items.pop(index))
            for position, other in enumerate(items, start=1):
                if other.position != position:
                    other.position = position
                    other.save(update_fields=["position"])

    def remove_item(self, item: AgendaItem, *, by) -> None:
        self._check_agenda_editable(by)
        with transaction.atomic():
            item.delete()
            self._renumber_positions()

    def _renumber_positions(self) -> None:
        for position, item in enumerate(self.items.order_by("position", "pk"), start=1):
            if item.position != position:
                AgendaItem.objects.filter(pk=item.pk).update(position=position)

    def assign_numbers(self, *, by) -> None:
        """Number the items: per body and year ("Sak 01/22") or plainly per meeting.

        Called inside send_notice's transaction. The body row is locked, so two notices for
        the same body at the same moment number one after the other: gap-free and unique
        (the unique constraint on body, year and sequence is the last line of defence).
        """
        body = Body.objects.select_for_update(no_key=True).get(pk=self.body_id)
        items = list(self.items.order_by("position", "id"))
        if body.numbering == Body.Numbering.YEARLY:
            year = timezone.localtime(self.start).year
            last = AgendaItem.objects.filter(body=body, year=year).aggregate(n=Max("sequence"))
            first = (last["n"] or 0) + 1
        else:
            year, first = None, 1
        for offset, item in enumerate(items):
            item.year = year
            item.sequence = first + offset
        AgendaItem.objects.bulk_update(items, ["year", "sequence"])
        MeetingEvent.objects.create(
            meeting=self,
            kind=MeetingEvent.Kind.NUMBERS_ASSIGNED,
            actor=by if by.is_authenticated else None,
            note=", ".join(item.number for item in items),
        )


class AgendaItemQuerySet(models.QuerySet):
    def public(self) -> AgendaItemQuerySet:
        """Items of meetings whose notice has gone out (exempt ones show their public title)."""
        return self.filter(meeting__notice_sent_at__isnull=False)

    def published(self) -> AgendaItemQuerySet:
        """Items whose minutes and decisions are published (exempt ones still withheld)."""
        return self.filter(meeting__state=Meeting.State.PUBLISHED)


class AgendaItem(TimeStamped, Exemptable):
    """One treatment of one case at one meeting (or a standard item without a case)."""

    Kind = CaseKind

    # What a secretary writes in the minutes, through save_minutes; the rest is the agenda.
    MINUTES_FIELDS = frozenset(
        {"minutes_text", "decision", "outcome", "vote", "votes_for", "votes_against", "votes_blank"}
    )

    class Outcome(models.TextChoices):
        NONE = "", _("not decided")
        ADOPTED = "adopted", _("adopted")
        ADOPTED_AMENDED = "adopted_amended", _("adopted with amendments")
        REJECTED = "rejected", _("rejected")
        NOTED = "noted", _("noted")
        DISCUSSED = "discussed", _("discussed")
        POSTPONED = "postponed", _("postponed")
        WITHDRAWN = "withdrawn", _("withdrawn")

    class Vote(models.TextChoices):
        NONE = "", _("no vote")
        UNANIMOUS = "unanimous", _("unanimous")
        COUNTED = "counted", _("counted")

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="items", verbose_name=_("meeting")
    )
    # The meeting's body, kept here so that the database can hold the numbering unique.
    body = models.ForeignKey(
        Body, on_delete=models.PROTECT, related_name="agenda_items", editable=False
    )
    case = models.ForeignKey(
        Case,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="treatments",
        verbose_name=_("case"),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=20, choices=CaseKind, default=CaseKind.DECISION)
    title = models.CharField(
        _("title"), max_length=300, blank=True, help_text=_("Empty: the case's title.")
    )
    public_title = models.CharField(
        _("public title"),
        max_length=300,
        blank=True,
        help_text=_("Shown to the public when the item is exempt. Empty: the case's."),
    )
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True, editable=False)
    sequence = models.PositiveIntegerField(_("number"), null=True, blank=True, editable=False)
    minutes_text = models.TextField(_("minutes"), blank=True)
    decision = models.TextField(_("decision"), blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=Outcome, default=Outcome.NONE, blank=True
    )
    vote = models.CharField(_("vote"), max_length=20, choices=Vote, default=Vote.NONE, blank=True)
    votes_for = models.PositiveSmallIntegerField(_("votes for"), null=True, blank=True)
    votes_against = models.PositiveSmallIntegerField(_("votes against"), null=True, blank=True)
    votes_blank = models.PositiveSmallIntegerField(_("blank votes"), null=True, blank=True)
    disqualified = models.ManyToManyField(
        Person,
        blank=True,
        related_name="disqualified_items",
        verbose_name=_("disqualified members"),
    )
    previous_meeting = models.ForeignKey(
        Meeting,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="approved_by_items",
        verbose_name=_("minutes approved by this item"),
        help_text=_("For 'Godkjenning av referat fra forrige møte'."),
    )
    adopts_mandate = models.ForeignKey(
        MandateVersion,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="adopted_by_items",
        verbose_name=_("mandate adopted"),
    )
    established_bodies = models.ManyToManyField(
        Body, blank=True, related_name="established_by_items", verbose_name=_("bodies set up")
    )
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = AgendaItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["meeting", "position", "id"]
        indexes = [models.Index(fields=["meeting", "position"])]
        constraints = [
            models.UniqueConstraint(
                fields=["body", "year", "sequence"],
                condition=Q(year__isnull=False),
                name="unique_item_number_per_body_year",
                violation_error_message=_("Another item of this body already has this number."),
            ),
            models.UniqueConstraint(
                fields=["meeting", "sequence"],
                condition=Q(sequence__isnull=False),
                name="unique_item_number_per_meeting",
            ),
            models.CheckConstraint(
                condition=Q(case__isnull=False) | ~Q(title=""),
                name="item_has_case_or_title",
                violation_error_message=_("An item without a case needs a title."),
            ),
            models.CheckConstraint(
                condition=Q(is_exempt=False) | ~Q(exemption_basis=""),
                name="item_exempt_has_basis",
                violation_error_message=_("An exempt document needs its legal basis (hjemmel)."),
            ),
            models.CheckConstraint(
                condition=~Q(vote="counted")
                | Q(votes_for__isnull=False, votes_against__isnull=False),
                name="item_counted_vote_has_numbers",
                violation_error_message=_("A counted vote needs the votes for and against."),
            ),
            models.CheckConstraint(
                condition=Q(year__isnull=True) | Q(sequence__isnull=False),
                name="item_year_has_sequence",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number_label} {self.display_title}".strip()

    def save(self, *args, **kwargs) -> None:
        if self.meeting_id:
            # Always the meeting's body, so the numbering constraint checks the right body.
            self.body_id = self.meeting.body_id
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.clean_exemption()
        if not self.case_id and not self.title.strip():
            raise ValidationError({"title": _("An item without a case needs a title.")})
        if self.vote == self.Vote.COUNTED and (
            self.votes_for is None or self.votes_against is None
        ):
            raise ValidationError(
                {"votes_for": _("A counted vote needs the votes for and against.")}
            )

    @property
    def number(self) -> str:
        if self.sequence is None:
            return ""
        if self.year is None:
            return str(self.sequence)
        return f"{self.sequence:02d}/{self.year % 100:02d}"

    @property
    def number_label(self) -> str:
        if self.sequence is None:
            return ""
        if self.year is None:
            return f"{self.sequence}."
        return gettext("Case %(number)s") % {"number": self.number}

    @property
    def display_title(self) -> str:
        return self.title or (self.case.title if self.case_id else "")

    @property
    def is_withheld(self) -> bool:
        """Exempt from public access, through the item itself or its case."""
        return self.is_exempt or bool(self.case_id and self.case.is_exempt)

    @property
    def legal_basis(self) -> str:
        if self.is_exempt:
            return self.exemption_basis
        if self.case_id and self.case.is_exempt:
            return self.case.exemption_basis
        return ""

    @property
    def title_for_public(self) -> str:
        if not self.is_withheld:
            return self.display_title
        return (
            self.public_title
            or (self.case.public_title if self.case_id else "")
            or gettext("Exempt item")
        )

    def save_minutes(self, *, by, expected_version: int, **fields) -> None:
        """Save minutes fields only if nobody saved the item since expected_version.

        An optimistic lock: the UPDATE carries the version it expects, so of two people
        editing the same item the second is refused with EditConflict, never overwritten.
        """
        unknown = set(fields) - self.MINUTES_FIELDS
        if unknown:
            raise ValueError(f"save_minutes cannot change {sorted(unknown)}")
        meeting = self.meeting
        if not meeting.may_be_managed_by(by):
            raise NotAllowed(gettext("Only the secretariat of this cooperation may do this."))
        if fields.get("vote") == self.Vote.COUNTED and (
            fields.get("votes_for") is None or fields.get("votes_against") is None
        ):
            raise DomainError(gettext("A counted vote needs the votes for and against."))
        # One statement carries both conditions. The state is checked with a correlated
        # EXISTS rather than a join: Django turns a join into "id IN (subquery)", which
        # PostgreSQL does not re-check against a row another writer has just changed, and
        # two saves of the same version would both win (the 4 x 100 test catches that).
        editable = Meeting.objects.filter(
            pk=OuterRef("meeting_id"), state__in=Meeting.EDITABLE_MINUTES
        )
        updated = (
            AgendaItem.objects.filter(pk=self.pk, version=expected_version)
            .filter(Exists(editable))
            .update(**fields, version=F("version") + 1, modified=timezone.now())
        )
        if not updated:
            current = AgendaItem.objects.select_related("meeting").get(pk=self.pk)
            if current.meeting.state not in Meeting.EDITABLE_MINUTES:
                raise DomainError(
                    gettext(
                        "The minutes can no longer be edited here (the meeting is %(state)s); "
                        "after approval a change is a formal correction."
                    )
                    % {"state": current.meeting.get_state_display()}
                )
            raise EditConflict(
                gettext(
                    "Someone else saved this item while you were editing it. Your text has "
                    "not been saved: compare the two versions and save again."
                ),
                current=current,
            )
        self.refresh_from_db()

    def establish_working_group(self, *, by, name: str, members, lead) -> Body:
        """A working group set up by this item's decision: a body under the meeting's body,
        with its members and the lead who calls the first meeting (seed 003)."""
        meeting = self.meeting
        if not meeting.may_be_managed_by(by):
            raise NotAllowed(gettext("Only the secretariat of this cooperation may do this."))
        parent = meeting.body
        day = timezone.localtime(meeting.start).date()
        with transaction.atomic():
            slug = slugify(name)[:40] or "arbeidsgruppe"
            base, n = slug, 1
            while Body.objects.filter(cooperation=parent.cooperation, slug=slug).exists():
                n += 1
                slug = f"{base}-{n}"
            group = Body(
                cooperation=parent.cooperation,
                name=name,
                slug=slug,
                kind=Body.Kind.WORKING_GROUP,
                parent=parent,
                numbering=Body.Numbering.PER_MEETING,
                established=day,
            )
            group.full_clean()
            group.save()
            for person in members:
                Membership.objects.create(
                    body=group,
                    person=person,
                    role=Membership.Role.MEMBER,
                    start=day,
                    is_lead=person == lead,
                )
            self.established_bodies.add(group)
        return group


class Attendance(TimeStamped):
    """Who came to a meeting, who sent apologies, and in what role (fremmøte)."""

    class Role(models.TextChoices):
        MEMBER = "member", _("present")
        APOLOGIES = "apologies", _("apologies")
        SUBSTITUTE = "substitute", _("substitute")
        STAFF = "staff", _("secretariat")
        GUEST = "guest", _("guest")

    PRESENT_ROLES = (Role.MEMBER, Role.SUBSTITUTE)

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("meeting")
    )
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attendances",
        verbose_name=_("person"),
    )
    name = models.CharField(
        _("name"), max_length=200, blank=True, help_text=_("For guests not in the register.")
    )
    on_behalf_of = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("on behalf of"),
    )
    role = models.CharField(_("attendance"), max_length=20, choices=Role, default=Role.MEMBER)
    substitute_for = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="substituted_at",
        verbose_name=_("substitute for"),
    )
    is_chair = models.BooleanField(_("chaired the meeting"), default=False)
    left_during = models.ManyToManyField(
        AgendaItem,
        blank=True,
        related_name="absentees",
        verbose_name=_("absent during"),
        help_text=_("Items the person left the room for."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["meeting", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "person"],
                condition=Q(person__isnull=False),
                name="unique_attendance_per_person",
            ),
            models.UniqueConstraint(
                fields=["meeting"],
                condition=Q(is_chair=True),
                name="one_chair_per_meeting",
                violation_error_message=_("Someone else already chaired this meeting."),
            ),
            models.CheckConstraint(
                condition=Q(person__isnull=False) | ~Q(name=""), name="attendance_has_someone"
            ),
            models.CheckConstraint(
                condition=(Q(role="substitute") & Q(substitute_for__isnull=False))
                | (~Q(role="substitute") & Q(substitute_for__isnull=True)),
                name="attendance_substitute_for_whom",
                violation_error_message=_("A substitute must say for whom, and only a substitute."),
            ),
            models.CheckConstraint(
                condition=Q(is_chair=False) | Q(role__in=["member", "substitute"]),
                name="attendance_chair_is_present",
                violation_error_message=_("Only someone present can chair the meeting."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.get_role_display()})"

    @property
    def display_name(self) -> str:
        return self.person.name if self.person_id else self.name

    def clean(self) -> None:
        if self.role == self.Role.SUBSTITUTE and not self.substitute_for_id:
            raise ValidationError({"substitute_for": _("Say whom the substitute met for.")})
        if self.role != self.Role.SUBSTITUTE and self.substitute_for_id:
            raise ValidationError(
                {"substitute_for": _("Only a substitute meets for someone else.")}
            )
        if self.is_chair and self.role not in self.PRESENT_ROLES:
            raise ValidationError({"is_chair": _("Only someone present can chair the meeting.")})
        if not self.person_id and not self.name.strip():
            raise ValidationError({"name": _("Choose a person or write a name.")})


class FollowUp(TimeStamped):
    """A task a decision leaves behind (oppfølging), with who does it and by when."""

    item = models.ForeignKey(
        AgendaItem, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("item")
    )
    description = models.TextField(_("what"))
    responsible = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("responsible"),
    )
    due = models.DateField(_("due"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["due", "id"]

    def __str__(self) -> str:
        return self.description[:80]


class MeetingEvent(models.Model):
    """One line of a meeting's history: a state change, numbering, approval, correction."""

    class Kind(models.TextChoices):
        STATE_CHANGE = "state_change", _("state change")
        NUMBERS_ASSIGNED = "numbers_assigned", _("numbers assigned")

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="events", verbose_name=_("meeting")
    )
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind)
    from_state = models.CharField(_("from"), max_length=20, choices=Meeting.State, blank=True)
    to_state = models.CharField(_("to"), max_length=20, choices=Meeting.State, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("meeting event")
        verbose_name_plural = _("meeting events")
        ordering = ["meeting", "at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}"


# The stored minutes PDFs (meetings/documents.py); imported here so Django registers the model.
from .documents import MinutesDocument  # noqa: E402, F401

# The search index lives in its own module; imported here so Django registers its model.
from .search import SearchDocument  # noqa: E402, F401

"""Meetings, their agenda items, attendance, follow-ups and the log of every state change."""

from __future__ import annotations

import datetime
import hashlib
import json
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Exists, F, IntegerField, Max, Min, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Least, TruncDate
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases.models import Attachment, Case, CaseKind, Exemptable
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


@contextmanager
def changing_public_record(*objects):
    """`meetings.public_record.changing` (ADR 15), which imports this module."""
    from .public_record import changing

    with changing(*objects) as change:
        yield change


class MeetingQuerySet(models.QuerySet):
    def of(self, cooperation: Cooperation) -> MeetingQuerySet:
        return self.filter(body__cooperation=cooperation)

    def for_body(self, body: Body) -> MeetingQuerySet:
        return self.filter(body=body)

    def with_public_agenda(self) -> MeetingQuerySet:
        """Meetings the public may see: those whose notice has gone out, which made their
        agenda and case documents public (a cancelled meeting keeps them)."""
        return self.filter(notice_sent_at__isnull=False)

    def upcoming(self, now: datetime.datetime | None = None) -> MeetingQuerySet:
        """Meetings not yet over (those under way included), soonest first.

        With a lower bound on `start` that follows from the condition, so that PostgreSQL
        walks the index on (start, id) from there: without it, it walks from the oldest
        meeting through every past one (4 ms for the home page on the bench data, against
        0.6 ms). A meeting not over either ends later than now, and so starts no earlier than
        the first of those (read through the index on (end, start); the FILTER keeps
        PostgreSQL from reading that minimum off the (start, id) index, which would walk it
        from the oldest meeting in the same way), or has no end and starts at most UNDER_WAY
        ago. `now`: the time to tell by (the present when not given)."""
        now = now or timezone.now()
        under_way = now - UNDER_WAY
        ending_later = (
            Meeting.objects.filter(end__gte=now)
            .order_by()
            # One group of all of them (Django leaves a constant out of GROUP BY): a scalar.
            .values(all=Value(1, IntegerField()))
            .annotate(first=Min("start", filter=Q(end__gte=now)))
            .values("first")
        )
        bound = Least(Coalesce(Subquery(ending_later), Value(under_way)), Value(under_way))
        return (
            self.filter(start__gte=bound)
            .filter(Q(end__gte=now) | Q(end__isnull=True, start__gte=under_way))
            .exclude(state=Meeting.State.CANCELLED)
            .order_by("start")
        )

    def past(self) -> MeetingQuerySet:
        return self.filter(start__lt=timezone.now()).order_by("-start")

    def with_published_minutes(self) -> MeetingQuerySet:
        return self.filter(state=Meeting.State.PUBLISHED)

    def staffed_by(self, user) -> MeetingQuerySet:
        return self.filter(body__cooperation__in=Cooperation.objects.staffed_by(user))

    def for_member(self, user) -> MeetingQuerySet:
        """Meetings of the bodies the user sat in on the meeting's day (deputies and the
        body's secretary included): they may read the exempt documents of these."""
        if not user.is_authenticated:
            return self.none()
        seats = Membership.objects.filter(
            body=OuterRef("body"), person__user=user, start__lte=OuterRef("day")
        ).filter(Q(end__isnull=True) | Q(end__gte=OuterRef("day")))
        return self.annotate(day=TruncDate("start")).filter(Exists(seats))


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
    # Before they go out for approval, nobody can have approved them.
    DRAFTING_MINUTES = (State.PLANNED, State.NOTICE_SENT, State.HELD)

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
    # The approval of the minutes (meetings/approvals.py): the body's rule as it was when the
    # minutes went out, the deadline, and the exact text that was approved.
    approval_rule = models.CharField(
        _("minutes approved by"), max_length=30, choices=Body.ApprovalRule, blank=True
    )
    approval_deadline = models.DateField(_("approval deadline"), null=True, blank=True)
    approved_at = models.DateTimeField(_("minutes approved"), null=True, blank=True)
    approved_digest = models.CharField(_("SHA-256 of the approved text"), max_length=64, blank=True)
    # The latest formal correction (approvals.Correction), so a page knows whether to look.
    corrected_at = models.DateTimeField(_("last corrected"), null=True, blank=True)

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
            # The meetings that end later than now: the bound of upcoming().
            models.Index(fields=["end", "start"], name="meeting_end_start"),
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
            # Published minutes were approved first, always.
            models.CheckConstraint(
                condition=~Q(state__in=["approved", "published"]) | Q(approved_at__isnull=False),
                name="meeting_approved_has_date",
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
        changes_public_record: bool = False,
    ) -> None:
        if not self.may_be_managed_by(by):
            raise NotAllowed(gettext("Only the secretariat of this cooperation may do this."))
        # A move the public sees (notice, publication, cancelling) commits with its search
        # rows and its PDFs' tasks (meetings/public_record.py, ADR 15).
        with changing_public_record(self) if changes_public_record else transaction.atomic():
            # FOR NO KEY UPDATE: the key does not change, so inserts that reference the row
            # (items, attendance) need not wait for us, nor we for them.
            locked = Meeting.objects.select_for_update(no_key=True).get(pk=self.pk)
            if locked.state not in allowed_from:
                raise DomainError(
                    gettext("%(refusal)s The meeting is %(state)s.")
                    % {"refusal": refusal, "state": locked.get_state_display()}
                )
            extra_fields = dict(extra_fields or {})
            if before_save:
                # It may check and refuse, and return more fields to save.
                extra_fields |= before_save(locked, by) or {}
            fields = locked._change_state(by=by, to=to, note=note, extra_fields=extra_fields)
        for name in fields:
            setattr(self, name, getattr(locked, name))

    def _change_state(self, *, by, to: str, note: str = "", extra_fields=None) -> list[str]:
        """Save the new state (on a row already locked) and log it; the fields it saved."""
        from_state = self.state
        fields = {"state": to, **(extra_fields or {})}
        for name, value in fields.items():
            setattr(self, name, value)
        self.save(update_fields=[*fields, "modified"])
        MeetingEvent.log(
            self,
            MeetingEvent.Kind.STATE_CHANGE,
            by=by,
            note=note,
            from_state=from_state,
            to_state=to,
        )
        return [*fields, "modified"]

    def send_notice(self, *, by) -> None:
        """Send the notice: items get their numbers and the agenda becomes public (searchable,
        and its notice PDFs asked for, in the same transaction: meetings/public_record.py)."""
        self._move(
            by=by,
            to=self.State.NOTICE_SENT,
            allowed_from={self.State.PLANNED},
            refusal=gettext("The notice can only be sent once, for a planned meeting."),
            extra_fields={"notice_sent_at": timezone.now()},
            before_save=lambda meeting, by: meeting.assign_numbers(by=by),
            changes_public_record=True,
        )

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

    # The approval of the minutes, by the body's rule (meetings/approvals.py).

    def send_minutes_for_approval(
        self, *, by, deadline: datetime.date | None = None, members=()
    ) -> None:
        """Send the draft minutes for approval by the body's rule.

        The chair (who chaired, from the attendance) approves alone, or with the members
        designated at the meeting (`members`, exactly as many as the body's rule says); a body
        that approves at its next meeting has no approvers here and no deadline.
        """
        rule = self.body.approval_rule
        rules = Body.ApprovalRule
        if rule != rules.NEXT_MEETING:
            if deadline is None or deadline < timezone.localdate():
                raise DomainError(gettext("Choose a deadline for the approval, today or later."))
        else:
            deadline, members = None, ()

        def designate(meeting: Meeting, by) -> None:
            meeting.approvers.all().delete()
            if rule == rules.NEXT_MEETING:
                return
            chair = meeting.attendances.filter(is_chair=True, person__isnull=False).first()
            if chair is None:
                raise DomainError(
                    gettext("Record who chaired the meeting (in the attendance) first.")
                )
            chosen = list(members)
            if rule == rules.CHAIR_AND_MEMBERS:
                present = set(
                    meeting.attendances.filter(
                        role__in=Attendance.PRESENT_ROLES, person__isnull=False
                    ).values_list("person_id", flat=True)
                )
                count = meeting.body.approvers_count
                if len({p.pk for p in chosen}) != count or chair.person in chosen:
                    raise DomainError(
                        gettext("Choose %(count)s members besides the chair to approve.")
                        % {"count": count}
                    )
                if any(p.pk not in present for p in chosen):
                    raise DomainError(gettext("Only members present at the meeting can approve."))
            else:
                chosen = []
            Approver.objects.create(meeting=meeting, person=chair.person, is_chair=True)
            for person in chosen:
                Approver.objects.create(meeting=meeting, person=person)
            MeetingEvent.log(
                meeting,
                MeetingEvent.Kind.APPROVERS,
                by=by,
                note=", ".join([chair.person.name, *(p.name for p in chosen)]),
            )

        self._move(
            by=by,
            to=self.State.IN_APPROVAL,
            allowed_from={self.State.HELD},
            refusal=gettext("Only the minutes of a held meeting can be sent for approval."),
            before_save=designate,
            extra_fields={"approval_rule": rule, "approval_deadline": deadline},
            note=(
                gettext("Deadline %(date)s") % {"date": f"{deadline:%d.%m.%Y}"} if deadline else ""
            ),
        )

    def withdraw_minutes_from_approval(self, *, by, reason: str) -> None:
        self._move(
            by=by,
            to=self.State.HELD,
            allowed_from={self.State.IN_APPROVAL},
            refusal=gettext("Only minutes out for approval can be withdrawn."),
            note=reason,
        )

    @contextmanager
    def changing_minutes(self, *, by):
        """Change the minutes outside save_minutes (the attendance, who was disqualified):
        under the meeting's lock, refused once approved, and approvals of the old text lapse."""
        if not self.may_be_managed_by(by):
            raise NotAllowed(gettext("Only the secretariat of this cooperation may do this."))
        with transaction.atomic():
            locked = Meeting.objects.select_for_update(no_key=True).get(pk=self.pk)
            if locked.state not in self.EDITABLE_MINUTES:
                raise DomainError(
                    gettext(
                        "The minutes are approved; a change must be made as a formal correction."
                    )
                )
            yield locked
            locked.lapse_stale_approvals(by=by)

    def minutes_record(self, *, items=None, attendance=None) -> dict:
        """Everything the minutes say, as plain data: what an approval approves.

        A page that has read the items (with their case and disqualified members) and the
        attendance (with person, substitute and left_during) passes them in."""
        if attendance is None:
            attendance = self.attendances.select_related(
                "person", "substitute_for"
            ).prefetch_related("left_during")
        if items is None:
            items = self.items.select_related("case").prefetch_related("disqualified")
        local = timezone.localtime
        return {
            "start": local(self.start).isoformat(),
            "end": local(self.end).isoformat() if self.end else None,
            "place": self.place,
            "attendance": [
                {
                    "name": a.display_name,
                    "role": a.role,
                    "for": a.substitute_for.name if a.substitute_for_id else None,
                    "chair": a.is_chair,
                    "left_during": sorted(i.pk for i in a.left_during.all()),
                }
                for a in attendance
            ],
            "items": [
                {
                    "id": item.pk,
                    "number": item.number,
                    "title": item.display_title,
                    **{name: getattr(item, name) for name in sorted(AgendaItem.MINUTES_FIELDS)},
                    "disqualified": sorted(p.name for p in item.disqualified.all()),
                }
                for item in items
            ],
        }

    def minutes_digest(self, **already_read) -> str:
        """The SHA-256 of the minutes as they now read; an approval records it."""
        text = json.dumps(self.minutes_record(**already_read), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def approval_deadline_passed(self) -> bool:
        return bool(self.approval_deadline and timezone.localdate() > self.approval_deadline)

    def approver_for(self, user) -> Approver | None:
        """The user's place among the approvers of these minutes, if they have one."""
        if not user.is_authenticated:
            return None
        return self.approvers.select_related("person").filter(person__user=user).first()

    def approvals_of_current_text(self, digest: str | None = None) -> dict[int, Approval]:
        """The approvals that count now, by person id."""
        digest = digest or self.minutes_digest()
        return {a.person_id: a for a in self.approvals.of_text(digest).select_related("person")}

    def approval_overview(self) -> dict | None:
        """While out for approval: each approver with their approval of the current text (or
        None), and how many comments there are. None at other times."""
        if self.state != self.State.IN_APPROVAL:
            return None
        approved = self.approvals_of_current_text()
        approvers = list(self.approvers.select_related("person"))
        for approver in approvers:
            approver.approval = approved.get(approver.person_id)
        return {"approvers": approvers, "comments": self.comments.count()}

    def approve_minutes(self, *, by, digest: str) -> Approval:
        """An approver approves the text they read (its digest). Approving twice records one
        approval; when the last approver approves, the minutes are approved."""
        approver = self.approver_for(by)
        if approver is None:
            raise NotAllowed(gettext("You are not among those who approve these minutes."))
        with transaction.atomic():
            # The same lock as a change of the text takes (save_minutes): the text cannot
            # change between reading its digest and recording the approval.
            locked = Meeting.objects.select_for_update(no_key=True).get(pk=self.pk)
            if locked.state != self.State.IN_APPROVAL:
                raise DomainError(
                    gettext("The minutes are not out for approval (the meeting is %(state)s).")
                    % {"state": locked.get_state_display()}
                )
            existing = locked.approvals.filter(person=approver.person, digest=digest).first()
            if existing is not None:
                return existing
            if locked.approval_deadline_passed:
                raise DomainError(
                    gettext(
                        "The deadline for approving these minutes was %(date)s. Contact the "
                        "secretariat."
                    )
                    % {"date": f"{locked.approval_deadline:%d.%m.%Y}"}
                )
            current = locked.minutes_digest()
            if digest != current:
                raise DomainError(
                    gettext(
                        "The minutes have changed since you opened them. Read them again "
                        "and approve the text as it now stands."
                    )
                )
            approval = Approval.objects.create(
                meeting=locked, person=approver.person, user=by, digest=digest
            )
            MeetingEvent.log(locked, MeetingEvent.Kind.APPROVAL, by=by, note=approver.person.name)
            approved = locked.approvals_of_current_text(current)
            if all(a.person_id in approved for a in locked.approvers.all()):
                names = ", ".join(a.person.name for a in approved.values())
                locked._change_state(
                    by=by,
                    to=self.State.APPROVED,
                    note=gettext("Approved by %(names)s") % {"names": names},
                    extra_fields={"approved_at": timezone.now(), "approved_digest": current},
                )
        self.refresh_from_db()
        return approval

    def lapse_stale_approvals(self, *, by) -> list[Approval]:
        """After a change of the text: approvals of an older text lapse, and their approvers
        are told by e-mail once the change is committed. Call inside the change's lock."""
        if self.state != self.State.IN_APPROVAL:
            return []
        standing = self.approvals.filter(lapsed_at__isnull=True)
        if not standing.exists():
            return []
        stale = list(standing.exclude(digest=self.minutes_digest()).select_related("person"))
        now = timezone.now()
        for approval in stale:
            approval.lapsed_at = now
            MeetingEvent.log(
                self, MeetingEvent.Kind.APPROVAL_LAPSED, by=by, note=approval.person.name
            )
        Approval.objects.bulk_update(stale, ["lapsed_at"])
        if stale:
            from .approval_mail import tell_lapsed  # the mail module imports this one

            meeting_pk, people = self.pk, [a.person_id for a in stale]
            transaction.on_commit(lambda: tell_lapsed(meeting_pk, people))
        return stale

    def record_minutes_approved(self, *, by, note: str) -> None:
        """The secretariat records an approval given outside the system (signed on paper,
        by e-mail from the chair): how it was given is required, and logged."""
        if not note.strip():
            raise DomainError(gettext("Say how and by whom the minutes were approved."))
        self._move(
            by=by,
            to=self.State.APPROVED,
            # Minutes signed at the end of the meeting never went out for approval.
            allowed_from={self.State.HELD, self.State.IN_APPROVAL},
            refusal=gettext("Only the minutes of a held meeting can be approved."),
            note=note.strip(),
            before_save=lambda meeting, by: {"approved_digest": meeting.minutes_digest()},
            extra_fields={"approved_at": timezone.now()},
        )

    def record_approved_at_meeting(self, item: AgendaItem, *, by) -> bool:
        """The next meeting adopted "Godkjenning av referat fra forrige møte": for a body that
        approves at its next meeting, these minutes are approved. True when they were."""
        if self.body.approval_rule != Body.ApprovalRule.NEXT_MEETING:
            return False
        if self.state not in (self.State.HELD, self.State.IN_APPROVAL):
            return False
        when = timezone.localtime(item.meeting.start)
        self._move(
            by=by,
            to=self.State.APPROVED,
            allowed_from={self.State.HELD, self.State.IN_APPROVAL},
            refusal=gettext("Only minutes out for approval can be approved."),
            note=gettext("Approved at the meeting on %(date)s, %(item)s")
            % {"date": f"{when:%d.%m.%Y}", "item": item.number_label or item.display_title},
            before_save=lambda meeting, by: {"approved_digest": meeting.minutes_digest()},
            extra_fields={
                "approved_at": timezone.now(),
                "approval_rule": Body.ApprovalRule.NEXT_MEETING,
            },
        )
        return True

    def publish(self, *, by) -> None:
        self._move(
            by=by,
            to=self.State.PUBLISHED,
            allowed_from={self.State.APPROVED},
            refusal=gettext("Only approved minutes can be published."),
            extra_fields={"published_at": timezone.now()},
            changes_public_record=True,
        )

    def cancel(self, *, by, reason: str = "") -> None:
        self._move(
            by=by,
            to=self.State.CANCELLED,
            allowed_from={self.State.PLANNED, self.State.NOTICE_SENT},
            refusal=gettext("Only a meeting that has not been held can be cancelled."),
            note=reason,
            extra_fields={"cancelled_reason": reason},
            changes_public_record=True,
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
        with changing_public_record(self):
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
    def on_public_agenda(self) -> AgendaItemQuerySet:
        """Items of meetings whose notice has gone out (withheld ones — `is_withheld` — show
        their public title and legal basis only): `Meeting.objects.with_public_agenda()`,
        through the join."""
        return self.filter(meeting__notice_sent_at__isnull=False)

    def published(self) -> AgendaItemQuerySet:
        """Items whose minutes and decisions are published (exempt ones still withheld)."""
        return self.filter(meeting__state=Meeting.State.PUBLISHED)


# The public's rules for cases and attachments, each written once (docs/security.md): a case is
# on the public record once it is on the agenda of a meeting whose notice has gone out; its
# document is public unless the case is exempt (then only its public title and legal basis
# are); an attachment is served unless it or its case is exempt. Pages, search, feeds, the
# OParl API and the PDFs read them through these.


def cases_on_public_agenda(cases: models.QuerySet[Case] | None = None) -> models.QuerySet[Case]:
    """The cases (of `cases`, else all) the public may see, exempt ones by their public title."""
    cases = Case.objects.all() if cases is None else cases
    treated = AgendaItem.objects.on_public_agenda().filter(case=OuterRef("pk"))
    return cases.filter(Exists(treated))


def attachments_served(
    attachments: models.QuerySet[Attachment] | None = None,
) -> models.QuerySet[Attachment]:
    """The attachments (of `attachments`, else all) the public may download."""
    attachments = Attachment.objects.all() if attachments is None else attachments
    treated = AgendaItem.objects.on_public_agenda().filter(case=OuterRef("case_id"))
    return attachments.not_exempt().filter(Exists(treated))


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
        changes = {**fields, "version": F("version") + 1, "modified": timezone.now()}
        if self.meeting.state != Meeting.State.IN_APPROVAL:
            # While the minutes are drafted nobody has approved them: one statement carries
            # both conditions, the version and the state. The state is checked with a
            # correlated EXISTS rather than a join: Django turns a join into "id IN
            # (subquery)", which PostgreSQL does not re-check against a row another writer
            # has just changed, and two saves of the same version would both win.
            drafting = Meeting.objects.filter(
                pk=OuterRef("meeting_id"), state__in=Meeting.DRAFTING_MINUTES
            )
            if (
                AgendaItem.objects.filter(pk=self.pk, version=expected_version)
                .filter(Exists(drafting))
                .update(**changes)
            ):
                self._saved(fields, expected_version, changes["modified"], by=by)
                return
        with transaction.atomic():
            # Out for approval (or something changed): under the meeting's row lock, the
            # lock an approval takes (approve_minutes), so an approval is always of the text
            # as it stands, and approvals of the old text lapse.
            locked = Meeting.objects.select_for_update(no_key=True).get(pk=self.meeting_id)
            if locked.state not in Meeting.EDITABLE_MINUTES:
                raise DomainError(
                    gettext(
                        "The minutes can no longer be edited here (the meeting is %(state)s); "
                        "after approval a change is a formal correction."
                    )
                    % {"state": locked.get_state_display()}
                )
            if not AgendaItem.objects.filter(pk=self.pk, version=expected_version).update(
                **changes
            ):
                raise EditConflict(
                    gettext(
                        "Someone else saved this item while you were editing it. Your text has "
                        "not been saved: compare the two versions and save again."
                    ),
                    current=AgendaItem.objects.select_related("meeting").get(pk=self.pk),
                )
            locked.lapse_stale_approvals(by=by)
        self._saved(fields, expected_version, changes["modified"], by=by)

    def _saved(self, fields: dict, expected_version: int, modified, *, by) -> None:
        """This object as the save left the row, without reading it again."""
        for name, value in fields.items():
            setattr(self, name, value)
        self.version, self.modified = expected_version + 1, modified
        if self.previous_meeting_id and self.outcome in (
            self.Outcome.ADOPTED,
            self.Outcome.ADOPTED_AMENDED,
        ):
            # "Godkjenning av referat fra forrige møte" adopted: for a body that approves at
            # its next meeting, the previous minutes are approved now.
            self.previous_meeting.record_approved_at_meeting(self, by=by)

    def correct(self, *, by, reason: str, expected_version: int, **fields) -> Correction:
        """A formal correction of approved minutes: the reason is required, both texts are
        kept, and published minutes show that (and when) they were corrected."""
        unknown = set(fields) - self.MINUTES_FIELDS
        if unknown:
            raise ValueError(f"correct cannot change {sorted(unknown)}")
        if not self.meeting.may_be_managed_by(by):
            raise NotAllowed(gettext("Only the secretariat of this cooperation may do this."))
        if not reason.strip():
            raise DomainError(gettext("Say why the minutes are corrected."))
        with changing_public_record(self):
            meeting = Meeting.objects.select_for_update(no_key=True).get(pk=self.meeting_id)
            if meeting.state not in (Meeting.State.APPROVED, Meeting.State.PUBLISHED):
                raise DomainError(
                    gettext("Only approved minutes are corrected; until then, edit the text.")
                )
            current = AgendaItem.objects.select_for_update().get(pk=self.pk)
            if current.version != expected_version:
                raise EditConflict(
                    gettext(
                        "Someone else changed this item while you were correcting it. Nothing "
                        "has been saved: compare the two versions and try again."
                    ),
                    current=current,
                )
            before = {name: getattr(current, name) for name in sorted(self.MINUTES_FIELDS)}
            after = before | fields
            if after == before:
                raise DomainError(gettext("Nothing was changed, so there is nothing to correct."))
            AgendaItem.objects.filter(pk=self.pk).update(
                **fields, version=F("version") + 1, modified=timezone.now()
            )
            correction = Correction.objects.create(
                item=current, by=by, reason=reason.strip(), before=before, after=after
            )
            Meeting.objects.filter(pk=meeting.pk).update(corrected_at=correction.at)
            MeetingEvent.log(
                meeting,
                MeetingEvent.Kind.CORRECTION,
                by=by,
                note=f"{current.number_label or current.display_title}: {reason.strip()}",
            )
        self.refresh_from_db()
        return correction

    def change_exemption(
        self, *, by, is_exempt: bool, exemption_basis: str = "", public_title: str = ""
    ) -> None:
        """Withhold the item from the public (its minutes, decision and title; the public title
        and legal basis are shown instead), or release it. Allowed in every state: withholding
        more is always possible, and so is correcting a mistaken exemption."""
        if not self.meeting.may_be_managed_by(by):
            raise NotAllowed(gettext("Only the secretariat of this cooperation may do this."))
        with changing_public_record(self):
            self.is_exempt = is_exempt
            self.exemption_basis = exemption_basis.strip() if is_exempt else ""
            self.public_title = public_title.strip()
            self.full_clean()
            self.save(update_fields=["is_exempt", "exemption_basis", "public_title", "modified"])
            MeetingEvent.log(
                self.meeting,
                MeetingEvent.Kind.EXEMPTION,
                by=by,
                note=f"{self.number_label or self.display_title}: "
                + (self.exemption_basis if is_exempt else gettext("no longer exempt")),
            )

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
        APPROVERS = "approvers", _("approvers designated")
        APPROVAL = "approval", _("approval")
        APPROVAL_LAPSED = "approval_lapsed", _("approval lapsed")
        COMMENT = "comment", _("comment")
        CORRECTION = "correction", _("correction")
        EXEMPTION = "exemption", _("exemption from public access")
        EMAIL = "email", _("e-mail")

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

    @classmethod
    def log(cls, meeting: Meeting, kind: str, *, by=None, note: str = "", **fields) -> MeetingEvent:
        actor = by if by is not None and by.is_authenticated else None
        return cls.objects.create(meeting=meeting, kind=kind, actor=actor, note=note, **fields)


# The stored minutes PDFs (meetings/documents.py); imported here so Django registers the model.
# Approvers, approvals, comments and corrections (meetings/approvals.py).
from .approvals import Approval, Approver, Correction  # noqa: E402
from .documents import MinutesDocument  # noqa: E402, F401

# Every e-mail, until it is sent or given up (meetings/outbox.py).
from .outbox import OutgoingEmail  # noqa: E402, F401

# The search index lives in its own module; imported here so Django registers its model.
from .search import SearchDocument  # noqa: E402, F401

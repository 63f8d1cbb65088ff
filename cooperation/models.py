"""Cooperations, their member organisations, bodies, people and memberships."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .validators import validate_org_number


class TimeStamped(models.Model):
    created = models.DateTimeField(_("created"), auto_now_add=True)
    modified = models.DateTimeField(_("modified"), auto_now=True, db_index=True)

    class Meta:
        abstract = True


class CooperationQuerySet(models.QuerySet):
    def remember_staffing(self, user) -> frozenset[int]:
        """The ids of the cooperations the user works for, read once and kept on this request's
        user object, so the checks of one request cost one query."""
        ids = frozenset(self.staffed_by(user).values_list("pk", flat=True))
        if user.is_authenticated and not user.is_superuser:
            user._staffed_cooperation_ids = ids
        return ids

    def staffed_by(self, user) -> CooperationQuerySet:
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(staff__user=user).distinct()


class Cooperation(TimeStamped):
    """A regional cooperation (IPR, regionråd, county cooperation): the tenant root."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    slug = models.SlugField(_("slug"), unique=True)
    description = models.TextField(_("description"), blank=True)
    website = models.URLField(_("website"), blank=True)

    objects = CooperationQuerySet.as_manager()

    class Meta:
        verbose_name = _("cooperation")
        verbose_name_plural = _("cooperations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def is_staffed_by(self, user) -> bool:
        if not user.is_authenticated:
            return False
        if user.is_superuser:
            return True
        # Within one request the secretariat's views have read this already (remember_staffing).
        known = getattr(user, "_staffed_cooperation_ids", None)
        if known is not None:
            return self.pk in known
        return self.staff.filter(user=user).exists()


class StaffMembership(TimeStamped):
    """A user who works in the secretariat of a cooperation."""

    class Role(models.TextChoices):
        SECRETARY = "secretary", _("secretary")
        HEAD = "head", _("head of secretariat")

    cooperation = models.ForeignKey(
        Cooperation, on_delete=models.CASCADE, related_name="staff", verbose_name=_("cooperation")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_memberships",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role, default=Role.SECRETARY)

    class Meta:
        verbose_name = _("secretariat staff member")
        verbose_name_plural = _("secretariat staff")
        constraints = [
            models.UniqueConstraint(fields=["cooperation", "user"], name="unique_staff_per_coop")
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.cooperation})"


class Organisation(TimeStamped):
    """A member organisation: a municipality, a county, a sub-regional council."""

    class Kind(models.TextChoices):
        MUNICIPALITY = "municipality", _("municipality")
        COUNTY = "county", _("county municipality")
        REGIONAL_COUNCIL = "regional_council", _("regional council")
        STATE = "state", _("state agency")
        COMPANY = "company", _("company")
        OTHER = "other", _("other")

    cooperation = models.ForeignKey(
        Cooperation,
        on_delete=models.CASCADE,
        related_name="organisations",
        verbose_name=_("cooperation"),
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    part_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="parts",
        verbose_name=_("part of"),
        help_text=_("E.g. a municipality that belongs to a sub-regional council."),
    )
    org_number = models.CharField(
        _("organisation number"),
        max_length=9,
        blank=True,
        validators=[validate_org_number],
        help_text=_("Nine digits from the Register of Legal Entities (Enhetsregisteret)."),
    )
    is_member = models.BooleanField(
        _("member of the cooperation"),
        default=True,
        help_text=_("Unticked for partners that take part without being members."),
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["cooperation", "name"], name="unique_org_name"),
            models.UniqueConstraint(
                fields=["cooperation", "org_number"],
                condition=~Q(org_number=""),
                name="unique_org_number",
                violation_error_message=_("Another organisation already has this number."),
            ),
            models.CheckConstraint(
                condition=Q(org_number="") | Q(org_number__regex=r"^[0-9]{9}$"),
                name="org_number_nine_digits",
                violation_error_message=_("An organisation number has exactly nine digits."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.part_of_id and self.part_of_id == self.pk:
            raise ValidationError({"part_of": _("An organisation cannot be part of itself.")})


class BodyQuerySet(models.QuerySet):
    def active(self) -> BodyQuerySet:
        today = timezone.localdate()
        return self.filter(Q(dissolved__isnull=True) | Q(dissolved__gt=today))

    def of(self, cooperation: Cooperation) -> BodyQuerySet:
        return self.filter(cooperation=cooperation)


class Body(TimeStamped):
    """A body (organ) of a cooperation: representantskap, styre, faggruppe, arbeidsgruppe …"""

    class Kind(models.TextChoices):
        COUNCIL = "council", _("council of representatives")
        BOARD = "board", _("board")
        POLITICAL_COMMITTEE = "political_committee", _("political committee")
        ADMINISTRATIVE_GROUP = "administrative_group", _("administrative group")
        EXPERT_GROUP = "expert_group", _("expert group")
        WORKING_GROUP = "working_group", _("working group")
        FORUM = "forum", _("forum")
        WORKSHOP = "workshop", _("workshop")

    class Numbering(models.TextChoices):
        YEARLY = "yearly", _("per body and year (Sak 01/22)")
        PER_MEETING = "per_meeting", _("per meeting (1, 2, 3)")

    class ApprovalRule(models.TextChoices):
        CHAIR = "chair", _("the chair alone")
        CHAIR_AND_MEMBERS = "chair_and_members", _("the chair and members chosen at the meeting")
        NEXT_MEETING = "next_meeting", _("the whole body at its next meeting")

    cooperation = models.ForeignKey(
        Cooperation, on_delete=models.CASCADE, related_name="bodies", verbose_name=_("cooperation")
    )
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(
        _("short name"), max_length=60, blank=True, help_text=_("Used in case numbers and lists.")
    )
    slug = models.SlugField(_("slug"))
    kind = models.CharField(_("kind"), max_length=30, choices=Kind)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent body"),
        help_text=_("Working groups sit under the body that set them up."),
    )
    is_political = models.BooleanField(
        _("political body"),
        default=False,
        help_text=_("Elected members; the Local Government Act's rules on open meetings apply."),
    )
    numbering = models.CharField(
        _("numbering of items"), max_length=20, choices=Numbering, default=Numbering.YEARLY
    )
    approval_rule = models.CharField(
        _("minutes approved by"), max_length=30, choices=ApprovalRule, default=ApprovalRule.CHAIR
    )
    approvers_count = models.PositiveSmallIntegerField(
        _("members who approve with the chair"),
        default=2,
        help_text=_("Only used when the chair and members chosen at the meeting approve."),
    )
    has_information_item = models.BooleanField(_("standard item 'Orienteringer'"), default=False)
    has_any_other_business = models.BooleanField(_("standard item 'Eventuelt'"), default=False)
    established = models.DateField(_("established"), null=True, blank=True)
    dissolved = models.DateField(_("dissolved"), null=True, blank=True)

    objects = BodyQuerySet.as_manager()

    class Meta:
        verbose_name = _("body")
        verbose_name_plural = _("bodies")
        ordering = ["cooperation", "name"]
        constraints = [
            models.UniqueConstraint(fields=["cooperation", "slug"], name="unique_body_slug"),
            models.UniqueConstraint(fields=["cooperation", "name"], name="unique_body_name"),
            models.CheckConstraint(
                condition=Q(dissolved__isnull=True)
                | Q(established__isnull=True)
                | Q(dissolved__gte=models.F("established")),
                name="body_dissolved_after_established",
            ),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="body_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def display_short_name(self) -> str:
        return self.short_name or self.name

    def current_mandate(self) -> MandateVersion | None:
        today = timezone.localdate()
        return self.mandates.filter(valid_from__lte=today).order_by("-valid_from").first()

    def chair_on(self, day: datetime.date) -> Membership | None:
        return self.memberships.current(day).filter(role=Membership.Role.CHAIR).first()


class MandateVersion(TimeStamped):
    """One version of a body's terms of reference (mandat), valid from a date."""

    body = models.ForeignKey(
        Body, on_delete=models.CASCADE, related_name="mandates", verbose_name=_("body")
    )
    text = models.TextField(_("mandate"))
    valid_from = models.DateField(_("valid from"))
    adopted_by = models.CharField(
        _("adopted by"),
        max_length=200,
        blank=True,
        help_text=_("The decision that adopted it, e.g. 'Styret i Osloregionen, sak 48/20'."),
    )

    class Meta:
        verbose_name = _("mandate version")
        verbose_name_plural = _("mandate versions")
        ordering = ["body", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["body", "valid_from"], name="unique_mandate_date")
        ]

    def __str__(self) -> str:
        return f"{self.body} ({self.valid_from:%d.%m.%Y})"


class Person(TimeStamped):
    """A person who sits in a body, works in the secretariat or takes part in a meeting."""

    cooperation = models.ForeignKey(
        Cooperation, on_delete=models.CASCADE, related_name="people", verbose_name=_("cooperation")
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"), blank=True, help_text=_("Never shown to the public."))
    title = models.CharField(_("title"), max_length=200, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="employees",
        verbose_name=_("works for"),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
        verbose_name=_("login"),
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["name"]
        indexes = [models.Index(fields=["cooperation", "name"])]

    def __str__(self) -> str:
        return self.name


class MembershipQuerySet(models.QuerySet):
    def current(self, day: datetime.date | None = None) -> MembershipQuerySet:
        day = day or timezone.localdate()
        return self.filter(start__lte=day).filter(Q(end__isnull=True) | Q(end__gte=day))

    def voting(self) -> MembershipQuerySet:
        return self.filter(role__in=Membership.VOTING_ROLES)


class Membership(TimeStamped):
    """A person's role (verv) in a body for a period, on behalf of an organisation."""

    class Role(models.TextChoices):
        CHAIR = "chair", _("chair")
        DEPUTY_CHAIR = "deputy_chair", _("deputy chair")
        MEMBER = "member", _("member")
        DEPUTY = "deputy", _("deputy member")
        OBSERVER = "observer", _("observer")
        SECRETARY = "secretary", _("secretary")

    VOTING_ROLES = (Role.CHAIR, Role.DEPUTY_CHAIR, Role.MEMBER)

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("person")
    )
    body = models.ForeignKey(
        Body, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("body")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role, default=Role.MEMBER)
    on_behalf_of = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="representatives",
        verbose_name=_("on behalf of"),
    )
    start = models.DateField(_("from"))
    end = models.DateField(_("until"), null=True, blank=True)
    is_lead = models.BooleanField(
        _("follows up"),
        default=False,
        help_text=_("In working groups: the member who calls the first meeting."),
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["body", "role", "person__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                name="membership_end_after_start",
                violation_error_message=_("The membership cannot end before it starts."),
            ),
            # Two open-ended chairs are refused on every database; overlapping closed periods
            # are refused by an exclusion constraint on PostgreSQL (migration 0002) and by
            # clean() everywhere.
            models.UniqueConstraint(
                fields=["body"],
                condition=Q(role="chair", end__isnull=True),
                name="one_open_chair_per_body",
                violation_error_message=_("The body already has a chair without an end date."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} – {self.get_role_display()} – {self.body}"

    @property
    def is_voting(self) -> bool:
        return self.role in self.VOTING_ROLES

    def clean(self) -> None:
        if self.end and self.start and self.end < self.start:
            raise ValidationError({"end": _("The membership cannot end before it starts.")})
        if self.role == self.Role.CHAIR and self.body_id and self.start:
            overlapping = Membership.objects.filter(body_id=self.body_id, role=self.Role.CHAIR)
            if self.end:
                overlapping = overlapping.filter(start__lte=self.end)
            overlapping = overlapping.filter(Q(end__isnull=True) | Q(end__gte=self.start))
            if self.pk:
                overlapping = overlapping.exclude(pk=self.pk)
            other = overlapping.select_related("person").first()
            if other:
                raise ValidationError(
                    {
                        "role": _(
                            "%(body)s already has a chair in this period: %(person)s. "
                            "End that membership first."
                        )
                        % {"body": self.body, "person": other.person}
                    }
                )


class LoginAttemptQuerySet(models.QuerySet):
    def failed_since(self, moment: datetime.datetime) -> LoginAttemptQuerySet:
        return self.filter(succeeded=False, at__gte=moment)


class LoginAttempt(models.Model):
    """Every login, failed or not: the audit of who tried, and the basis of throttling."""

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    username = models.CharField(_("username"), max_length=150, db_index=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    succeeded = models.BooleanField(_("succeeded"), default=False)

    objects = LoginAttemptQuerySet.as_manager()

    class Meta:
        verbose_name = _("login attempt")
        verbose_name_plural = _("login attempts")
        ordering = ["-at"]
        indexes = [models.Index(fields=["ip", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {'ok' if self.succeeded else 'failed'}"


class RoleChange(models.Model):
    """Who gave or took which role, when, and from where (issue 8: the audit of role changes).

    Written by cooperation/audit.py for every path (the admin, the secretariat's pages such as
    setting up a working group, management commands, the shell): a membership of a body, a
    place in a secretariat, a login linked to a person, and a user's staff, superuser and
    active flags, each created, changed or deleted. Never edited; read-only in the admin."""

    class Action(models.TextChoices):
        CREATED = "created", _("created")
        CHANGED = "changed", _("changed")
        DELETED = "deleted", _("deleted")

    class Kind(models.TextChoices):
        MEMBERSHIP = "membership", _("membership of a body")
        STAFF = "staff", _("secretariat staff member")
        LOGIN = "login", _("login of a person")
        USER = "user", _("user's access")

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    # Kept as written, so the record still says who when that user is deleted.
    actor_name = models.CharField(_("who (username)"), max_length=150, blank=True)
    source = models.CharField(
        _("where from"),
        max_length=200,
        blank=True,
        help_text=_("The request (method and path), or the command that made the change."),
    )
    action = models.CharField(_("action"), max_length=10, choices=Action)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    object_id = models.PositiveBigIntegerField(_("object id"))
    subject = models.CharField(_("whose role"), max_length=200)
    scope = models.CharField(_("in"), max_length=200, blank=True)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)

    class Meta:
        verbose_name = _("role change")
        verbose_name_plural = _("role changes")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["kind", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.subject}: {self.get_action_display()}"

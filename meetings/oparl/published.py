"""What the API publishes: one queryset per kind of OParl object, and its `created`/`modified`.

The same rules as the public portal (meetings/views/public.py): meetings whose notice has
gone out, minutes once published, cases on the agenda of such a meeting, exempt content by
its public title and legal basis only. Every queryset is annotated with `oparl_created` and
`oparl_modified`, the values the API shows and filters on: an object counts as modified when
anything it shows or embeds changed, or when it became public (OParl clients sync with
`modified_since`, so a meeting's items must look modified when its notice goes out).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from cases.models import Attachment, Case
from cooperation.models import Body, Cooperation, Membership, Organisation, Person

from ..documents import NoticeDocument
from ..models import (
    AgendaItem,
    Attendance,
    Meeting,
    MinutesDocument,
    attachments_served,
    cases_on_public_agenda,
)
from .models import Tombstone


def newest(queryset: QuerySet, field: str = "modified") -> Subquery:
    """The latest value of `field` in a correlated queryset (NULL when it is empty)."""
    return Subquery(queryset.order_by(f"-{field}").values(field)[:1])


def latest_of(own: str, *subqueries: Subquery) -> Greatest:
    # Greatest is NULL on SQLite as soon as one argument is: an empty subquery counts as
    # the row's own value.
    return Greatest(own, *(Coalesce(subquery, own) for subquery in subqueries))


def withdrawn_from(container: str) -> Subquery:
    """When something embedded in this object was last withdrawn (`container`: in_meeting …)."""
    return newest(Tombstone.objects.filter(**{container: OuterRef("pk")}), "deleted_at")


# The municipal and county councils are elected together every fourth year (…, 2019, 2023,
# 2027, …) in September; the councils' four-year period (valgperiode) runs from 1 October
# of the election year. An assumption, not stored anywhere: docs/api.md, "Legislative terms".
AN_ELECTION_YEAR = 2023
TERM_BEGINS = (10, 1)  # month, day


def term_start(year: int) -> datetime.date:
    return datetime.date(year, *TERM_BEGINS)


def election_year(of: datetime.date) -> int:
    """The year the municipal election period of a day began: 2019, 2023, 2027 …"""
    year = of.year - (of.year - AN_ELECTION_YEAR) % 4
    return year if of >= term_start(year) else year - 4


def current_term_began() -> datetime.datetime:
    start = term_start(election_year(timezone.localdate()))
    return timezone.make_aware(datetime.datetime.combine(start, datetime.time()))


def bodies() -> QuerySet[Cooperation]:
    """OParl Bodies: our cooperations, all public.

    A Body embeds its legislative terms, which are derived from the calendar: when a new
    period begins, the Body counts as modified.
    """
    first_meeting = Meeting.objects.with_public_agenda().filter(body__cooperation=OuterRef("pk"))
    return Cooperation.objects.annotate(
        oparl_created=F("created"),
        oparl_modified=Greatest("modified", Value(current_term_began())),
        first_meeting=Subquery(first_meeting.order_by("start").values("start")[:1]),
    )


def organizations() -> QuerySet[Body]:
    """OParl Organizations: our bodies, all public (the portal lists every one)."""
    memberships = Membership.objects.filter(body=OuterRef("pk"))
    return Body.objects.annotate(
        oparl_created=F("created"),
        oparl_modified=latest_of(
            "modified", newest(memberships), withdrawn_from("in_organization")
        ),
    )


def member_organizations() -> QuerySet[Organisation]:
    """OParl Organizations too: the member municipalities, counties and partners."""
    return Organisation.objects.annotate(oparl_created=F("created"), oparl_modified=F("modified"))


def _published_attendance(person_field: str) -> QuerySet[Attendance]:
    return Attendance.objects.filter(
        **{person_field: OuterRef("pk")}, meeting__state=Meeting.State.PUBLISHED
    )


def people() -> QuerySet[Person]:
    """People the public meets: members of a body, and people named in published minutes."""
    memberships = Membership.objects.filter(person=OuterRef("pk"))
    attended = _published_attendance("person")
    stood_in_for = _published_attendance("substitute_for")
    return Person.objects.filter(
        Q(Exists(memberships)) | Q(Exists(attended)) | Q(Exists(stood_in_for))
    ).annotate(
        oparl_created=F("created"),
        oparl_modified=latest_of(
            "modified",
            newest(memberships),
            newest(attended, "meeting__published_at"),
            newest(stood_in_for, "meeting__published_at"),
            withdrawn_from("in_person"),
        ),
    )


def memberships() -> QuerySet[Membership]:
    return Membership.objects.annotate(oparl_created=F("created"), oparl_modified=F("modified"))


def meetings() -> QuerySet[Meeting]:
    """Meetings whose notice has gone out (cancelled ones too, marked as such)."""
    items = AgendaItem.objects.filter(meeting=OuterRef("pk")).annotate(
        changed=Greatest("modified", Coalesce("case__modified", "modified"))
    )
    attendance = Attendance.objects.filter(meeting=OuterRef("pk"))
    # A new version of the minutes PDF changes the embedded resultsProtocol, one of the public
    # notice PDF the embedded invitation (never the members' version: it is not published).
    minutes = MinutesDocument.objects.filter(meeting=OuterRef("pk"))
    notices = public_notices().filter(meeting=OuterRef("pk"))
    return Meeting.objects.with_public_agenda().annotate(
        oparl_created=F("created"),
        oparl_modified=latest_of(
            "modified",
            newest(items, "changed"),
            newest(attendance),
            newest(minutes, "created"),
            newest(notices, "created"),
            withdrawn_from("in_meeting"),
        ),
    )


def locations() -> QuerySet[Meeting]:
    """One OParl Location per public meeting with a place (our places are free text)."""
    return (
        Meeting.objects.with_public_agenda()
        .exclude(place="")
        .annotate(oparl_created=F("created"), oparl_modified=F("modified"))
    )


def agenda_items() -> QuerySet[AgendaItem]:
    """Items of public meetings; `order` is the item's rank on its meeting's agenda."""
    before = AgendaItem.objects.filter(meeting=OuterRef("meeting")).filter(
        Q(position__lt=OuterRef("position"))
        | Q(position=OuterRef("position"), pk__lt=OuterRef("pk"))
    )
    return AgendaItem.objects.on_public_agenda().annotate(
        oparl_created=F("created"),
        # The item shows its meeting's state (minutes published?) and its case's title.
        oparl_modified=Greatest(
            "modified", "meeting__modified", Coalesce("case__modified", "modified")
        ),
        rank=Coalesce(
            Subquery(before.order_by().values("meeting").annotate(n=Count("pk")).values("n")),
            0,
        )
        + 1,
    )


def consultations() -> QuerySet[AgendaItem]:
    """OParl Consultations: the treatment of a case at a public meeting (an item with a case)."""
    return agenda_items().filter(case__isnull=False)


def _public_since(case: str) -> Subquery:
    """When the case went public: the first notice of a meeting with it on the agenda."""
    treatments = AgendaItem.objects.on_public_agenda().filter(case=OuterRef(case))
    return Subquery(
        treatments.order_by("meeting__notice_sent_at").values("meeting__notice_sent_at")[:1]
    )


def _on_public_agenda() -> QuerySet[Case]:
    treatments = AgendaItem.objects.on_public_agenda().filter(case=OuterRef("pk"))
    return cases_on_public_agenda().annotate(
        oparl_created=F("created"),
        first_treated=Subquery(treatments.order_by("meeting__start").values("meeting__start")[:1]),
        # The case document (a File of its own) changes with the case and goes public with it.
        document_modified=Greatest("modified", Coalesce(_public_since("pk"), "modified")),
    )


def papers() -> QuerySet[Case]:
    """OParl Papers: cases on the agenda of a public meeting, exempt ones by public title."""
    treatments = AgendaItem.objects.on_public_agenda().filter(case=OuterRef("pk"))
    changed_treatments = treatments.annotate(changed=Greatest("modified", "meeting__modified"))
    attachments = Attachment.objects.filter(case=OuterRef("pk"))
    return _on_public_agenda().annotate(
        oparl_modified=latest_of(
            "modified",
            newest(changed_treatments, "changed"),
            newest(attachments),
            withdrawn_from("in_paper"),
        ),
    )


def documents() -> QuerySet[Case]:
    """The case document (saksframlegg) of a public, non-exempt case, as an OParl File."""
    return _on_public_agenda().not_exempt().annotate(oparl_modified=F("document_modified"))


def files() -> QuerySet[Attachment]:
    """Attachments the portal serves: not exempt, of a non-exempt case on a public agenda."""
    return attachments_served().annotate(
        oparl_created=F("created"),
        oparl_modified=Greatest("modified", Coalesce(_public_since("case_id"), "modified")),
    )


def _stored_pdfs(meetings: QuerySet[Meeting], versions: QuerySet) -> QuerySet[Meeting]:
    """A stored PDF of each of these meetings as one OParl File, whatever its versions.

    `versions`: the document's stored versions (e.g. `MinutesDocument.objects.all()`). The
    File is the portal's download, which serves the latest version: it is created with the
    first version and modified by each later one (and by the meeting, whose name and date it
    shows). Its id is the meeting's.
    """
    mine = versions.filter(meeting=OuterRef("pk"))
    return meetings.filter(Exists(mine)).annotate(
        oparl_created=Subquery(mine.order_by("version").values("created")[:1]),
        oparl_modified=latest_of("modified", newest(mine, "created")),
    )


def latest_versions(meetings: QuerySet[Meeting], versions: QuerySet) -> QuerySet:
    """The latest stored version of the document of each of these meetings (to prefetch),
    with `first_created`, when its first version was stored."""
    mine = versions.filter(meeting=OuterRef("meeting"))
    return (
        versions.filter(meeting__in=meetings.values("pk"))
        .exclude(Exists(mine.filter(version__gt=OuterRef("version"))))
        .annotate(first_created=Subquery(mine.order_by("version").values("created")[:1]))
    )


def minutes_files() -> QuerySet[Meeting]:
    """The published minutes as stored PDFs: meetings with published minutes only."""
    return _stored_pdfs(_minutes_public(), MinutesDocument.objects.all())


def latest_minutes() -> QuerySet[MinutesDocument]:
    return latest_versions(_minutes_public(), MinutesDocument.objects.all())


def _minutes_public() -> QuerySet[Meeting]:
    return Meeting.objects.with_public_agenda().with_published_minutes()


def notice_files() -> QuerySet[Meeting]:
    """The notice as stored PDFs: the public version, of meetings whose notice has gone out."""
    return _stored_pdfs(Meeting.objects.with_public_agenda(), public_notices())


def latest_notices() -> QuerySet[NoticeDocument]:
    return latest_versions(Meeting.objects.with_public_agenda(), public_notices())


def public_notices() -> QuerySet[NoticeDocument]:
    """The public version of the notice only: the members' version holds exempt content and
    is never published, not even its size, checksum or the moment it was stored."""
    return NoticeDocument.objects.filter(audience=NoticeDocument.Audience.PUBLIC)


# Kind (as in Tombstone.Kind and the URLs) -> what is published of it.
PUBLISHED: dict[str, Callable[[], QuerySet]] = {
    Tombstone.Kind.ORGANIZATION: organizations,
    Tombstone.Kind.MEMBER_ORGANIZATION: member_organizations,
    Tombstone.Kind.PERSON: people,
    Tombstone.Kind.MEMBERSHIP: memberships,
    Tombstone.Kind.MEETING: meetings,
    Tombstone.Kind.LOCATION: locations,
    Tombstone.Kind.AGENDA_ITEM: agenda_items,
    Tombstone.Kind.CONSULTATION: consultations,
    Tombstone.Kind.PAPER: papers,
    Tombstone.Kind.DOCUMENT: documents,
    Tombstone.Kind.FILE: files,
    Tombstone.Kind.MINUTES: minutes_files,
    Tombstone.Kind.NOTICE: notice_files,
}

"""Our rows as OParl 1.1 objects: one plain function per object type, returning a dict.

Each function shows only what the public portal shows of the same thing (docs/api.md has
the mapping). They read what `SHAPES[kind].rows()` selected and prefetched, so that a list
page costs the same number of queries for 1 and for 100 objects. The views run them with
bokmål active: labels such as roles and outcomes are the portal's own words.

On list pages the objects embedded in a list entry leave out their long free texts (an
agenda item's decision and minutes text, a case document's text): a page of 25 meetings
would otherwise carry every word of their minutes. The entries themselves, and every object
at its own URL, are complete.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, OuterRef, Prefetch, QuerySet, Sum
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext

from cases.models import Attachment, Case, CaseKind
from cases.richtext import plain_text  # the case texts are rich text (ADR 0006)
from cooperation.models import Body, Cooperation, Membership, Organisation, Person

from ..documents import MinutesDocument
from ..models import AgendaItem, Attendance, Meeting
from ..page_cache import total
from ..views.public import stamp_of
from . import published
from .models import Tombstone

SCHEMA = "https://schema.oparl.org/1.1/"
# Vendor-specific properties (OParl allows them with a prefix): what the portal shows and
# OParl has no property for.
LEGAL_BASIS = "moteportal:legalBasis"
MINUTES_TEXT = "moteportal:minutesText"
SHA256 = "moteportal:sha256Checksum"
# The public minutes, agendas and decisions are public records: Norway's licence for open
# government data, unless the OPARL_LICENSE setting names another ("" for none).
DEFAULT_LICENSE = "https://data.norge.no/nlod/no/2.0"
# OParl's suggested values for organizationType: every body of ours is a committee
# ("Gremium"); member municipalities and partners are institutions.
COMMITTEE = "Gremium"
INSTITUTION = "Institution"
AUTHORITATIVE_KINDS = {CaseKind.DECISION, CaseKind.ELECTION}


class Out:
    """What every serializer needs: absolute URLs, whether to leave embedded objects out
    (`omit_internal`), and whether they are embedded in a list page (`listing`: then they
    leave out their long texts).

    One per request. It also keeps what a page of hundreds of objects would otherwise work
    out again for each: the portal's URLs (reversed once per name, see `web`), the labels
    of choices and the translated phrases (the language and time zone are the request's).
    """

    def __init__(
        self, request: HttpRequest, *, omit_internal: bool = False, listing: bool = False
    ) -> None:
        self.request = request
        self.omit_internal = omit_internal
        self.listing = listing
        self.api = request.build_absolute_uri(reverse("oparl:system")).removesuffix("system")
        self.tz = timezone.get_current_timezone()
        self._web: dict[tuple[str, int], list[str] | None] = {}
        self._labels: dict[tuple[type, str], dict] = {}
        self._texts: dict[str, str] = {}
        self._dates: dict[datetime.datetime, str] = {}

    def key(self) -> tuple:
        """What of the request a list page's JSON depends on, for the key it is cached under
        (lists.list_page; a list page is always `listing`): the scheme, host and path of
        every URL (`api`; the portal's URLs are on the same host), the time zone of every
        moment, and whether embedded objects are left out. (The language is in every key:
        page_cache.stamp_key.)"""
        return (self.api, str(self.tz), self.omit_internal)

    def url(self, path: str, *ids: Any) -> str:
        """An API URL; `path` as in SHAPES, e.g. url("meeting/{}", 5)."""
        return self.api + path.format(*ids)

    def of(self, kind: str, pk: int) -> str:
        return self.url(SHAPES[kind].path, pk)

    def web(self, name: str, *args: Any, anchor: str = "") -> str:
        """The absolute URL of a portal page, as build_absolute_uri(reverse(name, args)).

        With ids only (ints), the URL is reversed once per name and request, and the ids are
        put in its place: a page of 25 meetings links ~400 times to the portal.
        """
        if args and all(type(arg) is int for arg in args):
            key = (name, len(args))
            if key not in self._web:
                self._web[key] = self._template(name, len(args))
            parts = self._web[key]
            if parts is not None:
                return _fill(parts, args) + anchor
        return self.request.build_absolute_uri(reverse(name, args=args)) + anchor

    def _template(self, name: str, count: int) -> list[str] | None:
        """The URL of `name` cut where its `count` ids go; None when the ids do not appear
        as themselves (a converter that rewrites them), so `web` reverses each time."""
        placeholders = [str(987654321012345 + n) for n in range(count)]
        rest = self.request.build_absolute_uri(reverse(name, args=[int(p) for p in placeholders]))
        parts = []
        for placeholder in placeholders:
            if rest.count(placeholder) != 1:
                return None
            before, rest = rest.split(placeholder)
            parts.append(before)
        parts.append(rest)
        check = list(range(1, count + 1))
        expected = self.request.build_absolute_uri(reverse(name, args=check))
        return parts if _fill(parts, check) == expected else None

    def label(self, row: Any, field: str) -> str:
        """As row.get_<field>_display(), from the field's choices translated once."""
        key = (type(row), field)
        labels = self._labels.get(key)
        if labels is None:
            choices = row._meta.get_field(field).flatchoices
            labels = self._labels[key] = {value: str(label) for value, label in choices}
        value = getattr(row, field)
        return labels.get(value, value)

    def gettext(self, message: str) -> str:
        text = self._texts.get(message)
        if text is None:
            text = self._texts[message] = gettext(message)
        return text

    def moment(self, value: datetime.datetime) -> str:
        """As moment(value), with the time zone looked up once."""
        return value.astimezone(self.tz).isoformat(timespec="seconds")

    def long_date(self, value: datetime.datetime) -> str:
        """The local day of `value` as "3. mars 2025" (in the request's language)."""
        text = self._dates.get(value)
        if text is None:
            text = self._dates[value] = date_format(timezone.localtime(value), "j. F Y")
        return text


def _fill(parts: list[str], ids: Any) -> str:
    """A URL cut by Out._template with these ids put back in."""
    return parts[0] + "".join(str(pk) + part for pk, part in zip(ids, parts[1:], strict=True))


def moment(value: datetime.datetime) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds")


def day(value: datetime.date | datetime.datetime) -> str:
    if isinstance(value, datetime.datetime):
        value = timezone.localdate(value)
    return value.isoformat()


def _object(kind: str, pk: int, row: Any, out: Out, **fields: Any) -> dict:
    """The common frame: id and type first, created and modified last, empty values left out.

    OParl asks servers to leave out properties without a value rather than send null.
    """
    data = {"id": out.of(kind, pk), "type": SCHEMA + SHAPES[kind].oparl_type}
    data.update({key: value for key, value in fields.items() if value not in (None, "")})
    data["created"] = out.moment(row.oparl_created)
    data["modified"] = out.moment(row.oparl_modified)
    return data


def deleted(stone: Tombstone, out: Out) -> dict:
    """A withdrawn object: id, type and created kept, modified = when it was withdrawn.

    Also what the schema requires of every object of its type (a File's accessUrl, an
    AgendaItem's order), as it was.
    """
    kept = {
        key: out.request.build_absolute_uri(value) if key.endswith("Url") else value
        for key, value in stone.kept.items()
    }
    return {
        "id": out.of(stone.kind, stone.object_id),
        "type": SCHEMA + SHAPES[stone.kind].oparl_type,
        **kept,
        "created": moment(stone.created),
        "modified": moment(stone.deleted_at),
        "deleted": True,
    }


# System, Body, LegislativeTerm


def system(out: Out, *, created: datetime.datetime, modified: datetime.datetime) -> dict:
    data = {
        "id": out.url("system"),
        "type": SCHEMA + "System",
        "oparlVersion": SCHEMA,
        "name": f"{gettext('Meetings and minutes')} – {gettext('Regional cooperation')}",
        "body": out.url("bodies"),
        "website": out.web("meetings:home"),
        "web": out.web("meetings:home"),
        "created": moment(created),
        "modified": moment(modified),
    }
    # OParl: a licence on the System covers every object of the system (files included)
    # unless an object names another; it is recommended there rather than on each object.
    if license_url():
        data["license"] = license_url()
    return _last(data, "created", "modified")


def license_url() -> str:
    return getattr(settings, "OPARL_LICENSE", DEFAULT_LICENSE)


BODY_LISTS = {
    "organization": "organizations",
    "person": "people",
    "meeting": "meetings",
    "paper": "papers",
    "agendaItem": "agenda-items",
    "consultation": "consultations",
    "file": "files",
    "locationList": "locations",
    "legislativeTermList": "legislative-terms",
    "membership": "memberships",
}


def body(cooperation: Cooperation, out: Out) -> dict:
    pk = cooperation.pk
    data = {
        "id": out.url("body/{}", pk),
        "type": SCHEMA + "Body",
        "system": out.url("system"),
        "name": cooperation.name,
        "created": moment(cooperation.oparl_created),
        "modified": moment(cooperation.oparl_modified),
    }
    if cooperation.short_name:
        data["shortName"] = cooperation.short_name
    if cooperation.website:
        data["website"] = cooperation.website
    for prop, segment in BODY_LISTS.items():
        data[prop] = out.url("body/{}/" + segment, pk)
    # Required, and embedded even with omit_internal: a Body without it is not valid.
    data["legislativeTerm"] = [
        legislative_term(term, out) for term in legislative_terms(cooperation)
    ]
    return _last(data, "created", "modified")


@dataclass(frozen=True)
class Term:
    """A Norwegian municipal election period (valgperiode), from 1 October of the election year.

    Derived, not stored: the member councils appoint their representatives for the councils'
    period, and our data holds no period of its own (docs/api.md, "Legislative terms").
    """

    cooperation: Cooperation
    year: int

    @property
    def start(self) -> datetime.date:
        return published.term_start(self.year)

    @property
    def end(self) -> datetime.date:
        return published.term_start(self.year + 4) - datetime.timedelta(days=1)

    @property
    def oparl_created(self) -> datetime.datetime:
        begun = timezone.make_aware(datetime.datetime.combine(self.start, datetime.time()))
        return max(self.cooperation.oparl_created, begun)

    oparl_modified = oparl_created


def legislative_terms(cooperation: Cooperation) -> list[Term]:
    """The periods from the one of the cooperation's first public meeting up to today's."""
    today = timezone.localdate()
    first = cooperation.first_meeting
    since = timezone.localdate(first) if first else today
    first, last = published.election_year(min(since, today)), published.election_year(today)
    years = range(first, last + 1, 4)
    return [Term(cooperation, year) for year in years]


def legislative_term(term: Term, out: Out) -> dict:
    return {
        "id": out.url("legislative-term/{}/{}", term.cooperation.pk, term.year),
        "type": SCHEMA + "LegislativeTerm",
        "body": out.url("body/{}", term.cooperation.pk),
        "name": f"Valgperioden {term.year}–{term.year + 4}",
        "startDate": day(term.start),
        "endDate": day(term.end),
        "created": moment(term.oparl_created),
        "modified": moment(term.oparl_modified),
    }


# Organizations, people, memberships


def organization(body: Body, out: Out) -> dict:
    return _object(
        "organization",
        body.pk,
        body,
        out,
        body=out.url("body/{}", body.cooperation_id),
        name=body.name,
        shortName=body.short_name,
        organizationType=COMMITTEE,
        classification=body.get_kind_display(),
        subOrganizationOf=out.of("organization", body.parent_id) if body.parent_id else None,
        startDate=day(body.established) if body.established else None,
        endDate=day(body.dissolved) if body.dissolved else None,
        membership=[out.of("membership", m.pk) for m in body.memberships.all()],
        meeting=out.url("organization/{}/meetings", body.pk),
        consultation=out.url("organization/{}/consultations", body.pk),
        web=out.web("meetings:body_detail", body.cooperation.slug, body.slug),
    )


def member_organization(organisation: Organisation, out: Out) -> dict:
    return _object(
        "member-organization",
        organisation.pk,
        organisation,
        out,
        body=out.url("body/{}", organisation.cooperation_id),
        name=organisation.name,
        organizationType=INSTITUTION,
        classification=organisation.get_kind_display(),
        subOrganizationOf=(
            out.of("member-organization", organisation.part_of_id)
            if organisation.part_of_id
            else None
        ),
    )


def person(person: Person, out: Out) -> dict:
    # The name only: never the e-mail address, the job title or the login.
    return _object(
        "person",
        person.pk,
        person,
        out,
        body=out.url("body/{}", person.cooperation_id),
        name=person.name,
        membership=(
            None if out.omit_internal else [membership(m, out) for m in person.memberships.all()]
        ),
    )


def membership(membership: Membership, out: Out) -> dict:
    return _object(
        "membership",
        membership.pk,
        membership,
        out,
        person=out.of("person", membership.person_id),
        organization=out.of("organization", membership.body_id),
        role=membership.get_role_display(),
        votingRight=membership.is_voting,
        startDate=day(membership.start),
        endDate=day(membership.end) if membership.end else None,
        onBehalfOf=(
            out.of("member-organization", membership.on_behalf_of_id)
            if membership.on_behalf_of_id
            else None
        ),
    )


# Meetings, locations, agenda items, consultations


def meeting(meeting: Meeting, out: Out) -> dict:
    name = meeting.title or out.gettext("Meeting of %(body)s") % {"body": meeting.body.name}
    data = _object(
        "meeting",
        meeting.pk,
        meeting,
        out,
        name=name,
        meetingState=out.label(meeting, "state"),
        cancelled=meeting.is_cancelled,
        start=out.moment(meeting.start),
        end=out.moment(meeting.end) if meeting.end else None,
        organization=[out.of("organization", meeting.body_id)],
        web=out.web("meetings:meeting_detail", meeting.pk),
    )
    if meeting.minutes_are_public:
        # Who actually came (not those who sent apologies), as the published minutes say.
        data["participant"] = [out.of("person", pk) for pk in meeting.participant_ids]
    if not out.omit_internal:
        if meeting.place:
            data["location"] = location(meeting, out)
        if meeting.latest_notice:
            data["invitation"] = notice_file(meeting, out)
        if meeting.minutes_are_public and meeting.latest_minutes:
            data["resultsProtocol"] = minutes_file(meeting, out)
        data["agendaItem"] = [
            agenda_item(item, out, brief=out.listing) for item in meeting.embedded_items
        ]
    return _last(data, "created", "modified")


def _last(data: dict, *keys: str) -> dict:
    for key in keys:
        data[key] = data.pop(key)
    return data


def location(meeting: Meeting, out: Out) -> dict:
    """The meeting's place, free text as the secretariat wrote it (e.g. "Oslo rådhus")."""
    return _object(
        "location",
        meeting.pk,
        meeting,
        out,
        description=meeting.place,
        meetings=[out.of("meeting", meeting.pk)],
    )


def agenda_item(item: AgendaItem, out: Out, *, brief: bool = False) -> dict:
    """An agenda item; `brief` (embedded in a list page) leaves out the decision and the
    minutes text, which the item's own URL and the list of agenda items give."""
    meeting = item.meeting
    withheld = item.is_withheld
    data = _object(
        "agenda-item",
        item.pk,
        item,
        out,
        meeting=out.of("meeting", item.meeting_id),
        number=item.number,
        order=item.rank,
        name=item.title_for_public,
        public=not withheld,
        consultation=out.of("consultation", item.pk) if item.case_id else None,
        web=out.web("meetings:meeting_detail", item.meeting_id, anchor=f"#sak-{item.pk}"),
    )
    if withheld:
        # An exempt item shows its public title and the legal basis, nothing else.
        data[LEGAL_BASIS] = item.legal_basis
    elif meeting.minutes_are_public:
        texts = (
            [] if brief else [("resolutionText", item.decision), (MINUTES_TEXT, item.minutes_text)]
        )
        data.update({key: value for key, value in [("result", result(item, out)), *texts] if value})
    return _last(data, "created", "modified")


def result(item: AgendaItem, out: Out) -> str:
    """The outcome and the vote, as the minutes page writes them: "Vedtatt – enstemmig"."""
    parts = [capfirst(out.label(item, "outcome"))] if item.outcome else []
    if item.vote == AgendaItem.Vote.UNANIMOUS:
        parts.append(out.gettext("unanimously"))
    elif item.vote == AgendaItem.Vote.COUNTED:
        parts.append(
            out.gettext("%(f)s for, %(a)s against, %(b)s blank")
            % {"f": item.votes_for, "a": item.votes_against, "b": item.votes_blank or 0}
        )
    return " – ".join(parts)


def consultation(item: AgendaItem, out: Out) -> dict:
    """The treatment of a case (paper) at a meeting: our agenda item seen from the case."""
    withheld = item.is_withheld
    return _object(
        "consultation",
        item.pk,
        item,
        out,
        paper=out.of("paper", item.case_id),
        agendaItem=out.of("agenda-item", item.pk),
        meeting=out.of("meeting", item.meeting_id),
        organization=[out.of("organization", item.meeting.body_id)],
        authoritative=None if withheld else item.kind in AUTHORITATIVE_KINDS,
        role=None if withheld else item.get_kind_display(),
    )


# Papers and files


def paper(case: Case, out: Out) -> dict:
    public = not case.is_exempt
    data = _object(
        "paper",
        case.pk,
        case,
        out,
        body=out.url("body/{}", case.cooperation_id),
        name=case.title_for_public,
        reference=case.reference,
        date=day(case.first_treated),
        paperType=case.get_kind_display() if public else None,
        relatedPaper=(
            [out.of("paper", other.pk) for other in case.public_references] or None
            if public
            else None
        ),
        web=out.web("meetings:case_detail", case.cooperation.slug, case.year, case.sequence),
    )
    if not public:
        data[LEGAL_BASIS] = case.exemption_basis
    if not out.omit_internal:
        if public:
            data["mainFile"] = document(case, out, brief=out.listing)
        if case.public_files:
            data["auxiliaryFile"] = [file(attachment, out) for attachment in case.public_files]
        data["consultation"] = [consultation(item, out) for item in case.public_treatments]
    return _last(data, "created", "modified")


def document(case: Case, out: Out, *, brief: bool = False) -> dict:
    """The case document (saksframlegg) as the HTML page the portal shows, with its text
    (not when `brief`: embedded in a list page)."""
    return _object(
        "document",
        case.pk,
        _DocumentStamps(case),
        out,
        name=gettext("Case document %(reference)s") % {"reference": case.reference},
        mimeType="text/html",
        date=day(case.first_treated),
        text=None if brief else document_text(case),
        accessUrl=out.web("meetings:case_detail", case.cooperation.slug, case.year, case.sequence),
        paper=[out.of("paper", case.pk)],
    )


@dataclass(frozen=True)
class _DocumentStamps:
    case: Case

    @property
    def oparl_created(self) -> datetime.datetime:
        return self.case.oparl_created

    @property
    def oparl_modified(self) -> datetime.datetime:
        return self.case.document_modified


def document_text(case: Case) -> str:
    sections = [
        (gettext("Proposed decision"), case.proposed_decision),
        (gettext("Background"), case.background),
        (gettext("The secretariat's assessment"), case.assessment),
    ]
    parts = [case.title] + [f"{head}\n\n{plain_text(text)}" for head, text in sections if text]
    return "\n\n".join(parts)


def file(attachment: Attachment, out: Out) -> dict:
    """An attachment, downloaded through the portal (which refuses exempt ones)."""
    case = attachment.case
    url = out.web(
        "meetings:attachment_download",
        case.cooperation.slug,
        case.year,
        case.sequence,
        attachment.pk,
    )
    checksum = getattr(attachment, "oparl_checksum", None)
    return _object(
        "file",
        attachment.pk,
        attachment,
        out,
        name=attachment.title,
        fileName=attachment.file.name.rsplit("/", 1)[-1],
        mimeType=attachment.content_type,
        date=day(attachment.created),
        size=attachment.size,
        sha512Checksum=checksum.sha512 if checksum and checksum.matches(attachment) else None,
        accessUrl=url,
        downloadUrl=url,
        paper=[out.of("paper", attachment.case_id)],
    )


# A meeting's stored PDFs: the notice (invitation), its public version only, and the
# published minutes (resultsProtocol). Each is one File per meeting, at
# file/<kind>/<meeting id>, answering the portal's download of the latest version.


def notice_file(meeting: Meeting, out: Out) -> dict:
    """The notice as the stored PDF/A the portal serves: the public version, in which an
    exempt item is its public title and legal basis (`latest_notice` holds no other)."""
    name = out.gettext("Notice of the meeting of %(body)s on %(date)s") % {
        "body": meeting.body.name,
        "date": out.long_date(meeting.start),
    }
    document = meeting.latest_notice[0]
    return stored_pdf("notice", meeting, document, out, name=name, download="meetings:notice_pdf")


def minutes_file(meeting: Meeting, out: Out) -> dict:
    """The published minutes as the stored PDF/A the portal serves."""
    name = out.gettext("Minutes of the meeting of %(body)s on %(date)s") % {
        "body": meeting.body.name,
        "date": out.long_date(meeting.start),
    }
    document = meeting.latest_minutes[0]
    return stored_pdf("minutes", meeting, document, out, name=name, download="meetings:minutes_pdf")


def stored_pdf(
    kind: str, meeting: Meeting, document: Any, out: Out, *, name: str, download: str
) -> dict:
    """A stored PDF of a meeting's document (a MinutesDocument or the like) as a File.

    The File is the portal's download (`download`: its URL name, taking the meeting's id),
    which always serves the latest version: `document` is that version, prefetched with
    `first_created` (published.latest_versions) and its `oparl_checksum` (the SHA-512, once
    `manage.py oparl_checksums` has computed it).
    """
    url = out.web(download, meeting.pk)
    checksum = getattr(document, "oparl_checksum", None)
    return _object(
        kind,
        meeting.pk,
        _StoredPdfStamps(meeting, document),
        out,
        name=name,
        fileName=document.download_name,
        mimeType="application/pdf",
        date=day(document.created),
        size=document.size,
        sha512Checksum=checksum.sha512 if checksum else None,
        **{SHA256: document.sha256},
        accessUrl=url,
        downloadUrl=url,
        meeting=[out.of("meeting", meeting.pk)],
        web=out.web("meetings:meeting_detail", meeting.pk),
    )


@dataclass(frozen=True)
class _StoredPdfStamps:
    """As published._stored_pdfs computes them: created with the first version, modified by
    the latest version and by the meeting."""

    meeting: Meeting
    document: Any

    @property
    def oparl_created(self) -> datetime.datetime:
        return self.document.first_created

    @property
    def oparl_modified(self) -> datetime.datetime:
        return max(self.meeting.modified, self.document.created)


# How each kind is looked up and shown. `rows` selects and prefetches what `serialize` reads.


def _organization_rows() -> QuerySet:
    return (
        published.organizations()
        .select_related("cooperation")
        .prefetch_related(
            Prefetch("memberships", queryset=Membership.objects.only("pk", "body").order_by("pk"))
        )
    )


def _person_rows() -> QuerySet:
    return published.people().prefetch_related(
        Prefetch("memberships", queryset=published.memberships().order_by("pk"))
    )


def _meeting_rows(out: Out | None = None) -> QuerySet:
    """Meetings with their stored PDFs (not with omit_internal: `meeting` leaves them out).
    The rest of what `meeting` embeds is read by _embed_in_meetings."""
    rows = published.meetings().select_related("body")
    if out is not None and out.omit_internal:
        return rows
    return rows.prefetch_related(_latest_minutes(), _latest_notice())


class _CaseRow:
    """What an embedded agenda item reads of its case (see _ItemRow)."""

    FIELDS = ("is_exempt", "exemption_basis", "title", "public_title", "modified")
    __slots__ = FIELDS


class _ItemRow:
    """An agenda item embedded in its meeting, read as values: what `agenda_item` reads,
    with the model's own rules for what the public sees (the properties below are
    AgendaItem's). A page of 25 meetings embeds ~350 items, whose model instances (and
    their cases') cost more than serialising them.

    `rank`, `oparl_created` and `oparl_modified` are what published.agenda_items()
    annotates, worked out from the rows in hand by _embed_in_meetings.
    """

    FIELDS = (
        "pk",
        "meeting_id",
        "case_id",
        "is_exempt",
        "exemption_basis",
        "title",
        "public_title",
        "year",
        "sequence",
        "outcome",
        "vote",
        "votes_for",
        "votes_against",
        "votes_blank",
        "created",
        "modified",
    )
    TEXTS = ("decision", "minutes_text")
    __slots__ = (*FIELDS, *TEXTS, "case", "meeting", "rank", "oparl_created", "oparl_modified")

    _meta = AgendaItem._meta  # for Out.label
    number = AgendaItem.number
    display_title = AgendaItem.display_title
    is_withheld = AgendaItem.is_withheld
    legal_basis = AgendaItem.legal_basis
    title_for_public = AgendaItem.title_for_public


def _embed_in_meetings(meetings: list[Meeting], out: Out) -> None:
    """Read what `meeting` embeds besides its PDFs, for all these meetings at once (two
    queries): who attended (`participant_ids`, in the minutes' order) and, unless
    omit_internal, every item in agenda order (`embedded_items`; embedded in a list page,
    without the decision and the minutes text)."""
    by_pk = {meeting.pk: meeting for meeting in meetings}
    for meeting in meetings:
        meeting.participant_ids = []
        meeting.embedded_items = []
    participants = (
        _participants()
        .filter(meeting__in=list(by_pk))
        .order_by("position", "pk")
        .values_list("meeting_id", "person_id")
    )
    for meeting_id, person_id in participants:
        by_pk[meeting_id].participant_ids.append(person_id)
    if out.omit_internal:
        return
    # All items of these meetings: published.agenda_items() is every item of a public meeting.
    names = _ItemRow.FIELDS + (() if out.listing else _ItemRow.TEXTS)
    case_names = [f"case__{name}" for name in _CaseRow.FIELDS]
    rows = (
        AgendaItem.objects.filter(meeting__in=list(by_pk))
        .order_by("position", "pk")
        .values_list(*names, *case_names)
    )
    count = len(names)
    for values in rows:
        item = _ItemRow()
        for name, value in zip(names, values[:count], strict=True):
            setattr(item, name, value)
        meeting = item.meeting = by_pk[item.meeting_id]
        if item.case_id is None:
            item.case = None
            case_modified = item.modified
        else:
            case = item.case = _CaseRow()
            for name, value in zip(_CaseRow.FIELDS, values[count:], strict=True):
                setattr(case, name, value)
            case_modified = case.modified
        items = meeting.embedded_items
        items.append(item)
        item.rank = len(items)
        item.oparl_created = item.created
        item.oparl_modified = max(item.modified, meeting.modified, case_modified)


def _participants() -> QuerySet[Attendance]:
    """Who attended (a meeting's `participant`): not those who sent apologies."""
    return Attendance.objects.filter(person__isnull=False).exclude(role=Attendance.Role.APOLOGIES)


# A page of meetings is cached as JSON (lists.list_page) under the stamps of everything each
# meeting shows, read with the meetings in the query that selects them (as the case and body
# pages do, docs/decisions/0011-shared-page-cache.md): `_meeting_stamps` adds them,
# `_meeting_stamp` is a meeting's part of the key.
# - Its items and their cases, and who attended: the sum of their `modified`
#   (page_cache.total), which changes when any one of them is saved (an item or a case
#   exempted, an attendance changed), added or removed, even when another is dated later.
# - Its stored PDFs (the notice's public versions, the minutes): a version never changes
#   (its file is named by its SHA-256), so the sum of their ids changes when one is stored or
#   removed, and the number of checksums when a SHA-512 is computed.
# - The meeting's own fields (notice, publication, cancellation) move its `modified`; its
#   `oparl_modified` is shown, and moves with what no other stamp covers (an apology, a
#   tombstone of something it embedded); its body's name is shown (a stamp of its own).
# A meeting no longer public is not among the rows; a withdrawn one is a tombstone, whose row
# is all its key. tests/oparl/test_cached_lists.py fails when any stamp is left out.


def _meeting_stamps(rows: QuerySet[Meeting]) -> QuerySet[Meeting]:
    items = AgendaItem.objects.filter(meeting=OuterRef("pk"))
    participants = _participants().filter(meeting=OuterRef("pk"))
    minutes = MinutesDocument.objects.filter(meeting=OuterRef("pk"))
    notices = published.public_notices().filter(meeting=OuterRef("pk"))
    return rows.annotate(
        items_stamp=stamp_of(items, "meeting", total("modified"), total("case__modified")),
        participants_stamp=stamp_of(participants, "meeting", total("modified")),
        minutes_stamp=stamp_of(minutes, "meeting", Sum("pk"), Count("oparl_checksum")),
        notices_stamp=stamp_of(notices, "meeting", Sum("pk"), Count("oparl_checksum")),
    )


MEETING_STAMPS = ("items_stamp", "participants_stamp", "minutes_stamp", "notices_stamp")


def _meeting_stamp(meeting: Meeting) -> tuple:
    """A meeting's part of the key of a cached list page (see _meeting_stamps). Its own
    fields move `modified`; `oparl_modified` is shown (an apology moves it too); the body's
    name is in the meeting's name and its PDFs' names."""
    return (
        meeting.pk,
        meeting.modified,
        meeting.oparl_modified,
        meeting.body.modified,
        *(getattr(meeting, name) for name in MEETING_STAMPS),
    )


def tombstone_stamp(stone: Tombstone) -> tuple:
    """A tombstone's part of the key of a cached list page: only recording_withdrawals
    writes one, and each time with the moment of the withdrawal."""
    return (stone.pk, stone.deleted_at)


def _latest_minutes() -> Prefetch:
    return Prefetch(
        "minutes_documents",
        queryset=published.latest_minutes().select_related("oparl_checksum"),
        to_attr="latest_minutes",
    )


def _latest_notice() -> Prefetch:
    # published.latest_notices() holds public versions only: never the members' version.
    return Prefetch(
        "notice_documents",
        queryset=published.latest_notices().select_related("oparl_checksum"),
        to_attr="latest_notice",
    )


def _paper_rows() -> QuerySet:
    return (
        published.papers()
        .select_related("cooperation")
        .prefetch_related(
            Prefetch(
                "treatments",
                queryset=published.consultations()
                .select_related("meeting")
                .order_by("meeting__start", "pk"),
                to_attr="public_treatments",
            ),
            Prefetch(
                "attachments",
                queryset=published.files()
                .select_related("oparl_checksum")
                .order_by("position", "pk"),
                to_attr="public_files",
            ),
            Prefetch(
                "references",
                queryset=published.papers().only("pk").order_by("pk"),
                to_attr="public_references",
            ),
        )
    )


@dataclass(frozen=True)
class Shape:
    """One kind of OParl object: its type, its URL below /oparl/v1/, its rows, its JSON."""

    oparl_type: str
    path: str
    rows: Callable[[], QuerySet]
    serialize: Callable[[Any, Out], dict]
    # The rows as `out` shows them, when that reads less (default: `rows`).
    shown: Callable[[Out], QuerySet] | None = None
    # Reads for a list of rows at once what `serialize` embeds and `rows` cannot prefetch.
    embed: Callable[[list, Out], None] | None = None
    # For a list page cached as JSON: the rows with the stamps of what they show (added to
    # the query that selects them), and a row's part of the key. None: not cached.
    stamped: Callable[[QuerySet], QuerySet] | None = None
    stamp: Callable[[Any], tuple] | None = None

    def rows_for(self, out: Out) -> QuerySet:
        return self.shown(out) if self.shown else self.rows()


SHAPES: dict[str, Shape] = {
    Tombstone.Kind.ORGANIZATION: Shape(
        "Organization", "organization/{}", _organization_rows, organization
    ),
    Tombstone.Kind.MEMBER_ORGANIZATION: Shape(
        "Organization",
        "organization/member/{}",
        published.member_organizations,
        member_organization,
    ),
    Tombstone.Kind.PERSON: Shape("Person", "person/{}", _person_rows, person),
    Tombstone.Kind.MEMBERSHIP: Shape(
        "Membership", "membership/{}", published.memberships, membership
    ),
    Tombstone.Kind.MEETING: Shape(
        "Meeting",
        "meeting/{}",
        _meeting_rows,
        meeting,
        shown=_meeting_rows,
        embed=_embed_in_meetings,
        stamped=_meeting_stamps,
        stamp=_meeting_stamp,
    ),
    Tombstone.Kind.LOCATION: Shape("Location", "location/{}", published.locations, location),
    Tombstone.Kind.AGENDA_ITEM: Shape(
        "AgendaItem",
        "agenda-item/{}",
        lambda: published.agenda_items().select_related("meeting", "case"),
        agenda_item,
    ),
    Tombstone.Kind.CONSULTATION: Shape(
        "Consultation",
        "consultation/{}",
        lambda: published.consultations().select_related("meeting", "case"),
        consultation,
    ),
    Tombstone.Kind.PAPER: Shape("Paper", "paper/{}", _paper_rows, paper),
    Tombstone.Kind.DOCUMENT: Shape(
        "File",
        "file/document/{}",
        lambda: published.documents().select_related("cooperation"),
        document,
    ),
    Tombstone.Kind.FILE: Shape(
        "File",
        "file/{}",
        lambda: published.files().select_related("case__cooperation", "oparl_checksum"),
        file,
    ),
    Tombstone.Kind.MINUTES: Shape(
        "File",
        "file/minutes/{}",
        lambda: (
            published.minutes_files().select_related("body").prefetch_related(_latest_minutes())
        ),
        minutes_file,
    ),
    Tombstone.Kind.NOTICE: Shape(
        "File",
        "file/notice/{}",
        lambda: published.notice_files().select_related("body").prefetch_related(_latest_notice()),
        notice_file,
    ),
}

"""Recording what leaves publication, so that the API answers it as `deleted: true`.

`meetings/public_record.changing` wraps every change that may take something out of
publication — deleting a row, making an attachment or a case exempt — in
`recording_withdrawals(the objects)`:

    with recording_withdrawals(attachment):
        attachment.is_exempt = True
        attachment.save()

Before the block it notes which OParl objects the given rows and those depending on them
are published as (an item brings its consultation, its case's paper and files; a meeting
its notice and minutes PDFs); after the block it records a Tombstone for each that is no longer
published. Called inside the caller's transaction, it commits or rolls back with it.
Nothing happens in signals: a change that is not wrapped is not recorded.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import models
from django.db.models import F, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from cases.models import Attachment, Case
from cooperation.models import Body, Membership, Organisation, Person

from ..models import AgendaItem, Attendance, Meeting
from .models import Tombstone
from .published import PUBLISHED

Kind = Tombstone.Kind

# Per kind: the tombstone's fields, read from the published row while it still exists.
TOMBSTONE_FIELDS: dict[str, dict[str, str]] = {
    Kind.ORGANIZATION: {"cooperation_id": "cooperation_id"},
    Kind.MEMBER_ORGANIZATION: {"cooperation_id": "cooperation_id"},
    Kind.PERSON: {"cooperation_id": "cooperation_id"},
    Kind.MEMBERSHIP: {
        "cooperation_id": "body__cooperation_id",
        "in_person": "person_id",
        "in_organization": "body_id",
    },
    Kind.MEETING: {"cooperation_id": "body__cooperation_id", "in_organization": "body_id"},
    Kind.LOCATION: {"cooperation_id": "body__cooperation_id", "in_meeting": "pk"},
    Kind.AGENDA_ITEM: {
        "cooperation_id": "body__cooperation_id",
        "in_meeting": "meeting_id",
        "in_organization": "body_id",
    },
    Kind.CONSULTATION: {
        "cooperation_id": "body__cooperation_id",
        "in_paper": "case_id",
        "in_organization": "body_id",
    },
    Kind.PAPER: {"cooperation_id": "cooperation_id"},
    Kind.DOCUMENT: {"cooperation_id": "cooperation_id", "in_paper": "pk"},
    Kind.FILE: {"cooperation_id": "case__cooperation_id", "in_paper": "case_id"},
    Kind.MINUTES: {"cooperation_id": "body__cooperation_id", "in_meeting": "pk"},
    Kind.NOTICE: {"cooperation_id": "body__cooperation_id", "in_meeting": "pk"},
}


# Per kind: what the schema requires even of a deleted object (lookups for values()).
KEPT_FIELDS: dict[str, dict[str, str]] = {
    Kind.AGENDA_ITEM: {"order": "rank"},
    Kind.FILE: {
        "slug": "case__cooperation__slug",
        "year": "case__year",
        "sequence": "case__sequence",
    },
    Kind.DOCUMENT: {"slug": "cooperation__slug", "year": "year", "sequence": "sequence"},
}


def _kept(kind: str, pk: int, values: dict) -> dict:
    if kind == Kind.AGENDA_ITEM:
        return {"order": values["order"]}
    if kind == Kind.FILE:
        args = [values["slug"], values["year"], values["sequence"], pk]
        return {"accessUrl": reverse("meetings:attachment_download", args=args)}
    if kind == Kind.DOCUMENT:
        args = [values["slug"], values["year"], values["sequence"]]
        return {"accessUrl": reverse("meetings:case_detail", args=args)}
    if kind == Kind.MINUTES:
        return {"accessUrl": reverse("meetings:minutes_pdf", args=[pk])}
    if kind == Kind.NOTICE:
        return {"accessUrl": reverse("meetings:notice_pdf", args=[pk])}
    return {}


@contextmanager
def recording_withdrawals(*objects: models.Model) -> Iterator[None]:
    """Record a tombstone for every OParl object the block takes out of publication."""
    candidates: dict[str, set[int]] = defaultdict(set)
    for obj in objects:
        for kind, ids in _depending_on(obj):
            candidates[kind].update(ids)
    # What the tombstones need is read now, while the rows still exist.
    before = {kind: _published(kind, ids) for kind, ids in candidates.items()}
    yield
    now = timezone.now()
    for kind, rows in before.items():
        still = _published(kind, rows)
        for pk, row in rows.items():
            if pk not in still:
                Tombstone.objects.update_or_create(
                    kind=kind, object_id=pk, defaults={**row, "deleted_at": now}
                )


def _published(kind: str, ids: Iterable[int]) -> dict[int, dict]:
    """Of these ids, those published now, each with the fields its tombstone would take."""
    return _tombstone_fields(kind, PUBLISHED[kind]().filter(pk__in=list(ids)))


def _tombstone_fields(kind: str, rows: models.QuerySet) -> dict[int, dict]:
    """Each of these rows (annotated with `oparl_created`) with its tombstone's fields."""
    # values() refuses an alias that is a field of the row ("cooperation_id"): hence "t_".
    lookups = {f"t_{field}": lookup for field, lookup in TOMBSTONE_FIELDS[kind].items()}
    lookups |= {f"k_{name}": lookup for name, lookup in KEPT_FIELDS.get(kind, {}).items()}
    found = {}
    for row in rows.values(
        "pk", "oparl_created", **{a: F(lookup) for a, lookup in lookups.items()}
    ):
        pk = row.pop("pk")
        fields = {alias[2:]: value for alias, value in row.items() if alias.startswith("t_")}
        kept = {alias[2:]: value for alias, value in row.items() if alias.startswith("k_")}
        found[pk] = {"created": row["oparl_created"], **fields, "kept": _kept(kind, pk, kept)}
    return found


# A row changed this long after it was made was changed by someone, not by its import.
SETTLED = datetime.timedelta(minutes=5)


def withdrawn_without_tombstone() -> dict[str, set[int]]:
    """Case documents and attachments withheld after their case went public that have no
    tombstone: a write that went around `recording_withdrawals` (an update in the shell, a
    restored backup) may have left them. By kind, their ids.

    What was once published is history that the rows do not keep; a withheld row changed
    after its case went public (and after it was made: an imported archive is made after its
    meetings were held) is taken to have been withheld then. A tombstone too many only tells
    a client that an object it never saw is gone."""
    went_public = (
        AgendaItem.objects.on_public_agenda()
        .filter(case=OuterRef("pk"))
        .order_by("meeting__notice_sent_at")
        .values("meeting__notice_sent_at")[:1]
    )
    cases = Case.objects.filter(is_exempt=True).annotate(public_since=Subquery(went_public))
    documents = set(
        cases.filter(public_since__isnull=False, modified__gt=F("public_since"))
        .filter(modified__gt=F("created") + SETTLED)
        .values_list("pk", flat=True)
    )
    attachment_public_since = (
        AgendaItem.objects.on_public_agenda()
        .filter(case=OuterRef("case_id"))
        .order_by("meeting__notice_sent_at")
        .values("meeting__notice_sent_at")[:1]
    )
    attachments = (
        Attachment.objects.filter(Q(is_exempt=True) | Q(case__is_exempt=True))
        .annotate(public_since=Subquery(attachment_public_since))
        .filter(public_since__isnull=False)
        .filter(
            Q(modified__gt=F("public_since")) & Q(modified__gt=F("created") + SETTLED)
            | Q(case__modified__gt=F("public_since"))
            & Q(case__modified__gt=F("case__created") + SETTLED)
        )
    )
    files = set(attachments.values_list("pk", flat=True))
    missing = {}
    for kind, ids in ((Kind.DOCUMENT, documents), (Kind.FILE, files)):
        stones = Tombstone.objects.filter(kind=kind, object_id__in=ids)
        ids = ids - set(stones.values_list("object_id", flat=True))
        if ids:
            missing[kind] = ids
    return missing


def record_withdrawn(kind: str, ids: Iterable[int]) -> None:
    """Record tombstones, after the fact, for these case documents (Kind.DOCUMENT) or
    attachments (Kind.FILE) that are no longer published."""
    model = {Kind.DOCUMENT: Case, Kind.FILE: Attachment}[kind]
    rows = model.objects.filter(pk__in=list(ids)).annotate(oparl_created=F("created"))
    now = timezone.now()
    for pk, row in _tombstone_fields(kind, rows).items():
        Tombstone.objects.update_or_create(
            kind=kind, object_id=pk, defaults={**row, "deleted_at": now}
        )


def _depending_on(obj: models.Model) -> Iterable[tuple[str, Iterable[int]]]:
    """The OParl objects that `obj` is, or that show it, and may go with it."""
    match obj:
        case Attachment():
            yield Kind.FILE, [obj.pk]
        case Case():
            yield from _case(obj.pk)
        case AgendaItem():
            yield Kind.AGENDA_ITEM, [obj.pk]
            yield Kind.CONSULTATION, [obj.pk]
            if obj.case_id:
                yield from _case(obj.case_id)
        case Meeting():
            items = list(obj.items.values_list("pk", "case_id"))
            yield Kind.MEETING, [obj.pk]
            yield Kind.LOCATION, [obj.pk]
            yield Kind.MINUTES, [obj.pk]
            yield Kind.NOTICE, [obj.pk]
            yield Kind.AGENDA_ITEM, [pk for pk, _ in items]
            yield Kind.CONSULTATION, [pk for pk, case in items if case]
            for case_id in {case for _, case in items if case}:
                yield from _case(case_id)
            people = Attendance.objects.filter(meeting=obj)
            yield Kind.PERSON, people.exclude(person=None).values_list("person", flat=True)
            yield (
                Kind.PERSON,
                people.exclude(substitute_for=None).values_list("substitute_for", flat=True),
            )
        case Attendance():
            yield Kind.PERSON, [pk for pk in (obj.person_id, obj.substitute_for_id) if pk]
        case Membership():
            yield Kind.MEMBERSHIP, [obj.pk]
            yield Kind.PERSON, [obj.person_id]
        case Person():
            yield Kind.PERSON, [obj.pk]
            yield Kind.MEMBERSHIP, obj.memberships.values_list("pk", flat=True)
        case Body():
            yield Kind.ORGANIZATION, [obj.pk]
            yield Kind.MEMBERSHIP, obj.memberships.values_list("pk", flat=True)
        case Organisation():
            yield Kind.MEMBER_ORGANIZATION, [obj.pk]
        case _:
            raise TypeError(f"recording_withdrawals does not know {type(obj).__name__}")


RECORDED = (
    Attachment,
    Case,
    AgendaItem,
    Meeting,
    Attendance,
    Membership,
    Person,
    Body,
    Organisation,
)


def _case(case_id: int) -> Iterable[tuple[str, Iterable[int]]]:
    yield Kind.PAPER, [case_id]
    yield Kind.DOCUMENT, [case_id]
    yield Kind.FILE, Attachment.objects.filter(case_id=case_id).values_list("pk", flat=True)
    yield Kind.CONSULTATION, AgendaItem.objects.filter(case_id=case_id).values_list("pk", flat=True)

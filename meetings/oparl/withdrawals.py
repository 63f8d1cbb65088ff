"""Recording what leaves publication, so that the API answers it as `deleted: true`.

Wrap any change that may take something out of publication — deleting a row, making an
attachment or a case exempt — in `recording_withdrawals(the objects)`:

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

from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import models, transaction
from django.db.models import F
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
    # values() refuses an alias that is a field of the row ("cooperation_id"): hence "t_".
    lookups = {f"t_{field}": lookup for field, lookup in TOMBSTONE_FIELDS[kind].items()}
    lookups |= {f"k_{name}": lookup for name, lookup in KEPT_FIELDS.get(kind, {}).items()}
    rows = PUBLISHED[kind]().filter(pk__in=list(ids))
    found = {}
    for row in rows.values(
        "pk", "oparl_created", **{a: F(lookup) for a, lookup in lookups.items()}
    ):
        pk = row.pop("pk")
        fields = {alias[2:]: value for alias, value in row.items() if alias.startswith("t_")}
        kept = {alias[2:]: value for alias, value in row.items() if alias.startswith("k_")}
        found[pk] = {"created": row["oparl_created"], **fields, "kept": _kept(kind, pk, kept)}
    return found


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


class RecordingWithdrawalsAdmin:
    """ModelAdmin mixin: what the admin deletes or changes (inlines too) records withdrawals.

    `class CaseAdmin(RecordingWithdrawalsAdmin, admin.ModelAdmin): …`
    """

    def save_model(self, request, obj, form, change) -> None:
        with transaction.atomic(), recording_withdrawals(*_recorded([obj] if change else [])):
            super().save_model(request, obj, form, change)

    def delete_model(self, request, obj) -> None:
        with transaction.atomic(), recording_withdrawals(*_recorded([obj])):
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        with transaction.atomic(), recording_withdrawals(*_recorded(queryset)):
            super().delete_queryset(request, queryset)

    def save_formset(self, request, form, formset, change) -> None:
        existing = [inline.instance for inline in formset.forms if inline.instance.pk]
        with transaction.atomic(), recording_withdrawals(*_recorded(existing)):
            super().save_formset(request, form, formset, change)


def _recorded(objects: Iterable[models.Model]) -> list[models.Model]:
    return [obj for obj in objects if isinstance(obj, RECORDED)]


def _case(case_id: int) -> Iterable[tuple[str, Iterable[int]]]:
    yield Kind.PAPER, [case_id]
    yield Kind.DOCUMENT, [case_id]
    yield Kind.FILE, Attachment.objects.filter(case_id=case_id).values_list("pk", flat=True)
    yield Kind.CONSULTATION, AgendaItem.objects.filter(case_id=case_id).values_list("pk", flat=True)

"""The one path to the public record (ADR 15).

What the public sees of a case, an attachment, an agenda item or a meeting is derived into
several stores: the search rows (`meetings/search.py`), the stored notice and minutes PDFs
(`meetings/documents.py`, made by the task worker), the OParl tombstones
(`meetings/oparl/withdrawals.py`) and, through the rows' `modified`, the OParl lists and the
page cache. Every write that may change what the public sees runs inside `changing(…)`:

    with changing(case):
        case.is_exempt = True
        case.save()

Inside one transaction it notes what the objects are published as, lets the block write,
records a tombstone for whatever left publication, rebuilds the search rows of every meeting
and case that shows the objects, and asks the task worker (in the same transaction) for
the PDFs of those meetings (a new version only where the text changed). The model
methods (`Meeting.send_notice`, `publish`, `cancel`, `add_supplementary_item`,
`AgendaItem.correct`, `change_exemption` …), the functions below for the case document and its
attachments, the admin (`ChangingPublicRecordAdmin`) and the commands all go through it; no
view keeps its own list of consequences.

The case's writes live here rather than on `Case`: their consequences are in this app, and
`cases` imports nothing from `meetings` (docs/architecture.md).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib.admin.utils import unquote
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, models, transaction
from django.db.models import Max, Q
from django.tasks import TaskResultStatus
from django.utils.translation import gettext

from cases.models import Attachment, Case
from cooperation.domain import NotAllowed
from cooperation.models import Body, Organisation, Person

from .models import AgendaItem, Attendance, Meeting
from .oparl.withdrawals import (
    RECORDED,
    record_withdrawn,
    recording_withdrawals,
    withdrawn_without_tombstone,
)
from .tasks import MINUTES, NOTICE, make_minutes_document, make_notice_documents

logger = logging.getLogger(__name__)

# Any fixed number: PostgreSQL's transaction-level advisory lock that orders the writes to the
# public record (see `take_turn`).
PUBLIC_RECORD_LOCK = 7_316_016


def take_turn() -> None:
    """Wait, inside the caller's transaction, until no other write to the public record is
    under way (PostgreSQL; SQLite runs one writer at a time anyway).

    Taken before anything is read or written: a writer then never works from what another,
    still uncommitted, has not yet shown it (which meetings show a case, a case's text), its
    rebuild of the search rows reads what the one before it committed, and the rows end as
    the last commit left the texts. As the first lock of the transaction, it is never waited
    for while a row lock is held: no deadlock with the row locks the writes take."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [PUBLIC_RECORD_LOCK])


class Change:
    """What a `changing` block tells it: objects it created, and whether it wrote at all."""

    def __init__(self) -> None:
        self.created: list[models.Model] = []
        self.written = True

    def include(self, *objects: models.Model) -> None:
        """Objects the block created, which `changing` could not be given before."""
        self.created.extend(objects)

    def nothing_written(self) -> None:
        """The block wrote nothing after all (a form refused): no rebuild, no render."""
        self.written = False


@contextmanager
def changing(*objects: models.Model) -> Iterator[Change]:
    """Run a write that may change what the public sees of `objects` (new, changed or about to
    be deleted), and bring every store derived from the public record up to date with it."""
    objects = [obj for obj in objects if isinstance(obj, RECORDED)]
    change = Change()
    with transaction.atomic():
        take_turn()
        meetings, cases = _showing(objects)
        with recording_withdrawals(*(obj for obj in objects if obj.pk)):
            yield change
        if change.written:
            after_meetings, after_cases = _showing([*objects, *change.created])
            _rebuild_search_rows(meetings | after_meetings, cases | after_cases)
            # Enqueued inside the transaction: the database backend stores the tasks with the
            # change, so a change is never committed without its render, nor a render asked
            # for a change that was rolled back; the worker sees both once committed.
            make_documents(meetings | after_meetings)


def make_documents(meeting_ids: Iterable[int]) -> list[int]:
    """Ask the task worker for the notice PDFs of these meetings once sent, and the minutes PDF
    once published; the ids of the meetings whose render failed at once (only the immediate
    backend of development and tests renders here; the worker's failures show in the
    workspace and the log, with a button to make them again)."""
    failed = []
    meetings = Meeting.objects.with_public_agenda().filter(pk__in=list(meeting_ids))
    for pk, state in meetings.values_list("pk", "state"):
        results = [make_notice_documents.enqueue(meeting_id=pk)]
        if state == Meeting.State.PUBLISHED:
            results.append(make_minutes_document.enqueue(meeting_id=pk))
        if any(result.status == TaskResultStatus.FAILED for result in results):
            logger.error("A PDF of meeting %s could not be made", pk)
            failed.append(pk)
    return failed


def _showing(objects: Iterable[models.Model]) -> tuple[set[int], set[int]]:
    """The meetings and the cases whose public record shows these objects, as they are now."""
    meetings: set[int] = set()
    cases: set[int] = set()
    for obj in objects:
        match obj:
            case Meeting() if obj.pk:
                meetings.add(obj.pk)
            case AgendaItem() if obj.pk:
                meetings.add(obj.meeting_id)
                if obj.case_id:
                    cases.add(obj.case_id)
            case Case() if obj.pk:
                cases.add(obj.pk)
            case Attachment() if obj.case_id:
                cases.add(obj.case_id)
            case Attendance() if obj.meeting_id:
                meetings.add(obj.meeting_id)  # the minutes print who attended
            case Body() if obj.pk:
                # Its name heads its meetings' notices and minutes.
                meetings.update(
                    Meeting.objects.with_public_agenda()
                    .filter(body=obj)
                    .values_list("pk", flat=True)
                )
            case Person() if obj.pk:
                # The minutes print who attended, and for whom; the notice each case's officer.
                meetings.update(
                    Attendance.objects.filter(Q(person=obj) | Q(substitute_for=obj))
                    .filter(meeting__in=Meeting.objects.with_public_agenda())
                    .values_list("meeting_id", flat=True)
                )
                cases.update(Case.objects.filter(responsible=obj).values_list("pk", flat=True))
            case Organisation() if obj.pk:
                # The minutes print whom each member met for.
                meetings.update(
                    Attendance.objects.filter(on_behalf_of=obj)
                    .filter(meeting__in=Meeting.objects.with_public_agenda())
                    .values_list("meeting_id", flat=True)
                )
    if cases:
        # Every meeting that has one of the cases on its agenda shows its document.
        meetings.update(
            AgendaItem.objects.filter(case_id__in=cases).values_list("meeting_id", flat=True)
        )
    if meetings:
        # A meeting shows the documents of the cases on its agenda.
        cases.update(
            AgendaItem.objects.filter(meeting_id__in=meetings, case__isnull=False).values_list(
                "case_id", flat=True
            )
        )
    return meetings, cases


def _rebuild_search_rows(meetings: set[int], cases: set[int]) -> None:
    from .search import index_cases, index_meeting

    for meeting in Meeting.objects.filter(pk__in=meetings).order_by("pk"):
        index_meeting(meeting)
    index_cases(cases)


# The case document and its attachments (the writes the secretariat's case editor makes).


def _check_may_edit(case: Case, by) -> None:
    if not case.cooperation.is_staffed_by(by):
        raise NotAllowed(gettext("Only the secretariat of this cooperation may do this."))


def edit_case(case: Case, *, by, references: Iterable[Case] | None = None, **fields) -> None:
    """Change the case document: its texts, titles, officer, exemption and references."""
    _check_may_edit(case, by)
    with changing(case):
        for name, value in fields.items():
            setattr(case, name, value)
        case.full_clean(exclude=["references"])
        case.save()
        if references is not None:
            case.references.set(references)


def add_attachment(
    case: Case,
    *,
    by,
    title: str,
    upload: UploadedFile,
    content_type: str,
    is_exempt: bool = False,
    exemption_basis: str = "",
) -> Attachment:
    """Attach a file (already checked by content and size) to the case document, last."""
    _check_may_edit(case, by)
    attachment = Attachment(
        case=case,
        title=title,
        content_type=content_type,
        size=upload.size,
        is_exempt=is_exempt,
        exemption_basis=exemption_basis.strip(),
    )
    with changing(attachment):
        attachment.position = (case.attachments.aggregate(n=Max("position"))["n"] or 0) + 1
        attachment.full_clean(exclude=["file"])
        attachment.file.save(upload.name, upload, save=False)
        attachment.save()
    return attachment


def change_attachment_exemption(
    attachment: Attachment, *, by, is_exempt: bool, exemption_basis: str = ""
) -> None:
    """Withhold an attachment from the public (with its legal basis), or release it."""
    _check_may_edit(attachment.case, by)
    with changing(attachment):
        attachment.is_exempt = is_exempt
        attachment.exemption_basis = exemption_basis.strip() if is_exempt else ""
        attachment.full_clean(exclude=["file"])
        attachment.save(update_fields=["is_exempt", "exemption_basis", "modified"])


def remove_attachment(attachment: Attachment, *, by) -> None:
    """Take an attachment off the case document; its file goes with it."""
    _check_may_edit(attachment.case, by)
    with changing(attachment):
        attachment.delete()
    transaction.on_commit(lambda: attachment.file.delete(save=False))


class ChangingPublicRecordAdmin:
    """ModelAdmin mixin: every save and delete of the admin (its inlines and the delete
    action too) goes through `changing`, so the admin keeps the public record as the
    secretariat's workspace does.

    `class CaseAdmin(ChangingPublicRecordAdmin, admin.ModelAdmin): …`
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method != "POST":
            return super().changeform_view(request, object_id, form_url, extra_context)
        # Django saves the object and then each inline in one transaction: the block spans
        # them all, so the rows and tombstones are made from the saved whole.
        obj = self.get_object(request, unquote(object_id)) if object_id else None
        before = [obj, *_shown_with(obj)] if obj is not None else []
        with changing(*before) as change:
            response = super().changeform_view(request, object_id, form_url, extra_context)
            saved = getattr(request, "_public_record_saved", None)
            if saved is None:
                change.nothing_written()  # the form was refused and shown again
            else:
                change.include(*saved)
        return response

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        request._public_record_saved = [obj]  # an added object is known only now

    def delete_model(self, request, obj) -> None:
        with changing(obj, *_shown_with(obj)):
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        objects = list(queryset)
        with changing(*objects, *(other for obj in objects for other in _shown_with(obj))):
            super().delete_queryset(request, queryset)


def _shown_with(obj: models.Model) -> list[models.Model]:
    """What the admin's inlines change with obj: a case's attachments, a meeting's items and
    attendance, a body's memberships."""
    match obj:
        case Case():
            return list(obj.attachments.all())
        case Meeting():
            return [*obj.items.all(), *obj.attendances.all()]
        case Body():
            return list(obj.memberships.all())
    return []


# The operator's check (`manage.py check_public_record`): what each derived store should hold,
# made afresh from the public record, against what it holds.


@dataclass(frozen=True)
class Difference:
    """One store that does not hold what the public record says it should."""

    store: str  # "search", "pdf" or "oparl"
    what: str  # e.g. "case 12", "meeting 7 (minutes)"
    problem: str
    # The rows keep no history of what was once published: a missing tombstone is inferred
    # (withdrawals.withdrawn_without_tombstone), and may be one too many. Listed, and
    # recorded by --repair, but not counted as a failure.
    certain: bool = True
    # A stored PDF's: its meeting, and which document ("notice" or "minutes").
    meeting_id: int | None = None
    document: str = ""

    def __str__(self) -> str:
        line = f"{self.store}: {self.what}: {self.problem}"
        if self.certain:
            return line
        return gettext("%(difference)s (probably)") % {"difference": line}


def differences(*, pdfs: bool = True) -> Iterator[Difference]:
    """Every difference between the derived stores and the public record as it is now."""
    yield from _search_differences()
    if pdfs:
        yield from _pdf_differences()
    for kind, ids in withdrawn_without_tombstone().items():
        for pk in sorted(ids):
            yield Difference(
                "oparl",
                f"{kind} {pk}",
                gettext("withheld after it was public, no tombstone"),
                certain=False,
            )


def repair(found: Iterable[Difference]) -> None:
    """Bring the stores named in `found` up to date: the search rows rebuilt, the PDFs made
    (here, not by the worker), the missing tombstones recorded."""
    from .documents import publish_minutes_document, publish_notice_documents
    from .search import rebuild_index

    found = list(found)
    if any(d.store == "search" for d in found):
        rebuild_index()
    stale = {(d.meeting_id, d.document) for d in found if d.store == "pdf"}
    for meeting_id, document in sorted(stale):
        meeting = Meeting.objects.get(pk=meeting_id)
        if document == MINUTES:
            publish_minutes_document(meeting)
        else:
            publish_notice_documents(meeting)  # both audiences, once
    for kind, ids in withdrawn_without_tombstone().items():
        record_withdrawn(kind, ids)


def _search_differences() -> Iterator[Difference]:
    from .search import ROW_FIELDS, SearchDocument, expected_rows

    def key(kind: str, item_id: int | None, case_id: int | None) -> str:
        return f"{kind} {item_id or case_id}"

    # A digest per stored row, not the row: the index of a large archive holds its text.
    stored = {
        key(*row[:3]): _digest(row)
        for row in SearchDocument.objects.values_list(*ROW_FIELDS).iterator(chunk_size=2000)
    }
    for row in expected_rows():
        # str() makes the kind's enum member the plain string the database gives back.
        values = tuple(
            str(value) if isinstance(value, str) else value
            for value in (getattr(row, name) for name in ROW_FIELDS)
        )
        have = stored.pop(key(*values[:3]), None)
        if have is None:
            yield Difference("search", key(*values[:3]), gettext("missing from the index"))
        elif have != _digest(values):
            yield Difference("search", key(*values[:3]), gettext("the index holds other text"))
    for what in sorted(stored):
        yield Difference("search", what, gettext("in the index, but not public"))


def _digest(values: tuple) -> str:
    return hashlib.sha256(repr(values).encode()).hexdigest()


def _pdf_differences() -> Iterator[Difference]:
    from . import pdf
    from .documents import MinutesDocument, NoticeDocument

    meetings = (
        Meeting.objects.with_public_agenda().select_related("body__cooperation").order_by("pk")
    )
    for meeting in meetings.iterator(chunk_size=200):
        for audience in NoticeDocument.Audience:
            members = audience == NoticeDocument.Audience.MEMBERS
            yield from _stored_difference(
                meeting,
                NOTICE,
                NoticeDocument.objects.filter(meeting=meeting, audience=audience),
                pdf.notice_html(meeting, members=members),
                f"{NOTICE}, {audience}",
            )
        if meeting.minutes_are_public:
            yield from _stored_difference(
                meeting,
                MINUTES,
                MinutesDocument.objects.filter(meeting=meeting),
                pdf.minutes_html(meeting),
                MINUTES,
            )


def _stored_difference(
    meeting: Meeting, document: str, versions: models.QuerySet, html: str, label: str
) -> Iterator[Difference]:
    latest = versions.order_by("-version").values_list("html_sha256", flat=True).first()
    if latest is None:
        problem = gettext("not stored")
    elif latest != hashlib.sha256(html.encode()).hexdigest():
        problem = gettext("the stored version is of an older text")
    else:
        return
    what = f"meeting {meeting.pk} ({label})"
    yield Difference("pdf", what, problem, meeting_id=meeting.pk, document=document)

"""PDF work kept off the request workers: Django's tasks framework (`django.tasks`).

A request that publishes the minutes, sends a notice, records a correction or changes a case
enqueues `make_minutes_document` or `make_notice_documents` and returns at once; in production
the database backend (django-tasks-db) stores the task and `manage.py db_worker` renders it
(ADR 0009, docs/operations.md). In development and tests the immediate backend runs it inside
the request. A task renders only when the text changed (`meetings/documents.py`), so
enqueueing twice costs a hash, not a layout.

`render_states` tells the secretariat's pages whether a render is still to come or failed,
read from the database backend's task rows; the public page needs none of it (no document
yet: no link, "PDF-en lages …").
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.tasks import TaskResultStatus, task
from django.utils import timezone

from .documents import publish_minutes_document, publish_notice_documents
from .models import Meeting

MINUTES = "minutes"
NOTICE = "notice"
# A render takes seconds. A task still "running" after this long had its worker killed
# (out of memory, a hard restart): it is shown as failed, so the secretariat can try again.
STALE_AFTER = datetime.timedelta(minutes=15)
# The newest task rows looked at per meeting: enough for a burst of case edits.
RECENT = 20


@task
def make_minutes_document(*, meeting_id: int) -> int | None:
    """Store the published minutes of a meeting as PDF/A; the version stored, or None when
    the meeting is gone or its minutes are not public (nothing to make)."""
    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if meeting is None or not meeting.minutes_are_public:
        return None
    return publish_minutes_document(meeting).version


@task
def make_notice_documents(*, meeting_id: int) -> dict[str, int] | None:
    """Store the notice of a meeting as PDF/A, the public and the members' version; the
    versions stored by audience, or None when the meeting is gone or its notice not sent."""
    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if meeting is None or meeting.notice_sent_at is None:
        return None
    documents = publish_notice_documents(meeting)
    return {str(audience): document.version for audience, document in documents.items()}


TASKS = {make_minutes_document.module_path: MINUTES, make_notice_documents.module_path: NOTICE}


@dataclass(frozen=True)
class RenderState:
    """A meeting's PDF of one kind that is still to be made (pending), or whose latest render
    failed; `at` is when it was asked for, or when it failed."""

    pending: bool
    at: datetime.datetime

    @property
    def failed(self) -> bool:
        return not self.pending


def render_states(meeting: Meeting) -> dict[str, RenderState]:
    """By kind (MINUTES, NOTICE): the render of this meeting's PDF that is still to come or
    that failed last; a kind whose latest render succeeded (or that never had one) is absent.
    One query. With the immediate backend no task is stored, and nothing is ever pending."""
    from django_tasks_db.models import DBTaskResult

    rows = (
        DBTaskResult.objects.filter(task_path__in=TASKS, args_kwargs__kwargs__meeting_id=meeting.pk)
        .order_by("-enqueued_at")
        .values_list("task_path", "status", "enqueued_at", "started_at", "finished_at")[:RECENT]
    )
    stale = timezone.now() - STALE_AFTER
    states: dict[str, RenderState] = {}
    latest_seen: set[str] = set()
    for path, status, enqueued_at, started_at, finished_at in rows:
        kind = TASKS[path]
        waiting = status == TaskResultStatus.READY or (
            status == TaskResultStatus.RUNNING and started_at and started_at > stale
        )
        if waiting:
            # Any render still to come will read the meeting as it is now.
            if not (kind in states and states[kind].pending):
                states[kind] = RenderState(pending=True, at=enqueued_at)
        elif kind not in latest_seen and status != TaskResultStatus.SUCCESSFUL:
            # FAILED, or RUNNING for so long that its worker is gone.
            states.setdefault(kind, RenderState(pending=False, at=finished_at or started_at))
        latest_seen.add(kind)
    return states

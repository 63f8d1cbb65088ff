"""Downloads of stored documents: the published minutes and the notice as PDF/A.

Served from storage as they were stored and checksummed, never rendered per request (a render
costs up to seconds; `meetings/documents.py` renders once per version).
"""

from __future__ import annotations

import base64

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import (
    add_never_cache_headers,
    get_conditional_response,
    patch_cache_control,
)
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from ..documents import MinutesDocument, NoticeDocument
from ..models import Meeting


@require_safe
def minutes_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The latest stored PDF of a meeting's published minutes."""
    # One query: the latest version of a published meeting, with what the filename needs.
    # `meeting__pk`, not `meeting_id`: only the former turns an id too large for the database
    # (/moter/99999999999999999999/…) into no row instead of an OverflowError.
    document = (
        MinutesDocument.objects.filter(meeting__pk=pk, meeting__state=Meeting.State.PUBLISHED)
        .select_related("meeting__body")
        .order_by("-version")
        .first()
    )
    if document is None:
        raise Http404(_("These minutes have not been published as a PDF."))
    return stored_document(request, document, public=True)


@require_safe
def notice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The latest stored public version of a meeting's notice (a cancelled meeting keeps it)."""
    # One query: the latest public version of a meeting whose notice has gone out.
    document = (
        NoticeDocument.objects.filter(
            meeting__pk=pk,
            meeting__notice_sent_at__isnull=False,
            audience=NoticeDocument.Audience.PUBLIC,
        )
        .select_related("meeting__body")
        .order_by("-version")
        .first()
    )
    if document is None:
        raise Http404(_("This notice has not been sent as a PDF."))
    return stored_document(request, document, public=True)


@require_safe
@login_required
def notice_pdf_members(request: HttpRequest, pk: int) -> HttpResponse:
    """The latest stored members' version of a meeting's notice, with the exempt documents:
    for the cooperation's secretariat and for those who sat in the body on the day."""
    meeting = Meeting.objects.filter(pk=OuterRef("meeting_id"))
    # One query: the document, and whether this user may read it. The meeting is public once
    # its notice is out, so someone without the right is told so (403), not "not found".
    document = (
        NoticeDocument.objects.filter(
            meeting__pk=pk,
            meeting__notice_sent_at__isnull=False,
            audience=NoticeDocument.Audience.MEMBERS,
        )
        .annotate(
            readable=Exists(meeting.staffed_by(request.user))
            | Exists(meeting.for_member(request.user))
        )
        .select_related("meeting__body")
        .order_by("-version")
        .first()
    )
    if document is None:
        return members_notice_being_made(request, pk)
    if not document.readable:
        raise PermissionDenied(
            _("Only the body's members and the secretariat may read the members' version.")
        )
    return stored_document(request, document, public=False)


def members_notice_being_made(request: HttpRequest, pk: int) -> HttpResponse:
    """The notice is sent, but the task worker has not stored its PDF yet: the link in the
    notice e-mail says so (503, try again shortly) to those who may read it."""
    same = Meeting.objects.filter(pk=OuterRef("pk"))
    meeting = (
        Meeting.objects.filter(pk=pk, notice_sent_at__isnull=False)
        .annotate(
            readable=Exists(same.staffed_by(request.user)) | Exists(same.for_member(request.user))
        )
        .first()
    )
    if meeting is None:
        raise Http404(_("This notice has not been sent as a PDF."))
    if not meeting.readable:
        raise PermissionDenied(
            _("Only the body's members and the secretariat may read the members' version.")
        )
    response = render(request, "meetings/pdf_being_made.html", {"meeting": meeting}, status=503)
    response["Retry-After"] = "30"
    add_never_cache_headers(response)
    return response


def stored_document(
    request: HttpRequest, document: MinutesDocument | NoticeDocument, *, public: bool
) -> HttpResponse:
    """The stored file with its checksum as ETag and Repr-Digest; 304 when the client has it."""
    etag = f'"{document.sha256}"'
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        not_modified["ETag"] = etag
        return not_modified
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as error:
        raise Http404(_("The file is missing.")) from error
    response = FileResponse(handle, content_type="application/pdf", filename=document.download_name)
    response["ETag"] = etag
    digest = base64.b64encode(bytes.fromhex(document.sha256)).decode()
    response["Repr-Digest"] = f"sha-256=:{digest}:"  # RFC 9530
    # A new version is published at the same address: ask again each time (the ETag makes
    # that a 304 without a body). The members' version holds exempt content: no shared cache.
    if public:
        patch_cache_control(response, public=True, no_cache=True)
    else:
        patch_cache_control(response, private=True, no_cache=True)
    return response

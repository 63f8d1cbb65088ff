"""Downloads of stored documents: the published minutes as PDF/A.

Served from storage as they were stored and checksummed, never rendered per request (a render
costs up to seconds; `meetings/documents.py` renders once per version).
"""

from __future__ import annotations

import base64

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from ..documents import MinutesDocument
from ..models import Meeting


@require_safe
def minutes_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The latest stored PDF of a meeting's published minutes."""
    # One query: the latest version of a published meeting, with what the filename needs.
    document = (
        MinutesDocument.objects.filter(meeting_id=pk, meeting__state=Meeting.State.PUBLISHED)
        .select_related("meeting__body")
        .order_by("-version")
        .first()
    )
    if document is None:
        raise Http404(_("These minutes have not been published as a PDF."))
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
    # A correction publishes a new version at the same address: ask again each time (the
    # ETag makes that a 304 without a body).
    patch_cache_control(response, public=True, no_cache=True)
    return response

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from cooperation.models import Body, Cooperation

from .models import Meeting

HOME_UPCOMING = 10
HOME_PUBLISHED = 10


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The public front page: upcoming meetings, the latest published minutes, the bodies."""
    # Three queries whatever the number of rows: meetings (with body and cooperation joined)
    # twice, and the cooperations with their bodies prefetched.
    upcoming = list(
        Meeting.objects.public().upcoming().select_related("body__cooperation")[:HOME_UPCOMING]
    )
    published = list(
        Meeting.objects.with_published_minutes()
        .select_related("body__cooperation")
        .order_by("-published_at", "-start")[:HOME_PUBLISHED]
    )
    cooperations = Cooperation.objects.prefetch_related(
        Prefetch("bodies", queryset=Body.objects.active().order_by("name"), to_attr="body_list")
    )
    return render(
        request,
        "meetings/home.html",
        {"upcoming": upcoming, "published": published, "cooperations": cooperations},
    )

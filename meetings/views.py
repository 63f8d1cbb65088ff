from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from cooperation.models import Body

from .models import Meeting

HOME_UPCOMING = 10
HOME_PUBLISHED = 10


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The public front page: upcoming meetings, the latest published minutes, the bodies."""
    # Three queries whatever the number of rows: upcoming meetings, published minutes and
    # bodies, each with what it shows joined in.
    upcoming = list(
        Meeting.objects.public().upcoming().select_related("body__cooperation")[:HOME_UPCOMING]
    )
    published = list(
        Meeting.objects.with_published_minutes()
        .select_related("body__cooperation")
        .order_by("-published_at", "-start")[:HOME_PUBLISHED]
    )
    bodies = (
        Body.objects.active().select_related("cooperation").order_by("cooperation__name", "name")
    )
    return render(
        request,
        "meetings/home.html",
        {"upcoming": upcoming, "published": published, "bodies": bodies},
    )

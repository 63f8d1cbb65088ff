"""/oparl/v1/…: the OParl 1.1 API. The object paths are those of serializers.SHAPES."""

from django.urls import path, re_path, register_converter

from . import views

app_name = "oparl"


class Id:
    """A primary key: at most 18 digits, so that no id overflows the database's integers."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(Id, "oparl_id")


def detail(route: str, kind: str):
    return path(route, views.object_detail, {"kind": kind}, name=kind)


urlpatterns = [
    path("", views.entry_point, name="entry_point"),
    path("system", views.system_detail, name="system"),
    path("bodies", views.body_list, name="body_list"),
    path("body/<oparl_id:pk>", views.body_detail, name="body"),
    path("body/<oparl_id:pk>/<slug:name>", views.body_sublist, name="body_sublist"),
    path(
        "legislative-term/<oparl_id:body>/<oparl_id:year>",
        views.legislative_term_detail,
        name="legislative-term",
    ),
    detail("organization/<oparl_id:pk>", "organization"),
    path(
        "organization/<oparl_id:pk>/meetings",
        views.organization_sublist,
        {"name": "meetings"},
        name="organization_meetings",
    ),
    path(
        "organization/<oparl_id:pk>/consultations",
        views.organization_sublist,
        {"name": "consultations"},
        name="organization_consultations",
    ),
    detail("organization/member/<oparl_id:pk>", "member-organization"),
    detail("person/<oparl_id:pk>", "person"),
    detail("membership/<oparl_id:pk>", "membership"),
    detail("meeting/<oparl_id:pk>", "meeting"),
    detail("location/<oparl_id:pk>", "location"),
    detail("agenda-item/<oparl_id:pk>", "agenda-item"),
    detail("consultation/<oparl_id:pk>", "consultation"),
    detail("paper/<oparl_id:pk>", "paper"),
    detail("file/document/<oparl_id:pk>", "document"),
    detail("file/minutes/<oparl_id:pk>", "minutes"),
    detail("file/notice/<oparl_id:pk>", "notice"),
    detail("file/<oparl_id:pk>", "file"),
    # Anything else below /oparl/v1/ is a JSON 404 too, not the portal's HTML page.
    re_path(r"^.*$", views.not_found, name="not_found"),
]

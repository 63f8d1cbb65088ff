"""The secretariat's workspace, under /sekretariat/ (namespace "meetings")."""

from django.urls import path

from .views import secretariat

urlpatterns = [
    path("", secretariat.dashboard, name="dashboard"),
    path("moter/ny/", secretariat.meeting_new, name="meeting_new"),
    path("moter/<int:pk>/", secretariat.meeting_workspace, name="meeting_workspace"),
    path("moter/<int:pk>/saker/ny/", secretariat.agenda_item_add, name="agenda_item_add"),
    path(
        "moter/<int:pk>/saker/<int:item>/flytt-<str:direction>/",
        secretariat.agenda_item_move,
        name="agenda_item_move",
    ),
    path(
        "moter/<int:pk>/saker/<int:item>/fjern/",
        secretariat.agenda_item_remove,
        name="agenda_item_remove",
    ),
    path("moter/<int:pk>/forhandsvisning/", secretariat.meeting_preview, name="meeting_preview"),
    path("moter/<int:pk>/fremmote/", secretariat.meeting_attendance, name="meeting_attendance"),
    path(
        "moter/<int:pk>/<slug:action>/",
        secretariat.meeting_transition,
        name="meeting_transition",
    ),
    path("saker/<int:pk>/referat/", secretariat.item_minutes, name="item_minutes"),
    path("saker/<int:pk>/oppfolging/", secretariat.item_follow_up_add, name="item_follow_up_add"),
    path(
        "saker/<int:pk>/arbeidsgruppe/",
        secretariat.item_working_group_add,
        name="item_working_group_add",
    ),
    path("saker/<int:pk>/inhabil/", secretariat.item_disqualified, name="item_disqualified"),
    path("oppfolging/<int:pk>/utfort/", secretariat.follow_up_done, name="follow_up_done"),
    path("saksframlegg/<int:pk>/", secretariat.case_edit, name="case_edit"),
]

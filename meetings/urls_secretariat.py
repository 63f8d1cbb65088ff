"""The secretariat's workspace, under /sekretariat/ (namespace "meetings")."""

from django.urls import path

from .views import approval, secretariat

urlpatterns = [
    path("", secretariat.dashboard, name="dashboard"),
    path("moter/ny/", secretariat.meeting_new, name="meeting_new"),
    path("moter/<int:pk>/", secretariat.meeting_workspace, name="meeting_workspace"),
    path("moter/<int:pk>/saker/ny/", secretariat.agenda_item_add, name="agenda_item_add"),
    path("moter/<int:pk>/saker/sok/", secretariat.agenda_case_search, name="agenda_case_search"),
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
    path(
        "moter/<int:pk>/forhandsvisning.pdf",
        secretariat.meeting_preview_pdf,
        name="meeting_preview_pdf",
    ),
    path("moter/<int:pk>/fremmote/", secretariat.meeting_attendance, name="meeting_attendance"),
    # The approval of the minutes (views/approval.py), before the generic moves below.
    path(
        "moter/<int:pk>/til-godkjenning/",
        approval.send_for_approval,
        name="meeting_send_for_approval",
    ),
    path("moter/<int:pk>/godkjent/", approval.record_approval, name="meeting_record_approval"),
    path("moter/<int:pk>/trekk-tilbake/", approval.withdraw, name="meeting_withdraw"),
    path("moter/<int:pk>/logg/", approval.meeting_log, name="meeting_log"),
    path(
        "moter/<int:pk>/e-post/<int:email>/send-igjen/",
        approval.email_send_again,
        name="email_send_again",
    ),
    path("moter/<int:pk>/lag-pdf/", secretariat.meeting_pdfs_make, name="meeting_pdfs_make"),
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
    path("saker/<int:pk>/rett/", approval.item_correction, name="item_correction"),
]

from django.urls import include, path

from .views import documents, feeds, public

app_name = "meetings"

urlpatterns = [
    path("", public.home, name="home"),
    path("moter/", public.meeting_list, name="meeting_list"),
    path("moter/<int:pk>/", public.meeting_detail, name="meeting_detail"),
    path("moter/<int:pk>/referat.pdf", documents.minutes_pdf, name="minutes_pdf"),
    path("moter/<int:pk>/innkalling.pdf", documents.notice_pdf, name="notice_pdf"),
    path(
        "moter/<int:pk>/innkalling-medlemmer.pdf",
        documents.notice_pdf_members,
        name="notice_pdf_members",
    ),
    path("vedtak/", public.decision_list, name="decision_list"),
    path(
        "saker/<slug:cooperation>/<int:year>-<int:sequence>/",
        public.case_detail,
        name="case_detail",
    ),
    path(
        "saker/<slug:cooperation>/<int:year>-<int:sequence>/vedlegg/<int:pk>/",
        public.attachment_download,
        name="attachment_download",
    ),
    path("organer/", public.body_list, name="body_list"),
    path("organer/<slug:cooperation>/<slug:slug>/", public.body_detail, name="body_detail"),
    path(
        "organer/<slug:cooperation>/<slug:slug>/kalender.ics",
        feeds.body_calendar,
        name="body_calendar",
    ),
    path(
        "organer/<slug:cooperation>/<slug:slug>/referater.atom",
        feeds.MinutesFeed(),
        name="body_minutes_feed",
    ),
    path(
        "samarbeid/<slug:cooperation>/kalender.ics",
        feeds.cooperation_calendar,
        name="cooperation_calendar",
    ),
    path("referater.atom", feeds.MinutesFeed(), name="minutes_feed"),
    path("tilgjengelighet/", public.accessibility_statement, name="accessibility"),
    path("sekretariat/", include("meetings.urls_secretariat")),
    path("medlem/", include("meetings.urls_member")),
]

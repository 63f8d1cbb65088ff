"""The members' side, under /medlem/ (namespace "meetings")."""

from django.urls import path

from .views import member

urlpatterns = [
    path("", member.member_home, name="member_home"),
    path("moter/<int:pk>/", member.member_meeting, name="member_meeting"),
    path("moter/<int:pk>/kommentar/", member.member_comment, name="member_comment"),
    path("moter/<int:pk>/godkjenn/", member.member_approve, name="member_approve"),
    path(
        "moter/<int:pk>/vedlegg/<int:attachment>/",
        member.member_attachment,
        name="member_attachment",
    ),
]

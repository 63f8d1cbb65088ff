"""Every URL × every role: the status each gets is the one docs/security.md documents.

A URL added to the project without an entry here fails `test_every_url_has_an_entry`.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.files.base import ContentFile
from django.urls import URLResolver, get_resolver, reverse

from meetings.documents import NoticeDocument
from meetings.models import FollowUp, Meeting, MinutesDocument, OutgoingEmail
from tests.factories import (
    OSLO,
    bring_to,
    make_case,
    make_item,
    make_meeting,
)

ROLES = [
    "anonymous",
    "member_other_body",
    "member",
    "chair",
    "secretary_other_coop",
    "secretary",
    "admin",
]
PUBLIC = dict.fromkeys(ROLES, 200)
# The secretariat's pages: log in first; members are refused; another cooperation's objects
# do not exist for its secretary.
SECRETARIAT_OBJECT = {
    "anonymous": 302,
    "member_other_body": 403,
    "member": 403,
    "chair": 403,
    "secretary_other_coop": 404,
    "secretary": 200,
    "admin": 200,
}
SECRETARIAT_PAGE = {**SECRETARIAT_OBJECT, "secretary_other_coop": 200}
# Views that change something answer GET with 405, whoever asks.
POST_ONLY = dict.fromkeys(ROLES, 405)
# The members' version of a notice: the body's members on the day and the secretariat. The
# meeting is public, so others are refused (403) rather than told it does not exist.
MEMBERS_DOCUMENT = {
    "anonymous": 302,
    "member_other_body": 403,
    "member": 200,
    "chair": 200,
    "secretary_other_coop": 403,
    "secretary": 200,
    "admin": 200,
}
# The members' side: log in first; a meeting exists only for those who sat in its body on
# the day (or approve its minutes), so everyone else, the secretariat included, gets 404.
MEMBER_PAGE = {**dict.fromkeys(ROLES, 200), "anonymous": 302}
MEMBER_OBJECT = {
    "anonymous": 302,
    "member_other_body": 404,
    "member": 200,
    "chair": 200,
    "secretary_other_coop": 404,
    "secretary": 404,
    "admin": 404,
}

# name: (how to build the URL's arguments from the world, the status per role for GET)
MATRIX = {
    "meetings:home": (lambda w: {}, PUBLIC),
    "meetings:meeting_list": (lambda w: {}, PUBLIC),
    "meetings:meeting_detail": (lambda w: {"pk": w["published"].pk}, PUBLIC),
    "meetings:minutes_pdf": (lambda w: {"pk": w["published"].pk}, PUBLIC),
    "meetings:notice_pdf": (lambda w: {"pk": w["published"].pk}, PUBLIC),
    "meetings:notice_pdf_members": (lambda w: {"pk": w["published"].pk}, MEMBERS_DOCUMENT),
    "meetings:decision_list": (lambda w: {}, PUBLIC),
    "meetings:case_detail": (
        lambda w: {"cooperation": "osloregionen", "year": 2020, "sequence": 48},
        PUBLIC,
    ),
    "meetings:attachment_download": (
        lambda w: {"cooperation": "osloregionen", "year": 2020, "sequence": 48, "pk": 999999},
        dict.fromkeys(ROLES, 404),
    ),
    "meetings:body_list": (lambda w: {}, PUBLIC),
    "meetings:body_detail": (lambda w: {"cooperation": "osloregionen", "slug": "styret"}, PUBLIC),
    "meetings:body_calendar": (
        lambda w: {"cooperation": "osloregionen", "slug": "styret"},
        PUBLIC,
    ),
    "meetings:body_minutes_feed": (
        lambda w: {"cooperation": "osloregionen", "slug": "styret"},
        PUBLIC,
    ),
    "meetings:cooperation_calendar": (lambda w: {"cooperation": "osloregionen"}, PUBLIC),
    "meetings:minutes_feed": (lambda w: {}, PUBLIC),
    "meetings:accessibility": (lambda w: {}, PUBLIC),
    "search": (lambda w: {}, PUBLIC),
    "healthz": (lambda w: {}, PUBLIC),
    "login": (lambda w: {}, PUBLIC),
    "logout": (lambda w: {}, POST_ONLY),
    "set_language": (lambda w: {}, dict.fromkeys(ROLES, 302)),
    "meetings:dashboard": (lambda w: {}, SECRETARIAT_PAGE),
    "meetings:meeting_new": (lambda w: {}, SECRETARIAT_PAGE),
    "meetings:meeting_workspace": (lambda w: {"pk": w["planned"].pk}, SECRETARIAT_OBJECT),
    "meetings:agenda_item_add": (lambda w: {"pk": w["planned"].pk}, POST_ONLY),
    "meetings:agenda_case_search": (lambda w: {"pk": w["planned"].pk}, SECRETARIAT_OBJECT),
    "meetings:agenda_item_move": (
        lambda w: {"pk": w["planned"].pk, "item": w["planned_item"].pk, "direction": "opp"},
        POST_ONLY,
    ),
    "meetings:agenda_item_remove": (
        lambda w: {"pk": w["planned"].pk, "item": w["planned_item"].pk},
        POST_ONLY,
    ),
    "meetings:meeting_preview": (lambda w: {"pk": w["held"].pk}, SECRETARIAT_OBJECT),
    "meetings:meeting_preview_pdf": (lambda w: {"pk": w["held"].pk}, SECRETARIAT_OBJECT),
    "meetings:meeting_attendance": (lambda w: {"pk": w["held"].pk}, SECRETARIAT_OBJECT),
    "meetings:meeting_transition": (
        lambda w: {"pk": w["planned"].pk, "action": "send-innkalling"},
        SECRETARIAT_OBJECT,
    ),
    "meetings:item_minutes": (lambda w: {"pk": w["held_item"].pk}, SECRETARIAT_OBJECT),
    "meetings:item_follow_up_add": (lambda w: {"pk": w["held_item"].pk}, POST_ONLY),
    "meetings:item_working_group_add": (lambda w: {"pk": w["held_item"].pk}, POST_ONLY),
    "meetings:item_disqualified": (lambda w: {"pk": w["held_item"].pk}, POST_ONLY),
    "meetings:follow_up_done": (lambda w: {"pk": w["follow_up"].pk}, POST_ONLY),
    "meetings:case_edit": (lambda w: {"pk": w["case"].pk}, SECRETARIAT_OBJECT),
    "meetings:meeting_send_for_approval": (lambda w: {"pk": w["held"].pk}, SECRETARIAT_OBJECT),
    "meetings:meeting_record_approval": (lambda w: {"pk": w["held"].pk}, SECRETARIAT_OBJECT),
    "meetings:meeting_withdraw": (lambda w: {"pk": w["held"].pk}, SECRETARIAT_OBJECT),
    "meetings:meeting_log": (lambda w: {"pk": w["held"].pk}, SECRETARIAT_OBJECT),
    "meetings:email_send_again": (
        lambda w: {"pk": w["held"].pk, "email": w["failed_email"].pk},
        POST_ONLY,
    ),
    "meetings:item_correction": (lambda w: {"pk": w["held_item"].pk}, SECRETARIAT_OBJECT),
    # The planned meeting has no PDF to make yet: the secretary's POST is told so, cheaply.
    "meetings:meeting_pdfs_make": (lambda w: {"pk": w["planned"].pk}, POST_ONLY),
    "meetings:member_home": (lambda w: {}, MEMBER_PAGE),
    "meetings:member_meeting": (lambda w: {"pk": w["published"].pk}, MEMBER_OBJECT),
    "meetings:member_comment": (lambda w: {"pk": w["published"].pk}, POST_ONLY),
    "meetings:member_approve": (lambda w: {"pk": w["published"].pk}, POST_ONLY),
    "meetings:member_attachment": (
        lambda w: {"pk": w["published"].pk, "attachment": 999999},
        {**MEMBER_OBJECT, "member": 404, "chair": 404},
    ),
}

# POST to the state-changing views: the same gate as their pages, checked before any input.
POST_MATRIX = {
    name: {**SECRETARIAT_OBJECT, "secretary": None, "admin": None}
    for name, (_kwargs, statuses) in MATRIX.items()
    if statuses is POST_ONLY and name.startswith("meetings:")
}
# The members' posts: the members' gate; a member's empty post is explained, not refused.
POST_MATRIX["meetings:member_comment"] = {**MEMBER_OBJECT, "member": None, "chair": None}
POST_MATRIX["meetings:member_approve"] = {**MEMBER_OBJECT, "member": None, "chair": None}


def url_names() -> set[str]:
    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from walk(pattern.url_patterns, inner)
            elif pattern.name:
                yield f"{namespace}{pattern.name}"

    # The admin is Django's own and gated by is_staff; the OParl API is public and read-only
    # and walked object by object in tests/oparl.
    return {
        name
        for name in walk(get_resolver().url_patterns)
        if not name.startswith(("admin:", "oparl:"))
    }


def test_every_url_has_an_entry():
    assert url_names() == set(MATRIX)


@pytest.fixture
def world(coop_a, body_x, secretary_a, member_x, chair_x, member_y, secretary_b):
    body_x.slug = "styret"
    body_x.save()
    case = make_case(coop_a, year=2020, sequence=48, title="Revidert mandat")
    published = make_meeting(body_x, start=datetime.datetime(2020, 9, 11, 10, tzinfo=OSLO))
    make_item(published, case=case, decision="Vedtatt.")
    bring_to(published, Meeting.State.PUBLISHED, secretary_a)
    # A stored PDF without rendering one (rendering is tested in test_minutes_pdf.py).
    document = MinutesDocument(
        meeting=published, version=1, sha256="0" * 64, html_sha256="0" * 64, size=8
    )
    document.file.save("referat.pdf", ContentFile(b"%PDF-1.7"), save=False)
    document.save()
    for audience in NoticeDocument.Audience:
        notice = NoticeDocument(
            meeting=published,
            audience=audience,
            version=1,
            sha256="0" * 64,
            html_sha256="0" * 64,
            size=8,
        )
        notice.file.save("innkalling.pdf", ContentFile(b"%PDF-1.7"), save=False)
        notice.save()
    held = make_meeting(body_x, start=datetime.datetime(2024, 3, 14, 10, tzinfo=OSLO))
    held_item = make_item(held, title="Orienteringer")
    bring_to(held, Meeting.State.HELD, secretary_a)
    planned = make_meeting(body_x, start=datetime.datetime(2027, 3, 14, 10, tzinfo=OSLO))
    planned_item = make_item(planned, title="Godkjenning av innkalling")
    follow_up = FollowUp.objects.create(item=held_item, description="Kalle inn")
    failed_email = OutgoingEmail.objects.create(
        meeting=held,
        kind=OutgoingEmail.Kind.APPROVAL_REQUEST,
        to="nina@example.invalid",
        subject="Referat til godkjenning",
        text="Les og godkjenn.",
        status=OutgoingEmail.Status.GIVEN_UP,
        attempts=5,
        last_error="SMTPRecipientsRefused",
    )
    return {
        "case": case,
        "published": published,
        "held": held,
        "held_item": held_item,
        "planned": planned,
        "planned_item": planned_item,
        "follow_up": follow_up,
        "failed_email": failed_email,
    }


def as_role(client, request, role, django_user_model):
    if role == "admin":
        client.force_login(django_user_model.objects.create_superuser("admin", password="pw"))
        return
    fixture = {
        "anonymous": None,
        "member_other_body": "member_y",
        "member": "member_x",
        "chair": "chair_x",
        "secretary_other_coop": "secretary_b",
        "secretary": "secretary_a",
    }[role]
    if fixture:
        client.force_login(request.getfixturevalue(fixture))


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_each_role_gets_the_documented_status_for_get(
    client, request, django_user_model, world, name, role
):
    build, statuses = MATRIX[name]
    as_role(client, request, role, django_user_model)
    response = client.get(reverse(name, kwargs=build(world)))
    assert response.status_code == statuses[role]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(POST_MATRIX))
def test_each_role_gets_the_documented_status_for_post(
    client, request, django_user_model, world, name, role
):
    build, _statuses = MATRIX[name]
    as_role(client, request, role, django_user_model)
    response = client.post(reverse(name, kwargs=build(world)), {})
    expected = POST_MATRIX[name][role]
    if expected is None:  # allowed: a redirect back or a form error, never a refusal
        assert response.status_code in (200, 302, 422)
    else:
        assert response.status_code == expected


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_the_admin_is_for_superusers_only(client, request, django_user_model, world, role):
    as_role(client, request, role, django_user_model)
    assert client.get("/admin/").status_code == (200 if role == "admin" else 302)

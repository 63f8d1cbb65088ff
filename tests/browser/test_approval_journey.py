"""The approval in a real browser: a member comments and approves, the chair approves, the
secretary publishes, and an anonymous visitor reads the minutes and downloads the PDF."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from django.utils import timezone

from cooperation.models import Body
from meetings.approvals import Approval, Comment
from meetings.models import Attendance, Meeting
from tests.browser.conftest import assert_accessible
from tests.factories import (
    bring_to,
    make_body,
    make_cooperation,
    make_item,
    make_meeting,
    make_membership,
    make_person,
    make_secretary,
    make_user,
)

pytestmark = pytest.mark.browser


def user_with_password(user):
    user.set_password("demo")
    user.save()
    return user


@pytest.fixture
def in_approval(live_server):
    cooperation = make_cooperation(name="Osloregionen", slug="osloregionen")
    body = make_body(
        cooperation,
        name="Styret",
        approval_rule=Body.ApprovalRule.CHAIR_AND_MEMBERS,
        approvers_count=1,
    )
    user_with_password(make_secretary(cooperation, "sekretar"))
    chair = make_person(cooperation, name="Eli Arnkværn Bryhni", user=make_user("leder"))
    member = make_person(cooperation, name="Nina Mosseby", user=make_user("medlem"))
    for person, role in ((chair, "chair"), (member, "member")):
        make_membership(body, person, role=role)
        user_with_password(person.user)
    meeting = make_meeting(body, start=timezone.now() - datetime.timedelta(days=2))
    make_item(meeting, title="Godkjenning av innkalling og saksliste", decision="Godkjent.")
    make_item(
        meeting,
        title="Jernbanekampanje",
        minutes_text="Styret drøftet kampanjen.",
        decision="Styret slutter seg til kampanjen.",
        outcome="adopted",
        vote="unanimous",
    )
    secretary = cooperation.staff.get().user
    bring_to(meeting, Meeting.State.HELD, secretary)
    Attendance.objects.create(meeting=meeting, person=chair, is_chair=True, position=1)
    Attendance.objects.create(meeting=meeting, person=member, position=2)
    meeting.send_minutes_for_approval(
        by=secretary,
        deadline=timezone.localdate() + datetime.timedelta(days=7),
        members=[member],
    )
    return meeting


def log_in(page, url, username, then):
    page.context.clear_cookies()
    page.goto(f"{url}/konto/logg-inn/?next={then}")
    page.get_by_label("Brukernavn").fill(username)
    page.get_by_label("Passord").fill("demo")
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_url(f"**{then}")


def test_members_approve_in_the_browser_and_the_public_gets_the_pdf(page, live_server, in_approval):
    meeting = in_approval
    url = live_server.url

    # The member: their meetings, the draft, a comment on an item, the approval.
    log_in(page, url, "medlem", "/medlem/")
    assert_accessible(page, "member's meetings")
    page.get_by_role("link", name="Styret").first.click()
    page.wait_for_url(f"**/medlem/moter/{meeting.pk}/")
    assert page.get_by_text("Styret drøftet kampanjen.").is_visible()
    assert_accessible(page, "draft minutes for approval")
    item = meeting.items.get(title="Jernbanekampanje")
    page.get_by_label("Gjelder sak").select_option(value=str(item.pk))
    page.get_by_role("textbox", name="Kommentar").fill("Skriv at vedtaket var enstemmig.")
    page.get_by_role("button", name="Send kommentaren").click()
    page.get_by_text("Kommentaren din er lagret").wait_for()
    assert page.get_by_text("Skriv at vedtaket var enstemmig.").is_visible()
    assert_accessible(page, "after commenting")
    page.get_by_role("button", name="Godkjenn referatet").click()
    page.get_by_text("Godkjenningen din er registrert").wait_for()
    assert_accessible(page, "after approving")
    assert Comment.objects.filter(meeting=meeting).count() == 1

    # The chair approves; that is the last approval.
    log_in(page, url, "leder", f"/medlem/moter/{meeting.pk}/")
    assert page.get_by_text("Skriv at vedtaket var enstemmig.").is_visible()
    page.get_by_role("button", name="Godkjenn referatet").click()
    page.get_by_text("Referatet er nå godkjent").wait_for()
    assert_accessible(page, "approved")
    assert Approval.objects.filter(meeting=meeting).count() == 2
    meeting.refresh_from_db()
    assert meeting.state == Meeting.State.APPROVED

    # The secretary reads the log and publishes.
    log_in(page, url, "sekretar", f"/sekretariat/moter/{meeting.pk}/")
    page.get_by_role("link", name="Møteloggen").click()
    assert page.get_by_text("Skriv at vedtaket var enstemmig.").is_visible()
    assert_accessible(page, "the meeting's log")
    page.go_back()
    page.get_by_role("link", name="Publiser referatet").click()
    page.get_by_role("button", name="Ja, gjør det").click()
    page.wait_for_url(f"**/sekretariat/moter/{meeting.pk}/")
    meeting.refresh_from_db()
    assert meeting.state == Meeting.State.PUBLISHED

    # An anonymous visitor reads the minutes and downloads the PDF.
    page.context.clear_cookies()
    page.goto(f"{url}/moter/{meeting.pk}/")
    assert page.get_by_text("Styret slutter seg til kampanjen.").is_visible()
    assert "Skriv at vedtaket var enstemmig." not in page.content()
    assert_accessible(page, "published minutes")
    link = page.get_by_role("link", name="Last ned referatet (PDF)")
    shown_checksum = page.locator(".minutes-download code").inner_text()
    response = page.request.get(url + link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    body = response.body()
    assert body.startswith(b"%PDF-")
    assert hashlib.sha256(body).hexdigest() == shown_checksum

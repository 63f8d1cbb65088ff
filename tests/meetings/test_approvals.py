"""Approving the minutes: by the body's rule, in the browser, of exactly the text read."""

from __future__ import annotations

import datetime
import io
from html.parser import HTMLParser

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from cases.models import Case
from cooperation.domain import DomainError, NotAllowed
from cooperation.models import Body
from meetings.approval_mail import send_reminders
from meetings.approvals import Approval, Comment, Correction
from meetings.models import AgendaItem, Attendance, Meeting, MeetingEvent
from tests.factories import (
    bring_to,
    make_case,
    make_item,
    make_meeting,
    make_membership,
    make_person,
    make_user,
)

State = Meeting.State
Rule = Body.ApprovalRule
IN_A_WEEK = timezone.localdate() + datetime.timedelta(days=7)


def person_of(user):
    return user.person


@pytest.fixture
def held(body_x, secretary_a, chair_x, member_x):
    """A held meeting of body X: the chair chaired, the member was present."""
    meeting = make_meeting(body_x)
    make_item(meeting, title="Godkjenning av innkalling og saksliste", decision="Godkjent.")
    make_item(meeting, title="Regional plan", minutes_text="Planen ble drøftet.")
    bring_to(meeting, State.HELD, secretary_a)
    Attendance.objects.create(meeting=meeting, person=person_of(chair_x), is_chair=True)
    Attendance.objects.create(meeting=meeting, person=person_of(member_x))
    return meeting


def with_rule(meeting, rule, count=1):
    meeting.body.approval_rule = rule
    meeting.body.approvers_count = count
    meeting.body.save()
    return meeting


def approve(meeting, user):
    return meeting.approve_minutes(by=user, digest=meeting.minutes_digest())


# The three rules


@pytest.mark.django_db
def test_the_chair_alone_approves_and_the_approval_records_the_text(held, secretary_a, chair_x):
    with_rule(held, Rule.CHAIR)
    held.send_minutes_for_approval(by=secretary_a, deadline=IN_A_WEEK)
    assert [a.person for a in held.approvers.all()] == [person_of(chair_x)]
    digest = held.minutes_digest()
    approval = held.approve_minutes(by=chair_x, digest=digest)
    held.refresh_from_db()
    assert held.state == State.APPROVED
    assert (approval.digest, held.approved_digest) == (digest, digest)
    assert approval.user == chair_x and approval.at <= timezone.now()


@pytest.mark.django_db
def test_the_chair_must_be_recorded_before_the_minutes_go_out(body_x, secretary_a):
    meeting = with_rule(make_meeting(body_x), Rule.CHAIR)
    bring_to(meeting, State.HELD, secretary_a)
    with pytest.raises(DomainError) as error:
        meeting.send_minutes_for_approval(by=secretary_a, deadline=IN_A_WEEK)
    assert "ledet møtet" in error.value.message
    assert Meeting.objects.get(pk=meeting.pk).state == State.HELD


@pytest.mark.django_db
def test_the_chair_and_designated_members_all_approve_before_the_minutes_are_approved(
    held, secretary_a, chair_x, member_x, coop_a, body_x
):
    with_rule(held, Rule.CHAIR_AND_MEMBERS, count=2)
    third_user = make_user("tredje")
    third = make_person(coop_a, name="Tredje Medlem", user=third_user)
    make_membership(body_x, third)
    Attendance.objects.create(meeting=held, person=third)
    with pytest.raises(DomainError):  # one member is not two
        held.send_minutes_for_approval(
            by=secretary_a, deadline=IN_A_WEEK, members=[person_of(member_x)]
        )
    held.send_minutes_for_approval(
        by=secretary_a, deadline=IN_A_WEEK, members=[person_of(member_x), third]
    )
    assert held.approvers.count() == 3
    approve(held, chair_x)
    approve(held, member_x)
    assert Meeting.objects.get(pk=held.pk).state == State.IN_APPROVAL
    approve(held, third_user)
    assert Meeting.objects.get(pk=held.pk).state == State.APPROVED


@pytest.mark.django_db
def test_only_members_present_can_be_designated(held, secretary_a, coop_a):
    with_rule(held, Rule.CHAIR_AND_MEMBERS, count=1)
    absent = make_person(coop_a, name="Fraværende")
    with pytest.raises(DomainError) as error:
        held.send_minutes_for_approval(by=secretary_a, deadline=IN_A_WEEK, members=[absent])
    assert "til stede" in error.value.message


@pytest.mark.django_db
def test_the_next_meeting_approves_when_its_approval_item_is_adopted(held, secretary_a):
    with_rule(held, Rule.NEXT_MEETING)
    held.send_minutes_for_approval(by=secretary_a)
    assert held.approvers.count() == 0 and held.approval_deadline is None
    following = make_meeting(held.body, start=held.start + datetime.timedelta(days=30))
    item = make_item(
        following, title="Godkjenning av referat fra forrige møte", previous_meeting=held
    )
    bring_to(following, State.HELD, secretary_a)
    item.save_minutes(by=secretary_a, expected_version=item.version, outcome="noted")
    assert Meeting.objects.get(pk=held.pk).state == State.IN_APPROVAL
    item.save_minutes(by=secretary_a, expected_version=item.version, outcome="adopted")
    held.refresh_from_db()
    assert held.state == State.APPROVED
    assert held.approved_digest == held.minutes_digest()
    assert "Godkjent i møtet" in held.events.filter(to_state=State.APPROVED).get().note


# Bad input


@pytest.mark.django_db
def test_approving_twice_records_one_approval(held, secretary_a, chair_x, member_x):
    with_rule(held, Rule.CHAIR_AND_MEMBERS, count=1)
    held.send_minutes_for_approval(
        by=secretary_a, deadline=IN_A_WEEK, members=[person_of(member_x)]
    )
    digest = held.minutes_digest()
    first = held.approve_minutes(by=member_x, digest=digest)
    second = held.approve_minutes(by=member_x, digest=digest)
    assert first.pk == second.pk
    assert Approval.objects.filter(meeting=held).count() == 1
    assert held.events.filter(kind=MeetingEvent.Kind.APPROVAL).count() == 1


@pytest.mark.django_db
def test_a_double_click_in_the_browser_records_one_approval(client, held, secretary_a, chair_x):
    with_rule(held, Rule.CHAIR)
    held.send_minutes_for_approval(by=secretary_a, deadline=IN_A_WEEK)
    client.force_login(chair_x)
    data = {"digest": held.minutes_digest()}
    for _ in range(2):
        response = client.post(f"/medlem/moter/{held.pk}/godkjenn/", data, follow=True)
        assert response.status_code == 200
    assert Approval.objects.filter(meeting=held).count() == 1
    assert "godkjent" in response.text.lower()


@pytest.mark.django_db
def test_someone_not_designated_gets_403(client, held, secretary_a, member_x):
    with_rule(held, Rule.CHAIR)
    held.send_minutes_for_approval(by=secretary_a, deadline=IN_A_WEEK)
    with pytest.raises(NotAllowed):
        approve(held, member_x)
    client.force_login(member_x)
    response = client.post(f"/medlem/moter/{held.pk}/godkjenn/", {"digest": held.minutes_digest()})
    assert response.status_code == 403
    assert not Approval.objects.exists()


@pytest.mark.django_db
def test_approving_after_the_deadline_is_refused_with_the_date(held, secretary_a, chair_x):
    with_rule(held, Rule.CHAIR)
    held.send_minutes_for_approval(by=secretary_a, deadline=timezone.localdate())
    Meeting.objects.filter(pk=held.pk).update(
        approval_deadline=timezone.localdate() - datetime.timedelta(days=1)
    )
    with pytest.raises(DomainError) as error:
        approve(held, chair_x)
    assert "Fristen" in error.value.message
    assert not Approval.objects.exists()


@pytest.mark.django_db
def test_publishing_unapproved_minutes_is_refused(held, secretary_a):
    with_rule(held, Rule.CHAIR)
    held.send_minutes_for_approval(by=secretary_a, deadline=IN_A_WEEK)
    with pytest.raises(DomainError) as error:
        held.publish(by=secretary_a)
    assert "godkjent referat" in error.value.message
    assert Meeting.objects.get(pk=held.pk).state == State.IN_APPROVAL


@pytest.mark.django_db
def test_an_approval_given_outside_the_system_must_say_how(held, secretary_a):
    with pytest.raises(DomainError):
        held.record_minutes_approved(by=secretary_a, note="  ")
    held.record_minutes_approved(by=secretary_a, note="Signert på papir av leder 3.12.")
    assert held.state == State.APPROVED
    assert held.events.last().note == "Signert på papir av leder 3.12."


# The text changes after an approval


@pytest.mark.django_db
def test_a_change_of_the_text_lapses_the_approval_and_tells_the_approver(
    held, secretary_a, chair_x, member_x, django_capture_on_commit_callbacks
):
    with_rule(held, Rule.CHAIR_AND_MEMBERS, count=1)
    person_of(member_x).email = "nina@example.no"
    person_of(member_x).save()
    held.send_minutes_for_approval(
        by=secretary_a, deadline=IN_A_WEEK, members=[person_of(member_x)]
    )
    old = held.minutes_digest()
    held.approve_minutes(by=member_x, digest=old)
    mail.outbox.clear()
    item = held.items.get(title="Regional plan")
    with django_capture_on_commit_callbacks(execute=True):
        item.save_minutes(
            by=secretary_a, expected_version=item.version, minutes_text="Planen ble vedtatt."
        )
    approval = Approval.objects.get(meeting=held)
    assert approval.lapsed_at is not None
    assert [m.to for m in mail.outbox] == [["nina@example.no"]]
    assert "endret" in mail.outbox[0].body
    assert held.events.filter(kind=MeetingEvent.Kind.APPROVAL_LAPSED).count() == 1
    # The approver who read the old text cannot approve it; the new text, yes.
    with pytest.raises(DomainError) as error:
        held.approve_minutes(by=chair_x, digest=old)
    assert "endret" in error.value.message
    approve(held, chair_x)
    assert Meeting.objects.get(pk=held.pk).state == State.IN_APPROVAL  # Nina has not re-approved
    approve(held, member_x)
    assert Meeting.objects.get(pk=held.pk).state == State.APPROVED


@pytest.mark.django_db
def test_the_member_page_says_the_approval_lapsed(client, held, secretary_a, chair_x):
    with_rule(held, Rule.CHAIR)
    held.send_minutes_for_approval(by=secretary_a, deadline=IN_A_WEEK)
    Approval.objects.create(
        meeting=held,
        person=person_of(chair_x),
        user=chair_x,
        digest="0" * 64,
        lapsed_at=timezone.now(),
    )
    client.force_login(chair_x)
    page = client.get(f"/medlem/moter/{held.pk}/").text
    assert "godkjenningen din gjelder ikke lenger" in page.lower()
    assert "Godkjenn referatet" in page


@pytest.mark.django_db
def test_the_member_page_says_who_approved_and_the_text_they_approved(
    client, held, secretary_a, chair_x, member_x
):
    with_rule(held, Rule.CHAIR_AND_MEMBERS, count=1)
    held.send_minutes_for_approval(
        by=secretary_a, deadline=IN_A_WEEK, members=[person_of(member_x)]
    )
    approval = approve(held, member_x)
    client.force_login(member_x)
    page = client.get(f"/medlem/moter/{held.pk}/").text
    # Their own approval, with the checksum of the text it covers, and no button to approve.
    assert "Du godkjente denne teksten" in page and approval.digest in page
    assert "Godkjenn referatet" not in page
    assert "gjelder ikke lenger" not in page
    # The chair has not approved yet: the list of approvers says so.
    client.force_login(chair_x)
    page = client.get(f"/medlem/moter/{held.pk}/").text
    assert "Godkjenn referatet" in page and "Du godkjente denne teksten" not in page


# Approved minutes are locked; a change is a formal correction


@pytest.fixture
def approved(held, secretary_a, chair_x):
    with_rule(held, Rule.CHAIR)
    held.send_minutes_for_approval(by=secretary_a, deadline=IN_A_WEEK)
    approve(held, chair_x)
    held.refresh_from_db()
    return held


@pytest.mark.django_db
def test_approved_minutes_cannot_be_edited(approved, secretary_a):
    item = approved.items.get(title="Regional plan")
    with pytest.raises(DomainError) as error:
        item.save_minutes(by=secretary_a, expected_version=item.version, minutes_text="Nytt")
    assert "formell rettelse" in error.value.message


@pytest.mark.django_db
def test_a_correction_needs_a_reason_and_keeps_both_texts(approved, secretary_a):
    item = approved.items.get(title="Regional plan")
    with pytest.raises(DomainError):
        item.correct(by=secretary_a, reason="", expected_version=item.version, decision="X")
    item.correct(
        by=secretary_a,
        reason="Vedtaket var skrevet feil.",
        expected_version=item.version,
        decision="Planen ble vedtatt.",
    )
    correction = Correction.objects.get(item=item)
    assert (correction.before["decision"], correction.after["decision"]) == (
        "",
        "Planen ble vedtatt.",
    )
    assert AgendaItem.objects.get(pk=item.pk).decision == "Planen ble vedtatt."
    assert approved.events.filter(kind=MeetingEvent.Kind.CORRECTION).count() == 1


@pytest.mark.django_db
def test_the_published_page_shows_a_correction_and_when(client, approved, secretary_a):
    approved.publish(by=secretary_a)
    item = approved.items.get(title="Regional plan")
    item.correct(
        by=secretary_a,
        reason="Vedtaket var skrevet feil.",
        expected_version=item.version,
        decision="Planen ble vedtatt.",
    )
    page = client.get(f"/moter/{approved.pk}/").text
    assert "Rettet etter godkjenning" in page
    assert "Vedtaket var skrevet feil." in page
    assert "Planen ble vedtatt." in page


@pytest.mark.renders_pdfs
@pytest.mark.django_db
def test_a_correction_through_the_workspace_publishes_a_new_pdf_version(
    client, approved, secretary_a
):
    from meetings.documents import MinutesDocument, publish_minutes_document

    approved.publish(by=secretary_a)
    publish_minutes_document(approved)
    item = approved.items.get(title="Regional plan")
    client.force_login(secretary_a)
    response = client.post(
        f"/sekretariat/saker/{item.pk}/rett/",
        {
            "version": item.version,
            "minutes_text": item.minutes_text,
            "decision": "Planen ble vedtatt.",
            "outcome": "adopted",
            "vote": "unanimous",
            "reason": "Vedtaket manglet.",
        },
    )
    assert response.status_code == 302
    versions = list(MinutesDocument.objects.filter(meeting=approved).values_list("version"))
    assert versions == [(2,), (1,)]


# The member's side


@pytest.mark.django_db
def test_a_member_sees_the_exempt_case_document_of_their_own_body(
    client, body_x, secretary_a, member_x, member_y, coop_a
):
    case = make_case(
        coop_a,
        title="Ansettelse av direktør – innstilling",
        public_title="Ansettelse",
        is_exempt=True,
        exemption_basis="Offl. § 25",
        background="Søkeren heter Kari.",
    )
    meeting = make_meeting(body_x)
    make_item(meeting, case=case)
    bring_to(meeting, State.NOTICE_SENT, secretary_a)
    client.force_login(member_x)
    page = client.get(f"/medlem/moter/{meeting.pk}/").text
    assert "Søkeren heter Kari." in page and "innstilling" in page
    client.force_login(member_y)
    assert client.get(f"/medlem/moter/{meeting.pk}/").status_code == 404
    public = client.get(f"/moter/{meeting.pk}/").text
    assert "Søkeren heter Kari." not in public and "innstilling" not in public


@pytest.mark.django_db
def test_comments_reach_the_secretariat_and_approvers_never_the_public(
    client, held, secretary_a, chair_x, member_x
):
    with_rule(held, Rule.CHAIR)
    held.send_minutes_for_approval(by=secretary_a, deadline=IN_A_WEEK)
    item = held.items.get(title="Regional plan")
    client.force_login(chair_x)
    response = client.post(
        f"/medlem/moter/{held.pk}/kommentar/", {"item": item.pk, "text": "Skriv «vedtatt»."}
    )
    assert response.status_code == 302
    assert Comment.objects.get().author_name == person_of(chair_x).name
    assert "Skriv «vedtatt»." in client.get(f"/medlem/moter/{held.pk}/").text
    # A member who does not approve neither comments nor reads the comments.
    client.force_login(member_x)
    assert "Skriv «vedtatt»." not in client.get(f"/medlem/moter/{held.pk}/").text
    response = client.post(f"/medlem/moter/{held.pk}/kommentar/", {"text": "Hei"})
    assert response.status_code == 403
    client.force_login(secretary_a)
    assert "Skriv «vedtatt»." in client.get(f"/sekretariat/saker/{item.pk}/referat/").text
    assert "Skriv «vedtatt»." in client.get(f"/sekretariat/moter/{held.pk}/logg/").text
    client.logout()
    approve(held, chair_x)
    held.publish(by=secretary_a)
    assert "Skriv «vedtatt»." not in client.get(f"/moter/{held.pk}/").text


@pytest.mark.django_db
def test_the_secretary_sends_for_approval_and_the_approvers_get_an_email(
    client, held, secretary_a, chair_x, member_x
):
    with_rule(held, Rule.CHAIR_AND_MEMBERS, count=1)
    for user, address in ((chair_x, "leder@example.no"), (member_x, "nina@example.no")):
        person_of(user).email = address
        person_of(user).save()
    client.force_login(secretary_a)
    url = f"/sekretariat/moter/{held.pk}/til-godkjenning/"
    page = client.get(url)
    assert person_of(member_x).name in page.text
    response = client.post(url, {"deadline": "2001-01-01", "members": [person_of(member_x).pk]})
    assert response.status_code == 422 and "fortiden" in response.text
    response = client.post(
        url, {"deadline": IN_A_WEEK.isoformat(), "members": [person_of(member_x).pk]}
    )
    assert response.status_code == 302
    held.refresh_from_db()
    assert held.state == State.IN_APPROVAL and held.approval_deadline == IN_A_WEEK
    assert sorted(m.to[0] for m in mail.outbox) == ["leder@example.no", "nina@example.no"]
    assert f"/medlem/moter/{held.pk}/" in mail.outbox[0].body
    assert held.events.filter(kind=MeetingEvent.Kind.EMAIL).exists()


@pytest.mark.django_db
def test_a_reminder_goes_once_to_those_who_have_not_approved(held, secretary_a, chair_x, member_x):
    with_rule(held, Rule.CHAIR_AND_MEMBERS, count=1)
    for user, address in ((chair_x, "leder@example.no"), (member_x, "nina@example.no")):
        person_of(user).email = address
        person_of(user).save()
    held.send_minutes_for_approval(
        by=secretary_a,
        deadline=timezone.localdate() + datetime.timedelta(days=1),
        members=[person_of(member_x)],
    )
    approve(held, chair_x)
    mail.outbox.clear()
    call_command("send_approval_reminders", stdout=io.StringIO())
    assert [m.to for m in mail.outbox] == [["nina@example.no"]]
    assert send_reminders() == []  # once
    assert len(mail.outbox) == 1


# The audit trail


@pytest.mark.django_db
def test_the_log_lists_every_state_change_approval_comment_and_correction(
    client, approved, secretary_a, chair_x
):
    Comment.objects.create(meeting=approved, author=chair_x, author_name="Eli", text="Fint.")
    approved.publish(by=secretary_a)
    item = approved.items.get(title="Regional plan")
    item.correct(
        by=secretary_a,
        reason="Skrivefeil.",
        expected_version=item.version,
        minutes_text="Planen ble drøftet grundig.",
    )
    client.force_login(secretary_a)
    page = client.get(f"/sekretariat/moter/{approved.pk}/logg/").text
    for expected in (
        "Statusendring: planlagt → innkalling sendt",
        "referat publisert",
        "Godkjenning –",
        person_of(chair_x).name,
        "Fint.",
        "Skrivefeil.",
        "Planen ble drøftet grundig.",
        "Planen ble drøftet.",
        approved.approved_digest,
    ):
        assert expected in page, expected


# After publication, nothing but the public record reaches the public


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href") if tag == "a" else None
        if href and href.startswith("/") and not href.startswith(("/admin", "/konto")):
            self.found.append(href.split("#")[0])


@pytest.mark.django_db
def test_after_publication_no_public_page_shows_draft_comment_or_exempt_text(
    client, settings, tmp_path
):
    from django.contrib.auth import get_user_model

    from meetings.demo import DRAFT_MARKER, EXEMPT_MARKER

    settings.MEDIA_ROOT = tmp_path
    settings.DEMO_MODE = True
    call_command("load_demo", stdout=io.StringIO())
    secretary = get_user_model().objects.get(username="sekretar")
    leader = get_user_model().objects.get(username="leder")
    comment = "Kommentar fra lederen som aldri skal bli offentlig."
    meeting = Meeting.objects.get(state=State.IN_APPROVAL, approvers__person__user=leader)
    Comment.objects.create(meeting=meeting, author=leader, author_name="Eli", text=comment)
    approve(meeting, leader)
    meeting.refresh_from_db()
    meeting.publish(by=secretary)
    # A correction of the exempt item: its reason names what is exempt.
    exempt = AgendaItem.objects.get(case__in=Case.objects.filter(title=EXEMPT_MARKER))
    if exempt.meeting.state in (State.APPROVED, State.PUBLISHED):
        exempt.correct(
            by=secretary,
            reason=f"Rettet: {EXEMPT_MARKER}",
            expected_version=exempt.version,
            decision="Tilbud gis.",
        )
    seen, queue = set(), ["/", f"/moter/{meeting.pk}/"]
    while queue and len(seen) < 400:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code in (200, 302), url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode("utf-8", "replace")
        for secret in (DRAFT_MARKER, EXEMPT_MARKER, comment):
            assert secret not in text, (url, secret)
        if response.get("Content-Type", "").startswith("text/html"):
            parser = Links()
            parser.feed(text)
            queue.extend(parser.found)
    assert f"/moter/{meeting.pk}/" in seen and len(seen) > 30


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_approval_racing_a_change_of_the_text_never_approves_a_text_nobody_read(
    body_x, secretary_a, chair_x, member_x
):
    import threading

    from django.db import close_old_connections, connection

    body_x.approval_rule = Rule.CHAIR
    body_x.save()
    rounds, failures = 30, []
    for n in range(rounds):
        meeting = make_meeting(body_x, start=timezone.now() - datetime.timedelta(days=n + 1))
        item = make_item(meeting, title="Regional plan", minutes_text="Utkast.")
        bring_to(meeting, State.HELD, secretary_a)
        Attendance.objects.create(meeting=meeting, person=person_of(chair_x), is_chair=True)
        meeting.send_minutes_for_approval(by=secretary_a, deadline=IN_A_WEEK)
        read = meeting.minutes_digest()  # what the chair read
        barrier = threading.Barrier(2)

        def approve_it(meeting=meeting, read=read, barrier=barrier):
            try:
                barrier.wait(timeout=30)
                Meeting.objects.get(pk=meeting.pk).approve_minutes(by=chair_x, digest=read)
            except DomainError:
                pass  # refused: the text changed first
            except Exception as error:
                failures.append(error)
            finally:
                connection.close()

        def change_it(item=item, barrier=barrier):
            try:
                barrier.wait(timeout=30)
                fresh = AgendaItem.objects.select_related("meeting").get(pk=item.pk)
                fresh.save_minutes(
                    by=secretary_a, expected_version=fresh.version, minutes_text="Endret."
                )
            except DomainError:
                pass  # refused: approved first, so the text is locked
            except Exception as error:
                failures.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=approve_it), threading.Thread(target=change_it)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        close_old_connections()
        meeting.refresh_from_db()
        if meeting.state == State.APPROVED:
            # Approved first: the change was refused, and the approved text is the text.
            assert meeting.approved_digest == read == meeting.minutes_digest()
        else:
            # Changed first: no approval of the old text counts.
            assert meeting.minutes_digest() != read
            assert not meeting.approvals.of_text(meeting.minutes_digest()).exists()
    assert failures == []


@pytest.mark.django_db
def test_a_change_of_who_was_disqualified_lapses_the_approval_and_approved_minutes_refuse_it(
    client, held, secretary_a, chair_x, member_x
):
    with_rule(held, Rule.CHAIR_AND_MEMBERS, count=1)
    held.send_minutes_for_approval(
        by=secretary_a, deadline=IN_A_WEEK, members=[person_of(member_x)]
    )
    approve(held, member_x)
    item = held.items.get(title="Regional plan")
    client.force_login(secretary_a)
    client.post(f"/sekretariat/saker/{item.pk}/inhabil/", {"people": [person_of(member_x).pk]})
    assert Approval.objects.get(meeting=held).lapsed_at is not None
    approve(held, member_x)
    approve(held, chair_x)
    assert Meeting.objects.get(pk=held.pk).state == State.APPROVED
    response = client.post(f"/sekretariat/saker/{item.pk}/inhabil/", {"people": []}, follow=True)
    assert "formell rettelse" in response.text
    assert list(item.disqualified.all()) == [person_of(member_x)]


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 25])
def test_the_member_page_costs_the_same_queries_for_1_and_25_items(
    client, body_x, secretary_a, chair_x, member_x, django_assert_num_queries, count
):
    meeting = make_meeting(body_x)
    for n in range(count):
        make_item(meeting, title=f"Sak {n}", minutes_text="Drøftet.", decision="Vedtatt.")
    bring_to(meeting, State.HELD, secretary_a)
    with_rule(meeting, Rule.CHAIR)
    Attendance.objects.create(meeting=meeting, person=person_of(chair_x), is_chair=True)
    Attendance.objects.create(meeting=meeting, person=person_of(member_x))
    meeting.send_minutes_for_approval(by=secretary_a, deadline=IN_A_WEEK)
    Comment.objects.create(meeting=meeting, author=chair_x, author_name="Eli", text="Fint.")
    client.force_login(chair_x)
    client.get("/medlem/")  # the session learns once whether this is staff
    # session, user, the meeting, items with cases, disqualified members, approvers,
    # attendance, who left during what, the meeting's approvals (those of the text and the
    # approver's lapsed one), comments, the menu's staff check (the digest of the text and
    # the comment form's items are made from the rows already read)
    with django_assert_num_queries(11):
        assert client.get(f"/medlem/moter/{meeting.pk}/").status_code == 200

"""The outbox: no e-mail is lost. A failure is kept with its error, tried again by cron after
a wait, given up after the last attempt, shown on the meeting's log and sent again on demand."""

import datetime
import smtplib
import threading
import time

import icalendar
import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.db import close_old_connections, connection
from django.utils import timezone

from meetings.approval_mail import tell_lapsed
from meetings.models import Meeting, MeetingEvent, OutgoingEmail
from meetings.outbox import MAX_ATTEMPTS, RETRY_AFTER, queue, send_due
from tests.factories import OSLO, make_item, make_meeting, make_membership, make_person

INGAR = "ingar@example.invalid"


class FlakyBackend(EmailBackend):
    """The test outbox (locmem), except that the addresses in `failing` are refused."""

    def __init__(self, *args, failing=(), delay=0.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.failing, self.delay = set(failing), delay

    def send_messages(self, messages):
        time.sleep(self.delay)
        for message in messages:
            refused = self.failing.intersection(message.to)
            if refused:
                raise smtplib.SMTPRecipientsRefused(dict.fromkeys(refused, (550, b"No such user")))
        return super().send_messages(messages)


@pytest.fixture
def refusing(settings):
    """Make the mail server refuse these addresses (none: it takes everything again)."""

    def refuse(*addresses, delay=0.0):
        backend = f"{FlakyBackend.__module__}.{FlakyBackend.__qualname__}"
        options = {"failing": addresses, "delay": delay}
        settings.MAILERS = {"default": {"BACKEND": backend, "OPTIONS": options}}

    return refuse


@pytest.fixture
def planned(body_x, secretary_a, coop_a):
    for name, email in [
        ("Eli Arnkværn Bryhni", "eli@example.invalid"),
        ("Ingar Vaskinn", INGAR),
        ("Trine Knobel", "trine@example.invalid"),
    ]:
        make_membership(body_x, make_person(coop_a, name=name, email=email))
    meeting = Meeting.plan(
        body=body_x,
        by=secretary_a,
        place="Oslo rådhus",
        start=datetime.datetime(2026, 12, 10, 10, tzinfo=OSLO),
    )
    make_item(meeting, title="Jernbanekampanje for Osloregionen")
    return meeting


def send_notice(client, meeting, secretary):
    client.force_login(secretary)
    return client.post(f"/sekretariat/moter/{meeting.pk}/send-innkalling/", follow=True)


def ingars(meeting) -> OutgoingEmail:
    return meeting.outgoing_emails.get(to=INGAR)


def email_events(meeting) -> list[str]:
    return list(
        meeting.events.filter(kind=MeetingEvent.Kind.EMAIL)
        .order_by("id")
        .values_list("note", flat=True)
    )


def failed_email(meeting, **overrides) -> OutgoingEmail:
    fields = {
        "meeting": meeting,
        "kind": OutgoingEmail.Kind.APPROVAL_REQUEST,
        "to": INGAR,
        "subject": "Referat til godkjenning",
        "text": "Les og godkjenn.",
        "status": OutgoingEmail.Status.FAILED,
        "attempts": 1,
        "last_error": "SMTPRecipientsRefused: 550 No such user",
        "next_attempt_at": timezone.now(),
        **overrides,
    }
    return OutgoingEmail.objects.create(**fields)


# Sending at once


@pytest.mark.django_db
def test_a_refused_address_is_kept_with_its_error_and_the_others_are_sent(
    client, planned, secretary_a, refusing
):
    refusing(INGAR)
    response = send_notice(client, planned, secretary_a)

    assert sorted(m.to[0] for m in mail.outbox) == ["eli@example.invalid", "trine@example.invalid"]
    assert "Ingar Vaskinn" in response.text and "kunne ikke sendes" in response.text
    failed = ingars(planned)
    assert failed.status == OutgoingEmail.Status.FAILED and failed.attempts == 1
    assert "SMTPRecipientsRefused" in failed.last_error and "No such user" in failed.last_error
    assert failed.next_attempt_at - failed.created >= RETRY_AFTER[0]
    sent = planned.outgoing_emails.exclude(to=INGAR)
    assert {e.status for e in sent} == {OutgoingEmail.Status.SENT}
    assert all(e.sent_at and e.attempts == 1 for e in sent)
    assert "Feilet: Ingar Vaskinn (prøves igjen)" in email_events(planned)[-1]


@pytest.mark.django_db
def test_an_approval_email_that_fails_is_kept_the_same_way(planned, refusing):
    ingar = planned.body.memberships.get(person__email=INGAR).person
    refusing(INGAR)

    report = tell_lapsed(planned.pk, [ingar.pk])

    assert report.failed == ["Ingar Vaskinn"] and mail.outbox == []
    email = ingars(planned)
    assert (email.kind, email.status, email.person) == (
        OutgoingEmail.Kind.APPROVAL_LAPSED,
        OutgoingEmail.Status.FAILED,
        ingar,
    )


# Cron: send_queued_email


@pytest.mark.django_db
def test_cron_tries_again_after_the_wait_sends_and_logs_it_with_the_invitation(
    client, planned, secretary_a, refusing
):
    refusing(INGAR)
    send_notice(client, planned, secretary_a)
    failed = ingars(planned)
    refusing()  # the server takes Ingar's mail again
    mail.outbox.clear()

    assert send_due(now=failed.next_attempt_at - datetime.timedelta(seconds=1)) == {}
    assert mail.outbox == []

    assert send_due(now=failed.next_attempt_at) == {OutgoingEmail.Status.SENT: 1}
    email = ingars(planned)
    assert (email.status, email.attempts, email.next_attempt_at) == ("sent", 2, None)
    [message] = mail.outbox
    assert message.to == [INGAR] and message.subject.startswith("Innkalling: Styret")
    assert message.alternatives[0].mimetype == "text/html"
    name, content, mimetype = message.attachments[0]
    assert name == "innkalling.ics" and mimetype.startswith("text/calendar")
    attendee = next(iter(icalendar.Calendar.from_ical(content).walk("VEVENT")))["attendee"]
    assert str(attendee) == f"mailto:{INGAR}"
    assert INGAR in email_events(planned)[-1]


@pytest.mark.django_db
def test_the_command_sends_what_is_due_once_and_says_so(planned, capsys):
    email = failed_email(planned)

    call_command("send_queued_email")
    call_command("send_queued_email")

    assert [m.to for m in mail.outbox] == [[INGAR]]
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "1 sent, 0 failed (tried again later), 0 given up.",
        "0 sent, 0 failed (tried again later), 0 given up.",
    ]


@pytest.mark.django_db
def test_an_email_that_keeps_failing_waits_longer_each_time_and_is_given_up(
    planned, refusing, capsys
):
    refusing(INGAR)
    [email] = queue(
        [OutgoingEmail(meeting=planned, kind="notice", to=INGAR, subject="S", text="T")]
    )
    now = datetime.datetime(2026, 12, 1, 10, tzinfo=OSLO)
    email.send(now=now, log=False)
    waits = []
    while email.status == OutgoingEmail.Status.FAILED:
        waits.append(email.next_attempt_at - now)
        now = email.next_attempt_at
        send_due(now=now)
        email.refresh_from_db()

    assert waits == RETRY_AFTER
    assert (email.status, email.attempts, email.next_attempt_at) == ("given_up", MAX_ATTEMPTS, None)
    assert "No such user" in email.last_error
    events = email_events(planned)
    assert len(events) == MAX_ATTEMPTS - 1  # the first attempt is the sender's, logged by it
    assert all(INGAR in note and "No such user" in note for note in events)
    assert send_due(now=now + datetime.timedelta(days=1)) == {}  # given up is given up
    refusing()
    call_command("send_queued_email")
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_batch_whose_sender_never_tried_is_sent_by_cron_after_the_first_wait(planned):
    [email] = queue(
        [OutgoingEmail(meeting=planned, kind="notice", to=INGAR, subject="S", text="T")]
    )

    assert send_due() == {}  # the sender is still having its go
    assert send_due(now=email.next_attempt_at) == {OutgoingEmail.Status.SENT: 1}
    assert [m.to for m in mail.outbox] == [[INGAR]]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_never_send_the_same_email(body_x, refusing):
    meeting = make_meeting(body_x)
    now = datetime.datetime(2026, 12, 1, 10, tzinfo=OSLO)
    for n in range(12):
        failed_email(meeting, to=f"person{n}@example.invalid", next_attempt_at=now)
    refusing(delay=0.05)  # each send takes a while, so the runs overlap
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait(timeout=30)
            send_due(now=now)
        except Exception as error:  # collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    close_old_connections()

    assert errors == []
    addresses = [m.to[0] for m in mail.outbox]
    assert sorted(addresses) == sorted(f"person{n}@example.invalid" for n in range(12))
    assert set(OutgoingEmail.objects.values_list("attempts", flat=True)) == {2}


# The meeting's log and "Send again now"


@pytest.mark.django_db
def test_the_log_lists_every_email_with_a_send_again_button_for_the_undelivered(
    client, planned, secretary_a, refusing
):
    refusing(INGAR)
    send_notice(client, planned, secretary_a)
    failed = ingars(planned)

    page = client.get(f"/sekretariat/moter/{planned.pk}/logg/").text

    assert all(e.to in page for e in planned.outgoing_emails.all())
    assert "No such user" in page
    buttons = page.count('action="/sekretariat/moter/')
    assert buttons == 1
    assert f'action="/sekretariat/moter/{planned.pk}/e-post/{failed.pk}/send-igjen/"' in page


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 25])
def test_the_logs_email_section_costs_the_same_queries_for_one_and_many(
    client, planned, secretary_a, django_assert_num_queries, count
):
    person = make_person(planned.body.cooperation, name="Ingar Vaskinn", email=INGAR)
    for _ in range(count):
        failed_email(planned, person=person)
    client.force_login(secretary_a)
    # session, user, the staff checks (2), the meeting, the minutes' digest (attendance,
    # items, the disqualified), the menu's staff check, events, e-mails with their people,
    # approvals, comments, corrections, PDFs, the session's new expiry (3 with its savepoint)
    with django_assert_num_queries(18):
        client.get(f"/sekretariat/moter/{planned.pk}/logg/")


@pytest.mark.django_db
def test_send_again_now_sends_a_given_up_email_to_the_persons_corrected_address(
    client, planned, secretary_a
):
    ingar = planned.body.memberships.get(person__email=INGAR).person
    email = failed_email(
        planned,
        person=ingar,
        to="ingar@old.invalid",
        status=OutgoingEmail.Status.GIVEN_UP,
        attempts=MAX_ATTEMPTS,
        next_attempt_at=None,
    )
    client.force_login(secretary_a)

    response = client.post(f"/sekretariat/moter/{planned.pk}/e-post/{email.pk}/send-igjen/")

    assert response.status_code == 302
    assert response["Location"] == f"/sekretariat/moter/{planned.pk}/logg/#e-post"
    assert [m.to for m in mail.outbox] == [[INGAR]]
    email.refresh_from_db()
    assert (email.status, email.to, email.attempts) == ("sent", INGAR, MAX_ATTEMPTS + 1)
    event = planned.events.filter(kind=MeetingEvent.Kind.EMAIL).get()
    assert event.actor == secretary_a and INGAR in event.note


@pytest.mark.django_db
def test_send_again_that_fails_keeps_the_email_given_up_with_the_new_error(
    client, planned, secretary_a, refusing
):
    email = failed_email(
        planned, status=OutgoingEmail.Status.GIVEN_UP, attempts=MAX_ATTEMPTS, next_attempt_at=None
    )
    refusing(INGAR)
    client.force_login(secretary_a)

    response = client.post(
        f"/sekretariat/moter/{planned.pk}/e-post/{email.pk}/send-igjen/", follow=True
    )

    email.refresh_from_db()
    assert (email.status, email.attempts) == ("given_up", MAX_ATTEMPTS + 1)
    assert "No such user" in response.text


@pytest.mark.django_db
def test_send_again_refuses_an_email_already_sent(client, planned, secretary_a):
    email = failed_email(planned)
    email.send()
    mail.outbox.clear()
    client.force_login(secretary_a)

    response = client.post(
        f"/sekretariat/moter/{planned.pk}/e-post/{email.pk}/send-igjen/", follow=True
    )

    assert response.status_code == 200 and mail.outbox == []
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


@pytest.mark.django_db
def test_send_again_is_post_only_and_for_the_meetings_own_secretariat(
    client, planned, body_x, secretary_a, secretary_b, member_x
):
    email = failed_email(planned)
    other = failed_email(make_meeting(body_x))
    url = f"/sekretariat/moter/{planned.pk}/e-post/{email.pk}/send-igjen/"

    client.force_login(secretary_a)
    assert client.get(url).status_code == 405
    wrong_meeting = f"/sekretariat/moter/{planned.pk}/e-post/{other.pk}/send-igjen/"
    assert client.post(wrong_meeting).status_code == 404
    client.force_login(secretary_b)
    assert client.post(url).status_code == 404
    client.force_login(member_x)
    assert client.post(url).status_code == 403
    assert mail.outbox == []


# The dashboard


@pytest.mark.django_db
def test_the_dashboard_names_a_meeting_with_undelivered_email_until_it_is_sent(
    client, planned, secretary_a
):
    published = make_meeting(planned.body, start=datetime.datetime(2025, 1, 9, 10, tzinfo=OSLO))
    email = failed_email(published)
    client.force_login(secretary_a)

    response = client.get("/sekretariat/")
    assert response.context["undelivered_mail"] == [published]
    assert f"/sekretariat/moter/{published.pk}/logg/#e-post" in response.text

    email.send()
    assert client.get("/sekretariat/").context["undelivered_mail"] == []

"""The notice by e-mail: to every member, HTML and text, with an invitation in Oslo time."""

import datetime
from unittest import mock

import icalendar
import pytest
from django.core import mail

from meetings.models import Meeting
from tests.factories import OSLO, make_item, make_membership, make_person


@pytest.fixture
def planned(body_x, secretary_a, coop_a):
    for name, email, role in [
        ("Eli Arnkværn Bryhni", "eli@example.invalid", "chair"),
        ("Ingar Vaskinn", "ingar@example.invalid", "member"),
        ("Trine Knobel", "trine@example.invalid", "deputy"),
        ("Nina Mosseby", "", "member"),
    ]:
        make_membership(
            body_x,
            make_person(coop_a, name=name, email=email),
            role=role,
            start=datetime.date(2020, 1, 1),
        )
    meeting = Meeting.plan(
        body=body_x,
        by=secretary_a,
        place="Oslo rådhus",
        start=datetime.datetime(2026, 12, 10, 10, tzinfo=OSLO),
        end=datetime.datetime(2026, 12, 10, 12, tzinfo=OSLO),
    )
    make_item(meeting, title="Jernbanekampanje for Osloregionen")
    return meeting


def send(client, meeting, secretary):
    client.force_login(secretary)
    return client.post(f"/sekretariat/moter/{meeting.pk}/send-innkalling/", follow=True)


@pytest.mark.django_db
def test_every_member_with_an_address_gets_the_notice_with_html_text_and_invitation(
    client, planned, secretary_a
):
    response = send(client, planned, secretary_a)
    assert sorted(m.to[0] for m in mail.outbox) == [
        "eli@example.invalid",
        "ingar@example.invalid",
        "trine@example.invalid",
    ]
    message = mail.outbox[0]
    assert message.subject == "Innkalling: Styret, 10. desember 2026 kl. 10.00"
    assert "Jernbanekampanje for Osloregionen" in message.body
    assert "Sak 03/26" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and "<ol>" in html
    assert f"http://testserver/moter/{planned.pk}/" in message.body
    assert "Nina Mosseby" in response.text  # told that she has no address


@pytest.mark.django_db
def test_the_invitation_is_a_calendar_request_in_oslo_time_matching_the_feed(
    client, planned, secretary_a
):
    send(client, planned, secretary_a)
    name, content, mimetype = mail.outbox[0].attachments[0]
    assert name == "innkalling.ics" and mimetype.startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(content)
    assert str(calendar["method"]) == "REQUEST"
    event = next(iter(calendar.walk("VEVENT")))
    start = event.decoded("dtstart")
    assert (start.hour, str(start.tzinfo)) == (10, "Europe/Oslo")
    assert str(event["uid"]) == f"meeting-{planned.pk}@testserver"
    feed = icalendar.Calendar.from_ical(
        client.get(
            f"/organer/{planned.body.cooperation.slug}/{planned.body.slug}/kalender.ics"
        ).content
    )
    assert [str(e["uid"]) for e in feed.walk("VEVENT")] == [str(event["uid"])]


@pytest.mark.django_db
def test_a_failing_address_is_reported_and_logged_and_the_others_still_get_it(
    client, planned, secretary_a
):
    real_send = mail.EmailMultiAlternatives.send

    def flaky(self, *args, **kwargs):
        if self.to == ["ingar@example.invalid"]:
            raise ConnectionRefusedError("SMTP down")
        return real_send(self, *args, **kwargs)

    with mock.patch.object(mail.EmailMultiAlternatives, "send", flaky):
        response = send(client, planned, secretary_a)
    assert len(mail.outbox) == 2
    assert "kunne ikke sendes" in response.text and "Ingar Vaskinn" in response.text
    assert "Feilet: Ingar Vaskinn" in planned.events.last().note
    planned.refresh_from_db()
    assert planned.state == Meeting.State.NOTICE_SENT


@pytest.mark.django_db
def test_a_supplementary_item_is_numbered_at_once_and_sent_as_a_supplementary_notice(
    client, planned, secretary_a
):
    send(client, planned, secretary_a)
    mail.outbox.clear()
    empty = client.post(f"/sekretariat/moter/{planned.pk}/send-tilleggsinnkalling/", follow=True)
    assert "trenger saker som er lagt til" in empty.text and mail.outbox == []
    client.post(
        f"/sekretariat/moter/{planned.pk}/saker/ny/",
        {"new_title": "Høringssvar om NTP", "kind": "decision"},
    )
    added = planned.items.get(case__title="Høringssvar om NTP")
    assert added.number == "04/26" and added.position == 4
    client.post(f"/sekretariat/moter/{planned.pk}/send-tilleggsinnkalling/")
    message = mail.outbox[0]
    assert message.subject.startswith("Tilleggsinnkalling: Styret")
    added_part, agenda_part = message.body.split("Saksliste:")
    assert "Sak 04/26 Høringssvar om NTP" in added_part
    assert "Jernbanekampanje" not in added_part and "Jernbanekampanje" in agenda_part

"""The archive lists (filters, keyset pages) and the subscriptions (Atom, iCalendar)."""

import datetime

import feedparser
import icalendar
import pytest

from meetings.models import Meeting
from tests.factories import OSLO, bring_to, make_body, make_item, make_meeting

State = Meeting.State


def meetings_in(body, secretary, count, *, year=2022, state=State.PUBLISHED, decision="Vedtatt."):
    made = []
    for n in range(count):
        start = datetime.datetime(year, 1, 1, 10, tzinfo=OSLO) + datetime.timedelta(days=7 * n)
        meeting = make_meeting(body, start=start)
        make_item(meeting, title=f"Sak om samarbeid {n}", decision=decision, outcome="adopted")
        made.append(bring_to(meeting, state, secretary))
    return made


def rows(response):
    return response.context["page"].rows


@pytest.mark.django_db
def test_the_meeting_archive_pages_through_every_meeting_once_in_both_directions(
    client, body_x, secretary_a
):
    made = meetings_in(body_x, secretary_a, 60)
    seen, url = [], "/moter/"
    pages = []
    while url and len(pages) < 10:
        response = client.get(url)
        pages.append(rows(response))
        seen += rows(response)
        cursor = response.context["page"].next_cursor
        url = f"/moter/?etter={cursor}" if cursor else None
    assert [m.pk for m in seen] == [m.pk for m in sorted(made, key=lambda m: m.start, reverse=True)]
    assert [len(p) for p in pages] == [25, 25, 10]
    broken = client.get("/moter/?etter=2022-01-01T10:00:00+01:00_x")
    assert "ble ikke forstått" in broken.text  # a message, and the first page
    assert rows(broken) == pages[0]
    back = client.get(f"/moter/?for={response.context['page'].previous_cursor}")
    assert rows(back) == pages[1]


@pytest.mark.django_db
def test_the_archive_can_be_read_oldest_first(client, body_x, secretary_a):
    made = meetings_in(body_x, secretary_a, 3)
    assert rows(client.get("/moter/?rekkefolge=eldste")) == made


@pytest.mark.django_db
def test_the_meeting_archive_filters_by_body_and_year(client, coop_a, body_x, secretary_a):
    other = make_body(coop_a, name="Representantskapet")
    wanted = meetings_in(body_x, secretary_a, 2, year=2021)
    meetings_in(body_x, secretary_a, 2, year=2022)
    meetings_in(other, secretary_a, 2, year=2021)
    response = client.get(f"/moter/?organ={body_x.pk}&aar=2021&rekkefolge=eldste")
    assert rows(response) == wanted


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query", ["aar=tjue", "organ=999999", "rekkefolge=sidelengs", "aar=99999999999999999999"]
)
def test_malformed_filters_give_a_message_not_an_error(client, body_x, secretary_a, query):
    meetings_in(body_x, secretary_a, 1)
    response = client.get(f"/moter/?{query}")
    assert response.status_code == 200
    assert "ble ikke forstått" in response.text


@pytest.mark.django_db
def test_the_archive_hides_planned_meetings(client, body_x, secretary_a):
    meetings_in(body_x, secretary_a, 1, state=State.PLANNED)
    assert rows(client.get("/moter/")) == []


@pytest.mark.django_db
def test_the_decision_archive_shows_only_published_decisions(client, body_x, secretary_a):
    meetings_in(body_x, secretary_a, 1, state=State.HELD, decision="Et utkast til vedtak.")
    meetings_in(body_x, secretary_a, 1, decision="Styret sluttet seg til forslaget.")
    response = client.get("/vedtak/")
    assert "Styret sluttet seg til forslaget." in response.text
    assert "Et utkast til vedtak." not in response.text


@pytest.mark.django_db
def test_the_decision_archive_filters_by_outcome_kind_and_organisation(
    client, coop_a, body_x, secretary_a
):
    from tests.factories import make_membership, make_organisation

    oslo = make_organisation(coop_a, name="Oslo kommune")
    make_membership(body_x, on_behalf_of=oslo)
    other = make_body(coop_a, name="Representantskapet")
    ours = meetings_in(body_x, secretary_a, 1)[0].items.get()
    meetings_in(other, secretary_a, 1)
    response = client.get(f"/vedtak/?organisasjon={oslo.pk}&utfall=adopted&type=decision")
    assert rows(response) == [ours]
    assert rows(client.get("/vedtak/?utfall=rejected")) == []


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 25])
def test_archive_lists_cost_the_same_queries_for_one_and_many_rows(
    client, body_x, secretary_a, django_assert_num_queries, count
):
    meetings_in(body_x, secretary_a, count)
    # 1 the page of meetings with body and cooperation; 2 the bodies of the filter's menu
    with django_assert_num_queries(2):
        client.get("/moter/")
    # 1 the page of items with meeting, body, cooperation and case; 2–3 the filter's menus
    with django_assert_num_queries(3):
        client.get("/vedtak/")


@pytest.mark.django_db
def test_the_minutes_feed_is_valid_atom_with_one_entry_per_published_minutes(
    client, body_x, secretary_a
):
    meetings_in(body_x, secretary_a, 2)
    meetings_in(body_x, secretary_a, 1, state=State.HELD)
    for url in (
        "/referater.atom",
        f"/organer/{body_x.cooperation.slug}/{body_x.slug}/referater.atom",
    ):
        response = client.get(url)
        feed = feedparser.parse(response.content)
        assert response["Content-Type"].startswith("application/atom+xml")
        assert not feed.bozo, feed.bozo_exception
        assert len(feed.entries) == 2
        assert feed.entries[0].link.startswith("http://testserver/moter/")


@pytest.mark.django_db
def test_the_calendar_feeds_are_icalendar_in_oslo_time_with_stable_uids_and_cancellations(
    client, coop_a, body_x, secretary_a
):
    held, called = meetings_in(
        body_x, secretary_a, 2, year=datetime.date.today().year, state=State.NOTICE_SENT
    )
    called.cancel(by=secretary_a, reason="Ingen saker")
    meetings_in(body_x, secretary_a, 1, state=State.PLANNED)
    urls = [
        f"/organer/{coop_a.slug}/{body_x.slug}/kalender.ics",
        f"/samarbeid/{coop_a.slug}/kalender.ics",
    ]
    for url in urls:
        response = client.get(url)
        assert response["Content-Type"].startswith("text/calendar")
        calendar = icalendar.Calendar.from_ical(response.content)
        events = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
        assert set(events) == {f"meeting-{held.pk}@testserver", f"meeting-{called.pk}@testserver"}
        assert str(events[f"meeting-{called.pk}@testserver"]["status"]) == "CANCELLED"
        start = events[f"meeting-{held.pk}@testserver"].decoded("dtstart")
        assert str(start.tzinfo) == "Europe/Oslo"
        assert [str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Oslo"]
    again = icalendar.Calendar.from_ical(client.get(urls[0]).content)
    assert sorted(str(e["uid"]) for e in again.walk("VEVENT")) == sorted(events)

"""The archive lists (filters, keyset pages) and the subscriptions (Atom, iCalendar)."""

import datetime
import re

import feedparser
import icalendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from meetings.models import AgendaItem, Meeting
from meetings.pagination import encode_cursor, keyset_page
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
    """The rows a list page shows, as model objects (its page holds their ids and stamps)."""
    # The view's page holds dicts; the page given to the rows it rendered, model objects.
    ids = [row["pk"] if isinstance(row, dict) else row.pk for row in response.context["page"].rows]
    model = AgendaItem if response.wsgi_request.path.startswith("/vedtak/") else Meeting
    found = model.objects.in_bulk(ids)
    return [found[pk] for pk in ids]


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
def test_a_saved_row_shows_at_once_on_the_cached_lists(client, coop_a, body_x, secretary_a):
    # The rows are rendered once and kept under their stamps (ADR 11): every save that changes
    # what a row shows is a new key, in every process, with no waiting.
    (meeting,) = meetings_in(body_x, secretary_a, 1, decision="Styret sluttet seg til forslaget.")
    item = meeting.items.get()
    assert "Styret sluttet seg til forslaget." in client.get("/vedtak/").text
    assert "Sak om samarbeid 0" in client.get("/vedtak/").text
    # Made exempt: the decision is withheld from the next response on.
    item.is_exempt, item.exemption_basis = True, "Offl. § 14"
    item.public_title = "Intern sak"
    item.save()
    decisions = client.get("/vedtak/").text
    assert "Styret sluttet seg til forslaget." not in decisions
    assert "Sak om samarbeid 0" not in decisions and "Offl. § 14" in decisions
    # The body renamed: both lists name it at once.
    body_x.name = "Styret for samarbeidet"
    body_x.save()
    assert "Styret for samarbeidet" in client.get("/moter/").text
    assert "Styret for samarbeidet" in client.get("/vedtak/").text
    # The meeting given a title: the meeting list shows it.
    meeting.title = "Ekstraordinært styremøte"
    meeting.save()
    assert "Ekstraordinært styremøte" in client.get("/moter/").text


@pytest.mark.django_db
def test_a_row_gone_from_a_list_is_gone_at_once(client, body_x, secretary_a):
    made = meetings_in(body_x, secretary_a, 26)
    assert 'rel="next"' in client.get("/moter/").text
    # The oldest meeting deleted: page 1 shows the same rows, but there is no page 2 now.
    made[0].items.all().delete()
    Meeting.objects.filter(pk=made[0].pk).delete()
    assert 'rel="next"' not in client.get("/moter/").text


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
    # 1 the page's ids and stamps; 2 the rows with their body, to render them; 3 the bodies of
    # the filter's menu
    with django_assert_num_queries(3):
        client.get("/moter/")
    # 1 the page's ids and stamps; 2 the items with meeting, body and case; 3–4 the menus
    with django_assert_num_queries(4):
        client.get("/vedtak/")
    # The rendered rows are kept under their stamps and the filter form for a minute: then
    # only the page's ids and stamps are read.
    with django_assert_num_queries(1):
        client.get("/moter/")
    with django_assert_num_queries(1):
        client.get("/vedtak/")


@pytest.mark.django_db
def test_the_cached_filter_form_shows_the_values_and_errors_of_each_request(
    client, coop_a, body_x, secretary_a
):
    other = make_body(coop_a, name="Representantskapet")
    made = meetings_in(body_x, secretary_a, 30)
    chosen = f'<option value="{other.pk}" selected>'
    assert chosen not in client.get("/moter/").text
    assert chosen in client.get(f"/moter/?organ={other.pk}").text
    assert 'class="errorlist"' in client.get("/moter/?aar=tjue").text
    plain = client.get("/moter/").text
    assert 'class="errorlist"' not in plain and chosen not in plain
    assert 'value="2021"' in client.get(f"/moter/?organ={other.pk}&aar=2021").text
    # A cursor is no filter: the next page shows the same form.
    next_page = client.get(f"/moter/?etter={client.get('/moter/').context['page'].next_cursor}")
    assert rows(next_page) == sorted(made, key=lambda m: m.start, reverse=True)[25:]
    assert 'value="2021"' not in next_page.text and chosen not in next_page.text


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


# Keyset pages (meetings/pagination.py): the redundant date bound changes the plan, never
# the rows.


@pytest.mark.django_db
@pytest.mark.parametrize("newest_first", [True, False])
def test_keyset_pages_walk_ties_on_the_date_in_both_directions(body_x, newest_first):
    day = datetime.datetime(2022, 1, 1, 10, tzinfo=OSLO)
    # Seven meetings at the same time, so every page boundary falls inside a tie.
    starts = [day + datetime.timedelta(days=n // 7) for n in range(17)]
    made = [make_meeting(body_x, start=start, notice_sent_at=start) for start in starts]
    expected = sorted(made, key=lambda m: (m.start, m.pk), reverse=newest_first)
    meetings = Meeting.objects.with_public_agenda()

    def walk(**cursor):
        return keyset_page(
            meetings, date_field="start", newest_first=newest_first, size=3, **cursor
        )

    pages = [walk()]
    while pages[-1].next_cursor:
        pages.append(walk(after=pages[-1].next_cursor))
    assert [m.pk for page in pages for m in page.rows] == [m.pk for m in expected]
    back = [pages[-1]]
    while back[-1].previous_cursor:
        back.append(walk(before=back[-1].previous_cursor))
    assert [[m.pk for m in p.rows] for p in reversed(back)] == [
        [m.pk for m in p.rows] for p in pages
    ]


def page_and_plan(client, url: str):
    """The response, and the EXPLAIN of the query that read its page of rows."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    (page_sql,) = [q["sql"] for q in queries if "LIMIT 26" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {page_sql}")
        return response, "\n".join(row[0] for row in cursor.fetchall())


# Without the bound the plan is "Index Scan Backward … Filter: (start < … OR …)": the scan
# walks from the newest meeting through every row before the cursor.
STARTS_AT_THE_CURSOR = re.compile(
    r"Index Scan Backward using meeting_start_id .*\n\s*Index Cond: \(.*start <= "
)


@pytest.mark.postgres
def test_a_deep_page_of_the_meeting_archive_starts_the_index_scan_at_its_cursor(client, body_x):
    first = datetime.datetime(2000, 1, 1, 10, tzinfo=OSLO)
    Meeting.objects.bulk_create(
        Meeting(
            body=body_x,
            start=first + datetime.timedelta(days=n),
            state=State.NOTICE_SENT,
            notice_sent_at=first + datetime.timedelta(days=n - 14),
        )
        for n in range(5000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE meetings_meeting")
    newest = Meeting.objects.with_public_agenda().order_by("-start", "-pk")
    # The cursor page 150 links to: the (start, id) of page 149's last row.
    last = newest[149 * 25 - 1]
    response, plan = page_and_plan(client, f"/moter/?etter={encode_cursor(last.start, last.pk)}")
    assert rows(response) == list(newest[149 * 25 : 150 * 25])
    assert STARTS_AT_THE_CURSOR.search(plan), plan


@pytest.mark.postgres
def test_a_deep_page_of_the_decision_archive_starts_the_index_scan_at_its_cursor(client, body_x):
    first = datetime.datetime(2000, 1, 1, 10, tzinfo=OSLO)
    meetings = Meeting.objects.bulk_create(
        Meeting(
            body=body_x,
            start=first + datetime.timedelta(days=n),
            state=State.PUBLISHED,
            notice_sent_at=first + datetime.timedelta(days=n - 14),
            approved_at=first + datetime.timedelta(days=n + 7),
            published_at=first + datetime.timedelta(days=n + 8),
        )
        for n in range(3000)
    )
    AgendaItem.objects.bulk_create(
        AgendaItem(meeting=meeting, body=body_x, position=p, title=f"Sak {p}", decision="Ja.")
        for meeting in meetings
        for p in (1, 2)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE meetings_meeting")
        cursor.execute("ANALYZE meetings_agendaitem")
    newest = AgendaItem.objects.published().order_by("-meeting__start", "-pk")
    last = newest[150 * 25 - 1]
    cursor = encode_cursor(last.meeting.start, last.pk)
    response, plan = page_and_plan(client, f"/vedtak/?etter={cursor}")
    assert rows(response) == list(newest[150 * 25 : 151 * 25])
    assert STARTS_AT_THE_CURSOR.search(plan), plan

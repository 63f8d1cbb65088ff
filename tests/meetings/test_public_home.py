import datetime
import re

import pytest
from django.db import connection
from django.utils import timezone

from meetings.models import Meeting
from tests.factories import make_body, make_item, make_meeting, make_secretary


def called_meetings(body, secretary, count, *, days_ahead=7):
    meetings = []
    for n in range(count):
        meeting = make_meeting(
            body, start=timezone.now() + datetime.timedelta(days=days_ahead, hours=n)
        )
        make_item(meeting, title="Godkjenning av innkalling og saksliste")
        meeting.send_notice(by=secretary)
        meetings.append(meeting)
    return meetings


def published_meetings(body, secretary, count):
    meetings = called_meetings(body, secretary, count, days_ahead=-30)
    for meeting in meetings:
        meeting.record_held(by=secretary)
        meeting.send_minutes_for_approval(by=secretary)
        meeting.record_minutes_approved(by=secretary, note="Signert av møteleder.")
        meeting.publish(by=secretary)
    return meetings


@pytest.mark.django_db
def test_the_home_page_shows_called_meetings_published_minutes_and_bodies(client, body_x):
    secretary = make_secretary(body_x.cooperation)
    called_meetings(body_x, secretary, 1)
    published = published_meetings(make_body(body_x.cooperation, name="Faggruppe"), secretary, 1)
    response = client.get("/")
    assert response.status_code == 200
    assert list(response.context["upcoming"]) == list(Meeting.objects.upcoming())
    assert response.context["published"] == published
    assert "Faggruppe" in response.text and "Styret" in response.text


@pytest.mark.django_db
def test_the_home_page_hides_planned_meetings_and_unpublished_minutes(client, body_x):
    secretary = make_secretary(body_x.cooperation)
    make_meeting(
        body_x, title="Hemmelig planlagt møte", start=timezone.now() + datetime.timedelta(days=3)
    )
    held = called_meetings(body_x, secretary, 1, days_ahead=-3)[0]
    held.record_held(by=secretary)
    response = client.get("/")
    assert "Hemmelig planlagt møte" not in response.text
    assert response.context["upcoming"] == []
    assert response.context["published"] == []


@pytest.mark.django_db
def test_the_empty_home_page_says_so(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.context["upcoming"] == [] and response.context["published"] == []


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 25])
def test_the_home_page_costs_four_queries_whatever_the_rows(
    client, body_x, django_assert_num_queries, rows
):
    secretary = make_secretary(body_x.cooperation)
    called_meetings(body_x, secretary, rows)
    published_meetings(body_x, secretary, rows)
    for n in range(rows):
        make_body(body_x.cooperation, name=f"Arbeidsgruppe {n}")
    # 1 the upcoming meetings' ids and stamps, 2 the published minutes' ids and stamps, 3 those
    # meetings with body and cooperation, to render them, 4 bodies + cooperation
    with django_assert_num_queries(4):
        client.get("/")
    # The lists are kept under their stamps (ADR 11), the bodies for a minute (ADR 10).
    with django_assert_num_queries(2):
        assert "Arbeidsgruppe 0" in client.get("/").text


@pytest.mark.django_db
def test_a_meeting_saved_shows_at_once_on_the_cached_home_page(client, body_x):
    secretary = make_secretary(body_x.cooperation)
    (meeting,) = called_meetings(body_x, secretary, 1)
    assert "Ekstramøte om budsjettet" not in client.get("/").text
    meeting.title = "Ekstramøte om budsjettet"
    meeting.save()
    assert "Ekstramøte om budsjettet" in client.get("/").text
    body_x.name = "Styret i samarbeidet"
    body_x.save()
    assert client.get("/").text.count("Styret i samarbeidet") >= 1
    meeting.cancel(by=secretary, reason="Ingen saker.")
    assert "Ekstramøte om budsjettet" not in client.get("/").text


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_the_home_page_answers_only_reading_methods(client, method):
    assert getattr(client, method)("/").status_code == 405


@pytest.mark.django_db
def test_the_home_page_speaks_bokmal_even_to_an_english_browser(client):
    page = client.get("/", headers={"accept-language": "en-US,en;q=0.9"})
    assert '<html lang="nb">' in page.text
    assert "Kommende møter" in page.text
    assert page.headers["Content-Language"] == "nb"


@pytest.mark.django_db
def test_the_language_form_switches_to_english_and_back(client):
    make_body(name="Arbeidsutvalget", kind="working_group")
    assert "(arbeidsgruppe)" in client.get("/").text
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get("/").text
    assert '<html lang="en">' in english and "(working group)" in english
    client.post("/i18n/setlang/", {"language": "nb", "next": "/"})
    assert '<html lang="nb">' in client.get("/").text


@pytest.mark.django_db
def test_the_home_page_on_demo_data_shows_no_draft_or_exempt_text(client, settings, tmp_path):
    import io

    from django.core.management import call_command

    from meetings.demo import DRAFT_MARKER, EXEMPT_MARKER

    settings.MEDIA_ROOT = tmp_path
    call_command("load_demo", stdout=io.StringIO())
    page = client.get("/").text
    assert "Styret" in page and "Faggruppe for næringssamarbeid" in page
    assert DRAFT_MARKER not in page
    assert EXEMPT_MARKER not in page


def meeting_at(body, start, end=None, state=Meeting.State.NOTICE_SENT) -> Meeting:
    return Meeting.objects.create(
        body=body, start=start, end=end, state=state, notice_sent_at=start - DAY * 14
    )


DAY = datetime.timedelta(days=1)


@pytest.mark.django_db
def test_upcoming_meetings_are_those_not_yet_over_however_long_ago_they_began(body_x):
    now = timezone.now()
    for n in range(1, 40):
        meeting_at(body_x, now - DAY * n, now - DAY * n + datetime.timedelta(hours=3))
    seminar = meeting_at(body_x, now - DAY * 20, now + DAY * 2)  # began weeks ago, not over
    under_way = meeting_at(body_x, now - datetime.timedelta(hours=6))  # no end, began today
    meeting_at(body_x, now - datetime.timedelta(hours=13))  # no end, over by now
    tomorrow = meeting_at(body_x, now + DAY)
    meeting_at(body_x, now + DAY * 2, state=Meeting.State.CANCELLED)
    assert list(Meeting.objects.upcoming()) == [seminar, under_way, tomorrow]


@pytest.mark.postgres
@pytest.mark.django_db
def test_upcoming_meetings_are_read_from_the_index_at_the_first_not_yet_over(body_x):
    now = timezone.now()
    Meeting.objects.bulk_create(
        Meeting(
            body=body_x,
            start=now - DAY * n,
            end=now - DAY * n + datetime.timedelta(hours=3),
            state=Meeting.State.PUBLISHED,
            notice_sent_at=now - DAY * (n + 14),
            approved_at=now - DAY * (n - 7),
            published_at=now - DAY * (n - 8),
        )
        for n in range(1, 5000)
    )
    # As many ahead as a secretariat plans: enough for PostgreSQL to expect to meet the
    # first ten soon when walking from the oldest.
    Meeting.objects.bulk_create(
        Meeting(
            body=body_x,
            start=now + DAY * n,
            end=now + DAY * n + datetime.timedelta(hours=3),
            state=Meeting.State.NOTICE_SENT,
            notice_sent_at=now,
        )
        for n in range(1, 250)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE meetings_meeting")
    plan = Meeting.objects.with_public_agenda().upcoming()[:10].explain(analyze=True)
    # Without the bound: "Index Scan using meeting_start_id … Rows Removed by Filter: 4999",
    # from the oldest meeting through every past one.
    read_in_vain = sum(int(n) for n in re.findall(r"Rows Removed by Filter: (\d+)", plan))
    assert read_in_vain < 10, plan

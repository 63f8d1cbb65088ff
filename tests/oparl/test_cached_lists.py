"""Lists of meetings are kept as JSON under the stamps of all they show (lists.list_page,
serializers._meeting_stamps): after any change, the very next request is what an empty cache
gives, byte for byte.

Each change runs twice: as it is, and "pinned", with rows of each set dated in the future (a
clock ahead, an import) and the meetings' `modified` as the API shows it held in the future by
a tombstone: then only the stamp of the set that changed can tell, not the latest moment of
all. Leaving any stamp out of the key makes one of these tests fail.
"""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

import pytest
from django.core.cache import caches
from django.db.models import F
from django.utils import timezone

from cases.models import Case
from cooperation.models import Body, Person
from meetings.documents import NoticeDocument
from meetings.models import AgendaItem, Attendance, Meeting, MinutesDocument
from meetings.oparl.models import MinutesChecksum, NoticeChecksum, Tombstone
from meetings.oparl.withdrawals import recording_withdrawals
from tests.factories import (
    OSLO,
    bring_to,
    make_attendance,
    make_case,
    make_item,
    make_meeting,
    make_person,
)
from tests.oparl.documents import store_minutes, store_notice

API = "http://moter.example.no/oparl/v1/"
State = Meeting.State
FUTURE = datetime.datetime(2100, 1, 1, tzinfo=datetime.UTC)

pytestmark = pytest.mark.django_db


class World:
    """A published meeting with items (with and without a case), participants, an apology
    and stored PDFs; a meeting with approved minutes; an upcoming one."""

    def __init__(self, coop, body, secretary, pinned: bool) -> None:
        self.coop, self.body, self.secretary, self.pinned = coop, body, secretary, pinned
        self.case = make_case(coop, title="Budsjett 2025")
        self.other_case = make_case(coop, title="Regional plan")
        self.person = make_person(coop, name="Nina Mosseby")
        self.other_person = make_person(coop, name="Eli Bryhni")
        self.third_person = make_person(coop, name="Karl Tofte")

        def meeting(day: int) -> Meeting:
            return make_meeting(body, start=datetime.datetime(2024, 3, day, 10, tzinfo=OSLO))

        self.published = meeting(11)
        self.item = make_item(
            self.published, case=self.case, decision="Vedtatt.", outcome="adopted"
        )
        self.plain = make_item(self.published, title="Orienteringer")
        self.other_item = make_item(self.published, case=self.other_case, outcome="noted")
        self.participant = make_attendance(self.published, self.person)
        self.other_participant = make_attendance(self.published, self.other_person)
        self.apology = make_attendance(
            self.published, self.third_person, role=Attendance.Role.APOLOGIES
        )
        bring_to(self.published, State.PUBLISHED, secretary)
        store_notice(self.published)
        store_minutes(self.published)
        store_minutes(self.published, b"%PDF rettet")

        self.approved = meeting(12)
        make_item(self.approved, case=self.case, decision="Utsatt.", outcome="postponed")
        make_attendance(self.approved, self.person)
        bring_to(self.approved, State.APPROVED, secretary)

        self.upcoming = bring_to(meeting(13), State.NOTICE_SENT, secretary)
        make_item(self.upcoming, case=self.other_case)

        # Made an hour ago: each change moves a `modified` the API shows (to the second).
        hour = datetime.timedelta(hours=1)
        for model in (Meeting, AgendaItem, Case, Attendance, Body, Person):
            model.objects.update(modified=F("modified") - hour)
        for model in (MinutesDocument, NoticeDocument):
            model.objects.update(created=F("created") - hour)

        if pinned:
            AgendaItem.objects.filter(pk=self.other_item.pk).update(modified=FUTURE)
            Case.objects.filter(pk=self.other_case.pk).update(modified=FUTURE)
            Attendance.objects.filter(pk=self.other_participant.pk).update(modified=FUTURE)
            for held in (self.published, self.approved, self.upcoming):
                Tombstone.objects.create(
                    kind=Tombstone.Kind.AGENDA_ITEM,
                    object_id=10**12 + held.pk,
                    cooperation=coop,
                    created=timezone.now(),
                    deleted_at=FUTURE,
                    in_meeting=held.pk,
                )


@pytest.fixture(params=[False, True], ids=["as-is", "pinned"])
def world(request, coop_a, body_x, secretary_a, settings, tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path
    return World(coop_a, body_x, secretary_a, pinned=request.param)


@pytest.fixture
def world_as_is(coop_a, body_x, secretary_a, settings, tmp_path) -> World:
    """The world with nothing dated in the future, for a change that shows only through the
    meeting's `modified` (which "pinned" holds in the future)."""
    settings.MEDIA_ROOT = tmp_path
    return World(coop_a, body_x, secretary_a, pinned=False)


def lists(world: World) -> list[str]:
    return [
        f"body/{world.coop.pk}/meetings",
        f"organization/{world.body.pk}/meetings",
    ]


def get(api, path: str, **params) -> bytes:
    query = f"?{urlencode(params)}" if params else ""
    response = api.get(API + path + query)
    assert response.status_code == 200, response.content
    return response.content


def uncached(api, path: str, **params) -> bytes:
    for name in ("default", "pages"):
        caches[name].clear()
    return get(api, path, **params)


def assert_the_next_request_shows(api, world: World, change, *, shows: bool = True, **params):
    """Each list, kept, then `change()`, then the next request: what an empty cache gives.
    `shows`: the change is in the JSON (else the JSON is the same as before)."""
    before = {path: get(api, path, **params) for path in lists(world)}
    for path in lists(world):
        assert get(api, path, **params) == before[path]
    change()
    after = {path: get(api, path, **params) for path in lists(world)}
    for path in lists(world):
        assert after[path] == uncached(api, path, **params), path
        assert (after[path] != before[path]) is shows, path


def test_a_kept_page_is_what_an_empty_cache_gives(api, world, django_assert_num_queries):
    for path in lists(world):
        first = get(api, path)
        # The list's owner, and the meetings with their stamps: nothing they embed.
        with django_assert_num_queries(2):
            assert get(api, path) == first
        assert uncached(api, path) == first


def test_an_item_made_exempt(api, world):
    def change():
        world.item.is_exempt = True
        world.item.public_title = "Personalsak"
        world.item.exemption_basis = "Offl. § 25"
        world.item.save()

    assert_the_next_request_shows(api, world, change)


def test_a_case_made_exempt(api, world):
    def change():
        with recording_withdrawals(world.case):
            world.case.is_exempt = True
            world.case.public_title = "Budsjett"
            world.case.exemption_basis = "Offl. § 23 første ledd"
            world.case.save()

    assert_the_next_request_shows(api, world, change)


def test_an_item_deleted(api, world):
    def change():
        with recording_withdrawals(world.plain):
            world.plain.delete()

    assert_the_next_request_shows(api, world, change)


def test_a_new_version_of_the_minutes_stored(api, world):
    assert_the_next_request_shows(
        api, world, lambda: store_minutes(world.published, b"%PDF rettet igjen")
    )


def test_the_first_version_of_the_minutes_removed(api, world):
    # The File is created with its first version: the next one's date is shown now.
    first = MinutesDocument.objects.filter(meeting=world.published).order_by("version")[0]
    first.created -= datetime.timedelta(days=1)
    first.save()
    assert_the_next_request_shows(api, world, first.delete)


def test_the_checksum_of_the_minutes_computed(api, world):
    latest = MinutesDocument.objects.filter(meeting=world.published).order_by("-version")[0]
    assert_the_next_request_shows(api, world, lambda: MinutesChecksum.compute(latest))


def test_a_new_public_version_of_the_notice_stored(api, world):
    assert_the_next_request_shows(
        api, world, lambda: store_notice(world.published, b"%PDF tilleggsinnkalling")
    )


def test_the_checksum_of_the_notice_computed(api, world):
    latest = NoticeDocument.objects.get(meeting=world.published)
    assert_the_next_request_shows(api, world, lambda: NoticeChecksum.compute(latest))


def test_a_members_version_of_the_notice_changes_nothing(api, world):
    assert_the_next_request_shows(
        api,
        world,
        lambda: store_notice(world.published, b"%PDF medlemmer", audience="members"),
        shows=False,
    )


def test_an_attendance_added(api, world):
    someone = make_person(world.coop, name="Ola Nordmann")
    assert_the_next_request_shows(
        api, world, lambda: make_attendance(world.published, someone, position=9)
    )


def test_an_attendance_changed(api, world):
    def change():
        # The same number of participants: another person in the row.
        world.participant.person = make_person(world.coop, name="Ola Nordmann")
        world.participant.save()

    assert_the_next_request_shows(api, world, change)


def test_a_participant_who_sent_apologies_after_all(api, world):
    def change():
        world.participant.role = Attendance.Role.APOLOGIES
        world.participant.save()

    assert_the_next_request_shows(api, world, change)


def test_an_apology_changed_moves_the_meeting_modified(api, world_as_is):
    def change():
        world_as_is.apology.position = 5
        world_as_is.apology.save()

    assert_the_next_request_shows(api, world_as_is, change)


def test_a_person_renamed_is_not_in_the_meeting(api, world):
    def change():
        world.person.name = "Nina Mosseby Hansen"
        world.person.save()

    assert_the_next_request_shows(api, world, change, shows=False)


def test_a_meeting_published(api, world):
    assert_the_next_request_shows(api, world, lambda: world.approved.publish(by=world.secretary))


def test_a_meeting_cancelled(api, world):
    assert_the_next_request_shows(api, world, lambda: world.upcoming.cancel(by=world.secretary))


def test_a_meeting_renamed(api, world):
    def change():
        world.published.title = "Strategisamling"
        world.published.save()

    assert_the_next_request_shows(api, world, change)


def test_the_body_renamed(api, world):
    def change():
        world.body.name = "Arbeidsutvalget"
        world.body.save()

    assert_the_next_request_shows(api, world, change)


@pytest.mark.parametrize("since", [False, True])
def test_a_meeting_withdrawn(api, world, since):
    params = {"modified_since": "2020-01-01T00:00:00+01:00"} if since else {}

    def change():
        with recording_withdrawals(world.upcoming):
            world.upcoming.delete()

    assert_the_next_request_shows(api, world, change, **params)


def test_a_meeting_withdrawn_again(api, world):
    with recording_withdrawals(world.upcoming):
        world.upcoming.delete()
    stone = Tombstone.objects.get(kind=Tombstone.Kind.MEETING)

    def change():
        # As recording_withdrawals records a second withdrawal of the same object.
        Tombstone.objects.filter(pk=stone.pk).update(
            deleted_at=stone.deleted_at + datetime.timedelta(hours=1)
        )

    assert_the_next_request_shows(api, world, change, modified_since="2020-01-01T00:00:00+01:00")


def test_omit_internal_is_kept_apart(api, world):
    for path in lists(world):
        full = get(api, path)
        brief = get(api, path, omit_internal="true")
        assert brief != full
        assert brief == uncached(api, path, omit_internal="true")


def test_each_host_has_its_own_urls(api, world, settings, client):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "api.example.no"]
    for path in lists(world):
        here = get(api, path)
        there = client.get(f"/oparl/v1/{path}", HTTP_HOST="api.example.no").content
        assert b"http://api.example.no/oparl/v1/meeting/" in there
        assert there != here


def test_each_time_zone_has_its_own_moments(api, world, settings):
    for path in lists(world):
        oslo = get(api, path)
        settings.TIME_ZONE = "UTC"
        utc = get(api, path)
        assert utc != oslo
        assert utc == uncached(api, path)
        settings.TIME_ZONE = "Europe/Oslo"


def twins(body, secretary) -> list[Meeting]:
    """Two meetings alike in all but their ids (and what shows them): the same stamps."""
    start = datetime.datetime(2024, 3, 11, 10, tzinfo=OSLO)
    meetings = [
        bring_to(make_meeting(body, start=start), State.NOTICE_SENT, secretary) for _ in "ab"
    ]
    Meeting.objects.update(modified=FUTURE, created=FUTURE)
    return meetings


@pytest.mark.parametrize("path", ["body/{coop}/meetings", "organization/{body}/meetings"])
def test_pages_of_meetings_alike_are_kept_apart(api, coop_a, body_x, secretary_a, path):
    first, second = twins(body_x, secretary_a)
    path = path.format(coop=coop_a.pk, body=body_x.pk)
    cursors = [{}, {"after": f"0-{first.pk}"}]
    pages = [get(api, path, limit=1, **cursor) for cursor in cursors]
    assert f"meeting/{second.pk}".encode() in pages[1]
    for page, cursor in zip(pages, cursors, strict=True):
        assert page == uncached(api, path, limit=1, **cursor)


def test_pages_of_tombstones_alike_are_kept_apart(api, coop_a, body_x, secretary_a):
    first, second = twins(body_x, secretary_a)
    for meeting in (first, second):
        with recording_withdrawals(meeting):
            meeting.delete()
    Tombstone.objects.update(deleted_at=FUTURE)
    path = f"body/{coop_a.pk}/meetings"
    since = "2020-01-01T00:00:00+01:00"
    first_page = get(api, path, limit=1, modified_since=since)
    cursor = Tombstone.objects.order_by("pk")[0].pk
    second_page = get(api, path, limit=1, modified_since=since, after=f"1-{cursor}")
    assert second_page != first_page
    assert second_page == uncached(api, path, limit=1, modified_since=since, after=f"1-{cursor}")

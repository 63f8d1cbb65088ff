"""Bad input gets a JSON error with the right status, or a clamped limit; never a 500."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from meetings.models import Meeting
from tests.factories import OSLO, bring_to, make_item, make_meeting

API = "http://moter.example.no/oparl/v1/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def meetings(body_x, secretary_a) -> list[Meeting]:
    found = []
    for day in range(1, 4):
        meeting = make_meeting(body_x, start=datetime.datetime(2024, 3, day, 10, tzinfo=OSLO))
        make_item(meeting, title="Orienteringer")
        found.append(bring_to(meeting, Meeting.State.NOTICE_SENT, secretary_a))
    return found


def assert_json_error(response, status: int) -> None:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    body = response.json()
    assert body["type"] == "Error"
    assert body["message"]


@pytest.mark.parametrize(
    "value",
    [
        "i går",
        "2024-13-01T00:00:00+01:00",
        "2024-02-30T00:00:00+01:00",
        "2024-01-01T25:00:00+01:00",
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-01:00",
        "2024-01-01T00:00:00+99:00",
    ],
)
def test_a_malformed_filter_date_is_a_400(api, coop_a, value):
    response = api.get(f"{API}body/{coop_a.pk}/meetings", {"modified_since": value})
    assert_json_error(response, 400)
    assert "modified_since" in response.json()["message"]


def test_an_unencoded_plus_in_the_offset_is_understood(api, coop_a, meetings):
    # "…T00:00:00+01:00" written into a URL without encoding arrives with a space.
    response = api.get(f"{API}body/{coop_a.pk}/meetings?created_since=2020-01-01T00:00:00+01:00")
    assert response.status_code == 200
    assert len(response.json()["data"]) == 3


@pytest.mark.parametrize(
    "path",
    [
        "meeting/999999",
        "agenda-item/999999",
        "paper/999999",
        "file/999999",
        "file/document/999999",
        "person/999999",
        "organization/999999",
        "organization/999999/meetings",
        "organization/member/999999",
        "body/999999",
        "body/999999/meetings",
        "legislative-term/999999/2023",
        "meeting/abc",
        "meeting/99999999999999999999999",
        "no-such-thing",
    ],
)
def test_an_unknown_object_or_path_is_a_json_404(api, path):
    assert_json_error(api.get(API + path), 404)


def test_an_unknown_list_of_a_body_and_a_year_that_is_no_term_are_404(api, coop_a):
    assert_json_error(api.get(f"{API}body/{coop_a.pk}/secrets"), 404)
    assert_json_error(api.get(f"{API}legislative-term/{coop_a.pk}/2024"), 404)


@pytest.mark.parametrize(("limit", "size"), [("0", 1), ("-5", 1), ("2", 2), ("1000000", 100)])
def test_the_limit_is_a_hint_clamped_to_a_sane_range(api, coop_a, meetings, limit, size):
    response = api.get(f"{API}body/{coop_a.pk}/meetings", {"limit": limit})
    assert response.status_code == 200
    page = response.json()
    assert page["pagination"]["elementsPerPage"] == size
    assert len(page["data"]) == min(size, 3)


@pytest.mark.parametrize(
    "params",
    [{"limit": "mange"}, {"after": "x"}, {"before": "1-"}, {"after": "0-9999999999999999999"}],
)
def test_a_limit_or_cursor_that_is_not_ours_is_a_400(api, coop_a, params):
    assert_json_error(api.get(f"{API}body/{coop_a.pk}/meetings", params), 400)


def test_a_cursor_past_the_end_gives_an_empty_page(api, coop_a, meetings):
    page = api.get(f"{API}body/{coop_a.pk}/meetings", {"after": "7-99999"}).json()
    assert page["data"] == []
    assert "next" not in page["links"]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_api_is_read_only(api, method):
    response = getattr(api, method)(API + "system")
    assert_json_error(response, 405)
    assert "GET" in response["Allow"]


def test_a_preflight_request_is_answered(api):
    response = api.options(API + "system")
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"


def test_head_answers_like_get_without_a_body(api):
    response = api.head(API + "system")
    assert response.status_code == 200
    assert response.content == b""


PARAMETERS = st.sampled_from(
    [
        "created_since",
        "created_until",
        "modified_since",
        "modified_until",
        "limit",
        "elementsPerPage",
        "after",
        "before",
        "omit_internal",
    ]
)
VALUES = st.one_of(
    st.text(max_size=40),
    st.integers().map(str),
    st.datetimes(timezones=st.timezones()).map(lambda moment: moment.isoformat()),
    st.from_regex(r"\A\d{1,3}-\d{1,25}\Z"),
)
PATHS = ["bodies", "body/{coop}/meetings", "body/{coop}/organizations", "body/{coop}/files"]


@hypothesis_settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(path=st.sampled_from(PATHS), params=st.dictionaries(PARAMETERS, VALUES, max_size=4))
def test_no_parameters_give_a_500(api, coop_a, meetings, path, params):
    response = api.get(API + path.format(coop=coop_a.pk), params)
    assert response.status_code in (200, 400), response.content
    assert response["Content-Type"] == "application/json"

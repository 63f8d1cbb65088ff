"""Logins are throttled and recorded; staff sessions end when idle, every session after 12 h."""

import datetime

import pytest
from django.utils import timezone

from cooperation.models import LoginAttempt
from cooperation.security import ABSOLUTE, MAX_FAILURES_PER_USERNAME, STAFF_IDLE


def log_in(client, username, password):
    return client.post("/konto/logg-inn/", {"username": username, "password": password})


@pytest.mark.django_db
def test_every_login_attempt_is_recorded_with_who_and_when(client, secretary_a):
    log_in(client, "sekretar", "feil")
    log_in(client, "sekretar", "pw")
    attempts = list(LoginAttempt.objects.order_by("at").values_list("username", "succeeded"))
    assert attempts == [("sekretar", False), ("sekretar", True)]
    assert LoginAttempt.objects.first().ip == "127.0.0.1"


@pytest.mark.django_db
def test_logins_are_throttled_after_repeated_failures_even_with_the_right_password(
    client, secretary_a
):
    for _ in range(MAX_FAILURES_PER_USERNAME):
        log_in(client, "sekretar", "feil")
    response = log_in(client, "sekretar", "pw")
    assert response.status_code == 200
    assert "For mange mislykkede forsøk" in response.text
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_throttle_lifts_after_a_quarter_of_an_hour(client, secretary_a):
    for _ in range(MAX_FAILURES_PER_USERNAME):
        log_in(client, "sekretar", "feil")
    LoginAttempt.objects.update(at=timezone.now() - datetime.timedelta(minutes=16))
    assert log_in(client, "sekretar", "pw").status_code == 302


def age_session(client, **ago):
    session = client.session
    for key, delta in ago.items():
        session[key] = (timezone.now() - delta).isoformat()
    session.save()


@pytest.mark.django_db
def test_a_staff_session_ends_after_thirty_idle_minutes(client, secretary_a):
    log_in(client, "sekretar", "pw")
    assert client.get("/sekretariat/").status_code == 200
    age_session(client, last_seen=STAFF_IDLE + datetime.timedelta(minutes=1))
    response = client.get("/sekretariat/")
    assert response.status_code == 302 and "/konto/logg-inn/" in response["Location"]
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_member_session_survives_idle_time_but_not_twelve_hours(client, member_x):
    client.force_login(member_x)
    client.get("/")
    age_session(client, last_seen=datetime.timedelta(hours=2))
    client.get("/")
    assert "_auth_user_id" in client.session
    age_session(client, login_at=ABSOLUTE + datetime.timedelta(minutes=1))
    client.get("/")
    assert "_auth_user_id" not in client.session

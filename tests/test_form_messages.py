"""The rules the database holds also come back from forms as clear messages, not errors."""

import datetime

import pytest
from django.forms import modelform_factory

from cases.models import Case
from cooperation.models import Membership
from meetings.models import Attendance, Meeting
from tests.factories import (
    make_body,
    make_case,
    make_cooperation,
    make_meeting,
    make_membership,
    make_person,
)

CaseForm = modelform_factory(
    Case,
    fields=[
        "cooperation",
        "year",
        "sequence",
        "title",
        "public_title",
        "is_exempt",
        "exemption_basis",
    ],
)
MembershipForm = modelform_factory(Membership, fields=["person", "body", "role", "start", "end"])
MeetingForm = modelform_factory(Meeting, fields=["body", "start", "end", "place"])
AttendanceForm = modelform_factory(
    Attendance, fields=["meeting", "person", "role", "substitute_for", "is_chair"]
)


def errors_of(form) -> str:
    assert not form.is_valid()
    return " ".join(str(message) for messages in form.errors.values() for message in messages)


@pytest.mark.django_db
def test_an_exempt_case_without_legal_basis_is_explained():
    coop = make_cooperation()
    form = CaseForm(
        {
            "cooperation": coop.pk,
            "year": 2024,
            "sequence": 1,
            "title": "Ansettelse av direktør",
            "public_title": "Ansettelsessak",
            "is_exempt": "on",
        }
    )
    assert "hjemmel" in errors_of(form)


@pytest.mark.django_db
def test_a_duplicate_case_reference_is_explained():
    coop = make_cooperation()
    make_case(coop, year=2020, sequence=48)
    form = CaseForm({"cooperation": coop.pk, "year": 2020, "sequence": 48, "title": "Ny sak"})
    assert "referanse" in errors_of(form)


@pytest.mark.django_db
def test_a_meeting_ending_before_it_starts_is_explained():
    body = make_body()
    form = MeetingForm(
        {"body": body.pk, "start": "2024-03-14 10:00", "end": "2024-03-14 09:00", "place": "Oslo"}
    )
    assert "Møtet må slutte etter at det begynner" in errors_of(form)


@pytest.mark.django_db
def test_a_membership_ending_before_it_starts_is_explained():
    body = make_body()
    person = make_person(body.cooperation)
    form = MembershipForm(
        {
            "person": person.pk,
            "body": body.pk,
            "role": "member",
            "start": "2024-01-01",
            "end": "2023-01-01",
        }
    )
    assert "Vervet kan ikke slutte før det begynner" in errors_of(form)


@pytest.mark.django_db
def test_a_second_chair_is_explained_with_the_sitting_chairs_name():
    body = make_body()
    sitting = make_person(body.cooperation, name="Eli Arnkværn Bryhni")
    make_membership(body, sitting, role="chair", start=datetime.date(2023, 1, 1))
    newcomer = make_person(body.cooperation, name="Ingar Vaskinn")
    form = MembershipForm(
        {"person": newcomer.pk, "body": body.pk, "role": "chair", "start": "2024-01-01"}
    )
    assert "Eli Arnkværn Bryhni" in errors_of(form)


@pytest.mark.django_db
def test_a_substitute_without_whom_is_explained():
    meeting = make_meeting()
    person = make_person(meeting.body.cooperation)
    form = AttendanceForm({"meeting": meeting.pk, "person": person.pk, "role": "substitute"})
    assert "Oppgi hvem varamedlemmet møtte for" in errors_of(form)

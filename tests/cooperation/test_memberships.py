import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cooperation.models import Membership
from tests.factories import make_body, make_membership, make_person

JAN_2023 = datetime.date(2023, 1, 1)


@pytest.mark.django_db
def test_a_membership_cannot_end_before_it_starts_in_the_database():
    body = make_body()
    with pytest.raises(IntegrityError), transaction.atomic():
        make_membership(body, start=JAN_2023, end=datetime.date(2022, 12, 31))


@pytest.mark.django_db
def test_a_membership_ending_before_it_starts_gets_a_clear_message():
    body = make_body()
    membership = Membership(
        body=body,
        person=make_person(body.cooperation),
        start=JAN_2023,
        end=datetime.date(2022, 12, 31),
    )
    with pytest.raises(ValidationError) as error:
        membership.full_clean()
    assert "end" in error.value.message_dict


@pytest.mark.django_db
def test_two_open_ended_chairs_of_one_body_are_refused_by_the_database():
    body = make_body()
    make_membership(body, role="chair", start=JAN_2023)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_membership(body, role="chair", start=datetime.date(2024, 1, 1))


@pytest.mark.django_db
def test_a_second_chair_in_the_same_period_gets_a_clear_message():
    body = make_body()
    sitting = make_person(body.cooperation, name="Eli Arnkværn Bryhni")
    make_membership(body, sitting, role="chair", start=JAN_2023, end=datetime.date(2023, 12, 31))
    second = Membership(
        body=body,
        person=make_person(body.cooperation),
        role="chair",
        start=datetime.date(2023, 6, 1),
        end=datetime.date(2024, 6, 1),
    )
    with pytest.raises(ValidationError) as error:
        second.full_clean()
    assert "Eli Arnkværn Bryhni" in error.value.message_dict["role"][0]


@pytest.mark.django_db
def test_chairs_one_after_the_other_are_allowed():
    body = make_body()
    make_membership(body, role="chair", start=JAN_2023, end=datetime.date(2023, 12, 31))
    successor = make_membership(body, role="chair", start=datetime.date(2024, 1, 1))
    successor.full_clean()
    assert body.chair_on(datetime.date(2024, 3, 1)) == successor


@pytest.mark.django_db
def test_chairs_of_different_bodies_do_not_collide():
    first, second = make_body(), make_body()
    make_membership(first, role="chair", start=JAN_2023)
    make_membership(second, role="chair", start=JAN_2023)
    assert Membership.objects.filter(role="chair").count() == 2


@pytest.mark.postgres
@pytest.mark.django_db
def test_overlapping_closed_chair_periods_are_refused_by_postgresql():
    body = make_body()
    make_membership(body, role="chair", start=JAN_2023, end=datetime.date(2023, 12, 31))
    with pytest.raises(IntegrityError), transaction.atomic():
        make_membership(
            body, role="chair", start=datetime.date(2023, 6, 1), end=datetime.date(2024, 6, 1)
        )


@pytest.mark.django_db
def test_current_memberships_are_those_whose_period_covers_the_day():
    body = make_body()
    past = make_membership(body, start=datetime.date(2019, 1, 1), end=datetime.date(2020, 12, 31))
    present = make_membership(body, start=datetime.date(2021, 1, 1))
    assert list(body.memberships.current(datetime.date(2022, 5, 1))) == [present]
    assert list(body.memberships.current(datetime.date(2020, 5, 1))) == [past]

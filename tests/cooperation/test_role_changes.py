"""The audit of role changes (issue 8): every path that gives or takes a role leaves a
`RoleChange` with who, when and from where: the admin (which also writes its `LogEntry`),
the secretariat's working group, a management command, a cascade; read only in the admin."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from cooperation.models import Membership, RoleChange, StaffMembership
from meetings.models import Meeting
from tests.factories import (
    bring_to,
    make_body,
    make_item,
    make_meeting,
    make_membership,
    make_person,
    make_user,
)

pytestmark = pytest.mark.django_db
Action, Kind = RoleChange.Action, RoleChange.Kind


@pytest.fixture
def admin_client(client):
    admin = get_user_model().objects.create_superuser("admin", "a@example.invalid", "pw")
    client.force_login(admin)
    return client


def only(**filters) -> RoleChange:
    found = list(RoleChange.objects.filter(**filters))
    assert len(found) == 1, found
    return found[0]


def test_a_membership_added_changed_and_deleted_in_the_admin_is_recorded(
    admin_client, body_x, coop_a
):
    person = make_person(coop_a, name="Nina Mosseby")
    RoleChange.objects.all().delete()
    before = timezone.now()

    response = admin_client.post(
        "/admin/cooperation/membership/add/",
        {"person": person.pk, "body": body_x.pk, "role": "member", "start": "2026-01-01"},
    )
    assert response.status_code == 302
    membership = Membership.objects.get(person=person)
    added = only(action=Action.CREATED, kind=Kind.MEMBERSHIP)
    assert added.actor.username == "admin" and added.actor_name == "admin"
    assert added.at >= before
    assert added.source == "POST /admin/cooperation/membership/add/"
    assert (added.object_id, added.subject, added.scope) == (
        membership.pk,
        "Nina Mosseby",
        "Styret",
    )
    assert added.after["role"] == "member" and added.after["start"] == "2026-01-01"
    assert added.after["person"] == f"Nina Mosseby ({person.pk})"

    admin_client.post(
        f"/admin/cooperation/membership/{membership.pk}/change/",
        {"person": person.pk, "body": body_x.pk, "role": "chair", "start": "2026-01-01"},
    )
    changed = only(action=Action.CHANGED)
    assert (changed.before, changed.after) == ({"role": "member"}, {"role": "chair"})
    assert changed.actor_name == "admin"
    # The admin's own log says so as well.
    assert LogEntry.objects.filter(object_id=str(membership.pk), action_flag=CHANGE).exists()

    admin_client.post(f"/admin/cooperation/membership/{membership.pk}/delete/", {"post": "yes"})
    deleted = only(action=Action.DELETED)
    assert deleted.before["role"] == "chair" and deleted.after == {}
    assert deleted.object_id == membership.pk and deleted.actor_name == "admin"


def test_a_users_staff_and_superuser_flags_changed_in_the_admin_are_recorded(admin_client):
    user = make_user("kari")
    joined = timezone.localtime(user.date_joined)
    response = admin_client.post(
        f"/admin/auth/user/{user.pk}/change/",
        {
            "username": "kari",
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "date_joined_0": joined.strftime("%d.%m.%Y"),
            "date_joined_1": joined.strftime("%H:%M:%S"),
            "initial-date_joined_0": joined.strftime("%d.%m.%Y"),
            "initial-date_joined_1": joined.strftime("%H:%M:%S"),
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    change = only(kind=Kind.USER, action=Action.CHANGED)
    assert change.before == {"is_staff": False, "is_superuser": False}
    assert change.after == {"is_staff": True, "is_superuser": True}
    assert (change.subject, change.actor_name) == ("kari", "admin")


def test_a_place_in_a_secretariat_given_in_the_admin_is_recorded(admin_client, coop_a):
    user = make_user("kari")
    # StaffMembership has no admin page of its own: it is an inline of the cooperation.
    response = admin_client.post(
        f"/admin/cooperation/cooperation/{coop_a.pk}/change/",
        {
            "name": coop_a.name,
            "slug": coop_a.slug,
            "staff-TOTAL_FORMS": "1",
            "staff-INITIAL_FORMS": "0",
            "staff-MIN_NUM_FORMS": "0",
            "staff-MAX_NUM_FORMS": "1000",
            "staff-0-user": user.pk,
            "staff-0-role": "secretary",
            "staff-0-cooperation": coop_a.pk,
        },
    )
    assert response.status_code == 302, response.context["errors"]
    given = only(kind=Kind.STAFF, action=Action.CREATED)
    assert (given.subject, given.scope, given.actor_name) == ("kari", "Osloregionen", "admin")
    assert given.after["role"] == "secretary"
    assert given.source == f"POST /admin/cooperation/cooperation/{coop_a.pk}/change/"


def test_setting_up_a_working_group_records_its_memberships_with_the_secretary(
    client, body_x, secretary_a, coop_a
):
    meeting = make_meeting(body_x, start=datetime.datetime(2026, 3, 12, 10, tzinfo=datetime.UTC))
    item = make_item(meeting, title="Kraftsituasjonen")
    bring_to(meeting, Meeting.State.HELD, secretary_a)
    eli, ingar = make_person(coop_a, name="Eli Bryhni"), make_person(coop_a, name="Ingar Vaskinn")
    client.force_login(secretary_a)

    url = f"/sekretariat/saker/{item.pk}/arbeidsgruppe/"
    client.post(
        url,
        {
            "gruppe-name": "Arbeidsgruppe for kraft",
            "gruppe-members": [eli.pk, ingar.pk],
            "gruppe-lead": eli.pk,
        },
    )
    made = RoleChange.objects.filter(kind=Kind.MEMBERSHIP, action=Action.CREATED)
    assert sorted(made.values_list("subject", flat=True)) == ["Eli Bryhni", "Ingar Vaskinn"]
    assert {(r.actor, r.actor_name, r.source, r.scope) for r in made} == {
        (secretary_a, "sekretar", f"POST {url}", "Arbeidsgruppe for kraft")
    }
    assert made.get(subject="Eli Bryhni").after["is_lead"] is True


def test_a_command_records_its_changes_without_a_person(db):
    call_command("createsuperuser", interactive=False, username="drift", email="d@example.invalid")
    made = only(kind=Kind.USER, action=Action.CREATED)
    assert made.actor is None and made.actor_name == ""
    assert made.source  # the program that ran it (manage.py createsuperuser in production)
    assert made.after == {"is_active": True, "is_staff": True, "is_superuser": True}


def test_a_login_linked_to_a_person_is_recorded(coop_a):
    person = make_person(coop_a, name="Nina Mosseby")
    assert not RoleChange.objects.exists()  # no login, no role
    person.user = make_user("nina")
    person.save()
    linked = only(kind=Kind.LOGIN, action=Action.CHANGED)
    assert linked.before == {"user": None}
    assert linked.after == {"user": f"nina ({person.user_id})"}


def test_memberships_that_go_with_their_body_are_recorded(coop_a):
    body = make_body(coop_a, name="Arbeidsgruppe for kraft")
    make_membership(body, make_person(coop_a, name="Eli Bryhni"))
    make_membership(body, make_person(coop_a, name="Ingar Vaskinn"), end=datetime.date(2026, 6, 1))
    body.delete()
    gone = RoleChange.objects.filter(kind=Kind.MEMBERSHIP, action=Action.DELETED)
    assert sorted(gone.values_list("subject", flat=True)) == ["Eli Bryhni", "Ingar Vaskinn"]
    assert {r.scope for r in gone} == {"Arbeidsgruppe for kraft"}


def test_saves_that_change_no_role_record_nothing_and_cost_no_query(
    client, django_assert_num_queries, coop_a, body_x
):
    user = make_user("kari")  # an ordinary login: no role yet
    membership = make_membership(body_x, make_person(coop_a))
    RoleChange.objects.all().delete()
    membership.save()  # unchanged
    user.first_name = "Kari"
    user.save()
    # A login writes `last_login` only: no query to read the flags before it.
    with django_assert_num_queries(1):
        user.save(update_fields=["last_login"])
    assert client.login(username="kari", password="pw")
    assert not RoleChange.objects.exists()


def test_the_record_is_read_only_in_the_admin(admin_client, coop_a):
    StaffMembership.objects.create(cooperation=coop_a, user=make_user("kari"))
    record = RoleChange.objects.get(kind=Kind.STAFF)
    page = admin_client.get("/admin/cooperation/rolechange/")
    assert page.status_code == 200 and "kari" in page.text
    assert admin_client.get(f"/admin/cooperation/rolechange/{record.pk}/change/").status_code == 200
    assert admin_client.get("/admin/cooperation/rolechange/add/").status_code == 403
    assert admin_client.post(f"/admin/cooperation/rolechange/{record.pk}/delete/").status_code == (
        403
    )
    assert (
        admin_client.post(
            f"/admin/cooperation/rolechange/{record.pk}/change/", {"subject": "x"}
        ).status_code
        == 403
    )
    record.refresh_from_db()
    assert record.subject == "kari"

"""The demo data loader: `manage.py load_demo`."""

from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import override_settings

from cases.models import Case
from cooperation.models import Body, Cooperation, Membership, StaffMembership
from meetings.demo import DRAFT_MARKER, EXEMPT_MARKER, OSLOREGIONEN, OSTLANDSSAMARBEIDET
from meetings.models import AgendaItem, Attendance, FollowUp, Meeting, MeetingEvent

pytestmark = pytest.mark.django_db

LOGINS = ["sekretar", "sekretar2", "medlem", "leder", "admin"]


@pytest.fixture(autouse=True)
def _files_and_passwords(settings, tmp_path):
    # Attachments go to a throwaway folder; a fast hasher keeps five logins per load cheap.
    settings.MEDIA_ROOT = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def load_demo(*args: str) -> str:
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models(include_auto_created=True)
        # The audit of role changes only grows: a reset's deletions are recorded too.
        if model._meta.label != "cooperation.RoleChange"
    }


def faggruppe() -> Body:
    return Body.objects.get(cooperation__slug=OSLOREGIONEN, name="Faggruppe for næringssamarbeid")


@override_settings(DEMO_MODE=True)
def test_loading_twice_gives_the_same_row_counts_for_every_model():
    load_demo()
    first = row_counts()

    output = load_demo()

    assert row_counts() == first
    assert "allerede lastet" in output


@override_settings(DEMO_MODE=True)
def test_reset_builds_the_demo_again_without_duplicates():
    load_demo()
    first = row_counts()

    output = load_demo("--reset")

    assert row_counts() == first
    assert "slettet" in output
    assert Cooperation.objects.filter(slug__in=[OSLOREGIONEN, OSTLANDSSAMARBEIDET]).count() == 2


def test_every_meeting_state_is_present():
    load_demo()

    states = set(Meeting.objects.values_list("state", flat=True))

    assert states == set(Meeting.State.values)


def test_meetings_in_the_future_stay_in_the_future():
    load_demo()

    upcoming = Meeting.objects.upcoming()

    assert {m.state for m in upcoming} >= {Meeting.State.PLANNED, Meeting.State.NOTICE_SENT}


def test_the_exempt_case_has_a_legal_basis_a_public_title_and_a_public_meeting():
    load_demo()

    case = Case.objects.get(title=EXEMPT_MARKER)

    assert case.is_exempt
    assert case.exemption_basis == "Offl. § 25"
    assert case.public_title and EXEMPT_MARKER not in case.public_title
    assert Case.objects.filter(is_exempt=True).count() == 1
    treatment = case.treatments.get()
    assert treatment.meeting.notice_sent_at is not None
    assert treatment.is_withheld
    assert treatment.title_for_public == case.public_title


def test_the_draft_marker_is_only_in_minutes_that_are_not_published():
    load_demo()

    item = AgendaItem.objects.get(minutes_text__contains=DRAFT_MARKER)

    assert item.meeting.state == Meeting.State.HELD
    assert not Case.objects.filter(background__contains=DRAFT_MARKER).exists()


def test_sak_48_20_went_through_three_bodies_in_date_order():
    load_demo()
    case = Case.objects.get(
        title="Revidert mandat for faggruppe for næringssamarbeid i Osloregionen"
    )

    treatments = list(case.treatments.order_by("meeting__start").select_related("meeting"))

    assert [t.body.name for t in treatments] == [
        "Faggruppe for næringssamarbeid",
        "Administrativ koordineringsgruppe",
        "Styret",
    ]
    assert [t.meeting.start.date().isoformat() for t in treatments] == [
        "2020-08-18",
        "2020-08-25",
        "2020-09-11",
    ]
    styret = treatments[-1]
    assert styret.number == "48/20"
    assert styret.decision == case.proposed_decision
    assert styret.outcome == AgendaItem.Outcome.ADOPTED
    assert styret.vote == AgendaItem.Vote.UNANIMOUS


def test_sak_48_20_adopts_the_faggruppe_mandate_and_refers_to_33_20_and_35_20():
    load_demo()
    styret = AgendaItem.objects.get(body__name="Styret", year=2020, sequence=48)

    mandate = styret.adopts_mandate

    assert mandate.body == faggruppe()
    assert mandate.valid_from.isoformat() == "2020-09-11"
    assert mandate.adopted_by == "Styret i Osloregionen, sak 48/20"
    assert mandate.text.startswith("Faggruppen for næringssamarbeid i Osloregionen skal")
    assert "\n" not in mandate.text
    referenced = styret.case.references.all()
    numbers = {t.number for c in referenced for t in c.treatments.all()}
    assert numbers == {"33/20", "35/20"}
    assert all(
        t.meeting.start.date().isoformat() == "2020-06-23"
        for c in referenced
        for t in c.treatments.all()
    )


def test_archive_meetings_are_published_and_marked_as_imported():
    load_demo()

    meeting = Meeting.objects.get(body__name="Administrativ gruppe", start__year=2022)

    assert meeting.state == Meeting.State.PUBLISHED
    assert [item.number for item in meeting.items.all()] == [
        "01/22",
        "02/22",
        "03/22",
        "04/22",
        "05/22",
    ]
    event = meeting.events.get()
    assert event.to_state == Meeting.State.PUBLISHED
    assert event.note == "Importert fra arkivet"


def test_the_klaekken_meeting_has_its_attendance_with_one_chair_and_staff():
    load_demo()
    meeting = Meeting.objects.get(place="Klækken hotel")

    attendance = meeting.attendances.select_related("person", "on_behalf_of")

    present = attendance.filter(role=Attendance.Role.MEMBER)
    assert present.count() >= 18
    chair = attendance.get(is_chair=True)
    assert chair.person.name == "Eli Arnkværn Bryhni"
    assert chair.on_behalf_of.name == "Hamarregionen utvikling"
    staff = attendance.get(role=Attendance.Role.STAFF)
    assert staff.person.name == "Mari Strømsvåg"
    assert all(a.on_behalf_of for a in present)
    assert [item.number for item in meeting.items.all()] == ["1", "2", "3", "4", "5"]
    approval = meeting.items.get(sequence=2)
    assert approval.previous_meeting.start.date().isoformat() == "2023-05-23"


def test_the_working_groups_sit_under_the_faggruppe_with_one_lead_each():
    load_demo()

    groups = Body.objects.filter(kind=Body.Kind.WORKING_GROUP)

    assert groups.count() == 3
    for group in groups:
        assert group.parent == faggruppe()
        assert group.memberships.filter(is_lead=True).count() == 1
    item = AgendaItem.objects.get(meeting__place="Klækken hotel", sequence=4)
    assert set(item.established_bodies.all()) == set(groups)
    leads = set(
        Membership.objects.filter(body__in=groups, is_lead=True).values_list("person", flat=True)
    )
    follow_ups = FollowUp.objects.filter(item=item)
    assert set(follow_ups.values_list("responsible", flat=True)) == leads


def test_the_status_case_has_its_attachments_and_references():
    load_demo()

    case = Case.objects.get(title="Status for regionalt kompetansearbeid i Trøndelag")

    assert case.kind == Case.Kind.DISCUSSION
    assert case.treatments.get().body.kind == Body.Kind.FORUM
    attachments = list(case.attachments.all())
    assert [a.title[:10] for a in attachments] == ["Vedlegg 1:", "Vedlegg 2:"]
    for attachment in attachments:
        assert attachment.content_type == "text/plain"
        assert attachment.size == attachment.file.size > 0
    assert {c.title for c in case.references.all()} == {
        "Kompetansestrategi for Trøndelag",
        "Handlingsprogram 2020–2022 for kompetansestrategien",
    }
    external = case.external_references.splitlines()
    assert external[:3] == [
        "FT sak 81/20 Regional planstrategi",
        "FT sak 6/21 Prinsipper for planlegging av den fylkeskommunale tjenesteproduksjonen",
        "FT-sak 61/21 Prinsipper for karriereveiledning",
    ]
    assert all("opengov" in line for line in external[3:])


@override_settings(DEMO_MODE=True)
def test_demo_logins_exist_and_log_in_with_password_demo(client):
    output = load_demo()

    for username in LOGINS:
        assert client.login(username=username, password="demo"), username
        client.logout()
    assert "Demo-innlogginger" in output
    assert get_user_model().objects.get(username="admin").is_superuser


@override_settings(DEMO_MODE=True)
def test_each_demo_secretary_is_staff_of_one_cooperation_only():
    load_demo()

    def staffed(username: str) -> list[str]:
        return list(
            StaffMembership.objects.filter(user__username=username).values_list(
                "cooperation__slug", flat=True
            )
        )

    assert staffed("sekretar") == [OSLOREGIONEN]
    assert staffed("sekretar2") == [OSTLANDSSAMARBEIDET]


@override_settings(DEMO_MODE=True)
def test_the_member_and_the_chair_are_people_of_the_faggruppe():
    load_demo()
    users = get_user_model().objects

    leder = users.get(username="leder").person
    medlem = users.get(username="medlem").person

    assert leder.name == "Eli Arnkværn Bryhni"
    assert faggruppe().memberships.get(person=leder).role == Membership.Role.CHAIR
    assert faggruppe().memberships.filter(person=medlem).exists()
    assert medlem.memberships.filter(body__name="Styret").exists()


@override_settings(DEMO_MODE=True)
def test_state_changes_are_recorded_as_made_by_the_demo_secretary():
    load_demo()

    moved = MeetingEvent.objects.filter(
        kind=MeetingEvent.Kind.STATE_CHANGE, meeting__body__cooperation__slug=OSLOREGIONEN
    ).exclude(note="Importert fra arkivet")

    assert moved.exists()
    assert set(moved.values_list("actor__username", flat=True)) == {"sekretar"}


@override_settings(DEMO_MODE=False)
def test_without_demo_mode_no_users_are_created():
    output = load_demo()

    assert get_user_model().objects.count() == 0
    assert "ingen demo-innlogginger" in output
    assert set(Meeting.objects.values_list("state", flat=True)) == set(Meeting.State.values)


def test_logins_come_later_when_demo_mode_is_switched_on():
    with override_settings(DEMO_MODE=False):
        load_demo()
    counts = row_counts()

    with override_settings(DEMO_MODE=True):
        load_demo()

    assert get_user_model().objects.count() == len(LOGINS)
    assert row_counts()[Meeting._meta.label] == counts[Meeting._meta.label]

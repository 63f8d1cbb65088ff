"""Recording attendance and writing the case document in the secretariat's workspace."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Attachment
from meetings.models import Attendance, Meeting
from tests.factories import (
    OSLO,
    bring_to,
    make_case,
    make_item,
    make_meeting,
    make_membership,
    make_organisation,
    make_person,
)

State = Meeting.State


@pytest.fixture
def as_secretary(client, secretary_a):
    client.force_login(secretary_a)
    # The first request of a session records when it was last active; the query counts
    # pinned below are those of the requests after it.
    client.get("/")
    return client


@pytest.fixture
def called(body_x, secretary_a, coop_a):
    oslo = make_organisation(coop_a, name="Oslo kommune")
    for name, role in [
        ("Eli Arnkværn Bryhni", "chair"),
        ("Ingar Vaskinn", "member"),
        ("Nina Mosseby", "member"),
        ("Trine Knobel", "deputy"),
        ("Mari Strømsvåg", "secretary"),
    ]:
        make_membership(
            body_x,
            make_person(coop_a, name=name),
            role=role,
            on_behalf_of=oslo,
            start=datetime.date(2020, 1, 1),
        )
    meeting = make_meeting(body_x, start=datetime.datetime(2024, 3, 14, 10, tzinfo=OSLO))
    make_item(meeting, title="Orienteringer")
    make_item(meeting, title="Ansettelse")
    return bring_to(meeting, State.NOTICE_SENT, secretary_a)


def roster(meeting):
    return {a.display_name: a for a in meeting.attendances.select_related("person")}


def post_rows(client, meeting, change):
    """Post the roster as the page shows it, with `change` applied per name."""
    rows = list(meeting.attendances.select_related("person").order_by("position", "pk"))
    data = {"form-TOTAL_FORMS": len(rows), "form-INITIAL_FORMS": len(rows)}
    for n, row in enumerate(rows):
        values = {
            "id": row.pk,
            "role": row.role,
            "is_chair": "on" if row.is_chair else "",
            "substitute_for": row.substitute_for_id,
        }
        values.update(change.get(row.display_name, {}))
        for key, value in values.items():
            if value != "" and value is not None:
                data[f"form-{n}-{key}"] = value
    return client.post(f"/sekretariat/moter/{meeting.pk}/fremmote/", data)


@pytest.mark.django_db
def test_the_roster_is_prefilled_from_the_memberships(as_secretary, called):
    assert as_secretary.get(f"/sekretariat/moter/{called.pk}/fremmote/").status_code == 200
    rows = roster(called)
    assert set(rows) == {"Eli Arnkværn Bryhni", "Ingar Vaskinn", "Nina Mosseby", "Mari Strømsvåg"}
    assert rows["Eli Arnkværn Bryhni"].is_chair
    assert rows["Mari Strømsvåg"].role == Attendance.Role.STAFF
    assert rows["Ingar Vaskinn"].on_behalf_of.name == "Oslo kommune"


@pytest.mark.django_db
def test_apologies_a_substitute_and_who_left_during_an_item_are_recorded(as_secretary, called):
    as_secretary.get(f"/sekretariat/moter/{called.pk}/fremmote/")
    as_secretary.post(
        f"/sekretariat/moter/{called.pk}/fremmote/",
        {
            "add-person": called.body.memberships.get(person__name="Trine Knobel").person.pk,
            "add-role": "substitute",
            "add-substitute_for": roster(called)["Ingar Vaskinn"].person.pk,
        },
    )
    left = called.items.get(title="Ansettelse")
    response = post_rows(
        as_secretary,
        called,
        {
            "Ingar Vaskinn": {"role": "apologies"},
            "Nina Mosseby": {"left_during": left.pk},
        },
    )
    assert response.status_code == 302
    rows = roster(called)
    assert rows["Ingar Vaskinn"].role == Attendance.Role.APOLOGIES
    assert rows["Trine Knobel"].substitute_for.name == "Ingar Vaskinn"
    assert list(rows["Nina Mosseby"].left_during.all()) == [left]


@pytest.mark.django_db
def test_the_chair_can_move_from_one_person_to_another(as_secretary, called):
    as_secretary.get(f"/sekretariat/moter/{called.pk}/fremmote/")
    post_rows(
        as_secretary,
        called,
        {"Eli Arnkværn Bryhni": {"is_chair": ""}, "Nina Mosseby": {"is_chair": "on"}},
    )
    assert roster(called)["Nina Mosseby"].is_chair
    assert not roster(called)["Eli Arnkværn Bryhni"].is_chair


@pytest.mark.django_db
def test_the_chair_stays_when_another_row_is_changed(as_secretary, called):
    as_secretary.get(f"/sekretariat/moter/{called.pk}/fremmote/")
    post_rows(as_secretary, called, {"Nina Mosseby": {"role": Attendance.Role.APOLOGIES}})
    # Only the changed row is saved; the chair's own row is left as it was.
    assert roster(called)["Eli Arnkværn Bryhni"].is_chair
    assert roster(called)["Nina Mosseby"].role == Attendance.Role.APOLOGIES


@pytest.mark.django_db
def test_two_chairs_or_a_substitute_for_nobody_are_explained(as_secretary, called):
    as_secretary.get(f"/sekretariat/moter/{called.pk}/fremmote/")
    two = post_rows(as_secretary, called, {"Nina Mosseby": {"is_chair": "on"}})
    assert two.status_code == 422 and "Bare én person kan lede møtet" in two.text
    nobody = post_rows(as_secretary, called, {"Nina Mosseby": {"role": "substitute"}})
    assert nobody.status_code == 422 and "Oppgi hvem varamedlemmet møtte for" in nobody.text
    assert roster(called)["Nina Mosseby"].role == Attendance.Role.MEMBER


@pytest.mark.django_db
def test_a_guest_is_added_by_name(as_secretary, called):
    as_secretary.post(
        f"/sekretariat/moter/{called.pk}/fremmote/",
        {"add-name": "Ola Nordmann, NHO", "add-role": "guest"},
    )
    assert roster(called)["Ola Nordmann, NHO"].role == Attendance.Role.GUEST


@pytest.mark.django_db
def test_attendance_is_not_recorded_for_a_planned_meeting(as_secretary, body_x):
    meeting = make_meeting(body_x)
    response = as_secretary.get(f"/sekretariat/moter/{meeting.pk}/fremmote/", follow=True)
    assert "Fremmøte registreres" in response.text
    assert not meeting.attendances.exists()


@pytest.fixture(params=[3, 30], ids=lambda n: f"{n} members")
def roster_of_many(request, called, coop_a):
    """The called meeting's body with 3 or 30 more members."""
    for n in range(request.param):
        make_membership(
            called.body, make_person(coop_a, name=f"Medlem {n}"), start=datetime.date(2020, 1, 1)
        )
    return called


@pytest.mark.django_db
def test_the_roster_page_costs_the_same_queries_for_3_and_30_members(
    as_secretary, roster_of_many, django_assert_num_queries
):
    called = roster_of_many
    as_secretary.get(f"/sekretariat/moter/{called.pk}/fremmote/")
    # session, user, staff check, meeting, roster exists?, people menu, items menu, roster,
    # left_during prefetch, people for the add form (2 menus), menu staff check
    with django_assert_num_queries(12):
        as_secretary.get(f"/sekretariat/moter/{called.pk}/fremmote/")


@pytest.mark.django_db
def test_saving_the_roster_costs_the_same_queries_for_3_and_30_members(
    as_secretary, roster_of_many, django_assert_num_queries
):
    called = roster_of_many
    as_secretary.get(f"/sekretariat/moter/{called.pk}/fremmote/")
    left = called.items.get(title="Ansettelse")
    # The rows' ids are found among the rows read (Django's own field asks once per row):
    # post_rows reading the roster to post it; session, user, staff check, meeting, roster
    # exists?, people menu, items menu, roster, left_during prefetch, the items left during;
    # the save of the one changed row (savepoint, the meeting locked, chairs, the row, its
    # items left during read and added, release).
    with django_assert_num_queries(18):
        response = post_rows(as_secretary, called, {"Nina Mosseby": {"left_during": left.pk}})
    assert response.status_code == 302
    assert list(roster(called)["Nina Mosseby"].left_during.all()) == [left]


@pytest.mark.django_db
def test_a_row_of_another_meetings_roster_is_refused(as_secretary, called, body_x, secretary_a):
    other = bring_to(make_meeting(body_x), State.NOTICE_SENT, secretary_a)
    as_secretary.get(f"/sekretariat/moter/{other.pk}/fremmote/")
    as_secretary.get(f"/sekretariat/moter/{called.pk}/fremmote/")
    theirs = other.attendances.first()
    data = {
        "form-TOTAL_FORMS": 1,
        "form-INITIAL_FORMS": 1,
        "form-0-id": theirs.pk,
        "form-0-role": "apologies",
    }
    for forged in (theirs.pk, 2**70, "x"):
        data["form-0-id"] = forged
        response = as_secretary.post(f"/sekretariat/moter/{called.pk}/fremmote/", data)
        assert response.status_code == 422
    theirs.refresh_from_db()
    assert theirs.role != Attendance.Role.APOLOGIES


@pytest.mark.django_db
def test_another_cooperations_secretary_cannot_see_the_roster_or_the_case(
    client, called, secretary_b, coop_a
):
    client.force_login(secretary_b)
    case = make_case(coop_a)
    assert client.get(f"/sekretariat/moter/{called.pk}/fremmote/").status_code == 404
    assert client.get(f"/sekretariat/saksframlegg/{case.pk}/").status_code == 404


# The case document


@pytest.fixture
def case(coop_a):
    return make_case(
        coop_a, year=2020, sequence=48, title="Revidert mandat for faggruppe for næringssamarbeid"
    )


def case_data(**overrides):
    data = {
        "case-title": "Revidert mandat for faggruppe for næringssamarbeid",
        "case-kind": "decision",
        "case-proposed_decision": "Styret slutter seg til revidert mandat.",
        "case-background": "Styret behandlet den 23. juni 2020 sak 33/20.",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_the_case_document_is_saved_with_references(as_secretary, case, coop_a):
    earlier = make_case(coop_a, year=2020, sequence=33, title="Evaluering av profileringsarbeidet")
    response = as_secretary.post(
        f"/sekretariat/saksframlegg/{case.pk}/", case_data(**{"case-references": [earlier.pk]})
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.proposed_decision == "Styret slutter seg til revidert mandat."
    assert list(case.references.all()) == [earlier]


@pytest.mark.django_db
def test_an_exempt_case_needs_a_legal_basis_and_the_text_is_kept(as_secretary, case):
    response = as_secretary.post(
        f"/sekretariat/saksframlegg/{case.pk}/",
        case_data(
            **{
                "case-is_exempt": "on",
                "case-public_title": "Ansettelsessak",
                "case-background": "Teksten sekretæren skrev.",
            }
        ),
    )
    assert response.status_code == 422
    assert "hjemmel" in response.text
    assert "Teksten sekretæren skrev." in response.text
    assert "Offl. § 25" in response.text  # offered in the list of common provisions
    case.refresh_from_db()
    assert not case.is_exempt


@pytest.mark.django_db
def test_an_attachment_is_checked_by_its_content_and_size(as_secretary, case, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    url = f"/sekretariat/saksframlegg/{case.pk}/"
    good = SimpleUploadedFile("mandat.pdf", b"%PDF-1.7\n...", content_type="application/pdf")
    assert (
        as_secretary.post(url, {"vedlegg-title": "Mandat", "vedlegg-file": good}).status_code == 302
    )
    attachment = Attachment.objects.get()
    assert (attachment.content_type, attachment.size) == ("application/pdf", 12)

    fake = SimpleUploadedFile("virus.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = as_secretary.post(url, {"vedlegg-title": "Falsk", "vedlegg-file": fake})
    assert response.status_code == 422 and "innhold stemmer ikke" in response.text
    script = SimpleUploadedFile("x.exe", b"MZ", content_type="application/octet-stream")
    response = as_secretary.post(url, {"vedlegg-title": "Program", "vedlegg-file": script})
    assert "kan ikke legges ved" in response.text
    assert Attachment.objects.count() == 1


@pytest.mark.django_db
def test_an_oversized_attachment_is_refused_with_its_size(as_secretary, case, monkeypatch):
    monkeypatch.setattr("meetings.forms.MAX_UPLOAD_BYTES", 10)
    big = SimpleUploadedFile("stor.txt", b"x" * 100, content_type="text/plain")
    response = as_secretary.post(
        f"/sekretariat/saksframlegg/{case.pk}/", {"vedlegg-title": "Stor", "vedlegg-file": big}
    )
    assert response.status_code == 422 and "MB" in response.text
    assert not Attachment.objects.exists()


@pytest.mark.django_db
def test_a_refused_upload_shows_the_case_document_as_it_is_stored(as_secretary, case):
    """The upload posts only its own fields: the case form beside it is not bound to them, so
    it shows the stored texts, not empty fields marked required (which a save would wipe)."""
    case.background = "Bakgrunnen som er lagret."
    case.save()
    evil = SimpleUploadedFile("evil.html", b"<script>alert(1)</script>", content_type="text/html")
    response = as_secretary.post(
        f"/sekretariat/saksframlegg/{case.pk}/", {"vedlegg-title": "Ondt", "vedlegg-file": evil}
    )
    assert response.status_code == 422 and "kan ikke legges ved" in response.text
    form = response.context["form"]
    assert not form.is_bound
    assert form["title"].value() == case.title
    assert "Bakgrunnen som er lagret." in response.text
    assert "Feltet er påkrevet" not in response.text

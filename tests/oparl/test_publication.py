"""What the API shows of a meeting, an item, a case and its files, and when."""

from __future__ import annotations

import datetime
import hashlib
import io

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command

from cases.models import Attachment
from meetings.models import Attendance, Meeting
from tests.factories import (
    OSLO,
    bring_to,
    make_attendance,
    make_body,
    make_case,
    make_item,
    make_meeting,
    make_membership,
    make_organisation,
    make_person,
)

API = "http://moter.example.no/oparl/v1/"
SCHEMA = "https://schema.oparl.org/1.1/"
SECRET = "Kari Demodatter Lien søkte stillingen"
State = Meeting.State

pytestmark = pytest.mark.django_db


@pytest.fixture
def exempt_case(coop_a):
    return make_case(
        coop_a,
        title="Ansettelse av direktør – " + SECRET,
        public_title="Ansettelse av direktør",
        is_exempt=True,
        exemption_basis="Offl. § 25",
        proposed_decision=SECRET,
    )


@pytest.fixture
def case(coop_a):
    return make_case(
        coop_a,
        year=2020,
        sequence=48,
        title="Revidert mandat for faggruppe for næringssamarbeid",
        proposed_decision="Styret slutter seg til revidert mandat.",
        background="Styret behandlet den 23. juni 2020 sak 33/20.",
    )


@pytest.fixture
def meeting(body_x, case, exempt_case):
    meeting = make_meeting(body_x, start=datetime.datetime(2020, 9, 11, 10, tzinfo=OSLO))
    make_item(meeting, title="Godkjenning av innkalling og saksliste", kind="formality")
    make_item(
        meeting,
        case=case,
        minutes_text="Sekretariatet orienterte om forslaget.",
        decision="Styret slutter seg til revidert mandat for faggruppen.",
        outcome="adopted",
        vote="counted",
        votes_for=7,
        votes_against=2,
    )
    make_item(meeting, case=exempt_case, minutes_text=SECRET, decision=SECRET, outcome="adopted")
    return meeting


def get(api, path: str) -> dict:
    response = api.get(API + path)
    assert response.status_code == 200, response.content
    return response.json()


def status(api, path: str) -> int:
    return api.get(API + path).status_code


def test_a_planned_meeting_and_its_items_are_not_found(api, meeting, coop_a):
    assert status(api, f"meeting/{meeting.pk}") == 404
    assert status(api, f"agenda-item/{meeting.items.first().pk}") == 404
    assert get(api, f"body/{coop_a.pk}/meetings")["data"] == []
    assert get(api, f"body/{coop_a.pk}/papers")["data"] == []


def test_after_the_notice_the_agenda_shows_with_numbers_but_no_results(api, meeting, secretary_a):
    bring_to(meeting, State.NOTICE_SENT, secretary_a)
    data = get(api, f"meeting/{meeting.pk}")
    assert data["meetingState"] == "innkalling sendt"
    assert data["cancelled"] is False
    assert "participant" not in data
    items = data["agendaItem"]
    assert [item["order"] for item in items] == [1, 2, 3]
    assert [item["number"] for item in items] == ["01/20", "02/20", "03/20"]
    assert all("result" not in item and "resolutionText" not in item for item in items)
    assert items[0]["name"] == "Godkjenning av innkalling og saksliste"
    assert "consultation" not in items[0]  # no case, no consultation


def test_published_minutes_show_results_decisions_and_who_attended(
    api, meeting, secretary_a, body_x
):
    present = make_person(body_x.cooperation, name="Eli Arnkværn Bryhni")
    absent = make_person(body_x.cooperation, name="Ingar Vaskinn")
    substitute = make_person(body_x.cooperation, name="Trine Knobel")
    make_attendance(meeting, present, is_chair=True)
    make_attendance(meeting, absent, role=Attendance.Role.APOLOGIES)
    make_attendance(meeting, substitute, role=Attendance.Role.SUBSTITUTE, substitute_for=absent)
    Attendance.objects.create(meeting=meeting, name="Gjest uten personoppføring", role="guest")
    bring_to(meeting, State.PUBLISHED, secretary_a)

    data = get(api, f"meeting/{meeting.pk}")

    assert data["participant"] == [API + f"person/{present.pk}", API + f"person/{substitute.pk}"]
    item = data["agendaItem"][1]
    assert item["public"] is True
    assert item["result"] == "Vedtatt – 7 for, 2 mot, 0 blanke"
    assert item["resolutionText"] == "Styret slutter seg til revidert mandat for faggruppen."
    assert item["moteportal:minutesText"] == "Sekretariatet orienterte om forslaget."
    # Who sent apologies is named in the minutes, so is a public Person; not a participant.
    assert get(api, f"person/{absent.pk}")["name"] == "Ingar Vaskinn"


def test_an_exempt_item_shows_only_its_public_title_and_legal_basis(api, meeting, secretary_a):
    bring_to(meeting, State.PUBLISHED, secretary_a)
    exempt = meeting.items.get(case__is_exempt=True)

    item = get(api, f"agenda-item/{exempt.pk}")

    assert item["public"] is False
    assert item["name"] == "Ansettelse av direktør"
    assert item["moteportal:legalBasis"] == "Offl. § 25"
    assert not {"result", "resolutionText", "moteportal:minutesText"} & set(item)
    consultation = get(api, f"consultation/{exempt.pk}")
    assert not {"role", "authoritative"} & set(consultation)
    assert SECRET not in str(get(api, f"meeting/{meeting.pk}"))


def test_an_exempt_case_is_a_paper_with_its_public_title_and_no_files(
    api, meeting, secretary_a, exempt_case
):
    bring_to(meeting, State.NOTICE_SENT, secretary_a)
    Attachment.objects.create(
        case=exempt_case, title="Søkerliste", file=ContentFile(b"x", name="liste.txt"), size=1
    )

    paper = get(api, f"paper/{exempt_case.pk}")

    assert paper["name"] == "Ansettelse av direktør"
    assert paper["reference"] == exempt_case.reference
    assert paper["moteportal:legalBasis"] == "Offl. § 25"
    assert not {"mainFile", "auxiliaryFile", "paperType"} & set(paper)
    assert status(api, f"file/document/{exempt_case.pk}") == 404
    assert SECRET not in str(paper)


def test_a_paper_has_its_case_document_and_its_public_attachments(
    api, meeting, secretary_a, case, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    public = Attachment(case=case, title="Mandat", content_type="application/pdf", size=4)
    public.file.save("mandat.pdf", ContentFile(b"%PDF"), save=True)
    withheld = Attachment(case=case, title="Notat", is_exempt=True, exemption_basis="Offl. § 14")
    withheld.file.save("notat.pdf", ContentFile(b"%PDF"), save=True)
    bring_to(meeting, State.NOTICE_SENT, secretary_a)

    paper = get(api, f"paper/{case.pk}")

    assert paper["reference"] == "2020/48"
    assert paper["paperType"] == "vedtakssak"
    assert paper["date"] == "2020-09-11"
    document = paper["mainFile"]
    assert document["mimeType"] == "text/html"
    assert "Forslag til vedtak\n\nStyret slutter seg til revidert mandat." in document["text"]
    assert [f["name"] for f in paper["auxiliaryFile"]] == ["Mandat"]
    assert status(api, f"file/{withheld.pk}") == 404
    file = get(api, f"file/{public.pk}")
    assert file["size"] == 4
    assert file["mimeType"] == "application/pdf"
    download = api.get(file["downloadUrl"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF"


def test_a_checksum_is_shown_only_for_the_file_it_was_computed_from(
    api, meeting, secretary_a, case, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    attachment = Attachment(case=case, title="Mandat", size=4)
    attachment.file.save("mandat.pdf", ContentFile(b"%PDF"), save=True)
    bring_to(meeting, State.NOTICE_SENT, secretary_a)
    assert "sha512Checksum" not in get(api, f"file/{attachment.pk}")

    call_command("oparl_checksums", stdout=io.StringIO())

    expected = hashlib.sha512(b"%PDF").hexdigest()
    assert get(api, f"file/{attachment.pk}")["sha512Checksum"] == expected
    attachment.file.save("mandat-2.pdf", ContentFile(b"%PDF-1.7"), save=False)
    attachment.size = 8
    attachment.save()
    assert "sha512Checksum" not in get(api, f"file/{attachment.pk}")


def test_a_cancelled_meeting_stays_public_as_cancelled(api, meeting, secretary_a):
    bring_to(meeting, State.NOTICE_SENT, secretary_a)
    meeting.cancel(by=secretary_a, reason="Ingen saker.")
    data = get(api, f"meeting/{meeting.pk}")
    assert data["cancelled"] is True
    assert data["meetingState"] == "avlyst"


def test_memberships_say_role_voting_right_and_whom_the_member_represents(api, body_x, coop_a):
    oslo = make_organisation(coop_a, name="Oslo kommune")
    person = make_person(coop_a, name="Nina Mosseby", email="nina@example.no")
    member = make_membership(body_x, person, on_behalf_of=oslo)
    deputy = make_membership(body_x, make_person(coop_a), role="deputy")

    data = get(api, f"membership/{member.pk}")

    assert data["role"] == "medlem"
    assert data["votingRight"] is True
    assert data["onBehalfOf"] == API + f"organization/member/{oslo.pk}"
    assert data["organization"] == API + f"organization/{body_x.pk}"
    assert get(api, f"membership/{deputy.pk}")["votingRight"] is False
    person_data = get(api, f"person/{person.pk}")
    assert person_data["name"] == "Nina Mosseby"
    assert "nina@example.no" not in str(person_data)
    municipality = get(api, f"organization/member/{oslo.pk}")
    assert municipality["organizationType"] == "Institution"
    assert municipality["classification"] == "kommune"


def test_a_person_without_any_public_role_is_not_found(api, coop_a):
    officer = make_person(coop_a, name="Saksbehandler uten verv")
    assert status(api, f"person/{officer.pk}") == 404


def test_a_working_group_is_a_sub_organization_of_the_body_that_set_it_up(api, body_x, coop_a):
    group = make_body(coop_a, name="Arbeidsgruppe", kind="working_group", parent=body_x)
    data = get(api, f"organization/{group.pk}")
    assert data["subOrganizationOf"] == API + f"organization/{body_x.pk}"
    assert data["organizationType"] == "Gremium"
    assert data["classification"] == "arbeidsgruppe"
    assert data["web"].endswith(f"/organer/{coop_a.slug}/arbeidsgruppe/")


def test_responses_are_json_open_to_every_origin(api, coop_a):
    response = api.get(API + f"body/{coop_a.pk}")
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    data = response.json()
    assert data["legislativeTerm"]
    assert data["created"] <= data["modified"]


def test_the_system_names_the_licence_of_everything_it_publishes(api, schemas, settings):
    system = get(api, "system")
    assert system["license"] == "https://data.norge.no/nlod/no/2.0"
    schemas.validate(system)
    settings.OPARL_LICENSE = "https://creativecommons.org/licenses/by/4.0/"
    assert get(api, "system")["license"] == "https://creativecommons.org/licenses/by/4.0/"
    settings.OPARL_LICENSE = ""
    assert "license" not in get(api, "system")

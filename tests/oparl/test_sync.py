"""Keeping a copy in sync: `modified_since` finds what changed, and what was withdrawn."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

import pytest
from django.contrib import admin
from django.contrib.admin import AdminSite
from django.core.files.base import ContentFile
from django.utils import timezone

from cases.models import Attachment
from meetings.models import Meeting
from meetings.oparl.models import Tombstone
from meetings.oparl.withdrawals import recording_withdrawals
from meetings.public_record import ChangingPublicRecordAdmin
from tests.factories import (
    OSLO,
    bring_to,
    make_case,
    make_item,
    make_meeting,
    make_membership,
    make_person,
    make_user,
)
from tests.meetings.test_public_record_leaks import admin_form

API = "http://moter.example.no/oparl/v1/"
State = Meeting.State

pytestmark = pytest.mark.django_db


def published_meeting(body, secretary, *cases, day: int = 11) -> Meeting:
    meeting = make_meeting(body, start=datetime.datetime(2024, 3, day, 10, tzinfo=OSLO))
    for case in cases:
        make_item(meeting, case=case, decision="Vedtatt.", outcome="adopted")
    return bring_to(meeting, State.PUBLISHED, secretary)


def ids(api, path: str, **params) -> list[str]:
    response = api.get(f"{API}{path}?{urlencode(params)}")
    assert response.status_code == 200, response.content
    return [obj["id"] for obj in response.json()["data"]]


def deleted_ids(api, path: str, **params) -> list[str]:
    response = api.get(f"{API}{path}?{urlencode(params)}")
    return [obj["id"] for obj in response.json()["data"] if obj.get("deleted")]


@pytest.fixture
def attachment(coop_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = make_case(coop_a, title="Budsjett 2025")
    attachment = Attachment(case=case, title="Budsjettforslag", size=4)
    attachment.file.save("budsjett.pdf", ContentFile(b"%PDF"), save=True)
    return attachment


def test_modified_since_returns_only_what_changed_after_that_moment(
    api, coop_a, body_x, secretary_a
):
    changed, unchanged = make_case(coop_a, title="Endres"), make_case(coop_a, title="Uendret")
    first = published_meeting(body_x, secretary_a, changed, day=11)
    second = published_meeting(body_x, secretary_a, unchanged, day=12)
    since = timezone.now().isoformat()
    assert ids(api, f"body/{coop_a.pk}/meetings", modified_since=since) == []

    changed.title = "Endret tittel"
    changed.save()

    assert ids(api, f"body/{coop_a.pk}/meetings", modified_since=since) == [
        API + f"meeting/{first.pk}"
    ]
    assert ids(api, f"body/{coop_a.pk}/papers", modified_since=since) == [
        API + f"paper/{changed.pk}"
    ]
    item = first.items.get()
    assert ids(api, f"body/{coop_a.pk}/agenda-items", modified_since=since) == [
        API + f"agenda-item/{item.pk}"
    ]
    assert API + f"meeting/{second.pk}" in ids(api, f"body/{coop_a.pk}/meetings")


def test_created_and_modified_until_bound_the_list_from_above(api, coop_a, body_x, secretary_a):
    early = published_meeting(body_x, secretary_a, day=11)
    between = timezone.now().isoformat()
    late = published_meeting(body_x, secretary_a, day=12)
    path = f"body/{coop_a.pk}/meetings"
    assert ids(api, path, created_until=between) == [API + f"meeting/{early.pk}"]
    assert ids(api, path, modified_until=between) == [API + f"meeting/{early.pk}"]
    assert ids(api, path, created_since=between) == [API + f"meeting/{late.pk}"]


def test_the_filters_are_carried_into_every_link_of_the_list(api, coop_a, body_x, secretary_a):
    for day in (11, 12, 13):
        published_meeting(body_x, secretary_a, day=day)
    since = "2020-01-01T00:00:00+01:00"
    response = api.get(
        f"{API}body/{coop_a.pk}/meetings",
        {"modified_since": since, "limit": 1, "omit_internal": "1"},
    )
    links = response.json()["links"]
    for name in ("first", "next", "last"):
        assert "modified_since=2020-01-01T00%3A00%3A00%2B01%3A00" in links[name], name
        assert "limit=1" in links[name]
        assert "omit_internal=true" in links[name]


def test_a_withdrawn_attachment_answers_deleted_and_is_listed_only_with_modified_since(
    api, schemas, coop_a, body_x, secretary_a, attachment
):
    published_meeting(body_x, secretary_a, attachment.case)
    since = timezone.now().isoformat()

    with recording_withdrawals(attachment):
        attachment.is_exempt = True
        attachment.exemption_basis = "Offl. § 14"
        attachment.save()

    response = api.get(f"{API}file/{attachment.pk}")
    assert response.status_code == 200
    stone = response.json()
    schemas.validate(stone)
    assert stone["deleted"] is True
    assert set(stone) == {"id", "type", "accessUrl", "created", "modified", "deleted"}
    assert stone["created"] <= stone["modified"]
    files = f"body/{coop_a.pk}/files"
    assert API + f"file/{attachment.pk}" not in ids(api, files)
    assert deleted_ids(api, files, modified_since=since) == [API + f"file/{attachment.pk}"]
    # The paper showed the file: it counts as modified.
    assert ids(api, f"body/{coop_a.pk}/papers", modified_since=since) == [
        API + f"paper/{attachment.case_id}"
    ]


def test_an_object_published_again_is_no_longer_deleted(
    api, coop_a, body_x, secretary_a, attachment
):
    published_meeting(body_x, secretary_a, attachment.case)
    since = timezone.now().isoformat()
    with recording_withdrawals(attachment):
        attachment.is_exempt, attachment.exemption_basis = True, "Offl. § 14"
        attachment.save()
    attachment.is_exempt, attachment.exemption_basis = False, ""
    attachment.save()

    assert "deleted" not in api.get(f"{API}file/{attachment.pk}").json()
    files = ids(api, f"body/{coop_a.pk}/files", modified_since=since)
    assert files.count(API + f"file/{attachment.pk}") == 1
    assert deleted_ids(api, f"body/{coop_a.pk}/files", modified_since=since) == []


def test_a_deleted_meeting_leaves_tombstones_for_it_its_items_and_its_only_papers(
    api, schemas, coop_a, body_x, secretary_a
):
    only_here, also_elsewhere = make_case(coop_a), make_case(coop_a)
    meeting = published_meeting(body_x, secretary_a, only_here, also_elsewhere, day=11)
    published_meeting(body_x, secretary_a, also_elsewhere, day=12)
    items = list(meeting.items.values_list("pk", flat=True))
    meeting_pk = meeting.pk
    since = timezone.now().isoformat()

    with recording_withdrawals(meeting):
        meeting.delete()

    for path in [
        f"meeting/{meeting_pk}",
        f"location/{meeting_pk}",
        *(f"agenda-item/{pk}" for pk in items),
        *(f"consultation/{pk}" for pk in items),
        f"paper/{only_here.pk}",
        f"file/document/{only_here.pk}",
    ]:
        data = api.get(API + path).json()
        schemas.validate(data)
        assert data.get("deleted") is True, path
    assert "deleted" not in api.get(f"{API}paper/{also_elsewhere.pk}").json()
    assert deleted_ids(api, f"organization/{body_x.pk}/meetings", modified_since=since) == [
        API + f"meeting/{meeting_pk}"
    ]
    assert deleted_ids(api, f"body/{coop_a.pk}/meetings", modified_since=since) == [
        API + f"meeting/{meeting_pk}"
    ]
    # The remaining paper embedded a consultation that is gone: it counts as modified.
    assert API + f"paper/{also_elsewhere.pk}" in ids(
        api, f"body/{coop_a.pk}/papers", modified_since=since
    )


def test_a_removed_membership_is_deleted_and_its_person_and_body_count_as_modified(
    api, coop_a, body_x, body_y
):
    person = make_person(coop_a)
    kept = make_membership(body_y, person)
    removed = make_membership(body_x, person)
    removed_pk = removed.pk
    since = timezone.now().isoformat()

    with recording_withdrawals(removed):
        removed.delete()

    assert api.get(f"{API}membership/{removed_pk}").json()["deleted"] is True
    assert ids(api, f"body/{coop_a.pk}/people", modified_since=since) == [
        API + f"person/{person.pk}"
    ]
    organizations = ids(api, f"body/{coop_a.pk}/organizations", modified_since=since)
    assert organizations == [API + f"organization/{body_x.pk}"]
    assert [m["id"] for m in api.get(f"{API}person/{person.pk}").json()["membership"]] == [
        API + f"membership/{kept.pk}"
    ]


def test_making_a_case_exempt_withdraws_its_document_and_files_but_not_the_paper(
    api, body_x, secretary_a, attachment
):
    case = attachment.case
    published_meeting(body_x, secretary_a, case)

    with recording_withdrawals(case):
        case.is_exempt = True
        case.public_title = "Budsjett"
        case.exemption_basis = "Offl. § 23 første ledd"
        case.save()

    assert api.get(f"{API}file/document/{case.pk}").json()["deleted"] is True
    assert api.get(f"{API}file/{attachment.pk}").json()["deleted"] is True
    paper = api.get(f"{API}paper/{case.pk}").json()
    assert "deleted" not in paper
    assert paper["name"] == "Budsjett"


def test_nothing_is_recorded_when_the_change_fails(body_x, secretary_a, coop_a):
    meeting = published_meeting(body_x, secretary_a, make_case(coop_a))
    with pytest.raises(RuntimeError), recording_withdrawals(meeting):
        raise RuntimeError("the deletion failed")
    assert not Tombstone.objects.exists()


def test_a_change_that_withdraws_nothing_records_nothing(body_x, secretary_a, coop_a):
    meeting = published_meeting(body_x, secretary_a, make_case(coop_a))
    with recording_withdrawals(meeting):
        meeting.title = "Nytt navn"
        meeting.save()
    assert not Tombstone.objects.exists()


def test_recording_withdrawals_refuses_objects_it_does_not_know(coop_a):
    with pytest.raises(TypeError), recording_withdrawals(coop_a):
        pass


class AttachmentAdmin(ChangingPublicRecordAdmin, admin.ModelAdmin):
    pass


def test_the_admin_mixin_records_what_the_admin_deletes(rf, body_x, secretary_a, attachment):
    published_meeting(body_x, secretary_a, attachment.case)
    pk = attachment.pk
    AttachmentAdmin(Attachment, AdminSite()).delete_model(rf.post("/"), attachment)
    assert Tombstone.objects.filter(kind="file", object_id=pk).exists()


def test_an_attachment_made_exempt_in_the_case_admins_inline_is_withdrawn(
    client, body_x, secretary_a, attachment
):
    case = attachment.case
    published_meeting(body_x, secretary_a, case)
    client.force_login(make_user(is_staff=True, is_superuser=True))
    url = f"/admin/cases/case/{case.pk}/change/"
    changes = {"attachments-0-is_exempt": "on", "attachments-0-exemption_basis": "Offl. § 14"}
    response = client.post(url, admin_form(client, url, **changes))
    assert response.status_code == 302

    assert Tombstone.objects.filter(kind="file", object_id=attachment.pk).exists()
    assert not Tombstone.objects.filter(kind="paper").exists()

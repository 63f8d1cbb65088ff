"""The leaks of issue 16, as a new user and the admin met them: exempt or changed text still
found by search, and no withdrawal in the open data. Each failed before the one path to the
public record (ADR 15); they use nothing that came with it, so they run on any earlier tree."""

from __future__ import annotations

import re
from html import unescape

import pytest

from meetings.oparl.models import Tombstone
from tests.factories import make_user
from tests.meetings.conftest import SECRET

pytestmark = [pytest.mark.django_db]

PUBLIC_TITLE = "Sak om eiendom"


def found(client, words: str) -> str:
    """The titles and excerpts that the search page lists for these words, as text."""
    response = client.get("/sok/", {"q": words})
    assert response.status_code == 200
    shown = [f"{hit.title} {hit.excerpt}" for hit in response.context["results"].hits]
    return unescape(re.sub(r"<[^>]+>", "", " ".join(shown)))


def hits(client, words: str) -> list:
    return client.get("/sok/", {"q": words}).context["results"].hits


def hit_count(client, words: str) -> int:
    return len(hits(client, words))


@pytest.fixture
def as_secretary(client, secretary_a):
    client.force_login(secretary_a)
    return client


@pytest.fixture
def as_admin(client):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


def case_form(case, **changes) -> dict:
    """What the case editor posts when `changes` are made in it (False: a box unticked)."""
    data = {
        "case-title": case.title,
        "case-kind": case.kind,
        "case-proposed_decision": case.proposed_decision,
        "case-background": case.background,
        "case-assessment": case.assessment,
        "case-public_title": case.public_title,
        "case-exemption_basis": case.exemption_basis,
        "case-external_references": case.external_references,
    }
    if case.is_exempt:
        data["case-is_exempt"] = "on"
    data.update(changes)
    return {name: value for name, value in data.items() if value is not False}


def admin_form(client, url: str, **changes) -> dict:
    """What the admin's change form at `url` posts when `changes` are made in it."""
    response = client.get(url)
    assert response.status_code == 200
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = "on" if value is True else value
    for name, value in changes.items():
        if value is False:
            data.pop(name, None)
        else:
            data[name] = value
    return data


# The three reproductions of the issue: each failed before the one path.


def test_a_case_made_exempt_in_the_case_editor_is_no_longer_found_by_its_text(
    client, as_secretary, public_case
):
    assert SECRET in found(client, "Kvernbergsundet")
    response = as_secretary.post(
        f"/sekretariat/saksframlegg/{public_case.pk}/",
        case_form(
            public_case,
            **{
                "case-is_exempt": "on",
                "case-exemption_basis": "Offl. § 23 første ledd",
                "case-public_title": PUBLIC_TITLE,
            },
        ),
    )
    assert response.status_code == 302
    client.logout()
    page = found(client, "Kvernbergsundet")
    assert "Kvernbergsundet" not in page and "Hemmeligholdt" not in page
    assert hit_count(client, "Kvernbergsundet") == 0
    # Found by its public title only, as the case page shows it: the item and the case.
    titles = [unescape(re.sub(r"<[^>]+>", "", hit.title)) for hit in hits(client, "eiendom")]
    assert titles == [PUBLIC_TITLE, PUBLIC_TITLE]


def test_a_case_made_exempt_in_the_admin_is_withdrawn_from_search_and_open_data(
    client, as_admin, public_case
):
    url = f"/admin/cases/case/{public_case.pk}/change/"
    response = as_admin.post(
        url,
        admin_form(
            as_admin,
            url,
            is_exempt="on",
            exemption_basis="Offl. § 23 første ledd",
            public_title=PUBLIC_TITLE,
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    client.logout()
    assert hit_count(client, "Kvernbergsundet") == 0
    assert "Hemmeligholdt" not in found(client, "Hemmeligholdt")
    # The case document (an OParl File of the paper) answers deleted from now on.
    assert Tombstone.objects.filter(kind=Tombstone.Kind.DOCUMENT, object_id=public_case.pk)


def test_an_item_of_published_minutes_made_exempt_in_the_admin_hides_its_minutes(
    client, as_admin, published_item
):
    assert hit_count(client, "Fjordlinjeekspressen") == 1
    url = f"/admin/meetings/agendaitem/{published_item.pk}/change/"
    response = as_admin.post(
        url,
        admin_form(
            as_admin,
            url,
            is_exempt="on",
            exemption_basis="Offl. § 23 første ledd",
            public_title="Innkjøp",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    client.logout()
    assert hit_count(client, "Fjordlinjeekspressen") == 0
    assert hit_count(client, "fergetjenester") == 0
    # The open data shows the item by its public title only, and says that it changed.
    item = client.get(f"/oparl/v1/agenda-item/{published_item.pk}").json()
    assert item["name"] == "Innkjøp" and "Fjordlinjeekspressen" not in str(item)


def test_edited_background_text_is_found_and_the_old_text_is_not(client, as_secretary, public_case):
    response = as_secretary.post(
        f"/sekretariat/saksframlegg/{public_case.pk}/",
        case_form(public_case, **{"case-background": "<p>Reguleringsplanen er vedtatt.</p>"}),
    )
    assert response.status_code == 302
    client.logout()
    assert hit_count(client, "Reguleringsplanen") == 1
    assert hit_count(client, "Hemmeligholdt") == 0

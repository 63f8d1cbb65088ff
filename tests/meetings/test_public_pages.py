"""The public meeting, case and body pages: what they show, and what they never show."""

import datetime
import io

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import Attachment
from cooperation.models import MandateVersion, Person
from meetings.models import Attendance, Meeting
from tests.factories import (
    OSLO,
    bring_to,
    make_attendance,
    make_case,
    make_item,
    make_meeting,
    make_membership,
    make_organisation,
    make_person,
)

State = Meeting.State
SECRET = "Kari Demodatter Lien søkte stillingen"


@pytest.fixture
def exempt_case(coop_a):
    return make_case(
        coop_a,
        title="Ansettelse av direktør – " + SECRET,
        public_title="Ansettelse av direktør",
        is_exempt=True,
        exemption_basis="Offl. § 25",
        background=SECRET,
    )


@pytest.fixture
def mandate_case(coop_a):
    return make_case(
        coop_a,
        year=2020,
        sequence=48,
        title="Revidert mandat for faggruppe for næringssamarbeid",
        proposed_decision="Styret slutter seg til revidert mandat.",
        background="Styret behandlet den 23. juni 2020 sak 33/20.",
    )


@pytest.fixture
def meeting(body_x, secretary_a, mandate_case, exempt_case):
    meeting = make_meeting(body_x, start=datetime.datetime(2020, 9, 11, 10, tzinfo=OSLO))
    make_item(meeting, title="Godkjenning av innkalling og saksliste", kind="formality")
    make_item(
        meeting,
        case=mandate_case,
        minutes_text="Sekretariatet orienterte om forslaget.",
        decision="Styret slutter seg til revidert mandat for faggruppen.",
        outcome="adopted",
        vote="unanimous",
    )
    make_item(meeting, case=exempt_case, minutes_text=SECRET, decision=SECRET, outcome="adopted")
    return meeting


@pytest.mark.django_db
def test_a_planned_meeting_is_not_found(client, meeting):
    assert client.get(f"/moter/{meeting.pk}/").status_code == 404


@pytest.mark.django_db
def test_an_unknown_meeting_is_not_found(client):
    assert client.get("/moter/999999/").status_code == 404


@pytest.mark.django_db
def test_after_the_notice_the_agenda_shows_but_not_the_minutes(client, meeting, secretary_a):
    bring_to(meeting, State.HELD, secretary_a)
    page = client.get(f"/moter/{meeting.pk}/").text
    assert "Sak 02/20" in page and "Revidert mandat for faggruppe" in page
    assert "Sekretariatet orienterte om forslaget" not in page
    assert "Styret slutter seg til revidert mandat for faggruppen" not in page


@pytest.mark.django_db
def test_published_minutes_show_attendance_decisions_and_votes(
    client, meeting, secretary_a, body_x
):
    oslo = make_organisation(body_x.cooperation, name="Oslo kommune")
    chair = make_person(body_x.cooperation, name="Eli Arnkværn Bryhni")
    absent = make_person(body_x.cooperation, name="Ingar Vaskinn")
    stand_in = make_person(body_x.cooperation, name="Trine Knobel")
    make_attendance(meeting, chair, is_chair=True, on_behalf_of=oslo)
    make_attendance(meeting, absent, role=Attendance.Role.APOLOGIES)
    make_attendance(meeting, stand_in, role=Attendance.Role.SUBSTITUTE, substitute_for=absent)
    bring_to(meeting, State.PUBLISHED, secretary_a)
    page = client.get(f"/moter/{meeting.pk}/").text
    assert "Eli Arnkværn Bryhni, Oslo kommune (møteleder)" in page
    assert "Trine Knobel – vara for Ingar Vaskinn" in page
    assert "Forfall" in page
    assert "Styret slutter seg til revidert mandat for faggruppen." in page
    assert "Vedtatt – enstemmig" in page


@pytest.mark.django_db
def test_an_exempt_item_shows_its_public_title_and_legal_basis_only(client, meeting, secretary_a):
    bring_to(meeting, State.PUBLISHED, secretary_a)
    page = client.get(f"/moter/{meeting.pk}/").text
    assert "Ansettelse av direktør" in page
    assert "Offl. § 25" in page
    assert SECRET not in page


@pytest.mark.django_db
@pytest.mark.parametrize("items", [1, 25])
def test_the_meeting_page_costs_five_queries_whatever_the_items(
    client, body_x, secretary_a, django_assert_num_queries, items
):
    meeting = make_meeting(body_x)
    for n in range(items):
        make_item(meeting, title=f"Sak {n}", decision="Vedtatt.")
        make_attendance(meeting, make_person(body_x.cooperation))
    bring_to(meeting, State.PUBLISHED, secretary_a)
    # 1 the meeting's state and stamps (its items' and the ids of its stored PDFs), then, as
    # the page is not cached yet, 2 meeting + body + cooperation, 3 items + cases,
    # 4 disqualified, 5 attendance + people (and one query for each stored PDF, none here);
    # once the page is cached only 1 (test_a_cached_minutes_page_costs_one_query)
    with django_assert_num_queries(5):
        assert client.get(f"/moter/{meeting.pk}/").status_code == 200


@pytest.mark.django_db
def test_a_case_not_on_a_public_agenda_is_not_found(client, meeting, mandate_case):
    assert client.get("/saker/osloregionen/2020-48/").status_code == 404


@pytest.mark.django_db
def test_the_case_page_shows_the_document_and_its_path_through_the_bodies(
    client, coop_a, meeting, secretary_a, mandate_case
):
    from tests.factories import make_body

    group = make_body(coop_a, name="Faggruppe for næringssamarbeid", numbering="per_meeting")
    earlier = make_meeting(group, start=datetime.datetime(2020, 8, 18, 9, tzinfo=OSLO))
    make_item(earlier, case=mandate_case, decision="Faggruppen sluttet seg til forslaget.")
    bring_to(earlier, State.PUBLISHED, secretary_a)
    bring_to(meeting, State.NOTICE_SENT, secretary_a)
    page = client.get("/saker/osloregionen/2020-48/").text
    assert "Styret slutter seg til revidert mandat." in page  # proposed decision
    assert "sak 33/20" in page  # background
    first, second = page.index("Faggruppe for næringssamarbeid, "), page.index("Styret, ")
    assert first < second, "the path is in date order"
    assert "Faggruppen sluttet seg til forslaget." in page
    assert "Sak 02/20" in page and "referat er ikke publisert ennå" in page


@pytest.mark.django_db
def test_an_exempt_case_page_shows_only_its_public_title_and_basis(
    client, meeting, secretary_a, exempt_case
):
    bring_to(meeting, State.PUBLISHED, secretary_a)
    response = client.get(f"/saker/osloregionen/{exempt_case.year}-{exempt_case.sequence}/")
    assert response.status_code == 200
    assert "Offl. § 25" in response.text
    assert SECRET not in response.text


@pytest.mark.django_db
def test_attachments_download_through_the_portal_but_never_exempt_ones(
    client, meeting, secretary_a, mandate_case, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    public = Attachment.objects.create(case=mandate_case, title="Forslag til mandat", size=4)
    public.file.save("mandat.txt", ContentFile(b"text"))
    secret = Attachment.objects.create(
        case=mandate_case, title="Søknad", is_exempt=True, exemption_basis="Offl. § 25"
    )
    secret.file.save("soknad.txt", ContentFile(SECRET.encode()))
    bring_to(meeting, State.NOTICE_SENT, secretary_a)
    base = "/saker/osloregionen/2020-48/vedlegg"
    page = client.get("/saker/osloregionen/2020-48/").text
    assert "Forslag til mandat" in page and "Søknad" not in page
    download = client.get(f"{base}/{public.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"text"
    assert client.get(f"{base}/{secret.pk}/").status_code == 404


@pytest.mark.django_db
def test_the_body_page_shows_mandate_history_members_and_meetings(
    client, coop_a, body_x, meeting, secretary_a
):
    oslo = make_organisation(coop_a, name="Oslo kommune")
    person = make_person(coop_a, name="Anne Solheim", email="anne@example.invalid")
    make_membership(body_x, person, role="chair", on_behalf_of=oslo)
    old = MandateVersion.objects.create(
        body=body_x, text="Det gamle mandatet.", valid_from=datetime.date(2016, 1, 1)
    )
    new = MandateVersion.objects.create(
        body=body_x,
        text="Styret skal følge opp de strategiske føringene.",
        valid_from=datetime.date(2020, 9, 11),
        adopted_by="Styret i Osloregionen, sak 48/20",
    )
    item = meeting.items.get(case__sequence=48)
    item.adopts_mandate = new
    item.save()
    bring_to(meeting, State.PUBLISHED, secretary_a)
    page = client.get(f"/organer/{coop_a.slug}/{body_x.slug}/").text
    assert "Styret skal følge opp de strategiske føringene." in page
    assert old.text in page and "Styret i Osloregionen, sak 48/20" in page
    assert f"#sak-{item.pk}" in page
    assert "Anne Solheim – leder, Oslo kommune" in page
    assert "anne@example.invalid" not in page
    assert f"/moter/{meeting.pk}/" in page


@pytest.mark.django_db
def test_an_unknown_body_is_not_found(client, coop_a):
    assert client.get(f"/organer/{coop_a.slug}/finnes-ikke/").status_code == 404


@pytest.mark.django_db
def test_the_accessibility_statement_names_the_standard(client):
    assert "WCAG 2.1" in client.get("/tilgjengelighet/").text


@pytest.mark.django_db
def test_an_anonymous_crawl_of_the_demo_finds_no_draft_or_exempt_text_and_no_error(
    client, settings, tmp_path
):
    from html.parser import HTMLParser

    from meetings.demo import DRAFT_MARKER, EXEMPT_MARKER

    settings.MEDIA_ROOT = tmp_path
    call_command("load_demo", stdout=io.StringIO())

    class Links(HTMLParser):
        def __init__(self):
            super().__init__()
            self.found = []

        def handle_starttag(self, tag, attrs):
            href = dict(attrs).get("href") if tag == "a" else None
            if href and href.startswith("/") and not href.startswith(("/admin", "/konto")):
                self.found.append(href.split("#")[0])

    seen, queue = set(), ["/"]
    while queue and len(seen) < 400:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code in (200, 302), url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode("utf-8", "replace")
        assert DRAFT_MARKER not in text, url
        assert EXEMPT_MARKER not in text, url
        if response.get("Content-Type", "").startswith("text/html"):
            parser = Links()
            parser.feed(text)
            queue.extend(parser.found)
    assert len(seen) > 30, "the crawl reached the meetings, cases and bodies"


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 25])
def test_body_and_case_pages_cost_the_same_queries_for_one_and_many_rows(
    client, coop_a, body_x, secretary_a, django_assert_num_queries, rows
):
    case = make_case(coop_a, year=2020, sequence=48, title="Revidert mandat")
    for n in range(rows):
        make_membership(body_x, make_person(coop_a), on_behalf_of=make_organisation(coop_a))
        MandateVersion.objects.create(
            body=body_x, text=f"Mandat {n}", valid_from=datetime.date(2000 + n, 1, 1)
        )
        meeting = make_meeting(
            body_x, start=datetime.datetime(2020, 1, 1, tzinfo=OSLO) + datetime.timedelta(days=n)
        )
        make_item(meeting, case=case, decision="Vedtatt.")
        bring_to(meeting, State.PUBLISHED, secretary_a)
        attachment = Attachment.objects.create(case=case, title=f"Vedlegg {n}")
        attachment.file.name = f"cases/x/vedlegg-{n}.txt"
        attachment.save()
    # 1 the body's stamps of what its page shows, then, as the page is not cached yet,
    # 2 the body with its cooperation and parent, 3 mandates, 4 the items adopting them,
    # 5 members with people and organisations, 6 upcoming meetings, 7 past meetings; once
    # cached only 1
    with django_assert_num_queries(7):
        assert client.get(f"/organer/{coop_a.slug}/{body_x.slug}/").status_code == 200
    with django_assert_num_queries(1):
        assert client.get(f"/organer/{coop_a.slug}/{body_x.slug}/").status_code == 200
    # 1 the case with the stamps of what its page shows (none when on no public agenda), then,
    # as the page is not cached yet, 2 the case document, 3 its treatments, 4 its attachments;
    # once cached only 1
    with django_assert_num_queries(4):
        assert client.get("/saker/osloregionen/2020-48/").status_code == 200
    with django_assert_num_queries(1):
        assert client.get("/saker/osloregionen/2020-48/").status_code == 200
    # 1 the bodies with their cooperation and parent
    with django_assert_num_queries(1):
        assert client.get("/organer/").status_code == 200
    # 1 the body, 2 its meetings
    with django_assert_num_queries(2):
        assert client.get(f"/organer/{coop_a.slug}/{body_x.slug}/kalender.ics").status_code == 200
    # 1 the body, 2 its published minutes
    with django_assert_num_queries(2):
        client.get(f"/organer/{coop_a.slug}/{body_x.slug}/referater.atom")


@pytest.mark.renders_pdfs
@pytest.mark.django_db
def test_publishing_from_the_workspace_stores_the_pdf_shown_beside_the_minutes(
    client, meeting, secretary_a
):
    bring_to(meeting, State.APPROVED, secretary_a)
    client.force_login(secretary_a)
    client.post(f"/sekretariat/moter/{meeting.pk}/publiser/")
    client.logout()
    document = meeting.minutes_documents.get()
    page = client.get(f"/moter/{meeting.pk}/").text
    assert f"/moter/{meeting.pk}/referat.pdf" in page and document.sha256 in page
    pdf = client.get(f"/moter/{meeting.pk}/referat.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    import hashlib

    assert hashlib.sha256(b"".join(pdf.streaming_content)).hexdigest() == document.sha256


# A published meeting's page is rendered once and cached (docs/decisions/0010-page-caching.md):
# what changes it must show at once, and what it must never show.


def published(meeting, secretary):
    bring_to(meeting, State.PUBLISHED, secretary)
    return meeting


@pytest.mark.django_db
def test_a_cached_minutes_page_costs_one_query(client, meeting, secretary_a):
    published(meeting, secretary_a)
    first = client.get(f"/moter/{meeting.pk}/").text
    # The meeting with its items' and cases' latest change and its stored PDFs' ids and
    # checksums: the key; the items, who was disqualified and the attendance are not read.
    with CaptureQueriesContext(connection) as queries:
        again = client.get(f"/moter/{meeting.pk}/").text
    assert len(queries) == 1

    def main(page: str) -> str:
        return page[page.index("<main") : page.index("</main>")]

    assert main(again) == main(first) and "Sekretariatet orienterte om forslaget" in again


@pytest.mark.django_db
def test_minutes_show_once_published_after_the_page_was_seen(client, meeting, secretary_a):
    bring_to(meeting, State.APPROVED, secretary_a)
    assert "Sekretariatet orienterte om forslaget" not in client.get(f"/moter/{meeting.pk}/").text
    meeting.publish(by=secretary_a)
    assert "Sekretariatet orienterte om forslaget" in client.get(f"/moter/{meeting.pk}/").text


@pytest.mark.django_db
def test_the_preview_of_minutes_is_never_what_the_public_sees(client, meeting, secretary_a):
    bring_to(meeting, State.APPROVED, secretary_a)
    client.force_login(secretary_a)
    preview = client.get(f"/sekretariat/moter/{meeting.pk}/forhandsvisning/")
    assert "Sekretariatet orienterte om forslaget" in preview.text
    client.logout()
    page = client.get(f"/moter/{meeting.pk}/").text
    assert "Sekretariatet orienterte om forslaget" not in page
    assert "forhåndsvisning" not in page.lower()


@pytest.mark.django_db
def test_a_correction_shows_on_a_cached_minutes_page(client, meeting, secretary_a):
    published(meeting, secretary_a)
    assert (
        "Styret slutter seg til revidert mandat for faggruppen."
        in client.get(f"/moter/{meeting.pk}/").text
    )
    item = meeting.items.get(case__sequence=48)
    item.correct(
        by=secretary_a,
        reason="Vedtaket var skrevet feil.",
        expected_version=item.version,
        decision="Styret slutter seg til revidert mandat, med endringer.",
    )
    page = client.get(f"/moter/{meeting.pk}/").text
    assert "Styret slutter seg til revidert mandat, med endringer." in page
    assert "Vedtaket var skrevet feil." in page
    assert "Styret slutter seg til revidert mandat for faggruppen." not in page


@pytest.mark.django_db
def test_a_case_exempted_after_publication_is_withheld_from_a_cached_page(
    client, meeting, secretary_a, mandate_case
):
    published(meeting, secretary_a)
    assert "Revidert mandat for faggruppe" in client.get(f"/moter/{meeting.pk}/").text
    mandate_case.is_exempt = True
    mandate_case.exemption_basis = "Offl. § 14"
    mandate_case.public_title = "Mandat"
    mandate_case.save()
    page = client.get(f"/moter/{meeting.pk}/").text
    assert "Revidert mandat for faggruppe" not in page
    assert "Styret slutter seg til revidert mandat for faggruppen." not in page
    assert "Offl. § 14" in page


@pytest.mark.django_db
def test_an_item_exempted_after_publication_is_withheld_from_a_cached_page(
    client, meeting, secretary_a
):
    published(meeting, secretary_a)
    assert "Sekretariatet orienterte om forslaget" in client.get(f"/moter/{meeting.pk}/").text
    item = meeting.items.get(case__sequence=48)
    item.is_exempt, item.exemption_basis = True, "Offl. § 13"
    item.save()
    page = client.get(f"/moter/{meeting.pk}/").text
    assert "Sekretariatet orienterte om forslaget" not in page
    assert "Offl. § 13" in page


@pytest.mark.django_db
def test_the_minutes_pdf_shows_on_a_cached_page_once_stored(client, meeting, secretary_a):
    from meetings.documents import publish_minutes_document

    published(meeting, secretary_a)
    being_made = '<p class="minutes-download muted">PDF-en lages …</p>'
    assert being_made in client.get(f"/moter/{meeting.pk}/").text
    document = publish_minutes_document(meeting)
    page = client.get(f"/moter/{meeting.pk}/").text
    assert document.sha256 in page and being_made not in page


@pytest.mark.django_db
def test_a_cached_minutes_page_is_cached_per_language(client, meeting, secretary_a, settings):
    published(meeting, secretary_a)
    assert "Til stede" in client.get(f"/moter/{meeting.pk}/").text
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(f"/moter/{meeting.pk}/").text
    assert "Present" in english and "Til stede" not in english


@pytest.mark.django_db
def test_each_response_of_a_cached_page_has_its_own_csp_nonce(client, meeting, secretary_a):
    import re

    published(meeting, secretary_a)
    nonces = []
    for _ in range(2):
        response = client.get(f"/moter/{meeting.pk}/")
        header = response["Content-Security-Policy"]
        nonce = re.search(r"'nonce-([^']+)'", header).group(1)
        assert f'nonce="{nonce}"' in response.text
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


# The case and body pages are cached too (views/public.py, case_detail and body_detail): a
# change to any row they show, and the passing of time, shows on the very next request.

CASE_PAGE = "/saker/osloregionen/2020-48/"
BODY_PAGE = "/organer/osloregionen/styret/"


def main_of(page: str) -> str:
    return page[page.index("<main") : page.index("</main>")]


def fetch(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return main_of(response.text)


@pytest.mark.django_db
def test_a_cached_case_page_costs_one_query(client, meeting, secretary_a):
    published(meeting, secretary_a)
    first = fetch(client, CASE_PAGE)
    with CaptureQueriesContext(connection) as queries:
        again = fetch(client, CASE_PAGE)
    assert len(queries) == 1
    assert again == first and "Styret slutter seg til revidert mandat for faggruppen." in again


@pytest.mark.django_db
def test_a_case_exempted_shows_at_once_on_its_cached_page(
    client, meeting, secretary_a, mandate_case
):
    published(meeting, secretary_a)
    assert "sak 33/20" in fetch(client, CASE_PAGE)
    mandate_case.is_exempt = True
    mandate_case.exemption_basis = "Offl. § 14"
    mandate_case.public_title = "Mandat"
    mandate_case.save()
    page = fetch(client, CASE_PAGE)
    assert "sak 33/20" not in page and "Revidert mandat for faggruppe" not in page
    assert "Styret slutter seg til revidert mandat for faggruppen." not in page
    assert "Offl. § 14" in page and "Mandat" in page


@pytest.mark.django_db
def test_an_item_exempted_shows_at_once_on_a_cached_case_page(client, meeting, secretary_a):
    published(meeting, secretary_a)
    assert "Styret slutter seg til revidert mandat for faggruppen." in fetch(client, CASE_PAGE)
    item = meeting.items.get(case__sequence=48)
    item.is_exempt, item.exemption_basis = True, "Offl. § 13"
    item.save()
    assert "Styret slutter seg til revidert mandat for faggruppen." not in fetch(client, CASE_PAGE)


@pytest.mark.django_db
def test_minutes_published_show_at_once_on_a_cached_case_page(client, meeting, secretary_a):
    bring_to(meeting, State.APPROVED, secretary_a)
    page = fetch(client, CASE_PAGE)
    assert "referat er ikke publisert ennå" in page
    assert "Styret slutter seg til revidert mandat for faggruppen." not in page
    meeting.publish(by=secretary_a)
    page = fetch(client, CASE_PAGE)
    assert "referat er ikke publisert ennå" not in page
    assert "Styret slutter seg til revidert mandat for faggruppen." in page


@pytest.mark.django_db
def test_a_new_treatment_and_a_renamed_body_show_at_once_on_a_cached_case_page(
    client, coop_a, body_x, meeting, secretary_a, mandate_case
):
    from tests.factories import make_body

    published(meeting, secretary_a)
    council = make_body(coop_a, name="Representantskapet", kind="council")
    later = make_meeting(council, start=datetime.datetime(2020, 10, 20, 10, tzinfo=OSLO))
    make_item(later, case=mandate_case)
    assert "Representantskapet" not in fetch(client, CASE_PAGE)  # its notice has not gone out
    bring_to(later, State.NOTICE_SENT, secretary_a)
    assert "Representantskapet, " in fetch(client, CASE_PAGE)
    body_x.name = "Styret i Osloregionen"
    body_x.save()
    assert "Styret i Osloregionen, " in fetch(client, CASE_PAGE)


@pytest.mark.django_db
def test_attachments_added_or_exempted_show_at_once_on_a_cached_case_page(
    client, meeting, secretary_a, mandate_case
):
    published(meeting, secretary_a)
    assert "Forslag til mandat" not in fetch(client, CASE_PAGE)
    attachment = Attachment.objects.create(case=mandate_case, title="Forslag til mandat", size=4)
    assert "Forslag til mandat" in fetch(client, CASE_PAGE)
    attachment.is_exempt, attachment.exemption_basis = True, "Offl. § 25"
    attachment.save()
    assert "Forslag til mandat" not in fetch(client, CASE_PAGE)


# A row dated in the future (a clock ahead, an import) must not hide a later save of another:
# the stamps sum every row's `modified` rather than take the latest.
FUTURE = datetime.datetime(2100, 1, 1, tzinfo=datetime.UTC)


@pytest.mark.django_db
def test_an_attachment_exempted_beside_one_dated_in_the_future_shows_on_a_cached_case_page(
    client, meeting, secretary_a, mandate_case
):
    published(meeting, secretary_a)
    Attachment.objects.create(case=mandate_case, title="Kart over regionen", size=4)
    Attachment.objects.filter(case=mandate_case).update(modified=FUTURE)
    draft = Attachment.objects.create(case=mandate_case, title="Forslag til mandat", size=4)
    assert "Forslag til mandat" in fetch(client, CASE_PAGE)
    draft.is_exempt, draft.exemption_basis = True, "Offl. § 25"
    draft.save()
    page = fetch(client, CASE_PAGE)
    assert "Forslag til mandat" not in page and "Kart over regionen" in page


@pytest.mark.django_db
def test_a_member_renamed_beside_one_dated_in_the_future_shows_on_a_cached_body_page(
    client, coop_a, body_x
):
    make_membership(body_x, make_person(coop_a, name="Anne Solheim"))
    Person.objects.filter(name="Anne Solheim").update(modified=FUTURE)
    per = make_membership(body_x, make_person(coop_a, name="Per Hansen"))
    assert "Per Hansen" in fetch(client, BODY_PAGE)
    per.person.name = "Per Olav Hansen"
    per.person.save()
    assert "Per Olav Hansen" in fetch(client, BODY_PAGE)


@pytest.mark.django_db
def test_a_case_taken_off_its_public_agenda_is_not_found_though_its_page_was_cached(
    client, meeting, secretary_a
):
    bring_to(meeting, State.NOTICE_SENT, secretary_a)
    assert client.get(CASE_PAGE).status_code == 200
    meeting.items.get(case__sequence=48).delete()
    assert client.get(CASE_PAGE).status_code == 404


@pytest.mark.django_db
def test_a_cached_body_page_costs_one_query(client, body_x, meeting, secretary_a):
    make_membership(body_x, make_person(body_x.cooperation, name="Anne Solheim"))
    published(meeting, secretary_a)
    first = fetch(client, BODY_PAGE)
    with CaptureQueriesContext(connection) as queries:
        again = fetch(client, BODY_PAGE)
    assert len(queries) == 1
    assert again == first and "Anne Solheim" in again and f"/moter/{meeting.pk}/" in again


@pytest.mark.django_db
def test_memberships_ended_added_or_renamed_show_at_once_on_a_cached_body_page(
    client, coop_a, body_x
):
    anne = make_membership(body_x, make_person(coop_a, name="Anne Solheim"))
    oslo = make_organisation(coop_a, name="Oslo kommune")
    assert "Anne Solheim" in fetch(client, BODY_PAGE)
    anne.end = datetime.date.today() - datetime.timedelta(days=1)
    anne.save()
    assert "Anne Solheim" not in fetch(client, BODY_PAGE)
    per = make_membership(body_x, make_person(coop_a, name="Per Hansen"), on_behalf_of=oslo)
    assert "Per Hansen – medlem, Oslo kommune" in fetch(client, BODY_PAGE)
    per.person.name = "Per Olav Hansen"
    per.person.save()
    assert "Per Olav Hansen – medlem, Oslo kommune" in fetch(client, BODY_PAGE)
    oslo.name = "Oslo kommune, byrådet"
    oslo.save()
    assert "Per Olav Hansen – medlem, Oslo kommune, byrådet" in fetch(client, BODY_PAGE)
    per.delete()
    assert "Per Olav Hansen" not in fetch(client, BODY_PAGE)


@pytest.mark.django_db
def test_mandates_added_or_edited_show_at_once_on_a_cached_body_page(client, body_x):
    old = MandateVersion.objects.create(
        body=body_x, text="Det gamle mandatet.", valid_from=datetime.date(2016, 1, 1)
    )
    assert "Det gamle mandatet." in fetch(client, BODY_PAGE)
    MandateVersion.objects.create(
        body=body_x, text="Det nye mandatet.", valid_from=datetime.date(2020, 9, 11)
    )
    page = fetch(client, BODY_PAGE)
    assert "Det nye mandatet." in page and "Gjelder fra 11. september 2020." in page
    old.text = "Det første mandatet."
    old.save()
    assert "Det første mandatet." in fetch(client, BODY_PAGE)


@pytest.mark.django_db
def test_meetings_published_or_cancelled_show_at_once_on_a_cached_body_page(
    client, body_x, meeting, secretary_a
):
    soon = make_meeting(body_x, start=timezone.now() + datetime.timedelta(days=7))
    bring_to(soon, State.NOTICE_SENT, secretary_a)
    bring_to(meeting, State.APPROVED, secretary_a)
    upcoming, past = meeting_lists(fetch(client, BODY_PAGE))
    assert f"/moter/{soon.pk}/" in upcoming
    assert f"/moter/{meeting.pk}/" in past and "referat publisert" not in past
    meeting.publish(by=secretary_a)
    assert "referat publisert" in meeting_lists(fetch(client, BODY_PAGE))[1]
    soon.cancel(by=secretary_a, reason="Ingen saker.")
    upcoming, past = meeting_lists(fetch(client, BODY_PAGE))
    assert f"/moter/{soon.pk}/" not in upcoming + past  # cancelled, and not yet past


@pytest.mark.django_db
def test_a_meeting_begun_moves_to_the_past_meetings_of_a_cached_body_page_at_once(
    client, body_x, secretary_a
):
    soon = make_meeting(body_x, start=timezone.now() + datetime.timedelta(days=2))
    bring_to(soon, State.NOTICE_SENT, secretary_a)
    upcoming, past = meeting_lists(fetch(client, BODY_PAGE))
    assert f"/moter/{soon.pk}/" in upcoming and f"/moter/{soon.pk}/" not in past
    # As if two days had passed: no row is saved, only the time has moved.
    begun = timezone.now() - datetime.timedelta(hours=3)
    Meeting.objects.filter(pk=soon.pk).update(start=begun, end=begun + datetime.timedelta(hours=2))
    upcoming, past = meeting_lists(fetch(client, BODY_PAGE))
    assert f"/moter/{soon.pk}/" in past and f"/moter/{soon.pk}/" not in upcoming


@pytest.mark.django_db
def test_the_mandate_in_force_on_a_cached_body_page_follows_the_date(client, body_x, monkeypatch):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    MandateVersion.objects.create(
        body=body_x, text="Det gamle mandatet.", valid_from=datetime.date(2016, 1, 1)
    )
    MandateVersion.objects.create(body=body_x, text="Det nye mandatet.", valid_from=tomorrow)
    assert "Gjelder fra 1. januar 2016." in fetch(client, BODY_PAGE)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: tomorrow)
    assert "Gjelder fra 1. januar 2016." not in fetch(client, BODY_PAGE)


@pytest.mark.django_db
def test_the_members_on_a_cached_body_page_follow_the_date(client, coop_a, body_x, monkeypatch):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    make_membership(body_x, make_person(coop_a, name="Kari Nordmann"), start=tomorrow)
    make_membership(body_x, make_person(coop_a, name="Ola Nordmann"), end=tomorrow)
    assert "Ola Nordmann" in fetch(client, BODY_PAGE)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: tomorrow)
    page = fetch(client, BODY_PAGE)
    assert "Kari Nordmann" in page and "Ola Nordmann" in page
    monkeypatch.setattr(
        timezone, "localdate", lambda *args, **kwargs: tomorrow + datetime.timedelta(days=1)
    )
    page = fetch(client, BODY_PAGE)
    assert "Kari Nordmann" in page and "Ola Nordmann" not in page


@pytest.mark.django_db
def test_the_body_pages_upcoming_and_past_meetings_are_those_of_the_meeting_queries(body_x):
    from django.db.models import Q

    from meetings.views.public import begun_meetings, upcoming_meetings

    now = timezone.now()
    hours = [-30, -13, -11, -1, 1, 30]
    for n in hours:
        make_meeting(body_x, start=now + datetime.timedelta(hours=n))  # 2 hours long
        make_meeting(body_x, start=now + datetime.timedelta(hours=n), end=None)
        make_meeting(body_x, start=now + datetime.timedelta(hours=n), state=State.CANCELLED)
    meetings = Meeting.objects.all()
    assert set(meetings.filter(upcoming_meetings())) == set(meetings.upcoming())
    begun = Q(end__lt=now) | Q(end__isnull=True, start__lt=now)
    assert set(meetings.filter(begun_meetings())) == set(meetings.filter(begun))


def meeting_lists(page: str) -> tuple[str, str]:
    """The body page's upcoming meetings and its past ones."""
    upcoming = page.index("Kommende møter")
    past = page.index("Tidligere møter")
    return page[upcoming:past], page[past:]


@pytest.mark.django_db
@pytest.mark.parametrize("url", [CASE_PAGE, BODY_PAGE])
def test_each_response_of_a_cached_case_or_body_page_has_its_own_csp_nonce(
    client, meeting, secretary_a, url
):
    import re

    published(meeting, secretary_a)
    nonces = []
    for _ in range(2):
        response = client.get(url)
        nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
        assert f'nonce="{nonce}"' in response.text
        assert nonce not in main_of(response.text)
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


@pytest.mark.django_db
@pytest.mark.parametrize("url", [CASE_PAGE, BODY_PAGE])
def test_a_cached_case_or_body_page_is_cached_per_language(
    client, meeting, secretary_a, settings, url
):
    published(meeting, secretary_a)
    assert "Saksgang" in fetch(client, CASE_PAGE) and "Medlemmer" in fetch(client, BODY_PAGE)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = fetch(client, url)
    assert "Saksgang" not in english and "Medlemmer" not in english

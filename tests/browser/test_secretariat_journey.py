"""A secretary's day in a real browser: plan, build the agenda, send the notice, write minutes."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from meetings.models import AgendaItem, Meeting
from tests.browser.conftest import assert_accessible
from tests.factories import make_body, make_cooperation, make_secretary

pytestmark = pytest.mark.browser


@pytest.fixture
def secretary(live_server):
    cooperation = make_cooperation(name="Osloregionen", slug="osloregionen")
    make_body(cooperation, name="Styret", has_any_other_business=True)
    user = make_secretary(cooperation, "sekretar")
    user.set_password("demo")
    user.save()
    return user


def log_in(page, url):
    page.goto(url + "/konto/logg-inn/?next=/sekretariat/")
    page.get_by_label("Brukernavn").fill("sekretar")
    page.get_by_label("Passord").fill("demo")
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_url("**/sekretariat/")


def test_a_secretary_plans_a_meeting_builds_the_agenda_and_writes_minutes(
    page, live_server, secretary
):
    log_in(page, live_server.url)
    assert_accessible(page, "dashboard")

    page.get_by_role("link", name="Planlegg et møte").click()
    page.get_by_role("button", name="Planlegg møtet").click()
    assert page.locator(".form-errors, .errorlist").first.is_visible()
    assert_accessible(page, "plan form with errors")

    start = timezone.localtime() - datetime.timedelta(hours=3)
    page.get_by_label("Organ").select_option(label="Styret")
    page.get_by_label("Start").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Sted").fill("Oslo rådhus")
    page.get_by_role("button", name="Planlegg møtet").click()
    page.wait_for_url("**/sekretariat/moter/*/")
    assert_accessible(page, "new meeting's workspace")

    for title in ("Jernbanekampanje", "Handlingsprogram 2027", "Budsjett 2027"):
        page.get_by_label("…eller tittelen på en ny sak").fill(title)
        page.get_by_role("button", name="Legg til på sakslisten").click()
        page.locator(".agenda-title", has_text=title).wait_for()
    titles = page.locator(".agenda-title").all_inner_texts()
    assert len(titles) == 6 and titles[-1] == "Eventuelt"

    page.get_by_role("button", name="Flytt «Budsjett 2027» opp").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".agenda-title").nth(3)).to_contain_text("Budsjett")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Fjern Jernbanekampanje").click()
    expect(page.locator(".agenda-builder")).not_to_contain_text("Jernbanekampanje")
    assert_accessible(page, "agenda after moves")

    page.get_by_role("link", name="Forhåndsvis og send innkallingen").click()
    assert_accessible(page, "notice preview")
    page.get_by_role("button", name="Ja, gjør det").click()
    assert page.get_by_text("Innkallingen er sendt").is_visible()
    meeting = Meeting.objects.get()
    assert meeting.state == Meeting.State.NOTICE_SENT

    page.get_by_role("link", name="Registrer som avholdt").click()
    page.get_by_role("button", name="Ja, gjør det").click()
    page.locator(".agenda-controls").nth(2).get_by_role("link", name="Referat").click()
    page.get_by_label("Referat").fill("Sekretariatet orienterte om budsjettet.")
    page.get_by_text("Lagret kl.").wait_for(timeout=10_000)
    item = AgendaItem.objects.get(title="", case__title="Budsjett 2027")
    assert item.minutes_text == "Sekretariatet orienterte om budsjettet."
    assert_accessible(page, "minutes editor after an autosave")

    # Someone else saves meanwhile: the next save is refused and both texts are shown.
    item.save_minutes(by=secretary, expected_version=item.version, minutes_text="Marits tekst.")
    page.get_by_label("Referat").fill("Min endring.")
    page.get_by_text("Noen andre lagret denne saken").wait_for(timeout=10_000)
    assert "Marits tekst." in page.locator("#minutes-status").inner_text()
    assert page.get_by_label("Referat").input_value() == "Min endring."
    assert_accessible(page, "minutes editor showing a conflict")


def test_the_secretary_records_attendance_with_a_substitute_and_writes_a_case_document(
    page, live_server, secretary
):
    from cooperation.models import Body
    from tests.factories import bring_to, make_case, make_item, make_membership, make_person

    body = Body.objects.get(name="Styret")
    coop = body.cooperation
    absent = make_person(coop, name="Ingar Vaskinn")
    make_membership(body, absent)
    make_membership(body, make_person(coop, name="Eli Arnkværn Bryhni"), role="chair")
    deputy = make_person(coop, name="Trine Knobel")
    make_membership(body, deputy, role="deputy")
    case = make_case(coop, title="Revidert mandat for faggruppen")
    meeting = Meeting.objects.create(
        body=body, start=timezone.now() - datetime.timedelta(hours=2), place="Oslo rådhus"
    )
    make_item(meeting, case=case)
    bring_to(meeting, Meeting.State.NOTICE_SENT, secretary)

    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/sekretariat/moter/{meeting.pk}/fremmote/")
    page.get_by_role("group", name="Ingar Vaskinn").get_by_label("Fremmøte").select_option(
        label="forfall"
    )
    page.get_by_role("button", name="Lagre fremmøtet").click()
    page.get_by_label("Person").select_option(label="Trine Knobel")
    page.locator("#id_add-role").select_option(label="vara")
    page.locator("#id_add-substitute_for").select_option(label="Ingar Vaskinn")
    page.get_by_role("button", name="Legg til", exact=True).click()
    assert page.get_by_text("Lagt til i fremmøtet").is_visible()
    assert_accessible(page, "attendance with a substitute")
    substitute = meeting.attendances.get(person=deputy)
    assert substitute.substitute_for == absent

    page.goto(f"{live_server.url}/sekretariat/saksframlegg/{case.pk}/")
    page.get_by_label("unntatt offentlighet").first.check()
    page.get_by_role("button", name="Lagre saksframlegget").click()
    assert page.locator(".errorlist").first.is_visible()
    assert_accessible(page, "case document with an error")
    page.get_by_label("hjemmel").first.fill("Offl. § 14 første ledd")
    page.get_by_label("offentlig tittel").fill("Mandat for faggruppen")
    page.get_by_role("button", name="Lagre saksframlegget").click()
    assert page.get_by_text("Saksframlegget er lagret").is_visible()


def test_an_item_can_be_dragged_to_a_new_place(page, live_server, secretary):
    from cooperation.models import Body

    body = Body.objects.get(name="Styret")
    meeting = Meeting.plan(
        body=body, by=secretary, start=timezone.now() + datetime.timedelta(days=9), place="Teams"
    )
    for title in ("Årsmelding", "Budsjett"):
        meeting.add_item(by=secretary, title=title)
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/sekretariat/moter/{meeting.pk}/")
    page.locator("li", has_text="Budsjett").first.drag_to(
        page.locator("li", has_text="Godkjenning av innkalling").first
    )
    expect(page.locator(".agenda-title").first).to_contain_text("Budsjett")
    assert meeting.items.order_by("position").first().title == "Budsjett"

"""An anonymous visitor's journey through the portal on the demo data, with axe on each page."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from meetings.models import Meeting
from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("load_demo", stdout=io.StringIO())
    return live_server


def test_a_visitor_finds_a_body_opens_a_meeting_and_reads_the_minutes(page, demo):
    page.goto(demo.url + "/")
    page.get_by_role("link", name="Organer", exact=True).click()
    assert_accessible(page, "list of bodies")
    page.get_by_role("link", name="Faggruppe for næringssamarbeid").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Faggruppe for næringssamarbeid"
    assert_accessible(page, "body page")
    page.get_by_role("link", name="31. august 2023").click()
    assert page.get_by_role("heading", name="Fremmøte").is_visible()
    assert "Eli Arnkværn Bryhni" in page.locator(".attendance").inner_text()
    assert_accessible(page, "published minutes")


def test_a_visitor_follows_a_case_through_the_bodies(page, demo):
    page.goto(demo.url + "/saker/osloregionen/2020-48/")
    assert "Revidert mandat" in page.get_by_role("heading", level=1).inner_text()
    path = page.locator(".case-path li")
    assert path.count() == 3
    assert_accessible(page, "case page with its path")


def test_the_archives_work_with_the_keyboard_and_show_filter_errors_accessibly(page, demo):
    page.goto(demo.url + "/vedtak/?aar=tjue")
    assert page.locator(".message-error").is_visible()
    assert_accessible(page, "decision archive with a filter error")
    page.goto(demo.url + "/moter/")
    page.get_by_label("Organ").select_option(label="Styret")
    page.get_by_role("button", name="Vis").press("Enter")
    page.wait_for_url("**/moter/?organ=*")
    bodies = page.locator(".meeting-place").all_inner_texts()
    assert bodies and all(text.startswith("Styret") for text in bodies)
    assert_accessible(page, "meeting archive filtered")


def test_an_exempt_item_and_a_cancelled_meeting_read_well(page, demo):
    cancelled = Meeting.objects.get(state=Meeting.State.CANCELLED)
    page.goto(f"{demo.url}/moter/{cancelled.pk}/")
    assert page.locator(".notice-warning").is_visible()
    assert_accessible(page, "cancelled meeting")
    exempt = Meeting.objects.filter(items__case__is_exempt=True).first()
    page.goto(f"{demo.url}/moter/{exempt.pk}/")
    assert "Offl. § 25" in page.locator(".withheld").first.inner_text()
    assert_accessible(page, "meeting with an exempt item")


def test_the_accessibility_statement_is_accessible(page, demo):
    page.goto(demo.url + "/")
    page.get_by_role("link", name="Tilgjengelighetserklæring").click()
    assert_accessible(page, "accessibility statement")


def test_a_visitor_searches_a_word_from_the_minutes_and_a_case_number(page, demo):
    page.goto(demo.url + "/")
    page.get_by_role("link", name="Søk", exact=True).click()
    assert_accessible(page, "empty search page")
    search = page.get_by_role("searchbox").or_(page.get_by_role("textbox")).first
    search.fill("Arendalsuka")
    search.press("Enter")
    page.wait_for_url("**/sok/?q=*")
    hits = page.locator("mark")
    assert hits.count() > 0
    assert_accessible(page, "search hits with highlights")
    search = page.get_by_role("searchbox").or_(page.get_by_role("textbox")).first
    search.fill("sak 48/20")
    search.press("Enter")
    page.wait_for_load_state()
    assert "Revidert mandat" in page.locator("main").inner_text()
    page.get_by_role("link", name="Revidert mandat", exact=False).first.click()
    anchor = page.url.split("#")[1]
    assert "Revidert mandat" in page.locator(f"#{anchor}").inner_text()
    page.goto(demo.url + "/sok/?q=og+i+det")
    assert "vanlige ord" in page.locator("main").inner_text()
    assert_accessible(page, "stop-word explanation")


def test_a_meeting_page_reflows_at_400_percent_zoom(page, demo):
    published = Meeting.objects.filter(state=Meeting.State.PUBLISHED).order_by("-start").first()
    page.set_viewport_size({"width": 320, "height": 256})
    page.goto(f"{demo.url}/moter/{published.pk}/")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0

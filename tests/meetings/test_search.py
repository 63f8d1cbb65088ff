"""The public search at /sok/: what it finds, what it never finds, and what it costs."""

from __future__ import annotations

import datetime
import io
import re
from html import unescape
from operator import itemgetter

import pytest
from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.core.management import call_command
from django.db import connection
from django.db.models import Value
from django.template.defaultfilters import date as date_filter
from django.urls import get_script_prefix, set_script_prefix
from django.utils import timezone, translation
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from cases.models import Case
from cooperation.models import Body
from meetings import search as search_module
from meetings.demo import DRAFT_MARKER, EXEMPT_MARKER
from meetings.models import AgendaItem
from meetings.search import (
    MAX_PAGES,
    PAGE_SIZE,
    SearchDocument,
    index_meeting,
    matching,
    page_query,
    rebuild_index,
    stored_vector,
)
from tests.factories import (
    OSLO,
    bring_to,
    make_case,
    make_item,
    make_meeting,
    make_secretary,
)

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def demo(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("load_demo", stdout=io.StringIO())
    rebuild_index()


def search(client, q: str, **params):
    return client.get("/sok/", {"q": q, **params})


def unmarked(html: str) -> str:
    """The text of a marked title or excerpt: its marks removed, its characters unescaped."""
    return unescape(re.sub(r"<[^>]+>", "", str(html)))


def titles(response) -> list[str]:
    return [unmarked(hit.title) for hit in response.context["results"].hits]


def published_meeting(body, secretary, items: list[dict]):
    """A meeting with these items, moved through its life to published minutes, indexed."""
    meeting = make_meeting(body)
    made = [make_item(meeting, **fields) for fields in items]
    bring_to(meeting, "published", secretary)
    index_meeting(meeting)
    return meeting, made


@pytest.fixture
def secretary(body_x):
    return make_secretary(body_x.cooperation)


# Finding


def test_a_word_from_the_seed_minutes_is_found_with_its_excerpt_marked(client, demo):
    response = search(client, "silobasert")

    assert response.status_code == 200
    assert titles(response) == ["Diskusjon for «Strategiske føringer 2025-2028»"]
    assert "<mark>silobasert</mark>" in response.text
    assert "Faggruppe for næringssamarbeid" in response.text


@pytest.mark.parametrize("q", ["48/20", "sak 48/20", "Sak nr. 48/20"])
def test_an_item_number_finds_that_item_first(client, demo, q):
    response = search(client, q)

    first = response.context["results"].hits[0]
    assert first.exact
    assert (first.kind, first.year, first.sequence) == ("item", 2020, 48)
    assert first.body_name == "Styret"
    assert "Sak 48/20" in response.text
    # After it, the texts that mention it: sak 33/20 and 35/20 are quoted "i sak 48/20".
    assert {"Sak 33/20", "Sak 35/20"} <= {h.number_label for h in response.context["results"].hits}


@pytest.mark.postgres
def test_a_number_quoted_by_many_texts_is_ranked_among_its_newest_mentions(
    client, body_x, secretary, monkeypatch
):
    # The numbered item first; then, of the texts that quote it, only the NEWEST newest are
    # ranked (ranking all read every one's vector), and the page says so.
    monkeypatch.setattr(search_module, "NEWEST", 3)
    search_module._number_page_statement.cache_clear()
    dated_meetings(
        body_x,
        secretary,
        {
            2019: {"title": "Oppfølging av sak 04/20", "decision": "Sak 04/20 følges opp."},
            2020: {"title": "Budsjett", "minutes_text": "Jf. sak 04/20."},
            2021: {"title": "Orienteringer 2021", "minutes_text": "Jf. sak 04/20."},
            2022: {"title": "Orienteringer 2022", "minutes_text": "Jf. sak 04/20."},
            2023: {"title": "Orienteringer 2023", "minutes_text": "Jf. sak 04/20."},
        },
    )
    numbered = AgendaItem.objects.get(title="Budsjett")
    AgendaItem.objects.filter(pk=numbered.pk).update(year=2020, sequence=4)
    index_meeting(numbered.meeting)
    try:
        response = search(client, "sak 04/20")
        hits = response.context["results"].hits
        assert hits[0].exact and hits[0].title == "Budsjett"
        # The 2019 title quotes it too, but it is not among the three newest quotes.
        assert [hit.title for hit in hits[1:]] == [
            "Orienteringer 2023",
            "Orienteringer 2022",
            "Orienteringer 2021",
        ]
        assert response.context["results"].newest_only
        # Newest first goes through every one.
        by_date = search(client, "sak 04/20", sortering="dato").context["results"].hits
        assert len(by_date) == 5 and by_date[0].exact
    finally:
        search_module._number_page_statement.cache_clear()


def test_a_case_reference_finds_that_case_document_first(client, demo):
    response = search(client, "2020/48")

    first = response.context["results"].hits[0]
    assert first.exact
    assert first.kind == "case"
    assert (
        titles(response)[0] == "Revidert mandat for faggruppe for næringssamarbeid i Osloregionen"
    )
    assert "Saksnr. 2020/48" in response.text


def test_a_query_of_only_stop_words_explains_itself(client, demo):
    response = search(client, "og i det")

    assert response.status_code == 200
    assert response.context["results"].ignored == "stop_words"
    assert "svært vanlige ord" in response.text
    assert "Ingen treff" not in response.text


def test_a_query_of_only_exclusions_explains_itself(client, demo):
    response = search(client, "-jernbane")

    assert response.context["results"].ignored == "only_excluded"
    assert "minustegn" in response.text


def test_a_search_without_hits_says_so(client, demo):
    response = search(client, "xylofonorkester")

    assert response.status_code == 200
    assert response.context["results"].hits == []
    assert "Ingen treff for «xylofonorkester»" in response.text


def test_the_form_without_a_query_searches_nothing(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/sok/")

    assert response.status_code == 200
    assert response.context["results"] is None
    assert '<label for="id_q">' in response.text


# What a hit shows: worked out in Python, as the document and the template filters would


@pytest.mark.parametrize("language", ["nb", "en"])
def test_a_hit_shows_its_number_body_date_and_link_as_its_document_would(client, demo, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    for q in ["48/20", "2020/48", "direktør", "styret"]:
        response = search(client, q)
        hits = response.context["results"].hits
        assert hits, q
        with translation.override(language):
            for hit in hits:
                document = SearchDocument.objects.select_related("body").get(pk=hit.pk)
                start = timezone.localtime(document.date)
                assert hit.url == document.get_absolute_url()
                assert hit.number_label == document.number_label
                assert hit.body_name == document.body.name
                assert hit.date_iso == date_filter(start, "c")
                assert hit.date_text == date_filter(start, "j. F Y")
                assert f'<a href="{hit.url}">' in response.text
                assert f'<time datetime="{hit.date_iso}">{hit.date_text}</time>' in response.text


def test_hit_links_keep_the_script_prefix(demo):
    prefix = get_script_prefix()
    set_script_prefix("/portal/")
    try:
        hits = search_module.find("48/20").hits
        assert hits
        assert all(hit.url.startswith("/portal/") for hit in hits)
        assert {hit.url for hit in hits} == {
            SearchDocument.objects.get(pk=hit.pk).get_absolute_url() for hit in hits
        }
    finally:
        set_script_prefix(prefix)


def squeezed(html: str) -> str:
    return re.sub(r">\s+<", "><", " ".join(html.split()))


@pytest.mark.parametrize("language", ["nb", "en"])
@pytest.mark.parametrize("params", [{}, {"q": "jernbane"}, {"q": ' "en frase" <b> & -ord '}])
def test_the_search_field_is_written_as_django_writes_it(client, language, params):
    # The template writes the field out instead of rendering the form's templates.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get("/sok/", params)

    with translation.override(language):
        expected = response.context["form"]["q"].as_field_group()
    assert squeezed(expected) in squeezed(response.text)


# Never finding


def test_draft_minutes_and_exempt_text_are_never_found(client, demo):
    # Words only in the draft minutes of the held meeting, and only in the exempt case.
    for q in ["kraftinfrastruktur", "Dovrebanen", "Demodatter", '"tilbud til søker"', "søkerliste"]:
        response = search(client, q)
        assert response.context["results"].hits == [], q
        assert DRAFT_MARKER not in response.text
        assert EXEMPT_MARKER not in response.text
    assert not SearchDocument.objects.filter(text__contains="Demodatter").exists()
    assert not SearchDocument.objects.filter(decision__contains="Demodatter").exists()


def test_an_exempt_case_is_found_by_its_public_title_with_its_legal_basis(client, demo):
    response = search(client, "direktør")

    exempt = [hit for hit in response.context["results"].hits if hit.exemption_basis]
    assert {hit.kind for hit in exempt} == {"item", "case"}
    assert all(unmarked(hit.title) == "Ansettelse av direktør" for hit in exempt)
    assert all(hit.excerpt == "" for hit in exempt)
    assert "Unntatt offentlighet (Offl. § 25)." in response.text
    assert EXEMPT_MARKER not in response.text


def test_minutes_are_found_only_once_published(client, body_x, secretary):
    meeting = make_meeting(body_x)
    make_item(
        meeting,
        title="Kollektivtilbud i Follo",
        minutes_text="Styret drøftet pendlerparkering ved stasjonene.",
        decision="Saken utsettes.",
    )
    bring_to(meeting, "approved", secretary)
    index_meeting(meeting)

    assert search(client, "pendlerparkering").context["results"].hits == []
    # The agenda went out with the notice, so its titles are public already.
    assert titles(search(client, "kollektivtilbud")) == ["Kollektivtilbud i Follo"]

    meeting.publish(by=secretary)
    index_meeting(meeting)

    assert titles(search(client, "pendlerparkering")) == ["Kollektivtilbud i Follo"]


def test_a_planned_meetings_agenda_and_cases_are_not_found(client, body_x):
    meeting = make_meeting(body_x)
    case = make_case(body_x.cooperation, title="Hemmelig planlagt sak om vindkraft")
    make_item(meeting, case=case)
    index_meeting(meeting)

    assert search(client, "vindkraft").context["results"].hits == []


def test_a_case_document_is_found_from_the_notice_with_its_background(client, body_x, secretary):
    case = make_case(
        body_x.cooperation,
        title="Regional næringsplan",
        background="Planen skal styrke havbruksnæringen langs kysten.",
        proposed_decision="Planen sendes på høring.",
    )
    meeting = make_meeting(body_x)
    make_item(meeting, case=case)
    meeting.send_notice(by=secretary)
    index_meeting(meeting)

    hits = search(client, "havbruksnæringen").context["results"].hits

    assert [(hit.kind, unmarked(hit.title)) for hit in hits] == [("case", "Regional næringsplan")]


# Syntax and ordering


def test_web_search_syntax_phrases_or_and_minus(client, body_x, secretary):
    published_meeting(
        body_x,
        secretary,
        [
            {"title": "Ny jernbane til Gjøvik", "minutes_text": "Utredningen er klar."},
            {"title": "Jernbane og buss i Follo", "minutes_text": "Rutene samordnes."},
            {"title": "Bussanbud for Romerike", "minutes_text": "Anbudet lyses ut."},
        ],
    )

    assert titles(search(client, '"jernbane til Gjøvik"')) == ["Ny jernbane til Gjøvik"]
    assert titles(search(client, '"Gjøvik jernbane"')) == []
    assert set(titles(search(client, "Gjøvik or Follo"))) == {
        "Ny jernbane til Gjøvik",
        "Jernbane og buss i Follo",
    }
    assert titles(search(client, "jernbane -buss")) == ["Ny jernbane til Gjøvik"]


def test_a_title_match_ranks_above_a_match_in_the_minutes(client, body_x, secretary):
    published_meeting(
        body_x,
        secretary,
        [
            {"title": "Orienteringer", "minutes_text": "Det ble orientert om havneplanen."},
            {"title": "Havneplanen for Drammen", "minutes_text": "Planen ble drøftet."},
        ],
    )

    assert titles(search(client, "havneplanen")) == ["Havneplanen for Drammen", "Orienteringer"]


def test_date_order_puts_the_newest_meeting_first(client, body_x, secretary):
    for year in (2021, 2023, 2022):
        meeting = make_meeting(body_x, start=datetime.datetime(year, 3, 14, 10, tzinfo=OSLO))
        make_item(meeting, title=f"Bredbånd {year}")
        bring_to(meeting, "published", secretary)
        index_meeting(meeting)

    response = search(client, "bredbånd", sortering="dato")

    assert titles(response) == ["Bredbånd 2023", "Bredbånd 2022", "Bredbånd 2021"]


def dated_meetings(body, secretary, items: dict[int, dict]) -> None:
    """One published meeting per year, each with one item, indexed."""
    for year, fields in items.items():
        meeting = make_meeting(body, start=datetime.datetime(year, 3, 14, 10, tzinfo=OSLO))
        make_item(meeting, **fields)
        bring_to(meeting, "published", secretary)
        index_meeting(meeting)


@pytest.fixture
def harbour_plans(body_x, secretary):
    """Five matches: the best (a title) is the oldest, the second best (a decision) the third
    newest, the others mention the word in their minutes."""
    dated_meetings(
        body_x,
        secretary,
        {
            2020: {"title": "Havneplanen for Drammen"},
            2021: {"title": "Orienteringer 2021", "minutes_text": "Om havneplanen."},
            2022: {"title": "Budsjett 2022", "decision": "Havneplanen vedtas."},
            2023: {"title": "Orienteringer 2023", "minutes_text": "Om havneplanen."},
            2024: {"title": "Orienteringer 2024", "minutes_text": "Om havneplanen."},
        },
    )


@pytest.mark.postgres
def test_a_frequent_word_is_ranked_among_its_newest_matches_and_says_so(
    client, harbour_plans, monkeypatch
):
    monkeypatch.setattr(search_module, "NEWEST", 3)

    response = search(client, "havneplanen")

    # The 2020 title would rank first, but it is not among the three newest matches.
    assert titles(response) == ["Budsjett 2022", "Orienteringer 2024", "Orienteringer 2023"]
    assert response.context["results"].newest_only
    assert 'id="search-newest-only"' in response.text
    notice = response.text.split('id="search-newest-only"')[1].split("</p>")[0]
    assert "3" in notice and "sortering=dato" in notice


def test_a_query_with_at_most_newest_matches_is_ranked_in_full(client, harbour_plans, monkeypatch):
    monkeypatch.setattr(search_module, "NEWEST", 5)

    response = search(client, "havneplanen")

    assert not response.context["results"].newest_only
    assert 'id="search-newest-only"' not in response.text
    if connection.vendor == "postgresql":
        # By weight (title, decision, minutes), then newest first.
        assert titles(response) == [
            "Havneplanen for Drammen",
            "Budsjett 2022",
            "Orienteringer 2024",
            "Orienteringer 2023",
            "Orienteringer 2021",
        ]
    else:  # no ranking on SQLite: a title with the word first, then newest first
        assert titles(response)[0] == "Havneplanen for Drammen"


def test_newest_first_goes_through_every_match_of_a_frequent_word(
    client, body_x, secretary, monkeypatch
):
    monkeypatch.setattr(search_module, "NEWEST", 3)
    for year in (2019, 2023, 2021):
        meeting = make_meeting(body_x, start=datetime.datetime(year, 3, 14, 10, tzinfo=OSLO))
        for n in range(9):
            make_item(meeting, title=f"Sykkelvei {year}-{n}")
        bring_to(meeting, "published", secretary)
        index_meeting(meeting)

    first = search(client, "sykkelvei", sortering="dato")
    second = search(client, "sykkelvei", sortering="dato", side=2)

    expected = [row.title for row in matching("sykkelvei", order="date")]
    assert len(expected) == 27
    assert titles(first) + titles(second) == expected
    assert expected[0].startswith("Sykkelvei 2023") and expected[-1].startswith("Sykkelvei 2019")
    assert not first.context["results"].newest_only
    assert 'id="search-newest-only"' not in first.text


def test_excerpts_are_escaped_except_the_marks(client, body_x, secretary):
    published_meeting(
        body_x,
        secretary,
        [
            {
                "title": "Fiskeriplan <b>ny</b>",
                "minutes_text": 'Fiskeriplan <script>alert("x")</script> & vedtak > 2',
            }
        ],
    )

    response = search(client, "fiskeriplan")

    # PostgreSQL's ts_headline drops what looks like a tag; whatever is left is escaped.
    assert "<script>alert" not in response.text
    assert "alert(&quot;x&quot;)" in response.text and "&amp; vedtak" in response.text
    assert "<b>ny</b>" not in response.text
    assert "<mark>Fiskeriplan</mark> &lt;b&gt;ny&lt;/b&gt;" in response.text


# About 80 characters of minutes without any of the words searched for below.
FILLER = "Representantskapet drøftet saken grundig og ba om mer kunnskap om økonomien. "


@pytest.mark.postgres
def test_a_word_far_into_a_long_text_is_marked_in_its_excerpt(client, body_x, secretary):
    text = FILLER * 60 + "Havneplanen for Tromsø ble vedtatt. " + FILLER * 60
    published_meeting(body_x, secretary, [{"title": "Orienteringer", "minutes_text": text}])

    hit = search(client, "havneplanen").context["results"].hits[0]

    assert "<mark>Havneplanen</mark> for Tromsø ble vedtatt." in hit.excerpt
    assert len(unmarked(hit.excerpt)) < 400


@pytest.mark.postgres
def test_a_phrase_whose_words_first_occur_apart_is_marked_where_it_occurs(
    client, body_x, secretary
):
    # The part around the words' first occurrences holds no "administrativ gruppe": the
    # excerpt is made from the whole text.
    text = "Gruppe A. " + FILLER * 30 + "Administrativ. " + FILLER * 30
    text += "Administrativ gruppe ble enige. " + FILLER * 5
    published_meeting(body_x, secretary, [{"title": "Orienteringer", "minutes_text": text}])

    hit = search(client, '"administrativ gruppe"').context["results"].hits[0]

    assert "<mark>Administrativ</mark> <mark>gruppe</mark> ble enige." in hit.excerpt


@pytest.mark.postgres
def test_a_word_first_seen_inside_longer_words_is_marked_where_it_occurs(client, body_x, secretary):
    # "kultur" is first inside "Fylkeskulturen", then begins "Kulturarven" (another word):
    # neither is a match, so the excerpt is made from the whole text.
    text = "Fylkeskulturen og Kulturarven. " + FILLER * 40 + "Kultur er viktig. " + FILLER * 30
    published_meeting(body_x, secretary, [{"title": "Orienteringer", "minutes_text": text}])

    hit = search(client, "kultur").context["results"].hits[0]

    assert "<mark>Kultur</mark> er viktig." in hit.excerpt


def part_around(text: str, query: str) -> str:
    """The part of `text` an excerpt for `query` is made from (`AroundTheWords`)."""
    tsquery = SearchQuery(query, config=search_module.CONFIG, search_type="websearch")
    return (
        Body.objects.annotate(part=search_module.AroundTheWords(Value(text), tsquery))
        .values_list("part", flat=True)
        .first()
    )


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("text", "query", "has", "starts_the_text"),
    [
        # Far into the text: from a whole word before it to a whole word after it.
        (
            FILLER * 60 + "Havneplanen ble vedtatt. " + FILLER * 60,
            "havneplanen",
            "Havneplanen",
            False,
        ),
        # Two words far apart: from before the first to after the second.
        (
            FILLER * 30 + "havn " + FILLER * 10 + "Tromsø " + FILLER * 30,
            "havn tromsø",
            "Tromsø",
            False,
        ),
        # A word left out is not looked for ("tog" opens the text, "buss" is far into it).
        ("tog " + FILLER * 60 + "buss " + FILLER * 30, "buss -tog", "buss", False),
        # A short text whole.
        (FILLER * 5 + "havneplanen", "havneplanen", "havneplanen", True),
    ],
)
def test_an_excerpt_is_made_from_the_part_of_the_text_where_the_words_are(
    body_x, text, query, has, starts_the_text
):
    part = part_around(text, query)

    assert has in part
    assert len(part) <= search_module.AroundTheWords.WINDOW
    assert text.startswith(part) == starts_the_text
    words = text.split()
    assert part.split()[0] in words and part.split()[-1] in words  # no word cut in two
    assert part.strip() in " ".join(words)


@pytest.mark.postgres
def test_a_long_text_without_the_words_has_no_part_to_make_an_excerpt_from(body_x):
    # The title or the number matched: the excerpt is then made from the text's opening.
    assert part_around(FILLER * 60, "havneplanen") is None
    assert part_around(FILLER * 5, "havneplanen") == FILLER * 5  # short: whole


def test_more_results_are_a_link_to_the_next_page(client, body_x, secretary):
    published_meeting(
        body_x, secretary, [{"title": f"Sykkelvei {n}"} for n in range(PAGE_SIZE + 5)]
    )

    first = search(client, "sykkelvei")
    second = search(client, "sykkelvei", side=2)

    assert len(first.context["results"].hits) == PAGE_SIZE
    assert "side=2" in first.text and "Flere treff" in first.text
    assert len(second.context["results"].hits) == 5
    assert "side=3" not in second.text
    assert not set(titles(first)) & set(titles(second))


# Cost


@pytest.mark.parametrize("rows, newest", [(1, 1000), (25, 1000), (25, 21)])
@pytest.mark.parametrize("order", ["relevans", "dato"])
def test_the_search_costs_two_queries_whatever_the_hits(
    client, body_x, secretary, django_assert_num_queries, monkeypatch, rows, newest, order
):
    monkeypatch.setattr(search_module, "NEWEST", newest)
    published_meeting(
        body_x,
        secretary,
        [{"title": f"Vannforsyning {n}", "minutes_text": "Om vannverket."} for n in range(rows)],
    )
    # 1 the page's ids in order (on PostgreSQL the newest NEWEST + 1 matches, through the GIN
    # index or walking the dates, the column's statistics read in the same query, and the
    # ranking; LIKE on SQLite), 2 the shown rows with body and cooperation, and on PostgreSQL
    # their excerpts
    with django_assert_num_queries(2):
        response = search(client, "vannforsyning", sortering=order)

    assert len(response.context["results"].hits) == min(rows, PAGE_SIZE)


@pytest.mark.postgres
def test_the_queries_compiled_once_are_the_orm_queries_with_the_requests_values(demo):
    # Query 2: what find runs and the ORM query it is compiled from (which bench/dbtime.py
    # times) give the same rows, whatever their number and the query's text.
    ids = list(SearchDocument.objects.order_by("-pk").values_list("pk", flat=True)[:PAGE_SIZE])
    for text in ["styret", "48/20 or 48/20", '"strategiske føringer"']:
        for pks in (ids, ids[:3], ids[:1]):
            rows = search_module._shown_rows_postgresql(pks, text)
            expected = search_module._shown_postgresql(pks, text)
            assert sorted(rows, key=itemgetter("id")) == sorted(expected, key=itemgetter("id"))
            # Only what the page shows or links with: not the texts themselves.
            assert set(rows[0]) == {*search_module.SHOWN, "marked_title", "marked_excerpt"}
    # Query 1 for a number: exactly the page of `_number_page`, its SQL and its parameters.
    for q in ["48/20", "sak 7/2021", "2020/48"]:
        for order in ["rank", "date"]:
            for page in [1, 3]:
                offset = (page - 1) * PAGE_SIZE
                number = search_module.parse_number(q)
                rows = search_module._number_page(number, order)[offset : offset + PAGE_SIZE + 1]
                sql, params = page_query(q, order=order, page=page)
                expected_sql, expected_params = rows.query.sql_with_params()
                assert sql == expected_sql
                assert [(type(p), p) for p in params] == [(type(p), p) for p in expected_params]


# Bad input


def test_a_too_long_query_gets_a_clear_message(client):
    response = search(client, "jernbane " * 1200)

    assert response.status_code == 400
    assert "høyst 200 tegn" in response.text
    assert response.context["results"] is None


def test_a_null_byte_gets_a_clear_message(client):
    response = search(client, "jern\x00bane")

    assert response.status_code == 400
    assert "nullbyte" in response.text


@pytest.mark.parametrize(
    "q", ["'\"&<>%_\\", "%", "_", '"', "-", "or", "(((", "!!! & | <->", "sak", "48/", "/20"]
)
def test_odd_characters_give_a_page_not_an_error(client, demo, q):
    response = search(client, q)

    assert response.status_code == 200


@pytest.mark.parametrize(
    "params", [{"side": "abc"}, {"side": "0"}, {"side": str(MAX_PAGES + 1)}, {"sortering": "x"}]
)
def test_malformed_parameters_get_a_clear_message(client, params):
    response = search(client, "jernbane", **params)

    assert response.status_code == 400
    assert response.context["form"].errors


@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(q=st.text(max_size=250))
def test_any_query_gives_a_page_or_a_clear_message(client, q):
    assert search(client, q).status_code in {200, 400}


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_the_search_answers_only_reading_methods(client, method):
    assert getattr(client, method)("/sok/").status_code == 405


# The index on PostgreSQL


def many_cases(meeting, count: int) -> None:
    """Cases on one published agenda, written in bulk: their rows come from rebuild_index."""
    words = ["kommune", "budsjett", "samferdsel", "næring", "klima", "skole", "helse", "vei"]
    cases = Case.objects.bulk_create(
        Case(
            cooperation=meeting.body.cooperation,
            year=2024,
            sequence=n + 1,
            title=f"{words[n % 8]} og {words[(n // 8) % 8]} {n}",
            background=" ".join(words[(n + k) % 8] for k in range(80)),
        )
        for n in range(count)
    )
    AgendaItem.objects.bulk_create(
        AgendaItem(
            meeting=meeting,
            body=meeting.body,
            case=case,
            position=n + 10,
            minutes_text=" ".join(words[(n + 3 * k) % 8] for k in range(80)),
        )
        for n, case in enumerate(cases)
    )


def run_page_query(query: str, order: str) -> tuple[list[int], list[str]]:
    """Query 1's ids, and the scans of the search table EXPLAIN ANALYZE shows as run (not
    the branches PostgreSQL skipped)."""
    sql, params = page_query(query, order=order)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [pk for pk, _newest_only in cursor.fetchall()]
        cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) {sql}", params)
        plan = [row[0] for row in cursor.fetchall()]
    scans = [
        line.strip(" ->")
        for line in plan
        if "Scan" in line and "search" in line and "never executed" not in line
    ]
    return ids, scans


def expected_page(query: str, order: str) -> list[int]:
    """Page 1 as defined: newest first over every match, or the NEWEST newest by relevance."""
    newest_first = list(matching(query, order="date").values_list("pk", flat=True))
    if order == "date":
        return newest_first[: PAGE_SIZE + 1]
    rank = SearchRank(
        stored_vector(), SearchQuery(query, config="norwegian", search_type="websearch")
    )
    return list(
        SearchDocument.objects.filter(pk__in=newest_first[: search_module.NEWEST])
        .alias(rank=rank)
        .order_by("-rank", "-date", "-pk")
        .values_list("pk", flat=True)[: PAGE_SIZE + 1]
    )


@pytest.mark.postgres
@pytest.mark.parametrize("order", ["rank", "date"])
def test_both_orders_ask_the_gin_index_and_walk_the_dates_only_for_a_frequent_word(
    body_x, secretary, monkeypatch, order
):
    meeting, _items = published_meeting(
        body_x, secretary, [{"title": "Skredsikring i Nordre Follo"}]
    )
    # 6,000 rows with "kommune", and 600 newer ones without, rebuilt (which merges GIN's
    # pending list and analyses the table): enough for the planner and the statistics to
    # choose by themselves, so enable_seqscan stays on.
    many_cases(meeting, 3000)
    newer = make_meeting(body_x, start=meeting.start + datetime.timedelta(days=30))
    newer.notice_sent_at = newer.start - datetime.timedelta(days=7)
    newer.save(update_fields=["notice_sent_at"])
    AgendaItem.objects.bulk_create(
        AgendaItem(meeting=newer, body=body_x, position=n + 1, title=f"Orientering {n}")
        for n in range(600)
    )
    rebuild_index()
    gin = "Bitmap Index Scan on search_document_vector"
    walk = "Index Scan Backward using search_document_newest_utc"

    # The rare word is the trap's case: "newest first" must not walk the dates testing
    # every row; it is answered from the GIN index alone.
    ids, scans = run_page_query("skredsikring", order)

    assert len(ids) == 1
    assert any(scan.startswith(gin) for scan in scans), scans
    assert not any("Seq Scan" in scan or walk in scan for scan in scans), scans

    # "kommune" is in 91 % of the rows: its newest matches are found walking the dates, and
    # the GIN index is not asked for its 6,000 matches.
    ids, scans = run_page_query("kommune", order)

    assert ids == expected_page("kommune", order)
    assert any(scan.startswith(walk) for scan in scans), scans
    assert not any(scan.startswith(gin) or "Seq Scan" in scan for scan in scans), scans

    # When the walk gives up before it has found enough (here after the 600 newer rows and
    # half the matches it needs), the GIN index answers, and the page is the same.
    needed = search_module.NEWEST + 1 if order == "rank" else PAGE_SIZE + 1
    monkeypatch.setattr(search_module, "WALK_LIMIT", 600 + needed // 2)
    ids, scans = run_page_query("kommune", order)

    assert ids == expected_page("kommune", order)
    assert any(scan.startswith(walk) for scan in scans), scans
    assert any(scan.startswith(gin) for scan in scans), scans
    assert not any("Seq Scan" in scan for scan in scans), scans


@pytest.mark.postgres
def test_the_page_query_is_planned_for_its_words_while_query_two_is_prepared(client, demo):
    # ADR 12: the connection prepares what it runs five times, but never query 1, whose
    # plan must be made for the words searched.
    from django.db import connection

    for _ in range(7):
        assert search(client, "styret").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any("ts_headline" in statement for statement in prepared)  # query 2
    assert not any("WITH stats AS" in statement for statement in prepared)  # query 1

"""Walk the whole API from its entry point on the demo data, as an OParl client would.

Every URL found in a response is followed (list pages by `links` too), every object and
list item is validated against the OParl 1.1 schemas (embedded objects through $ref), and
nothing a draft or an exempt case holds may appear anywhere.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
from collections import Counter, deque
from urllib.parse import urlsplit

import jsonschema
import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import CharField, Value
from django.db.models.functions import Concat
from django.test import Client, override_settings

from cases.models import Attachment, Case
from cooperation.models import Person
from meetings.demo import DRAFT_MARKER, EXEMPT_MARKER
from meetings.documents import NoticeDocument
from meetings.models import AgendaItem, Meeting, MinutesDocument
from tests.oparl.documents import store_minutes, store_notice

HOST = "moter.example.no"
API = f"http://{HOST}/oparl/v1/"
SCHEMA = "https://schema.oparl.org/1.1/"
ALL_TYPES = {
    "System",
    "Body",
    "LegislativeTerm",
    "Organization",
    "Person",
    "Membership",
    "Meeting",
    "AgendaItem",
    "Paper",
    "Consultation",
    "File",
    "Location",
}
# What the exempt demo case holds besides its title: its proposed decision names the applicant.
EXEMPT_TEXT = "Kari Demodatter Lien"

# The walk itself runs once per module (the `walk` fixture); the marker makes pytest-django
# set up the test database before it.
pytestmark = pytest.mark.django_db


def urls_in(value) -> list[str]:
    """Every URL of our own host in a JSON value, however deep."""
    if isinstance(value, dict):
        return [url for inner in value.values() for url in urls_in(inner)]
    if isinstance(value, list):
        return [url for inner in value for url in urls_in(inner)]
    if isinstance(value, str) and value.startswith(f"http://{HOST}/"):
        return [value]
    return []


def objects_in(value) -> list[dict]:
    """Every OParl object in a JSON value, embedded ones included."""
    if isinstance(value, list):
        return [obj for inner in value for obj in objects_in(inner)]
    if not isinstance(value, dict):
        return []
    found = [value] if str(value.get("type", "")).startswith(SCHEMA) else []
    return found + [obj for inner in value.values() for obj in objects_in(inner)]


class Walk:
    """The result of following every link from the entry point."""

    def __init__(self, api: Client, schemas) -> None:
        self.documents: dict[str, dict] = {}
        self.portal: dict[str, int] = {}
        self.objects: dict[str, dict] = {}
        queue = deque([API + "system"])
        while queue:
            url = queue.popleft()
            if url in self.documents or url in self.portal:
                continue
            response = api.get(url)
            if not url.startswith(API):
                self.portal[url] = response.status_code
                continue
            assert response.status_code == 200, url
            assert response["Content-Type"] == "application/json", url
            assert response["Access-Control-Allow-Origin"] == "*", url
            document = response.json()
            self.documents[url] = document
            self.check(url, document, schemas)
            queue.extend(urls_in(document))

    def check(self, url: str, document: dict, schemas) -> None:
        if "data" in document:
            assert set(document) == {"data", "pagination", "links"}, url
            for item in document["data"]:
                schemas.validate(item)
            for link in document["links"].values():
                assert link.startswith(API), url
        else:
            assert document["id"] == url
            schemas.validate(document)
        for obj in objects_in(document):
            created, modified = (
                datetime.datetime.fromisoformat(obj[key]) for key in ("created", "modified")
            )
            assert created <= modified, obj["id"]
            self.objects.setdefault(obj["id"], obj)

    def ids(self, oparl_type: str, under: str = "") -> set[int]:
        """The ids of the objects of a type; of Files, those at file/<under> ("document/",
        "minutes/"; "" for the attachments)."""
        found = set()
        for url, obj in self.objects.items():
            path, _, pk = url.removeprefix(API).rpartition("/")
            if obj["type"] != SCHEMA + oparl_type:
                continue
            if oparl_type == "File" and path != f"file/{under}".rstrip("/"):
                continue
            found.add(int(pk))
        return found

    @property
    def text(self) -> str:
        return json.dumps(list(self.documents.values()), ensure_ascii=False)


@pytest.fixture(scope="module")
def walk(django_db_setup, django_db_blocker, schemas, tmp_path_factory) -> Walk:
    """One walk for the whole module: the demo is loaded and rolled back afterwards."""
    media = tmp_path_factory.mktemp("media")
    quick = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media, PASSWORD_HASHERS=quick, ALLOWED_HOSTS=[HOST]),
        transaction.atomic(),
    ):
        call_command("load_demo", stdout=io.StringIO())
        # Their minutes as stored PDFs (not laid out: WeasyPrint would take minutes), one
        # corrected; and a PDF stored too early for a meeting not yet published.
        for n, meeting in enumerate(Meeting.objects.with_published_minutes().order_by("pk")):
            store_minutes(meeting, f"%PDF-1.7 referat {n}".encode())
            if n == 0:
                store_minutes(meeting, b"%PDF-1.7 rettet referat")
        store_minutes(
            Meeting.objects.with_public_agenda().exclude(state=Meeting.State.PUBLISHED).first()
        )
        # Their notices: the public and the members' version (which must never show), one
        # with a supplementary notice, one with the members' version only (its public one
        # failed to render), and one stored for a meeting still planned.
        members = []
        for n, meeting in enumerate(Meeting.objects.with_public_agenda().order_by("pk")):
            if n != 1:
                store_notice(meeting, f"%PDF-1.7 innkalling {n}".encode())
            if n == 0:
                store_notice(meeting, b"%PDF-1.7 tilleggsinnkalling")
            secret = f"%PDF-1.7 innkalling {n}, medlemmenes versjon".encode()
            members.append((store_notice(meeting, secret, audience="members"), secret))
        store_notice(Meeting.objects.filter(notice_sent_at__isnull=True).first())
        call_command("oparl_checksums", stdout=io.StringIO())
        # The demo people have no e-mail addresses; give them some the API must not show.
        Person.objects.update(
            email=Concat(Value("person"), "id", Value("@example.no"), output_field=CharField())
        )
        result = Walk(Client(HTTP_HOST=HOST), schemas)
        result.expected = expected_ids()
        result.emails = [e for e in Person.objects.values_list("email", flat=True) if e]
        result.planned = Meeting.objects.filter(notice_sent_at__isnull=True).count()
        result.members_versions = [
            (document.download_name, document.sha256, hashlib.sha512(secret).hexdigest())
            for document, secret in members
        ]
        transaction.set_rollback(True)
    return result


def expected_ids() -> dict[str, set[int]]:
    """What the portal publishes, to compare with what the walk found."""
    on_public_agenda = AgendaItem.objects.on_public_agenda().values("case")
    ids = {
        "Meeting": Meeting.objects.with_public_agenda(),
        "AgendaItem": AgendaItem.objects.on_public_agenda(),
        "Paper": Case.objects.filter(pk__in=on_public_agenda),
        "File": Attachment.objects.filter(
            is_exempt=False, case__is_exempt=False, case__in=on_public_agenda
        ),
        "File minutes/": Meeting.objects.with_published_minutes().filter(
            pk__in=MinutesDocument.objects.values("meeting")
        ),
        "File notice/": Meeting.objects.with_public_agenda().filter(
            pk__in=NoticeDocument.objects.filter(audience="public").values("meeting")
        ),
    }
    return {kind: set(rows.values_list("pk", flat=True)) for kind, rows in ids.items()}


def test_the_format_checker_really_checks_dates_times_and_urls(schemas):
    checker = schemas.checker
    for good, form in [
        ("2024-03-14T10:00:00+01:00", "date-time"),
        ("2024-03-14T09:00:00Z", "date-time"),
        ("2024-03-14", "date"),
        (API + "meeting/1", "url"),
    ]:
        assert checker.conforms(good, form), good
    for bad, form in [
        ("2024-03-14T10:00:00", "date-time"),  # no offset
        ("2024-13-14T10:00:00+01:00", "date-time"),
        ("14.03.2024 10:00", "date-time"),
        ("2024-02-30", "date"),
        ("not a url", "url"),
        ("http://exa mple.no/", "url"),
        ("moter.example.no/oparl/v1/system", "url"),
    ]:
        assert not checker.conforms(bad, form), bad


def test_a_schema_violation_in_an_embedded_object_is_caught(schemas):
    meeting = {
        "id": API + "meeting/1",
        "type": SCHEMA + "Meeting",
        "agendaItem": [{"id": API + "agenda-item/1", "type": SCHEMA + "AgendaItem"}],
    }
    with pytest.raises(jsonschema.ValidationError, match="order"):
        schemas.validate(meeting)
    meeting["agendaItem"][0]["order"] = 1
    meeting["start"] = "i morgen"
    with pytest.raises(jsonschema.ValidationError, match="date-time"):
        schemas.validate(meeting)


def test_every_object_and_list_of_the_demo_is_valid_oparl(walk):
    types = Counter(obj["type"].removeprefix(SCHEMA) for obj in walk.objects.values())
    assert set(types) == ALL_TYPES
    assert len(walk.documents) > 100


def test_every_portal_link_in_the_api_answers(walk):
    assert walk.portal
    assert {url: status for url, status in walk.portal.items() if status != 200} == {}


def test_the_walk_reaches_every_public_meeting_item_case_and_file_and_nothing_else(walk):
    assert walk.planned  # the demo has planned meetings, which must not be found
    assert walk.expected["File minutes/"]
    assert walk.expected["File notice/"]
    for key, ids in walk.expected.items():
        oparl_type, _, under = key.partition(" ")
        assert walk.ids(oparl_type, under) == ids, key


def test_no_draft_or_exempt_text_appears_anywhere(walk):
    text = walk.text
    assert DRAFT_MARKER not in text
    assert EXEMPT_MARKER not in text
    assert EXEMPT_TEXT not in text
    assert "Ansettelse av direktør" in text  # the exempt case by its public title
    assert "Offl. § 25" in text  # … and its legal basis


def test_no_email_address_appears_anywhere(walk):
    assert walk.emails
    text = walk.text
    assert [email for email in walk.emails if email in text] == []
    assert all("email" not in obj for obj in walk.objects.values())


def test_minutes_appear_only_for_published_meetings(walk):
    for obj in walk.objects.values():
        if obj["type"] != SCHEMA + "Meeting":
            continue
        published = obj["meetingState"] == "referat publisert"
        assert ("participant" in obj) == published, obj["id"]
        assert ("resultsProtocol" in obj) == published, obj["id"]
        for item in obj["agendaItem"]:
            if not published:
                assert not {"result", "resolutionText", "moteportal:minutesText"} & set(item)


def test_invitations_are_the_public_notice_and_nothing_of_the_members_version_shows(walk):
    invited = {
        int(obj["id"].rpartition("/")[2])
        for obj in walk.objects.values()
        if obj["type"] == SCHEMA + "Meeting" and "invitation" in obj
    }
    assert invited == walk.expected["File notice/"]
    text = walk.text
    assert walk.members_versions
    for name, sha256, sha512 in walk.members_versions:
        assert name not in text
        assert sha256 not in text
        assert sha512 not in text
    assert not [url for url in walk.portal if "innkalling-medlemmer" in url]


def test_exempt_items_show_only_their_public_title_and_legal_basis(walk):
    exempt = [
        obj
        for obj in walk.objects.values()
        if obj["type"] == SCHEMA + "AgendaItem" and obj["public"] is False
    ]
    assert exempt
    for item in exempt:
        assert set(item) <= {
            "id",
            "type",
            "meeting",
            "number",
            "order",
            "name",
            "public",
            "consultation",
            "web",
            "moteportal:legalBasis",
            "created",
            "modified",
        }
        assert item["moteportal:legalBasis"]


def test_every_list_page_but_the_last_has_a_next_link(walk):
    pages = [doc for doc in walk.documents.values() if "data" in doc]
    assert any("next" in page["links"] for page in pages)  # the demo has lists of many pages
    for page in pages:
        if "next" not in page["links"]:
            continue
        assert len(page["data"]) == page["pagination"]["elementsPerPage"]
        assert walk.documents[page["links"]["next"]]["data"]


def test_embedded_objects_are_the_objects_themselves(walk):
    """An embedded agenda item or minutes PDF is the object its own URL answers."""
    checked = 0
    for url, document in walk.documents.items():
        if document.get("type") == SCHEMA + "Meeting":
            for item in document["agendaItem"]:
                assert walk.documents[item["id"]] == item, url
            for prop in ("invitation", "resultsProtocol"):
                if prop in document:
                    pdf = document[prop]
                    assert walk.documents[pdf["id"]] == pdf, url
                    assert pdf["sha512Checksum"]
                    checked += 1
    assert checked


def test_list_pages_embed_agenda_items_without_their_long_texts(walk):
    """…which the items themselves (at their URL, in their list) have."""
    texts = {"resolutionText", "moteportal:minutesText"}
    in_lists = [
        item
        for url, page in walk.documents.items()
        if "data" in page and "/meetings" in url
        for meeting in page["data"]
        for item in meeting.get("agendaItem", [])
    ]
    assert in_lists
    assert not [item["id"] for item in in_lists if texts & set(item)]
    assert any(texts & set(walk.documents[item["id"]]) for item in in_lists)


def test_links_keep_to_this_host(walk):
    for url in walk.documents:
        assert urlsplit(url).netloc == HOST

"""Fixtures of the public record's tests (test_public_record*.py)."""

from __future__ import annotations

import pytest

from meetings.models import AgendaItem
from tests.factories import bring_to, make_case, make_item, make_meeting

# A sentence of a case's background that the case's later exemption withholds.
SECRET = "Hemmeligholdt tomtekjøp ved Kvernbergsundet"


@pytest.fixture
def public_case(coop_a, body_x, secretary_a):
    """A case whose document went out with a notice: public, searchable, in the PDFs."""
    case = make_case(
        coop_a,
        title="Kvernbergsundet: kjøp av tomt",
        background=f"<p>{SECRET}. Forhandlingene pågår.</p>",
        proposed_decision="<p>Styret gir administrasjonen fullmakt.</p>",
    )
    meeting = make_meeting(body_x)
    make_item(meeting, case=case)
    bring_to(meeting, "notice_sent", secretary_a)
    return case


@pytest.fixture
def published_item(coop_a, body_x, secretary_a):
    """An item of published minutes whose decision names something later withheld."""
    meeting = make_meeting(body_x)
    item = make_item(meeting, title="Innkjøp av fergetjenester")
    bring_to(meeting, "notice_sent", secretary_a)
    bring_to(meeting, "held", secretary_a)
    item.refresh_from_db()
    item.save_minutes(
        by=secretary_a,
        expected_version=item.version,
        minutes_text="Leverandøren Fjordlinjeekspressen ble drøftet.",
        decision="Fjordlinjeekspressen tildeles kontrakten.",
        outcome=AgendaItem.Outcome.ADOPTED,
    )
    bring_to(meeting, "published", secretary_a)
    return item

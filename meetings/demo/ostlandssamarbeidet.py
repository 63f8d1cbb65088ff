"""Østlandssamarbeidet: the county cooperation, and the archive from seeds 000, 001 and 004."""

from __future__ import annotations

from django.core.files.base import ContentFile

from cases.models import Attachment, Case, CaseKind
from cooperation.models import Body, Cooperation, Organisation
from meetings.models import AgendaItem

from . import OSTLANDSSAMARBEIDET
from .helpers import add_item, archive_case, at, body, import_archive_meeting
from .texts import sections, text

Outcome = AgendaItem.Outcome

# (name, kind). Oslo is a municipality with the tasks of a county.
ORGANISATIONS = [
    ("Innlandet fylkeskommune", Organisation.Kind.COUNTY),
    ("Oslo kommune", Organisation.Kind.MUNICIPALITY),
    ("Vestfold og Telemark fylkeskommune", Organisation.Kind.COUNTY),
    ("Viken fylkeskommune", Organisation.Kind.COUNTY),
]
ORG_NUMBERS = {"Oslo kommune": "958935420"}

BODIES = [
    {
        "slug": "representantskapet",
        "name": "Representantskapet",
        "kind": Body.Kind.COUNCIL,
        "is_political": True,
        "approval_rule": Body.ApprovalRule.CHAIR_AND_MEMBERS,
    },
    {
        "slug": "fagpolitisk-utvalg",
        "name": "Fagpolitisk utvalg",
        "kind": Body.Kind.POLITICAL_COMMITTEE,
        "is_political": True,
        "approval_rule": Body.ApprovalRule.CHAIR_AND_MEMBERS,
    },
    {
        "slug": "administrativ-gruppe",
        "name": "Administrativ gruppe",
        "kind": Body.Kind.ADMINISTRATIVE_GROUP,
        "numbering": Body.Numbering.YEARLY,
        "has_information_item": True,
    },
    {
        "slug": "verksted-regional-utvikling",
        "name": "Verksted for regional utvikling",
        "kind": Body.Kind.WORKSHOP,
        "numbering": Body.Numbering.PER_MEETING,
    },
    {
        "slug": "kompetanseforum",
        "name": "Kompetanseforum",
        "kind": Body.Kind.FORUM,
        "numbering": Body.Numbering.PER_MEETING,
    },
]

# Seed 000, Sak 01/22–05/22: (number, title, kind, has a case, outcome). The minutes and the
# decision are the sections sak-NN and sak-NN-vedtak of seed_000.txt. Sak 01/22 is the standing
# round of information and has no case of its own.
ADMINISTRATIV_GRUPPE_2022 = [
    (1, "Orienteringer", CaseKind.INFORMATION, False, Outcome.NOTED),
    (
        2,
        "Prosesser for sirkulær økonomi og inkludering",
        CaseKind.DISCUSSION,
        True,
        Outcome.ADOPTED,
    ),
    (
        3,
        "Innspill til temaer for innholdsproduksjon/arrangementer",
        CaseKind.DECISION,
        True,
        Outcome.ADOPTED,
    ),
    (
        4,
        "Strategi for samarbeid om høyere yrkesfaglig utdanning",
        CaseKind.INFORMATION,
        True,
        Outcome.ADOPTED,
    ),
    (5, "Møte i fagpolitisk utvalg 25. mars", CaseKind.DECISION, True, Outcome.ADOPTED),
]

# Seed 001, in the order of the document: (title, section of the text).
VERKSTED_2021 = [
    ("Dag 1: Oppsummering vist i plenum", "dag-1-plenum"),
    ("Spørsmål 1: Hva er grønn kompetanse?", "sporsmal-1"),
    (
        "Spørsmål 2: Forventninger til Direktoratet for høyere utdanning og kompetanse",
        "sporsmal-2",
    ),
    ("Spørsmål 2 B: Samarbeid NHO og LO", "sporsmal-2b"),
    ("Dag 1: Oppsummering av dagen og refleksjoner", "dag-1-refleksjoner"),
    ("Dag 2: Hva og hvordan bør fylkeskommunene følge opp", "dag-2-fylkeskommunene"),
    ("Dag 2: Hva bør KMD jobbe videre med", "dag-2-kmd"),
]

# Seed 004: the case's attachments and the references that are not cases here.
KOMPETANSE_ATTACHMENTS = [
    "Vedlegg 1: Oppsummering av innspill fra partene i Kompetanseforum Trøndelag med deres "
    "vurdering av kompetansearbeidet",
    "Vedlegg 2: Oppsummering av avdelingenes tilbakemelding på oppfølging av handlingsprogram "
    "for kompetansestrategien",
]
KOMPETANSE_EXTERNAL_REFERENCES = [
    "FT sak 81/20 Regional planstrategi",
    "FT sak 6/21 Prinsipper for planlegging av den fylkeskommunale tjenesteproduksjonen",
    "FT-sak 61/21 Prinsipper for karriereveiledning",
    "http://opengov.360online.com/Meetings/TRONDELAG/Meetings/Details/847608?agendaItemId=207209",
    "http://opengov.360online.com/Meetings/TRONDELAG/Meetings/Details/1213056?agendaItemId=209557",
    "http://opengov.360online.com/Meetings/TRONDELAG/Meetings/Details/1213057?agendaItemId=210268",
    "http://opengov.360online.com/Meetings/TRONDELAG/Meetings/Details/368362?agendaItemId=204209",
    "http://opengov.360online.com/Meetings/TRONDELAG/Meetings/Details/847582?agendaItemId=206141",
    "http://opengov.360online.com/Meetings/TRONDELAG/Meetings/Details/847608?agendaItemId=207221",
    "http://opengov.360online.com/Meetings/TRONDELAG/Meetings/Details/1195570?agendaItemId=207998",
    "https://opengov.360online.com/Meetings/TRONDELAG/Meetings/Details/1144720?agendaItemId=206783",
    "http://opengov.360online.com/Meetings/TRONDELAG/Meetings/Details/1031173?agendaItemId=207926",
    "http://opengov.360online.com/Meetings/TRONDELAG/Meetings/Details/1228443?agendaItemId=208675",
    "http://opengov.360online.com/Meetings/TRONDELAG/Meetings/Details/1213086?agendaItemId=210503",
]


def build_structure() -> Cooperation:
    """The cooperation, its member counties and its bodies."""
    cooperation = Cooperation.objects.create(
        name="Østlandssamarbeidet",
        short_name="Østlandssamarbeidet",
        slug=OSTLANDSSAMARBEIDET,
        description="Samarbeid mellom fylkeskommunene på Østlandet om regional utvikling.",
    )
    for name, kind in ORGANISATIONS:
        org = Organisation(
            cooperation=cooperation, name=name, kind=kind, org_number=ORG_NUMBERS.get(name, "")
        )
        org.full_clean()
        org.save()
    for fields in BODIES:
        Body.objects.create(cooperation=cooperation, **fields)
    return cooperation


def build_seed_000(cooperation: Cooperation) -> None:
    """Administrativ gruppe in February 2022 (the day is not in the minutes), Sak 01/22–05/22."""
    meeting = import_archive_meeting(
        body(cooperation, "administrativ-gruppe"),
        start=at(2022, 2, 15, 10),
        end=at(2022, 2, 15, 12),
        place="Teams",
    )
    texts = sections("seed_000")
    for number, title, kind, has_case, outcome in ADMINISTRATIV_GRUPPE_2022:
        case = None
        if has_case:
            case = archive_case(cooperation, year=2022, sequence=number, title=title, kind=kind)
        add_item(
            meeting,
            number,
            case=case,
            title="" if case else title,
            kind=kind,
            year=2022,
            sequence=number,
            minutes_text=texts[f"sak-{number:02d}"],
            decision=texts.get(f"sak-{number:02d}-vedtak", ""),
            outcome=outcome,
        )


def build_seed_001(cooperation: Cooperation) -> None:
    """The two-day workshop of December 2021: its questions, and the groups' input as minutes."""
    meeting = import_archive_meeting(
        body(cooperation, "verksted-regional-utvikling"),
        title="Verksted for regional utvikling 2021",
        start=at(2021, 12, 1, 9),
        end=at(2021, 12, 2, 15),
    )
    for number, (title, key) in enumerate(VERKSTED_2021, start=1):
        add_item(
            meeting,
            number,
            title=title,
            kind=CaseKind.DISCUSSION,
            sequence=number,
            minutes_text=text("seed_001", key),
            outcome=Outcome.DISCUSSED,
        )


def build_seed_004(cooperation: Cooperation) -> None:
    """The status case on regional competence work, before Kompetanseforum on 14.09.2021."""
    strategi = Case.create_for(
        cooperation,
        year=2019,
        title="Kompetansestrategi for Trøndelag",
        background="Vedtatt i fylkestinget 12. juni 2019 (sak 59/19).",
    )
    handlingsprogram = Case.create_for(
        cooperation,
        year=2020,
        title="Handlingsprogram 2020–2022 for kompetansestrategien",
        background="Vedtatt i fylkestinget i februar 2020 (sak 17/20).",
    )
    status = Case.create_for(
        cooperation,
        year=2021,
        kind=CaseKind.DISCUSSION,
        title="Status for regionalt kompetansearbeid i Trøndelag",
        proposed_decision=text("seed_004", "diskusjonspunkt"),
        background=text("seed_004", "saksfremstilling"),
        assessment=text("seed_004", "veien-videre"),
        external_references="\n".join(KOMPETANSE_EXTERNAL_REFERENCES),
    )
    status.references.set([strategi, handlingsprogram])
    for position, title in enumerate(KOMPETANSE_ATTACHMENTS, start=1):
        _attach_text(status, position, title)

    meeting = import_archive_meeting(
        body(cooperation, "kompetanseforum"),
        start=at(2021, 9, 14, 9),
        end=at(2021, 9, 14, 12),
    )
    add_item(
        meeting,
        1,
        case=status,
        kind=CaseKind.DISCUSSION,
        sequence=1,
        minutes_text=(
            "Kompetanseforum drøftet momentene til den politiske saken. Innspillene fra partene "
            "tas med i saken til fylkestinget i oktober."
        ),
        outcome=Outcome.DISCUSSED,
    )


def _attach_text(case: Case, position: int, title: str) -> Attachment:
    """A small text file standing in for an attachment the seed names but does not contain."""
    content = (
        f"{title}\n\n"
        f"Vedlegg til saken «{case.title}».\n\n"
        "Demodata: selve vedlegget er ikke en del av kildedokumentet. "
        "Denne filen står i stedet for det.\n"
    ).encode()
    attachment = Attachment(
        case=case,
        title=title,
        content_type="text/plain",
        size=len(content),
        position=position,
    )
    attachment.file.save(f"vedlegg-{position}.txt", ContentFile(content), save=False)
    attachment.save()
    return attachment

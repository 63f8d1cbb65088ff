"""Osloregionen: its members, bodies and people, and the archive from seeds 002 and 003."""

from __future__ import annotations

import datetime

from cases.models import CaseKind
from cooperation.models import Body, Cooperation, MandateVersion, Membership, Organisation, Person
from meetings.models import AgendaItem, Attendance, FollowUp, Meeting

from . import OSLOREGIONEN
from .helpers import (
    add_attendance,
    add_item,
    archive_case,
    at,
    body,
    import_archive_meeting,
    organisation,
    person,
)
from .texts import text

Kind = Organisation.Kind
Role = Membership.Role
Outcome = AgendaItem.Outcome

# (name, kind, part of). Seed 003's attendance list, plus Kongsberg (seed 002), Lillestrøm
# (seed 003's working groups) and the two counties.
ORGANISATIONS = [
    ("Viken fylkeskommune", Kind.COUNTY, None),
    ("Innlandet fylkeskommune", Kind.COUNTY, None),
    ("Hamarregionen", Kind.REGIONAL_COUNCIL, None),
    ("Gjøvikregionen", Kind.REGIONAL_COUNCIL, None),
    ("Folloregionen", Kind.REGIONAL_COUNCIL, None),
    ("Regionrådet for Hadeland", Kind.REGIONAL_COUNCIL, None),
    ("Samarbeidsrådet for Nedre Romerike", Kind.REGIONAL_COUNCIL, None),
    ("Gardemoregionen", Kind.REGIONAL_COUNCIL, None),
    ("Hamarregionen utvikling", Kind.OTHER, "Hamarregionen"),
    ("Oslo kommune", Kind.MUNICIPALITY, None),
    ("Bærum kommune", Kind.MUNICIPALITY, None),
    ("Drammen kommune", Kind.MUNICIPALITY, None),
    ("Fredrikstad kommune", Kind.MUNICIPALITY, None),
    ("Grue kommune", Kind.MUNICIPALITY, None),
    ("Halden kommune", Kind.MUNICIPALITY, None),
    ("Hamar kommune", Kind.MUNICIPALITY, "Hamarregionen"),
    ("Holmestrand kommune", Kind.MUNICIPALITY, None),
    ("Horten kommune", Kind.MUNICIPALITY, None),
    ("Kongsberg kommune", Kind.MUNICIPALITY, None),
    ("Lillestrøm kommune", Kind.MUNICIPALITY, None),
    ("Lunner kommune", Kind.MUNICIPALITY, "Regionrådet for Hadeland"),
    ("Ringerike kommune", Kind.MUNICIPALITY, None),
]
ORG_NUMBERS = {"Oslo kommune": "958935420"}
# The regional development agency takes part without being a member itself.
NOT_MEMBERS = {"Hamarregionen utvikling"}

BODIES = [
    {
        "slug": "representantskapet",
        "name": "Representantskapet",
        "kind": Body.Kind.COUNCIL,
        "is_political": True,
        "numbering": Body.Numbering.YEARLY,
        "approval_rule": Body.ApprovalRule.CHAIR_AND_MEMBERS,
    },
    {
        "slug": "styret",
        "name": "Styret",
        "kind": Body.Kind.BOARD,
        "is_political": True,
        "numbering": Body.Numbering.YEARLY,
        "approval_rule": Body.ApprovalRule.CHAIR_AND_MEMBERS,
    },
    {
        "slug": "administrativ-koordineringsgruppe",
        "name": "Administrativ koordineringsgruppe",
        "kind": Body.Kind.ADMINISTRATIVE_GROUP,
        "numbering": Body.Numbering.PER_MEETING,
    },
    {
        "slug": "faggruppe-naeringssamarbeid",
        "name": "Faggruppe for næringssamarbeid",
        "kind": Body.Kind.EXPERT_GROUP,
        "numbering": Body.Numbering.PER_MEETING,
        "has_information_item": True,
        "approval_rule": Body.ApprovalRule.NEXT_MEETING,
    },
]
FAGGRUPPE = "faggruppe-naeringssamarbeid"

# Seed 003's attendance list, in its order: (name, on behalf of). The first one chaired.
FAGGRUPPE_2023 = [
    ("Eli Arnkværn Bryhni", "Hamarregionen utvikling"),
    ("Karl Jørgen Tofte", "Horten kommune"),
    ("Nina Mosseby", "Samarbeidsrådet for Nedre Romerike"),
    ("Anne Solheim", "Oslo kommune"),
    ("Torstein Brandrud", "Lunner kommune"),
    ("Trine Knobel", "Gardemoregionen"),
    ("Lina Maria Linge", "Ringerike kommune"),
    ("Haakon Gjems", "Grue kommune"),
    ("Gina Finsrud", "Halden kommune"),
    ("Berte Helgestad", "Hamarregionen"),
    ("Svein Frydenlund", "Hamar kommune"),
    ("Anna Gyure-Szamosi", "Fredrikstad kommune"),
    ("Gunhild Paulsen", "Gjøvikregionen"),
    ("Arve Vannebo", "Holmestrand kommune"),
    ("Toril Lislien", "Drammen kommune"),
    ("Anne Feltman", "Bærum kommune"),
    ("Ola Haave", "Folloregionen"),
    ("Ingunn Granaasen", "Regionrådet for Hadeland"),
]
# People named elsewhere in seeds 002 and 003: (name, works for, title).
OTHER_PEOPLE = [
    ("Ingar Vaskinn", "Kongsberg kommune", "Næringssjef"),
    ("Svein Mygland", "Oslo kommune", ""),
    ("Mari Strømsvåg", None, "Sekretariatet for Osloregionen"),
    ("Øyvind Såtvedt", None, "Sekretariatet for Osloregionen"),
]
TITLES = {"Eli Arnkværn Bryhni": "Daglig leder"}

# The three working groups seed 003 set up, each with its members; the first one (bold in
# the minutes) calls the first meeting. "Maria/Jonas (Lillestrøm)" and "Gjøvik (bekrefter
# navn)" were not confirmed and are left out; "Gunnhild Paulson/Gjøvik" is Gunhild Paulsen.
WORKING_GROUPS = [
    {
        "slug": "arbeidsgruppe-strategiske-prioriteringer",
        "name": "Arbeidsgruppe for oppfølging av Osloregionens strategiske prioriteringer "
        "2025–2028",
        "members": ["Eli Arnkværn Bryhni", "Ingar Vaskinn", "Nina Mosseby", "Trine Knobel"],
        "note": "",
    },
    {
        "slug": "arbeidsgruppe-talentstrategi",
        "name": "Arbeidsgruppe for internasjonalt talentstrategidokument",
        "members": ["Karl Jørgen Tofte", "Gina Finsrud", "Lina Maria Linge", "Anne Feltman"],
        "note": " Lillestrøm kommune og Gjøvikregionen bekrefter navn på sine deltakere.",
    },
    {
        "slug": "arbeidsgruppe-gront-industriloft",
        "name": "Arbeidsgruppe for grønt industriløft og kraft",
        "members": [
            "Berte Helgestad",
            "Haakon Gjems",
            "Gunhild Paulsen",
            "Toril Lislien",
            "Svein Mygland",
        ],
        "note": "",
    },
]
WORKING_GROUPS_SET_UP = datetime.date(2023, 8, 31)

# Karl Jørgen Tofte is the demo's `medlem`: a member of the faggruppe and of Styret.
MEMBER_LOGIN_PERSON = "Karl Jørgen Tofte"
CHAIR_LOGIN_PERSON = "Eli Arnkværn Bryhni"


def build_structure() -> Cooperation:
    """The cooperation, its member organisations, bodies, people and memberships."""
    cooperation = Cooperation.objects.create(
        name="Osloregionen",
        short_name="Osloregionen",
        slug=OSLOREGIONEN,
        description=(
            "Samarbeid mellom kommuner, regionråd og fylkeskommuner i Osloregionen om areal, "
            "transport, næringsutvikling og internasjonal profilering."
        ),
        website="https://www.osloregionen.no/",
    )
    _build_organisations(cooperation)
    for fields in BODIES:
        Body.objects.create(cooperation=cooperation, **fields)
    _build_people(cooperation)
    _build_memberships(cooperation)
    return cooperation


def _build_organisations(cooperation: Cooperation) -> None:
    created = {}
    for name, kind, part_of in ORGANISATIONS:
        org = Organisation(
            cooperation=cooperation,
            name=name,
            kind=kind,
            part_of=created.get(part_of),
            org_number=ORG_NUMBERS.get(name, ""),
            is_member=name not in NOT_MEMBERS,
        )
        org.full_clean()
        org.save()
        created[name] = org


def _build_people(cooperation: Cooperation) -> None:
    rows = [(name, org, TITLES.get(name, "")) for name, org in FAGGRUPPE_2023] + OTHER_PEOPLE
    for name, works_for, title in rows:
        Person.objects.create(
            cooperation=cooperation,
            name=name,
            title=title,
            organisation=organisation(cooperation, works_for) if works_for else None,
        )


def _build_memberships(cooperation: Cooperation) -> None:
    faggruppe = body(cooperation, FAGGRUPPE)

    def member(name: str, group: Body, role: str, start: datetime.date, **extra) -> None:
        someone = person(cooperation, name)
        Membership.objects.create(
            person=someone,
            body=group,
            role=role,
            on_behalf_of=someone.organisation,
            start=start,
            **extra,
        )

    # Seed 002 (2020) names the chair and deputy chair "for the last few years".
    member("Eli Arnkværn Bryhni", faggruppe, Role.CHAIR, datetime.date(2019, 1, 1))
    member("Ingar Vaskinn", faggruppe, Role.DEPUTY_CHAIR, datetime.date(2019, 1, 1))
    for name, _org in FAGGRUPPE_2023[1:]:
        member(name, faggruppe, Role.MEMBER, datetime.date(2023, 1, 1))
    member("Svein Mygland", faggruppe, Role.DEPUTY, WORKING_GROUPS_SET_UP)
    member("Mari Strømsvåg", faggruppe, Role.SECRETARY, datetime.date(2023, 1, 1))
    member("Øyvind Såtvedt", body(cooperation, "styret"), Role.SECRETARY, datetime.date(2020, 1, 1))
    member(MEMBER_LOGIN_PERSON, body(cooperation, "styret"), Role.MEMBER, datetime.date(2023, 1, 1))

    for group in WORKING_GROUPS:
        working_group = Body.objects.create(
            cooperation=cooperation,
            slug=group["slug"],
            name=group["name"],
            kind=Body.Kind.WORKING_GROUP,
            parent=faggruppe,
            numbering=Body.Numbering.PER_MEETING,
            established=WORKING_GROUPS_SET_UP,
        )
        lead, *others = group["members"]
        member(lead, working_group, Role.MEMBER, WORKING_GROUPS_SET_UP, is_lead=True)
        for name in others:
            member(name, working_group, Role.MEMBER, WORKING_GROUPS_SET_UP)


def build_seed_002(cooperation: Cooperation) -> None:
    """Sak 48/20, the revised mandate of the faggruppe, and its path through three bodies."""
    styret = body(cooperation, "styret")
    faggruppe = body(cooperation, FAGGRUPPE)
    koordineringsgruppe = body(cooperation, "administrativ-koordineringsgruppe")

    evaluering = archive_case(
        cooperation,
        year=2020,
        sequence=33,
        title="Evaluering av Osloregionens internasjonale profileringsarbeid",
    )
    foringer = archive_case(
        cooperation,
        year=2020,
        sequence=35,
        title="Strategiske føringer for Osloregionen 2021–2024 – innstilling til "
        "representantskapet",
    )
    mandat = archive_case(
        cooperation,
        year=2020,
        sequence=48,
        title="Revidert mandat for faggruppe for næringssamarbeid i Osloregionen",
        responsible=person(cooperation, "Øyvind Såtvedt"),
        proposed_decision=text("seed_002", "forslag-til-vedtak"),
        background=text("seed_002", "saksfremstilling"),
        assessment=text("seed_002", "sekretariatets-vurdering"),
    )
    mandat.references.set([evaluering, foringer])

    # The two earlier cases are known only from what sak 48/20 quotes of them.
    juni = import_archive_meeting(styret, start=at(2020, 6, 23, 9), end=at(2020, 6, 23, 12))
    add_item(
        juni,
        1,
        case=evaluering,
        year=2020,
        sequence=33,
        minutes_text="Utdrag av vedtaket, slik det er gjengitt i sak 48/20.",
        decision=text("seed_002", "vedtak-33-20"),
        outcome=Outcome.ADOPTED,
    )
    add_item(
        juni,
        2,
        case=foringer,
        year=2020,
        sequence=35,
        minutes_text="Utdrag, slik det er gjengitt i sak 48/20.",
        decision="Styret vedtok innstilling til representantskapsmøtet i Osloregionen om "
        "strategiske føringer for perioden 2021–2024.",
        outcome=Outcome.ADOPTED,
    )

    august = import_archive_meeting(faggruppe, start=at(2020, 8, 18, 9), end=at(2020, 8, 18, 11))
    add_item(
        august,
        1,
        case=mandat,
        kind=CaseKind.DISCUSSION,
        sequence=1,
        minutes_text=text("seed_002", "behandling-faggruppe"),
        decision="Faggruppen sluttet seg til forslaget til sak med mindre endringer.",
        outcome=Outcome.ADOPTED_AMENDED,
    )
    koordinering = import_archive_meeting(
        koordineringsgruppe, start=at(2020, 8, 25, 13), end=at(2020, 8, 25, 15)
    )
    add_item(
        koordinering,
        1,
        case=mandat,
        kind=CaseKind.DISCUSSION,
        sequence=1,
        minutes_text=text("seed_002", "behandling-koordineringsgruppe"),
        outcome=Outcome.DISCUSSED,
    )

    new_mandate = MandateVersion.objects.create(
        body=faggruppe,
        text=text("seed_002", "mandat"),
        valid_from=datetime.date(2020, 9, 11),
        adopted_by="Styret i Osloregionen, sak 48/20",
    )
    september = import_archive_meeting(styret, start=at(2020, 9, 11, 9), end=at(2020, 9, 11, 12))
    add_item(
        september,
        1,
        case=mandat,
        year=2020,
        sequence=48,
        minutes_text="Forslag til vedtak ble enstemmig vedtatt.",
        decision=mandat.proposed_decision,
        outcome=Outcome.ADOPTED,
        vote=AgendaItem.Vote.UNANIMOUS,
        adopts_mandate=new_mandate,
    )


def build_seed_003(cooperation: Cooperation) -> Meeting:
    """The faggruppe's meeting at Klækken hotel on 31.08.2023, with the meeting before it."""
    faggruppe = body(cooperation, FAGGRUPPE)
    # Only its date is known, from item 2 of the August minutes.
    mai = import_archive_meeting(faggruppe, start=at(2023, 5, 23, 9), end=at(2023, 5, 23, 10, 30))
    meeting = import_archive_meeting(
        faggruppe,
        start=at(2023, 8, 31, 9),
        end=at(2023, 8, 31, 10, 30),
        place="Klækken hotel",
    )

    rows = [
        {
            "person": person(cooperation, name),
            "on_behalf_of": organisation(cooperation, org),
            "role": Attendance.Role.MEMBER,
            "is_chair": position == 0,
        }
        for position, (name, org) in enumerate(FAGGRUPPE_2023)
    ]
    rows.append({"person": person(cooperation, "Mari Strømsvåg"), "role": Attendance.Role.STAFF})
    add_attendance(meeting, rows)

    add_item(
        meeting,
        1,
        sequence=1,
        title="Godkjenning av innkalling",
        kind=CaseKind.FORMALITY,
        decision=text("seed_003", "sak-1"),
        outcome=Outcome.ADOPTED,
    )
    add_item(
        meeting,
        2,
        sequence=2,
        title="Godkjenning av referat fra møtet 23. mai 2023",
        kind=CaseKind.FORMALITY,
        previous_meeting=mai,
        decision=text("seed_003", "sak-2"),
        outcome=Outcome.ADOPTED,
    )
    add_item(
        meeting,
        3,
        sequence=3,
        title="Diskusjon for «Strategiske føringer 2025-2028»",
        kind=CaseKind.DISCUSSION,
        minutes_text=text("seed_003", "sak-3"),
        outcome=Outcome.DISCUSSED,
    )
    working_groups = list(
        Body.objects.filter(cooperation=cooperation, parent=faggruppe).order_by("pk")
    )
    handlingsprogram = add_item(
        meeting,
        4,
        sequence=4,
        title="Innspill til Handlingsprogram for 2024 – Konkurranseskraft og attraktivitet",
        kind=CaseKind.DISCUSSION,
        minutes_text=text("seed_003", "sak-4"),
        decision=text("seed_003", "sak-4-vedtak"),
        outcome=Outcome.ADOPTED,
        established_bodies=working_groups,
    )
    for group, spec in zip(working_groups, WORKING_GROUPS, strict=True):
        lead = group.memberships.get(is_lead=True).person
        FollowUp.objects.create(
            item=handlingsprogram,
            description=f"Kalle inn til første møte i {group.name}.{spec['note']}",
            responsible=lead,
        )
    add_item(
        meeting,
        5,
        sequence=5,
        title="Orienteringer fra sekretariatet",
        kind=CaseKind.INFORMATION,
        minutes_text=text("seed_003", "sak-5"),
        outcome=Outcome.NOTED,
    )
    return meeting

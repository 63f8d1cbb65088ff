"""Meetings around today, so that the demo has one meeting in every state of a meeting's life.

These are not from the seeds: their agendas continue the seeds' themes (working groups, the
yearly action programme, the rail campaign, the international talent network). Dates are
counted from the day the demo is loaded, so that future meetings stay in the future.
"""

from __future__ import annotations

from django.utils import timezone

from cases.models import Case, CaseKind
from cooperation.models import Cooperation, Person
from meetings.models import AgendaItem, Attendance, Meeting

from . import DRAFT_MARKER, EXEMPT_MARKER, EXEMPT_PUBLIC_TITLE
from .helpers import body, days_from_today, live, organisation, person, plan_meeting
from .osloregionen import CHAIR_LOGIN_PERSON

State = Meeting.State
Outcome = AgendaItem.Outcome
UNANIMOUS = AgendaItem.Vote.UNANIMOUS

NOTICE_APPROVED = {
    "title": "Godkjenning av innkalling og saksliste",
    "kind": CaseKind.FORMALITY,
    "decision": "Innkalling og saksliste ble godkjent.",
    "outcome": Outcome.ADOPTED,
    "vote": UNANIMOUS,
}
INFORMATION_FROM_SECRETARIAT = {
    "title": "Orienteringer fra sekretariatet",
    "kind": CaseKind.INFORMATION,
}


def approval_of_minutes(previous: Meeting, word: str, decision: str) -> dict:
    """The standard item that approves the minutes (protokoll, referat) of the previous meeting."""
    return {
        "title": f"Godkjenning av {word} fra forrige møte",
        "kind": CaseKind.FORMALITY,
        "previous_meeting": previous,
        "decision": decision,
        "outcome": Outcome.ADOPTED,
    }


def build_osloregionen(cooperation: Cooperation, *, by, klaekken: Meeting) -> None:
    """Styret, Representantskapet, the koordineringsgruppe and the faggruppe around today."""
    styret = body(cooperation, "styret")
    representantskapet = body(cooperation, "representantskapet")
    koordineringsgruppe = body(cooperation, "administrativ-koordineringsgruppe")
    faggruppe = body(cooperation, "faggruppe-naeringssamarbeid")
    saksansvarlig = person(cooperation, "Øyvind Såtvedt")
    medlem = person(cooperation, "Karl Jørgen Tofte")
    cases = _new_cases(cooperation, responsible=saksansvarlig)
    talent, jernbane, direktor = cases["talent"], cases["jernbane"], cases["direktor"]
    handlingsprogram, regnskap = cases["handlingsprogram"], cases["regnskap"]
    budsjett, arsmelding = cases["budsjett"], cases["arsmelding"]

    styret_present = [
        {"person": medlem, "on_behalf_of": medlem.organisation, "role": Attendance.Role.MEMBER},
        {"person": saksansvarlig, "role": Attendance.Role.STAFF},
    ]

    # Styret, ten weeks ago: minutes published; the appointment was withheld (Offl. § 25).
    published, drafted = plan_meeting(
        styret,
        start=days_from_today(-70, 10),
        end=days_from_today(-70, 13),
        place="Oslo rådhus",
        items=[
            NOTICE_APPROVED,
            {
                "case": talent,
                "kind": CaseKind.INFORMATION,
                "decision": "Styret tar orienteringen til etterretning.",
                "outcome": Outcome.NOTED,
            },
            {
                "case": jernbane,
                "minutes_text": "Styret ba om at kampanjen samordnes med fylkeskommunene.",
                "decision": jernbane.proposed_decision,
                "outcome": Outcome.ADOPTED,
                "vote": UNANIMOUS,
                "follow_ups": [
                    {
                        "description": "Legge fram plan for jernbanekampanjen for styret.",
                        "responsible": saksansvarlig,
                        "due": days_from_today(-30, 9).date(),
                        "done_at": days_from_today(-36, 12),
                    }
                ],
            },
            {
                "case": direktor,
                "kind": CaseKind.DECISION,
                "minutes_text": "Saken ble behandlet i lukket møte.",
                "decision": direktor.proposed_decision,
                "outcome": Outcome.ADOPTED,
                "vote": UNANIMOUS,
            },
        ],
    )
    live(published, by=by, until=State.PUBLISHED, drafted=drafted, attendance=styret_present)

    # Styret, five weeks ago: minutes approved, not yet published.
    approved, drafted = plan_meeting(
        styret,
        start=days_from_today(-35, 10),
        end=days_from_today(-35, 13),
        place="Oslo rådhus",
        items=[
            NOTICE_APPROVED,
            approval_of_minutes(published, "protokoll", "Protokollen ble godkjent."),
            {
                "case": handlingsprogram,
                "kind": CaseKind.DISCUSSION,
                "minutes_text": (
                    "Styret ba om at oppfølgingen av arbeidsgruppene i faggruppe for "
                    "næringssamarbeid synliggjøres i handlingsprogrammet."
                ),
                "outcome": Outcome.DISCUSSED,
            },
            {
                "case": regnskap,
                "kind": CaseKind.INFORMATION,
                "decision": regnskap.proposed_decision,
                "outcome": Outcome.NOTED,
            },
        ],
    )
    live(approved, by=by, until=State.APPROVED, drafted=drafted, attendance=styret_present)

    # Administrativ koordineringsgruppe, two weeks ago: draft minutes out for approval.
    in_approval, drafted = plan_meeting(
        koordineringsgruppe,
        start=days_from_today(-14, 13),
        end=days_from_today(-14, 14, 30),
        place="Teams",
        items=[
            {
                "case": handlingsprogram,
                "kind": CaseKind.DISCUSSION,
                "minutes_text": (
                    "Koordineringsgruppen støttet utkastet og ba om at innspillene fra "
                    "faggruppen innarbeides før styrebehandlingen."
                ),
                "outcome": Outcome.DISCUSSED,
            },
            {
                "title": "Forberedelse av styremøtet",
                "kind": CaseKind.DISCUSSION,
                "minutes_text": "Gruppen gikk gjennom sakslisten til styrets neste møte.",
                "outcome": Outcome.DISCUSSED,
            },
        ],
    )
    live(
        in_approval,
        by=by,
        until=State.IN_APPROVAL,
        drafted=drafted,
        # The chair has the demo login "leder": she approves these minutes in the browser.
        attendance=[
            {"person": person(cooperation, CHAIR_LOGIN_PERSON), "is_chair": True},
            {"person": saksansvarlig, "role": Attendance.Role.STAFF},
        ],
    )

    # Faggruppe, a week ago: held, minutes still a draft.
    held, drafted = plan_meeting(
        faggruppe,
        start=days_from_today(-7, 9),
        end=days_from_today(-7, 11),
        place="Lillestrøm rådhus",
        items=[
            {
                "title": "Godkjenning av innkalling",
                "kind": CaseKind.FORMALITY,
                "decision": "Innkalling ble godkjent.",
                "outcome": Outcome.ADOPTED,
            },
            approval_of_minutes(klaekken, "referat", "Referatet ble godkjent."),
            {
                "title": "Status fra arbeidsgruppene",
                "kind": CaseKind.INFORMATION,
                "minutes_text": (
                    "Lederne for de tre arbeidsgruppene orienterte om arbeidet så langt. "
                    + DRAFT_MARKER
                ),
                "outcome": Outcome.NOTED,
            },
            {
                "case": handlingsprogram,
                "kind": CaseKind.DISCUSSION,
                "minutes_text": (
                    "Faggruppen ga innspill til området konkurransekraft og attraktivitet: "
                    "kraft og krafttilgang, internasjonal rekruttering og jernbane."
                ),
                "outcome": Outcome.DISCUSSED,
            },
            INFORMATION_FROM_SECRETARIAT,
        ],
    )
    live(
        held,
        by=by,
        until=State.HELD,
        drafted=drafted,
        attendance=_faggruppe_attendance(cooperation),
    )

    # Styret in ten days: the notice has gone out and the items have their numbers.
    notice_sent, _drafted = plan_meeting(
        styret,
        start=days_from_today(10, 10),
        end=days_from_today(10, 13),
        place="Oslo rådhus",
        items=[
            NOTICE_APPROVED,
            approval_of_minutes(approved, "protokoll", "Protokollen ble godkjent."),
            {"case": budsjett},
            {"case": handlingsprogram},
            INFORMATION_FROM_SECRETARIAT,
        ],
    )
    live(notice_sent, by=by, until=State.NOTICE_SENT)

    # Representantskapet: an extra meeting called and then cancelled, and the ordinary one.
    cancelled, _drafted = plan_meeting(
        representantskapet,
        start=days_from_today(20, 12),
        end=days_from_today(20, 14),
        place="Oslo rådhus",
        items=[],
    )
    live(
        cancelled,
        by=by,
        until=State.CANCELLED,
        cancel_reason="Møtet er avlyst fordi ingen saker må behandles før det ordinære møtet.",
    )
    plan_meeting(
        representantskapet,
        start=days_from_today(120, 10),
        end=days_from_today(120, 15),
        place="Oslo rådhus",
        items=[
            {"title": "Godkjenning av innkalling og saksliste", "kind": CaseKind.FORMALITY},
            {
                "title": "Valg av to representanter til å underskrive protokollen",
                "kind": CaseKind.ELECTION,
            },
            {"case": arsmelding},
            {"case": handlingsprogram},
        ],
    )

    # Faggruppe in six weeks: planned, its agenda being drafted.
    plan_meeting(
        faggruppe,
        start=days_from_today(42, 9),
        end=days_from_today(42, 11),
        place="Teams",
        items=[
            {"title": "Godkjenning av innkalling", "kind": CaseKind.FORMALITY},
            {
                "title": "Godkjenning av referat fra forrige møte",
                "kind": CaseKind.FORMALITY,
                "previous_meeting": held,
            },
            {
                "title": "Oppfølging av strategiske føringer 2025–2028",
                "kind": CaseKind.DISCUSSION,
            },
            INFORMATION_FROM_SECRETARIAT,
        ],
    )


def _new_cases(cooperation: Cooperation, *, responsible: Person) -> dict[str, Case]:
    """This year's cases of Osloregionen, numbered as the secretariat creates them."""
    this_year = timezone.localdate().year
    next_year = this_year + 1

    def case(title: str, **fields) -> Case:
        return Case.create_for(
            cooperation, year=this_year, title=title, responsible=responsible, **fields
        )

    talent = case(
        "International Dual Career Network – status",
        kind=CaseKind.INFORMATION,
        proposed_decision="Styret tar orienteringen til etterretning.",
        background=(
            "Osloregionen har fått prosjektmidler til å starte et «International Dual Career "
            "Network» (IDCN). Nettverket prøves først ut i Søndre Viken, Kongsberg og "
            "Lillestrøm. Formålet er å få partnere til internasjonale arbeidstakere ut i jobb, "
            "så de trives, blir lenger og blir en ressurs for norsk samfunn."
        ),
    )
    jernbane = case(
        "Jernbanekampanje for Osloregionen",
        proposed_decision=(
            "Styret ber sekretariatet utarbeide en jernbanekampanje sammen med faggruppene, "
            "innenfor vedtatt budsjett."
        ),
        background=(
            "Faggruppe for næringssamarbeid har pekt på jernbanesatsing som et viktig tema for "
            "næringsutviklingen i regionen. Sekretariatet vurderer en kampanje som følger opp "
            "Osloregionens høringssvar til Nasjonal transportplan."
        ),
        assessment=(
            "Sekretariatet anbefaler at kampanjen rettes mot beslutningstakere i Stortinget."
        ),
    )
    direktor = case(
        EXEMPT_MARKER,
        public_title=EXEMPT_PUBLIC_TITLE,
        is_exempt=True,
        exemption_basis="Offl. § 25",
        proposed_decision=(
            "Styret gir styreleder fullmakt til å tilby stillingen som direktør til innstilt "
            "søker Kari Demodatter Lien."
        ),
        background=(
            "Ansettelsesutvalget har intervjuet fire søkere. Innstillingen med søkerliste og "
            "vurdering av søkerne legges fram i møtet."
        ),
    )
    handlingsprogram = case(
        f"Handlingsprogram for Osloregionen {next_year}",
        kind=CaseKind.DECISION,
        proposed_decision=(
            f"Styret legger fram forslag til handlingsprogram for {next_year} for "
            "representantskapet."
        ),
        background=(
            "Handlingsprogrammet følger opp de strategiske føringene for Osloregionen innenfor "
            "områdene areal, transport og klima, konkurransekraft og attraktivitet, og "
            "fellesskap og samarbeid. Utkastet er drøftet i styret, i administrativ "
            "koordineringsgruppe og i faggruppe for næringssamarbeid."
        ),
    )
    regnskap = case(
        "Regnskapsrapport per 2. tertial",
        kind=CaseKind.INFORMATION,
        proposed_decision="Styret tar regnskapsrapporten til orientering.",
    )
    budsjett = case(
        f"Budsjett for Osloregionen {next_year}",
        proposed_decision=(
            f"Styret legger fram forslag til budsjett for {next_year} for representantskapet, "
            "med uendret kontingent per innbygger."
        ),
    )
    arsmelding = case(
        "Årsmelding og regnskap",
        proposed_decision="Representantskapet godkjenner årsmelding og regnskap.",
    )
    return {
        "talent": talent,
        "jernbane": jernbane,
        "direktor": direktor,
        "handlingsprogram": handlingsprogram,
        "regnskap": regnskap,
        "budsjett": budsjett,
        "arsmelding": arsmelding,
    }


def _faggruppe_attendance(cooperation: Cooperation) -> list[dict]:
    """Who came to the faggruppe a week ago: one apology, met by a deputy from Oslo kommune."""

    def attends(name: str, **fields) -> dict:
        someone = person(cooperation, name)
        return {"person": someone, "on_behalf_of": someone.organisation, **fields}

    return [
        attends("Eli Arnkværn Bryhni", is_chair=True),
        attends("Karl Jørgen Tofte"),
        attends("Nina Mosseby"),
        attends("Trine Knobel"),
        attends("Berte Helgestad"),
        attends("Gunhild Paulsen"),
        attends("Toril Lislien"),
        attends("Anne Solheim", role=Attendance.Role.APOLOGIES),
        {
            "person": person(cooperation, "Svein Mygland"),
            "on_behalf_of": organisation(cooperation, "Oslo kommune"),
            "role": Attendance.Role.SUBSTITUTE,
            "substitute_for": person(cooperation, "Anne Solheim"),
        },
        {"person": person(cooperation, "Mari Strømsvåg"), "role": Attendance.Role.STAFF},
    ]


def build_ostlandssamarbeidet(cooperation: Cooperation) -> None:
    """The next meeting of the administrativ gruppe, planned."""
    plan_meeting(
        body(cooperation, "administrativ-gruppe"),
        start=days_from_today(30, 10),
        end=days_from_today(30, 12),
        place="Teams",
        items=[
            {
                "title": "Orienteringer",
                "kind": CaseKind.INFORMATION,
            },
            {
                "title": "Forberedelse av møte i fagpolitisk utvalg",
                "kind": CaseKind.DISCUSSION,
            },
        ],
    )

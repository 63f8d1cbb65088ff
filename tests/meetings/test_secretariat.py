"""The secretariat's workspace: each view works, keeps outsiders out, answers HTMX briefly."""

import datetime

import pytest

from cases.models import Case
from meetings.models import AgendaItem, Meeting
from tests.factories import (
    OSLO,
    bring_to,
    make_body,
    make_case,
    make_item,
    make_meeting,
)

State = Meeting.State
HTMX = {"HX-Request": "true"}


@pytest.fixture
def planned(body_x, secretary_a):
    return Meeting.plan(
        body=body_x,
        by=secretary_a,
        start=datetime.datetime(2026, 12, 10, 10, tzinfo=OSLO),
        place="Oslo rådhus",
    )


def titles(meeting):
    return list(meeting.items.order_by("position").values_list("title", flat=True))


@pytest.fixture
def as_secretary(client, secretary_a):
    client.force_login(secretary_a)
    # The first request of a session records when it was last active; the query counts
    # pinned below are those of the requests after it.
    client.get("/")
    return client


# Who gets in


@pytest.mark.django_db
def test_the_workspace_sends_anonymous_visitors_to_the_login(client, planned):
    for url in ("/sekretariat/", f"/sekretariat/moter/{planned.pk}/"):
        response = client.get(url)
        assert response.status_code == 302 and "/konto/logg-inn/" in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["member_x", "chair_x"])
def test_members_are_refused_the_workspace(client, planned, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get("/sekretariat/").status_code == 403
    assert client.get(f"/sekretariat/moter/{planned.pk}/").status_code == 403


@pytest.mark.django_db
def test_another_cooperations_secretary_does_not_find_the_meeting(client, planned, secretary_b):
    client.force_login(secretary_b)
    item = planned.items.first()
    assert client.get(f"/sekretariat/moter/{planned.pk}/").status_code == 404
    assert client.get(f"/sekretariat/saker/{item.pk}/referat/").status_code == 404
    url = f"/sekretariat/moter/{planned.pk}/saker/{item.pk}/fjern/"
    assert client.post(url).status_code == 404
    assert planned.items.filter(pk=item.pk).exists()


@pytest.mark.django_db
def test_state_changing_views_refuse_get(as_secretary, planned):
    item = planned.items.first()
    for url in (
        f"/sekretariat/moter/{planned.pk}/saker/ny/",
        f"/sekretariat/moter/{planned.pk}/saker/{item.pk}/flytt-opp/",
        f"/sekretariat/moter/{planned.pk}/saker/{item.pk}/fjern/",
    ):
        assert as_secretary.get(url).status_code == 405


# Dashboard


@pytest.mark.django_db
def test_the_dashboard_shows_only_the_secretarys_own_cooperation(
    as_secretary, planned, secretary_b, coop_b
):
    elsewhere = make_meeting(make_body(coop_b, name="Administrativ gruppe"))
    response = as_secretary.get("/sekretariat/")
    assert planned in response.context["to_do"]
    assert elsewhere not in response.context["to_do"] + response.context["upcoming"]
    assert "Fullfør sakslisten og send innkallingen" in response.text


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 25])
def test_the_dashboard_costs_the_same_queries_for_one_and_many_meetings(
    as_secretary, body_x, secretary_a, django_assert_num_queries, count
):
    for n in range(count):
        Meeting.plan(
            body=body_x,
            by=secretary_a,
            start=datetime.datetime(2027, 1, 1, 10, tzinfo=OSLO) + datetime.timedelta(days=n),
            place="Teams",
        )
    # session, user, the staff check, upcoming, to do, undelivered e-mail, overdue follow-ups,
    # the menu's staff check
    with django_assert_num_queries(8):
        as_secretary.get("/sekretariat/")


# Planning a meeting


@pytest.mark.django_db
def test_planning_a_meeting_adds_the_standard_items_and_links_the_previous_minutes(
    as_secretary, coop_a, secretary_a
):
    group = make_body(
        coop_a, name="Faggruppe", has_information_item=True, has_any_other_business=True
    )
    previous = make_meeting(group, start=datetime.datetime(2023, 5, 23, 9, tzinfo=OSLO))
    response = as_secretary.post(
        "/sekretariat/moter/ny/",
        {
            "body": group.pk,
            "start": "2023-08-31T09:00",
            "end": "2023-08-31T10:30",
            "place": "Klækken hotel",
        },
    )
    meeting = Meeting.objects.get(body=group, place="Klækken hotel")
    assert response.status_code == 302
    assert titles(meeting) == [
        "Godkjenning av innkalling og saksliste",
        "Godkjenning av referat fra forrige møte",
        "Orienteringer",
        "Eventuelt",
    ]
    assert meeting.items.get(position=2).previous_meeting == previous
    assert meeting.events.get().actor == secretary_a


@pytest.mark.django_db
def test_a_meeting_without_place_or_link_or_ending_before_it_starts_is_explained(
    as_secretary, body_x
):
    response = as_secretary.post(
        "/sekretariat/moter/ny/",
        {"body": body_x.pk, "start": "2026-12-10T10:00", "end": "2026-12-10T09:00", "place": ""},
    )
    assert response.status_code == 200
    assert "Oppgi et sted, en videolenke eller begge" in response.text
    assert not Meeting.objects.exists()


@pytest.mark.django_db
def test_a_body_of_another_cooperation_cannot_be_chosen(as_secretary, coop_b):
    other = make_body(coop_b, name="Representantskapet")
    response = as_secretary.post(
        "/sekretariat/moter/ny/",
        {"body": other.pk, "start": "2026-12-10T10:00", "place": "Hamar"},
    )
    assert "body" in response.context["form"].errors
    assert not Meeting.objects.exists()


# The agenda builder


@pytest.mark.django_db
def test_a_new_case_is_added_before_any_other_business_with_a_reference(as_secretary, coop_a):
    group = make_body(coop_a, name="Faggruppe", has_any_other_business=True)
    meeting = Meeting.plan(
        body=group,
        by=coop_a.staff.get().user,
        start=datetime.datetime(2026, 12, 10, 10, tzinfo=OSLO),
        place="Teams",
    )
    response = as_secretary.post(
        f"/sekretariat/moter/{meeting.pk}/saker/ny/",
        {"new_title": "Jernbanekampanje for Osloregionen", "kind": "decision"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "<html" not in response.text and 'id="agenda"' in response.text
    case = Case.objects.get(title="Jernbanekampanje for Osloregionen")
    assert case.reference.endswith("/1")
    assert meeting.items.order_by("position").last().title == "Eventuelt"
    assert meeting.items.get(position=3).case == case


@pytest.mark.django_db
def test_an_existing_case_is_added_and_the_choice_must_be_one_or_the_other(
    as_secretary, planned, coop_a
):
    case = make_case(coop_a, title="Strategiske føringer 2025–2028")
    url = f"/sekretariat/moter/{planned.pk}/saker/ny/"
    both = as_secretary.post(
        url, {"case": case.pk, "new_title": "Noe", "kind": "decision"}, headers=HTMX
    )
    assert both.status_code == 422 and "én av dem" in both.text
    assert as_secretary.post(url, {"case": case.pk, "kind": "decision"}).status_code == 302
    assert planned.items.filter(case=case).exists()


@pytest.mark.django_db
def test_items_move_up_and_down_with_the_keyboard_accessible_buttons(as_secretary, planned):
    first, second = planned.items.order_by("position")
    url = f"/sekretariat/moter/{planned.pk}/saker/{second.pk}/flytt-opp/"
    response = as_secretary.post(url, headers=HTMX)
    assert response.status_code == 200 and "<html" not in response.text
    assert list(planned.items.order_by("position")) == [second, first]
    as_secretary.post(f"/sekretariat/moter/{planned.pk}/saker/{second.pk}/flytt-ned/")
    assert list(planned.items.order_by("position")) == [first, second]
    assert (
        as_secretary.post(
            f"/sekretariat/moter/{planned.pk}/saker/{second.pk}/flytt-sidelengs/"
        ).status_code
        == 404
    )


@pytest.mark.django_db
def test_an_item_is_removed_and_the_rest_close_ranks(as_secretary, planned):
    first, second = planned.items.order_by("position")
    as_secretary.post(f"/sekretariat/moter/{planned.pk}/saker/{first.pk}/fjern/")
    assert list(planned.items.values_list("pk", "position")) == [(second.pk, 1)]


@pytest.mark.django_db
def test_after_the_notice_the_agenda_is_locked_with_a_message(as_secretary, planned, secretary_a):
    bring_to(planned, State.NOTICE_SENT, secretary_a)
    item = planned.items.first()
    response = as_secretary.post(
        f"/sekretariat/moter/{planned.pk}/saker/{item.pk}/fjern/", follow=True
    )
    assert "kan ikke lenger endres" in response.text
    assert planned.items.filter(pk=item.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("count", [3, 30])
def test_the_workspace_and_its_htmx_moves_cost_the_same_for_3_and_30_items(
    as_secretary, body_x, secretary_a, django_assert_num_queries, count
):
    meeting = make_meeting(body_x)
    items = [make_item(meeting, title=f"Sak {n}") for n in range(count)]
    # session, user, staff check (kept for the request), meeting, items, the menu's staff
    # check; the add form lists no cases (they are searched for)
    with django_assert_num_queries(6):
        as_secretary.get(f"/sekretariat/moter/{meeting.pk}/")
    url = f"/sekretariat/moter/{meeting.pk}/saker/{items[1].pk}/flytt-opp/"
    # the same three, the meeting, the item, the savepoint, the locked items, two position
    # updates, its release, and the agenda's items (a move answers without the add form)
    with django_assert_num_queries(11):
        as_secretary.post(url, headers=HTMX)


# Moving the meeting on


@pytest.mark.django_db
def test_the_notice_is_previewed_then_sent_and_sending_twice_is_explained(as_secretary, planned):
    url = f"/sekretariat/moter/{planned.pk}/send-innkalling/"
    preview = as_secretary.get(url)
    assert "Godkjenning av innkalling og saksliste" in preview.text
    planned.refresh_from_db()
    assert planned.state == State.PLANNED
    as_secretary.post(url)
    planned.refresh_from_db()
    assert planned.state == State.NOTICE_SENT
    assert planned.items.first().number == "01/26"
    again = as_secretary.post(url, follow=True)
    assert again.status_code == 200
    assert "Innkallingen kan bare sendes én gang" in again.text


@pytest.mark.django_db
def test_an_unknown_move_is_not_found(as_secretary, planned):
    assert as_secretary.post(f"/sekretariat/moter/{planned.pk}/teleporter/").status_code == 404


@pytest.mark.django_db
def test_a_meeting_is_cancelled_with_its_reason(as_secretary, planned):
    as_secretary.post(f"/sekretariat/moter/{planned.pk}/avlys/", {"reason": "Ingen saker"})
    planned.refresh_from_db()
    assert (planned.state, planned.cancelled_reason) == (State.CANCELLED, "Ingen saker")


# Writing the minutes


@pytest.fixture
def held_item(body_x, secretary_a, coop_a):
    meeting = make_meeting(body_x)
    case = make_case(coop_a, proposed_decision="Styret slutter seg til revidert mandat.")
    item = make_item(meeting, case=case)
    bring_to(meeting, State.HELD, secretary_a)
    return item


def minutes(version, text="Sekretariatet orienterte.", **extra):
    return {
        "version": version,
        "minutes_text": text,
        "decision": "Vedtatt.",
        "outcome": "adopted",
        "vote": "unanimous",
        **extra,
    }


@pytest.mark.django_db
def test_the_decision_is_prefilled_from_the_proposed_decision(as_secretary, held_item):
    response = as_secretary.get(f"/sekretariat/saker/{held_item.pk}/referat/")
    assert "Styret slutter seg til revidert mandat." in response.text


@pytest.mark.django_db
def test_an_autosave_answers_with_the_status_only_and_the_new_version(as_secretary, held_item):
    url = f"/sekretariat/saker/{held_item.pk}/referat/"
    response = as_secretary.post(url, minutes(1), headers=HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text and 'id="minutes-status"' in response.text
    assert 'name="version" value="2"' in response.text
    held_item.refresh_from_db()
    assert (held_item.minutes_text, held_item.version) == ("Sekretariatet orienterte.", 2)


@pytest.mark.django_db
def test_a_stale_save_is_refused_and_shows_the_other_text_keeping_the_writers(
    as_secretary, held_item
):
    url = f"/sekretariat/saker/{held_item.pk}/referat/"
    as_secretary.post(url, minutes(1, "Først lagret av Mari."), headers=HTMX)
    response = as_secretary.post(url, minutes(1, "Mitt utkast."), headers=HTMX)
    assert response.status_code == 409
    assert "Først lagret av Mari." in response.text
    assert 'name="version" value="2"' in response.text, "the next save is checked against it"
    held_item.refresh_from_db()
    assert held_item.minutes_text == "Først lagret av Mari."
    full = as_secretary.post(url, minutes(1, "Mitt utkast."))
    assert full.status_code == 409 and "Mitt utkast." in full.text


@pytest.mark.django_db
def test_a_counted_vote_without_numbers_is_explained_next_to_the_field(as_secretary, held_item):
    url = f"/sekretariat/saker/{held_item.pk}/referat/"
    response = as_secretary.post(url, minutes(1, vote="counted", votes_for=5), headers=HTMX)
    assert response.status_code == 422
    assert "stemmer for og mot" in response.text
    assert AgendaItem.objects.get(pk=held_item.pk).version == 1


@pytest.mark.django_db
def test_approved_minutes_cannot_be_saved_from_the_editor(as_secretary, held_item, secretary_a):
    bring_to(held_item.meeting, State.APPROVED, secretary_a)
    response = as_secretary.post(f"/sekretariat/saker/{held_item.pk}/referat/", minutes(1))
    assert response.status_code == 400
    assert AgendaItem.objects.get(pk=held_item.pk).minutes_text == ""


@pytest.mark.django_db
@pytest.mark.parametrize("count", [3, 30])
def test_an_autosave_costs_the_same_queries_on_a_3_and_a_30_item_meeting(
    as_secretary, body_x, secretary_a, django_assert_num_queries, count
):
    meeting = make_meeting(body_x)
    items = [make_item(meeting, title=f"Sak {n}") for n in range(count)]
    bring_to(meeting, State.HELD, secretary_a)
    url = f"/sekretariat/saker/{items[0].pk}/referat/"
    # session, user, staff check (kept for the request, so the model's check is free), the
    # item with its meeting and case, and one conditional UPDATE: quality.md's budget of 5
    with django_assert_num_queries(5):
        assert as_secretary.post(url, minutes(1), headers=HTMX).status_code == 200


@pytest.mark.django_db
def test_an_autosave_while_out_for_approval_locks_the_meeting_and_checks_approvals(
    as_secretary, body_x, secretary_a, django_assert_num_queries
):
    meeting = make_meeting(body_x)
    item = make_item(meeting, title="Sak 1")
    bring_to(meeting, State.IN_APPROVAL, secretary_a)
    url = f"/sekretariat/saker/{item.pk}/referat/"
    # the five above, but the UPDATE runs under the meeting's row lock (a SELECT … FOR NO
    # KEY UPDATE, inside a savepoint here) and asks whether any approval could lapse
    with django_assert_num_queries(9):
        assert as_secretary.post(url, minutes(1), headers=HTMX).status_code == 200


# Follow-ups, working groups, the preview


@pytest.mark.django_db
def test_a_follow_up_is_added_with_responsible_and_due_date_and_marked_done(
    as_secretary, held_item, coop_a
):
    from tests.factories import make_person

    mari = make_person(coop_a, name="Mari Strømsvåg")
    as_secretary.post(
        f"/sekretariat/saker/{held_item.pk}/oppfolging/",
        {
            "oppfolging-description": "Kalle inn til første møte",
            "oppfolging-responsible": mari.pk,
            "oppfolging-due": "2026-12-01",
        },
    )
    task = held_item.follow_ups.get()
    assert (task.responsible, str(task.due)) == (mari, "2026-12-01")
    as_secretary.post(f"/sekretariat/oppfolging/{task.pk}/utfort/")
    task.refresh_from_db()
    assert task.done_at is not None
    page = as_secretary.get(f"/sekretariat/saker/{held_item.pk}/referat/").text
    assert "Kalle inn til første møte" in page


@pytest.mark.django_db
def test_a_working_group_is_set_up_under_the_body_with_its_lead(as_secretary, held_item, coop_a):
    from tests.factories import make_person

    eli, ingar = make_person(coop_a, name="Eli Bryhni"), make_person(coop_a, name="Ingar Vaskinn")
    url = f"/sekretariat/saker/{held_item.pk}/arbeidsgruppe/"
    refused = as_secretary.post(
        url,
        {
            "gruppe-name": "Arbeidsgruppe for kraft",
            "gruppe-members": [ingar.pk],
            "gruppe-lead": eli.pk,
        },
        follow=True,
    )
    assert "Lederen må være ett av medlemmene" in refused.text
    as_secretary.post(
        url,
        {
            "gruppe-name": "Arbeidsgruppe for kraft",
            "gruppe-members": [eli.pk, ingar.pk],
            "gruppe-lead": eli.pk,
        },
    )
    group = held_item.established_bodies.get()
    assert (group.parent, group.kind) == (held_item.meeting.body, "working_group")
    assert list(group.memberships.filter(is_lead=True).values_list("person__name", flat=True)) == [
        "Eli Bryhni"
    ]


@pytest.mark.django_db
def test_the_preview_shows_the_draft_minutes_as_the_public_will_see_them(
    as_secretary, client, held_item
):
    url = f"/sekretariat/saker/{held_item.pk}/referat/"
    as_secretary.post(url, minutes(1, "Utkast til referat."))
    preview = as_secretary.get(f"/sekretariat/moter/{held_item.meeting.pk}/forhandsvisning/")
    assert "Utkast til referat." in preview.text and "Forhåndsvisning" in preview.text
    client.logout()
    public = client.get(f"/moter/{held_item.meeting.pk}/")
    assert "Utkast til referat." not in public.text


@pytest.mark.django_db
def test_a_dragged_item_moves_as_many_places_as_it_was_dragged(as_secretary, planned):
    for title in ("A", "B", "C"):
        planned.add_item(by=planned.body.cooperation.staff.get().user, title=title)
    last = planned.items.get(title="C")
    url = f"/sekretariat/moter/{planned.pk}/saker/{last.pk}/flytt-ned/"
    as_secretary.post(url, {"steps": "-3"}, headers=HTMX)
    assert titles(planned)[1] == "C"
    as_secretary.post(url, {"steps": "not a number"}, headers=HTMX)
    assert titles(planned)[2] == "C", "a bad value falls back to one step"


@pytest.mark.django_db
def test_disqualified_members_are_chosen_among_those_present(as_secretary, held_item, coop_a):
    from tests.factories import make_attendance, make_person

    present = make_person(coop_a, name="Anne Solheim")
    absent = make_person(coop_a, name="Ola Haave")
    make_attendance(held_item.meeting, present)
    make_attendance(held_item.meeting, absent, role="apologies")
    url = f"/sekretariat/saker/{held_item.pk}/inhabil/"
    as_secretary.post(url, {"people": [absent.pk]})
    assert list(held_item.disqualified.all()) == []
    as_secretary.post(url, {"people": [present.pk]})
    assert list(held_item.disqualified.all()) == [present]
